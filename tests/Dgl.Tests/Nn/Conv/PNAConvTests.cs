using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvTestSupport;

namespace Dgl.Tests.Nn.Conv;

using Graph = Dgl.Graph;

public class PNAConvTests
{
    private static readonly string[] AllAggregators = ["mean", "sum", "max", "min", "std", "var", "moment3", "moment4", "moment5"];
    private static readonly string[] AllScalers = ["identity", "amplification", "attenuation"];

    // Two graphs: 4 nodes (node 3 without in-edges) and 3 nodes. No node has in-degree 2: there the odd central
    // moments are 0 in exact arithmetic, and their root (|μ| + 1e-30)^{1/n} turns rounding noise into visible values,
    // in DGL as here, so neither a reference nor finite differences can check them.
    private static Graph Batched() => Graph.Batch([Graph.Create([0, 1, 2, 3, 0, 2, 1], [1, 2, 0, 0, 2, 2, 0], 4), Graph.Create([0, 1, 2, 0, 2], [1, 2, 0, 2, 2], 3)]);

    [Fact]
    public void MatchesNaiveTowerInEvaluationMode()
    {
        var g = Batched();
        const int In = 2, Ef = 1, Out = 2;
        var conv = new PNAConv(In, Out, AllAggregators, AllScalers, delta: 1.3, edgeFeatSize: Ef, dtype: DType.Float64, generator: new Generator(1));
        conv.Eval();
        var x = Rand(2, 7, In);
        var ef = Rand(3, g.NumEdges(), Ef);
        var y = D(conv.Forward(g, x, ef));

        var sd = conv.StateDict();
        var mw = D(sd["towers.0.M.weight"]);   // [In, 2In + Ef]
        var mb = D(sd["towers.0.M.bias"]);
        var uw = D(sd["towers.0.U.weight"]);   // [Out, (9·3 + 1)·In]
        var ub = D(sd["towers.0.U.bias"]);
        var xw = D(sd["mixing_layer.0.weight"]);
        var xb = D(sd["mixing_layer.0.bias"]);
        var xs = D(x);
        var es = D(ef);
        var incoming = InEdges(g);
        int[] graphSize = [4, 4, 4, 4, 3, 3, 3];
        var uIn = (AllAggregators.Length * AllScalers.Length + 1) * In;
        var result = new List<double>();
        for (var v = 0; v < 7; v++)
        {
            var msgs = incoming[v].Select(p =>
            {
                var m = new double[In];
                for (var o = 0; o < In; o++)
                {
                    m[o] = mb[o] + mw[o * (2 * In + Ef) + 2 * In] * es[p.Edge];
                    for (var i = 0; i < In; i++) m[o] += mw[o * (2 * In + Ef) + i] * xs[p.Src * In + i] + mw[o * (2 * In + Ef) + In + i] * xs[v * In + i];
                }
                return m;
            }).ToArray();
            var deg = msgs.Length;
            var aggs = new List<double>();
            foreach (var a in AllAggregators)
                for (var f = 0; f < In; f++)
                {
                    var col = msgs.Select(m => m[f]).ToArray();
                    if (deg == 0) { aggs.Add(0); continue; }
                    var mean = col.Average();
                    var variance = Math.Max(0, col.Average(c => c * c) - mean * mean);
                    aggs.Add(a switch
                    {
                        "mean" => mean,
                        "sum" => col.Sum(),
                        "max" => col.Max(),
                        "min" => col.Min(),
                        "var" => variance,
                        "std" => Math.Sqrt(variance + 1e-30),
                        _ => Rooted(col.Average(c => Math.Pow(c - mean, a[^1] - '0')), a[^1] - '0'),
                    });
                }
            var feats = new List<double>(xs[(v * In)..(v * In + In)]);
            foreach (var s in AllScalers)
            {
                var scale = deg == 0 ? 0 : s switch { "identity" => 1, "amplification" => Math.Log(deg + 1) / 1.3, _ => 1.3 / Math.Log(deg + 1) };
                feats.AddRange(aggs.Select(a => a * scale));
            }
            var tower = new double[Out];
            for (var o = 0; o < Out; o++)
            {
                var t = ub[o];
                for (var i = 0; i < uIn; i++) t += uw[o * uIn + i] * feats[i];
                tower[o] = t * Math.Sqrt(1.0 / graphSize[v]) / Math.Sqrt(1 + 1e-5);   // BatchNorm in eval mode: running mean 0, var 1
            }
            for (var o = 0; o < Out; o++)
            {
                var t = xb[o];
                for (var i = 0; i < Out; i++) t += xw[o * Out + i] * tower[i];
                result.Add((t >= 0 ? t : 0.01 * t) + xs[v * In + o]);
            }
        }
        Close([.. result], y, 1e-8);
    }

    private static double Rooted(double mu, int n) => Math.Sign(mu) * Math.Pow(Math.Abs(mu) + 1e-30, 1.0 / n);

    [Fact]
    public void TowersGradientsAndOptions()
    {
        var g = Batched();
        var conv = new PNAConv(4, 6, ["mean", "max", "std"], ["identity", "attenuation"], 1.0, numTowers: 2, dtype: DType.Float64, generator: new Generator(2));
        Assert.False(conv.Residual);
        var x = Rand(4, 7, 4).RequireGrad();
        var y = conv.Forward(g, x);
        Assert.Equal(new Shape(7, 6), y.Shape);
        var sd = conv.StateDict();
        Assert.Equal(new Shape(2, 4), sd["towers.1.M.weight"].Shape);
        Assert.Equal(new Shape(3, (3 * 2 + 1) * 2), sd["towers.0.U.weight"].Shape);
        var small = new PNAConv(2, 2, ["mean", "moment3", "min"], ["identity", "amplification"], 0.8, dtype: DType.Float64, generator: new Generator(3));
        small.Eval();
        var xs = Rand(5, 7, 2).RequireGrad();
        GradCheck.Assert(t => small.Forward(g, t[0]), [xs, .. small.Parameters()]);
        Assert.Throws<ArgumentException>(() => new PNAConv(4, 4, ["median"], ["identity"], 1));
        var onBlock = Assert.Throws<ArgumentException>(() => small.Forward(Block(), Rand(8, 5, 2)));
        Assert.Contains("not a block", onBlock.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new PNAConv(4, 6, ["mean"], ["identity"], 1, numTowers: 4));
        Assert.Throws<ArgumentNullException>(() => new PNAConv(2, 2, ["mean"], ["identity"], 1, edgeFeatSize: 3).Forward(g, Rand(6, 7, 2)));
    }
}
