using System.Runtime.CompilerServices;
using Dgl.Sampling;
using Dgl.Tensors;

namespace Dgl.Dataloading;

/// <summary>Gathers named node and edge features of a sampled subgraph now (DGL's lazy-feature prefetch).</summary>
internal static class SubgraphPrefetch
{
    public static void Apply(Graph sg, IReadOnlyList<string> nodeFeats, IReadOnlyList<string> edgeFeats, string op)
    {
        foreach (var name in nodeFeats)
        {
            var found = false;
            for (var t = 0; t < sg.NodeTypes.Count; t++) found |= sg.SrcFrame(t).TryGetValue(name, out _);
            if (!found) throw SamplingErrors.Argument("prefetchNdata", $"{op}: no node type has the feature '{name}' to prefetch");
        }
        foreach (var name in edgeFeats)
        {
            var found = false;
            for (var r = 0; r < sg.NumRelations; r++) found |= sg.EdgeFrame(r).TryGetValue(name, out _);
            if (!found) throw SamplingErrors.Argument("prefetchEdata", $"{op}: no edge type has the feature '{name}' to prefetch");
        }
    }
}

/// <summary>
/// Cluster-GCN's sampler (Chiang et al. 2019; DGL's <c>dgl.dataloading.ClusterGCNSampler</c>): the graph is split
/// into k parts by METIS once; a batch of part numbers becomes the subgraph induced on the union of those parts'
/// nodes (in the order of the parts given, each part's nodes in increasing id).
/// </summary>
/// <example>
/// <code>
/// var sampler = new ClusterGcnSampler(g, 100, prefetchNdata: ["feat", "label"]);
/// using var loader = new DataLoader&lt;Graph&gt;(g, Tensor.Arange(100, DType.Int32), sampler, batchSize: 20, shuffle: true);
/// foreach (var subgraph in loader) { /* full-graph training on the subgraph */ }
/// </code>
/// </example>
public sealed class ClusterGcnSampler : ISampler<Graph>
{
    private readonly int[] _offsets;
    private readonly int[] _nodes;

    /// <summary>Partitions <paramref name="g"/> into <paramref name="k"/> parts (or takes a given assignment).</summary>
    /// <param name="g">A graph with one node type and one edge type.</param>
    /// <param name="k">Number of parts.</param>
    /// <param name="partitionAssignment">The part of each node, instead of running METIS (DGL reads it from its cache file).</param>
    /// <param name="balanceNtypes">Per-node categories to balance across parts (see <see cref="Metis.PartitionAssignment"/>).</param>
    /// <param name="balanceEdges">Balance the edges per part.</param>
    /// <param name="mode">METIS k-way (default) or recursive.</param>
    /// <param name="prefetchNdata">Node features gathered for each subgraph.</param>
    /// <param name="prefetchEdata">Edge features gathered for each subgraph.</param>
    /// <exception cref="DllNotFoundException">METIS is needed and <c>libmetis5</c> is not installed.</exception>
    /// <exception cref="ArgumentException">An assignment of the wrong length or with parts outside 0..k-1.</exception>
    public ClusterGcnSampler(Graph g, int k, IdArray? partitionAssignment = null, Tensor? balanceNtypes = null, bool balanceEdges = false, MetisMode mode = MetisMode.KWay, IEnumerable<string>? prefetchNdata = null, IEnumerable<string>? prefetchEdata = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var part = partitionAssignment?.Array ?? Metis.PartitionAssignment(g, k, balanceNtypes, balanceEdges, mode).ToArray<int>();
        var n = g.NumSrcNodes(0);
        if (part.Length != n)
            throw new ArgumentException($"ClusterGcnSampler: the assignment has {part.Length} entries but the graph has {n} nodes", nameof(partitionAssignment));
        _offsets = new int[k + 1];
        foreach (var p in part)
        {
            if (p < 0 || p >= k) throw new ArgumentException($"ClusterGcnSampler: part {p} is outside 0..{k - 1}", nameof(partitionAssignment));
            _offsets[p + 1]++;
        }
        for (var p = 0; p < k; p++) _offsets[p + 1] += _offsets[p];
        _nodes = new int[n];
        var cursor = (int[])_offsets.Clone();
        for (var v = 0; v < n; v++) _nodes[cursor[part[v]]++] = v;
        NumPartitions = k;
        PrefetchNdata = [.. prefetchNdata ?? []];
        PrefetchEdata = [.. prefetchEdata ?? []];
    }

    /// <summary>Number of parts.</summary>
    public int NumPartitions { get; }

    /// <summary>Node features gathered for each subgraph.</summary>
    public IReadOnlyList<string> PrefetchNdata { get; }

