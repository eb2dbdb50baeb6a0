using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvTestSupport;

namespace Dgl.Tests.Nn.Conv;

using Graph = Dgl.Graph;

public class GINConvTests
{
    [Fact]
    public void HandComputedSumOnFourNodes()
    {
        // x rows: node v has (v + 1, 10·(v + 1)). ε = 0.5: h'_v = 1.5·x_v + Σ_{u→v} x_u.
        var x = Tensor.From(new double[,] { { 1, 10 }, { 2, 20 }, { 3, 30 }, { 4, 40 } });
        var conv = new GINConv(initEps: 0.5);
        var h = D(conv.Forward(Four(), x));
        // in-edges: 0 ← {2, 3}; 1 ← {0}; 2 ← {1, 0, 2}; 3 ← {}.
        double[] expected = [1.5 + 3 + 4, 15 + 30 + 40, 3 + 1, 30 + 10, 4.5 + 2 + 1 + 3, 45 + 20 + 10 + 30, 6, 60];
        Close(expected, h);
    }

    [Theory]
    [InlineData("sum")]
    [InlineData("mean")]
    [InlineData("max")]
    public void MatchesNaiveAggregationWithEdgeWeights(string aggregator)
    {
        var g = Random(7, 15, 1);
        var x = Rand(2, 7, 3);
        var w = Rand(3, g.NumEdges(), 1);
        var conv = new GINConv(aggregatorType: aggregator, initEps: -0.25, learnEps: true, dtype: DType.Float64);
        var h = D(conv.Forward(g, x, w));
        var xs = D(x);
        var ws = D(w);
        var expected = new double[7 * 3];
        var incoming = InEdges(g);
        for (var v = 0; v < 7; v++)
        {
            for (var f = 0; f < 3; f++)
            {
                var msgs = incoming[v].Select(p => xs[p.Src * 3 + f] * ws[p.Edge]).ToArray();
                var agg = msgs.Length == 0 ? 0 : aggregator switch { "sum" => msgs.Sum(), "mean" => msgs.Average(), _ => msgs.Max() };
                expected[v * 3 + f] = 0.75 * xs[v * 3 + f] + agg;
            }
        }
        Close(expected, h);
    }

    [Fact]
    public void GradientsFlowToFeaturesEdgeWeightsEpsAndApplyFunc()
    {
        var g = Random(6, 10, 4);
        var mlp = new Linear(3, 2, dtype: DType.Float64, generator: new Generator(5));
        var conv = new GINConv(mlp, "mean", initEps: 0.1, learnEps: true, activation: t => t.Tanh(), dtype: DType.Float64);
        var x = Rand(6, 6, 3).RequireGrad();
        var w = Rand(7, g.NumEdges()).RequireGrad();
        GradCheck.Assert(t => conv.Forward(g, t[0], t[1]), [x, w, conv.Eps, mlp.Weight, mlp.Bias!]);
        GradCheck.Assert(t => new GINConv(aggregatorType: "max").Forward(g, t[0]), [x]);
    }

    [Fact]
    public void BlockBipartiteAndShapes()
    {
        var block = Block();
        var x = Rand(8, 5, 4);
        var hb = D(new GINConv().Forward(block, x));
        Assert.Equal(3 * 4, hb.Length);
        // block destination 0 ← sources 0, 1: h = x0 + x0 + x1.
        var xs = D(x);
        for (var f = 0; f < 4; f++) Assert.Equal(2 * xs[f] + xs[4 + f], hb[f], 12);

        var bi = Bipartite();
        var users = Rand(9, 4, 2);
        var items = Rand(10, 3, 2);
        var hi = D(new GINConv(new Linear(2, 5, dtype: DType.Float64)).Forward(bi, (users, items)));
        Assert.Equal(3 * 5, hi.Length);
        Assert.Throws<TensorShapeException>(() => new GINConv().Forward(bi, (items, users)));
        Assert.Throws<ArgumentException>(() => new GINConv().Forward(bi, users));
    }

    [Fact]
    public void ResetRestoresEpsAndOptionsAreChecked()
    {
        var conv = new GINConv(initEps: 0.3, learnEps: true);
        Assert.Single(conv.Parameters());
        conv.Eps.AsSpan<float>()[0] = 5f;
        conv.ResetParameters();
        Assert.Equal(0.3, conv.Eps.ToDouble(), 6);
        var fixedEps = new GINConv(initEps: 0.3);
        Assert.Empty(fixedEps.Parameters());
        Assert.Equal(["eps"], fixedEps.StateDict().Keys.ToArray());
        var e = Assert.Throws<ArgumentException>(() => new GINConv(aggregatorType: "lstm"));
        Assert.Contains("'lstm'", e.Message, StringComparison.Ordinal);
    }
}
