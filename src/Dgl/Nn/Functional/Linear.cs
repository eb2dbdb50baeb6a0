using Dgl.Tensors;
using Dgl.Tensors.Autograd;
using Dgl.Tensors.Kernels;

namespace Dgl.Nn;

// linear: y = x·Wᵀ + b as one op. Forward writes the bias into every output row and lets the GEMM accumulate
// onto it (beta = 1), so there is no separate broadcast-add pass or node. Backward is two GEMMs with the
// transposes folded in (dx = dy·W, dW = dyᵀ·x) and a fixed-order column sum for db. When W and b are leaves (a
// layer's parameters), their gradients are accumulated straight into W.Grad and b.Grad — the dW GEMM runs with
// beta = 1 on the existing gradient — instead of being returned to the engine, which would copy a fresh gradient
// into an empty Grad or add it in a second pass.
public static partial class F
{
    /// <summary>
    /// Affine map y = x·Wᵀ + b over the last dimension: x [..., in], weight [out, in] (PyTorch's layout),
    /// bias [out] or null; y [..., out].
    /// </summary>
    /// <exception cref="TensorShapeException">The shapes do not fit; the message names all of them.</exception>
    /// <exception cref="TensorDTypeException">The dtypes differ or are not floating point.</exception>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) => Linear(input, weight, bias, addend: null);

