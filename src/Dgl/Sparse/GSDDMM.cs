using Dgl.Sparse.Kernels;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;

namespace Dgl.Ops;

// g-SDDMM: out[e] = op(lhs[target_l(e)], rhs[target_r(e)]) for every edge e = (u, v). Forward is one kernel over
// the edges. Backward: an operand on a node gets Σ over that node's edges of ∂op/∂operand ⊙ grad[e] (a g-SpMM at
// that side, or a g-SpMM of copy_rhs followed by a product when the other operand is on the same node or the edge);
// an operand on the edge gets the product directly (a g-SDDMM). Then summed back to the operand's shape.
public static partial class SparseOps
{
    /// <summary>
    /// Generalised sampled dense-dense matrix multiply (DGL's <c>gsddmm</c>): for every edge e = (u, v),
    /// out[e] = op(lhs[x], rhs[y]) where x and y are u, e or v as <paramref name="lhsTarget"/> and
    /// <paramref name="rhsTarget"/> say.
    /// </summary>
    /// <param name="csr">The edges, as an out-edge CSR (<paramref name="rows"/> = <see cref="CsrRows.Src"/>) or an
    /// in-edge CSC (<see cref="CsrRows.Dst"/>); output rows follow its edge ids.</param>
    /// <param name="rows">Which endpoint the rows of <paramref name="csr"/> are.</param>
    /// <param name="op">add, sub, mul, div, dot (over the last feature dimension, kept as size 1), copy_lhs or copy_rhs.</param>
    /// <param name="lhs">Features on the left operand's target (unused by copy_rhs).</param>
    /// <param name="rhs">Features on the right operand's target (unused by copy_lhs).</param>
    /// <param name="lhsTarget">Where lhs lives (default: source node).</param>
    /// <param name="rhsTarget">Where rhs lives (default: destination node).</param>
    /// <param name="reverse">The same graph in the other orientation, if the caller has it (backward uses it).</param>
    /// <returns>[edges, broadcast feature shape].</returns>
    /// <exception cref="TensorShapeException">An operand's first dimension does not match its target's count, or the feature shapes do not broadcast.</exception>
    /// <example>
    /// <code>
    /// // attention logits e_uv = &lt;q_v, k_u&gt; per head: k [N, H, D], q [N, H, D] → [E, H, 1]
    /// var logits = SparseOps.GSDDMM(g.InCsr(), CsrRows.Dst, BinaryOp.Dot, k, q, Target.Src, Target.Dst);
    /// </code>
    /// </example>
    public static Tensor GSDDMM(Csr csr, CsrRows rows, BinaryOp op, Tensor? lhs, Tensor? rhs,
        Target lhsTarget = Target.Src, Target rhsTarget = Target.Dst, Csr? reverse = null)
    {
        ArgumentNullException.ThrowIfNull(csr);
        return GSDDMM(EdgeIndex.FromCsr(csr, rows, reverse), op, lhs, rhs, lhsTarget, rhsTarget, "gsddmm");
    }

    /// <summary>g-SDDMM over edges given as COO lists: edge e runs from <paramref name="src"/>[e] to <paramref name="dst"/>[e].</summary>
    /// <param name="src">Source node of each edge, in 0..numSrc-1.</param>
    /// <param name="dst">Destination node of each edge, in 0..numDst-1.</param>
    /// <param name="numSrc">Number of source nodes (rows of a source-side operand).</param>
    /// <param name="numDst">Number of destination nodes (rows of a destination-side operand).</param>
    /// <param name="op">The binary op (see the CSR overload).</param>
    /// <param name="lhs">Left operand.</param>
    /// <param name="rhs">Right operand.</param>
    /// <param name="lhsTarget">Where lhs lives.</param>
    /// <param name="rhsTarget">Where rhs lives.</param>
    /// <returns>[edges, broadcast feature shape], row e for edge e.</returns>
    /// <exception cref="ArgumentException">An id is out of range or the lists differ in length.</exception>
    public static Tensor GSDDMM(int[] src, int[] dst, int numSrc, int numDst, BinaryOp op, Tensor? lhs, Tensor? rhs,
        Target lhsTarget = Target.Src, Target rhsTarget = Target.Dst) =>
        GSDDMM(EdgeIndex.FromCoo(src, dst, numSrc, numDst), op, lhs, rhs, lhsTarget, rhsTarget, "gsddmm");

