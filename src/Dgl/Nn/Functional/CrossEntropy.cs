using System.Numerics;
using System.Numerics.Tensors;
using Tensor = Dgl.Tensors.Tensor;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;
using Dgl.Tensors.Kernels;

namespace Dgl.Nn;

// cross_entropy and nll_loss as single fused ops. Cross entropy never materialises log_softmax: forward keeps one
// log-sum-exp per row (SoftmaxKernels.LogSumExp, the vectorised and accurate exp the softmax ops use) and sums the
// row losses in double; backward writes the softmax straight into the gradient buffer (SoftmaxKernels.Forward) and
// turns it into the gradient in place, so each direction is one node and a couple of passes over the logits. Rows
// are (sample, position) pairs of an [N, C, d...] input; the class dimension has stride d = Πd... (1 for the usual
// [N, C], where the fix-up pass is vectorised).
//
// With class ids y, weights w (all 1 when absent), smoothing ε and C classes, row r's loss is
//   ℓ_r = (1−ε)·w_y·(lse_r − x_ry) + (ε/C)·Σ_c w_c·(lse_r − x_rc)        (0 when y = ignoreIndex)
// and Mean divides Σ_r ℓ_r by Σ_r w_{y_r} over the rows not ignored (PyTorch 1.13's definition, smoothing term
// included). Its gradient is ∂ℓ_r/∂x_rc = p_rc·((1−ε)·w_y + (ε/C)·W) − (ε/C)·w_c − [c = y]·(1−ε)·w_y with
// p = softmax(x_r) and W = Σ_c w_c.
public static partial class F
{
    /// <summary>
    /// Cross entropy between logits and targets, with PyTorch's semantics (<c>F.cross_entropy</c>).
    /// </summary>
    /// <remarks>
    /// <para>Class-id targets: loss_r = (1−ε)·w_y·(−log p_ry) + (ε/C)·Σ_c w_c·(−log p_rc), where p = softmax over the
    /// class dimension; rows whose target equals <paramref name="ignoreIndex"/> contribute 0 and are left out of the
    /// mean, which divides by Σ w_y over the remaining rows.</para>
    /// <para>Probability targets (a floating-point tensor of the input's shape): loss_r = −Σ_c w_c·t'_c·log p_rc with
    /// t' = (1−ε)·t + ε/C; the mean divides by the number of rows. Gradients flow to the targets too.</para>
    /// </remarks>
    /// <param name="input">Logits [N, C], [C], or [N, C, d1, …] (class dimension 1).</param>
    /// <param name="target">Class ids (int64 or int32) of shape [N] / [] / [N, d1, …], or probabilities of the input's shape.</param>
    /// <param name="weight">Per-class weights [C], or null.</param>
    /// <param name="ignoreIndex">A class-id target value to skip (must be negative with probability targets).</param>
    /// <param name="reduction">None (one loss per row, shaped like the class-id target), Mean or Sum.</param>
    /// <param name="labelSmoothing">ε in [0, 1].</param>
    /// <exception cref="TensorShapeException">Shapes do not fit; the message names them.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class id is outside [0, C) and is not <paramref name="ignoreIndex"/>.</exception>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
    {
        const string op = "cross_entropy";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        LossKernels.CheckReduction(op, reduction);
        if (!(labelSmoothing is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, $"{op}: labelSmoothing must be in [0, 1]; got {labelSmoothing}");
        var layout = ClassLayout.Of(op, input);
        CheckClassWeight(op, weight, input, layout.Classes);
        if (target.DType.IsFloatingPoint())
        {
            if (target.Shape != input.Shape)
                throw new TensorShapeException($"{op}: probability targets must have the input's shape {input.Shape}; got {target.Shape} (class-id targets must be int64 or int32)");
            Check.SameDType(op, input, target);
            if (ignoreIndex >= 0)
                throw new ArgumentException($"{op}: ignoreIndex {ignoreIndex} is not supported with probability targets; leave it at a negative value", nameof(ignoreIndex));
            return SoftCrossEntropy(input, target, weight, reduction, labelSmoothing, layout);
        }
        var ids = ClassTargets(op, target, layout, ignoreIndex, weight, out var weightSum);
        var lse = layout.LogSumExp(input);
        var output = layout.OutputFor(reduction, input.DType);
        var total = input.DType == DType.Float32
            ? HardForward<float>(input, ids, weight, ignoreIndex, labelSmoothing, layout, lse, output)
            : HardForward<double>(input, ids, weight, ignoreIndex, labelSmoothing, layout, lse, output);
        var y = reduction switch
        {
            Reduction.None => output!,
            Reduction.Sum => LossKernels.ScalarOf(total, input.DType),
            _ => LossKernels.ScalarOf(total / weightSum, input.DType),
        };
        if (GradMode.IsEnabled && input.RequiresGrad)
            y.WithGradFn(new CrossEntropyBackward(input, ids, weight, ignoreIndex, labelSmoothing, reduction, layout, weightSum));
        return y;
    }

    /// <summary>
    /// Negative log-likelihood of log-probabilities (PyTorch's <c>F.nll_loss</c>): loss_r = −w_y·input[r, y];
    /// rows whose target is <paramref name="ignoreIndex"/> contribute 0, and the mean divides by Σ w_y over the rest.
    /// </summary>
    /// <param name="input">Log-probabilities [N, C], [C] or [N, C, d1, …].</param>
    /// <param name="target">Class ids (int64 or int32) of shape [N] / [] / [N, d1, …].</param>
    /// <param name="weight">Per-class weights [C], or null.</param>
    /// <param name="ignoreIndex">A target value to skip.</param>
    /// <param name="reduction">None, Mean or Sum.</param>
    /// <exception cref="TensorShapeException">Shapes do not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class id is outside [0, C) and is not <paramref name="ignoreIndex"/>.</exception>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        const string op = "nll_loss";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        LossKernels.CheckReduction(op, reduction);
        var layout = ClassLayout.Of(op, input);
        CheckClassWeight(op, weight, input, layout.Classes);
        var ids = ClassTargets(op, target, layout, ignoreIndex, weight, out var weightSum);
        var output = layout.OutputFor(reduction, input.DType);
        var total = input.DType == DType.Float32
            ? NllForward<float>(input, ids, weight, ignoreIndex, layout, output)
            : NllForward<double>(input, ids, weight, ignoreIndex, layout, output);
        var y = reduction switch
        {
            Reduction.None => output!,
            Reduction.Sum => LossKernels.ScalarOf(total, input.DType),
            _ => LossKernels.ScalarOf(total / weightSum, input.DType),
        };
        if (GradMode.IsEnabled && input.RequiresGrad)
            y.WithGradFn(new NllLossBackward(input, ids, weight, ignoreIndex, reduction, layout, weightSum));
        return y;
    }

