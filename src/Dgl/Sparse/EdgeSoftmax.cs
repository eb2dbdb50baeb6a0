using Dgl.Sparse.Kernels;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;

namespace Dgl.Ops;

// edge softmax: y_e = exp(x_e − max) / Σ exp(x − max) over the edges sharing e's row (its destination over the
// in-edge CSC, its source over the out-edge CSR), per head. Backward: dx = y ⊙ (dy − Σ_row y ⊙ dy). Both are one
// fused pass per row.
public static partial class SparseOps
{
    /// <summary>
    /// Softmax of edge scores over each row of <paramref name="groups"/>, independently per head:
    /// y_e = exp(x_e) / Σ_{e' in row(e)} exp(x_e'), computed stably (the row's maximum is subtracted first).
    /// Pass the in-edge CSC to normalise over each destination's incoming edges (DGL's default <c>norm_by='dst'</c>),
    /// the out-edge CSR to normalise by source.
    /// </summary>
    /// <param name="groups">A CSR whose rows group the edges; its edge ids index <paramref name="logits"/>.</param>
    /// <param name="logits">[edges, …]: every trailing element is a separate head.</param>
    /// <returns>Same shape as <paramref name="logits"/>; each row's entries sum to 1 per head.</returns>
    /// <exception cref="TensorShapeException">The first dimension is not the edge count.</exception>
    /// <example>
    /// <code>
    /// var a = SparseOps.EdgeSoftmax(g.InCsr(), scores);   // scores [E, H, 1]: attention over each node's in-edges
    /// </code>
    /// </example>
    public static Tensor EdgeSoftmax(Csr groups, Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return Softmax(EdgeIndex.FromCsr(groups, CsrRows.Dst), logits, "edge_softmax");
    }

    internal static Tensor Softmax(EdgeIndex index, Tensor logits, string name)
    {
        ArgumentNullException.ThrowIfNull(logits);
        SparseCore.CheckFloat(name, logits, "logits");
        if (logits.Size(0) != index.NumEdges)
            throw new TensorShapeException($"{name}: logits has shape {logits.Shape}; its first dimension must be the {index.NumEdges} edges (elements)");
        var heads = logits.Shape.Product(1, logits.Rank);
        var rows = index.DstRows;
        var y = logits.EmptyLike();
        if (logits.DType == DType.Float32) EdgeSoftmaxKernel.Forward(rows, heads, logits.Span<float>(), y.Span<float>());
        else EdgeSoftmaxKernel.Forward(rows, heads, logits.Span<double>(), y.Span<double>());
        if (GradMode.IsEnabled && logits.RequiresGrad) y.WithGradFn(new SoftmaxBackward(index, logits, y, heads));
        return y;
    }

    private sealed class SoftmaxBackward : GradNode
    {
        private readonly EdgeIndex _index;
        private readonly int _heads;

        public SoftmaxBackward(EdgeIndex index, Tensor logits, Tensor y, int heads) : base(logits)
        {
            (_index, _heads) = (index, heads);
            Save(y);
        }

        public override string Name => "EdgeSoftmaxBackward";

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var y = Saved(0);
            var dx = y.EmptyLike();
            var rows = _index.DstRows;
            if (y.DType == DType.Float32) EdgeSoftmaxKernel.Backward(rows, _heads, y.Span<float>(), grad.Span<float>(), dx.Span<float>());
            else EdgeSoftmaxKernel.Backward(rows, _heads, y.Span<double>(), grad.Span<double>(), dx.Span<double>());
            return [dx];
        }
    }
}
