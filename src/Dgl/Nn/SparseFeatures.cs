using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;
using Dgl.Tensors.Kernels;

namespace Dgl.Nn;

/// <summary>
/// An immutable row-sparse (CSR) matrix of input node features — bag-of-words rows such as Cora's 1,433-word
/// vectors, about 1% non-zero — that the first layer of a model multiplies by its weight without densifying:
/// <see cref="MatMul"/> and <see cref="Linear"/> cost O(nnz·out) instead of O(rows·cols·out), and so does the
/// weight gradient. Values never require a gradient (they are inputs).
/// </summary>
/// <remarks>
/// <para>The column-major copy of the structure that the weight gradient walks (one thread per block of weight rows,
/// each summing in a fixed order, so results do not depend on the thread count) is built once and shared by every
/// matrix derived with <see cref="Dropout"/>, which keeps the structure and replaces only the values.</para>
/// <para>Dropout on the non-zeros is dropout on the dense matrix: a zero stays zero whether it is dropped or not;
/// only the random stream differs (one draw per stored value instead of per element).</para>
/// </remarks>
/// <example>
/// <code>
/// var x = SparseFeatures.FromDense(g.NData["feat"]);   // [2708, 1433], 49,216 non-zeros
/// var w = Tensor.Randn([1433, 16]).RequireGrad();
/// var h = x.MatMul(w);                                  // [2708, 16]
/// h.Sum().Backward();                                   // w.Grad = xᵀ·1
/// </code>
/// </example>
public sealed class SparseFeatures
{
    private readonly Structure _structure;

    private SparseFeatures(Structure structure, Tensor values)
    {
        _structure = structure;
        Values = values;
    }

    /// <summary>Rows (nodes).</summary>
    public int NumRows => _structure.NumRows;

    /// <summary>Columns (features per node).</summary>
    public int NumCols => _structure.NumCols;

    /// <summary>Stored (non-zero) values.</summary>
    public int Nnz => _structure.Indices.Length;

    /// <summary>The element type of the values (float32 or float64).</summary>
    public DType DType => Values.DType;

    /// <summary>The stored values in row-major order, [nnz].</summary>
    public Tensor Values { get; }

    /// <summary>Row offsets into <see cref="ColumnIndices"/>, length NumRows + 1.</summary>
    public ReadOnlySpan<long> RowOffsets => _structure.IndPtr;

    /// <summary>Column of each stored value.</summary>
    public ReadOnlySpan<int> ColumnIndices => _structure.Indices;

    /// <summary>The non-zeros of a dense [rows, cols] float tensor.</summary>
    /// <exception cref="TensorShapeException">The tensor is not 2-D.</exception>
    /// <exception cref="TensorDTypeException">The tensor is not float32 or float64.</exception>
    public static SparseFeatures FromDense(Tensor dense)
    {
        ArgumentNullException.ThrowIfNull(dense);
        if (dense.Rank != 2)
            throw new TensorShapeException($"SparseFeatures.FromDense: the tensor has shape {dense.Shape}; expected [rows, cols]");
        return dense.DType switch
        {
            DType.Float32 => FromDense<float>(dense),
            DType.Float64 => FromDense<double>(dense),
            _ => throw new TensorDTypeException($"SparseFeatures.FromDense: dtype {dense.DType.Name()} is not supported; expected float32 or float64"),
        };
    }

    private static SparseFeatures FromDense<T>(Tensor dense) where T : unmanaged, INumberBase<T>
    {
        var rows = dense.Size(0);
        var cols = dense.Size(1);
        var src = dense.AsSpan<T>();
        var ptr = new long[rows + 1];
        for (var r = 0; r < rows; r++)
        {
            var n = 0;
            foreach (var v in src.Slice(r * cols, cols)) if (!T.IsZero(v)) n++;
            ptr[r + 1] = ptr[r] + n;
        }
        var idx = new int[ptr[rows]];
        var vals = new T[ptr[rows]];
        var k = 0;
        for (var r = 0; r < rows; r++)
        {
            var row = src.Slice(r * cols, cols);
            for (var c = 0; c < cols; c++)
            {
                if (T.IsZero(row[c])) continue;
                idx[k] = c;
                vals[k++] = row[c];
            }
        }
        return new SparseFeatures(new Structure(rows, cols, ptr, idx), Tensor.FromArray(vals));
    }