    // ------------------------------------------------------------------------------------------------------
    // Shapes and targets
    // ------------------------------------------------------------------------------------------------------

    /// <summary>An input of [N, C, d...] as rows (n, d) of C classes; element (r, c) of row r = n·D + j sits at n·C·D + c·D + j.</summary>
    private readonly record struct ClassLayout(int Batch, int Classes, int Inner, Shape RowShape)
    {
        public int Rows => Batch * Inner;

        public int RowStart(int r) => Inner == 1 ? r * Classes : (r / Inner) * Classes * Inner + r % Inner;

        public static ClassLayout Of(string op, Tensor input)
        {
            Check.Floating(op, input);
            if (input.Rank == 0)
                throw new TensorShapeException($"{op}: input has shape {input.Shape}; expected [C], [N, C] or [N, C, d1, ...]");
            if (input.Rank == 1)
            {
                if (input.Size(0) == 0) throw new TensorShapeException($"{op}: input has shape {input.Shape}: no classes");
                return new ClassLayout(1, input.Size(0), 1, default);
            }
            var dims = input.Shape.ToArray();
            if (dims[1] == 0) throw new TensorShapeException($"{op}: input has shape {input.Shape}: no classes (dimension 1 is the class dimension)");
            var rowDims = new int[dims.Length - 1];
            rowDims[0] = dims[0];
            Array.Copy(dims, 2, rowDims, 1, dims.Length - 2);
            return new ClassLayout(dims[0], dims[1], input.Shape.Product(2, input.Rank), new Shape(rowDims));
        }

        /// <summary>log Σ_c exp(x[r, c]) for every row r, as a [Rows] tensor of the input's dtype.</summary>
        public Tensor LogSumExp(Tensor input)
        {
            var lse = Tensor.Uninitialized(new Shape(Rows), input.DType);
            SoftmaxKernels.LogSumExp(input, Batch, Classes, Inner, lse);
            return lse;
        }

        /// <summary>The softmax over the class dimension, written into <paramref name="output"/> (the input's shape).</summary>
        public void Softmax(Tensor input, Tensor output) => SoftmaxKernels.Forward(input, Batch, Classes, Inner, output, log: false);

        /// <summary>The unreduced output (one value per row), or null when the loss is reduced.</summary>
        public Tensor? OutputFor(Reduction reduction, DType dtype) => reduction == Reduction.None ? Tensor.Empty(RowShape, dtype) : null;
    }

