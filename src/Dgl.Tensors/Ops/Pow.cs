using Dgl.Tensors.Autograd;
using Dgl.Tensors.Kernels;

namespace Dgl.Tensors;

// pow: tensor^scalar and tensor^tensor (broadcast). Exponents PyTorch special-cases (0, ±½, ±1, 2, 3) run as
// products, square roots and divisions; any other exponent goes through Math.Pow in float64 per element.
//   d(xᵖ)/dx = p·xᵖ⁻¹;   d(xᵉ)/de = xᵉ·ln x, taken as 0 where x = 0 and e ≥ 0 (PyTorch's convention).
public partial class Tensor
{
    /// <summary>
    /// xᵖ elementwise (float32/float64). Negative x with a non-integer p gives NaN; x⁰ = 1 for every x, NaN included.
    /// </summary>
    public Tensor Pow(double exponent)
    {
        Check.Floating("pow", this);
        var y = EmptyLike();
        switch (exponent)
        {
            case 0: y.FillRaw(1); break;
            case 1: Array.Copy(Data, Offset, y.Data, y.Offset, NumElements); break;
            case 2: Pointwise.Map(new SquareFn(), this, y); break;
            case 3: Pointwise.Map(new CubeFn(), this, y); break;
            case 0.5: Pointwise.Map(new SqrtFn(), this, y); break;
            case -0.5: Pointwise.Map(new RsqrtFn(), this, y); break;
            case -1: Pointwise.Map(new ReciprocalFn(), this, y); break;
            default:
                if (DType == DType.Float32)
                {
                    Parallelism.For(NumElements, Parallelism.ElementwiseGrain / 8, (s, e) =>
                    {
                        var src = Span<float>();
                        var dst = y.Span<float>();
                        for (var i = s; i < e; i++) dst[i] = (float)Math.Pow(src[i], exponent);
                    });
                }
                else
                {
                    Parallelism.For(NumElements, Parallelism.ElementwiseGrain / 8, (s, e) =>
                    {
                        var src = Span<double>();
                        var dst = y.Span<double>();
                        for (var i = s; i < e; i++) dst[i] = Math.Pow(src[i], exponent);
                    });
                }
                break;
        }
        if (GradMode.IsEnabled && RequiresGrad) y.WithGradFn(new PowScalarBackward(this, exponent));
        return y;
    }

    /// <summary>xᵉ elementwise with broadcasting (NumPy rules); integer exponents are promoted to the base's float dtype.</summary>
    /// <exception cref="TensorShapeException">The shapes cannot be broadcast.</exception>
    public Tensor Pow(Tensor exponent)
    {
        ArgumentNullException.ThrowIfNull(exponent);
        Check.Floating("pow", this, "base");
        var dtype = DTypes.Promote(DType, exponent.DType);
        var x = To(dtype);
        var e = exponent.To(dtype);
        var plan = BroadcastPlan.Create("pow", x.Shape, e.Shape);
        var y = Uninitialized(plan.OutShape, dtype);
        if (dtype == DType.Float32) Elementwise.Binary<float, float, PowOp>(x, e, y, plan);
        else Elementwise.Binary<double, double, PowOp>(x, e, y, plan);
        if (GradMode.IsEnabled && (x.RequiresGrad || e.RequiresGrad)) y.WithGradFn(new PowBackward(x, e, y));
        return y;
    }

    /// <summary><paramref name="baseValue"/>ᵉ elementwise for a scalar base (float exponent tensors).</summary>
    public static Tensor Pow(double baseValue, Tensor exponent)
    {
        ArgumentNullException.ThrowIfNull(exponent);
        Check.Floating("pow", exponent, "exponent");
        return Scalar(baseValue, exponent.DType).Pow(exponent);
    }

    private readonly struct CubeFn : IPointwise1
    {
        public TV Invoke<TV, L>(TV x) where TV : struct where L : IFloatLanes<TV> => L.Mul(L.Mul(x, x), x);
        public double Invoke(double x) => x * x * x;
    }

    /// <summary>xʸ through Math.Pow in float64 (one rounding to float32 at the end).</summary>
    private readonly struct PowOp : IBinaryRowOp<float, float>, IBinaryRowOp<double, double>
    {
        public static void SpanSpan(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
        {
            for (var i = 0; i < d.Length; i++) d[i] = (float)Math.Pow(x[i], y[i]);
        }

        public static void SpanScalar(ReadOnlySpan<float> x, float y, Span<float> d)
        {
            for (var i = 0; i < d.Length; i++) d[i] = (float)Math.Pow(x[i], y);
        }

        public static void ScalarSpan(float x, ReadOnlySpan<float> y, Span<float> d)
        {
            for (var i = 0; i < d.Length; i++) d[i] = (float)Math.Pow(x, y[i]);
        }

        public static void SpanSpan(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d)
        {
            for (var i = 0; i < d.Length; i++) d[i] = Math.Pow(x[i], y[i]);
        }

        public static void SpanScalar(ReadOnlySpan<double> x, double y, Span<double> d)
        {
            for (var i = 0; i < d.Length; i++) d[i] = Math.Pow(x[i], y);
        }

        public static void ScalarSpan(double x, ReadOnlySpan<double> y, Span<double> d)
        {
            for (var i = 0; i < d.Length; i++) d[i] = Math.Pow(x, y[i]);
        }
    }

    private sealed class PowScalarBackward : GradNode
    {
        private readonly double _p;

        public PowScalarBackward(Tensor x, double p) : base(x)
        {
            _p = p;
            Save(x);
        }

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            if (_p == 0) return [Zeros(InputShape(0), grad.DType)];
            var x = Saved(0);
            return [_p == 1 ? grad : grad * x.Pow(_p - 1) * _p];
        }
    }

    private sealed class PowBackward : GradNode
    {
        public PowBackward(Tensor x, Tensor e, Tensor y) : base(x, e) => Save(x, e, NeedsInputGrad(1) ? y : null);

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var x = Saved(0);
            var e = Saved(1);
            Tensor? gx = null, ge = null;
            if (NeedsInputGrad(0))
            {
                // x⁰ = 1 is constant in x: its derivative is 0, not 0·x⁻¹ (NaN at x = 0).
                var dx = grad * e * x.Pow(e - 1);
                gx = Where(e.Eq(0), 0.0, dx).SumToShape(InputShape(0));
            }
            if (NeedsInputGrad(1))
            {
                var dy = grad * Saved(2) * x.Log();
                // 0ᵉ is constant (0, or 1 at e = 0) for e ≥ 0, so its derivative in e is 0, not 0·(−∞).
                var constant = x.Eq(0).LogicalAnd(e.Ge(0));
                ge = Where(constant, ZerosLike(dy), dy).SumToShape(InputShape(1));
            }
            return [gx, ge];
        }
    }
}
