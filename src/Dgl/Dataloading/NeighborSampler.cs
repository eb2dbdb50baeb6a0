using Dgl.Sampling;

namespace Dgl.Dataloading;

/// <summary>
/// The GraphSAGE neighbour sampler (DGL's <c>dgl.dataloading.NeighborSampler</c>): for layer l from the output
/// backwards, samples <c>fanouts[l]</c> in-edges of each current seed and turns them into a block
/// (<c>to_block(frontier, seeds)</c>); the block's source nodes are the next layer's seeds.
/// </summary>
/// <remarks>
/// <para>Blocks carry <c>SrcData/DstData[Graph.NID]</c> and <c>EData[Graph.EID]</c> (ids in the sampled graph);
/// destination nodes come first among the source nodes; new source nodes follow in order of first appearance.
/// Layer l of a batch draws from the key derived from (batch key, l).</para>
/// <para>With <see cref="EdgeDirection.Out"/> the sampler follows out-edges, and each block holds the reverses of
/// the sampled edges (relation <c>(s, e, d)</c> appears as <c>(d, e, s)</c>, edge ids unchanged), so that messages
/// still flow from the sampled neighbours into the seeds.</para>
/// </remarks>
/// <example>
/// <code>
/// var sampler = new NeighborSampler([15, 10, 5], prefetchNodeFeats: ["feat"], prefetchLabels: ["label"]);
/// using var loader = new DataLoader&lt;BlockBatch&gt;(g, trainIds, sampler, batchSize: 1024, shuffle: true);
/// foreach (var (inputNodes, outputNodes, blocks) in loader) { /* blocks[0].SrcData["feat"] … */ }
/// </code>
/// </example>
public class NeighborSampler : BlockSampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="fanouts">Edges per node for each layer, input layer first (an int, or a count per edge type;
    /// -1 takes every edge).</param>
    /// <param name="edgeDir">Follow in-edges (default) or out-edges.</param>
    /// <param name="prob">Edge feature with unnormalised sampling probabilities (weight-0 edges never picked).</param>
    /// <param name="mask">Bool edge feature: only edges marked true are picked (DGL's <c>mask</c>; exclusive with prob).</param>
    /// <param name="replace">Sample with replacement.</param>
    /// <param name="prefetchNodeFeats">Node features to gather for the first block's source nodes.</param>
    /// <param name="prefetchLabels">Node features to gather for the last block's destination nodes.</param>
    /// <param name="prefetchEdgeFeats">Edge features to gather for every block.</param>
    /// <exception cref="ArgumentException">No fanouts, or both prob and mask.</exception>
    public NeighborSampler(
        IReadOnlyList<Fanout> fanouts,
        EdgeDirection edgeDir = EdgeDirection.In,
        string? prob = null,
        string? mask = null,
        bool replace = false,
        IEnumerable<string>? prefetchNodeFeats = null,
        IEnumerable<string>? prefetchLabels = null,
        IEnumerable<string>? prefetchEdgeFeats = null)
        : base(prefetchNodeFeats, prefetchLabels, prefetchEdgeFeats)
    {
        ArgumentNullException.ThrowIfNull(fanouts);
        if (fanouts.Count == 0) throw new ArgumentException("NeighborSampler: give at least one fanout (one per layer)", nameof(fanouts));
        if (prob is not null && mask is not null)
            throw new ArgumentException($"NeighborSampler: prob ('{prob}') and mask ('{mask}') are mutually exclusive; multiply the probabilities by the mask instead", nameof(mask));
        Fanouts = [.. fanouts];
        EdgeDir = edgeDir;
        Prob = prob ?? mask;
        Replace = replace;
    }

    /// <summary>Fanouts per layer, input layer first.</summary>
    public IReadOnlyList<Fanout> Fanouts { get; }

    /// <summary>The number of layers (blocks per batch).</summary>
    public int NumLayers => Fanouts.Count;

    /// <summary>Which edges are followed.</summary>
    public EdgeDirection EdgeDir { get; }

    /// <summary>The probability (or mask) edge feature, if any.</summary>
    public string? Prob { get; }

    /// <summary>Whether sampling is with replacement.</summary>
    public bool Replace { get; }

    private protected override string Name => "NeighborSampler";

    private protected override Graph[] SampleBlocks(Graph g, int[][] seeds, ExcludedEdges?[]? excluded, BatchRandom random)
    {
        // Out-edges of g are the in-edges of its reverse (same relation order and edge ids, shared structure), so
        // fanouts and exclusions given for g's relations apply to the view's unchanged.
        var view = EdgeDir == EdgeDirection.Out ? g.Reverse(copyNdata: true, copyEdata: true) : g;
        var blocks = new Graph[Fanouts.Count];
        for (var l = Fanouts.Count - 1; l >= 0; l--)
        {
            var picks = SampledGraphs.SampleRelations(view, seeds, Fanouts[l].Resolve(g, Name), EdgeDirection.In, Prob, Replace, excluded, RandomStream.Derive(random.Key, l), Name);
            blocks[l] = SampledGraphs.Block(view, seeds, picks, Name);
            seeds = SourceIds(blocks[l]);
        }
        return blocks;
    }
}

/// <summary>
/// Takes every in-edge at every layer (DGL's <c>MultiLayerFullNeighborSampler</c>): a <see cref="NeighborSampler"/>
/// with fanout -1 for each of <c>numLayers</c> layers.
/// </summary>
public sealed class MultiLayerFullNeighborSampler : NeighborSampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="numLayers">Layers (at least 1).</param>
    /// <param name="edgeDir">Follow in-edges (default) or out-edges.</param>
    /// <param name="prefetchNodeFeats">Node features to gather for the first block's source nodes.</param>
    /// <param name="prefetchLabels">Node features to gather for the last block's destination nodes.</param>
    /// <param name="prefetchEdgeFeats">Edge features to gather for every block.</param>
    public MultiLayerFullNeighborSampler(int numLayers, EdgeDirection edgeDir = EdgeDirection.In, IEnumerable<string>? prefetchNodeFeats = null, IEnumerable<string>? prefetchLabels = null, IEnumerable<string>? prefetchEdgeFeats = null)
        : base(Layers(numLayers), edgeDir, prefetchNodeFeats: prefetchNodeFeats, prefetchLabels: prefetchLabels, prefetchEdgeFeats: prefetchEdgeFeats)
    {
    }

    private static Fanout[] Layers(int numLayers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 1);
        return [.. Enumerable.Repeat((Fanout)(-1), numLayers)];
    }
}