    private static void CheckClassWeight(string op, Tensor? weight, Tensor input, int classes)
    {
        if (weight is null) return;
        Check.SameDType(op, input, weight);
        if (weight.Rank != 1 || weight.Size(0) != classes)
            throw new TensorShapeException($"{op}: weight has shape {weight.Shape}; expected one weight per class, [{classes}], for input {input.Shape}");
    }

    /// <summary>Checks class-id targets (dtype, shape, range) and returns them as int64 with the mean's divisor Σ w_y.</summary>
    private static Tensor ClassTargets(string op, Tensor target, ClassLayout layout, long ignoreIndex, Tensor? weight, out double weightSum)
    {
        Check.Index(op, target, "target");
        if (target.Shape != layout.RowShape)
            throw new TensorShapeException($"{op}: target has shape {target.Shape}; expected {layout.RowShape} (the input's shape without the class dimension 1)");
        var ids = target.To(DType.Int64);
        var t = ids.AsSpan<long>();
        var w = weight is null ? default : weight.To(DType.Float64).AsSpan<double>();
        var sum = 0.0;
        for (var r = 0; r < t.Length; r++)
        {
            var y = t[r];
            if (y == ignoreIndex) continue;
            if ((ulong)y >= (ulong)layout.Classes)
                throw new ArgumentOutOfRangeException(nameof(target), y, $"{op}: target {y} at position {r} is out of range for {layout.Classes} classes; expected 0..{layout.Classes - 1} or ignoreIndex ({ignoreIndex})");
            sum += weight is null ? 1 : w[(int)y];
        }
        weightSum = sum;
        return ids;
    }

    // ------------------------------------------------------------------------------------------------------
    // Kernels
    // ------------------------------------------------------------------------------------------------------

    private static double HardForward<T>(Tensor input, Tensor ids, Tensor? weight, long ignoreIndex, double eps, ClassLayout layout, Tensor lse, Tensor? output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var classes = layout.Classes;
        var stride = layout.Inner;
        return LossKernels.SumChunks(layout.Rows, LossKernels.RowsPerChunk(classes), (s, e) =>
        {
            var x = input.Span<T>();
            var t = ids.Span<long>();
            var l = lse.Span<T>();
            var w = weight is null ? default : weight.Span<T>();
            var outSpan = output is null ? default : output.Span<T>();
            var total = 0.0;
            for (var r = s; r < e; r++)
            {
                var y = t[r];
                if (y == ignoreIndex)
                {
                    if (output is not null) outSpan[r] = T.Zero;
                    continue;
                }
                var start = layout.RowStart(r);
                var lr = double.CreateTruncating(l[r]);
                var wy = weight is null ? 1.0 : double.CreateTruncating(w[(int)y]);
                var loss = wy * (lr - double.CreateTruncating(x[start + (int)y * stride]));
                if (eps > 0)
                {
                    var smooth = 0.0;
                    for (var c = 0; c < classes; c++)
                    {
                        var wc = weight is null ? 1.0 : double.CreateTruncating(w[c]);
                        smooth += wc * (lr - double.CreateTruncating(x[start + c * stride]));
                    }
                    loss = (1 - eps) * loss + eps / classes * smooth;
                }
                if (output is not null) outSpan[r] = T.CreateTruncating(loss);
                total += loss;
            }
            return total;
        });
    }

