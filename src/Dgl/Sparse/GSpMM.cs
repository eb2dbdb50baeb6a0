using Dgl.Sparse.Kernels;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;

namespace Dgl.Ops;

// g-SpMM: out[v] = reduce_{e=(u,v)} op(lhs[u], rhs[e]). Forward is one fused kernel over the in-edge CSC.
// Backward (sum/mean): d lhs is a g-SpMM over the reversed graph (the out-edge CSR), d rhs a g-SDDMM over the edges;
// mean first divides the output gradient by the in-degree. Backward (max/min): the gradient of each output element
// goes to the one edge that won it. Gradients computed in the broadcast shape are summed back to each operand's shape.
/// <summary>
/// The fused sparse ops of message passing, each with autograd: g-SpMM (aggregate messages at destinations), g-SDDMM
/// (compute a value per edge), edge softmax, segment reductions and per-relation matrix products (DGL's
/// <c>dgl.ops</c>). Graph-level APIs compile to these; call them directly for custom layers.
/// </summary>
public static partial class SparseOps
{
    /// <summary>
    /// Generalised sparse-dense matrix multiply (DGL's <c>gspmm</c>): for every destination v,
    /// out[v] = reduce over in-edges e = (u, v) of op(lhs[u], rhs[e]).
    /// </summary>
    /// <param name="inCsr">The in-edge CSC: rows are destination nodes, indices source nodes, edge ids index <paramref name="rhs"/>.</param>
    /// <param name="op">copy_lhs, copy_rhs, add, sub, mul or div.</param>
    /// <param name="reduce">sum, mean, max or min; a destination without in-edges gets 0.</param>
    /// <param name="lhs">Source-node features [inCsr.NumCols, …] (unused by copy_rhs; may be null then).</param>
    /// <param name="rhs">Edge features [edges, …] (unused by copy_lhs; may be null then).</param>
    /// <param name="outCsr">The same graph's out-edge CSR, if the caller has it; backward otherwise builds it once per graph.</param>
    /// <returns>[inCsr.NumRows, broadcast feature shape]. Feature shapes broadcast as in DGL: aligned from the right,
    /// e.g. node [N, H, D] with edge [E, H, 1] gives [Ndst, H, D]; edge weights [E, 1] scale any node feature.</returns>
    /// <exception cref="TensorShapeException">The operand row counts do not match the graph, or the feature shapes do not broadcast.</exception>
    /// <exception cref="TensorDTypeException">An operand is not float32/float64, or the two differ.</exception>
    /// <example>
    /// <code>
    /// // Σ over in-edges of edge-weighted source features (GCN's aggregation):
    /// var h = SparseOps.GSpMM(g.InCsr(), BinaryOp.Mul, ReduceOp.Sum, x, w);   // x [N, F], w [E, 1] → [N, F]
    /// </code>
    /// </example>
    public static Tensor GSpMM(Csr inCsr, BinaryOp op, ReduceOp reduce, Tensor? lhs, Tensor? rhs, Csr? outCsr = null)
    {
        ArgumentNullException.ThrowIfNull(inCsr);
        return GSpMM(EdgeIndex.FromCsr(inCsr, CsrRows.Dst, outCsr), op, reduce, lhs, rhs, "gspmm");
    }