    internal static Tensor GSDDMM(EdgeIndex index, BinaryOp op, Tensor? lhs, Tensor? rhs, Target lhsTarget, Target rhsTarget, string name)
    {
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, $"{name}: unknown op");
        if (!Enum.IsDefined(lhsTarget)) throw new ArgumentOutOfRangeException(nameof(lhsTarget), lhsTarget, $"{name}: unknown target");
        if (!Enum.IsDefined(rhsTarget)) throw new ArgumentOutOfRangeException(nameof(rhsTarget), rhsTarget, $"{name}: unknown target");
        var useL = op != BinaryOp.CopyRhs;
        var useR = op != BinaryOp.CopyLhs;
        if (!useL) lhs = null;
        if (!useR) rhs = null;
        if (useL) CheckOperand(name, index, lhs, lhsTarget, "lhs");
        if (useR) CheckOperand(name, index, rhs, rhsTarget, "rhs");
        if (lhs is not null && rhs is not null && lhs.DType != rhs.DType)
            throw new TensorDTypeException($"{name}: lhs has dtype {lhs.DType.Name()} but rhs has {rhs.DType.Name()}; convert one with To()");
        var dtype = (lhs ?? rhs)!.DType;
        var shape = FeatureBroadcast.Create(name, op, lhs is null ? null : SparseCore.Feat(lhs), rhs is null ? null : SparseCore.Feat(rhs));
        var y = SparseCore.Sddmm(index, shape, op, lhs, rhs, lhsTarget, rhsTarget, dtype);
        if (GradMode.IsEnabled && ((lhs?.RequiresGrad ?? false) || (rhs?.RequiresGrad ?? false)))
            y.WithGradFn(new GSDDMMBackward(index, op, lhs, rhs, lhsTarget, rhsTarget));
        return y;
    }

    private static void CheckOperand(string name, EdgeIndex index, Tensor? t, Target target, string what)
    {
        ArgumentNullException.ThrowIfNull(t, what);
        SparseCore.CheckFloat(name, t, what);
        var (count, noun) = target switch
        {
            Target.Src => ((long)index.NumSrc, "source nodes"),
            Target.Dst => (index.NumDst, "destination nodes"),
            _ => (index.NumEdges, "edges"),
        };
        if (t.Size(0) != count)
            throw new TensorShapeException($"{name}: {what} targets {target} and has shape {t.Shape}; its first dimension must be the {count} {noun}");
    }

    private sealed class GSDDMMBackward : GradNode
    {
        private readonly EdgeIndex _index;
        private readonly BinaryOp _op;
        private readonly Target _lt, _rt;

        public GSDDMMBackward(EdgeIndex index, BinaryOp op, Tensor? lhs, Tensor? rhs, Target lt, Target rt) : base(lhs, rhs)
        {
            (_index, _op, _lt, _rt) = (index, op, lt, rt);
            var product = op is BinaryOp.Mul or BinaryOp.Div or BinaryOp.Dot;
            Save(product ? lhs : null, product ? rhs : null);
        }

        public override string Name => "GSDDMMBackward";

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var product = _op is BinaryOp.Mul or BinaryOp.Div or BinaryOp.Dot;
            var x = SavedOrNull(0);
            var y = SavedOrNull(1);
            Tensor? dx = null, dy = null;
            if (NeedsInputGrad(0))
            {
                // ∂(x/y)/∂x = 1/y; ∂(x·y)/∂x = y.
                var other = !product ? null : _op == BinaryOp.Div ? 1.0 / y! : y;
                dx = SparseCore.ReduceGrad(OperandGrad(grad, _lt, other, _rt), InputShape(0));
            }
            if (NeedsInputGrad(1))
            {
                var full = OperandGrad(grad, _rt, product ? x : null, _lt);
                if (_op == BinaryOp.Sub) full = full.Neg();
                if (_op == BinaryOp.Div)
                {
                    // ∂(x/y)/∂y = −x/y²: the product-rule gradient (with x) divided by −y², y constant over each sum.
                    var yp = SparseCore.Pad(y!, full.Rank - 1);
                    full = full.Neg() / (yp * yp);
                }
                dy = SparseCore.ReduceGrad(full, InputShape(1));
            }
            return [dx, dy];
        }

        /// <summary>Gradient (in the broadcast shape) of an operand on <paramref name="target"/>: grad summed over the
        /// edges of each node there, times <paramref name="other"/> (on <paramref name="otherTarget"/>) when the op is a product.</summary>
        private Tensor OperandGrad(Tensor grad, Target target, Tensor? other, Target otherTarget)
        {
            var dtype = grad.DType;
            if (target == Target.Edge)
                return other is null ? grad : SparseCore.Sddmm(_index, BinaryOp.Mul, grad, other, Target.Edge, otherTarget, dtype);
            var rows = target == Target.Src ? _index.SrcRows : _index.DstRows;
            if (other is null) return SparseCore.Spmm(rows, BinaryOp.CopyRhs, null, grad, dtype);
            if (otherTarget == target) return MulPadded(SparseCore.Spmm(rows, BinaryOp.CopyRhs, null, grad, dtype), other);
            if (otherTarget == Target.Edge) return SparseCore.Spmm(rows, BinaryOp.CopyRhs, null, MulPadded(grad, other), dtype);
            // The other operand sits on the opposite node: it is the "source" side of the rows we aggregate over.
            return SparseCore.Spmm(rows, BinaryOp.Mul, other, grad, dtype);
        }

        private static Tensor MulPadded(Tensor a, Tensor b)
        {
            var rank = Math.Max(a.Rank, b.Rank) - 1;
            return SparseCore.Pad(a, rank) * SparseCore.Pad(b, rank);
        }
    }
}
