using Dgl.Nn;
using Dgl.Tensors.Autograd;

namespace Dgl.Tests.Nn;

public class LossTests
{
    private static Tensor Rand(Shape shape, ulong seed, double lo = -2, double hi = 2) =>
        Tensor.Uniform(shape, lo, hi, DType.Float64, new Generator(seed));

    private static double[] V(Tensor t) => t.To(DType.Float64).ToArray<double>();

    /// <summary>PyTorch's documented cross entropy, written out naively for [N, C] logits and class ids.</summary>
    private static double[] ReferenceCrossEntropyRows(double[] x, int n, int c, long[] y, double[]? w, long ignore, double eps, out double weightSum)
    {
        var rows = new double[n];
        weightSum = 0;
        for (var r = 0; r < n; r++)
        {
            if (y[r] == ignore) continue;
            var max = double.NegativeInfinity;
            for (var j = 0; j < c; j++) max = Math.Max(max, x[r * c + j]);
            var z = 0.0;
            for (var j = 0; j < c; j++) z += Math.Exp(x[r * c + j] - max);
            double LogP(int j) => x[r * c + j] - max - Math.Log(z);
            var wy = w?[y[r]] ?? 1;
            var nll = -wy * LogP((int)y[r]);
            var smooth = 0.0;
            for (var j = 0; j < c; j++) smooth -= (w?[j] ?? 1) * LogP(j);
            rows[r] = (1 - eps) * nll + eps / c * smooth;
            weightSum += wy;
        }
        return rows;
    }

    [Fact]
    public void CrossEntropyHandComputedCase()
    {
        // -log softmax([1, 2, 3])[2] = log(1 + e^-1 + e^-2)
        var loss = F.CrossEntropy(Tensor.From(new double[] { 1, 2, 3 }, [1, 3]), Tensor.From(new long[] { 2 }));
        Assert.Equal(Math.Log(1 + Math.Exp(-1) + Math.Exp(-2)), loss.Item<double>(), 14);
        Assert.Equal(0, loss.Rank);
        // Uniform logits: log C.
        Assert.Equal(Math.Log(4), F.CrossEntropy(Tensor.Zeros(3, 4), Tensor.From(new long[] { 0, 1, 3 })).Item<float>(), 6);
    }

    [Theory]
    [InlineData(false, 0.0, Reduction.Mean)]
    [InlineData(true, 0.0, Reduction.Mean)]
    [InlineData(false, 0.2, Reduction.Mean)]
    [InlineData(true, 0.3, Reduction.Mean)]
    [InlineData(true, 0.3, Reduction.Sum)]
    [InlineData(false, 0.1, Reduction.None)]
    [InlineData(true, 0.0, Reduction.None)]
    public void CrossEntropyMatchesReferenceWithWeightsIgnoreAndSmoothing(bool weighted, double eps, Reduction reduction)
    {
        const int n = 7, c = 5;
        var x = Rand([n, c], 1, -3, 3);
        long[] y = [0, 4, -100, 2, 2, -100, 1];
        double[] w = [0.5, 2, 1, 3, 0.25];
        var weight = weighted ? Tensor.From(w) : null;
        var rows = ReferenceCrossEntropyRows(V(x), n, c, y, weighted ? w : null, -100, eps, out var wsum);
        var loss = F.CrossEntropy(x, Tensor.From(y), weight, reduction: reduction, labelSmoothing: eps);
        switch (reduction)
        {
            case Reduction.None:
                Assert.Equal([n], loss.Shape.ToArray());
                for (var r = 0; r < n; r++) Assert.Equal(rows[r], loss.Item<double>(r), 12);
                break;
            case Reduction.Sum:
                Assert.Equal(rows.Sum(), loss.Item<double>(), 12);
                break;
            default:
                Assert.Equal(rows.Sum() / wsum, loss.Item<double>(), 12);
                break;
        }

        var xg = x.Detach().RequireGrad();
        GradCheck.Assert(t => F.CrossEntropy(t[0], Tensor.From(y), weight, reduction: reduction, labelSmoothing: eps), [xg]);
    }

