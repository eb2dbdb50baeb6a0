using Dgl.Nn;
using Dgl.Tensors.Autograd;

namespace Dgl.Tests.Nn;

public class LinearTests
{
    [Theory]
    [InlineData(4, 3, 5, true)]
    [InlineData(1, 7, 2, false)]
    [InlineData(33, 17, 9, true)]
    public void ForwardMatchesNaiveLoop(int rows, int inF, int outF, bool bias)
    {
        var gen = new Generator(7);
        var lin = new Linear(inF, outF, bias, generator: gen);
        var x = Tensor.Uniform([rows, inF], -2, 2, generator: gen);
        var y = lin.Forward(x);
        Assert.Equal([rows, outF], y.Shape.ToArray());
        var xv = x.ToArray<float>();
        var w = lin.Weight.ToArray<float>();
        var b = lin.Bias?.ToArray<float>();
        for (var r = 0; r < rows; r++)
        {
            for (var o = 0; o < outF; o++)
            {
                double s = b?[o] ?? 0;
                for (var k = 0; k < inF; k++) s += (double)xv[r * inF + k] * w[o * inF + k];
                Assert.Equal(s, y.Item<float>(r, o), 4);
            }
        }
    }

    [Fact]
    public void AddendIsAddedAndGetsTheOutputGradient()
    {
        var gen = new Generator(3);
        var x = Tensor.Uniform([5, 3], -1, 1, DType.Float64, gen).RequireGrad();
        var w = Tensor.Uniform([4, 3], -1, 1, DType.Float64, gen).RequireGrad();
        var b = Tensor.Uniform([4], -1, 1, DType.Float64, gen).RequireGrad();
        var r = Tensor.Uniform([5, 4], -1, 1, DType.Float64, gen).RequireGrad();
        // Against the naive double loop: y = x·Wᵀ + b + r, with and without the bias.
        var y = F.Linear(x, w, b, r);
        var yNoBias = F.Linear(x, w, null, r);
        var (xv, wv, bv, rv) = (x.ToArray<double>(), w.ToArray<double>(), b.ToArray<double>(), r.ToArray<double>());
        for (var i = 0; i < 5; i++)
        {
            for (var o = 0; o < 4; o++)
            {
                var s = rv[i * 4 + o];
                for (var k = 0; k < 3; k++) s += xv[i * 3 + k] * wv[o * 3 + k];
                Assert.Equal(s, yNoBias.Item<double>(i, o), 12);
                Assert.Equal(s + bv[o], y.Item<double>(i, o), 12);
            }
        }
        GradCheck.Assert(t => F.Linear(t[0], t[1], t[2], t[3]), [x, w, b, r]);
        GradCheck.Assert(t => F.Linear(t[0], t[1], null, t[2]), [x, w, r]);
        var e = Assert.Throws<TensorShapeException>(() => F.Linear(x, w, b, Tensor.Zeros([5, 3], DType.Float64)));
        Assert.Contains("[5, 3]", e.Message, StringComparison.Ordinal);
        Assert.Contains("[5, 4]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GradCheckAllInputsIncludingBatchDims()
    {
        var gen = new Generator(1);
        var x = Tensor.Uniform([2, 3, 4], -1, 1, DType.Float64, gen).RequireGrad();
        var w = Tensor.Uniform([5, 4], -1, 1, DType.Float64, gen).RequireGrad();
        var b = Tensor.Uniform([5], -1, 1, DType.Float64, gen).RequireGrad();
        GradCheck.Assert(t => F.Linear(t[0], t[1], t[2]), [x, w, b]);
        GradCheck.Assert(t => F.Linear(t[0], t[1]), [x, w]);
        // Only some inputs requiring grad.
        var xc = Tensor.Uniform([3, 4], -1, 1, DType.Float64, gen);
        GradCheck.Assert(t => F.Linear(t[0], t[1], t[2]), [xc, w, b]);
    }

    [Fact]
    public void BadShapesNameEveryShape()
    {
        var ex = Assert.Throws<TensorShapeException>(() => F.Linear(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)));
        Assert.Contains("[2, 3]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[4, 5]", ex.Message, StringComparison.Ordinal);
        var ex2 = Assert.Throws<TensorShapeException>(() => F.Linear(Tensor.Zeros(2, 3), Tensor.Zeros(4, 3), Tensor.Zeros(5)));
        Assert.Contains("[5]", ex2.Message, StringComparison.Ordinal);
        Assert.Throws<TensorDTypeException>(() => F.Linear(Tensor.Zeros(2, 3), Tensor.Zeros([4, 3], DType.Float64)));
    }

    [Fact]
    public void DefaultInitIsUniformWithinOneOverSqrtFanIn()
    {
        var lin = new Linear(100, 50, generator: new Generator(3));
        var bound = 1 / Math.Sqrt(100);
        var w = lin.Weight.ToArray<float>();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.All(lin.Bias!.ToArray<float>(), v => Assert.InRange(v, -bound, bound));
        // Uniform on (−b, b) has variance b²/3.
        var mean = w.Average(v => (double)v);
        var variance = w.Average(v => (v - mean) * (v - mean));
        Assert.InRange(variance, bound * bound / 3 * 0.9, bound * bound / 3 * 1.1);
        Assert.InRange(w.Max(), bound * 0.95, bound);
    }
}

public class LinearGradientAccumulationTests
{
    [Fact]
    public void GradientsAccumulateAcrossBackwardPassesAndSharedUse()
    {
        var gen = new Generator(2);
        var lin = new Linear(4, 3, dtype: DType.Float64, generator: gen);
        var x = Tensor.Uniform([5, 4], -1, 1, DType.Float64, gen);
        lin.Forward(x).Sum().Backward();
        var once = lin.Weight.Grad!.ToArray<double>();
        var onceBias = lin.Bias!.Grad!.ToArray<double>();
        var gradTensor = lin.Weight.Grad;
        lin.Forward(x).Sum().Backward();
        Assert.Same(gradTensor, lin.Weight.Grad);   // accumulated in place
        Assert.Equal(once.Select(v => 2 * v).ToArray(), lin.Weight.Grad!.ToArray<double>());
        Assert.Equal(onceBias.Select(v => 2 * v).ToArray(), lin.Bias.Grad!.ToArray<double>());

        // dW of sum(x·Wᵀ + b) is Σ_rows x, the same for every output row; db is the row count.
        var colSums = new double[4];
        for (var r = 0; r < 5; r++) for (var k = 0; k < 4; k++) colSums[k] += x.Item<double>(r, k);
        for (var o = 0; o < 3; o++) for (var k = 0; k < 4; k++) Assert.Equal(colSums[k], once[o * 4 + k], 12);
        Assert.All(onceBias, v => Assert.Equal(5.0, v, 12));

        // The same layer applied twice (weight sharing): gradient-checked through both uses.
        var shared = new Linear(3, 3, dtype: DType.Float64, generator: gen);
        var z = Tensor.Uniform([2, 3], -1, 1, DType.Float64, gen);
        Dgl.Tensors.Autograd.GradCheck.Assert(_ => shared.Forward(shared.Forward(z).Relu()), [shared.Weight, shared.Bias!]);
    }
}
