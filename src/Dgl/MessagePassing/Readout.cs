using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl;

/// <summary>
/// Graph-level readouts over a batched graph (DGL's <c>dgl.readout</c>): each graph of the batch reduces its own
/// nodes or edges, through the segment kernels over <see cref="Graph.BatchNumNodes"/> / <see cref="Graph.BatchNumEdges"/>.
/// An unbatched graph is a batch of one. A graph with no nodes (or edges) reads out 0.
/// </summary>
/// <example>
/// <code>
/// var bg = Graph.Batch([g1, g2, g3]);
/// var hg = Readout.MeanNodes(bg, "h");            // [3, F]: one row per graph
/// var back = Readout.BroadcastNodes(bg, hg);      // [N, F]: each node gets its graph's row
/// </code>
/// </example>
public static class Readout
{
    /// <summary>Σ over each graph's nodes of feature <paramref name="feat"/> (times <paramref name="weight"/> when given): [B, …].</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Node feature name.</param>
    /// <param name="weight">Optional node feature [N, 1] multiplied in first.</param>
    /// <param name="ntype">Node type (may be omitted with one node type).</param>
    /// <returns>One row per graph.</returns>
    public static Tensor SumNodes(Graph graph, string feat, string? weight = null, string? ntype = null) =>
        ReadoutNodes(graph, feat, weight, ReduceOp.Sum, ntype);

    /// <summary>Average over each graph's nodes: Σ (weight ·) x / n (DGL's <c>mean_nodes</c>).</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Node feature name.</param>
    /// <param name="weight">Optional node feature [N, 1] multiplied in first.</param>
    /// <param name="ntype">Node type.</param>
    /// <returns>One row per graph.</returns>
    public static Tensor MeanNodes(Graph graph, string feat, string? weight = null, string? ntype = null) =>
        ReadoutNodes(graph, feat, weight, ReduceOp.Mean, ntype);

    /// <summary>Elementwise maximum over each graph's nodes.</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Node feature name.</param>
    /// <param name="weight">Optional node feature [N, 1] multiplied in first.</param>
    /// <param name="ntype">Node type.</param>
    /// <returns>One row per graph.</returns>
    public static Tensor MaxNodes(Graph graph, string feat, string? weight = null, string? ntype = null) =>
        ReadoutNodes(graph, feat, weight, ReduceOp.Max, ntype);

    /// <summary>Elementwise minimum over each graph's nodes.</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Node feature name.</param>
    /// <param name="weight">Optional node feature [N, 1] multiplied in first.</param>
    /// <param name="ntype">Node type.</param>
    /// <returns>One row per graph.</returns>
    public static Tensor MinNodes(Graph graph, string feat, string? weight = null, string? ntype = null) =>
        ReadoutNodes(graph, feat, weight, ReduceOp.Min, ntype);

    /// <summary>Σ over each graph's edges of <paramref name="feat"/> (times <paramref name="weight"/>).</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Edge feature name.</param>
    /// <param name="weight">Optional edge feature [E, 1] multiplied in first.</param>
    /// <param name="etype">Relation (may be omitted with one).</param>
    /// <returns>One row per graph.</returns>
    public static Tensor SumEdges(Graph graph, string feat, string? weight = null, EdgeTypeKey? etype = null) =>
        ReadoutEdges(graph, feat, weight, ReduceOp.Sum, etype);

    /// <summary>Average over each graph's edges.</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Edge feature name.</param>
    /// <param name="weight">Optional edge feature [E, 1] multiplied in first.</param>
    /// <param name="etype">Relation.</param>
    /// <returns>One row per graph.</returns>
    public static Tensor MeanEdges(Graph graph, string feat, string? weight = null, EdgeTypeKey? etype = null) =>
        ReadoutEdges(graph, feat, weight, ReduceOp.Mean, etype);