    [Fact]
    public void CrossEntropyFloat32AgreesWithDouble()
    {
        var x = Rand([64, 10], 3, -5, 5);
        var y = Tensor.RandInt(0, 10, [64], generator: new Generator(4));
        var d = F.CrossEntropy(x, y, labelSmoothing: 0.1).Item<double>();
        var f = F.CrossEntropy(x.Float(), y, labelSmoothing: 0.1).Item<float>();
        Assert.Equal(d, f, 5);
        var xf = x.Float().RequireGrad();
        F.CrossEntropy(xf, y, labelSmoothing: 0.1).Backward();
        var xd = x.Detach().RequireGrad();
        F.CrossEntropy(xd, y, labelSmoothing: 0.1).Backward();
        var gf = V(xf.Grad!);
        var gd = V(xd.Grad!);
        for (var i = 0; i < gd.Length; i++) Assert.Equal(gd[i], gf[i], 6);
    }

    [Fact]
    public void CrossEntropyOnSpatialInputsMovesTheClassDimension()
    {
        // [N, C, d] against the same data laid out as [N·d, C].
        const int n = 2, c = 3, d = 4;
        var x = Rand([n, c, d], 5);
        long[] y = [0, 1, 2, -100, 2, 2, 0, 1];
        var flat = new double[n * d * c];
        var xs = V(x);
        for (var i = 0; i < n; i++)
            for (var j = 0; j < d; j++)
                for (var k = 0; k < c; k++)
                    flat[(i * d + j) * c + k] = xs[(i * c + k) * d + j];
        var rows = ReferenceCrossEntropyRows(flat, n * d, c, y, null, -100, 0.2, out var wsum);
        var loss = F.CrossEntropy(x, Tensor.From(y, [n, d]), labelSmoothing: 0.2, reduction: Reduction.None);
        Assert.Equal([n, d], loss.Shape.ToArray());
        for (var r = 0; r < n * d; r++) Assert.Equal(rows[r], V(loss)[r], 12);
        Assert.Equal(rows.Sum() / wsum, F.CrossEntropy(x, Tensor.From(y, [n, d]), labelSmoothing: 0.2).Item<double>(), 12);
        var xg = x.Detach().RequireGrad();
        var weight = Tensor.From(new double[] { 1, 2, 0.5 });
        GradCheck.Assert(t => F.CrossEntropy(t[0], Tensor.From(y, [n, d]), weight, labelSmoothing: 0.2), [xg]);
        // A single sample of shape [C] with a scalar target.
        var one = Rand([c], 6).RequireGrad();
        GradCheck.Assert(t => F.CrossEntropy(t[0], Tensor.Scalar(2, DType.Int64)), [one]);
    }