    /// <summary>Edge features gathered for each subgraph.</summary>
    public IReadOnlyList<string> PrefetchEdata { get; }

    /// <summary>The nodes of part <paramref name="p"/>, in increasing id.</summary>
    public ReadOnlySpan<int> PartitionNodes(int p)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(p);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(p, NumPartitions);
        return _nodes.AsSpan(_offsets[p], _offsets[p + 1] - _offsets[p]);
    }

    /// <summary>The subgraph induced on the parts listed in <paramref name="seeds"/> (untyped part numbers).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A part number outside 0..k-1.</exception>
    public Graph Sample(Graph graph, SeedBatch seeds)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(seeds);
        var parts = seeds.Ids ?? throw SamplingErrors.Argument(nameof(seeds), "ClusterGcnSampler: the batch must hold part numbers (untyped ids)");
        Graph.CheckIds(parts, NumPartitions, "partition", $"the {NumPartitions} partitions");
        var nodes = new List<int>();
        foreach (var p in parts) nodes.AddRange(_nodes.AsSpan(_offsets[p], _offsets[p + 1] - _offsets[p]));
        var sg = graph.NodeSubgraph(nodes.ToArray());
        SubgraphPrefetch.Apply(sg, PrefetchNdata, PrefetchEdata, "ClusterGcnSampler");
        return sg;
    }
}

/// <summary>What a GraphSAINT sampler draws.</summary>
public enum SaintMode
{
    /// <summary>Nodes, with probability proportional to their out-degree (at least 1), with replacement.</summary>
    Node,

    /// <summary>Edges, with probability ∝ 1/in-degree(dst) + 1/out-degree(src), with replacement; their endpoints.</summary>
    Edge,

    /// <summary>The nodes on random walks from uniformly drawn roots.</summary>
    Walk,
}

/// <summary>
/// GraphSAINT's subgraph samplers (Zeng et al. 2020; DGL's <c>dgl.dataloading.SAINTSampler</c>): each batch is the
/// subgraph induced on a random node set — <paramref name="budget"/> degree-weighted node draws, budget weighted
/// edge draws' endpoints, or the nodes of budget random walks — ignoring the batch's ids (iterate a loader over
/// <c>0..numIterations-1</c>). The nodes are sorted and distinct.
/// </summary>
/// <param name="mode">What to draw.</param>
/// <param name="budget">Node draws, edge draws, or walk roots.</param>
/// <param name="walkLength">Steps per walk (walk mode).</param>
/// <param name="prefetchNdata">Node features gathered for each subgraph.</param>
/// <param name="prefetchEdata">Edge features gathered for each subgraph.</param>
public sealed class SaintSampler(SaintMode mode, int budget, int walkLength = 0, IEnumerable<string>? prefetchNdata = null, IEnumerable<string>? prefetchEdata = null) : ISampler<Graph>
{
    private readonly ConditionalWeakTable<Graph, AliasTable> _tables = [];

    /// <summary>The mode.</summary>
    public SaintMode Mode { get; } = mode;

    /// <summary>Draws (or roots) per batch.</summary>
    public int Budget { get; } = budget > 0 ? budget : throw new ArgumentOutOfRangeException(nameof(budget), $"SaintSampler: budget = {budget} must be positive");

    /// <summary>Steps per walk (walk mode).</summary>
    public int WalkLength { get; } = mode != SaintMode.Walk || walkLength > 0 ? walkLength : throw new ArgumentOutOfRangeException(nameof(walkLength), $"SaintSampler: walk mode needs walkLength >= 1; got {walkLength}");

    /// <summary>Node features gathered for each subgraph.</summary>
    public IReadOnlyList<string> PrefetchNdata { get; } = [.. prefetchNdata ?? []];

    /// <summary>Edge features gathered for each subgraph.</summary>
    public IReadOnlyList<string> PrefetchEdata { get; } = [.. prefetchEdata ?? []];

