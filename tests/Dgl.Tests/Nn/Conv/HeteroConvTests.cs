using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvTestSupport;

namespace Dgl.Tests.Nn.Conv;

using Graph = Dgl.Graph;

public class HeteroGraphConvTests
{
    private static Graph Hetero() => Graph.CreateHetero(
        new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
        {
            [("user", "follows", "user")] = ([0, 1, 2], [1, 2, 0]),
            [("user", "plays", "game")] = ([0, 1, 2, 2], [0, 1, 1, 2]),
            [("store", "sells", "game")] = ([0, 1], [2, 0]),
        },
        new Dictionary<string, int>(StringComparer.Ordinal) { ["user"] = 3, ["game"] = 4, ["store"] = 2 });

    private static Dictionary<string, Tensor> Inputs() => new(StringComparer.Ordinal)
    {
        ["user"] = Rand(1, 3, 2), ["game"] = Rand(2, 4, 2), ["store"] = Rand(3, 2, 2),
    };

    private static (GINConv Follows, GINConv Plays, GINConv Sells) Modules() => (
        new GINConv(new Linear(2, 3, dtype: DType.Float64, generator: new Generator(4))),
        new GINConv(new Linear(2, 3, dtype: DType.Float64, generator: new Generator(5)), "max"),
        new GINConv(new Linear(2, 3, dtype: DType.Float64, generator: new Generator(6)), "mean"));

