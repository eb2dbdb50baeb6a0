using Dgl.Nn;
using Dgl.Tensors.Autograd;

namespace Dgl.Tests.Nn;

public class ActivationModuleTests
{
    private static double[] V(Tensor t) => t.To(DType.Float64).ToArray<double>();

    [Fact]
    public void ActivationsMatchTheirFormulas()
    {
        double[] xs = [-3, -0.5, 0, 0.25, 2, 30];
        var x = Tensor.From(xs);
        static double Sig(double v) => 1 / (1 + Math.Exp(-v));
        var cases = new (Module<Tensor, Tensor> Module, Func<double, double> F)[]
        {
            (new ReLU(), v => Math.Max(v, 0)),
            (new LeakyReLU(0.2), v => v >= 0 ? v : 0.2 * v),
            (new ELU(1.5), v => v > 0 ? v : 1.5 * (Math.Exp(v) - 1)),
            (new Sigmoid(), Sig),
            (new Tanh(), Math.Tanh),
            (new Softplus(2, 20), v => 2 * v > 20 ? v : Math.Log(1 + Math.Exp(2 * v)) / 2),
            (new GELU("tanh"), v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))),
            (new PReLU(init: 0.3, dtype: DType.Float64), v => v >= 0 ? v : 0.3 * v),
            (new Identity(), v => v),
        };
        foreach (var (module, f) in cases)
        {
            var y = V(module.Forward(x));
            for (var i = 0; i < xs.Length; i++) Assert.True(Math.Abs(f(xs[i]) - y[i]) < 1e-9, $"{module}: x = {xs[i]}: expected {f(xs[i])}, got {y[i]}");
        }
        Assert.Equal("LeakyReLU(negativeSlope=0.2)", new LeakyReLU(0.2).ToString());
    }

    [Fact]
    public void PReLULearnsPerChannelSlopes()
    {
        var prelu = new PReLU(3, dtype: DType.Float64);
        Assert.Equal(["weight"], prelu.StateDict().Keys.ToArray());
        var x = Tensor.Uniform([4, 3], -1, 1, DType.Float64, new Generator(1)).RequireGrad();
        GradCheck.Assert(t => prelu.Forward(t[0]), [x, prelu.Weight]);
    }

    [Fact]
    public void SoftmaxModulesNormaliseTheirDimension()
    {
        var x = Tensor.Uniform([2, 3], -1, 1, DType.Float64, new Generator(2));
        var p = V(new Softmax(1).Forward(x));
        Assert.Equal(1.0, p[0] + p[1] + p[2], 12);
        var lp = V(new LogSoftmax(-1).Forward(x));
        for (var i = 0; i < 6; i++) Assert.Equal(Math.Log(p[i]), lp[i], 12);
    }
}

public class DropoutModuleTests
{
    [Fact]
    public void TrainingDropsAndScalesEvaluationPassesThrough()
    {
        var x = Tensor.Ones(100, 100);
        var drop = new Dropout(0.25, new Generator(3));
        var y = drop.Forward(x).ToArray<float>();
        var kept = y.Count(v => v != 0);
        Assert.InRange(kept, 7200, 7800);
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1 / 0.75f, v, 5));
        drop.Eval();
        Assert.Same(x, drop.Forward(x));
        var a = new Dropout(0.5, new Generator(9)).Forward(x).ToArray<float>();
        var b = new Dropout(0.5, new Generator(9)).Forward(x).ToArray<float>();
        Assert.Equal(a, b);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5));
    }
}

public class EmbeddingTests
{
    [Fact]
    public void LooksUpRowsAndScatterAddsGradients()
    {
        var emb = new Embedding(5, 3, DType.Float64, new Generator(4));
        var ids = Tensor.From(new long[] { 1, 3, 1, 4 }, [2, 2]);
        var y = emb.Forward(ids);
        Assert.Equal([2, 2, 3], y.Shape.ToArray());
        var w = emb.Weight.ToArray<double>();
        long[] flat = [1, 3, 1, 4];
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 3; j++) Assert.Equal(w[flat[i] * 3 + j], y.Reshape(4, 3).Item<double>(i, j));
        y.Sum().Backward();
        var g = emb.Weight.Grad!.ToArray<double>();
        double[] counts = [0, 2, 0, 1, 1];
        for (var r = 0; r < 5; r++) for (var j = 0; j < 3; j++) Assert.Equal(counts[r], g[r * 3 + j]);
        GradCheck.Assert(_ => emb.Forward(ids), [emb.Weight]);
        Assert.Throws<ArgumentOutOfRangeException>(() => emb.Forward(Tensor.From(new long[] { 5 })));
        Assert.Throws<TensorDTypeException>(() => emb.Forward(Tensor.Zeros(2)));
    }
}

public class NormalizationModuleTests
{
    [Fact]
    public void LayerNormNormalisesTheLastDimension()
    {
        var ln = new LayerNorm(4, dtype: DType.Float64);
        var x = Tensor.Uniform([3, 4], -2, 2, DType.Float64, new Generator(5));
        var y = ln.Forward(x);
        for (var r = 0; r < 3; r++)
        {
            var row = Enumerable.Range(0, 4).Select(j => x.Item<double>(r, j)).ToArray();
            var mean = row.Average();
            var variance = row.Average(v => (v - mean) * (v - mean));
            for (var j = 0; j < 4; j++) Assert.Equal((row[j] - mean) / Math.Sqrt(variance + 1e-5), y.Item<double>(r, j), 10);
        }
        Assert.Equal(["weight", "bias"], ln.StateDict().Keys.ToArray());
        GradCheck.Assert(t => ln.Forward(t[0]), [x.RequireGrad(), ln.Weight!, ln.Bias!]);
    }

    [Fact]
    public void BatchNorm1dTracksRunningStatisticsLikePyTorch()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        Assert.Equal(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], bn.StateDict().Keys.ToArray());
        var x1 = Tensor.From(new double[,] { { 1, 10 }, { 3, 20 }, { 5, 60 } });
        var y = bn.Forward(x1);
        // Channel 0: mean 3, biased variance 8/3, unbiased 4.
        Assert.Equal((1 - 3) / Math.Sqrt(8.0 / 3 + 1e-5), y.Item<double>(0, 0), 10);
        Assert.Equal(0.9 * 0 + 0.1 * 3, bn.RunningMean!.Item<double>(0), 12);
        Assert.Equal(0.9 * 1 + 0.1 * 4, bn.RunningVar!.Item<double>(0), 12);
        Assert.Equal(1L, bn.NumBatchesTracked!.Item<long>());
        bn.Eval();
        var e = bn.Forward(x1);
        Assert.Equal((1 - 0.3) / Math.Sqrt(1.3 + 1e-5), e.Item<double>(0, 0), 10);
        Assert.Equal(1L, bn.NumBatchesTracked.Item<long>());

        // Cumulative average when momentum is null: after two batches the running mean is their average.
        var cum = new BatchNorm1d(2, momentum: null, dtype: DType.Float64);
        cum.Forward(x1);
        cum.Forward(x1 * 3);
        Assert.Equal((3 + 9) / 2.0, cum.RunningMean!.Item<double>(0), 12);
        Assert.Throws<TensorShapeException>(() => bn.Forward(Tensor.Zeros([3, 5], DType.Float64)));
    }
}
