using Dgl.Tensors;

namespace Dgl.Ops;

/// <summary>Which edges an <see cref="SparseOps.EdgeSoftmax(Graph, Tensor, NormBy, EdgeTypeKey?)"/> normalises together (DGL's <c>norm_by</c>).</summary>
public enum NormBy
{
    /// <summary>Each destination's in-edges (<c>norm_by='dst'</c>, the default: attention over a node's neighbours).</summary>
    Dst,

    /// <summary>Each source's out-edges (<c>norm_by='src'</c>).</summary>
    Src,
}

// The graph-level entry points of dgl.ops: gspmm, gsddmm and edge_softmax called with a graph (one relation, chosen by
// etype on a heterograph; a block's source and destination sides as they are). Edge tensors are indexed by the graph's
// edge ids; the relation's cached in-edge CSC is what the kernels walk, its out-edge CSR is built only if backward
// needs it.
public static partial class SparseOps
{
    /// <summary>
    /// g-SpMM on a graph (DGL's <c>dgl.ops.gspmm(g, op, reduce, lhs, rhs)</c>): for every destination v,
    /// out[v] = reduce over in-edges e = (u, v) of op(lhs[u], rhs[e]).
    /// </summary>
    /// <param name="graph">The graph; with several relations, <paramref name="etype"/> picks one.</param>
    /// <param name="op">copy_lhs, copy_rhs, add, sub, mul or div.</param>
    /// <param name="reduce">sum, mean, max or min; a destination without in-edges gets 0.</param>
    /// <param name="lhs">Source-node features [NumSrcNodes, …] (unused by copy_rhs; may be null then).</param>
    /// <param name="rhs">Edge features [NumEdges, …], row e for edge id e (unused by copy_lhs; may be null then).</param>
    /// <param name="etype">The relation, for a graph with more than one.</param>
    /// <returns>[NumDstNodes, broadcast feature shape].</returns>
    /// <exception cref="ArgumentException">The graph has several relations and none is named, or the named one does not exist (the message lists them).</exception>
    /// <exception cref="TensorShapeException">An operand's first dimension is not its count, or the feature shapes do not broadcast.</exception>
    /// <example>
    /// <code>
    /// var h = SparseOps.GSpMM(g, BinaryOp.Mul, ReduceOp.Sum, x, w);   // Σ over in-edges of w[e] · x[u]
    /// </code>
    /// </example>
    public static Tensor GSpMM(Graph graph, BinaryOp op, ReduceOp reduce, Tensor? lhs, Tensor? rhs, EdgeTypeKey? etype = null) =>
        GSpMM(InEdges(graph, etype), op, reduce, lhs, rhs, "gspmm");

    /// <summary>
    /// <see cref="GSpMM(Graph, BinaryOp, ReduceOp, Tensor?, Tensor?, EdgeTypeKey?)"/> with DGL's spelling of the op
    /// ("copy_lhs", "copy_rhs", "add", "sub", "mul", "div") and reducer ("sum", "mean", "max", "min").
    /// </summary>
    /// <exception cref="ArgumentException">An op or reducer name DGL does not have (the message lists the valid ones).</exception>
    public static Tensor GSpMM(Graph graph, string op, string reduce, Tensor? lhs, Tensor? rhs, EdgeTypeKey? etype = null) =>
        GSpMM(graph, ParseOp(op, "gspmm", spmm: true), ParseReduce(reduce), lhs, rhs, etype);

    /// <summary>
    /// g-SDDMM on a graph (DGL's <c>dgl.ops.gsddmm(g, op, lhs, rhs, lhs_target, rhs_target)</c>): for every edge
    /// e = (u, v), out[e] = op(lhs[x], rhs[y]) with x, y the source u, the edge e or the destination v.
    /// </summary>
    /// <param name="graph">The graph; with several relations, <paramref name="etype"/> picks one.</param>
    /// <param name="op">add, sub, mul, div, dot (over the last feature dimension, kept as size 1), copy_lhs or copy_rhs.</param>
    /// <param name="lhs">Features on <paramref name="lhsTarget"/>.</param>
    /// <param name="rhs">Features on <paramref name="rhsTarget"/>.</param>
    /// <param name="lhsTarget">Where lhs lives (default: source node).</param>
    /// <param name="rhsTarget">Where rhs lives (default: destination node).</param>
    /// <param name="etype">The relation, for a graph with more than one.</param>
    /// <returns>[NumEdges, broadcast feature shape], row e for edge id e.</returns>
    /// <exception cref="ArgumentException">The graph has several relations and none is named, or the named one does not exist.</exception>
    /// <exception cref="TensorShapeException">An operand's first dimension does not match its target's count, or the feature shapes do not broadcast.</exception>
    /// <example>
    /// <code>
    /// var score = SparseOps.GSDDMM(g, BinaryOp.Dot, h, h);   // [E, 1]: &lt;h[u], h[v]&gt; for every edge
    /// </code>
    /// </example>
    public static Tensor GSDDMM(Graph graph, BinaryOp op, Tensor? lhs, Tensor? rhs, Target lhsTarget = Target.Src,
        Target rhsTarget = Target.Dst, EdgeTypeKey? etype = null) =>
        GSDDMM(InEdges(graph, etype), op, lhs, rhs, lhsTarget, rhsTarget, "gsddmm");