    [Fact]
    public void SourceAndDestinationDictionaries()
    {
        // The (source, destination) overload gives each relation its source type's features from the first dictionary
        // and its destination type's from the second: here other tensors of the same types.
        var g = Hetero();
        var xs = Inputs();
        var xd = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["user"] = Rand(7, 3, 2), ["game"] = Rand(8, 4, 2) };
        var (follows, plays, sells) = Modules();
        var conv = new HeteroGraphConv(new Dictionary<EdgeTypeKey, Module> { ["follows"] = follows, ["plays"] = plays, [("store", "sells", "game")] = sells });
        var y = conv.Forward(g, (xs, xd));
        Close(D(follows.Forward(g[("user", "follows", "user")], (xs["user"], xd["user"]))), D(y["user"]));
        var fromUsers = D(plays.Forward(g[("user", "plays", "game")], (xs["user"], xd["game"])));
        var fromStores = D(sells.Forward(g[("store", "sells", "game")], (xs["store"], xd["game"])));
        Close(fromStores.Zip(fromUsers, (a, b) => a + b).ToArray(), D(y["game"]));
        Assert.Throws<ArgumentException>(() => conv.Forward(g, (xs, null!)));
    }

    [Theory]
    [InlineData("sum")]
    [InlineData("mean")]
    [InlineData("max")]
    [InlineData("min")]
    [InlineData("stack")]
    public void CombinesPerRelationResults(string aggregate)
    {
        var g = Hetero();
        var x = Inputs();
        var (follows, plays, sells) = Modules();
        var conv = new HeteroGraphConv(new Dictionary<EdgeTypeKey, Module> { ["follows"] = follows, ["plays"] = plays, [("store", "sells", "game")] = sells }, aggregate);
        var y = conv.Forward(g, x);
        Assert.Equal(["game", "user"], y.Keys.Order(StringComparer.Ordinal).ToArray());
        var user = D(follows.Forward(g[("user", "follows", "user")], (x["user"], x["user"])));
        var fromUsers = D(plays.Forward(g[("user", "plays", "game")], (x["user"], x["game"])));
        var fromStores = D(sells.Forward(g[("store", "sells", "game")], (x["store"], x["game"])));
        Close(user, D(y["user"]));
        // Relations in canonical order: ("store", "sells", "game") before ("user", "plays", "game").
        double Combine(double a, double b) => aggregate switch { "sum" => a + b, "mean" => (a + b) / 2, "max" => Math.Max(a, b), _ => Math.Min(a, b) };
        var game = D(y["game"]);
        if (aggregate == "stack")
        {
            Assert.Equal(new Shape(4, 2, 3), y["game"].Shape);
            for (var v = 0; v < 4; v++)
                for (var f = 0; f < 3; f++)
                {
                    Assert.Equal(fromStores[v * 3 + f], game[(v * 2) * 3 + f], 12);
                    Assert.Equal(fromUsers[v * 3 + f], game[(v * 2 + 1) * 3 + f], 12);
                }
        }
        else
        {
            Close(fromStores.Zip(fromUsers, Combine).ToArray(), game);
        }
    }

    [Fact]
    public void BlocksCustomAggregationGradientsAndErrors()
    {
        var block = Graph.CreateBlock(
            new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
            {
                [("user", "follows", "user")] = ([0, 2, 3], [0, 1, 1]),
                [("user", "plays", "game")] = ([1, 3], [0, 0]),
            },
            new Dictionary<string, int>(StringComparer.Ordinal) { ["user"] = 4, ["game"] = 2 },
            new Dictionary<string, int>(StringComparer.Ordinal) { ["user"] = 2, ["game"] = 1 });
        var (follows, plays, _) = Modules();
        var conv = new HeteroGraphConv(new Dictionary<EdgeTypeKey, Module> { ["follows"] = follows, ["plays"] = plays }, (list, _) => list[0] * 2);
        var users = Rand(7, 4, 2);
        var games = Rand(8, 2, 2);
        var y = conv.Forward(block, new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["user"] = users, ["game"] = games });
        Close(D(follows.Forward(block[("user", "follows", "user")], (users, users.Slice(0, 2)))).Select(v => 2 * v).ToArray(), D(y["user"]));
        Assert.Equal(new Shape(1, 3), y["game"].Shape);

        var g = Hetero();
        var (f2, p2, s2) = Modules();
        var sum = new HeteroGraphConv(new Dictionary<EdgeTypeKey, Module> { ["follows"] = f2, ["plays"] = p2, ["sells"] = s2 });
        var x = Inputs();
        var u = x["user"].RequireGrad();
        var gm = x["game"].RequireGrad();
        GradCheck.Assert(t => sum.Forward(g, new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["user"] = t[0], ["game"] = t[1], ["store"] = x["store"] })["game"],
            [u, gm, ((Linear)p2.ApplyFunc!).Weight]);

        // Relations whose source type has no input are skipped.
        var partial = sum.Forward(g, new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["store"] = x["store"], ["game"] = x["game"] });
        Assert.Equal(["game"], partial.Keys.ToArray());
        Assert.Throws<KeyNotFoundException>(() => new HeteroGraphConv(new Dictionary<EdgeTypeKey, Module> { ["follows"] = f2 }).Forward(g, x));
        // A module without a (source, destination) form cannot run on a relation between two node types.
        var single = new HeteroGraphConv(new Dictionary<EdgeTypeKey, Module> { ["follows"] = f2, ["plays"] = new GatedGraphConv(2, 3, 1, 1), ["sells"] = s2 });
        var e = Assert.Throws<ArgumentException>(() => single.Forward(g, x));
        Assert.Contains("IBipartiteGraphModule", e.Message, StringComparison.Ordinal);
        // As DGL, modules get allowZeroInDegree switched on.
        var agnn = new AGNNConv();
        _ = new HeteroGraphConv(new Dictionary<EdgeTypeKey, Module> { ["follows"] = agnn });
        Assert.True(agnn.AllowZeroInDegree);
        Assert.Throws<ArgumentException>(() => new HeteroGraphConv(new Dictionary<EdgeTypeKey, Module> { ["follows"] = f2 }, "prod"));
    }
}