    /// <summary>Samples one subgraph (the batch's ids are not used; its key is).</summary>
    public Graph Sample(Graph graph, SeedBatch seeds)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(seeds);
        if (graph.NodeTypes.Count != 1 || graph.NumRelations != 1)
            throw new ArgumentException($"SaintSampler: the graph has {graph.NodeTypes.Count} node types and {graph.NumRelations} edge types; GraphSAINT samples homogeneous graphs", nameof(graph));
        var nodes = Mode switch
        {
            SaintMode.Node => NodeDraws(graph, seeds.RandomKey),
            SaintMode.Edge => EdgeDraws(graph, seeds.RandomKey),
            _ => WalkNodes(graph, seeds.RandomKey),
        };
        var sg = graph.NodeSubgraph(nodes);
        SubgraphPrefetch.Apply(sg, PrefetchNdata, PrefetchEdata, "SaintSampler");
        return sg;
    }

    private int[] NodeDraws(Graph g, ulong key)
    {
        var table = _tables.GetValue(g, gr =>
        {
            var deg = gr.OutCsr(0);
            var w = new double[gr.NumSrcNodes(0)];
            for (var v = 0; v < w.Length; v++) w[v] = Math.Max(1, deg.IndPtr[v + 1] - deg.IndPtr[v]);
            return new AliasTable(w);
        });
        return SortedDistinct(table.Draw(Budget, key), g.NumSrcNodes(0));
    }

    private int[] EdgeDraws(Graph g, ulong key)
    {
        var (src, dst) = g.Coo(0);
        var table = _tables.GetValue(g, gr =>
        {
            var outCsr = gr.OutCsr(0);
            var inCsr = gr.InCsr(0);
            var w = new double[src.Length];
            for (var e = 0; e < w.Length; e++)
            {
                var din = Math.Max(1, inCsr.IndPtr[dst[e] + 1] - inCsr.IndPtr[dst[e]]);
                var dout = Math.Max(1, outCsr.IndPtr[src[e] + 1] - outCsr.IndPtr[src[e]]);
                w[e] = 1.0 / din + 1.0 / dout;
            }
            return new AliasTable(w);
        });
        var edges = table.Draw(Budget, key);
        var nodes = new int[edges.Length * 2];
        for (var i = 0; i < edges.Length; i++)
        {
            nodes[2 * i] = src[edges[i]];
            nodes[2 * i + 1] = dst[edges[i]];
        }
        return SortedDistinct(nodes, g.NumSrcNodes(0));
    }

    private int[] WalkNodes(Graph g, ulong key)
    {
        var n = g.NumSrcNodes(0);
        if (n == 0) return [];
        var roots = new int[Budget];
        var rng = new RandomStream(key, -1);
        for (var i = 0; i < roots.Length; i++) roots[i] = rng.NextInt(n);
        var (traces, _) = GraphSampling.Walk(g, roots, new int[WalkLength], new WeightReader?[1], new double[WalkLength], key);
        return SortedDistinct([.. traces.Where(v => v >= 0)], n);
    }

    private static int[] SortedDistinct(int[] ids, int n)
    {
        var seen = new bool[n];
        foreach (var v in ids) seen[v] = true;
        var result = new List<int>();
        for (var v = 0; v < n; v++) if (seen[v]) result.Add(v);
        return [.. result];
    }

    /// <summary>Walker's alias table for O(1) draws with replacement from a fixed distribution.</summary>
    private sealed class AliasTable
    {
        private readonly double[] _keep;
        private readonly int[] _alias;

        public AliasTable(double[] w)
        {
            var n = w.Length;
            _keep = new double[n];
            _alias = new int[n];
            double total = 0;
            foreach (var x in w) total += x;
            var small = new Stack<int>();
            var large = new Stack<int>();
            for (var i = 0; i < n; i++)
            {
                _keep[i] = total > 0 ? w[i] * n / total : 1;
                _alias[i] = i;
                (_keep[i] < 1 ? small : large).Push(i);
            }
            while (small.Count > 0 && large.Count > 0)
            {
                var s = small.Pop();
                var l = large.Pop();
                _alias[s] = l;
                _keep[l] += _keep[s] - 1;
                (_keep[l] < 1 ? small : large).Push(l);
            }
            foreach (var i in small) _keep[i] = 1;
            foreach (var i in large) _keep[i] = 1;
        }

        public int[] Draw(int count, ulong key)
        {
            var n = _keep.Length;
            var result = new int[n == 0 ? 0 : count];
            for (var i = 0; i < result.Length; i++)
            {
                var rng = new RandomStream(key, i);
                var j = rng.NextInt(n);
                result[i] = rng.NextDouble() < _keep[j] ? j : _alias[j];
            }
            return result;
        }
    }
}

/// <summary>A ShaDow-GNN batch: the seeds, the nodes of their sampled k-hop neighbourhood, and the subgraph induced on them.</summary>
public sealed class ShadowBatch
{
    internal ShadowBatch(IReadOnlyList<string> nodeTypes, Tensor[] input, Tensor[] output, Graph subgraph)
    {
        InputNodesByType = BlockBatch.ByType(nodeTypes, input);
        OutputNodesByType = BlockBatch.ByType(nodeTypes, output);
        Subgraph = subgraph;
    }

    /// <summary>The subgraph's nodes (ids in the graph; the seeds first), one node type.</summary>
    public Tensor InputNodes => BlockBatch.Single(InputNodesByType, nameof(InputNodesByType));

    /// <summary>The seeds, one node type.</summary>
    public Tensor OutputNodes => BlockBatch.Single(OutputNodesByType, nameof(OutputNodesByType));