    /// <summary>Turns the softmax already in <paramref name="gx"/> into the gradient, row by row, in place.</summary>
    private static void HardBackward<T>(Tensor ids, Tensor? weight, long ignoreIndex, double eps, ClassLayout layout,
        Tensor grad, Reduction reduction, double weightSum, Tensor gx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var classes = layout.Classes;
        var stride = layout.Inner;
        var wTotal = 0.0;
        if (weight is not null)
        {
            var w = weight.Span<T>();
            for (var c = 0; c < classes; c++) wTotal += double.CreateTruncating(w[c]);
        }
        else
        {
            wTotal = classes;
        }
        LossKernels.ForChunks(layout.Rows, LossKernels.RowsPerChunk(classes), (s, e) =>
        {
            var t = ids.Span<long>();
            var w = weight is null ? default : weight.Span<T>();
            var g = grad.Span<T>();
            var d = gx.Span<T>();
            for (var r = s; r < e; r++)
            {
                var start = layout.RowStart(r);
                var y = t[r];
                if (y == ignoreIndex)
                {
                    if (stride == 1) d.Slice(start, classes).Clear();
                    else for (var c = 0; c < classes; c++) d[start + c * stride] = T.Zero;
                    continue;
                }
                var scale = LossKernels.Scale(g, reduction, weightSum, r);
                var wy = weight is null ? 1.0 : double.CreateTruncating(w[(int)y]);
                var a = scale * ((1 - eps) * wy + eps / classes * wTotal);
                var smoothPer = scale * eps / classes;
                if (stride == 1)
                {
                    var row = d.Slice(start, classes);
                    TensorPrimitives.Multiply(row, T.CreateTruncating(a), row);
                    if (eps > 0)
                    {
                        if (weight is null) TensorPrimitives.Subtract(row, T.CreateTruncating(smoothPer), row);
                        else TensorPrimitives.MultiplyAdd(w, T.CreateTruncating(-smoothPer), row, row);
                    }
                }
                else
                {
                    for (var c = 0; c < classes; c++)
                    {
                        var wc = weight is null ? 1.0 : double.CreateTruncating(w[c]);
                        var i = start + c * stride;
                        d[i] = T.CreateTruncating(double.CreateTruncating(d[i]) * a - smoothPer * wc);
                    }
                }
                d[start + (int)y * stride] -= T.CreateTruncating(scale * (1 - eps) * wy);
            }
        });
    }

    private sealed class CrossEntropyBackward : GradNode
    {
        private readonly long _ignoreIndex;
        private readonly double _eps;
        private readonly Reduction _reduction;
        private readonly ClassLayout _layout;
        private readonly double _weightSum;

