using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvTestSupport;

namespace Dgl.Tests.Nn.Conv;

using Graph = Dgl.Graph;

public class GINEConvTests
{
    [Fact]
    public void HandComputedOnFourNodes()
    {
        var x = Tensor.From(new double[] { 1, 2, 3, 4 }, new Shape(4, 1));
        var e = Tensor.From(new double[] { -1, 1, -5, 2, 0, 1 }, new Shape(6, 1));
        // node 0 ← relu(3 − 5) + relu(4 + 2); node 1 ← relu(1 − 1); node 2 ← relu(2 + 1) + relu(1 + 0) + relu(3 + 1); node 3 ← none.
        Close([1 + 0 + 6, 2 + 0, 3 + 3 + 1 + 4, 4], D(new GINEConv().Forward(Four(), x, e)));
        Close([1.5 + 6, 3, 4.5 + 8, 6], D(new GINEConv(initEps: 0.5).Forward(Four(), x, e)));
    }

    [Fact]
    public void GradientsShapesAndErrors()
    {
        var g = Random(6, 9, 1);
        var mlp = new Linear(3, 2, dtype: DType.Float64, generator: new Generator(2));
        var conv = new GINEConv(mlp, 0.2, learnEps: true, dtype: DType.Float64);
        var x = Rand(3, 6, 3).RequireGrad();
        var e = Rand(4, g.NumEdges(), 3).RequireGrad();
        GradCheck.Assert(t => conv.Forward(g, t[0], t[1]), [x, e, conv.Eps, mlp.Weight]);
        Assert.Equal(new Shape(3, 3), new GINEConv().Forward(Block(), Rand(5, 5, 3), Rand(6, 7, 3)).Shape);
        Assert.Equal(new Shape(3, 3), new GINEConv().Forward(Bipartite(), (Rand(7, 4, 3), Rand(8, 3, 3)), Rand(9, 4, 3)).Shape);
        Assert.Throws<TensorShapeException>(() => new GINEConv().Forward(g, x, Rand(1, 3, 3)));
        conv.Eps.AsSpan<double>()[0] = 9;
        conv.ResetParameters();
        Assert.Equal(0.2, conv.Eps.ToDouble());
    }
}

public class EdgeConvTests
{
    private static EdgeConv Scalar(double a, double b, double c, double d, bool allowZero = false)
    {
        var conv = new EdgeConv(1, 1, allowZeroInDegree: allowZero, dtype: DType.Float64);
        conv.Theta.Weight.AsSpan<double>()[0] = a;
        conv.Theta.Bias!.AsSpan<double>()[0] = b;
        conv.Phi.Weight.AsSpan<double>()[0] = c;
        conv.Phi.Bias!.AsSpan<double>()[0] = d;
        return conv;
    }

