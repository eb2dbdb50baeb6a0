using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvTestSupport;

namespace Dgl.Tests.Nn.Utility;

using Graph = Dgl.Graph;

public class EdgePredictorTests
{
    [Fact]
    public void EachOpMatchesItsFormula()
    {
        var a = Tensor.From(new double[,] { { 1, 2 }, { 3, -1 } });
        var b = Tensor.From(new double[,] { { 4, -1 }, { 0, 2 } });
        Close([2, -2], D(new EdgePredictor("dot").Forward(a, b)));
        Close([2 / (Math.Sqrt(5) * Math.Sqrt(17)), -2 / (Math.Sqrt(10) * 2)], D(new EdgePredictor("cos").Forward(a, b)));
        Close([4, -2, 0, -2], D(new EdgePredictor("ele").Forward(a, b)));
        Close([1, 2, 4, -1, 3, -1, 0, 2], D(new EdgePredictor("cat").Forward(a, b)));
        var lin = new EdgePredictor("cat", 2, 3, dtype: DType.Float64, generator: new Generator(1));
        Assert.Equal(new Shape(3, 4), lin.Linear!.Weight.Shape);
        Assert.Null(lin.Linear.Bias);
        Assert.Equal(new Shape(2, 3), lin.Forward(a, b).Shape);
        Assert.Equal(new Shape(3, 1), new EdgePredictor("dot", 2, 3).Linear!.Weight.Shape);
        GradCheck.Assert(t => new EdgePredictor("cos").Forward(t[0], t[1]), [a.RequireGrad(), b.RequireGrad()]);
        // The projection: op(a, b)·Wᵀ (no bias, as DGL's default), in double.
        var cat = new double[,] { { 1, 2, 4, -1 }, { 3, -1, 0, 2 } };
        var wt = D(lin.Linear.Weight);
        var projected = new double[6];
        for (var r = 0; r < 2; r++)
            for (var o = 0; o < 3; o++)
                for (var i = 0; i < 4; i++) projected[r * 3 + o] += cat[r, i] * wt[o * 4 + i];
        Close(projected, D(lin.Forward(a, b)));
        foreach (var op in new[] { "dot", "cos", "ele", "cat" })
        {
            var p = new EdgePredictor(op, 2, 2, dtype: DType.Float64, generator: new Generator(5));
            GradCheck.Assert(t => p.Forward(t[0], t[1]), [a.RequireGrad(), b.RequireGrad(), p.Linear!.Weight]);
        }
        Assert.Throws<ArgumentException>(() => new EdgePredictor("l2"));
        Assert.Throws<TensorShapeException>(() => new EdgePredictor("dot").Forward(a, Tensor.Ones(3, 2)));
    }
}

public class JumpingKnowledgeTests
{
    [Fact]
    public void CatMaxAndLstmAttention()
    {
        var h1 = Rand(1, 4, 2);
        var h2 = Rand(2, 4, 2);
        var h3 = Rand(3, 4, 2);
        var (a, b, c) = (D(h1), D(h2), D(h3));
        var cat = new JumpingKnowledge().Forward([h1, h2, h3]);
        Assert.Equal(new Shape(4, 6), cat.Shape);
        Close(Enumerable.Range(0, 4).SelectMany(n => a[(n * 2)..(n * 2 + 2)].Concat(b[(n * 2)..(n * 2 + 2)]).Concat(c[(n * 2)..(n * 2 + 2)])).ToArray(), D(cat));
        var max = D(new JumpingKnowledge("max").Forward([h1, h2, h3]));
        Close(Enumerable.Range(0, 8).Select(i => Math.Max(a[i], Math.Max(b[i], c[i]))).ToArray(), max);
        var jk = new JumpingKnowledge("lstm", 2, 3, DType.Float64, new Generator(4));
        Assert.Equal(3, jk.Lstm!.HiddenSize);
        var y = D(jk.Forward([h1, h2, h3]));
        // The attention weights come from the module's own LSTM and Linear; the output must be a convex
        // combination of the three layers per node.
        var scores = D(jk.Att!.Forward(jk.Lstm.Forward(Tensor.Stack([h1, h2, h3], 1)).Output).Squeeze(-1));
        for (var n = 0; n < 4; n++)
        {
            var s = scores[(n * 3)..(n * 3 + 3)];
            var z = s.Sum(Math.Exp);
            for (var f = 0; f < 2; f++)
                Assert.Equal((Math.Exp(s[0]) * a[n * 2 + f] + Math.Exp(s[1]) * b[n * 2 + f] + Math.Exp(s[2]) * c[n * 2 + f]) / z, y[n * 2 + f], 12);
        }
        GradCheck.Assert(t => jk.Forward([t[0], t[1], t[2]]), [h1.RequireGrad(), h2.RequireGrad(), h3.RequireGrad(), jk.Att.Weight]);
        Assert.Throws<ArgumentException>(() => new JumpingKnowledge("lstm"));
        Assert.Throws<ArgumentException>(() => new JumpingKnowledge("sum"));
    }
}