    /// <summary>The subgraph's nodes per node type.</summary>
    public IReadOnlyDictionary<string, Tensor> InputNodesByType { get; }

    /// <summary>The seeds per node type.</summary>
    public IReadOnlyDictionary<string, Tensor> OutputNodesByType { get; }

    /// <summary>The subgraph induced on <see cref="InputNodes"/> (node i of the subgraph is input node i).</summary>
    public Graph Subgraph { get; }

    /// <summary>Deconstructs into (input nodes, output nodes, subgraph).</summary>
    public void Deconstruct(out Tensor inputNodes, out Tensor outputNodes, out Graph subgraph)
    {
        inputNodes = InputNodes;
        outputNodes = OutputNodes;
        subgraph = Subgraph;
    }
}

/// <summary>
/// ShaDow-GNN's sampler (Zeng et al. 2021; DGL's <c>dgl.dataloading.ShaDowKHopSampler</c>): expands the seeds layer by
/// layer with neighbour sampling (as <see cref="NeighborSampler"/> would), then returns the subgraph induced on all
/// the nodes reached — every edge among them, not only the sampled ones. Its first nodes are the seeds.
/// </summary>
/// <param name="fanouts">Fanout per hop (input side first, as NeighborSampler).</param>
/// <param name="replace">Sample with replacement.</param>
/// <param name="prob">Edge feature of sampling probabilities.</param>
/// <param name="prefetchNodeFeats">Node features gathered for the subgraph.</param>
/// <param name="prefetchEdgeFeats">Edge features gathered for the subgraph.</param>
public sealed class ShaDowKHopSampler(IReadOnlyList<Fanout> fanouts, bool replace = false, string? prob = null, IEnumerable<string>? prefetchNodeFeats = null, IEnumerable<string>? prefetchEdgeFeats = null) : ISampler<ShadowBatch>
{
    /// <summary>Fanouts per hop.</summary>
    public IReadOnlyList<Fanout> Fanouts { get; } = fanouts is { Count: > 0 } ? [.. fanouts] : throw new ArgumentException("ShaDowKHopSampler: give at least one fanout", nameof(fanouts));

    /// <summary>Whether sampling is with replacement.</summary>
    public bool Replace { get; } = replace;

    /// <summary>The probability edge feature, if any.</summary>
    public string? Prob { get; } = prob;

    /// <summary>Node features gathered for the subgraph.</summary>
    public IReadOnlyList<string> PrefetchNodeFeats { get; } = [.. prefetchNodeFeats ?? []];

    /// <summary>Edge features gathered for the subgraph.</summary>
    public IReadOnlyList<string> PrefetchEdgeFeats { get; } = [.. prefetchEdgeFeats ?? []];

    /// <summary>Samples the neighbourhood subgraph of the batch's seed nodes.</summary>
    public ShadowBatch Sample(Graph graph, SeedBatch seeds)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(seeds);
        const string op = "ShaDowKHopSampler";
        var output = seeds.NodesPerType(graph, op);
        var current = output;
        for (var l = Fanouts.Count - 1; l >= 0; l--)
        {
            var picks = SampledGraphs.SampleRelations(graph, current, Fanouts[l].Resolve(graph, op), EdgeDirection.In, Prob, Replace, null, RandomStream.Derive(seeds.RandomKey, l), op);
            current = Expand(graph, current, picks);
        }
        var sg = graph.NodeSubgraph(Enumerable.Range(0, graph.NodeTypes.Count).ToDictionary(t => graph.NodeTypes[t], t => IdArray.Wrap(current[t]), StringComparer.Ordinal));
        SubgraphPrefetch.Apply(sg, PrefetchNodeFeats, PrefetchEdgeFeats, op);
        return new ShadowBatch(graph.NodeTypes, [.. current.Select(a => Tensor.FromArray(a))], [.. output.Select(a => Tensor.FromArray((int[])a.Clone()))], sg);
    }

    /// <summary>The seeds followed by each new picked neighbour in order of first appearance (a block's source nodes).</summary>
    private static int[][] Expand(Graph g, int[][] seeds, RowPicks?[] picks)
    {
        var nt = g.NodeTypes.Count;
        var result = new int[nt][];
        for (var t = 0; t < nt; t++)
        {
            using var map = new IdMap(g.NumSrcNodes(t), seeds[t].Length);
            foreach (var v in seeds[t]) map.Insert(v);
            for (var r = 0; r < picks.Length; r++)
            {
                if (g.RelationSrcType(r) != t || picks[r] is not { } p) continue;
                foreach (var v in p.Neighbors) map.Insert(v);
            }
            result[t] = map.Values();
        }
        return result;
    }
}