    /// <summary>
    /// <see cref="GSDDMM(Graph, BinaryOp, Tensor?, Tensor?, Target, Target, EdgeTypeKey?)"/> with DGL's spelling:
    /// op "add", "sub", "mul", "div", "dot", "copy_lhs" or "copy_rhs"; targets "u" (or "src"), "e" (or "edge"),
    /// "v" (or "dst").
    /// </summary>
    /// <exception cref="ArgumentException">An op or target name DGL does not have (the message lists the valid ones).</exception>
    public static Tensor GSDDMM(Graph graph, string op, Tensor? lhs, Tensor? rhs, string lhsTarget = "u", string rhsTarget = "v",
        EdgeTypeKey? etype = null) =>
        GSDDMM(graph, ParseOp(op, "gsddmm", spmm: false), lhs, rhs, ParseTarget(lhsTarget, "lhs_target"), ParseTarget(rhsTarget, "rhs_target"), etype);

    /// <summary>
    /// Edge softmax on a graph (DGL's <c>dgl.nn.functional.edge_softmax(g, logits, norm_by)</c>): per head,
    /// y_e = exp(x_e) / Σ exp(x_e') over the edges e' that share e's destination (or, with
    /// <see cref="NormBy.Src"/>, its source).
    /// </summary>
    /// <param name="graph">The graph; with several relations, <paramref name="etype"/> picks one.</param>
    /// <param name="logits">[NumEdges, …], row e for edge id e; every trailing element is a separate head.</param>
    /// <param name="normBy">Normalise over each destination's in-edges (default) or each source's out-edges.</param>
    /// <param name="etype">The relation, for a graph with more than one.</param>
    /// <returns>Same shape as <paramref name="logits"/>.</returns>
    /// <exception cref="ArgumentException">The graph has several relations and none is named, or the named one does not exist.</exception>
    /// <exception cref="TensorShapeException">The first dimension of <paramref name="logits"/> is not the edge count.</exception>
    /// <example>
    /// <code>
    /// var a = SparseOps.EdgeSoftmax(g, scores);   // scores [E, H, 1]: attention over each node's in-edges
    /// </code>
    /// </example>
    public static Tensor EdgeSoftmax(Graph graph, Tensor logits, NormBy normBy = NormBy.Dst, EdgeTypeKey? etype = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (!Enum.IsDefined(normBy)) throw new ArgumentOutOfRangeException(nameof(normBy), normBy, "edge_softmax: norm_by is Dst or Src");
        var adj = graph.RelationAdjacency(graph.EdgeTypeIndex(etype));
        // Grouping by source is the same softmax over the out-edge CSR, whose rows are the sources.
        var index = normBy == NormBy.Dst ? EdgeIndex.FromCsr(adj.In, CsrRows.Dst) : EdgeIndex.FromCsr(adj.Out, CsrRows.Dst);
        return Softmax(index, logits, "edge_softmax");
    }

    /// <summary>The relation's cached in-edge CSC, with its out-edge CSR built only if backward asks for it.</summary>
    private static EdgeIndex InEdges(Graph graph, EdgeTypeKey? etype)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var adj = graph.RelationAdjacency(graph.EdgeTypeIndex(etype));
        return EdgeIndex.FromInCsr(adj.In, () => adj.Out);
    }

    private static BinaryOp ParseOp(string op, string name, bool spmm)
    {
        ArgumentNullException.ThrowIfNull(op);
        return op switch
        {
            "copy_lhs" or "copy_u" => BinaryOp.CopyLhs,
            "copy_rhs" or "copy_e" => BinaryOp.CopyRhs,
            "add" => BinaryOp.Add,
            "sub" => BinaryOp.Sub,
            "mul" => BinaryOp.Mul,
            "div" => BinaryOp.Div,
            "dot" when !spmm => BinaryOp.Dot,
            _ => throw new ArgumentException(
                $"{name}: unknown op '{op}'; expected one of copy_lhs, copy_rhs, add, sub, mul, div{(spmm ? "" : ", dot")}", nameof(op)),
        };
    }

    private static ReduceOp ParseReduce(string reduce)
    {
        ArgumentNullException.ThrowIfNull(reduce);
        return reduce switch
        {
            "sum" => ReduceOp.Sum,
            "mean" => ReduceOp.Mean,
            "max" => ReduceOp.Max,
            "min" => ReduceOp.Min,
            _ => throw new ArgumentException($"gspmm: unknown reducer '{reduce}'; expected one of sum, mean, max, min", nameof(reduce)),
        };
    }

    private static Target ParseTarget(string target, string what)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target switch
        {
            "u" or "src" => Target.Src,
            "e" or "edge" => Target.Edge,
            "v" or "dst" => Target.Dst,
            _ => throw new ArgumentException($"gsddmm: unknown {what} '{target}'; expected u, e or v", what == "lhs_target" ? "lhsTarget" : "rhsTarget"),
        };
    }
}