public class HGTConvTests
{
    [Fact]
    public void MatchesPerEdgeReference()
    {
        var g = Random(6, 10, 3);
        var e = g.NumEdges();
        long[] ntype = [0, 1, 0, 1, 1, 0];
        var etype = Enumerable.Range(0, e).Select(i => (long)(i * 7 % 3)).ToArray();
        const int H = 2, Dh = 2, In = 3;
        var conv = new HGTConv(In, Dh, H, numNtypes: 2, numEtypes: 3, dropout: 0, dtype: DType.Float64, generator: new Generator(1));
        using (GradMode.NoGrad())
        {
            conv.Skip.CopyFrom(Rand(2, 2));
            foreach (var p in conv.RelationPri) p.CopyFrom(Tensor.Uniform(new Shape(3), 0.5, 1.5, DType.Float64, new Generator(3)));
        }
        var x = Rand(4, 6, In);
        var y = D(conv.Forward(g, x, Tensor.From(ntype), Tensor.From(etype)));

        var xs = D(x);
        double[] Typed(TypedLinear lin, double[] row, int t, int inSize, int outSize)
        {
            var w = D(lin.GetWeight());
            var r = new double[outSize];
            for (var o = 0; o < outSize; o++)
                for (var i = 0; i < inSize; i++) r[o] += row[i] * w[(t * inSize + i) * outSize + o];
            return r;
        }
        double[] Row(int v) => xs[(v * In)..(v * In + In)];
        var k = Enumerable.Range(0, 6).Select(v => Typed(conv.LinearK, Row(v), (int)ntype[v], In, H * Dh)).ToArray();
        var q = Enumerable.Range(0, 6).Select(v => Typed(conv.LinearQ, Row(v), (int)ntype[v], In, H * Dh)).ToArray();
        var vv = Enumerable.Range(0, 6).Select(v => Typed(conv.LinearV, Row(v), (int)ntype[v], In, H * Dh)).ToArray();
        var skip = D(conv.Skip);
        var res = D(conv.ResidualW!);
        var expected = new List<double>();
        foreach (var (t, list) in InEdges(g).Select((l, t) => (t, l)))
        {
            var agg = new double[H * Dh];
            for (var i = 0; i < H; i++)
            {
                var pri = D(conv.RelationPri[i]);
                var scores = list.Select(p =>
                {
                    var kw = Typed(conv.RelationAtt[i], k[p.Src][(i * Dh)..(i * Dh + Dh)], (int)etype[p.Edge], Dh, Dh);
                    return (kw[0] * q[t][i * Dh] + kw[1] * q[t][i * Dh + 1]) * pri[etype[p.Edge]] / Math.Sqrt(Dh);
                }).ToArray();
                var z = scores.Sum(Math.Exp);
                for (var j = 0; j < list.Count; j++)
                {
                    var m = Typed(conv.RelationMsg[i], vv[list[j].Src][(i * Dh)..(i * Dh + Dh)], (int)etype[list[j].Edge], Dh, Dh);
                    for (var c = 0; c < Dh; c++) agg[i * Dh + c] += Math.Exp(scores[j]) / z * m[c];
                }
            }
            var hA = Typed(conv.LinearA, agg, (int)ntype[t], H * Dh, H * Dh);
            var alpha = 1 / (1 + Math.Exp(-skip[ntype[t]]));
            for (var o = 0; o < H * Dh; o++)
            {
                var r = 0.0;
                for (var i = 0; i < In; i++) r += xs[t * In + i] * res[i * H * Dh + o];
                expected.Add(hA[o] * alpha + r * (1 - alpha));
            }
        }
        Close([.. expected], y, 1e-9);
    }

    [Fact]
    public void GradientsBlocksNormAndInitialisation()
    {
        var g = Random(5, 8, 4);
        var ntype = Tensor.From(new long[] { 0, 1, 1, 0, 1 });
        var etype = Tensor.From(Enumerable.Range(0, g.NumEdges()).Select(i => (long)(i % 2)).ToArray());
        var conv = new HGTConv(4, 2, 2, 2, 2, dropout: 0, useNorm: true, dtype: DType.Float64, generator: new Generator(5));
        Assert.Null(conv.ResidualW);
        var x = Rand(6, 5, 4).RequireGrad();
        GradCheck.Assert(t => conv.Forward(g, t[0], ntype, etype), [x, conv.LinearK.Weight, conv.LinearQ.Weight, conv.RelationAtt[1].Weight, conv.RelationMsg[0].Weight, conv.RelationPri[0], conv.Skip]);
        var block = Block();
        var y = conv.Forward(block, Rand(7, 5, 4), Tensor.From(new long[] { 0, 1, 1, 0, 1 }), Tensor.From(new long[] { 0, 1, 0, 1, 0, 1, 0 }));
        Assert.Equal(new Shape(3, 4), y.Shape);
        using (GradMode.NoGrad()) { conv.Skip.FillInPlace(0); conv.RelationPri[1].FillInPlace(5); }
        conv.ResetParameters(new Generator(8));
        Assert.All(D(conv.Skip), v => Assert.Equal(1, v));
        Assert.All(D(conv.RelationPri[1]), v => Assert.Equal(1, v));
        Assert.True(conv.StateDict().ContainsKey("relation_pri.1"));
        Assert.True(conv.StateDict().ContainsKey("relation_att.0.W"));
    }
}
