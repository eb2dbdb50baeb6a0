using Dgl.Tensors.Autograd;
using Dgl.Tensors.Kernels;

namespace Dgl.Tensors.Tests.Ops;

public class DropoutTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.8)]
    public void KeepFractionAndScaleMatchP(double p)
    {
        var n = 1_000_003;
        var x = Tensor.Ones([n]);
        var y = x.Dropout(p, training: true, new Generator(42)).ToArray<float>();
        var kept = 0;
        var scale = (float)(1 / (1 - p));
        foreach (var v in y)
        {
            if (v == 0) continue;
            Assert.Equal(scale, v);
            kept++;
        }
        // Binomial(n, 1-p): 6 standard deviations is far beyond chance.
        var sd = Math.Sqrt(n * p * (1 - p));
        Assert.InRange(kept, n * (1 - p) - 6 * sd, n * (1 - p) + 6 * sd);
    }

    [Fact]
    public void MaskFollowsTheDocumentedCounterStream()
    {
        // Element i keeps iff 32 bits of value start + i/2 (low half for even i) are >= round(p·2^32): checked
        // element by element against the generator's scalar At(), for float32 and float64, across vector blocks
        // and the ragged tail.
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var gen = new Generator(7);
            gen.Reserve(5);   // a non-zero, odd start position
            var x = Tensor.Uniform([3, 1001], 1, 2, dtype, new Generator(1));
            var p = 0.3;
            var y = Reference.Values(x.Dropout(p, true, gen));
            var xv = Reference.Values(x);
            var check = new Generator(7);
            var threshold = (uint)Math.Round(p * 4294967296.0);
            for (var i = 0; i < xv.Length; i++)
            {
                var bits = check.At(5 + i / 2);
                var r = i % 2 == 0 ? (uint)bits : (uint)(bits >> 32);
                var expected = r >= threshold ? (dtype == DType.Float32 ? (float)xv[i] * (float)(1 / (1 - p)) : xv[i] / (1 - p)) : 0;
                Assert.Equal(expected, y[i], 1e-12);
            }
            Assert.Equal(5 + (xv.Length + 1) / 2, gen.Position);
        }
    }

    [Fact]
    public void ReluDropoutIsDropoutOfReluInOneOp()
    {
        // Same values, same generator advance and the same gradient as Relu().Dropout(), for both dtypes, across
        // vector blocks and the ragged tail; the gradient also against finite differences.
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.Uniform([3, 1001], -1, 1, dtype, new Generator(2));
            var a = x.Clone().RequireGrad();
            var b = x.Clone().RequireGrad();
            var (ga, gb) = (new Generator(9), new Generator(9));
            var ya = a.ReluDropout(0.4, true, ga);
            var yb = b.Relu().Dropout(0.4, true, gb);
            Assert.Equal(Reference.Values(yb), Reference.Values(ya));
            Assert.Equal(gb.Position, ga.Position);
            var w = Tensor.Uniform([3, 1001], -1, 1, dtype, new Generator(4));
            (ya * w).Sum().Backward();
            (yb * w).Sum().Backward();
            Assert.Equal(Reference.Values(b.Grad!), Reference.Values(a.Grad!));
        }
        var z = Tensor.Uniform([4, 37], -1, 1, DType.Float64, new Generator(5)).RequireGrad();
        GradCheck.Assert(t => t[0].ReluDropout(0.5, true, new Generator(11)), [z]);
        // Not training: plain ReLU.
        Assert.Equal(Reference.Values(z.Relu()), Reference.Values(z.ReluDropout(0.5, training: false)));
        Assert.Throws<ArgumentOutOfRangeException>(() => z.ReluDropout(1.5));
    }

    [Fact]
    public void SameSeedSameMaskForAnyThreadCount()
    {
        var x = Tensor.Uniform([700, 1433], -1, 1, generator: new Generator(3));
        var saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 1;
            var one = x.Dropout(0.5, true, new Generator(9)).ToArray<float>();
            Parallelism.MaxThreads = 2;
            var two = x.Dropout(0.5, true, new Generator(9)).ToArray<float>();
            Parallelism.MaxThreads = 4;
            var four = x.Dropout(0.5, true, new Generator(9)).ToArray<float>();
            Assert.Equal(one, two);
            Assert.Equal(one, four);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
        // The generator advances: a second call draws a different mask.
        var gen = new Generator(9);
        Assert.NotEqual(x.Dropout(0.5, true, gen).ToArray<float>(), x.Dropout(0.5, true, gen).ToArray<float>());
    }

    [Fact]
    public void EvalAndEdgeProbabilities()
    {
        var x = Tensor.Uniform([10, 10], -1, 1, generator: new Generator(4));
        Assert.Same(x, x.Dropout(0.5, training: false));
        Assert.Same(x, x.Dropout(0, training: true));
        Assert.All(x.Dropout(1, true, new Generator(1)).ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Dropout(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Dropout(double.NaN));
        Assert.Throws<TensorDTypeException>(() => Tensor.Ones([3], DType.Int32).Dropout(0.5));
        Assert.Empty(Tensor.Zeros(0).Dropout(0.5, true, new Generator(1)).ToArray<float>());
    }

    [Fact]
    public void BackwardReusesTheMask()
    {
        var x = Tensor.Uniform([37, 29], -1, 1, DType.Float64, new Generator(5)).RequireGrad();
        // A fresh generator with a fixed seed per call makes the function deterministic for finite differences.
        GradCheck.Assert(t => t[0].Dropout(0.4, true, new Generator(11)), [x]);
        var xf = Tensor.Uniform([130, 7], -1, 1, generator: new Generator(6)).RequireGrad();
        var y = xf.Dropout(0.25, true, new Generator(12));
        y.Sum().Backward();
        var yv = y.ToArray<float>();
        var g = xf.Grad!.ToArray<float>();
        for (var i = 0; i < yv.Length; i++) Assert.Equal(yv[i] == 0 ? 0f : (float)(1 / 0.75), g[i]);
        // p = 1: the gradient is zero everywhere.
        var z = Tensor.Ones([5], DType.Float64).RequireGrad();
        z.Dropout(1, true, new Generator(1)).Sum().Backward();
        Assert.All(z.Grad!.ToArray<double>(), v => Assert.Equal(0.0, v));
    }
}
