using Dgl.Sparse.Kernels;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;

namespace Dgl.Ops;

// segment_mm and gather_mm: a different weight matrix per group of rows (per relation in RGCN, per node type in
// HGT). Forward is one GEMM per segment; backward dx = dy · wᵀ and dw = xᵀ · dy per segment. gather_mm first sorts
// the rows by weight index (stable), runs the segment GEMMs on the sorted rows, and scatters the result back.
public static partial class SparseOps
{
    /// <summary>
    /// Per-segment matrix product (DGL's <c>segment_mm</c>): rows offsets[r] .. offsets[r+1] of x are multiplied by
    /// w[r]: y[i] = x[i] · w[r(i)].
    /// </summary>
    /// <param name="x">[N, in].</param>
    /// <param name="w">[R, in, out].</param>
    /// <param name="segmentLengths">int32/int64 [R]: rows per segment, summing to N.</param>
    /// <returns>[N, out].</returns>
    /// <exception cref="TensorShapeException">The shapes do not fit (x's width vs w's in, R vs the number of lengths).</exception>
    public static Tensor SegmentMM(Tensor x, Tensor w, Tensor segmentLengths)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        CheckWeights("segment_mm", x, w);
        var offsets = OffsetsFromLengths("segment_mm", segmentLengths);
        if (offsets.Length - 1 != w.Size(0))
            throw new TensorShapeException($"segment_mm: {offsets.Length - 1} segment lengths for weights of shape {w.Shape}; expected one length per weight matrix ({w.Size(0)})");
        if (offsets[^1] != x.Size(0))
            throw new TensorShapeException($"segment_mm: segment lengths sum to {offsets[^1]} but x has shape {x.Shape}");
        var y = Tensor.Uninitialized(Shape.Wrap([x.Size(0), w.Size(2)]), x.DType);
        if (x.DType == DType.Float32) SegmentGemmKernel.Forward(offsets, x.Span<float>(), w.Span<float>(), y.Span<float>(), w.Size(1), w.Size(2));
        else SegmentGemmKernel.Forward(offsets, x.Span<double>(), w.Span<double>(), y.Span<double>(), w.Size(1), w.Size(2));
        if (GradMode.IsEnabled && (x.RequiresGrad || w.RequiresGrad)) y.WithGradFn(new SegmentMMBackward(x, w, offsets, null));
        return y;
    }

    /// <summary>
    /// Row-wise matrix product with a weight chosen per row (DGL's <c>gather_mm</c> with <c>idx_b</c>):
    /// y[i] = x[i] · w[index[i]].
    /// </summary>
    /// <param name="x">[N, in].</param>
    /// <param name="w">[R, in, out].</param>
    /// <param name="index">int32/int64 [N], each in 0..R-1.</param>
    /// <returns>[N, out].</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside 0..R-1.</exception>
    public static Tensor GatherMM(Tensor x, Tensor w, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(index);
        CheckWeights("gather_mm", x, w);
        if (!index.DType.IsInteger() || index.Rank != 1 || index.Size(0) != x.Size(0))
            throw new TensorShapeException($"gather_mm: index has shape {index.Shape} and dtype {index.DType.Name()}; expected int32/int64 [{x.Size(0)}] (one weight index per row of x)");
        var r = w.Size(0);
        var (offsets, perm) = index.DType == DType.Int32
            ? SortByIndex<int>(index.AsSpan<int>(), r, w.Shape)
            : SortByIndex<long>(index.AsSpan<long>(), r, w.Shape);
        var k = w.Size(1);
        var n = w.Size(2);
        var y = Tensor.Uninitialized(Shape.Wrap([x.Size(0), n]), x.DType);
        if (x.DType == DType.Float32) Run<float>();
        else Run<double>();
        if (GradMode.IsEnabled && (x.RequiresGrad || w.RequiresGrad)) y.WithGradFn(new SegmentMMBackward(x, w, offsets, perm));
        return y;

        void Run<T>() where T : unmanaged, System.Numerics.INumber<T>
        {
            var xs = GC.AllocateUninitializedArray<T>(x.NumElements);
            var ys = GC.AllocateUninitializedArray<T>(y.NumElements);
            SegmentGemmKernel.GatherRows<T>(x.Span<T>(), perm, xs, k);
            SegmentGemmKernel.Forward<T>(offsets, xs, w.Span<T>(), ys, k, n);
            SegmentGemmKernel.ScatterRows<T>(ys, perm, y.Span<T>(), n);
        }
    }

    /// <summary>Checks every index against the R weight matrices, then groups the rows by it (stable).</summary>
    private static (long[] Offsets, int[] Perm) SortByIndex<TI>(ReadOnlySpan<TI> index, int r, Shape wShape)
        where TI : unmanaged, System.Numerics.IBinaryInteger<TI>
    {
        for (var i = 0; i < index.Length; i++)
        {
            if (ulong.CreateTruncating(index[i]) >= (ulong)r)
                throw new ArgumentOutOfRangeException(nameof(index), $"gather_mm: index[{i}] = {index[i]}; expected 0..{r - 1} (w has shape {wShape})");
        }
        return SegmentGemmKernel.SortByType(index, r);
    }

    private static void CheckWeights(string name, Tensor x, Tensor w)
    {
        SparseCore.CheckFloat(name, x, "x");
        SparseCore.CheckFloat(name, w, "w");
        if (x.DType != w.DType)
            throw new TensorDTypeException($"{name}: x has dtype {x.DType.Name()} but w has {w.DType.Name()}");
        if (x.Rank != 2 || w.Rank != 3 || x.Size(1) != w.Size(1))
            throw new TensorShapeException($"{name}: x has shape {x.Shape} and w {w.Shape}; expected x [N, in] and w [R, in, out] with equal in");
    }

    /// <summary>Backward of segment_mm (perm null) and gather_mm (rows sorted by perm).</summary>
    private sealed class SegmentMMBackward : GradNode
    {
        private readonly long[] _offsets;
        private readonly int[]? _perm;

        public SegmentMMBackward(Tensor x, Tensor w, long[] offsets, int[]? perm) : base(x, w)
        {
            (_offsets, _perm) = (offsets, perm);
            Save(NeedsInputGrad(1) ? x : null, NeedsInputGrad(0) ? w : null);
        }

        public override string Name => _perm is null ? "SegmentMMBackward" : "GatherMMBackward";

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var xShape = InputShape(0);
            var wShape = InputShape(1);
            var k = wShape[1];
            var n = wShape[2];
            Tensor? dx = NeedsInputGrad(0) ? Tensor.Uninitialized(xShape, grad.DType) : null;
            Tensor? dw = NeedsInputGrad(1) ? Tensor.Uninitialized(wShape, grad.DType) : null;
            if (grad.DType == DType.Float32) Run<float>();
            else Run<double>();
            return [dx, dw];

            void Run<T>() where T : unmanaged, System.Numerics.INumber<T>
            {
                ReadOnlySpan<T> dy = grad.Span<T>();
                T[]? dys = null;
                if (_perm is not null)
                {
                    dys = GC.AllocateUninitializedArray<T>(grad.NumElements);
                    SegmentGemmKernel.GatherRows(dy, _perm, dys, n);
                    dy = dys;
                }
                if (dx is not null)
                {
                    var w = SavedOrNull(1)!;
                    if (_perm is null)
                    {
                        SegmentGemmKernel.BackwardInput(_offsets, dy, w.Span<T>(), dx.Span<T>(), k, n);
                    }
                    else
                    {
                        var dxs = GC.AllocateUninitializedArray<T>(dx.NumElements);
                        SegmentGemmKernel.BackwardInput<T>(_offsets, dy, w.Span<T>(), dxs, k, n);
                        SegmentGemmKernel.ScatterRows<T>(dxs, _perm, dx.Span<T>(), k);
                    }
                }
                if (dw is not null)
                {
                    var x = SavedOrNull(0)!;
                    ReadOnlySpan<T> xs = x.Span<T>();
                    if (_perm is not null)
                    {
                        var buf = GC.AllocateUninitializedArray<T>(x.NumElements);
                        SegmentGemmKernel.GatherRows(xs, _perm, buf, k);
                        xs = buf;
                    }
                    SegmentGemmKernel.BackwardWeight(_offsets, xs, dy, dw.Span<T>(), k, n);
                }
            }
        }
    }
}