public class LabelPropagationTests
{
    [Theory]
    [InlineData("sym", true, false, false)]
    [InlineData("row", false, true, true)]
    public void MatchesDenseIteration(string norm, bool clamp, bool normalize, bool reset)
    {
        var g = Random(6, 10, 2);
        var labels = Tensor.From(new long[] { 0, 2, 1, 0, 2, 1 });
        var mask = Tensor.From(new[] { true, false, true, true, false, false });
        var y = D(new LabelPropagation(3, 0.7, norm, clamp, normalize, reset).Forward(g, labels, mask));
        var (s, d) = g.AllEdges("eid");
        var src = s.ToArray<int>();
        var dst = d.ToArray<int>();
        var inDeg = new double[6];
        var outDeg = new double[6];
        foreach (var v in dst) inDeg[v]++;
        foreach (var u in src) outDeg[u]++;
        var lab = labels.ToArray<long>();
        var known = mask.ToArray<bool>();
        var y0 = new double[6, 3];
        for (var v = 0; v < 6; v++) if (known[v]) y0[v, lab[v]] = 1;
        var cur = (double[,])y0.Clone();
        for (var step = 0; step < 3; step++)
        {
            var next = new double[6, 3];
            for (var k = 0; k < src.Length; k++)
                for (var c = 0; c < 3; c++)
                    next[dst[k], c] += cur[src[k], c] * (norm == "sym" ? 1 / Math.Sqrt(Math.Max(1, outDeg[src[k]])) : 1);
            for (var v = 0; v < 6; v++)
            {
                var ni = norm == "sym" ? 1 / Math.Sqrt(Math.Max(1, inDeg[v])) : 1 / Math.Max(1, inDeg[v]);
                for (var c = 0; c < 3; c++)
                {
                    var val = 0.3 * y0[v, c] + 0.7 * next[v, c] * ni;
                    next[v, c] = clamp ? Math.Clamp(val, 0, 1) : val;
                }
                if (normalize)
                {
                    var l1 = Math.Max(1e-12, Math.Abs(next[v, 0]) + Math.Abs(next[v, 1]) + Math.Abs(next[v, 2]));
                    for (var c = 0; c < 3; c++) next[v, c] /= l1;
                }
                if (reset && known[v]) for (var c = 0; c < 3; c++) next[v, c] = y0[v, c];
            }
            cur = next;
        }
        Close(cur.Cast<double>().ToArray(), y, 1e-6);
    }
}