    [Fact]
    public void HandComputedOnFourNodes()
    {
        var x = Tensor.From(new double[] { 1, 2, 3, 4 }, new Shape(4, 1));
        // h_i = max_j 2(x_i − x_j) + 0.5 − x_i + 1 over node i's in-edges (node 3 has a self-loop here).
        Close([-4 + 0.5 - 1 + 1, 2 + 0.5 - 2 + 1, 4 + 0.5 - 3 + 1, 0 + 0.5 - 4 + 1], D(Scalar(2, 0.5, -1, 1).Forward(FourWithLoop(), x)));
        // Without node 3's in-edge: DGL's error, or 0 there when allowed.
        var e = Assert.Throws<ArgumentException>(() => Scalar(2, 0.5, -1, 1).Forward(Four(), x));
        Assert.Contains("There are 0-in-degree nodes in the graph", e.Message, StringComparison.Ordinal);
        Assert.Contains("allowZeroInDegree", e.Message, StringComparison.Ordinal);
        Close([-3.5, 1.5, 2.5, 0], D(Scalar(2, 0.5, -1, 1, allowZero: true).Forward(Four(), x)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatchesPerEdgeReference(bool batchNorm)
    {
        var g = Random(7, 14, 3);
        var conv = new EdgeConv(3, 4, batchNorm, dtype: DType.Float64, generator: new Generator(4));
        var x = Rand(5, 7, 3);
        var h = D(conv.Forward(g, x));
        var xs = D(x);
        var tw = D(conv.Theta.Weight);
        var tb = D(conv.Theta.Bias!);
        var pw = D(conv.Phi.Weight);
        var pb = D(conv.Phi.Bias!);
        var (s, d) = g.AllEdges("eid");
        var src = s.ToArray<int>();
        var dst = d.ToArray<int>();
        var m = new double[src.Length, 4];
        for (var k = 0; k < src.Length; k++)
            for (var o = 0; o < 4; o++)
            {
                double v = tb[o] + pb[o];
                for (var i = 0; i < 3; i++) v += tw[o * 3 + i] * (xs[dst[k] * 3 + i] - xs[src[k] * 3 + i]) + pw[o * 3 + i] * xs[dst[k] * 3 + i];
                m[k, o] = v;
            }
        if (batchNorm)
        {
            for (var o = 0; o < 4; o++)
            {
                var col = Enumerable.Range(0, src.Length).Select(k => m[k, o]).ToArray();
                var mean = col.Average();
                var variance = col.Select(v => (v - mean) * (v - mean)).Average();
                for (var k = 0; k < src.Length; k++) m[k, o] = (m[k, o] - mean) / Math.Sqrt(variance + 1e-5);
            }
        }
        var expected = new double[7 * 4];
        for (var v = 0; v < 7; v++)
            for (var o = 0; o < 4; o++)
                expected[v * 4 + o] = Enumerable.Range(0, src.Length).Where(k => dst[k] == v).Max(k => m[k, o]);
        Close(expected, h, 1e-9);
    }

    [Fact]
    public void GradientsBlocksAndBipartite()
    {
        var g = Random(5, 8, 6);
        var x = Rand(7, 5, 2).RequireGrad();
        foreach (var bn in new[] { false, true })
        {
            var conv = new EdgeConv(2, 3, bn, dtype: DType.Float64, generator: new Generator(8));
            GradCheck.Assert(t => conv.Forward(g, t[0]), [x, conv.Theta.Weight, conv.Theta.Bias!, conv.Phi.Weight, conv.Phi.Bias!]);
        }
        Assert.Equal(new Shape(3, 4), new EdgeConv(2, 4).Forward(Block(), Tensor.Ones(5, 2)).Shape);
        Assert.Equal(new Shape(3, 4), new EdgeConv(2, 4, allowZeroInDegree: true).Forward(Bipartite(), (Tensor.Ones(4, 2), Tensor.Ones(3, 2))).Shape);
    }
}

public class NNConvTests
{
    [Theory]
    [InlineData("sum")]
    [InlineData("mean")]
    [InlineData("max")]
    public void MatchesPerEdgeReference(string aggregator)
    {
        var g = Random(6, 10, 1);
        var edgeFunc = new Linear(2, 3 * 4, dtype: DType.Float64, generator: new Generator(2));
        var conv = new NNConv(3, 4, edgeFunc, aggregator, residual: true, dtype: DType.Float64, generator: new Generator(3));
        using (GradMode.NoGrad()) conv.Bias!.CopyFrom(Rand(4, 4));
        var x = Rand(5, 6, 3);
        var ef = Rand(6, g.NumEdges(), 2);
        var h = D(conv.Forward(g, x, ef));
        var w = D(edgeFunc.Forward(ef));   // [E, 3·4]
        var xs = D(x);
        var res = D(conv.ResFc!.Weight);
        var bias = D(conv.Bias!);
        var incoming = InEdges(g);
        var expected = new double[6 * 4];
        for (var v = 0; v < 6; v++)
            for (var o = 0; o < 4; o++)
            {
                double total = bias[o];
                for (var k = 0; k < 3; k++)
                {
                    var products = incoming[v].Select(p => xs[p.Src * 3 + k] * w[p.Edge * 12 + k * 4 + o]).ToArray();
                    total += products.Length == 0 ? 0 : aggregator switch { "sum" => products.Sum(), "mean" => products.Average(), _ => products.Max() };
                    total += xs[v * 3 + k] * res[o * 3 + k];
                }
                expected[v * 4 + o] = total;
            }
        Close(expected, h, 1e-9, aggregator);
    }

    [Fact]
    public void GradientsIdentityResidualAndShapes()
    {
        var g = Random(5, 7, 4);
        var edgeFunc = new Linear(2, 9, dtype: DType.Float64, generator: new Generator(5));
        var conv = new NNConv(3, 3, edgeFunc, "mean", residual: true, dtype: DType.Float64);
        Assert.Null(conv.ResFc);
        var x = Rand(6, 5, 3).RequireGrad();
        var ef = Rand(7, g.NumEdges(), 2).RequireGrad();
        GradCheck.Assert(t => conv.Forward(g, t[0], t[1]), [x, ef, edgeFunc.Weight, conv.Bias!]);
        Assert.Equal(new Shape(3, 3), conv.Forward(Block(), Rand(8, 5, 3), Rand(9, 7, 2)).Shape);
        Assert.Throws<TensorShapeException>(() => new NNConv(3, 4, new Linear(2, 5, dtype: DType.Float64), dtype: DType.Float64).Forward(g, x, ef));
        Assert.Throws<ArgumentException>(() => new NNConv(3, 4, edgeFunc, "lstm"));
    }
}

public class GMMConvTests
{
    [Fact]
    public void MatchesGaussianKernelReference()
    {
        var g = Random(6, 10, 2);
        var conv = new GMMConv(3, 2, dim: 2, nKernels: 3, aggregatorType: "mean", residual: true, dtype: DType.Float64, generator: new Generator(3));
        using (GradMode.NoGrad()) { conv.InvSigma.CopyFrom(Tensor.Uniform(new Shape(3, 2), 0.5, 1.5, DType.Float64, new Generator(4))); conv.Bias!.CopyFrom(Rand(5, 2)); }
        var x = Rand(6, 6, 3);
        var pseudo = Rand(7, g.NumEdges(), 2);
        var h = D(conv.Forward(g, x, pseudo));
        var fc = D(conv.Fc.Weight);   // [3·2, 3]
        var mu = D(conv.Mu);
        var sig = D(conv.InvSigma);
        var res = D(conv.ResFc!.Weight);
        var bias = D(conv.Bias!);
        var xs = D(x);
        var ps = D(pseudo);
        var expected = new double[6 * 2];
        foreach (var (v, list) in InEdges(g).Select((l, v) => (v, l)))
            for (var o = 0; o < 2; o++)
            {
                double total = bias[o];
                for (var k = 0; k < 3; k++)
                {
                    var msgs = list.Select(p =>
                    {
                        double q = 0;
                        for (var dd = 0; dd < 2; dd++) q += -0.5 * Math.Pow(ps[p.Edge * 2 + dd] - mu[k * 2 + dd], 2) * sig[k * 2 + dd] * sig[k * 2 + dd];
                        double hx = 0;
                        for (var i = 0; i < 3; i++) hx += fc[(k * 2 + o) * 3 + i] * xs[p.Src * 3 + i];
                        return Math.Exp(q) * hx;
                    }).ToArray();
                    total += msgs.Average();
                }
                for (var i = 0; i < 3; i++) total += res[o * 3 + i] * xs[v * 3 + i];
                expected[v * 2 + o] = total;
            }
        Close(expected, h, 1e-9);
    }

    [Fact]
    public void GradientsInitialisationAndZeroInDegree()
    {
        var g = Random(5, 6, 8);
        var conv = new GMMConv(2, 3, 2, 2, "max", dtype: DType.Float64, generator: new Generator(9));
        var x = Rand(1, 5, 2).RequireGrad();
        var pseudo = Rand(2, g.NumEdges(), 2).RequireGrad();
        GradCheck.Assert(t => conv.Forward(g, t[0], t[1]), [x, pseudo, conv.Mu, conv.InvSigma, conv.Fc.Weight, conv.Bias!]);
        var big = new GMMConv(200, 50, 4, 3, generator: new Generator(3));
        var mu = D(big.Mu);
        Assert.InRange(Math.Sqrt(mu.Select(v => v * v).Average()), 0.06, 0.14);
        Assert.All(D(big.InvSigma), v => Assert.Equal(1, v));
        var fcStd = Math.Sqrt(D(big.Fc.Weight).Select(v => v * v).Average());
        var expectedStd = Math.Sqrt(2) * Math.Sqrt(2.0 / (200 + 150));
        Assert.InRange(fcStd, 0.95 * expectedStd, 1.05 * expectedStd);
        ConvFixtures.AssertZeroInDegreeError(() => new GMMConv(2, 3, 2, 2).Forward(Four(), Tensor.Ones(4, 2), Tensor.Ones(6, 2)));
        // Allowed, node 3 (no in-edge) gets the empty mean, 0, plus the zero bias; the others are unaffected.
        var allowed = new GMMConv(2, 3, 2, 2, "mean", allowZeroInDegree: true, dtype: DType.Float64, generator: new Generator(4));
        var y = D(allowed.Forward(Four(), Rand(10, 4, 2), Rand(11, 6, 2)));
        Close([0, 0, 0], y[9..]);
        Assert.Contains(y[..9], v => v != 0);
        Assert.Equal(new Shape(3, 3), new GMMConv(2, 3, 2, 2).Forward(Block(), Tensor.Ones(5, 2), Tensor.Ones(7, 2)).Shape);
    }
}

public class AGNNConvTests
{
    [Fact]
    public void HandComputedOnFourNodes()
    {
        // 1-D features normalise to their signs: cos(h_i, h_j) = sign(x_i)·sign(x_j).
        var x = Tensor.From(new double[] { 1, 2, -3, 4 }, new Shape(4, 1));
        var h = D(new AGNNConv(initBeta: 0.5, dtype: DType.Float64).Forward(FourWithLoop(), x));
        static double Softmax(double a, double[] all) => Math.Exp(a) / all.Sum(Math.Exp);
        // node 0 ← 2 (cos −1), 3 (cos 1); node 1 ← 0 (cos 1); node 2 ← 1 (−1), 0 (−1), 2 (1); node 3 ← 3 (1).
        double[] s0 = [-0.5, 0.5];
        double[] s2 = [-0.5, -0.5, 0.5];
        Close([Softmax(-0.5, s0) * -3 + Softmax(0.5, s0) * 4, 1, Softmax(-0.5, s2) * 2 + Softmax(-0.5, s2) * 1 + Softmax(0.5, s2) * -3, 4], h);
    }

    [Fact]
    public void MatchesCosineAttentionReference()
    {
        // h_v = Σ_u softmax_u(β cos(x_v, x_u)) x_u over v's in-edges, in double, on 3-wide features.
        const double beta = 1.7;
        var g = Random(6, 9, 5);
        var x = Rand(12, 6, 3);
        var h = D(new AGNNConv(initBeta: beta, dtype: DType.Float64).Forward(g, x));
        var xs = D(x);
        double Cos(int a, int b)
        {
            double dot = 0, na = 0, nb = 0;
            for (var i = 0; i < 3; i++) { dot += xs[a * 3 + i] * xs[b * 3 + i]; na += xs[a * 3 + i] * xs[a * 3 + i]; nb += xs[b * 3 + i] * xs[b * 3 + i]; }
            return dot / (Math.Sqrt(na) * Math.Sqrt(nb));
        }
        var expected = new double[6 * 3];
        foreach (var (v, list) in InEdges(g).Select((l, v) => (v, l)))
        {
            var scores = list.Select(p => Math.Exp(beta * Cos(v, p.Src))).ToArray();
            var total = scores.Sum();
            for (var k = 0; k < list.Count; k++)
                for (var i = 0; i < 3; i++) expected[v * 3 + i] += scores[k] / total * xs[list[k].Src * 3 + i];
        }
        Close(expected, h, 1e-12);
    }

    [Fact]
    public void GradientsBlocksAndErrors()
    {
        var g = Random(6, 9, 3);
        var conv = new AGNNConv(dtype: DType.Float64);
        var x = Rand(4, 6, 3).RequireGrad();
        GradCheck.Assert(t => conv.Forward(g, t[0]), [x, conv.Beta]);
        Assert.Single(conv.Parameters());
        Assert.Empty(new AGNNConv(learnBeta: false).Parameters());
        ConvFixtures.AssertZeroInDegreeError(() => conv.Forward(Four(), Rand(5, 4, 3)));
        Assert.Equal(new Shape(4, 3), new AGNNConv(allowZeroInDegree: true, dtype: DType.Float64).Forward(Four(), Rand(5, 4, 3)).Shape);
        Assert.Equal(new Shape(3, 2), new AGNNConv().Forward(Block(), Tensor.Ones(5, 2)).Shape);
        conv.Beta.AsSpan<double>()[0] = 4;
        conv.ResetParameters();
        Assert.Equal(1.0, conv.Beta.ToDouble());
    }
}

/// <summary>
/// The bipartite (source, destination) overloads against the homogeneous graph they stand for: users 0..3 and items
/// 4..6 as one node set, features stacked, the same edges in the same order; the items' rows must match.
/// </summary>
public class BipartitePairConvTests
{
    private static Graph Stacked() => Graph.Create(BipSrc, BipDst.Select(d => d + 4).ToArray(), 7);

    private static Tensor Stack(Tensor src, Tensor dst) => Tensor.Cat([src, dst], 0);

    private static void SameAsItems(Tensor stacked, Tensor pair)
    {
        Assert.Equal(3, pair.Size(0));
        var s = D(stacked);
        var cols = s.Length / 7;
        Close(s[(4 * cols)..], D(pair), 1e-12);
    }

    [Fact]
    public void NNConvPairMatchesStackedGraph()
    {
        var edgeFunc = new Linear(2, 3 * 4, dtype: DType.Float64, generator: new Generator(2));
        var conv = new NNConv(3, 4, edgeFunc, "sum", residual: true, dtype: DType.Float64, generator: new Generator(3));
        using (GradMode.NoGrad()) conv.Bias!.CopyFrom(Rand(4, 4));
        var xs = Rand(5, 4, 3).RequireGrad();
        var xd = Rand(6, 3, 3).RequireGrad();
        var ef = Rand(7, 4, 2).RequireGrad();
        SameAsItems(conv.Forward(Stacked(), Stack(xs, xd), ef), conv.Forward(Bipartite(), (xs, xd), ef));
        GradCheck.Assert(t => conv.Forward(Bipartite(), (t[0], t[1]), t[2]), [xs, xd, ef, edgeFunc.Weight, conv.ResFc!.Weight]);
        Assert.Throws<TensorShapeException>(() => conv.Forward(Bipartite(), (xd, xd), ef));
    }

    [Fact]
    public void GMMConvPairMatchesStackedGraph()
    {
        var conv = new GMMConv(3, 2, dim: 2, nKernels: 3, aggregatorType: "mean", residual: true, allowZeroInDegree: true,
            dtype: DType.Float64, generator: new Generator(3));
        using (GradMode.NoGrad()) conv.InvSigma.CopyFrom(Tensor.Uniform(new Shape(3, 2), 0.5, 1.5, DType.Float64, new Generator(4)));
        var xs = Rand(5, 4, 3).RequireGrad();
        var xd = Rand(6, 3, 3).RequireGrad();
        var pseudo = Rand(7, 4, 2).RequireGrad();
        SameAsItems(conv.Forward(Stacked(), Stack(xs, xd), pseudo), conv.Forward(Bipartite(), (xs, xd), pseudo));
        GradCheck.Assert(t => conv.Forward(Bipartite(), (t[0], t[1]), t[2]), [xs, xd, pseudo, conv.Mu, conv.InvSigma, conv.Fc.Weight]);
    }

    [Fact]
    public void AGNNConvPairMatchesStackedGraph()
    {
        var conv = new AGNNConv(initBeta: 0.7, allowZeroInDegree: true, dtype: DType.Float64);
        var xs = Rand(5, 4, 3).RequireGrad();
        var xd = Rand(6, 3, 3).RequireGrad();
        SameAsItems(conv.Forward(Stacked(), Stack(xs, xd)), conv.Forward(Bipartite(), (xs, xd)));
        GradCheck.Assert(t => conv.Forward(Bipartite(), (t[0], t[1])), [xs, xd, conv.Beta]);
    }
}