    /// <summary>The dense [rows, cols] matrix.</summary>
    public Tensor ToDense()
    {
        var d = Tensor.Zeros([NumRows, NumCols], DType);
        if (DType == DType.Float32) Scatter(Values.AsSpan<float>(), d.AsSpan<float>());
        else Scatter(Values.AsSpan<double>(), d.AsSpan<double>());
        return d;
    }

    private void Scatter<T>(ReadOnlySpan<T> vals, Span<T> dense) where T : unmanaged
    {
        var s = _structure;
        for (var r = 0; r < s.NumRows; r++)
            for (var k = s.IndPtr[r]; k < s.IndPtr[r + 1]; k++) dense[r * s.NumCols + s.Indices[k]] = vals[(int)k];
    }

    /// <summary>The same matrix with values of another dtype.</summary>
    public SparseFeatures To(DType dtype) => dtype == DType ? this : new SparseFeatures(_structure, Values.To(dtype));

    /// <summary>
    /// Dropout on the stored values (the zeros stay zero): each is zeroed with probability <paramref name="p"/> and the
    /// rest scaled by 1/(1 − p) while <paramref name="training"/>; this matrix itself otherwise. The structure is shared.
    /// </summary>
    public SparseFeatures Dropout(double p, bool training = true, Generator? generator = null)
    {
        if (!training || p == 0) return this;
        Tensor dropped;
        using (GradMode.NoGrad()) dropped = Values.Dropout(p, training: true, generator);
        return new SparseFeatures(_structure, dropped);
    }

