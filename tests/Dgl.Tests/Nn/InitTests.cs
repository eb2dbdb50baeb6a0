using Dgl.Nn;

namespace Dgl.Tests.Nn;

public class InitTests
{
    [Fact]
    public void GainsMatchPyTorchTable()
    {
        Assert.Equal(1.0, Init.CalculateGain("linear"));
        Assert.Equal(1.0, Init.CalculateGain("sigmoid"));
        Assert.Equal(1.0, Init.CalculateGain("conv2d"));
        Assert.Equal(5.0 / 3, Init.CalculateGain("tanh"));
        Assert.Equal(Math.Sqrt(2), Init.CalculateGain("relu"));
        Assert.Equal(Math.Sqrt(2 / (1 + 0.01 * 0.01)), Init.CalculateGain("leaky_relu"));
        Assert.Equal(Math.Sqrt(2 / 1.04), Init.CalculateGain("leaky_relu", 0.2), 15);
        Assert.Equal(0.75, Init.CalculateGain("selu"));
        var ex = Assert.Throws<ArgumentException>(() => Init.CalculateGain("swish"));
        Assert.Contains("swish", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FansIncludeTheReceptiveField()
    {
        Assert.Equal((3, 5), Init.CalculateFanInAndFanOut(Tensor.Zeros(5, 3)));
        Assert.Equal((3 * 4 * 2, 5 * 4 * 2), Init.CalculateFanInAndFanOut(Tensor.Zeros(5, 3, 4, 2)));
        Assert.Throws<TensorShapeException>(() => Init.CalculateFanInAndFanOut(Tensor.Zeros(5)));
    }

    private static (double Mean, double Var, double AbsMax) Stats(Tensor t)
    {
        var v = t.ToArray<double>();
        var mean = v.Average();
        return (mean, v.Average(x => (x - mean) * (x - mean)), v.Max(Math.Abs));
    }

    [Fact]
    public void XavierAndKaimingHaveTheDocumentedSpread()
    {
        var gen = new Generator(5);
        var w = Tensor.Empty([200, 300], DType.Float64);

        Init.XavierUniform(w, 2, gen);
        var a = 2 * Math.Sqrt(6.0 / 500);
        var s = Stats(w);
        Assert.True(s.AbsMax <= a);
        Assert.InRange(s.Var, a * a / 3 * 0.97, a * a / 3 * 1.03);

        Init.XavierNormal(w, 1, gen);
        s = Stats(w);
        Assert.InRange(s.Var, 2.0 / 500 * 0.97, 2.0 / 500 * 1.03);
        Assert.InRange(s.Mean, -0.001, 0.001);

        Init.KaimingUniform(w, nonlinearity: "relu", generator: gen);
        var bound = Math.Sqrt(2) * Math.Sqrt(3.0 / 300);
        s = Stats(w);
        Assert.True(s.AbsMax <= bound);
        Assert.InRange(s.Var, 2.0 / 300 * 0.97, 2.0 / 300 * 1.03);

        Init.KaimingNormal(w, mode: FanMode.FanOut, nonlinearity: "relu", generator: gen);
        s = Stats(w);
        Assert.InRange(s.Var, 2.0 / 200 * 0.97, 2.0 / 200 * 1.03);
    }

    [Fact]
    public void ConstantsAndDeterminism()
    {
        var t = Tensor.Empty([3, 4]);
        Init.Constant(t, 2.5);
        Assert.All(t.ToArray<float>(), v => Assert.Equal(2.5f, v));
        Init.Zeros(t);
        Assert.All(t.ToArray<float>(), v => Assert.Equal(0f, v));
        Init.Ones(t);
        Assert.All(t.ToArray<float>(), v => Assert.Equal(1f, v));
        var a = Init.Uniform(Tensor.Empty([10]), -1, 1, new Generator(3)).ToArray<float>();
        var b = Init.Uniform(Tensor.Empty([10]), -1, 1, new Generator(3)).ToArray<float>();
        Assert.Equal(a, b);
        Assert.Throws<TensorDTypeException>(() => Init.Uniform(Tensor.Zeros([3], DType.Int64)));
    }

    [Fact]
    public void InitWorksOnParametersThatRequireGrad()
    {
        var p = new Parameter(Tensor.Zeros(4, 4));
        Init.XavierUniform(p, generator: new Generator(1));
        Assert.Contains(p.ToArray<float>(), v => v != 0);
        Assert.True(p.IsLeaf);
    }
}
