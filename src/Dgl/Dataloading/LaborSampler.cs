using Dgl.Sampling;

namespace Dgl.Dataloading;

/// <summary>
/// The layer-neighbour (LABOR) block sampler (DGL's <c>dgl.dataloading.LaborSampler</c>; Balın and Çatalyürek,
/// NeurIPS 2023): a <see cref="NeighborSampler"/> whose layers use
/// <c>GraphSampling.SampleLabors</c>, so that seeds share sampled neighbours and each layer touches far
/// fewer distinct nodes for the same expected fanout.
/// </summary>
/// <remarks>
/// <para>The variates of a batch derive from its key; layer l uses its own (the key derived with l) unless
/// <see cref="LayerDependency"/>. With <see cref="BatchDependency"/> κ &gt; 1, consecutive groups of κ batches share
/// two epoch-level seeds and slide from one to the next (DGL's <c>batch_dependency</c>), so neighbouring batches
/// sample overlapping nodes; the variates still depend only on (loader seed, epoch, batch index).</para>
/// <para>When weights (<c>prob</c>) or importance sampling are used, each block carries the importance weights of
/// its edges in <c>EData["edge_weights"]</c>, to be used in a weighted mean aggregation.</para>
/// </remarks>
public sealed class LaborSampler : BlockSampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="fanouts">Expected edges per node for each layer, input layer first (-1: all).</param>
    /// <param name="edgeDir">Follow in-edges (default) or out-edges.</param>
    /// <param name="prob">Edge feature of unnormalised probabilities.</param>
    /// <param name="importanceSampling">Importance-sampling iterations (0: LABOR-0; -1: until convergence).</param>
    /// <param name="layerDependency">Use the same variates in every layer.</param>
    /// <param name="batchDependency">κ: batches per step of the seed blend (1: independent batches).</param>
    /// <param name="prefetchNodeFeats">Node features to gather for the first block's source nodes.</param>
    /// <param name="prefetchLabels">Node features to gather for the last block's destination nodes.</param>
    /// <param name="prefetchEdgeFeats">Edge features to gather for every block.</param>
    public LaborSampler(
        IReadOnlyList<Fanout> fanouts,
        EdgeDirection edgeDir = EdgeDirection.In,
        string? prob = null,
        int importanceSampling = 0,
        bool layerDependency = false,
        int batchDependency = 1,
        IEnumerable<string>? prefetchNodeFeats = null,
        IEnumerable<string>? prefetchLabels = null,
        IEnumerable<string>? prefetchEdgeFeats = null)
        : base(prefetchNodeFeats, prefetchLabels, prefetchEdgeFeats)
    {
        ArgumentNullException.ThrowIfNull(fanouts);
        if (fanouts.Count == 0) throw new ArgumentException("LaborSampler: give at least one fanout (one per layer)", nameof(fanouts));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchDependency, 1);
        Fanouts = [.. fanouts];
        EdgeDir = edgeDir;
        Prob = prob;
        ImportanceSampling = importanceSampling;
        LayerDependency = layerDependency;
        BatchDependency = batchDependency;
    }

    /// <summary>Fanouts per layer, input layer first.</summary>
    public IReadOnlyList<Fanout> Fanouts { get; }

    /// <summary>Which edges are followed.</summary>
    public EdgeDirection EdgeDir { get; }

    /// <summary>The probability edge feature, if any.</summary>
    public string? Prob { get; }

    /// <summary>Importance-sampling iterations.</summary>
    public int ImportanceSampling { get; }

    /// <summary>Whether all layers share their variates.</summary>
    public bool LayerDependency { get; }

    /// <summary>Batches per step of the seed blend.</summary>
    public int BatchDependency { get; }

    private protected override string Name => "LaborSampler";

    private protected override Graph[] SampleBlocks(Graph g, int[][] seeds, ExcludedEdges?[]? excluded, BatchRandom random)
    {
        var view = EdgeDir == EdgeDirection.Out ? g.Reverse(copyNdata: true, copyEdata: true) : g;
        ulong s0, s1;
        double contribution;
        if (BatchDependency <= 1)
        {
            (s0, s1, contribution) = (random.Key, random.Key, 0);
        }
        else
        {
            var group = random.Index / BatchDependency;
            s0 = RandomStream.Derive(random.EpochKey, -2L - group);
            s1 = RandomStream.Derive(random.EpochKey, -3L - group);
            contribution = (double)(random.Index % BatchDependency) / BatchDependency;
        }
        var blocks = new Graph[Fanouts.Count];
        for (var l = Fanouts.Count - 1; l >= 0; l--)
        {
            // DGL offsets the seeds by the layer's position from the output (unless layer_dependency).
            var shift = LayerDependency ? 0 : Fanouts.Count - 1 - l;
            var variates = new LaborVariates(RandomStream.Derive(s0, shift), RandomStream.Derive(s1, shift), contribution);
            var (picks, imp) = GraphSampling.SampleLaborsCore(view, seeds, Fanouts[l].Resolve(g, Name), EdgeDirection.In, Prob, ImportanceSampling, variates, excluded);
            blocks[l] = SampledGraphs.Block(view, seeds, picks, Name, "edge_weights", imp);
            seeds = SourceIds(blocks[l]);
        }
        return blocks;
    }
}
