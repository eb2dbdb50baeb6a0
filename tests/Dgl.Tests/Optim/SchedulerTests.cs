using Dgl.Nn;
using Dgl.Optim;

namespace Dgl.Tests.Optim;

public class SchedulerTests
{
    private static SGD Opt(params double[] lrs) =>
        new([.. lrs.Select(lr => new ParamGroup([new Parameter(Tensor.Zeros(1))]) { ["lr"] = lr })], lr: 1);

    private static List<double> Trace(LRScheduler s, int epochs, int group = 0)
    {
        var lrs = new List<double> { s.Optimizer.ParamGroups[group].Lr };
        for (var e = 1; e <= epochs; e++)
        {
            s.Step();
            lrs.Add(s.Optimizer.ParamGroups[group].Lr);
        }
        return lrs;
    }

    private static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tol = 1e-12)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * Math.Max(1, Math.Abs(expected[i])), $"epoch {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Fact]
    public void StepLRFollowsItsClosedForm()
    {
        var s = new StepLR(Opt(0.5, 2), stepSize: 3, gamma: 0.1);
        AssertClose([.. Enumerable.Range(0, 13).Select(e => 0.5 * Math.Pow(0.1, e / 3))], Trace(s, 12));
        Assert.Equal(2 * Math.Pow(0.1, 4), s.Optimizer.ParamGroups[1].Lr, 15);
        Assert.Equal(s.Optimizer.ParamGroups.Select(g => g.Lr), s.LastLr);
        Assert.Equal(12, s.LastEpoch);
    }

    [Fact]
    public void MultiStepLRCountsRepeatedMilestones()
    {
        var s = new MultiStepLR(Opt(1), [2, 5, 5, 9], gamma: 0.5);
        static int Passed(int e) => new[] { 2, 5, 5, 9 }.Count(m => m <= e);
        AssertClose([.. Enumerable.Range(0, 12).Select(e => Math.Pow(0.5, Passed(e)))], Trace(s, 11));
    }

    [Fact]
    public void ExponentialLRFollowsItsClosedForm()
    {
        AssertClose([.. Enumerable.Range(0, 21).Select(e => 0.1 * Math.Pow(0.9, e))], Trace(new ExponentialLR(Opt(0.1), 0.9), 20));
    }

    [Theory]
    [InlineData(10, 0.0)]
    [InlineData(7, 0.01)]
    [InlineData(1, 0.001)]
    public void CosineAnnealingFollowsItsClosedFormAcrossPeriods(int tMax, double etaMin)
    {
        var s = new CosineAnnealingLR(Opt(0.1), tMax, etaMin);
        var epochs = 3 * tMax + 2;
        AssertClose([.. Enumerable.Range(0, epochs + 1).Select(e => etaMin + (0.1 - etaMin) * (1 + Math.Cos(Math.PI * e / tMax)) / 2)], Trace(s, epochs), 1e-10);
    }

    [Fact]
    public void ChainableRulesCarryAHandSetRateForward()
    {
        var opt = Opt(1);
        var s = new StepLR(opt, stepSize: 2, gamma: 0.5);
        s.Step();
        opt.ParamGroups[0].Lr = 0.3;
        s.Step();   // epoch 2: 0.3·0.5
        Assert.Equal(0.15, opt.ParamGroups[0].Lr, 15);
    }

    [Fact]
    public void ReduceOnPlateauRelativeMinWithCooldownAndFloor()
    {
        var opt = Opt(1);
        var s = new ReduceLROnPlateau(opt, PlateauMode.Min, factor: 0.5, patience: 1, threshold: 0.1, cooldown: 1, minLr: 0.2);
        double[] metrics = [10, 9.5, 9.2, 8.0, 7.5, 7.4, 7.3, 7.3, 7.3, 7.3, 7.3, 7.3];
        double[] expected = [1, 1, .5, .5, .5, .25, .25, .25, .2, .2, .2, .2];
        for (var i = 0; i < metrics.Length; i++)
        {
            s.Step(metrics[i]);
            Assert.Equal(expected[i], opt.ParamGroups[0].Lr, 15);
        }
        Assert.Equal(8.0, s.Best);
    }

    [Fact]
    public void ReduceOnPlateauAbsoluteMaxPerGroupFloors()
    {
        var opt = Opt(1, 0.5);
        var s = new ReduceLROnPlateau(opt, PlateauMode.Max, factor: 0.1, patience: 0, threshold: 0.5, thresholdMode: ThresholdMode.Absolute, minLrs: [0, 0.04]);
        double[] metrics = [1, 1.4, 2, 2.2];
        double[][] expected = [[1, 0.5], [0.1, 0.05], [0.1, 0.05], [0.01, 0.04]];
        for (var i = 0; i < metrics.Length; i++)
        {
            s.Step(metrics[i]);
            AssertClose(expected[i], s.LastLr, 1e-15);
        }
        Assert.Throws<ArgumentException>(() => new ReduceLROnPlateau(opt, minLrs: [0.1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(opt, factor: 1));
    }
}

public class ClipGradTests
{
    private static Parameter WithGrad(double[] grad)
    {
        var p = new Parameter(Tensor.Zeros([grad.Length], DType.Float64));
        p.Grad = Tensor.From(grad);
        return p;
    }

    [Fact]
    public void ClipGradNormScalesByTheTotalNorm()
    {
        var a = WithGrad([3, 4]);
        var b = WithGrad([12]);
        var c = new Parameter(Tensor.Zeros(2));   // no gradient: skipped
        var total = Utils.ClipGradNorm([a, b, c], 6.5);
        Assert.Equal(13, total, 12);
        var coef = 6.5 / (13 + 1e-6);
        Assert.Equal([3 * coef, 4 * coef], a.Grad!.ToArray<double>());
        Assert.Equal(12 * coef, b.Grad!.Item<double>(0));

        var d = WithGrad([3, -4]);
        Assert.Equal(5, Utils.ClipGradNorm([d], 100), 12);
        Assert.Equal([3.0, -4.0], d.Grad!.ToArray<double>());   // coefficient clamped at 1

        Assert.Equal(12, Utils.ClipGradNorm([WithGrad([3, 4]), WithGrad([-12])], 1, double.PositiveInfinity), 12);
        Assert.Equal(19, Utils.ClipGradNorm([WithGrad([3, 4]), WithGrad([-12])], 100, 1), 12);
        Assert.Equal(Math.Pow(27 + 64 + 1728, 1.0 / 3), Utils.ClipGradNorm([WithGrad([3, 4]), WithGrad([-12])], 100, 3), 12);
        Assert.Equal(0, Utils.ClipGradNorm([c], 1));
        Assert.Throws<ArithmeticException>(() => Utils.ClipGradNorm([WithGrad([double.NaN])], 1, errorIfNonfinite: true));
    }

    [Fact]
    public void ClipGradValueClampsEachElement()
    {
        var a = WithGrad([-3, 0.5, 2, double.NaN]);
        Utils.ClipGradValue([a], 1);
        var g = a.Grad!.ToArray<double>();
        Assert.Equal([-1.0, 0.5, 1.0], g[..3]);
        Assert.True(double.IsNaN(g[3]));
    }
}