public class HeteroLinearAndEmbeddingTests
{
    [Fact]
    public void PerTypeLayersAndTables()
    {
        var hl = new HeteroLinear(new Dictionary<string, int>(StringComparer.Ordinal) { ["user"] = 1, ["item"] = 2 }, 3, dtype: DType.Float64, generator: new Generator(1));
        var x = Rand(2, 5, 2);
        var y = hl.Forward(new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["item"] = x });
        // x·Wᵀ + b in double, not through the per-type Linear.
        var (xw, ww, bw) = (D(x), D(hl["item"].Weight), D(hl["item"].Bias!));
        var expected = new double[5 * 3];
        for (var r = 0; r < 5; r++)
            for (var o = 0; o < 3; o++)
            {
                expected[r * 3 + o] = bw[o];
                for (var i = 0; i < 2; i++) expected[r * 3 + o] += xw[r * 2 + i] * ww[o * 2 + i];
            }
        Close(expected, D(y["item"]));
        var xg = x.RequireGrad();
        GradCheck.Assert(t => hl.Forward(new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["item"] = t[0] })["item"], [xg, hl["item"].Weight, hl["item"].Bias!]);
        Assert.Equal(["linears.user.weight", "linears.user.bias", "linears.item.weight", "linears.item.bias"], hl.StateDict().Keys.ToArray());
        Assert.Throws<KeyNotFoundException>(() => hl.Forward(new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["shop"] = x }));

        var emb = new HeteroEmbedding(new Dictionary<string, int>(StringComparer.Ordinal) { ["user"] = 20, ["item"] = 300 }, 40, DType.Float64, new Generator(2));
        var h = emb.Forward(new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["user"] = Tensor.From(new long[] { 3, 0, 3 }) });
        var w = D(emb.Weight["user"]);
        var hs = D(h["user"]);
        Close(w[(3 * 40)..(4 * 40)], hs[..40]);
        Close(w[..40], hs[40..80]);
        // Looking a row up twice sends it the sum of both rows' gradients.
        var small = new HeteroEmbedding(new Dictionary<string, int>(StringComparer.Ordinal) { ["user"] = 4 }, 3, DType.Float64, new Generator(4));
        var ids = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["user"] = Tensor.From(new long[] { 3, 0, 3 }) };
        GradCheck.Assert(t => small.Forward(ids)["user"] * t[0], [Rand(5, 3, 3).RequireGrad(), small.Weight["user"]]);
        var table = D(emb.Weight["item"]);
        Assert.InRange(table.Select(v => v * v).Average(), 0.9, 1.1);   // N(0, 1) at construction, as nn.Embedding
        emb.ResetParameters(new Generator(3));
        var bound = Math.Sqrt(6.0 / (300 + 40));
        Assert.All(D(emb.Weight["item"]), v => Assert.InRange(v, -bound, bound));
    }
}

public class GraphSequentialTests
{
    [Fact]
    public void RunsLayersOnOneGraphOrOneBlockEach()
    {
        var a = new GINConv(new Linear(2, 3, dtype: DType.Float64, generator: new Generator(1)));
        var b = new GINConv(new Linear(3, 2, dtype: DType.Float64, generator: new Generator(2)), "max");
        var net = new GraphSequential(a, b);
        var g = FourWithLoop();
        var x = Rand(3, 4, 2);
        Close(D(b.Forward(g, a.Forward(g, x))), D(net.Forward(g, x)));
        var block1 = Graph.CreateBlock([0, 1, 2, 3, 4], [0, 1, 2, 0, 1], 5, 3);
        var block2 = Graph.CreateBlock([0, 1, 2], [0, 0, 1], 3, 2);
        var x5 = Rand(4, 5, 2);
        var h = net.Forward([block1, block2], x5);
        Close(D(b.Forward(block2, a.Forward(block1, x5))), D(h));
        Assert.Equal(new Shape(2, 2), h.Shape);
        Assert.Equal(["0.eps", "0.apply_func.weight", "0.apply_func.bias", "1.eps", "1.apply_func.weight", "1.apply_func.bias"], net.StateDict().Keys.ToArray());
        Assert.Throws<ArgumentException>(() => net.Forward([block1], x5));
        var xg = x5.RequireGrad();
        GradCheck.Assert(t => net.Forward([block1, block2], t[0]), [xg, .. net.Parameters()]);
    }
}