    /// <summary>
    /// y = x·Wᵀ + b + r as one op (PyTorch's <c>addmm</c> with a bias): the GEMM accumulates onto a copy of
    /// <paramref name="addend"/> r [..., out] (same shape as the output), so a layer that sums two linear maps
    /// (SAGEConv's fc_self(h) + fc_neigh(n)) makes one output tensor instead of three. r's gradient is the output's.
    /// </summary>
    /// <exception cref="TensorShapeException">The shapes do not fit; the message names all of them.</exception>
    /// <exception cref="TensorDTypeException">The dtypes differ or are not floating point.</exception>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias, Tensor? addend)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        Check.Floating("linear", input);
        Check.SameDType("linear", input, weight);
        if (weight.Rank != 2 || input.Rank == 0 || input.Size(-1) != weight.Size(1))
            throw new TensorShapeException($"linear: input {input.Shape} does not fit weight {weight.Shape}; expected input [..., in] and weight [out, in] with the same 'in'");
        var outF = weight.Size(0);
        if (bias is not null)
        {
            Check.SameDType("linear", input, bias);
            if (bias.Rank != 1 || bias.Size(0) != outF)
                throw new TensorShapeException($"linear: bias has shape {bias.Shape}; expected [{outF}] for weight {weight.Shape}");
        }
        var inF = weight.Size(1);
        var rows = input.NumElements / Math.Max(1, inF);
        var outDims = input.Shape.ToArray();
        outDims[^1] = outF;
        var outShape = new Shape(outDims);
        if (addend is not null)
        {
            Check.SameDType("linear", input, addend);
            if (addend.Shape != outShape)
                throw new TensorShapeException($"linear: the addend has shape {addend.Shape}; expected the output's shape {outShape} (input {input.Shape}, weight {weight.Shape})");
        }
        var y = Tensor.Uninitialized(outShape, input.DType);
        var x2 = input.ViewAs(new Shape(rows, inF));
        var y2 = y.ViewAs(new Shape(rows, outF));
        if (addend is not null)
        {
            if (bias is null) y.CopyFrom(addend);
            else if (input.DType == DType.Float32) AddRows<float>(addend, bias, y2, rows, outF);
            else AddRows<double>(addend, bias, y2, rows, outF);
        }
        else if (bias is not null)
        {
            if (input.DType == DType.Float32) FillRows<float>(bias, y2, rows, outF);
            else FillRows<double>(bias, y2, rows, outF);
        }
        Tensor.GemmBatched(x2, false, weight, true, y2, bias is null && addend is null ? 0 : 1);
        if (GradMode.IsEnabled && (input.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false) || (addend?.RequiresGrad ?? false)))
            y.WithGradFn(new LinearBackward(input, weight, bias, addend, rows));
        return y;
    }

    /// <summary>y[r, :] = a[r, :] + b for every row.</summary>
    private static void AddRows<T>(Tensor addend, Tensor bias, Tensor y, int rows, int cols) where T : unmanaged, System.Numerics.INumber<T>
    {
        var (a, ao) = ((T[])addend.Data, addend.Offset);
        var (b, bo) = ((T[])bias.Data, bias.Offset);
        var (d, d0) = ((T[])y.Data, y.Offset);
        Parallelism.For(rows, Math.Max(1, Parallelism.ElementwiseGrain / Math.Max(1, cols)), (r0, r1) =>
        {
            for (var r = r0; r < r1; r++)
                System.Numerics.Tensors.TensorPrimitives.Add<T>(a.AsSpan(ao + r * cols, cols), b.AsSpan(bo, cols), d.AsSpan(d0 + r * cols, cols));
        });
    }

    private static void FillRows<T>(Tensor bias, Tensor y, int rows, int cols) where T : unmanaged
    {
        var b = bias.Span<T>();
        var d = y.Span<T>();
        for (var r = 0; r < rows; r++) b.CopyTo(d.Slice(r * cols, cols));
    }

    private sealed class LinearBackward : GradNode
    {
        private readonly int _rows;
        private Tensor? _weightLeaf;
        private Tensor? _biasLeaf;

        public LinearBackward(Tensor input, Tensor weight, Tensor? bias, Tensor? addend, int rows) : base(input, weight, bias, addend)
        {
            _rows = rows;
            if (NeedsInputGrad(1) && weight.IsLeaf) _weightLeaf = weight;
            if (NeedsInputGrad(2) && bias!.IsLeaf) _biasLeaf = bias;
            Save(NeedsInputGrad(1) ? input : null, NeedsInputGrad(0) ? weight : null);
        }

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var wShape = InputShape(1);
            var (outF, inF) = (wShape[0], wShape[1]);
            var g2 = grad.ViewAs(new Shape(_rows, outF));
            Tensor? gx = null, gw = null, gb = null;
            if (NeedsInputGrad(0))
            {
                gx = Tensor.Uninitialized(InputShape(0), grad.DType);
                Tensor.GemmBatched(g2, false, Saved(1), false, gx.ViewAs(new Shape(_rows, inF)), 0);
            }
            if (NeedsInputGrad(1))
            {
                var x2 = Saved(0).ViewAs(new Shape(_rows, inF));
                var existing = _weightLeaf?.Grad;
                var target = existing ?? Tensor.Uninitialized(wShape, grad.DType);
                if (_rows == 0) { if (existing is null) target.FillInPlace(0); }
                else Tensor.GemmBatched(g2, true, x2, false, target, existing is null ? 0 : 1);
                if (_weightLeaf is null) gw = target;
                else if (existing is null) _weightLeaf.Grad = target;
            }
            if (NeedsInputGrad(2))
            {
                var existing = _biasLeaf?.Grad;
                var target = existing ?? Tensor.Uninitialized(InputShape(2), grad.DType);
                if (existing is null) ColumnSums(g2, target);
                else AddColumnSums(g2, target);
                if (_biasLeaf is null) gb = target;
                else if (existing is null) _biasLeaf.Grad = target;
            }
            // The addend's gradient is the output's (handed on as Add does; the engine copies before it accumulates).
            return [gx, gw, gb, NeedsInputGrad(3) ? grad : null];
        }

        private void ColumnSums(Tensor g2, Tensor target)
        {
            if (_rows == 0) target.FillInPlace(0);
            else if (g2.DType == DType.Float32) Reduce.SumAxis<float>(g2, 1, _rows, g2.Size(1), target);
            else Reduce.SumAxis<double>(g2, 1, _rows, g2.Size(1), target);
        }

        /// <summary>target += Σ_r g2[r, :], row by row in order.</summary>
        private void AddColumnSums(Tensor g2, Tensor target)
        {
            var n = g2.Size(1);
            if (g2.DType == DType.Float32)
            {
                var d = target.Span<float>();
                var g = g2.Span<float>();
                for (var r = 0; r < _rows; r++) System.Numerics.Tensors.TensorPrimitives.Add(d, g.Slice(r * n, n), d);
            }
            else
            {
                var d = target.Span<double>();
                var g = g2.Span<double>();
                for (var r = 0; r < _rows; r++) System.Numerics.Tensors.TensorPrimitives.Add(d, g.Slice(r * n, n), d);
            }
        }

        protected override void OnRelease() => (_weightLeaf, _biasLeaf) = (null, null);
    }
}
