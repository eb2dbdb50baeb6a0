using System.Numerics;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;

namespace Dgl.Nn;

// mse_loss, l1_loss, smooth_l1_loss: a loss f(d) of the difference d = input − target per element, reduced. One
// fused op each: forward evaluates f in double and sums in fixed chunks; backward writes s·f'(d) to the input's
// gradient and its negation to the target's. The per-element functions are structs so the loops specialise.
public static partial class F
{
    /// <summary>Mean squared error: (input − target)² per element, reduced (PyTorch's <c>F.mse_loss</c>).</summary>
    /// <exception cref="TensorShapeException">The shapes differ (broadcasting a target is almost always a bug, so it is not done).</exception>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss<SquaredError>("mse_loss", input, target, reduction, 0);

    /// <summary>Mean absolute error: |input − target| per element, reduced (PyTorch's <c>F.l1_loss</c>; the gradient at 0 is 0).</summary>
    /// <exception cref="TensorShapeException">The shapes differ.</exception>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss<AbsoluteError>("l1_loss", input, target, reduction, 0);

    /// <summary>
    /// Smooth L1 (Huber-like) loss, PyTorch's <c>F.smooth_l1_loss</c>: 0.5·d²/β where |d| &lt; β, else |d| − 0.5·β,
    /// with d = input − target; β = 0 gives the L1 loss.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is negative.</exception>
    /// <exception cref="TensorShapeException">The shapes differ.</exception>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        if (!(beta >= 0))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, $"smooth_l1_loss: beta must be >= 0; got {beta}");
        return PointwiseLoss<SmoothAbsoluteError>("smooth_l1_loss", input, target, reduction, beta);
    }

    private interface IPointLoss
    {
        static abstract double Value(double d, double beta);

        static abstract double Derivative(double d, double beta);
    }

    private readonly struct SquaredError : IPointLoss
    {
        public static double Value(double d, double beta) => d * d;

        public static double Derivative(double d, double beta) => 2 * d;
    }

    private readonly struct AbsoluteError : IPointLoss
    {
        public static double Value(double d, double beta) => Math.Abs(d);

        public static double Derivative(double d, double beta) => d > 0 ? 1 : d < 0 ? -1 : d;
    }

    private readonly struct SmoothAbsoluteError : IPointLoss
    {
        public static double Value(double d, double beta)
        {
            var a = Math.Abs(d);
            return a < beta ? 0.5 * d * d / beta : a - 0.5 * beta;
        }

        // PyTorch: d/β inside the quadratic zone, sign(d) outside (|d| = β included).
        public static double Derivative(double d, double beta) =>
            Math.Abs(d) < beta ? d / beta : d > 0 ? 1 : d < 0 ? -1 : d;
    }

    private static void CheckPair(string op, Tensor input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        Check.Floating(op, input);
        Check.SameDType(op, input, target);
        if (input.Shape != target.Shape)
            throw new TensorShapeException($"{op}: input has shape {input.Shape} but target has shape {target.Shape}; they must match");
    }

    private static Tensor PointwiseLoss<TLoss>(string op, Tensor input, Tensor target, Reduction reduction, double beta) where TLoss : IPointLoss
    {
        CheckPair(op, input, target);
        LossKernels.CheckReduction(op, reduction);
        var output = reduction == Reduction.None ? Tensor.Empty(input.Shape, input.DType) : null;
        var total = input.DType == DType.Float32
            ? PointwiseForward<float, TLoss>(input, target, output, beta)
            : PointwiseForward<double, TLoss>(input, target, output, beta);
        var y = reduction switch
        {
            Reduction.None => output!,
            Reduction.Sum => LossKernels.ScalarOf(total, input.DType),
            _ => LossKernels.ScalarOf(total / input.NumElements, input.DType),
        };
        if (GradMode.IsEnabled && (input.RequiresGrad || target.RequiresGrad))
            y.WithGradFn(new PointwiseLossBackward<TLoss>(input, target, reduction, beta));
        return y;
    }

    private static double PointwiseForward<T, TLoss>(Tensor input, Tensor target, Tensor? output, double beta)
        where T : unmanaged, IFloatingPointIeee754<T> where TLoss : IPointLoss
        => LossKernels.SumChunks(input.NumElements, LossKernels.ChunkElements, (s, e) =>
        {
            var x = input.Span<T>();
            var t = target.Span<T>();
            var o = output is null ? default : output.Span<T>();
            var total = 0.0;
            for (var i = s; i < e; i++)
            {
                var v = TLoss.Value(double.CreateTruncating(x[i]) - double.CreateTruncating(t[i]), beta);
                if (output is not null) o[i] = T.CreateTruncating(v);
                total += v;
            }
            return total;
        });

    private sealed class PointwiseLossBackward<TLoss> : GradNode where TLoss : IPointLoss
    {
        private readonly Reduction _reduction;
        private readonly double _beta;

        public PointwiseLossBackward(Tensor input, Tensor target, Reduction reduction, double beta) : base(input, target)
        {
            (_reduction, _beta) = (reduction, beta);
            Save(input, target);
        }

        public override string Name => $"{typeof(TLoss).Name}LossBackward";

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var input = Saved(0);
            var gx = NeedsInputGrad(0) ? Tensor.Uninitialized(input.Shape, input.DType) : null;
            var gt = NeedsInputGrad(1) ? Tensor.Uninitialized(input.Shape, input.DType) : null;
            if (input.DType == DType.Float32) Run<float>(input, Saved(1), grad, gx, gt);
            else Run<double>(input, Saved(1), grad, gx, gt);
            return [gx, gt];
        }

        private void Run<T>(Tensor input, Tensor target, Tensor grad, Tensor? gx, Tensor? gt) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var reduction = _reduction;
            var beta = _beta;
            double n = input.NumElements;
            LossKernels.ForChunks(input.NumElements, LossKernels.ChunkElements, (s, e) =>
            {
                var x = input.Span<T>();
                var t = target.Span<T>();
                var g = grad.Span<T>();
                var dx = gx is null ? default : gx.Span<T>();
                var dt = gt is null ? default : gt.Span<T>();
                for (var i = s; i < e; i++)
                {
                    var v = LossKernels.Scale(g, reduction, n, i) * TLoss.Derivative(double.CreateTruncating(x[i]) - double.CreateTruncating(t[i]), beta);
                    if (gx is not null) dx[i] = T.CreateTruncating(v);
                    if (gt is not null) dt[i] = T.CreateTruncating(-v);
                }
            });
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // margin_ranking_loss
    // ------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Margin ranking loss, PyTorch's <c>F.margin_ranking_loss</c>: max(0, −y·(x1 − x2) + margin) per element, where
    /// y = 1 means x1 should rank higher and y = −1 means x2 should. As in PyTorch, the gradient passes where the
    /// hinge argument is ≥ 0 (ties included).
    /// </summary>
    /// <exception cref="TensorShapeException">The three shapes differ.</exception>
    public static Tensor MarginRankingLoss(Tensor input1, Tensor input2, Tensor target, double margin = 0, Reduction reduction = Reduction.Mean)
    {
        const string op = "margin_ranking_loss";
        CheckPair(op, input1, input2);
        CheckPair(op, input1, target);
        LossKernels.CheckReduction(op, reduction);
        var output = reduction == Reduction.None ? Tensor.Empty(input1.Shape, input1.DType) : null;
        var total = input1.DType == DType.Float32
            ? MarginForward<float>(input1, input2, target, margin, output)
            : MarginForward<double>(input1, input2, target, margin, output);
        var y = reduction switch
        {
            Reduction.None => output!,
            Reduction.Sum => LossKernels.ScalarOf(total, input1.DType),
            _ => LossKernels.ScalarOf(total / input1.NumElements, input1.DType),
        };
        if (GradMode.IsEnabled && (input1.RequiresGrad || input2.RequiresGrad || target.RequiresGrad))
            y.WithGradFn(new MarginRankingBackward(input1, input2, target, margin, reduction));
        return y;
    }

    private static double MarginForward<T>(Tensor a, Tensor b, Tensor target, double margin, Tensor? output) where T : unmanaged, IFloatingPointIeee754<T>
        => LossKernels.SumChunks(a.NumElements, LossKernels.ChunkElements, (s, e) =>
        {
            var x1 = a.Span<T>();
            var x2 = b.Span<T>();
            var t = target.Span<T>();
            var o = output is null ? default : output.Span<T>();
            var total = 0.0;
            for (var i = s; i < e; i++)
            {
                var h = -double.CreateTruncating(t[i]) * (double.CreateTruncating(x1[i]) - double.CreateTruncating(x2[i])) + margin;
                var v = h > 0 ? h : double.IsNaN(h) ? h : 0;
                if (output is not null) o[i] = T.CreateTruncating(v);
                total += v;
            }
            return total;
        });

    private sealed class MarginRankingBackward : GradNode
    {
        private readonly double _margin;
        private readonly Reduction _reduction;

        public MarginRankingBackward(Tensor a, Tensor b, Tensor target, double margin, Reduction reduction) : base(a, b, target)
        {
            (_margin, _reduction) = (margin, reduction);
            Save(a, b, target);
        }

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var a = Saved(0);
            var g1 = NeedsInputGrad(0) ? Tensor.Uninitialized(a.Shape, a.DType) : null;
            var g2 = NeedsInputGrad(1) ? Tensor.Uninitialized(a.Shape, a.DType) : null;
            var gt = NeedsInputGrad(2) ? Tensor.Uninitialized(a.Shape, a.DType) : null;
            if (a.DType == DType.Float32) Run<float>(a, Saved(1), Saved(2), grad, g1, g2, gt);
            else Run<double>(a, Saved(1), Saved(2), grad, g1, g2, gt);
            return [g1, g2, gt];
        }

        private void Run<T>(Tensor a, Tensor b, Tensor target, Tensor grad, Tensor? g1, Tensor? g2, Tensor? gt) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var margin = _margin;
            var reduction = _reduction;
            double n = a.NumElements;
            LossKernels.ForChunks(a.NumElements, LossKernels.ChunkElements, (s, e) =>
            {
                var x1 = a.Span<T>();
                var x2 = b.Span<T>();
                var t = target.Span<T>();
                var g = grad.Span<T>();
                Span<T> d1 = g1 is null ? default : g1.Span<T>(), d2 = g2 is null ? default : g2.Span<T>(), dt = gt is null ? default : gt.Span<T>();
                for (var i = s; i < e; i++)
                {
                    var y = double.CreateTruncating(t[i]);
                    var diff = double.CreateTruncating(x1[i]) - double.CreateTruncating(x2[i]);
                    var active = -y * diff + margin >= 0;
                    var scale = active ? LossKernels.Scale(g, reduction, n, i) : 0;
                    if (g1 is not null) d1[i] = T.CreateTruncating(-scale * y);
                    if (g2 is not null) d2[i] = T.CreateTruncating(scale * y);
                    if (gt is not null) dt[i] = T.CreateTruncating(-scale * diff);
                }
            });
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // binary_cross_entropy_with_logits
    // ------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Binary cross entropy on logits, PyTorch's <c>F.binary_cross_entropy_with_logits</c>, in the stable form
    /// ℓ = w·[(1 − t)·x + (1 + (p − 1)·t)·softplus(−x)] with softplus(−x) = log(1 + e^(−|x|)) + max(−x, 0),
    /// which equals −w·[p·t·log σ(x) + (1 − t)·log(1 − σ(x))] without overflow.
    /// </summary>
    /// <param name="input">Logits x.</param>
    /// <param name="target">Targets t in [0, 1], the input's shape and dtype (gradients flow to them too).</param>
    /// <param name="weight">Per-element weights w broadcastable to the input's shape, or null.</param>
    /// <param name="posWeight">Weights p of the positive term, broadcastable to the input's shape (usually [classes]), or null.</param>
    /// <param name="reduction">None, Mean (over all elements) or Sum.</param>
    /// <exception cref="TensorShapeException">The target's shape differs, or a weight does not broadcast to the input's shape.</exception>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean)
    {
        const string op = "binary_cross_entropy_with_logits";
        CheckPair(op, input, target);
        LossKernels.CheckReduction(op, reduction);
        var w = ExpandWeight(op, "weight", weight, input);
        var pw = ExpandWeight(op, "posWeight", posWeight, input);
        var output = reduction == Reduction.None ? Tensor.Empty(input.Shape, input.DType) : null;
        var total = input.DType == DType.Float32
            ? BceForward<float>(input, target, w, pw, output)
            : BceForward<double>(input, target, w, pw, output);
        var y = reduction switch
        {
            Reduction.None => output!,
            Reduction.Sum => LossKernels.ScalarOf(total, input.DType),
            _ => LossKernels.ScalarOf(total / input.NumElements, input.DType),
        };
        if (GradMode.IsEnabled && (input.RequiresGrad || target.RequiresGrad))
            y.WithGradFn(new BceWithLogitsBackward(input, target, w, pw, reduction));
        return y;
    }

    private static Tensor? ExpandWeight(string op, string name, Tensor? weight, Tensor input)
    {
        if (weight is null) return null;
        Check.SameDType(op, input, weight);
        var shape = Tensors.Kernels.BroadcastPlan.BroadcastShapes(op, input.Shape, weight.Shape);
        if (shape != input.Shape)
            throw new TensorShapeException($"{op}: {name} has shape {weight.Shape}, which does not broadcast to the input's shape {input.Shape}");
        return weight.Detach().BroadcastTo(input.Shape);
    }

    /// <summary>log(1 + e^(−x)) computed without overflow.</summary>
    private static double SoftplusNeg(double x) => double.LogP1(Math.Exp(-Math.Abs(x))) + Math.Max(-x, 0);

    private static double BceForward<T>(Tensor input, Tensor target, Tensor? weight, Tensor? posWeight, Tensor? output) where T : unmanaged, IFloatingPointIeee754<T>
        => LossKernels.SumChunks(input.NumElements, LossKernels.ChunkElements, (s, e) =>
        {
            var x = input.Span<T>();
            var t = target.Span<T>();
            var w = weight is null ? default : weight.Span<T>();
            var p = posWeight is null ? default : posWeight.Span<T>();
            var o = output is null ? default : output.Span<T>();
            var total = 0.0;
            for (var i = s; i < e; i++)
            {
                var xi = double.CreateTruncating(x[i]);
                var ti = double.CreateTruncating(t[i]);
                var logWeight = posWeight is null ? 1 : 1 + (double.CreateTruncating(p[i]) - 1) * ti;
                var v = (1 - ti) * xi + logWeight * SoftplusNeg(xi);
                if (weight is not null) v *= double.CreateTruncating(w[i]);
                if (output is not null) o[i] = T.CreateTruncating(v);
                total += v;
            }
            return total;
        });

    private sealed class BceWithLogitsBackward : GradNode
    {
        private readonly Reduction _reduction;

        public BceWithLogitsBackward(Tensor input, Tensor target, Tensor? weight, Tensor? posWeight, Reduction reduction) : base(input, target)
        {
            _reduction = reduction;
            Save(input, target, weight, posWeight);
        }

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var input = Saved(0);
            var gx = NeedsInputGrad(0) ? Tensor.Uninitialized(input.Shape, input.DType) : null;
            var gt = NeedsInputGrad(1) ? Tensor.Uninitialized(input.Shape, input.DType) : null;
            if (input.DType == DType.Float32) Run<float>(input, Saved(1), SavedOrNull(2), SavedOrNull(3), grad, gx, gt);
            else Run<double>(input, Saved(1), SavedOrNull(2), SavedOrNull(3), grad, gx, gt);
            return [gx, gt];
        }

        // ∂ℓ/∂x = w·[(1 − t) − (1 + (p − 1)·t)·σ(−x)],  ∂ℓ/∂t = w·[−x + (p − 1)·softplus(−x)].
        private void Run<T>(Tensor input, Tensor target, Tensor? weight, Tensor? posWeight, Tensor grad, Tensor? gx, Tensor? gt)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var reduction = _reduction;
            double n = input.NumElements;
            LossKernels.ForChunks(input.NumElements, LossKernels.ChunkElements, (s, e) =>
            {
                var x = input.Span<T>();
                var t = target.Span<T>();
                var w = weight is null ? default : weight.Span<T>();
                var p = posWeight is null ? default : posWeight.Span<T>();
                var g = grad.Span<T>();
                var dx = gx is null ? default : gx.Span<T>();
                var dt = gt is null ? default : gt.Span<T>();
                for (var i = s; i < e; i++)
                {
                    var xi = double.CreateTruncating(x[i]);
                    var ti = double.CreateTruncating(t[i]);
                    var pm1 = posWeight is null ? 0 : double.CreateTruncating(p[i]) - 1;
                    var scale = LossKernels.Scale(g, reduction, n, i);
                    if (weight is not null) scale *= double.CreateTruncating(w[i]);
                    if (gx is not null)
                    {
                        // σ(−x) = 1 / (1 + e^x), evaluated on the side where the exponential cannot overflow.
                        var sigNeg = xi >= 0 ? Math.Exp(-xi) / (1 + Math.Exp(-xi)) : 1 / (1 + Math.Exp(xi));
                        dx[i] = T.CreateTruncating(scale * ((1 - ti) - (1 + pm1 * ti) * sigNeg));
                    }
                    if (gt is not null) dt[i] = T.CreateTruncating(scale * (-xi + pm1 * SoftplusNeg(xi)));
                }
            });
        }
    }
}
