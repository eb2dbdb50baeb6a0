using Dgl.Sampling;
using Dgl.Tensors;

namespace Dgl.Dataloading;

/// <summary>Which edges a link-prediction sampler keeps out of the message-passing blocks (DGL's <c>exclude</c>).</summary>
public enum EdgeExclusion
{
    /// <summary>Exclude nothing.</summary>
    None,

    /// <summary>Exclude the batch's own edges (DGL's <c>'self'</c>).</summary>
    Self,

    /// <summary>Exclude the batch's edges and their reverses given by id (<c>reverseEids</c>; DGL's <c>'reverse_id'</c>).</summary>
    ReverseId,

    /// <summary>Exclude the batch's edges and the same ids of the reverse edge types (<c>reverseEtypes</c>; DGL's <c>'reverse_types'</c>).</summary>
    ReverseTypes,
}

/// <summary>
/// A mini-batch for link prediction (DGL's <c>(input_nodes, pair_graph, neg_pair_graph, blocks)</c>): the positive
/// pair graph holds the batch's edges, the negative pair graph the sampled non-edges, both over the same compact
/// node set, whose original ids (<c>NData[NID]</c>) are the seeds of the blocks.
/// </summary>
public sealed class EdgePredictionBatch
{
    internal EdgePredictionBatch(BlockBatch blocks, Graph pairGraph, Graph? negativePairGraph)
    {
        BlockBatch = blocks;
        PairGraph = pairGraph;
        NegativePairGraph = negativePairGraph;
    }

    /// <summary>Ids of the first block's source nodes (one node type).</summary>
    public Tensor InputNodes => BlockBatch.InputNodes;

    /// <summary>Input node ids per node type.</summary>
    public IReadOnlyDictionary<string, Tensor> InputNodesByType => BlockBatch.InputNodesByType;

    /// <summary>The batch's edges between the compacted nodes; <c>EData[EID]</c> = their ids in the graph,
    /// <c>NData[NID]</c> = the nodes' ids.</summary>
    public Graph PairGraph { get; }

    /// <summary>The negative pairs over the same nodes as <see cref="PairGraph"/> (null without a negative sampler).</summary>
    public Graph? NegativePairGraph { get; }

    /// <summary>The message-flow blocks whose outputs are the pair graphs' nodes.</summary>
    public IReadOnlyList<Graph> Blocks => BlockBatch.Blocks;

    /// <summary>The underlying block batch (its output nodes are the pair graphs' nodes).</summary>
    public BlockBatch BlockBatch { get; }

    /// <summary>Deconstructs into (input nodes, positive pair graph, negative pair graph, blocks).</summary>
    public void Deconstruct(out Tensor inputNodes, out Graph pairGraph, out Graph? negativePairGraph, out IReadOnlyList<Graph> blocks)
    {
        inputNodes = InputNodes;
        pairGraph = PairGraph;
        negativePairGraph = NegativePairGraph;
        blocks = Blocks;
    }
}

/// <summary>
/// Wraps a block sampler for edge-wise training (DGL's <c>as_edge_prediction_sampler</c>): a batch of edge ids
/// becomes a positive pair graph of those edges, a negative pair graph from the negative sampler, both compacted to
/// the nodes they touch, and blocks sampled for those nodes — never using the excluded edges (the batch's own, and
/// their reverses, so that a model cannot read the answer off the graph).
/// </summary>
/// <example>
/// <code>
/// var sampler = new NeighborSampler([15, 10]).AsEdgePredictionSampler(
///     EdgeExclusion.ReverseId, reverseEids: reverse, negativeSampler: NegativeSampler.Uniform(5));
/// using var loader = new DataLoader&lt;EdgePredictionBatch&gt;(g, trainEids, sampler, batchSize: 512, shuffle: true);
/// foreach (var (inputNodes, pos, neg, blocks) in loader) { /* score pos and neg edges */ }
/// </code>
/// </example>
public sealed class EdgePredictionSampler : ISampler<EdgePredictionBatch>
{
    private readonly int[]? _reverseEids;
    private readonly IReadOnlyDictionary<EdgeTypeKey, EdgeTypeKey>? _reverseEtypes;

