using Dgl.Tensors.Autograd;
using Dgl.Tensors.Kernels;

namespace Dgl.Tensors;

// dropout: y = x·m/(1-p) with m ~ Bernoulli(1-p) drawn from the generator's counter-based stream (see
// DropoutKernels), so the mask depends only on the seed and the stream position, never on the thread count.
// Backward reuses the mask, kept as one bit per element.
public partial class Tensor
{
    /// <summary>
    /// Zeroes each element with probability <paramref name="p"/> and scales the rest by 1/(1-p) while
    /// <paramref name="training"/>; returns this tensor unchanged when not training or when p is 0, and zeros when
    /// p is 1. The mask comes from <paramref name="generator"/> (default <see cref="Generator.Default"/>), which
    /// advances by ceil(n/2) values: the same seed gives the same mask for any thread count. Differentiable.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    /// <exception cref="TensorDTypeException">The tensor is not float32 or float64.</exception>
    public Tensor Dropout(double p = 0.5, bool training = true, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), $"dropout: probability {p} is outside [0, 1]");
        Check.Floating("dropout", this);
        if (!training || p == 0) return this;
        var gen = generator ?? Generator.Default;
        if (p == 1)
        {
            var n = NumElements;
            gen.Reserve((n + 1L) / 2);
            var zeros = Zeros(Shape, DType);
            if (GradMode.IsEnabled && RequiresGrad) zeros.WithGradFn(new DropoutBackward(this, new ulong[(n + 63) / 64], 0));
            return zeros;
        }
        return MaskedScale(p, gen, relu: false);
    }

    /// <summary>The dropout kernel for 0 &lt; p &lt; 1 (with <paramref name="relu"/>, of relu(this)), recording the
    /// mask bits for backward when a gradient is wanted.</summary>
    private Tensor MaskedScale(double p, Generator gen, bool relu)
    {
        var n = NumElements;
        var start = gen.Reserve((n + 1L) / 2);
        var record = GradMode.IsEnabled && RequiresGrad;
        var scale = 1.0 / (1.0 - p);
        var threshold = DropoutKernels.Threshold(p);
        var bits = record ? GC.AllocateUninitializedArray<ulong>((n + 63) / 64) : null;
        var y = EmptyLike();
        if (DType == DType.Float32) DropoutKernels.Forward(this, y, gen, start, threshold, (float)scale, bits, relu);
        else DropoutKernels.Forward(this, y, gen, start, threshold, scale, bits, relu);
        if (record) y.WithGradFn(new DropoutBackward(this, bits!, scale));
        return y;
    }

    /// <summary>
    /// <c>Relu().Dropout(p, training, generator)</c> as one op: the same values and the same mask (the generator
    /// advances alike), but one output tensor instead of two, and a backward that needs only the mask bits (an
    /// element passes the gradient when it was kept and positive). Not training, or p = 0: plain <see cref="Relu"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    /// <exception cref="TensorDTypeException">The tensor is not float32 or float64.</exception>
    public Tensor ReluDropout(double p = 0.5, bool training = true, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), $"relu-dropout: probability {p} is outside [0, 1]");
        Check.Floating("relu-dropout", this);
        if (!training || p == 0 || p == 1) return Relu().Dropout(p, training, generator);
        return MaskedScale(p, generator ?? Generator.Default, relu: true);
    }

    private sealed class DropoutBackward(Tensor input, ulong[] bits, double scale) : GradNode(input)
    {
        private ulong[]? _bits = bits;

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var mask = _bits ?? throw FreedError();
            var g = grad.EmptyLike();
            if (grad.DType == DType.Float32) DropoutKernels.Backward(grad, g, mask, (float)scale);
            else DropoutKernels.Backward(grad, g, mask, scale);
            return [g];
        }

        protected override void OnRelease() => _bits = null;
    }
}
