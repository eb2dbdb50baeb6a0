using Dgl.Sampling;
using Dgl.Tensors;

namespace Dgl.Dataloading;

/// <summary>
/// A sampler that makes a list of blocks for multi-layer message passing (DGL's <c>BlockSampler</c>): layer by layer
/// from the output backwards, each block's source nodes become the next layer's seeds. After sampling it prefetches
/// (gathers, on the sampling thread) the node features of the first block's inputs, the labels of the last block's
/// outputs and the named edge features of every block — DGL's <c>prefetch_node_feats</c> / <c>prefetch_labels</c> /
/// <c>prefetch_edge_feats</c> — so that a training loop reading <c>blocks[0].SrcData["feat"]</c> finds it ready.
/// Other features stay lazy: gathered on first read.
/// </summary>
public abstract class BlockSampler : ISampler<BlockBatch>
{
    private protected BlockSampler(IEnumerable<string>? prefetchNodeFeats, IEnumerable<string>? prefetchLabels, IEnumerable<string>? prefetchEdgeFeats)
    {
        PrefetchNodeFeats = [.. prefetchNodeFeats ?? []];
        PrefetchLabels = [.. prefetchLabels ?? []];
        PrefetchEdgeFeats = [.. prefetchEdgeFeats ?? []];
    }

    /// <summary>Node features gathered for the first block's source nodes.</summary>
    public IReadOnlyList<string> PrefetchNodeFeats { get; }

    /// <summary>Node features (labels) gathered for the last block's destination nodes.</summary>
    public IReadOnlyList<string> PrefetchLabels { get; }

    /// <summary>Edge features gathered for every block.</summary>
    public IReadOnlyList<string> PrefetchEdgeFeats { get; }

    /// <summary>A short name for messages.</summary>
    private protected abstract string Name { get; }

    /// <summary>Samples the blocks for the seed nodes of <paramref name="seeds"/> and prefetches.</summary>
    /// <exception cref="ArgumentException">The batch holds edges, a seed is out of range, or a prefetched feature
    /// exists on no node type (edge type).</exception>
    public BlockBatch Sample(Graph graph, SeedBatch seeds)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(seeds);
        return SampleFromNodes(graph, seeds.NodesPerType(graph, Name), null, seeds.Random);
    }

    /// <summary>
    /// Samples blocks for <paramref name="seeds"/> of a graph with one node type (DGL's
    /// <c>sampler.sample(g, seeds)</c>): a convenience for calling the sampler outside a <see cref="DataLoader{TBatch}"/>.
    /// </summary>
    public BlockBatch Sample(Graph graph, IdArray seeds, ulong randomKey = 0) => Sample(graph, SeedBatch.Of(seeds, randomKey));

    /// <summary>Samples from per-type seeds, never picking the excluded edges (the entry edge prediction uses).</summary>
    internal BlockBatch SampleFromNodes(Graph g, int[][] seeds, ExcludedEdges?[]? excluded, BatchRandom random)
    {
        var blocks = SampleBlocks(g, seeds, excluded, random);
        Prefetch(blocks);
        var nt = g.NodeTypes.Count;
        var input = new Tensor[nt];
        var output = new Tensor[nt];
        for (var t = 0; t < nt; t++)
        {
            input[t] = blocks[0].SrcFrame(t)[Graph.NID];
            output[t] = blocks[^1].DstFrame(t)[Graph.NID];
        }
        return new BlockBatch(g.NodeTypes, input, output, blocks);
    }

    /// <summary>The blocks for <paramref name="seeds"/> (per node type index), input layer first.</summary>
    private protected abstract Graph[] SampleBlocks(Graph g, int[][] seeds, ExcludedEdges?[]? excluded, BatchRandom random);

    private void Prefetch(Graph[] blocks)
    {
        var first = blocks[0];
        var last = blocks[^1];
        foreach (var name in PrefetchNodeFeats) Touch(first, name, src: true, "node feature", nameof(PrefetchNodeFeats));
        foreach (var name in PrefetchLabels) Touch(last, name, src: false, "label", nameof(PrefetchLabels));
        foreach (var name in PrefetchEdgeFeats)
        {
            var found = false;
            foreach (var b in blocks)
            {
                for (var r = 0; r < b.NumRelations; r++)
                {
                    if (!b.EdgeFrame(r).TryGetValue(name, out _)) continue;
                    found = true;
                }
            }
            if (!found)
                throw SamplingErrors.Argument("prefetchEdgeFeats", $"{Name}: no edge type has the feature '{name}' listed in {nameof(PrefetchEdgeFeats)}; present: {Present(blocks[0], edges: true)}");
        }
    }

    /// <summary>Reads a feature on every node type that has it (gathering it now); fails when none has it.</summary>
    private void Touch(Graph block, string name, bool src, string what, string option)
    {
        var found = false;
        for (var t = 0; t < block.NodeTypes.Count; t++)
        {
            var frame = src ? block.SrcFrame(t) : block.DstFrame(t);
            if (frame.TryGetValue(name, out _)) found = true;
        }
        if (!found)
            throw SamplingErrors.Argument(option, $"{Name}: no node type has the {what} '{name}' listed in {option}; the graph's node features are {Present(block, edges: false)}");
    }

    private static string Present(Graph block, bool edges)
    {
        var keys = edges
            ? Enumerable.Range(0, block.NumRelations).SelectMany(r => block.EdgeFrame(r).Keys)
            : Enumerable.Range(0, block.NodeTypes.Count).SelectMany(t => block.SrcFrame(t).Keys);
        var list = keys.Where(k => k != Graph.NID).Distinct(StringComparer.Ordinal).Select(k => $"'{k}'").ToArray();
        return list.Length == 0 ? "none" : string.Join(", ", list);
    }

    /// <summary>The int32 ids a block's NID/EID tensor wraps (no copy when it wraps a whole array).</summary>
    internal static int[] Ids(Tensor t) =>
        t.DType == DType.Int32 && t.Offset == 0 && t.Data is int[] a && a.Length == t.NumElements ? a : t.To(DType.Int32).ToArray<int>();

    /// <summary>The sources of <paramref name="block"/> per node type: the next layer's seeds.</summary>
    internal static int[][] SourceIds(Graph block)
    {
        var result = new int[block.NodeTypes.Count][];
        for (var t = 0; t < result.Length; t++) result[t] = Ids(block.SrcFrame(t)[Graph.NID]);
        return result;
    }
}