    /// <summary>y = X·W for W [cols, out]: [rows, out], differentiable with respect to W.</summary>
    /// <exception cref="TensorShapeException">W is not [NumCols, out].</exception>
    /// <exception cref="TensorDTypeException">W's dtype differs from the values'.</exception>
    public Tensor MatMul(Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2 || weight.Size(0) != NumCols)
            throw new TensorShapeException($"SparseFeatures.MatMul: the weight has shape {weight.Shape}; expected [{NumCols}, out] for features [{NumRows}, {NumCols}]");
        if (weight.DType != DType)
            throw new TensorDTypeException($"SparseFeatures.MatMul: the weight has dtype {weight.DType.Name()} but the features have {DType.Name()}; convert one with To()");
        var y = Tensor.Uninitialized(new Shape(NumRows, weight.Size(1)), DType);
        if (DType == DType.Float32) SparseFeatureKernels.Forward(_structure, Values.Span<float>(), weight.Span<float>(), y.Span<float>(), weight.Size(1));
        else SparseFeatureKernels.Forward(_structure, Values.Span<double>(), weight.Span<double>(), y.Span<double>(), weight.Size(1));
        if (GradMode.IsEnabled && weight.RequiresGrad) y.WithGradFn(new SparseMatMulBackward(this, weight));
        return y;
    }

    /// <summary>y = X·Wᵀ + b for a <see cref="Nn.Linear"/>-layout weight [out, cols] (and bias [out]); differentiable
    /// with respect to both. One op: W is transposed into a scratch buffer, the bias seeds the accumulators, and the
    /// weight gradient is computed column by column and written in W's layout.</summary>
    /// <exception cref="TensorShapeException">W is not [out, NumCols] or the bias is not [out].</exception>
    public Tensor Linear(Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2 || weight.Size(1) != NumCols)
            throw new TensorShapeException($"SparseFeatures.Linear: the weight has shape {weight.Shape}; expected [out, {NumCols}] for features [{NumRows}, {NumCols}]");
        var outF = weight.Size(0);
        if (bias is not null && (bias.Rank != 1 || bias.Size(0) != outF))
            throw new TensorShapeException($"SparseFeatures.Linear: the bias has shape {bias.Shape}; expected [{outF}]");
        if (weight.DType != DType || (bias is not null && bias.DType != DType))
            throw new TensorDTypeException($"SparseFeatures.Linear: the weight (and bias) must have the features' dtype {DType.Name()}; got {weight.DType.Name()}{(bias is null ? "" : " and " + bias.DType.Name())}");
        var y = Tensor.Uninitialized(new Shape(NumRows, outF), DType);
        if (DType == DType.Float32) LinearForward<float>(weight, bias, y, outF);
        else LinearForward<double>(weight, bias, y, outF);
        if (GradMode.IsEnabled && (weight.RequiresGrad || (bias?.RequiresGrad ?? false))) y.WithGradFn(new SparseLinearBackward(this, weight, bias));
        return y;
    }

    private void LinearForward<T>(Tensor weight, Tensor? bias, Tensor y, int outF) where T : unmanaged, INumber<T>
    {
        var wt = ArrayPool<T>.Shared.Rent(NumCols * outF);
        try
        {
            SparseFeatureKernels.Transpose(weight.Span<T>(), wt.AsSpan(0, NumCols * outF), outF, NumCols);
            SparseFeatureKernels.Forward(_structure, Values.Span<T>(), wt.AsSpan(0, NumCols * outF), y.Span<T>(), outF,
                bias is null ? default : bias.Span<T>());
        }
        finally
        {
            ArrayPool<T>.Shared.Return(wt);
        }
    }

    private sealed class SparseMatMulBackward : GradNode
    {
        private readonly SparseFeatures _x;

        public SparseMatMulBackward(SparseFeatures x, Tensor weight) : base(weight) => _x = x;

        public override string Name => "SparseMatMulBackward";

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var shape = InputShape(0);
            var dw = Tensor.Uninitialized(shape, grad.DType);
            var s = _x._structure.Transposed;
            if (grad.DType == DType.Float32) SparseFeatureKernels.WeightGrad(s, _x.Values.Span<float>(), grad.Span<float>(), dw.Span<float>(), shape[1]);
            else SparseFeatureKernels.WeightGrad(s, _x.Values.Span<double>(), grad.Span<double>(), dw.Span<double>(), shape[1]);
            return [dw];
        }
    }

    private sealed class SparseLinearBackward : GradNode
    {
        private readonly SparseFeatures _x;

        public SparseLinearBackward(SparseFeatures x, Tensor weight, Tensor? bias) : base(weight, bias) => _x = x;

        public override string Name => "SparseLinearBackward";

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            Tensor? dw = null, db = null;
            if (NeedsInputGrad(0))
            {
                dw = Tensor.Uninitialized(InputShape(0), grad.DType);
                if (grad.DType == DType.Float32) WeightGrad<float>(grad, dw);
                else WeightGrad<double>(grad, dw);
            }
            if (NeedsInputGrad(1)) db = grad.Sum(0);
            return [dw, db];
        }

        /// <summary>dW = (Xᵀ·dY)ᵀ: computed as [cols, out] in a scratch buffer, then transposed into W's layout.</summary>
        private void WeightGrad<T>(Tensor grad, Tensor dw) where T : unmanaged, INumber<T>
        {
            var (outF, cols) = (dw.Size(0), dw.Size(1));
            var scratch = ArrayPool<T>.Shared.Rent(cols * outF);
            try
            {
                SparseFeatureKernels.WeightGrad(_x._structure.Transposed, _x.Values.Span<T>(), grad.Span<T>(), scratch.AsSpan(0, cols * outF), outF);
                SparseFeatureKernels.Transpose<T>(scratch.AsSpan(0, cols * outF), dw.Span<T>(), cols, outF);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
        }
    }

    /// <summary>The CSR structure, and its column-major copy built on first use.</summary>
    internal sealed class Structure(int rows, int cols, long[] indPtr, int[] indices)
    {
        private ColumnMajor? _transposed;

        public int NumRows { get; } = rows;

        public int NumCols { get; } = cols;

        public long[] IndPtr { get; } = indPtr;

        public int[] Indices { get; } = indices;

        public ColumnMajor Transposed => LazyInitializer.EnsureInitialized(ref _transposed, () => ColumnMajor.Of(this));
    }

    /// <summary>Entries grouped by column: row ids and the position of each entry in the row-major value array.</summary>
    internal sealed class ColumnMajor(int cols, long[] colPtr, int[] rows, int[] positions)
    {
        public int NumCols { get; } = cols;

        public long[] ColPtr { get; } = colPtr;

        public int[] Rows { get; } = rows;

        public int[] Positions { get; } = positions;

        public static ColumnMajor Of(Structure s)
        {
            var nnz = s.Indices.Length;
            var ptr = new long[s.NumCols + 1];
            foreach (var c in s.Indices) ptr[c + 1]++;
            for (var c = 0; c < s.NumCols; c++) ptr[c + 1] += ptr[c];
            var next = ptr[..^1].ToArray();
            var rows = new int[nnz];
            var pos = new int[nnz];
            for (var r = 0; r < s.NumRows; r++)
            {
                for (var k = s.IndPtr[r]; k < s.IndPtr[r + 1]; k++)
                {
                    var p = next[s.Indices[k]]++;
                    rows[p] = r;
                    pos[p] = (int)k;
                }
            }
            return new ColumnMajor(s.NumCols, ptr, rows, pos);
        }
    }
}