        public CrossEntropyBackward(Tensor input, Tensor ids, Tensor? weight, long ignoreIndex, double eps, Reduction reduction, ClassLayout layout, double weightSum)
            : base(input)
        {
            (_ignoreIndex, _eps, _reduction, _layout, _weightSum) = (ignoreIndex, eps, reduction, layout, weightSum);
            Save(input, ids, weight);
        }

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var input = Saved(0);
            var gx = Tensor.Uninitialized(input.Shape, input.DType);
            _layout.Softmax(input, gx);
            if (input.DType == DType.Float32)
                HardBackward<float>(Saved(1), SavedOrNull(2), _ignoreIndex, _eps, _layout, grad, _reduction, _weightSum, gx);
            else
                HardBackward<double>(Saved(1), SavedOrNull(2), _ignoreIndex, _eps, _layout, grad, _reduction, _weightSum, gx);
            return [gx];
        }
    }

    // ---- probability targets ----

    private static Tensor SoftCrossEntropy(Tensor input, Tensor target, Tensor? weight, Reduction reduction, double eps, ClassLayout layout)
    {
        var lse = layout.LogSumExp(input);
        var output = layout.OutputFor(reduction, input.DType);
        var total = input.DType == DType.Float32
            ? SoftForward<float>(input, target, weight, eps, layout, lse, output)
            : SoftForward<double>(input, target, weight, eps, layout, lse, output);
        var y = reduction switch
        {
            Reduction.None => output!,
            Reduction.Sum => LossKernels.ScalarOf(total, input.DType),
            _ => LossKernels.ScalarOf(total / layout.Rows, input.DType),
        };
        if (GradMode.IsEnabled && (input.RequiresGrad || target.RequiresGrad))
            y.WithGradFn(new SoftCrossEntropyBackward(input, target, weight, eps, reduction, layout, lse));
        return y;
    }

    private static double SoftForward<T>(Tensor input, Tensor target, Tensor? weight, double eps, ClassLayout layout, Tensor lse, Tensor? output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var classes = layout.Classes;
        var stride = layout.Inner;
        return LossKernels.SumChunks(layout.Rows, LossKernels.RowsPerChunk(classes), (s, e) =>
        {
            var x = input.Span<T>();
            var t = target.Span<T>();
            var w = weight is null ? default : weight.Span<T>();
            var outSpan = output is null ? default : output.Span<T>();
            var lses = lse.Span<T>();
            var total = 0.0;
            for (var r = s; r < e; r++)
            {
                var start = layout.RowStart(r);
                var l = double.CreateTruncating(lses[r]);
                var loss = 0.0;
                for (var c = 0; c < classes; c++)
                {
                    var i = start + c * stride;
                    var tc = (1 - eps) * double.CreateTruncating(t[i]) + eps / classes;
                    var wc = weight is null ? 1.0 : double.CreateTruncating(w[c]);
                    loss += wc * tc * (l - double.CreateTruncating(x[i]));
                }
                if (output is not null) outSpan[r] = T.CreateTruncating(loss);
                total += loss;
            }
            return total;
        });
    }

    private sealed class SoftCrossEntropyBackward : GradNode
    {
        private readonly double _eps;
        private readonly Reduction _reduction;
        private readonly ClassLayout _layout;

        public SoftCrossEntropyBackward(Tensor input, Tensor target, Tensor? weight, double eps, Reduction reduction, ClassLayout layout, Tensor lse)
            : base(input, target)
        {
            (_eps, _reduction, _layout) = (eps, reduction, layout);
            Save(input, target, weight, lse);
        }

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var input = Saved(0);
            var gx = NeedsInputGrad(0) ? Tensor.Uninitialized(input.Shape, input.DType) : null;
            var gt = NeedsInputGrad(1) ? Tensor.Uninitialized(input.Shape, input.DType) : null;
            if (gx is not null) _layout.Softmax(input, gx);
            if (input.DType == DType.Float32) Run<float>(input, Saved(1), SavedOrNull(2), Saved(3), grad, gx, gt);
            else Run<double>(input, Saved(1), SavedOrNull(2), Saved(3), grad, gx, gt);
            return [gx, gt];
        }

        // gx (holding the softmax p) becomes s·(p·B − w_c·t'_c) with B = Σ_c w_c·t'_c; gt = −s·(1 − ε)·w_c·log p_c.
        private void Run<T>(Tensor input, Tensor target, Tensor? weight, Tensor lse, Tensor grad, Tensor? gx, Tensor? gt)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var layout = _layout;
            var classes = layout.Classes;
            var stride = layout.Inner;
            var eps = _eps;
            var reduction = _reduction;
            LossKernels.ForChunks(layout.Rows, LossKernels.RowsPerChunk(classes), (s, e) =>
            {
                var x = input.Span<T>();
                var t = target.Span<T>();
                var l = lse.Span<T>();
                var w = weight is null ? default : weight.Span<T>();
                var g = grad.Span<T>();
                var dx = gx is null ? default : gx.Span<T>();
                var dt = gt is null ? default : gt.Span<T>();
                for (var r = s; r < e; r++)
                {
                    var start = layout.RowStart(r);
                    var scale = LossKernels.Scale(g, reduction, layout.Rows, r);
                    var b = 0.0;
                    for (var c = 0; c < classes; c++)
                    {
                        var wc = weight is null ? 1.0 : double.CreateTruncating(w[c]);
                        b += wc * ((1 - eps) * double.CreateTruncating(t[start + c * stride]) + eps / classes);
                    }
                    for (var c = 0; c < classes; c++)
                    {
                        var i = start + c * stride;
                        var wc = weight is null ? 1.0 : double.CreateTruncating(w[c]);
                        if (gx is not null)
                        {
                            var tc = (1 - eps) * double.CreateTruncating(t[i]) + eps / classes;
                            dx[i] = T.CreateTruncating(scale * (double.CreateTruncating(dx[i]) * b - wc * tc));
                        }
                        if (gt is not null)
                        {
                            var logp = double.CreateTruncating(x[i]) - double.CreateTruncating(l[r]);
                            dt[i] = T.CreateTruncating(-scale * (1 - eps) * wc * logp);
                        }
                    }
                }
            });
        }
    }

    // ---- nll_loss ----

    private static double NllForward<T>(Tensor input, Tensor ids, Tensor? weight, long ignoreIndex, ClassLayout layout, Tensor? output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = input.Span<T>();
        var t = ids.Span<long>();
        var w = weight is null ? default : weight.Span<T>();
        var outSpan = output is null ? default : output.Span<T>();
        var total = 0.0;
        for (var r = 0; r < layout.Rows; r++)
        {
            var y = t[r];
            var loss = 0.0;
            if (y != ignoreIndex)
            {
                var wy = weight is null ? 1.0 : double.CreateTruncating(w[(int)y]);
                loss = -wy * double.CreateTruncating(x[layout.RowStart(r) + (int)y * layout.Inner]);
            }
            if (output is not null) outSpan[r] = T.CreateTruncating(loss);
            total += loss;
        }
        return total;
    }

    private sealed class NllLossBackward : GradNode
    {
        private readonly long _ignoreIndex;
        private readonly Reduction _reduction;
        private readonly ClassLayout _layout;
        private readonly double _weightSum;

        public NllLossBackward(Tensor input, Tensor ids, Tensor? weight, long ignoreIndex, Reduction reduction, ClassLayout layout, double weightSum)
            : base(input)
        {
            (_ignoreIndex, _reduction, _layout, _weightSum) = (ignoreIndex, reduction, layout, weightSum);
            Save(ids, weight);
        }

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var gx = Tensor.Zeros(InputShape(0), grad.DType);
            if (grad.DType == DType.Float32) Run<float>(Saved(0), SavedOrNull(1), grad, gx);
            else Run<double>(Saved(0), SavedOrNull(1), grad, gx);
            return [gx];
        }

        private void Run<T>(Tensor ids, Tensor? weight, Tensor grad, Tensor gx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var t = ids.Span<long>();
            var w = weight is null ? default : weight.Span<T>();
            var g = grad.Span<T>();
            var d = gx.Span<T>();
            for (var r = 0; r < _layout.Rows; r++)
            {
                var y = t[r];
                if (y == _ignoreIndex) continue;
                var wy = weight is null ? 1.0 : double.CreateTruncating(w[(int)y]);
                d[_layout.RowStart(r) + (int)y * _layout.Inner] = T.CreateTruncating(-LossKernels.Scale(g, _reduction, _weightSum, r) * wy);
            }
        }
    }
}
