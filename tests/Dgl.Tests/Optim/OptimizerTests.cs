using Dgl.Nn;
using Dgl.Optim;
using Dgl.Tensors.IO;

namespace Dgl.Tests.Optim;

public class OptimizerTests
{
    // 37 elements: Vector512 (8 doubles / 16 floats), Vector256 and scalar tail paths all run.
    private const int Size = 37;

    private static double Grad(int step, int i) => Math.Sin(0.7 * i + 1.3 * step) * (1 + 0.1 * i) + (i % 5 == 0 ? 0.5 : 0);

    private static double Init(int i) => Math.Cos(0.3 * i) - 0.2;

    /// <summary>Runs <paramref name="steps"/> steps of <paramref name="make"/>'s optimizer on a parameter with scripted gradients.</summary>
    private static double[] RunOurs(Func<Tensor[], Optimizer> make, int steps, DType dtype = DType.Float64)
    {
        var p = new Parameter(Tensor.From(Enumerable.Range(0, Size).Select(Init).ToArray()).To(dtype));
        var opt = make([p]);
        for (var s = 1; s <= steps; s++)
        {
            p.Grad = Tensor.From(Enumerable.Range(0, Size).Select(i => Grad(s, i)).ToArray()).To(dtype);
            opt.Step();
        }
        return p.To(DType.Float64).ToArray<double>();
    }

    private static void AssertClose(double[] expected, double[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    // ---- references: PyTorch 1.13's documented update equations, element by element in double ----

    private static double[] RefSgd(int steps, double lr, double mom, double damp, double wd, bool nesterov)
    {
        var p = Enumerable.Range(0, Size).Select(Init).ToArray();
        var b = new double[Size];
        for (var s = 1; s <= steps; s++)
        {
            for (var i = 0; i < Size; i++)
            {
                var d = Grad(s, i) + wd * p[i];
                if (mom != 0)
                {
                    b[i] = s == 1 ? d : mom * b[i] + (1 - damp) * d;
                    d = nesterov ? d + mom * b[i] : b[i];
                }
                p[i] -= lr * d;
            }
        }
        return p;
    }

    private static double[] RefAdam(int steps, double lr, double b1, double b2, double eps, double wd, bool amsgrad, bool decoupled)
    {
        var p = Enumerable.Range(0, Size).Select(Init).ToArray();
        var m = new double[Size];
        var v = new double[Size];
        var vmax = new double[Size];
        for (var t = 1; t <= steps; t++)
        {
            for (var i = 0; i < Size; i++)
            {
                var g = Grad(t, i);
                if (decoupled) p[i] *= 1 - lr * wd;
                else g += wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                var vhat = v[i];
                if (amsgrad) vhat = vmax[i] = Math.Max(vmax[i], v[i]);
                var mHat = m[i] / (1 - Math.Pow(b1, t));
                var denom = Math.Sqrt(vhat) / Math.Sqrt(1 - Math.Pow(b2, t)) + eps;
                p[i] -= lr * mHat / denom;
            }
        }
        return p;
    }

    private static double[] RefAdagrad(int steps, double lr, double lrDecay, double wd, double init, double eps)
    {
        var p = Enumerable.Range(0, Size).Select(Init).ToArray();
        var sum = Enumerable.Repeat(init, Size).ToArray();
        for (var t = 1; t <= steps; t++)
        {
            var clr = lr / (1 + (t - 1) * lrDecay);
            for (var i = 0; i < Size; i++)
            {
                var g = Grad(t, i) + wd * p[i];
                sum[i] += g * g;
                p[i] -= clr * g / (Math.Sqrt(sum[i]) + eps);
            }
        }
        return p;
    }

    private static double[] RefRmsprop(int steps, double lr, double alpha, double eps, double wd, double mom, bool centered)
    {
        var p = Enumerable.Range(0, Size).Select(Init).ToArray();
        var sq = new double[Size];
        var ga = new double[Size];
        var b = new double[Size];
        for (var t = 1; t <= steps; t++)
        {
            for (var i = 0; i < Size; i++)
            {
                var g = Grad(t, i) + wd * p[i];
                sq[i] = alpha * sq[i] + (1 - alpha) * g * g;
                double avg;
                if (centered)
                {
                    ga[i] = alpha * ga[i] + (1 - alpha) * g;
                    avg = Math.Sqrt(sq[i] - ga[i] * ga[i]) + eps;
                }
                else
                {
                    avg = Math.Sqrt(sq[i]) + eps;
                }
                if (mom > 0)
                {
                    b[i] = mom * b[i] + g / avg;
                    p[i] -= lr * b[i];
                }
                else
                {
                    p[i] -= lr * g / avg;
                }
            }
        }
        return p;
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0, false)]
    [InlineData(0.9, 0.0, 0.0, false)]
    [InlineData(0.9, 0.1, 0.01, false)]
    [InlineData(0.8, 0.0, 0.05, true)]
    public void SgdMatchesReference(double mom, double damp, double wd, bool nesterov)
    {
        AssertClose(RefSgd(5, 0.1, mom, damp, wd, nesterov), RunOurs(p => new SGD(p, 0.1, mom, damp, wd, nesterov), 5), 1e-14);
        AssertClose(RefSgd(5, 0.1, mom, damp, wd, nesterov), RunOurs(p => new SGD(p, 0.1, mom, damp, wd, nesterov), 5, DType.Float32), 1e-5);
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.1, false)]
    [InlineData(0.0, true)]
    [InlineData(0.05, true)]
    public void AdamMatchesReference(double wd, bool amsgrad)
    {
        AssertClose(RefAdam(6, 0.05, 0.9, 0.999, 1e-8, wd, amsgrad, false), RunOurs(p => new Adam(p, 0.05, weightDecay: wd, amsgrad: amsgrad), 6), 1e-13);
        AssertClose(RefAdam(6, 0.05, 0.8, 0.99, 1e-6, wd, amsgrad, false), RunOurs(p => new Adam(p, 0.05, 0.8, 0.99, 1e-6, wd, amsgrad), 6, DType.Float32), 1e-5);
    }