    internal static Tensor GSpMM(EdgeIndex index, BinaryOp op, ReduceOp reduce, Tensor? lhs, Tensor? rhs, string name)
    {
        if (op == BinaryOp.Dot)
            throw new ArgumentOutOfRangeException(nameof(op), op, $"{name}: dot is a g-SDDMM op; g-SpMM takes copy_lhs, copy_rhs, add, sub, mul or div");
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, $"{name}: unknown op");
        if (!Enum.IsDefined(reduce)) throw new ArgumentOutOfRangeException(nameof(reduce), reduce, $"{name}: unknown reducer");
        var useL = op != BinaryOp.CopyRhs;
        var useR = op != BinaryOp.CopyLhs;
        if (!useL) lhs = null;
        if (!useR) rhs = null;
        if (useL)
        {
            ArgumentNullException.ThrowIfNull(lhs);
            SparseCore.CheckFloat(name, lhs, "lhs (source-node features)");
            if (lhs.Size(0) != index.NumSrc)
                throw new TensorShapeException($"{name}: lhs has shape {lhs.Shape}; its first dimension must be the {index.NumSrc} source nodes");
        }
        if (useR)
        {
            ArgumentNullException.ThrowIfNull(rhs);
            SparseCore.CheckFloat(name, rhs, "rhs (edge features)");
            if (rhs.Size(0) != index.NumEdges)
                throw new TensorShapeException($"{name}: rhs has shape {rhs.Shape}; its first dimension must be the {index.NumEdges} edges");
        }
        if (lhs is not null && rhs is not null && lhs.DType != rhs.DType)
            throw new TensorDTypeException($"{name}: lhs has dtype {lhs.DType.Name()} but rhs has {rhs.DType.Name()}; convert one with To()");
        var dtype = (lhs ?? rhs)!.DType;
        var shape = FeatureBroadcast.Create(name, op, lhs is null ? null : SparseCore.Feat(lhs), rhs is null ? null : SparseCore.Feat(rhs));
        var y = SparseCore.Spmm(index.DstRows, shape, op, reduce, lhs, rhs, dtype, out var arg);
        if (GradMode.IsEnabled && ((lhs?.RequiresGrad ?? false) || (rhs?.RequiresGrad ?? false)))
            y.WithGradFn(new GSpMMBackward(index, op, reduce, lhs, rhs, shape, arg));
        return y;
    }

    private sealed class GSpMMBackward : GradNode
    {
        private readonly EdgeIndex _index;
        private readonly BinaryOp _op;
        private readonly ReduceOp _reduce;
        private readonly FeatureBroadcast _shape;
        private int[]? _arg;

        public GSpMMBackward(EdgeIndex index, BinaryOp op, ReduceOp reduce, Tensor? lhs, Tensor? rhs, FeatureBroadcast shape, int[]? arg)
            : base(lhs, rhs)
        {
            (_index, _op, _reduce, _shape, _arg) = (index, op, reduce, shape, arg);
            // mul/div need the other operand (div also its own rhs); max/min need both for mul/div.
            var product = op is BinaryOp.Mul or BinaryOp.Div;
            Save(product ? lhs : null, product ? rhs : null);
        }

        public override string Name => "GSpMMBackward";

        protected override void OnRelease() => _arg = null;

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var x = SavedOrNull(0);
            var y = SavedOrNull(1);
            if (_reduce is ReduceOp.Max or ReduceOp.Min) return ArgBackward(grad, x, y);

            Tensor? dx = null, dy = null;
            var g = _reduce == ReduceOp.Mean ? SparseCore.DivideByDegree(grad, _index.DstRows) : grad;
            if (NeedsInputGrad(0) && NeedsInputGrad(1) && _op is BinaryOp.Mul or BinaryOp.Div && FusedSupported(g.DType))
                return Fused(g, x!, y!);
            if (NeedsInputGrad(0))
            {
                // d lhs[u] = Σ over out-edges (u, v) of ∂op/∂lhs · g[v]: a g-SpMM over the reversed graph.
                var full = _op switch
                {
                    BinaryOp.Mul => SparseCore.Spmm(_index.SrcRows, BinaryOp.Mul, g, y, g.DType),
                    BinaryOp.Div => SparseCore.Spmm(_index.SrcRows, BinaryOp.Div, g, y, g.DType),
                    _ => SparseCore.Spmm(_index.SrcRows, BinaryOp.CopyLhs, g, null, g.DType),
                };
                dx = SparseCore.ReduceGrad(full, InputShape(0));
            }
            if (NeedsInputGrad(1))
            {
                // d rhs[e] = ∂op/∂rhs · g[v] for e = (u, v): a g-SDDMM.
                Tensor full;
                switch (_op)
                {
                    case BinaryOp.CopyRhs or BinaryOp.Add:
                        full = SparseCore.Sddmm(_index, BinaryOp.CopyLhs, g, null, Target.Dst, Target.Dst, g.DType);
                        break;
                    case BinaryOp.Sub:
                        full = SparseCore.Sddmm(_index, BinaryOp.CopyLhs, g, null, Target.Dst, Target.Dst, g.DType).Neg();
                        break;
                    default:
                        full = ProductRhsGrad(x!, g);
                        if (_op == BinaryOp.Div)
                        {
                            // d(x/y)/dy = −x/y²
                            var yp = SparseCore.Pad(y!, full.Rank - 1);
                            full = full.Neg() / (yp * yp);
                        }
                        break;
                }
                dy = SparseCore.ReduceGrad(full, InputShape(1));
            }
            return [dx, dy];
        }

        private bool FusedSupported(DType dtype) => !_index.IsSegments && (dtype == DType.Float32
            ? SpmmBackwardKernel.Supports<float>(_shape, _op)
            : SpmmBackwardKernel.Supports<double>(_shape, _op));

        /// <summary>Both gradients in one pass over the reversed graph (see <see cref="SpmmBackwardKernel"/>).</summary>
        private Tensor?[] Fused(Tensor g, Tensor x, Tensor y)
        {
            var rev = _index.SrcRows;
            var dx = Tensor.Uninitialized(InputShape(0), g.DType);
            var dy = Tensor.Uninitialized(InputShape(1), g.DType);
            if (g.DType == DType.Float32)
                SpmmBackwardKernel.Run(rev, _shape, _op, x.Span<float>(), y.Span<float>(), g.Span<float>(), dx.Span<float>(), dy.Span<float>());
            else
                SpmmBackwardKernel.Run(rev, _shape, _op, x.Span<double>(), y.Span<double>(), g.Span<double>(), dx.Span<double>(), dy.Span<double>());
            return [dx, dy];
        }

        /// <summary>Σ-free part of the rhs gradient of mul/div: x[u] ⊙ g[v] per edge, reduced over the last feature
        /// dimension in the same kernel (a dot) when rhs broadcast along it.</summary>
        private Tensor ProductRhsGrad(Tensor x, Tensor g)
        {
            var rhsFeat = InputShape(1).ToArray()[1..];
            var outFeat = _shape.OutShape;
            var lhsFeat = SparseCore.Feat(x);
            var reduceLast = outFeat.Length > 0 && outFeat[^1] > 1 && rhsFeat.Length == outFeat.Length && rhsFeat[^1] == 1
                && lhsFeat.Length > 0 && lhsFeat[^1] == outFeat[^1];
            return SparseCore.Sddmm(_index, reduceLast ? BinaryOp.Dot : BinaryOp.Mul, x, g, Target.Src, Target.Dst, g.DType);
        }

        private Tensor?[] ArgBackward(Tensor grad, Tensor? x, Tensor? y)
        {
            var arg = _arg ?? throw new InvalidOperationException($"{Name}: the forward's arg indices were released");
            var rows = _index.DstRows;
            var wantL = NeedsInputGrad(0);
            var wantR = NeedsInputGrad(1);
            var outFeat = _shape.OutShape;
            Tensor? dxFull = wantL ? Tensor.Zeros(Shape.Wrap([_index.NumSrc, .. outFeat]), grad.DType) : null;
            Tensor? dyFull = wantR ? Tensor.Zeros(Shape.Wrap([checked((int)_index.NumEdges), .. outFeat]), grad.DType) : null;
            if (grad.DType == DType.Float32) Run<float>();
            else Run<double>();
            return
            [
                dxFull is null ? null : SparseCore.ReduceGrad(dxFull, InputShape(0)),
                dyFull is null ? null : SparseCore.ReduceGrad(dyFull, InputShape(1)),
            ];

            void Run<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            {
                SpmmArgBackwardKernel.Run(rows, _shape, _op,
                    x is null ? [] : (T[])x.Data, x?.Offset ?? 0,
                    y is null ? [] : (T[])y.Data, y?.Offset ?? 0,
                    (T[])grad.Data, grad.Offset, arg,
                    dxFull is null ? [] : (T[])dxFull.Data, dxFull?.Offset ?? 0, dyFull is null ? [] : (T[])dyFull.Data, dyFull?.Offset ?? 0);
            }
        }
    }
}