/// <summary>
/// Sparse-times-dense kernels for <see cref="SparseFeatures"/>. Each output row is a sum over one row's (or, for
/// the weight gradient, one column's) stored values of value · dense row, accumulated in entry order by one thread,
/// so the bits do not depend on the thread count; chunks are cut by work (entries × width), not by thread count.
/// </summary>
/// <remarks>
/// The output row is produced in blocks of up to four vectors held in registers while the row's entries stream past
/// (a row has tens of entries, each gathering a dense row that sits in L2): storing the accumulator after every entry
/// would chain each update to the previous store and make the loop latency-bound. A row narrower than four vectors
/// alternates two accumulators per vector to keep two additions in flight.
/// </remarks>
internal static class SparseFeatureKernels
{
    /// <summary>Multiply-adds per parallel chunk below which one thread does the work.</summary>
    private const int Grain = 1 << 15;

    /// <summary>y[r, :] = bias + Σ_k values[k] · w[indices[k], :] over row r's entries (w is [cols, width]).</summary>
    public static void Forward<T>(SparseFeatures.Structure s, ReadOnlySpan<T> values, ReadOnlySpan<T> w, Span<T> y, int width, ReadOnlySpan<T> bias = default)
        where T : unmanaged, INumber<T>
    {
        var rows = s.NumRows;
        var perRow = Math.Max(1, (int)(s.Indices.Length / Math.Max(1, rows)) * width);
        unsafe
        {
            fixed (T* pv = values, pw = w, py = y, pb = bias)
            {
                var (vp, wp, yp, bp) = ((nint)pv, (nint)pw, (nint)py, (nint)pb);
                Parallelism.For(rows, Math.Max(1, Grain / perRow), (r0, r1) =>
                    Rows((T*)vp, (T*)wp, (T*)yp, (T*)bp, s.IndPtr, s.Indices, null, r0, r1, width));
            }
        }
    }

    /// <summary>dw[c, :] = Σ over column c's entries (r, k) of values[k] · g[r, :].</summary>
    public static void WeightGrad<T>(SparseFeatures.ColumnMajor s, ReadOnlySpan<T> values, ReadOnlySpan<T> g, Span<T> dw, int width)
        where T : unmanaged, INumber<T>
    {
        var cols = s.NumCols;
        var perCol = Math.Max(1, (int)(s.Rows.Length / Math.Max(1, cols)) * width);
        unsafe
        {
            fixed (T* pv = values, pg = g, pd = dw)
            {
                var (vp, gp, dp) = ((nint)pv, (nint)pg, (nint)pd);
                Parallelism.For(cols, Math.Max(1, Grain / perCol), (c0, c1) =>
                    Rows((T*)vp, (T*)gp, (T*)dp, null, s.ColPtr, s.Rows, s.Positions, c0, c1, width));
            }
        }
    }

