using Dgl.Tensors;

namespace Dgl.Sampling;

/// <summary>
/// Sampling operators on graphs (DGL's <c>dgl.sampling</c>): neighbour sampling, top-k selection, LABOR sampling,
/// random walks (plain, metapath, with restart, node2vec), the PinSAGE random-walk neighbour sampler and global
/// uniform negative sampling. Each is an extension method on <see cref="Graph"/> (<c>g.SampleNeighbors(...)</c>, as
/// DGL's <c>g.sample_neighbors</c>).
/// </summary>
/// <remarks>
/// <para><b>Randomness.</b> Each call draws one 64-bit key from <c>generator</c> (the default generator when null);
/// seed <c>i</c> of relation <c>r</c> then draws from a counter-based stream named by (key, r, i). The result depends
/// on the key and the inputs only — the same on one thread or sixteen.</para>
/// <para><b>Cost.</b> Work per seed is proportional to its fanout (uniform sampling without weights or exclusions) or
/// to its degree (when weights or excluded edges must be checked), in parallel over seeds, with no allocation per edge.</para>
/// </remarks>
public static partial class GraphSampling
{
    /// <summary>
    /// Samples <paramref name="fanout"/> in-edges (or out-edges) of each of <paramref name="nodes"/> (DGL's
    /// <c>dgl.sampling.sample_neighbors</c>) and returns the frontier: a graph with every node of
    /// <paramref name="g"/> and only the sampled edges, whose <c>EData[Graph.EID]</c> holds their ids in
    /// <paramref name="g"/>.
    /// </summary>
    /// <param name="g">A graph with one node type (use the dictionary overload otherwise).</param>
    /// <param name="nodes">Seed node ids (duplicates allowed: each occurrence samples on its own).</param>
    /// <param name="fanout">Edges per seed; -1 takes every edge (with non-zero probability). Without replacement a
    /// seed with fewer eligible edges takes them all.</param>
    /// <param name="edgeDir"><see cref="EdgeDirection.In"/> (default): sampled edges end at the seeds;
    /// <see cref="EdgeDirection.Out"/>: they start there.</param>
    /// <param name="prob">Name of an edge feature (float32, float64 or a bool mask; one value per edge) giving
    /// unnormalised probabilities: an edge of weight 0 is never picked. Default: uniform.</param>
    /// <param name="replace">Sample with replacement (then each seed with an eligible edge gets exactly fanout picks).</param>
    /// <param name="excludeEdges">Edge ids that are never picked (the fanout applies to the rest).</param>
    /// <param name="copyNodeData">Share the node features with the frontier (default).</param>
    /// <param name="copyEdgeData">Carry the sampled edges' features (lazily sliced; default).</param>
    /// <param name="generator">Source of the random key (default: <see cref="Generator.Default"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A seed or excluded edge id out of range, or a fanout below -1.</exception>
    /// <exception cref="ArgumentException">No edge feature named <paramref name="prob"/>, or a negative or NaN probability
    /// on an edge the sampler looks at (the message names the edge and the value).</exception>
    /// <example>
    /// <code>
    /// var g = Graph.Create([0, 0, 1, 1, 2, 2], [1, 2, 0, 1, 2, 0]);
    /// var frontier = g.SampleNeighbors([0, 1], fanout: 1);
    /// // 2 edges, one into node 0 and one into node 1; frontier.EData[Graph.EID] has their ids in g
    /// </code>
    /// </example>
    public static Graph SampleNeighbors(
        this Graph g,
        IdArray nodes,
        int fanout,
        EdgeDirection edgeDir = EdgeDirection.In,
        string? prob = null,
        bool replace = false,
        IdArray? excludeEdges = null,
        bool copyNodeData = true,
        bool copyEdgeData = true,
        Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        const string op = "SampleNeighbors";
        var seeds = SampledGraphs.Seeds(g, nodes, op);
        var excluded = SampledGraphs.Excluded(g, excludeEdges, op);
        return SampleNeighborsCore(g, seeds, Fanout.All(fanout).Resolve(g, op), edgeDir, prob, replace, excluded, copyNodeData, copyEdgeData, RandomStream.KeyFrom(generator));
    }

    /// <summary>
    /// <see cref="SampleNeighbors(Graph, IdArray, int, EdgeDirection, string?, bool, IdArray?, bool, bool, Generator?)"/>
    /// for a graph with several node or edge types: seeds per node type (types left out have none), a fanout for
    /// every edge type or per edge type, excluded edges per edge type. An edge type without the
    /// <paramref name="prob"/> feature is sampled uniformly (as DGL does); at least one sampled type must have it.
    /// </summary>
    public static Graph SampleNeighbors(
        this Graph g,
        IReadOnlyDictionary<string, IdArray> nodes,
        Fanout fanout,
        EdgeDirection edgeDir = EdgeDirection.In,
        string? prob = null,
        bool replace = false,
        IReadOnlyDictionary<EdgeTypeKey, IdArray>? excludeEdges = null,
        bool copyNodeData = true,
        bool copyEdgeData = true,
        Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        const string op = "SampleNeighbors";
        var seeds = SampledGraphs.Seeds(g, nodes, op);
        var excluded = SampledGraphs.Excluded(g, excludeEdges);
        return SampleNeighborsCore(g, seeds, fanout.Resolve(g, op), edgeDir, prob, replace, excluded, copyNodeData, copyEdgeData, RandomStream.KeyFrom(generator));
    }

