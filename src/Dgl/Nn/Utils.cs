using System.Numerics.Tensors;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;
using Tensor = Dgl.Tensors.Tensor;

namespace Dgl.Nn;

/// <summary>Gradient utilities (PyTorch's <c>torch.nn.utils</c>).</summary>
public static class Utils
{
    /// <summary>
    /// Scales the gradients of <paramref name="parameters"/> in place so that their combined norm is at most
    /// <paramref name="maxNorm"/>, as PyTorch's <c>clip_grad_norm_</c>: total = ‖(‖g₁‖, ‖g₂‖, …)‖ with the
    /// <paramref name="normType"/>-norm (∞: the largest |g|), then every gradient is multiplied by
    /// min(1, maxNorm / (total + 1e-6)). Parameters without a gradient are skipped.
    /// </summary>
    /// <param name="parameters">The parameters whose gradients to clip.</param>
    /// <param name="maxNorm">The largest allowed total norm.</param>
    /// <param name="normType">p of the p-norm (&gt; 0), or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="errorIfNonfinite">Throw when the total norm is NaN or infinite instead of scaling by it.</param>
    /// <returns>The total norm before clipping (0 when no parameter has a gradient).</returns>
    /// <exception cref="ArithmeticException"><paramref name="errorIfNonfinite"/> and the norm is not finite.</exception>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(normType > 0))
            throw new ArgumentOutOfRangeException(nameof(normType), normType, "ClipGradNorm: normType must be > 0 (or +infinity)");
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0;
        double total;
        if (double.IsPositiveInfinity(normType))
        {
            total = 0;
            foreach (var g in grads) total = Math.Max(total, AbsMax(g));
        }
        else
        {
            var sum = 0.0;
            foreach (var g in grads) sum += Math.Pow(Norm(g, normType), normType);
            total = Math.Pow(sum, 1 / normType);
        }
        if (errorIfNonfinite && !double.IsFinite(total))
            throw new ArithmeticException($"ClipGradNorm: the total norm of order {normType} of the gradients is {total}; set errorIfNonfinite to false to clip anyway");
        var coef = Math.Min(maxNorm / (total + 1e-6), 1.0);
        using (GradMode.NoGrad())
        {
            foreach (var g in grads) g.MulInPlace(coef);
        }
        return total;
    }

    /// <summary>Clamps every gradient element of <paramref name="parameters"/> to [−clipValue, clipValue] in place (PyTorch's <c>clip_grad_value_</c>).</summary>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0))
            throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, "ClipGradValue: clipValue must be >= 0");
        foreach (var p in parameters)
        {
            var g = p.Grad;
            if (g is null) continue;
            if (g.DType == DType.Float32)
            {
                var s = g.Span<float>();
                TensorPrimitives.Max(s, (float)-clipValue, s);
                TensorPrimitives.Min(s, (float)clipValue, s);
            }
            else
            {
                var s = g.Span<double>();
                TensorPrimitives.Max(s, -clipValue, s);
                TensorPrimitives.Min(s, clipValue, s);
            }
        }
    }

    /// <summary>‖g‖_p, accumulated in double in fixed-size chunks (the same bits whatever the thread count).</summary>
    private static double Norm(Tensor g, double p)
    {
        var n = g.NumElements;
        if (g.DType == DType.Float32)
        {
            var s = LossKernels.SumChunks(n, LossKernels.ChunkElements, (a, b) => PowSum(g.Span<float>()[a..b], p));
            return Math.Pow(s, 1 / p);
        }
        var sd = LossKernels.SumChunks(n, LossKernels.ChunkElements, (a, b) => PowSum(g.Span<double>()[a..b], p));
        return Math.Pow(sd, 1 / p);
    }

    private static double PowSum<T>(ReadOnlySpan<T> x, double p) where T : unmanaged, System.Numerics.INumberBase<T>
    {
        var s = 0.0;
        if (p == 2)
        {
            foreach (var v in x)
            {
                var d = double.CreateTruncating(v);
                s += d * d;
            }
        }
        else if (p == 1)
        {
            foreach (var v in x) s += Math.Abs(double.CreateTruncating(v));
        }
        else
        {
            foreach (var v in x) s += Math.Pow(Math.Abs(double.CreateTruncating(v)), p);
        }
        return s;
    }

    /// <summary>max |g| (NaN when g holds a NaN, which Math.Max then carries into the total).</summary>
    private static double AbsMax(Tensor g)
    {
        if (g.NumElements == 0) return 0;
        return g.DType == DType.Float32
            ? Math.Abs((double)TensorPrimitives.MaxMagnitude(g.Span<float>()))
            : Math.Abs(TensorPrimitives.MaxMagnitude(g.Span<double>()));
    }
}