    [Theory]
    [InlineData(false, 0.0, Reduction.Mean)]
    [InlineData(true, 0.25, Reduction.Mean)]
    [InlineData(true, 0.0, Reduction.None)]
    [InlineData(false, 0.1, Reduction.Sum)]
    public void CrossEntropyWithProbabilityTargets(bool weighted, double eps, Reduction reduction)
    {
        const int n = 4, c = 3;
        var x = Rand([n, c], 7);
        var p = Rand([n, c], 8, 0, 1);
        double[] w = [2, 0.5, 1];
        var xs = V(x);
        var ps = V(p);
        var rows = new double[n];
        for (var r = 0; r < n; r++)
        {
            var z = 0.0;
            for (var j = 0; j < c; j++) z += Math.Exp(xs[r * c + j]);
            for (var j = 0; j < c; j++)
                rows[r] -= (weighted ? w[j] : 1) * ((1 - eps) * ps[r * c + j] + eps / c) * (xs[r * c + j] - Math.Log(z));
        }
        var weight = weighted ? Tensor.From(w) : null;
        var loss = F.CrossEntropy(x, p, weight, reduction: reduction, labelSmoothing: eps);
        var expected = reduction switch { Reduction.None => rows, Reduction.Sum => [rows.Sum()], _ => [rows.Sum() / n] };
        var got = V(loss);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got[i], 12);
        GradCheck.Assert(t => F.CrossEntropy(t[0], t[1], weight, reduction: reduction, labelSmoothing: eps), [x.RequireGrad(), p.RequireGrad()]);
    }

    [Fact]
    public void NllLossMatchesReferenceAndGradChecks()
    {
        var logp = Rand([5, 4], 9, -3, 0);
        long[] y = [3, 0, -1, 1, 1];
        double[] w = [1, 2, 3, 4];
        var lv = V(logp);
        double total = 0, wsum = 0;
        for (var r = 0; r < 5; r++)
        {
            if (y[r] == -1) continue;
            total -= w[y[r]] * lv[r * 4 + y[r]];
            wsum += w[y[r]];
        }
        var weight = Tensor.From(w);
        Assert.Equal(total / wsum, F.NllLoss(logp, Tensor.From(y), weight, ignoreIndex: -1).Item<double>(), 12);
        Assert.Equal(total, F.NllLoss(logp, Tensor.From(y).Int(), weight, ignoreIndex: -1, reduction: Reduction.Sum).Item<double>(), 12);
        GradCheck.Assert(t => F.NllLoss(t[0], Tensor.From(y), weight, ignoreIndex: -1), [logp.RequireGrad()]);
        GradCheck.Assert(t => F.NllLoss(t[0], Tensor.From(y), ignoreIndex: -1, reduction: Reduction.None), [logp]);
    }

    [Fact]
    public void AllIgnoredMeanIsNaNAsInPyTorch()
    {
        Assert.True(double.IsNaN(F.CrossEntropy(Rand([2, 3], 1), Tensor.From(new long[] { -100, -100 })).Item<double>()));
    }

    [Fact]
    public void ClassificationErrorsNameTheProblem()
    {
        var x = Tensor.Zeros(3, 4);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => F.CrossEntropy(x, Tensor.From(new long[] { 0, 4, 1 })));
        Assert.Contains("target 4 at position 1", ex.Message, StringComparison.Ordinal);
        var shape = Assert.Throws<TensorShapeException>(() => F.CrossEntropy(x, Tensor.From(new long[] { 0, 1 })));
        Assert.Contains("[2]", shape.Message, StringComparison.Ordinal);
        Assert.Contains("[3]", shape.Message, StringComparison.Ordinal);
        Assert.Throws<TensorShapeException>(() => F.CrossEntropy(x, Tensor.From(new long[] { 0, 1, 2 }), Tensor.Ones(3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => F.CrossEntropy(x, Tensor.From(new long[] { 0, 1, 2 }), labelSmoothing: 1.5));
        Assert.Throws<ArgumentException>(() => F.CrossEntropy(x, Tensor.Zeros(3, 4), ignoreIndex: 0));
        Assert.Throws<TensorDTypeException>(() => F.NllLoss(x, Tensor.Zeros(3)));
    }

    [Fact]
    public void BceWithLogitsMatchesTheDefinitionAndIsStable()
    {
        var x = Rand([3, 2], 10, -4, 4);
        var t = Rand([3, 2], 11, 0, 1);
        var w = Tensor.From(new double[] { 1, 3 });
        var pw = Tensor.From(new double[] { 2, 0.5 });
        var xs = V(x);
        var ts = V(t);
        var total = 0.0;
        for (var i = 0; i < 6; i++)
        {
            var s = 1 / (1 + Math.Exp(-xs[i]));
            total += -(i % 2 == 0 ? 1 : 3) * ((i % 2 == 0 ? 2 : 0.5) * ts[i] * Math.Log(s) + (1 - ts[i]) * Math.Log(1 - s));
        }
        Assert.Equal(total / 6, F.BinaryCrossEntropyWithLogits(x, t, w, pw).Item<double>(), 12);
        GradCheck.Assert(a => F.BinaryCrossEntropyWithLogits(a[0], a[1], w, pw), [x.RequireGrad(), t.RequireGrad()]);
        GradCheck.Assert(a => F.BinaryCrossEntropyWithLogits(a[0], a[1], reduction: Reduction.None), [x, t]);
        // Large logits: no overflow, exact limits.
        var big = F.BinaryCrossEntropyWithLogits(Tensor.From(new float[] { 200, -200 }), Tensor.From(new float[] { 1, 0 }), reduction: Reduction.None);
        Assert.Equal([0f, 0f], big.ToArray<float>());
        var wrong = F.BinaryCrossEntropyWithLogits(Tensor.From(new float[] { 200 }), Tensor.From(new float[] { 0 }));
        Assert.Equal(200f, wrong.Item<float>(), 3);
        Assert.Throws<TensorShapeException>(() => F.BinaryCrossEntropyWithLogits(x, t, Tensor.Ones([3], DType.Float64)));
    }

    [Fact]
    public void RegressionLossesMatchTheirDefinitions()
    {
        var x = Tensor.From(new double[] { 0.5, -2, 3, 0.1 });
        var y = Tensor.From(new double[] { 0, 1, 1, 0.3 });
        // d = 0.5, -3, 2, -0.2
        Assert.Equal((0.25 + 9 + 4 + 0.04) / 4, F.MseLoss(x, y).Item<double>(), 14);
        Assert.Equal(0.5 + 3 + 2 + 0.2, F.L1Loss(x, y, Reduction.Sum).Item<double>(), 14);
        // beta = 1: 0.125, 2.5, 1.5, 0.02
        Assert.Equal([0.125, 2.5, 1.5, 0.02], V(F.SmoothL1Loss(x, y, Reduction.None)).Select(v => Math.Round(v, 12)).ToArray());
        // beta = 0 is L1.
        Assert.Equal(F.L1Loss(x, y).Item<double>(), F.SmoothL1Loss(x, y, beta: 0).Item<double>(), 14);
        foreach (var f in new Func<Tensor[], Tensor>[]
        {
            a => F.MseLoss(a[0], a[1]),
            a => F.L1Loss(a[0], a[1], Reduction.Sum),
            a => F.SmoothL1Loss(a[0], a[1], Reduction.None, 0.5),
            a => F.SmoothL1Loss(a[0], a[1], beta: 3),
        })
        {
            GradCheck.Assert(f, [x.Detach().RequireGrad(), y.Detach().RequireGrad()]);
        }
        Assert.Throws<TensorShapeException>(() => F.MseLoss(Tensor.Zeros(3), Tensor.Zeros(3, 1)));
    }

    [Fact]
    public void KinksFollowPyTorchsSubgradients()
    {
        var x = Tensor.From(new double[] { 0, 1 }).RequireGrad();
        F.SmoothL1Loss(x, Tensor.Zeros([2], DType.Float64), Reduction.Sum).Backward();
        Assert.Equal([0.0, 1.0], x.Grad!.ToArray<double>());   // |d| = beta takes the linear branch
        x.Grad = null;
        F.L1Loss(x, Tensor.Zeros([2], DType.Float64), Reduction.Sum).Backward();
        Assert.Equal([0.0, 1.0], x.Grad!.ToArray<double>());
        var a = Tensor.From(new double[] { 1 }).RequireGrad();
        var b = Tensor.From(new double[] { 1 }).RequireGrad();
        F.MarginRankingLoss(a, b, Tensor.From(new double[] { 1 })).Backward();
        Assert.Equal(-1.0, a.Grad!.Item<double>(0));   // hinge at exactly 0 passes the gradient
        Assert.Equal(1.0, b.Grad!.Item<double>(0));
    }

    [Fact]
    public void MarginRankingLossMatchesDefinition()
    {
        var a = Tensor.From(new double[] { 1, 2, -1, 0.3 });
        var b = Tensor.From(new double[] { 2, 0.5, 1, 0.1 });
        var y = Tensor.From(new double[] { 1, 1, -1, -1 });
        // margin 0.5: max(0, -y(a-b)+0.5) = 1.5, 0, 0, 0.7
        Assert.Equal((1.5 + 0.7) / 4, F.MarginRankingLoss(a, b, y, 0.5).Item<double>(), 14);
        Assert.Equal([1.5, 0, 0, 0.7], V(F.MarginRankingLoss(a, b, y, 0.5, Reduction.None)).Select(v => Math.Round(v, 12)).ToArray());
        GradCheck.Assert(t => F.MarginRankingLoss(t[0], t[1], t[2], 0.5), [a.RequireGrad(), b.RequireGrad(), y.RequireGrad()]);
    }

    [Fact]
    public void LossModulesWrapTheFunctions()
    {
        var x = Rand([4, 3], 12);
        var y = Tensor.From(new long[] { 0, 2, 1, 1 });
        var w = Tensor.From(new double[] { 1, 2, 3 });
        Assert.Equal(F.CrossEntropy(x, y, w, labelSmoothing: 0.1).Item<double>(),
            new CrossEntropyLoss(w, labelSmoothing: 0.1).Forward(x, y).Item<double>());
        Assert.Equal(F.MseLoss(x, x * 2).Item<double>(), new MseLoss().Forward(x, x * 2).Item<double>());
        Assert.Equal("CrossEntropyLoss(ignoreIndex=-100, reduction=Mean, labelSmoothing=0.1)", new CrossEntropyLoss(labelSmoothing: 0.1).ToString());
        Assert.Equal(["weight"], new CrossEntropyLoss(w).StateDict().Keys.ToArray());
    }
}
