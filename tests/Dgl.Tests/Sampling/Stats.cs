namespace Dgl.Tests.Sampling;

/// <summary>
/// Goodness-of-fit for the sampling tests: Pearson's chi-square statistic and its p-value from the regularised
/// upper incomplete gamma function Q(k/2, x/2) (series below a+1, Lentz continued fraction above; Lanczos log-gamma),
/// written here independently of the code under test and checked against table values in <see cref="StatsTests"/>.
/// </summary>
internal static class Stats
{
    /// <summary>The p-value below which a sampling test fails (fixed before looking at any result).</summary>
    public const double Alpha = 1e-3;

    /// <summary>Pearson's statistic of observed counts against expected probabilities (which sum to 1).</summary>
    public static (double Statistic, int Dof) ChiSquare(IReadOnlyList<long> observed, IReadOnlyList<double> probabilities)
    {
        Assert.Equal(observed.Count, probabilities.Count);
        var n = observed.Sum();
        double stat = 0;
        var cells = 0;
        for (var i = 0; i < observed.Count; i++)
        {
            var e = n * probabilities[i];
            if (e == 0)
            {
                Assert.True(observed[i] == 0, $"cell {i} has probability 0 but was observed {observed[i]} times");
                continue;
            }
            stat += (observed[i] - e) * (observed[i] - e) / e;
            cells++;
        }
        return (stat, cells - 1);
    }

    /// <summary>P(χ²_dof ≥ statistic).</summary>
    public static double PValue(double statistic, int dof) => GammaQ(dof / 2.0, statistic / 2.0);

    /// <summary>Asserts that the counts fit the probabilities at level <see cref="Alpha"/>.</summary>
    public static void AssertFits(IReadOnlyList<long> observed, IReadOnlyList<double> probabilities, string what)
    {
        var (stat, dof) = ChiSquare(observed, probabilities);
        var p = PValue(stat, dof);
        Assert.True(p > Alpha, $"{what}: chi-square {stat:F2} with {dof} degrees of freedom, p = {p:E2} <= {Alpha}; observed [{string.Join(", ", observed)}]");
    }

    /// <summary>Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a).</summary>
    public static double GammaQ(double a, double x)
    {
        if (x <= 0) return 1;
        var logPrefix = -x + a * Math.Log(x) - LogGamma(a);
        if (x < a + 1)
        {
            double ap = a, del = 1 / a, sum = del;
            for (var i = 0; i < 10000 && Math.Abs(del) > Math.Abs(sum) * 1e-16; i++)
            {
                ap++;
                del *= x / ap;
                sum += del;
            }
            return 1 - sum * Math.Exp(logPrefix);
        }
        const double tiny = 1e-300;
        var b = x + 1 - a;
        var c = 1 / tiny;
        var d = 1 / b;
        var h = d;
        for (var i = 1; i < 10000; i++)
        {
            var an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < tiny) d = tiny;
            c = b + an / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(logPrefix) * h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, 9 terms).</summary>
    public static double LogGamma(double x)
    {
        double[] coef =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        var sum = coef[0];
        for (var i = 1; i < 9; i++) sum += coef[i] / (x + i);
        var t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}

public class StatsTests
{
    [Theory]
    // Upper 5% and 1% points of the chi-square distribution (standard tables).
    [InlineData(3.841, 1, 0.05)]
    [InlineData(6.635, 1, 0.01)]
    [InlineData(18.307, 10, 0.05)]
    [InlineData(23.685, 14, 0.05)]
    [InlineData(29.141, 14, 0.01)]
    [InlineData(124.342, 100, 0.05)]
    public void PValueMatchesTables(double statistic, int dof, double p) =>
        Assert.Equal(p, Stats.PValue(statistic, dof), 3);

    [Fact]
    public void LogGammaMatchesFactorials()
    {
        Assert.Equal(Math.Log(24), Stats.LogGamma(5), 12);
        Assert.Equal(Math.Log(Math.Sqrt(Math.PI)), Stats.LogGamma(0.5), 12);
    }
}