    /// <summary>Elementwise maximum over each graph's edges.</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Edge feature name.</param>
    /// <param name="weight">Optional edge feature [E, 1] multiplied in first.</param>
    /// <param name="etype">Relation.</param>
    /// <returns>One row per graph.</returns>
    public static Tensor MaxEdges(Graph graph, string feat, string? weight = null, EdgeTypeKey? etype = null) =>
        ReadoutEdges(graph, feat, weight, ReduceOp.Max, etype);

    /// <summary>Elementwise minimum over each graph's edges.</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Edge feature name.</param>
    /// <param name="weight">Optional edge feature [E, 1] multiplied in first.</param>
    /// <param name="etype">Relation.</param>
    /// <returns>One row per graph.</returns>
    public static Tensor MinEdges(Graph graph, string feat, string? weight = null, EdgeTypeKey? etype = null) =>
        ReadoutEdges(graph, feat, weight, ReduceOp.Min, etype);

    /// <summary>Any reducer over each graph's nodes (DGL's <c>readout_nodes</c>).</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Node feature name.</param>
    /// <param name="weight">Optional node feature [N, 1] multiplied in first.</param>
    /// <param name="op">sum, mean, max or min.</param>
    /// <param name="ntype">Node type.</param>
    /// <returns>One row per graph.</returns>
    public static Tensor ReadoutNodes(Graph graph, string feat, string? weight = null, ReduceOp op = ReduceOp.Sum, string? ntype = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var data = graph.Nodes[NodeType(graph, ntype)].Data;
        return SparseOps.SegmentReduce(NodeOffsets(graph, ntype), Weighted(data, feat, weight), op);
    }

    /// <summary>Any reducer over each graph's edges (DGL's <c>readout_edges</c>).</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Edge feature name.</param>
    /// <param name="weight">Optional edge feature [E, 1] multiplied in first.</param>
    /// <param name="op">sum, mean, max or min.</param>
    /// <param name="etype">Relation.</param>
    /// <returns>One row per graph.</returns>
    public static Tensor ReadoutEdges(Graph graph, string feat, string? weight = null, ReduceOp op = ReduceOp.Sum, EdgeTypeKey? etype = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var data = graph.Edges[graph.ToCanonicalEdgeType(etype)].Data;
        return SparseOps.SegmentReduce(EdgeOffsets(graph, etype), Weighted(data, feat, weight), op);
    }

    /// <summary>Each node gets its graph's row of <paramref name="graphFeat"/> [B, …] (DGL's <c>broadcast_nodes</c>).</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="graphFeat">One row per graph of the batch.</param>
    /// <param name="ntype">Node type.</param>
    /// <returns>[N, …]. Differentiable in <paramref name="graphFeat"/>.</returns>
    public static Tensor BroadcastNodes(Graph graph, Tensor graphFeat, string? ntype = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Broadcast(NodeOffsets(graph, ntype), graphFeat, "broadcast_nodes");
    }

    /// <summary>Each edge gets its graph's row of <paramref name="graphFeat"/> (DGL's <c>broadcast_edges</c>).</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="graphFeat">One row per graph of the batch.</param>
    /// <param name="etype">Relation.</param>
    /// <returns>[E, …].</returns>
    public static Tensor BroadcastEdges(Graph graph, Tensor graphFeat, EdgeTypeKey? etype = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Broadcast(EdgeOffsets(graph, etype), graphFeat, "broadcast_edges");
    }

    /// <summary>Softmax of a node feature over the nodes of each graph, per column (DGL's <c>softmax_nodes</c>).</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Node feature name.</param>
    /// <param name="ntype">Node type.</param>
    /// <returns>Same shape as the feature.</returns>
    public static Tensor SoftmaxNodes(Graph graph, string feat, string? ntype = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return SparseOps.SegmentSoftmax(NodeOffsets(graph, ntype), graph.Nodes[NodeType(graph, ntype)].Data[feat]);
    }

