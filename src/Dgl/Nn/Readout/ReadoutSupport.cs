using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

// Readouts reduce the nodes of each graph in a batch: the graph's per-graph node counts give the segment offsets
// (one segment per graph, in batch order), and SparseOps' segment kernels do the work with autograd.
internal static class ReadoutSupport
{
    /// <summary>Segment offsets of the graphs in <paramref name="graph"/>'s batch over its nodes, checking that
    /// <paramref name="features"/> has one row per node.</summary>
    public static long[] NodeOffsets(Graph graph, Tensor features, string module)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(features);
        if (graph.NodeTypes.Count != 1)
            throw new ArgumentException($"{module}: the graph has {graph.NodeTypes.Count} node types ({string.Join(", ", graph.NodeTypes)}); a readout needs one node type", nameof(graph));
        var counts = graph.BatchNumNodesArray(0);
        var offsets = new long[counts.Length + 1];
        for (var i = 0; i < counts.Length; i++) offsets[i + 1] = offsets[i] + counts[i];
        if (features.Rank == 0 || features.Size(0) != offsets[^1])
            throw new TensorShapeException($"{module}: features have shape {features.Shape}; expected one row per node ({offsets[^1]} nodes in {counts.Length} graph(s))");
        return offsets;
    }

    /// <summary>Reduces each graph's node rows (sum, mean or max; an empty graph gives 0).</summary>
    public static Tensor Reduce(Graph graph, Tensor features, ReduceOp reduce, string module)
    {
        var offsets = NodeOffsets(graph, features, module);
        if (!features.DType.IsFloatingPoint())
            throw new TensorDTypeException($"{module}: features have dtype {features.DType.Name()}; expected float32 or float64");
        return SparseOps.SegmentReduce(offsets, features, reduce);
    }

    /// <summary>Graph rows [B, …] copied to each of the graph's nodes (DGL's <c>broadcast_nodes</c>): [N, …].</summary>
    public static Tensor BroadcastNodes(long[] offsets, Tensor graphFeatures)
    {
        var index = new int[offsets[^1]];
        for (var b = 0; b < offsets.Length - 1; b++) index.AsSpan((int)offsets[b], (int)(offsets[b + 1] - offsets[b])).Fill(b);
        return graphFeatures.IndexSelect(0, Tensor.FromArray(index));
    }
}