    internal static Graph SampleNeighborsCore(Graph g, int[][] seeds, int[] fanouts, EdgeDirection edgeDir, string? prob, bool replace, ExcludedEdges?[]? excluded, bool copyNodeData, bool copyEdgeData, ulong key)
    {
        var picks = SampledGraphs.SampleRelations(g, seeds, fanouts, edgeDir, prob, replace, excluded, key, "SampleNeighbors");
        return SampledGraphs.Frontier(g, seeds, picks, edgeDir, copyNodeData, copyEdgeData);
    }

    /// <summary>
    /// For each of <paramref name="nodes"/> (every node when null), keeps the <paramref name="k"/> in-edges (or
    /// out-edges) with the largest <paramref name="weight"/> (smallest when <paramref name="ascending"/>) — DGL's
    /// <c>dgl.sampling.select_topk</c>. Returns the frontier (every node, the kept edges, <c>EData[EID]</c>); a node's
    /// edges come best first, ties in edge order.
    /// </summary>
    /// <param name="g">A graph with one edge type.</param>
    /// <param name="k">Edges to keep per node; -1 keeps all.</param>
    /// <param name="weight">Name of a numeric edge feature with one value per edge.</param>
    /// <param name="nodes">Nodes to select for (default: all).</param>
    /// <param name="edgeDir">In-edges (default) or out-edges.</param>
    /// <param name="ascending">Keep the smallest weights instead.</param>
    /// <param name="copyNodeData">Share the node features (default).</param>
    /// <param name="copyEdgeData">Carry the kept edges' features (default).</param>
    /// <exception cref="ArgumentException">No edge feature <paramref name="weight"/>.</exception>
    public static Graph SelectTopK(this Graph g, int k, string weight, IdArray? nodes = null, EdgeDirection edgeDir = EdgeDirection.In, bool ascending = false, bool copyNodeData = true, bool copyEdgeData = true)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, -1);
        if (g.NumRelations != 1)
            throw new ArgumentException($"SelectTopK: the graph has {g.NumRelations} edge types; select on one relation at a time (g[etype]) or use the dictionary overload", nameof(g));
        var t = SampledGraphs.RowType(g, 0, edgeDir);
        int[][] seeds = g.NodeTypes.Count == 1
            ? SampledGraphs.Seeds(g, nodes ?? IdArray.Wrap(CsrBuilder.Identity(g.NumSrcNodes(0))), "SelectTopK")
            : PerType(g, t, nodes);
        return SelectTopKCore(g, seeds, [k], weight, edgeDir, ascending, copyNodeData, copyEdgeData);
    }

    /// <summary>
    /// <see cref="SelectTopK(Graph, int, string, IdArray?, EdgeDirection, bool, bool, bool)"/> for several types:
    /// nodes per type (every node of every type when null), k for every edge type or per edge type.
    /// </summary>
    public static Graph SelectTopK(this Graph g, Fanout k, string weight, IReadOnlyDictionary<string, IdArray>? nodes, EdgeDirection edgeDir = EdgeDirection.In, bool ascending = false, bool copyNodeData = true, bool copyEdgeData = true)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(weight);
        var seeds = nodes is null
            ? [.. Enumerable.Range(0, g.NodeTypes.Count).Select(t => CsrBuilder.Identity(g.NumSrcNodes(t)))]
            : SampledGraphs.Seeds(g, nodes, "SelectTopK");
        return SelectTopKCore(g, seeds, k.Resolve(g, "SelectTopK"), weight, edgeDir, ascending, copyNodeData, copyEdgeData);
    }

    private static int[][] PerType(Graph g, int t, IdArray? nodes)
    {
        var seeds = new int[g.NodeTypes.Count][];
        for (var i = 0; i < seeds.Length; i++) seeds[i] = [];
        seeds[t] = nodes is { } n ? n.Array : CsrBuilder.Identity(g.NumSrcNodes(t));
        Graph.CheckIds(seeds[t], g.NumSrcNodes(t), "node", $"node type '{g.NodeTypes[t]}'");
        return seeds;
    }

    private static Graph SelectTopKCore(Graph g, int[][] seeds, int[] ks, string weight, EdgeDirection edgeDir, bool ascending, bool copyNodeData, bool copyEdgeData)
    {
        if (g.IsBlock) throw new InvalidOperationException("SelectTopK: selecting on a block is not supported");
        var picks = new RowPicks?[g.NumRelations];
        for (var r = 0; r < picks.Length; r++)
        {
            var rows = seeds[SampledGraphs.RowType(g, r, edgeDir)];
            if (rows.Length == 0) continue;
            var w = g.EdgeFrame(r).TryGetValue(weight, out var t) ? t : null;
            if (w is null)
                throw new ArgumentException($"SelectTopK: relation {g.RelationType(r)} has no edge feature '{weight}'; present: {string.Join(", ", g.EdgeFrame(r).Keys.Select(x => $"'{x}'"))}", nameof(weight));
            if (w.Rank > 2 || (w.Rank == 2 && w.Size(1) != 1))
                throw new TensorShapeException($"SelectTopK: weight feature '{weight}' has shape {w.Shape}; it needs one value per edge");
            if (w.DType == DType.Bool)
                throw new TensorDTypeException($"SelectTopK: weight feature '{weight}' is bool; it must be numeric");
            var csr = edgeDir == EdgeDirection.In ? g.InCsr(r) : g.OutCsr(r);
            picks[r] = RowSampling.TopK(csr, rows, ks[r], w, ascending);
        }
        return SampledGraphs.Frontier(g, seeds, picks, edgeDir, copyNodeData, copyEdgeData);
    }
}
