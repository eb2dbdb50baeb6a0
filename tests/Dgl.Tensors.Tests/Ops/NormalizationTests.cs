using Dgl.Tensors.Autograd;
using Dgl.Tensors.Kernels;

namespace Dgl.Tensors.Tests.Ops;

public class NormalizationTests
{
    private static double[] NaiveLayerNorm(double[] x, int rows, int d, double[]? w, double[]? b, double eps)
    {
        var y = new double[x.Length];
        for (var r = 0; r < rows; r++)
        {
            var mean = 0.0;
            for (var i = 0; i < d; i++) mean += x[r * d + i];
            mean /= d;
            var v = 0.0;
            for (var i = 0; i < d; i++) v += (x[r * d + i] - mean) * (x[r * d + i] - mean);
            v /= d;
            for (var i = 0; i < d; i++)
                y[r * d + i] = (x[r * d + i] - mean) / Math.Sqrt(v + eps) * (w?[i] ?? 1) + (b?[i] ?? 0);
        }
        return y;
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void LayerNormMatchesNaiveLoop(DType dtype)
    {
        var gen = new Generator(1);
        var x = Tensor.Uniform([4, 3, 37], -2, 3, dtype, gen);
        var w = Tensor.Uniform([37], 0.5, 1.5, dtype, gen);
        var b = Tensor.Uniform([37], -1, 1, dtype, gen);
        var xv = Reference.Values(x);
        var tol = dtype == DType.Float32 ? 2e-5 : 1e-12;
        Reference.AssertClose(NaiveLayerNorm(xv, 12, 37, Reference.Values(w), Reference.Values(b), 1e-5), x.LayerNorm([37], w, b), tol, tol);
        Reference.AssertClose(NaiveLayerNorm(xv, 12, 37, null, null, 1e-5), x.LayerNorm([37]), tol, tol);
        Reference.AssertClose(NaiveLayerNorm(xv, 12, 37, Reference.Values(w), null, 0.1), x.LayerNorm([37], w, eps: 0.1), tol, tol);
        Reference.AssertClose(NaiveLayerNorm(xv, 12, 37, null, Reference.Values(b), 1e-5), x.LayerNorm([37], bias: b), tol, tol);
        // Over the last two dimensions.
        var w2 = Tensor.Uniform([3, 37], 0.5, 1.5, dtype, gen);
        Reference.AssertClose(NaiveLayerNorm(xv, 4, 111, Reference.Values(w2), null, 1e-5), x.LayerNorm([3, 37], w2), tol, tol);
    }

    [Fact]
    public void LayerNormErrors()
    {
        var x = Tensor.Zeros(4, 5);
        var ex = Assert.Throws<TensorShapeException>(() => x.LayerNorm([4]));
        Assert.Contains("[4, 5]", ex.Message, StringComparison.Ordinal);
        var w = Assert.Throws<TensorShapeException>(() => x.LayerNorm([5], Tensor.Ones(4)));
        Assert.Contains("weight", w.Message, StringComparison.Ordinal);
        Assert.Throws<TensorDTypeException>(() => x.LayerNorm([5], Tensor.Ones([5], DType.Float64)));
        Assert.Throws<TensorDTypeException>(() => Tensor.Zeros([2, 2], DType.Int32).LayerNorm([2]));
    }

    [Fact]
    public void LayerNormGradients()
    {
        var gen = new Generator(2);
        var x = Tensor.Uniform([5, 7], -2, 2, DType.Float64, gen).RequireGrad();
        var w = Tensor.Uniform([7], 0.5, 1.5, DType.Float64, gen).RequireGrad();
        var b = Tensor.Uniform([7], -1, 1, DType.Float64, gen).RequireGrad();
        GradCheck.Assert(t => t[0].LayerNorm([7], t[1], t[2]), [x, w, b]);
        GradCheck.Assert(t => t[0].LayerNorm([7]), [x, w, b]);
        GradCheck.Assert(t => t[0].LayerNorm([7], t[1]) * t[0], [x, w, b]);
        // Through a view, with a long row (vector path) and two normalised dimensions.
        var big = Tensor.Uniform([3, 2, 40], -2, 2, DType.Float64, gen).RequireGrad();
        var w2 = Tensor.Uniform([2, 40], 0.5, 1.5, DType.Float64, gen).RequireGrad();
        GradCheck.Assert(t => t[0][1..3].LayerNorm([2, 40], t[1]), [big, w2]);
        // Only the weight requires grad.
        var xc = Tensor.Uniform([5, 7], -2, 2, DType.Float64, gen);
        GradCheck.Assert(t => t[0].LayerNorm([7], t[1], t[2]), [xc, w, b]);
    }

    /// <summary>Naive batch norm over [n, c, l]: batch statistics or given ones.</summary>
    private static (double[] Y, double[] Mean, double[] Var) NaiveBatchNorm(double[] x, int n, int c, int l, double[]? w, double[]? b,
        double eps, double[]? useMean = null, double[]? useVar = null)
    {
        var mean = new double[c];
        var variance = new double[c];
        for (var ch = 0; ch < c; ch++)
        {
            var s = 0.0;
            for (var i = 0; i < n; i++) for (var k = 0; k < l; k++) s += x[(i * c + ch) * l + k];
            mean[ch] = s / (n * l);
            var q = 0.0;
            for (var i = 0; i < n; i++) for (var k = 0; k < l; k++) q += Math.Pow(x[(i * c + ch) * l + k] - mean[ch], 2);
            variance[ch] = q / (n * l);
        }
        var m = useMean ?? mean;
        var v = useVar ?? variance;
        var y = new double[x.Length];
        for (var i = 0; i < n; i++)
            for (var ch = 0; ch < c; ch++)
                for (var k = 0; k < l; k++)
                {
                    var p = (i * c + ch) * l + k;
                    y[p] = (x[p] - m[ch]) / Math.Sqrt(v[ch] + eps) * (w?[ch] ?? 1) + (b?[ch] ?? 0);
                }
        return (y, mean, variance);
    }

    [Theory]
    [InlineData(64, 5, 1, DType.Float32)]
    [InlineData(9, 4, 13, DType.Float64)]
    [InlineData(3000, 3, 1, DType.Float64)]
    [InlineData(40, 2, 700, DType.Float32)]
    [InlineData(1100, 80, 1, DType.Float32)]
    [InlineData(700, 40, 1, DType.Float64)]
    public void BatchNormTrainingMatchesNaiveLoopAndUpdatesRunningStats(int n, int c, int l, DType dtype)
    {
        var gen = new Generator(3);
        int[] shape = l == 1 ? [n, c] : [n, c, l];
        var x = Tensor.Uniform(shape, -2, 3, dtype, gen);
        var w = Tensor.Uniform([c], 0.5, 1.5, dtype, gen);
        var b = Tensor.Uniform([c], -1, 1, dtype, gen);
        var rm = Tensor.Uniform([c], -1, 1, dtype, gen);
        var rv = Tensor.Uniform([c], 0.5, 2, dtype, gen);
        var rm0 = Reference.Values(rm);
        var rv0 = Reference.Values(rv);
        var (ey, mean, variance) = NaiveBatchNorm(Reference.Values(x), n, c, l, Reference.Values(w), Reference.Values(b), 1e-5);
        var y = Tensor.BatchNorm(x, rm, rv, w, b, training: true);
        var tol = dtype == DType.Float32 ? 5e-5 : 1e-10;
        Reference.AssertClose(ey, y, tol, tol);
        var count = n * l;
        Reference.AssertClose(rm0.Select((r, i) => 0.9 * r + 0.1 * mean[i]).ToArray(), rm, tol, tol);
        Reference.AssertClose(rv0.Select((r, i) => 0.9 * r + 0.1 * variance[i] * count / (count - 1)).ToArray(), rv, tol, tol);
        // Without affine parameters or running statistics.
        var (ey2, _, _) = NaiveBatchNorm(Reference.Values(x), n, c, l, null, null, 1e-3);
        Reference.AssertClose(ey2, Tensor.BatchNorm(x, null, null, training: true, eps: 1e-3), tol, tol);
    }

    [Fact]
    public void BatchNormEvaluationUsesRunningStatsAndLeavesThem()
    {
        var gen = new Generator(4);
        var x = Tensor.Uniform([6, 3, 4], -2, 3, DType.Float64, gen);
        var rm = Tensor.From([0.5, -0.2, 1.0]);
        var rv = Tensor.From([2.0, 0.5, 1.5]);
        var w = Tensor.From([1.5, 0.5, -1.0]);
        var (ey, _, _) = NaiveBatchNorm(Reference.Values(x), 6, 3, 4, Reference.Values(w), null, 1e-5, [0.5, -0.2, 1.0], [2.0, 0.5, 1.5]);
        Reference.AssertClose(ey, Tensor.BatchNorm(x, rm, rv, w, training: false), 1e-12);
        Assert.Equal([0.5, -0.2, 1.0], rm.ToArray<double>());
        Assert.Equal([2.0, 0.5, 1.5], rv.ToArray<double>());
    }

    [Fact]
    public void BatchNormRunningStatsHandCase()
    {
        // Channel values 1, 3 (mean 2, biased var 1, unbiased 2) and 0, 4 (mean 2, var 4, unbiased 8).
        var x = Tensor.From(new double[,] { { 1, 0 }, { 3, 4 } });
        var rm = Tensor.Zeros([2], DType.Float64);
        var rv = Tensor.Ones([2], DType.Float64);
        var y = Tensor.BatchNorm(x, rm, rv, training: true, momentum: 0.5, eps: 0);
        Assert.Equal([-1.0, -1.0, 1.0, 1.0], y.ToArray<double>());
        Assert.Equal([1.0, 1.0], rm.ToArray<double>());
        Assert.Equal([1.5, 4.5], rv.ToArray<double>());
    }

    [Fact]
    public void BatchNormErrors()
    {
        var x = Tensor.Zeros(4, 3);
        Assert.Throws<ArgumentException>(() => Tensor.BatchNorm(x, null, null, training: false));
        var ex = Assert.Throws<TensorShapeException>(() => Tensor.BatchNorm(x, Tensor.Zeros(4), Tensor.Ones(3), training: true));
        Assert.Contains("runningMean", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[3]", ex.Message, StringComparison.Ordinal);
        Assert.Throws<TensorShapeException>(() => Tensor.BatchNorm(Tensor.Zeros(1, 3), null, null, training: true));
        Assert.Throws<TensorShapeException>(() => Tensor.BatchNorm(Tensor.Zeros(3), null, null, training: true));
        Assert.Throws<TensorDTypeException>(() => Tensor.BatchNorm(x, null, null, Tensor.Ones([3], DType.Float64), training: true));
    }

    [Fact]
    public void BatchNormGradients()
    {
        var gen = new Generator(5);
        var w = Tensor.Uniform([3], 0.5, 1.5, DType.Float64, gen).RequireGrad();
        var b = Tensor.Uniform([3], -1, 1, DType.Float64, gen).RequireGrad();
        foreach (int[] shape in new[] { new[] { 6, 3 }, [4, 3, 5] })
        {
            var x = Tensor.Uniform(shape, -2, 2, DType.Float64, gen).RequireGrad();
            GradCheck.Assert(t => Tensor.BatchNorm(t[0], null, null, t[1], t[2], training: true), [x, w, b]);
            GradCheck.Assert(t => Tensor.BatchNorm(t[0], null, null, training: true) * t[0], [x, w, b]);
            var rm = Tensor.Uniform([3], -1, 1, DType.Float64, gen);
            var rv = Tensor.Uniform([3], 0.5, 2, DType.Float64, gen);
            GradCheck.Assert(t => Tensor.BatchNorm(t[0], rm, rv, t[1], t[2], training: false), [x, w, b]);
        }
        // A long channel run (vector path) through a row view.
        var big = Tensor.Uniform([5, 2, 40], -2, 2, DType.Float64, gen).RequireGrad();
        var w2 = Tensor.Uniform([2], 0.5, 1.5, DType.Float64, gen).RequireGrad();
        GradCheck.Assert(t => Tensor.BatchNorm(t[0][1..5], null, null, t[1], training: true), [big, w2]);
        // Wide channels ([n, c] with c past one register tile of columns, and several row groups).
        var wide = Tensor.Uniform([60, 40], -2, 2, DType.Float64, gen).RequireGrad();
        var w3 = Tensor.Uniform([40], 0.5, 1.5, DType.Float64, gen).RequireGrad();
        var b3 = Tensor.Uniform([40], -1, 1, DType.Float64, gen).RequireGrad();
        GradCheck.Assert(t => Tensor.BatchNorm(t[0], null, null, t[1], t[2], training: true), [wide, w3, b3]);
    }

    [Fact]
    public void NormsAreIndependentOfThreadCount()
    {
        var gen = new Generator(6);
        var x = Tensor.Uniform([5000, 64], -2, 2, generator: gen).RequireGrad();
        var w = Tensor.Uniform([64], 0.5, 1.5, generator: gen).RequireGrad();
        var saved = Parallelism.MaxThreads;
        try
        {
            float[][] Run()
            {
                x.Grad = null;
                w.Grad = null;
                var ln = x.LayerNorm([64], w);
                var bn = Tensor.BatchNorm(x, null, null, w, training: true);
                (ln * bn).Sum().Backward();
                return [ln.ToArray<float>(), bn.ToArray<float>(), x.Grad!.ToArray<float>(), w.Grad!.ToArray<float>()];
            }
            Parallelism.MaxThreads = 1;
            var one = Run();
            Parallelism.MaxThreads = 2;
            var two = Run();
            for (var i = 0; i < one.Length; i++) Assert.Equal(one[i], two[i]);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }
}