    [Theory]
    [InlineData(0.01, false)]
    [InlineData(0.3, true)]
    public void AdamWDecouplesWeightDecay(double wd, bool amsgrad)
    {
        AssertClose(RefAdam(6, 0.05, 0.9, 0.999, 1e-8, wd, amsgrad, true), RunOurs(p => new AdamW(p, 0.05, weightDecay: wd, amsgrad: amsgrad), 6), 1e-13);
        AssertClose(RefAdam(6, 0.05, 0.9, 0.999, 1e-8, wd, amsgrad, true), RunOurs(p => new AdamW(p, 0.05, weightDecay: wd, amsgrad: amsgrad), 6, DType.Float32), 1e-5);
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0)]
    [InlineData(0.1, 0.01, 0.5)]
    public void AdagradMatchesReference(double lrDecay, double wd, double init)
    {
        AssertClose(RefAdagrad(5, 0.1, lrDecay, wd, init, 1e-10), RunOurs(p => new Adagrad(p, 0.1, lrDecay, wd, init), 5), 1e-14);
        AssertClose(RefAdagrad(5, 0.1, lrDecay, wd, init, 1e-10), RunOurs(p => new Adagrad(p, 0.1, lrDecay, wd, init), 5, DType.Float32), 1e-5);
    }

    [Theory]
    [InlineData(0.0, 0.0, false)]
    [InlineData(0.0, 0.9, false)]
    [InlineData(0.01, 0.0, true)]
    [InlineData(0.01, 0.5, true)]
    public void RmspropMatchesReference(double wd, double mom, bool centered)
    {
        AssertClose(RefRmsprop(5, 0.01, 0.9, 1e-8, wd, mom, centered), RunOurs(p => new RMSprop(p, 0.01, 0.9, 1e-8, wd, mom, centered), 5), 1e-13);
        AssertClose(RefRmsprop(5, 0.01, 0.9, 1e-8, wd, mom, centered), RunOurs(p => new RMSprop(p, 0.01, 0.9, 1e-8, wd, mom, centered), 5, DType.Float32), 1e-5);
    }

    /// <summary>Steps worked out by hand from the update equations.</summary>
    [Fact]
    public void HandComputedSteps()
    {
        static double[] Run(Func<Tensor[], Optimizer> make, double p0, double g, int steps)
        {
            var p = new Parameter(Tensor.From(new[] { p0 }));
            var opt = make([p]);
            var trace = new double[steps];
            for (var s = 0; s < steps; s++)
            {
                p.Grad = Tensor.From(new[] { g });
                opt.Step();
                trace[s] = p.Item<double>(0);
            }
            return trace;
        }

        // SGD, momentum 0.9: b = 1, 1.9 → p = -0.1, -0.29; Nesterov: d = 1.9, 2.71 → p = -0.19, -0.461.
        AssertClose([-0.1, -0.29], Run(p => new SGD(p, 0.1, 0.9), 0, 1, 2), 1e-15);
        AssertClose([-0.19, -0.461], Run(p => new SGD(p, 0.1, 0.9, nesterov: true), 0, 1, 2), 1e-15);
        // Adam's first step moves by lr·g/(|g| + ε): 1 − 0.1·0.5/(0.5 + 1e-8).
        AssertClose([1 - 0.1 * 0.5 / (0.5 + 1e-8)], Run(p => new Adam(p, 0.1), 1, 0.5, 1), 1e-15);
        // Adagrad with g = 2: s = 4, 8 → p = 1 − 0.1·2/2, then − 0.1·2/√8.
        AssertClose([1 - 0.1 * 2 / (2 + 1e-10), 1 - 0.1 * 2 / (2 + 1e-10) - 0.1 * 2 / (Math.Sqrt(8) + 1e-10)], Run(p => new Adagrad(p, 0.1), 1, 2, 2), 1e-15);
        // RMSprop α = 0.99, g = 1: s = 0.01 → p = 1 − 0.01/(0.1 + 1e-8).
        AssertClose([1 - 0.01 / (Math.Sqrt(0.01) + 1e-8)], Run(p => new RMSprop(p), 1, 1, 1), 1e-15);
    }

    [Fact]
    public void ParamGroupsHaveTheirOwnHyperParameters()
    {
        var a = new Parameter(Tensor.From(new[] { 1.0 }));
        var b = new Parameter(Tensor.From(new[] { 1.0 }));
        var opt = new SGD([new ParamGroup([a]), new ParamGroup([b]) { ["lr"] = 0.5 }], lr: 0.1);
        Assert.Equal(0.1, opt.ParamGroups[0].Lr);
        Assert.Equal(0.5, opt.ParamGroups[1].Lr);
        Assert.Equal(0.0, opt.ParamGroups[1]["momentum"]);
        a.Grad = Tensor.From(new[] { 1.0 });
        b.Grad = Tensor.From(new[] { 1.0 });
        opt.Step();
        Assert.Equal(0.9, a.Item<double>(0), 15);
        Assert.Equal(0.5, b.Item<double>(0), 15);
        var ex = Assert.Throws<ArgumentException>(() => new SGD([new ParamGroup([a]) { ["betas"] = 1 }], lr: 0.1));
        Assert.Contains("'betas'", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SGD([new ParamGroup([a]), new ParamGroup([a])], lr: 0.1));
        Assert.Throws<ArgumentException>(() => new SGD([a * 2], lr: 0.1));   // not a leaf
        Assert.Throws<ArgumentException>(() => new SGD([a], lr: 0.1, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([a], beta1: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([a], lr: -1));
        Assert.Throws<KeyNotFoundException>(() => opt.ParamGroups[0]["nope"]);
    }

    [Fact]
    public void StepSkipsParametersWithoutGradientsAndZeroGradClears()
    {
        var a = new Parameter(Tensor.From(new[] { 1.0, 2.0 }));
        var b = new Parameter(Tensor.From(new[] { 3.0 }));
        var opt = new Adam([a, b]);
        a.Grad = Tensor.From(new[] { 1.0, 1.0 });
        opt.Step();
        Assert.Equal(3.0, b.Item<double>(0));
        Assert.Null(opt.StateOf(b));
        Assert.Equal(1, opt.StateOf(a)!.Step);
        var g = a.Grad;
        opt.ZeroGrad(setToNone: false);
        Assert.Same(g, a.Grad);
        Assert.Equal([0.0, 0.0], a.Grad!.ToArray<double>());
        opt.ZeroGrad();
        Assert.Null(a.Grad);
    }

    [Fact]
    public void StepDoesNotAllocateOnceStateExists()
    {
        var model = new Sequential(new Linear(8, 8, generator: new Generator(1)), new ReLU(), new Linear(8, 2, generator: new Generator(2)));
        foreach (var make in new Func<IEnumerable<Tensor>, Optimizer>[]
        {
            p => new Adam(p, amsgrad: true), p => new AdamW(p), p => new SGD(p, 0.1, 0.9, nesterov: true), p => new Adagrad(p), p => new RMSprop(p, momentum: 0.5, centered: true),
        })
        {
            var opt = make(model.Parameters());
            foreach (var p in model.Parameters()) p.Grad = Tensor.OnesLike(p);
            for (var i = 0; i < 3; i++) opt.Step();
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10; i++) opt.Step();
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before == 0, $"{opt.GetType().Name} allocated {GC.GetAllocatedBytesForCurrentThread() - before} bytes in 10 steps");
        }
    }

    [Fact]
    public void StateDictRoundTripResumesBitForBit()
    {
        static (Sequential Model, Adam Opt) Make()
        {
            var m = new Sequential(new Linear(3, 5, generator: new Generator(1)), new ReLU(), new Linear(5, 2, generator: new Generator(2)));
            return (m, new Adam(m.Parameters(), lr: 0.01, amsgrad: true));
        }

        var x = Tensor.Uniform([16, 3], -1, 1, generator: new Generator(3));
        var y = Tensor.RandInt(0, 2, [16], generator: new Generator(4));
        void Train(Sequential m, Optimizer o, int steps)
        {
            for (var i = 0; i < steps; i++)
            {
                o.ZeroGrad();
                F.CrossEntropy(m.Forward(x), y).Backward();
                o.Step();
            }
        }

        var (m1, o1) = Make();
        Train(m1, o1, 3);
        var path = Path.Combine(Path.GetTempPath(), $"dgl-optim-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Save(o1.StateDict(), path);
            var (m2, o2) = Make();
            m2.LoadStateDict(m1.StateDict());
            o2.LoadStateDict(SafeTensors.Load(path));
            Assert.Equal(3, o2.StateOf(m2.Parameters().First())!.Step);
            Train(m1, o1, 4);
            Train(m2, o2, 4);
            foreach (var (name, t) in m1.StateDict())
                Assert.Equal(t.ToArray<float>(), m2.StateDict()[name].ToArray<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void StateDictLayoutAndMismatchErrors()
    {
        var a = new Parameter(Tensor.Zeros(2, 3));
        var b = new Parameter(Tensor.Zeros(4));
        var opt = new SGD([new ParamGroup([a]), new ParamGroup([b]) { ["lr"] = 0.5 }], lr: 0.1, momentum: 0.9);
        b.Grad = Tensor.Ones(4);
        opt.Step();
        var sd = opt.StateDict();
        Assert.Equal(0.5, sd["param_groups.1.lr"].Item<double>());
        Assert.Equal([1L], sd["param_groups.1.params"].ToArray<long>());
        Assert.Equal(1L, sd["state.1.step"].Item<long>());
        Assert.Equal([4], sd["state.1.momentum_buffer"].Shape.ToArray());
        Assert.False(sd.ContainsKey("state.0.step"));

        var other = new SGD([new Parameter(Tensor.Zeros(2, 3)), new Parameter(Tensor.Zeros(4))], lr: 0.1, momentum: 0.9);
        var ex = Assert.Throws<StateDictException>(() => other.LoadStateDict(sd));
        Assert.Contains("parameter group 0 has 1 parameters in the state dict but 2", ex.Message, StringComparison.Ordinal);
        var wrongShape = new SGD([new ParamGroup([new Parameter(Tensor.Zeros(2, 3))]), new ParamGroup([new Parameter(Tensor.Zeros(5))])], lr: 0.1, momentum: 0.9);
        ex = Assert.Throws<StateDictException>(() => wrongShape.LoadStateDict(sd));
        Assert.Contains("[4]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[5]", ex.Message, StringComparison.Ordinal);
    }
}