    /// <summary>Softmax of an edge feature over the edges of each graph (DGL's <c>softmax_edges</c>).</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Edge feature name.</param>
    /// <param name="etype">Relation.</param>
    /// <returns>Same shape as the feature.</returns>
    public static Tensor SoftmaxEdges(Graph graph, string feat, EdgeTypeKey? etype = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return SparseOps.SegmentSoftmax(EdgeOffsets(graph, etype), graph.Edges[graph.ToCanonicalEdgeType(etype)].Data[feat]);
    }

    /// <summary>
    /// The k largest (or smallest) nodes of each graph by a [N, D] feature (DGL's <c>topk_nodes</c>): with
    /// <paramref name="sortBy"/>, whole rows ranked by column sortBy (values [B, k, D], indices [B, k]); without it,
    /// every column ranked on its own (values and indices [B, k, D]). Indices are positions within each graph
    /// (int64); a graph with n &lt; k nodes pads rows n..k-1 with 0 (their indices are n..k-1). Ties keep node order.
    /// </summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Node feature name ([N, D]).</param>
    /// <param name="k">How many to keep per graph.</param>
    /// <param name="descending">Largest first (true) or smallest first.</param>
    /// <param name="sortBy">Column to rank rows by, or null to rank each column independently.</param>
    /// <param name="ntype">Node type.</param>
    /// <returns>Values (differentiable) and indices.</returns>
    public static (Tensor Values, Tensor Indices) TopKNodes(Graph graph, string feat, int k, bool descending = true, int? sortBy = null, string? ntype = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return TopK(NodeOffsets(graph, ntype), graph.Nodes[NodeType(graph, ntype)].Data[feat], k, descending, sortBy, "topk_nodes");
    }

    /// <summary>The k largest (or smallest) edges of each graph by a [E, D] feature (DGL's <c>topk_edges</c>); see <see cref="TopKNodes"/>.</summary>
    /// <param name="graph">The (batched) graph.</param>
    /// <param name="feat">Edge feature name ([E, D]).</param>
    /// <param name="k">How many to keep per graph.</param>
    /// <param name="descending">Largest first (true) or smallest first.</param>
    /// <param name="sortBy">Column to rank rows by, or null to rank each column independently.</param>
    /// <param name="etype">Relation.</param>
    /// <returns>Values and indices.</returns>
    public static (Tensor Values, Tensor Indices) TopKEdges(Graph graph, string feat, int k, bool descending = true, int? sortBy = null, EdgeTypeKey? etype = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return TopK(EdgeOffsets(graph, etype), graph.Edges[graph.ToCanonicalEdgeType(etype)].Data[feat], k, descending, sortBy, "topk_edges");
    }

    private static string NodeType(Graph graph, string? ntype) => graph.NodeTypes[graph.NodeTypeIndex(ntype)];

    private static long[] NodeOffsets(Graph graph, string? ntype) => Offsets(graph.BatchNumNodesArray(graph.NodeTypeIndex(ntype)));

    private static long[] EdgeOffsets(Graph graph, EdgeTypeKey? etype) => Offsets(graph.BatchNumEdgesArray(graph.EdgeTypeIndex(etype)));

    private static long[] Offsets(int[] counts)
    {
        var o = new long[counts.Length + 1];
        for (var i = 0; i < counts.Length; i++) o[i + 1] = o[i] + counts[i];
        return o;
    }

    private static Tensor Weighted(Frame data, string feat, string? weight)
    {
        var x = data[feat];
        if (weight is null) return x;
        var w = data[weight];
        if (w.Rank != 2 || w.Size(1) != 1)
            throw new TensorShapeException($"readout: weight '{weight}' has shape {w.Shape}; expected [{data.NumRows}, 1]");
        return x * SparseCore.Pad(w, x.Rank - 1);
    }