    /// <summary>Creates the sampler.</summary>
    /// <param name="sampler">The block sampler for the pair graphs' nodes.</param>
    /// <param name="exclude">Which edges to keep out of the blocks.</param>
    /// <param name="reverseEids">For <see cref="EdgeExclusion.ReverseId"/>: the reverse of each edge id (a graph with one edge type).</param>
    /// <param name="reverseEtypes">For <see cref="EdgeExclusion.ReverseTypes"/>: the reverse of each edge type.</param>
    /// <param name="negativeSampler">Makes the negative pair graph (none: no negative graph).</param>
    /// <param name="prefetchLabels">Edge features gathered for the positive pair graph.</param>
    /// <exception cref="ArgumentException">ReverseId without reverseEids, or ReverseTypes without reverseEtypes.</exception>
    public EdgePredictionSampler(BlockSampler sampler, EdgeExclusion exclude = EdgeExclusion.None, IdArray? reverseEids = null, IReadOnlyDictionary<EdgeTypeKey, EdgeTypeKey>? reverseEtypes = null, NegativeSampler? negativeSampler = null, IEnumerable<string>? prefetchLabels = null)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        if (exclude == EdgeExclusion.ReverseId && reverseEids is null)
            throw new ArgumentException("EdgePredictionSampler: exclusion ReverseId needs reverseEids (the reverse of each edge id)", nameof(reverseEids));
        if (exclude == EdgeExclusion.ReverseTypes && reverseEtypes is null)
            throw new ArgumentException("EdgePredictionSampler: exclusion ReverseTypes needs reverseEtypes (the reverse of each edge type)", nameof(reverseEtypes));
        Sampler = sampler;
        Exclude = exclude;
        _reverseEids = reverseEids?.Array;
        _reverseEtypes = reverseEtypes;
        NegativeSampler = negativeSampler;
        PrefetchLabels = [.. prefetchLabels ?? []];
    }

    /// <summary>The block sampler.</summary>
    public BlockSampler Sampler { get; }

    /// <summary>The exclusion mode.</summary>
    public EdgeExclusion Exclude { get; }

    /// <summary>The negative sampler, if any.</summary>
    public NegativeSampler? NegativeSampler { get; }

    /// <summary>Edge features gathered for the positive pair graph.</summary>
    public IReadOnlyList<string> PrefetchLabels { get; }

    /// <summary>Samples the pair graphs and blocks for the seed edges of <paramref name="seeds"/>.</summary>
    /// <exception cref="ArgumentException">The batch holds node ids, or edge ids out of range.</exception>
    public EdgePredictionBatch Sample(Graph graph, SeedBatch seeds)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(seeds);
        const string op = "EdgePredictionSampler";
        var edges = seeds.EdgesPerRelation(graph, op);
        var perRel = new Dictionary<EdgeTypeKey, IdArray>();
        for (var r = 0; r < edges.Length; r++) if (edges[r] is { } e) perRel[graph.RelationType(r)] = IdArray.Wrap(e);
        var pair = graph.EdgeSubgraph(perRel, relabelNodes: false);
        var eids = Enumerable.Range(0, pair.NumRelations).Select(r => pair.EdgeFrame(r)[Graph.EID]).ToArray();
        Graph? neg = null;
        if (NegativeSampler is not null)
        {
            var key = RandomStream.Derive(seeds.RandomKey, -1);
            var negEdges = new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>();
            for (var r = 0; r < graph.NumRelations; r++)
            {
                var (s, d) = edges[r] is { } e ? NegativeSampler.Generate(graph, r, e, RandomStream.Derive(key, r)) : ([], []);
                negEdges[graph.RelationType(r)] = (s, d);
            }
            var counts = Enumerable.Range(0, graph.NodeTypes.Count).ToDictionary(t => graph.NodeTypes[t], graph.NumSrcNodes, StringComparer.Ordinal);
            neg = Graph.CreateHetero(negEdges, counts);
            var compacted = Graph.CompactGraphs([pair, neg]);
            (pair, neg) = (compacted[0], compacted[1]);
        }
        else
        {
            pair = Graph.CompactGraphs(pair);
        }
        for (var r = 0; r < pair.NumRelations; r++) pair.EdgeFrame(r)[Graph.EID] = eids[r];
        var seedNodes = new int[graph.NodeTypes.Count][];
        for (var t = 0; t < seedNodes.Length; t++) seedNodes[t] = BlockSampler.Ids(pair.SrcFrame(t)[Graph.NID]);
        var excluded = SampledGraphs.Excluded(graph, ExcludedEdges(graph, edges));
        var blocks = Sampler.SampleFromNodes(graph, seedNodes, excluded, seeds.Random);
        foreach (var name in PrefetchLabels)
        {
            var found = false;
            for (var r = 0; r < pair.NumRelations; r++) found |= pair.EdgeFrame(r).TryGetValue(name, out _);
            if (!found) throw new ArgumentException($"{op}: no edge type has the feature '{name}' listed in prefetchLabels", nameof(seeds));
        }
        return new EdgePredictionBatch(blocks, pair, neg);
    }

    /// <summary>The edge ids to exclude per relation (DGL's <c>find_exclude_eids</c>).</summary>
    private int[]?[]? ExcludedEdges(Graph g, int[]?[] edges)
    {
        switch (Exclude)
        {
            case EdgeExclusion.None:
                return null;
            case EdgeExclusion.Self:
                return edges;
            case EdgeExclusion.ReverseId:
            {
                if (g.NumRelations != 1)
                    throw SamplingErrors.Argument("reverseEids", $"EdgePredictionSampler: ReverseId exclusion takes one reverse-id array, for a graph with one edge type; this one has {g.NumRelations} (use ReverseTypes)");
                var e = edges[0] ?? [];
                var rev = _reverseEids!;
                if (rev.Length != g.RelationAdjacency(0).NumEdges)
                    throw SamplingErrors.Argument("reverseEids", $"EdgePredictionSampler: reverseEids has {rev.Length} entries but the graph has {g.RelationAdjacency(0).NumEdges} edges; give the reverse of every edge");
                var all = new int[e.Length * 2];
                e.CopyTo(all, 0);
                for (var i = 0; i < e.Length; i++) all[e.Length + i] = rev[e[i]];
                return [all];
            }
            default:
            {
                var result = (int[]?[])edges.Clone();
                foreach (var (k, v) in _reverseEtypes!)
                {
                    var r = g.EdgeTypeIndex(k);
                    var rv = g.EdgeTypeIndex(v);
                    if (edges[r] is not { } e) continue;
                    result[rv] = result[rv] is { } existing ? [.. existing.Concat(e).Distinct()] : e;
                }
                return result;
            }
        }
    }
}

/// <summary>Extension to turn a block sampler into an edge-prediction sampler.</summary>
public static class EdgePrediction
{
    /// <summary>
    /// DGL's <c>dgl.dataloading.as_edge_prediction_sampler</c>: see <see cref="EdgePredictionSampler"/>.
    /// </summary>
    public static EdgePredictionSampler AsEdgePredictionSampler(this BlockSampler sampler, EdgeExclusion exclude = EdgeExclusion.None, IdArray? reverseEids = null, IReadOnlyDictionary<EdgeTypeKey, EdgeTypeKey>? reverseEtypes = null, NegativeSampler? negativeSampler = null, IEnumerable<string>? prefetchLabels = null) =>
        new(sampler, exclude, reverseEids, reverseEtypes, negativeSampler, prefetchLabels);
}