    /// <summary>dst[c, r] = src[r, c] for src [rows, cols], in 16×16 tiles.</summary>
    public static void Transpose<T>(ReadOnlySpan<T> src, Span<T> dst, int rows, int cols) where T : unmanaged
    {
        const int tile = 16;
        for (var r0 = 0; r0 < rows; r0 += tile)
        {
            var r1 = Math.Min(rows, r0 + tile);
            for (var c0 = 0; c0 < cols; c0 += tile)
            {
                var c1 = Math.Min(cols, c0 + tile);
                for (var r = r0; r < r1; r++)
                    for (var c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c];
            }
        }
    }

    /// <summary>out[r, :] = bias + Σ_{k in row r} values[pos(k)] · dense[idx[k], :] for r in [r0, r1).</summary>
    private static unsafe void Rows<T>(T* values, T* dense, T* output, T* bias, long[] ptr, int[] idx, int[]? positions, int r0, int r1, int width)
        where T : unmanaged, INumber<T>
    {
        var lanes = Vector512<T>.Count;
        var vectorized = Vector512.IsHardwareAccelerated;
        for (var r = r0; r < r1; r++)
        {
            var o = output + (long)r * width;
            var k0 = ptr[r];
            var k1 = ptr[r + 1];
            var j = 0;
            if (vectorized)
            {
                for (; j + 4 * lanes <= width; j += 4 * lanes)
                {
                    var a0 = bias == null ? Vector512<T>.Zero : Vector512.Load(bias + j);
                    var a1 = bias == null ? Vector512<T>.Zero : Vector512.Load(bias + j + lanes);
                    var a2 = bias == null ? Vector512<T>.Zero : Vector512.Load(bias + j + 2 * lanes);
                    var a3 = bias == null ? Vector512<T>.Zero : Vector512.Load(bias + j + 3 * lanes);
                    for (var k = k0; k < k1; k++)
                    {
                        var v = Vector512.Create(values[positions is null ? k : positions[k]]);
                        var d = dense + (long)idx[k] * width + j;
                        a0 += v * Vector512.Load(d);
                        a1 += v * Vector512.Load(d + lanes);
                        a2 += v * Vector512.Load(d + 2 * lanes);
                        a3 += v * Vector512.Load(d + 3 * lanes);
                    }
                    Vector512.Store(a0, o + j);
                    Vector512.Store(a1, o + j + lanes);
                    Vector512.Store(a2, o + j + 2 * lanes);
                    Vector512.Store(a3, o + j + 3 * lanes);
                }
                for (; j + lanes <= width; j += lanes)
                {
                    var a0 = bias == null ? Vector512<T>.Zero : Vector512.Load(bias + j);
                    var a1 = Vector512<T>.Zero;
                    var k = k0;
                    for (; k + 1 < k1; k += 2)
                    {
                        a0 += Vector512.Create(values[positions is null ? k : positions[k]]) * Vector512.Load(dense + (long)idx[k] * width + j);
                        a1 += Vector512.Create(values[positions is null ? k + 1 : positions[k + 1]]) * Vector512.Load(dense + (long)idx[k + 1] * width + j);
                    }
                    if (k < k1) a0 += Vector512.Create(values[positions is null ? k : positions[k]]) * Vector512.Load(dense + (long)idx[k] * width + j);
                    Vector512.Store(a0 + a1, o + j);
                }
            }
            for (; j < width; j++)
            {
                var acc = bias == null ? T.Zero : bias[j];
                for (var k = k0; k < k1; k++) acc += values[positions is null ? k : positions[k]] * dense[(long)idx[k] * width + j];
                o[j] = acc;
            }
        }
    }
}