    private static Tensor Broadcast(long[] offsets, Tensor graphFeat, string name)
    {
        ArgumentNullException.ThrowIfNull(graphFeat);
        var b = offsets.Length - 1;
        if (graphFeat.Rank == 0 || graphFeat.Size(0) != b)
            throw new TensorShapeException($"{name}: the graph feature has shape {graphFeat.Shape}; expected a first dimension of {b} (the batch size)");
        var index = new int[offsets[^1]];
        for (var g = 0; g < b; g++)
            for (var i = offsets[g]; i < offsets[g + 1]; i++) index[i] = g;
        return graphFeat.IndexSelect(0, Tensor.FromArray(index));
    }

    private static (Tensor, Tensor) TopK(long[] offsets, Tensor x, int k, bool descending, int? sortBy, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (x.Rank != 2)
            throw new TensorShapeException($"{name}: the feature has shape {x.Shape}; expected [count, D]");
        var d = x.Size(1);
        if (sortBy is { } sb && (sb < 0 || sb >= d))
            throw new ArgumentOutOfRangeException(nameof(sortBy), $"{name}: sortBy {sb} is out of range for {d} columns");
        var b = offsets.Length - 1;
        var values = new double[x.NumElements];
        for (var i = 0; i < values.Length; i++) values[i] = x.GetAsDouble(i);
        if (sortBy is { } c)
        {
            var rows = new int[b * k];
            var mask = new double[b * k];
            var local = new long[b * k];
            for (var g = 0; g < b; g++)
            {
                var n = (int)(offsets[g + 1] - offsets[g]);
                var order = Rank(n, i => values[(offsets[g] + i) * d + c], descending);
                for (var j = 0; j < k; j++)
                {
                    var inGraph = j < n;
                    rows[g * k + j] = inGraph ? (int)offsets[g] + order[j] : 0;
                    mask[g * k + j] = inGraph ? 1 : 0;
                    local[g * k + j] = inGraph ? order[j] : j;
                }
            }
            var picked = x.IndexSelect(0, Tensor.FromArray(rows)) * Tensor.FromArray(mask, new Shape(b * k, 1)).To(x.DType);
            return (picked.Reshape(b, k, d), Tensor.FromArray(local, new Shape(b, k)));
        }
        else
        {
            var rowIndex = new int[b * k * d];
            var mask = new double[b * k * d];
            var local = new long[b * k * d];
            for (var g = 0; g < b; g++)
            {
                var n = (int)(offsets[g + 1] - offsets[g]);
                for (var col = 0; col < d; col++)
                {
                    var cc = col;
                    var order = Rank(n, i => values[(offsets[g] + i) * d + cc], descending);
                    for (var j = 0; j < k; j++)
                    {
                        var at = (g * k + j) * d + col;
                        var inGraph = j < n;
                        rowIndex[at] = inGraph ? (int)offsets[g] + order[j] : 0;
                        mask[at] = inGraph ? 1 : 0;
                        local[at] = inGraph ? order[j] : j;
                    }
                }
            }
            var picked = x.Gather(0, Tensor.FromArray(rowIndex, new Shape(b * k, d))) * Tensor.FromArray(mask, new Shape(b * k, d)).To(x.DType);
            return (picked.Reshape(b, k, d), Tensor.FromArray(local, new Shape(b, k, d)));
        }
    }

    /// <summary>Positions 0..n-1 ordered by key (stable, so ties keep position order).</summary>
    private static int[] Rank(int n, Func<int, double> key, bool descending)
    {
        var order = new int[n];
        for (var i = 0; i < n; i++) order[i] = i;
        var keys = new double[n];
        for (var i = 0; i < n; i++) keys[i] = descending ? -key(i) : key(i);
        // Array.Sort is unstable; sort (key, position) pairs so ties resolve by position.
        Array.Sort(order, (p, q) =>
        {
            var cmp = keys[p].CompareTo(keys[q]);
            return cmp != 0 ? cmp : p.CompareTo(q);
        });
        return order;
    }
}
