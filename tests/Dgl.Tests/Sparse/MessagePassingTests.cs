using Dgl.Ops;
using Dgl.Tensors.Kernels;
using static Dgl.Tests.Sparse.SparseReference;

namespace Dgl.Tests.Sparse;

public class MessagePassingTests
{
    private static readonly (string Name, Target L, Target R)[] s_pairs =
    [
        ("UE", Target.Src, Target.Edge), ("UV", Target.Src, Target.Dst), ("VU", Target.Dst, Target.Src),
        ("VE", Target.Dst, Target.Edge), ("EU", Target.Edge, Target.Src), ("EV", Target.Edge, Target.Dst),
    ];

    /// <summary>Every builtin message Fn offers, by DGL name, with its op and targets.</summary>
    public static IEnumerable<(BuiltinMessage Fn, BinaryOp Op, Target L, Target R)> AllBuiltins()
    {
        yield return (Fn.CopyU("a", "m"), BinaryOp.CopyLhs, Target.Src, Target.Edge);
        yield return (Fn.CopyE("eb", "m"), BinaryOp.CopyRhs, Target.Src, Target.Edge);
        foreach (var (name, l, r) in s_pairs)
        {
            foreach (var op in new[] { BinaryOp.Add, BinaryOp.Sub, BinaryOp.Mul, BinaryOp.Div, BinaryOp.Dot })
            {
                var method = typeof(Fn).GetMethod($"{name[0]}{op}{name[1]}")!;
                var lf = l == Target.Edge ? "ea" : "a";
                var rf = r == Target.Edge ? "eb" : "b";
                yield return ((BuiltinMessage)method.Invoke(null, [lf, rf, "m"])!, op, l, r);
            }
        }
    }

    [Fact]
    public void Fn_has_every_dgl_builtin_message_with_its_dgl_name()
    {
        var names = AllBuiltins().Select(b => b.Fn.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(32, names.Count);
        foreach (var l in "uve")
            foreach (var r in "uve")
                if (l != r)
                    foreach (var op in new[] { "add", "sub", "mul", "div", "dot" })
                        Assert.Contains($"{l}_{op}_{r}", names);
        Assert.Contains("copy_u", names);
        Assert.Contains("copy_e", names);
    }

    public static TheoryData<ReduceOp> Reducers() => [ReduceOp.Sum, ReduceOp.Mean, ReduceOp.Max, ReduceOp.Min];

    /// <summary>UpdateAll with every builtin × reducer × broadcasting case against messages and reductions written as
    /// naive double loops; ApplyEdges with every builtin against the per-edge messages.</summary>
    [Theory]
    [MemberData(nameof(Reducers))]
    public void Builtins_match_naive_message_passing(ReduceOp reduce)
    {
        var tg = TestGraph.Random(14, 14, 70, seed: 5);
        var g = Dgl.Graph.Create(tg.Src, tg.Dst, tg.NumSrc);
        (int[] L, int[] R)[] shapes = [([4], [4]), ([3, 4], [3, 1]), ([4], [1]), ([1, 4], [3, 1])];
        var seed = 0;
        foreach (var (fn, op, lt, rt) in AllBuiltins())
        {
            foreach (var (ls, rs) in op == BinaryOp.Dot ? [([3, 4], [3, 4]), ([4], [4]), ([1, 4], [2, 4])] : shapes)
            {
                seed++;
                using var scope = g.LocalScope();
                var a = Random([Count(tg, lt), .. ls], DType.Float64, seed);
                var b = Random([Count(tg, rt), .. rs], DType.Float64, seed + 1000, 0.5, 2);
                if (lt == Target.Edge) g.EData["ea"] = a; else g.NData["a"] = a;
                if (rt == Target.Edge) g.EData["eb"] = b; else g.NData["b"] = b;
                var xa = op == BinaryOp.CopyRhs ? null : Values(a);
                var xb = op == BinaryOp.CopyLhs ? null : Values(b);
                var (mshape, messages) = Sddmm(tg, op, xa, ls, lt, xb, op == BinaryOp.CopyLhs ? [] : rs, rt);
                var what = $"{fn} {Fmt(ls)}·{Fmt(rs)} {reduce}";

                g.ApplyEdges(fn);
                Close(messages, g.EData["m"], 1e-12, 1e-12, "apply_edges " + what);

                g.UpdateAll(fn, Reduce(reduce, "m", "h"));
                Close(NaiveReduce(tg, messages, Product(mshape), reduce), g.NData["h"], 1e-12, 1e-12, "update_all " + what);
            }
        }
    }

    /// <summary>UDF message/reduce and builtins give the same values and the same gradients.</summary>
    [Theory]
    [MemberData(nameof(Reducers))]
    public void Udf_path_agrees_with_builtin_path(ReduceOp reduce)
    {
        var tg = TestGraph.Random(30, 30, 160, seed: 9);
        var g = Dgl.Graph.Create(tg.Src, tg.Dst, tg.NumSrc);
        var h = Random([30, 2, 8], DType.Float32, 1).RequireGrad();
        var w = Random([tg.NumEdges, 2, 1], DType.Float32, 2).RequireGrad();
        g.NData["h"] = h;
        g.EData["w"] = w;

        g.UpdateAll(Fn.UMulE("h", "w", "m"), Reduce(reduce, "m", "out"));
        var builtin = g.NData["out"];
        var (bh, bw) = Grads(builtin, h, w);

        var message = Fn.Message(e => Feats("m", e.Src["h"] * e.Data["w"]));
        var udfReduce = Fn.Reduce(n => Feats("out", ReduceMailbox(n.Mailbox["m"], reduce)));
        foreach (var (mf, rf) in new (MessageFunction, ReduceFunction)[] { (message, udfReduce), (message, Reduce(reduce, "m", "out")), (Fn.UMulE("h", "w", "m"), udfReduce) })
        {
            g.UpdateAll(mf, rf);
            var udf = g.NData["out"];
            Close(Values(builtin), udf, 1e-5, 1e-5, $"values {reduce}");
            var (uh, uw) = Grads(udf, h, w);
            Close(bh, uh, 1e-5, 1e-5, $"d h {reduce}");
            Close(bw, uw, 1e-5, 1e-5, $"d w {reduce}");
        }
    }

    [Fact]
    public void Zero_in_degree_nodes_get_zero_on_every_path()
    {
        var g = Dgl.Graph.Create([0, 1, 1], [1, 2, 2], 4);   // nodes 0 and 3 have no in-edges
        g.NData["h"] = Tensor.Full(new Shape(4, 3), 5);
        foreach (var r in new[] { ReduceOp.Sum, ReduceOp.Mean, ReduceOp.Max, ReduceOp.Min })
        {
            g.UpdateAll(Fn.CopyU("h", "m"), Reduce(r, "m", "x"));
            g.UpdateAll(Fn.Message(e => Feats("m", e.Src["h"])),
                Fn.Reduce(n => Feats("y", ReduceMailbox(n.Mailbox["m"], r))));
            foreach (var key in new[] { "x", "y" })
            {
                var v = g.NData[key];
                for (var j = 0; j < 3; j++)
                {
                    Assert.Equal(0f, v.Item<float>(0, j));
                    Assert.Equal(0f, v.Item<float>(3, j));
                    Assert.Equal(5f, v.Item<float>(1, j));
                }
            }
        }
    }

    [Fact]
    public void Reduce_udf_sees_messages_bucketed_by_in_degree_in_edge_order()
    {
        var g = Dgl.Graph.Create([0, 1, 2, 3, 0], [3, 3, 1, 2, 2], 4);
        g.NData["id"] = Tensor.From<float>([0, 1, 2, 3], new Shape(4, 1));
        var seen = new List<(int[] Nodes, int[] Shape, float[] Mail)>();
        g.UpdateAll(Fn.CopyU("id", "m"), Fn.Reduce(n =>
        {
            seen.Add((n.Nodes().ToArray<int>(), n.Mailbox["m"].Shape.ToArray(), n.Mailbox["m"].ToArray<float>()));
            return Feats("s", n.Mailbox["m"].Sum(1));
        }));
        Assert.Equal(2, seen.Count);
        Assert.Equal([1], seen[0].Nodes);
        Assert.Equal([1, 1, 1], seen[0].Shape);
        Assert.Equal([2f], seen[0].Mail);
        Assert.Equal([2, 3], seen[1].Nodes);
        Assert.Equal([2, 2, 1], seen[1].Shape);
        Assert.Equal([3f, 0f, 0f, 1f], seen[1].Mail);   // node 2: edges 3 (from 3), 4 (from 0); node 3: edges 0, 1
        Assert.Equal([0f, 2f, 3f, 1f], g.NData["s"].ToArray<float>());
    }

    [Fact]
    public void Udf_returning_the_wrong_shape_throws_naming_the_feature()
    {
        var g = Dgl.Graph.Create([0, 1, 2], [1, 2, 0]);
        g.NData["h"] = Tensor.Ones(3, 2);
        var ex = Assert.Throws<TensorShapeException>(() => g.UpdateAll(
            Fn.Message(e => Feats("m", Tensor.Ones(5, 2))), Fn.Sum("m", "x")));
        Assert.Contains("'m'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("3", ex.Message, StringComparison.Ordinal);
        var ex2 = Assert.Throws<TensorShapeException>(() => g.UpdateAll(Fn.CopyU("h", "m"),
            Fn.Reduce(n => Feats("bad", Tensor.Ones(n.BatchSize + 1, 2)))));
        Assert.Contains("'bad'", ex2.Message, StringComparison.Ordinal);
        var ex3 = Assert.Throws<TensorShapeException>(() => g.ApplyNodes(n => Feats("z", Tensor.Ones(1))));
        Assert.Contains("'z'", ex3.Message, StringComparison.Ordinal);
        var ex4 = Assert.Throws<KeyNotFoundException>(() => g.UpdateAll(Fn.CopyU("nope", "m"), Fn.Sum("m", "x")));
        Assert.Contains("'nope'", ex4.Message, StringComparison.Ordinal);
        Assert.Throws<KeyNotFoundException>(() => g.UpdateAll(Fn.CopyU("h", "m"), Fn.Sum("m2", "x")));
    }

    [Fact]
    public void Heterograph_multi_update_all_matches_per_relation_computation_by_hand()
    {
        var rels = new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
        {
            [("user", "follows", "user")] = (new[] { 0, 1, 2, 2 }, new[] { 1, 2, 0, 1 }),
            [("user", "plays", "game")] = (new[] { 0, 1, 3 }, new[] { 0, 0, 1 }),
            [("game", "played-by", "user")] = (new[] { 0, 1, 1 }, new[] { 1, 3, 0 }),
        };
        var g = Dgl.Graph.CreateHetero(rels, new Dictionary<string, int>(StringComparer.Ordinal) { ["user"] = 4, ["game"] = 2 });
        var hu = Random([4, 3], DType.Float64, 1);
        var hg = Random([2, 3], DType.Float64, 2);
        g.Nodes["user"].Data["h"] = hu;
        g.Nodes["game"].Data["h"] = hg;
        var per = new Dictionary<EdgeTypeKey, (MessageFunction, ReduceFunction)>
        {
            ["follows"] = (Fn.CopyU("h", "m"), Fn.Sum("m", "out")),
            ["plays"] = (Fn.CopyU("h", "m"), Fn.Max("m", "out")),
            ["played-by"] = (Fn.CopyU("h", "m"), Fn.Mean("m", "out")),
        };
        // By hand: follows (sum) and played-by (mean) land on users; plays (max) on games.
        var follows = Agg(rels[("user", "follows", "user")], Values(hu), 4, ReduceOp.Sum);
        var playedBy = Agg(rels[("game", "played-by", "user")], Values(hg), 4, ReduceOp.Mean);
        var plays = Agg(rels[("user", "plays", "game")], Values(hu), 2, ReduceOp.Max);
        foreach (var cross in Enum.GetValues<CrossReducer>())
        {
            g.MultiUpdateAll(per, cross);
            var expectedUser = cross switch
            {
                CrossReducer.Sum => follows.Zip(playedBy, (a, b) => a + b).ToArray(),
                CrossReducer.Mean => follows.Zip(playedBy, (a, b) => (a + b) / 2).ToArray(),
                CrossReducer.Max => follows.Zip(playedBy, Math.Max).ToArray(),
                CrossReducer.Min => follows.Zip(playedBy, Math.Min).ToArray(),
                // Stack in relation order: ("game","played-by","user") sorts before ("user","follows","user").
                _ => Enumerable.Range(0, 4).SelectMany(v => playedBy.Skip(v * 3).Take(3).Concat(follows.Skip(v * 3).Take(3))).ToArray(),
            };
            Close(expectedUser, g.Nodes["user"].Data["out"], 1e-12, 1e-12, $"user {cross}");
            Close(plays, g.Nodes["game"].Data["out"], 1e-12, 1e-12, $"game {cross}");
        }
    }

    [Fact]
    public void Block_reads_source_frames_and_writes_destination_frames()
    {
        var b = Dgl.Graph.CreateBlock(new[] { 0, 1, 4, 2, 4 }, new[] { 0, 0, 1, 2, 2 }, 5, 3);
        var x = Random([5, 4], DType.Float64, 3);
        b.SrcData["h"] = x;
        b.DstData["h"] = Random([3, 4], DType.Float64, 4);
        b.UpdateAll(Fn.CopyU("h", "m"), Fn.Mean("m", "h"));
        var xv = Values(x);
        var expected = new double[12];
        foreach (var (v, us) in new[] { (0, new[] { 0, 1 }), (1, new[] { 4 }), (2, new[] { 2, 4 }) })
            for (var j = 0; j < 4; j++) expected[v * 4 + j] = us.Average(u => xv[u * 4 + j]);
        Close(expected, b.DstData["h"], 1e-12, 1e-12, "block mean");
        Assert.Equal(5, b.SrcData["h"].Size(0));
        b.ApplyEdges(Fn.UDotV("h", "h", "s"));
        Assert.Equal([5, 1], b.EData["s"].Shape.ToArray());
    }

    [Fact]
    public void Send_and_recv_and_pull_update_only_their_nodes()
    {
        var tg = TestGraph.Random(10, 10, 40, seed: 3);
        var g = Dgl.Graph.Create(tg.Src, tg.Dst, 10);
        var h = Random([10, 3], DType.Float64, 1);
        var old = Random([10, 3], DType.Float64, 2);
        g.NData["h"] = h;
        var hv = Values(h);
        var ov = Values(old);

        // send_and_recv on a subset of edges: receivers get the sum over those edges only.
        int[] edges = [0, 3, 5, 3, 11, 20];
        g.NData["out"] = old;
        g.SendAndRecv(edges, Fn.CopyU("h", "m"), Fn.Sum("m", "out"));
        var expected = (double[])ov.Clone();
        var receivers = edges.Select(e => tg.Dst[e]).Distinct().ToArray();
        foreach (var v in receivers)
            for (var j = 0; j < 3; j++) expected[v * 3 + j] = edges.Distinct().Where(e => tg.Dst[e] == v).Sum(e => hv[tg.Src[e] * 3 + j]);
        Close(expected, g.NData["out"], 1e-12, 1e-12, "send_and_recv");

        // pull: chosen nodes get the max over all their in-edges (0 without any); others keep their values.
        int[] nodes = [9, 1, 2];
        g.NData["out"] = old;
        g.Pull(nodes, Fn.CopyU("h", "m"), Fn.Max("m", "out"));
        expected = (double[])ov.Clone();
        foreach (var v in nodes)
        {
            var inEdges = tg.InEdges(v);
            for (var j = 0; j < 3; j++) expected[v * 3 + j] = inEdges.Count == 0 ? 0 : inEdges.Max(e => hv[tg.Src[e] * 3 + j]);
        }
        Close(expected, g.NData["out"], 1e-12, 1e-12, "pull");

        // apply_edges on a subset writes those edges; a new feature is 0 elsewhere.
        g.ApplyEdges(Fn.UAddV("h", "h", "s"), new[] { 2, 7 });
        var s = Values(g.EData["s"]);
        for (var e = 0; e < tg.NumEdges; e++)
            for (var j = 0; j < 3; j++)
                Assert.Equal(e is 2 or 7 ? hv[tg.Src[e] * 3 + j] + hv[tg.Dst[e] * 3 + j] : 0, s[e * 3 + j], 12);

        // apply_nodes on a subset.
        g.ApplyNodes(n => Feats("h2", n.Data["h"] * 2), new[] { 4 });
        var h2 = Values(g.NData["h2"]);
        for (var v = 0; v < 10; v++)
            for (var j = 0; j < 3; j++) Assert.Equal(v == 4 ? 2 * hv[12 + j] : 0, h2[v * 3 + j], 12);
    }

    [Fact]
    public void Message_passing_is_bit_identical_across_runs_and_thread_counts()
    {
        var tg = TestGraph.Random(2000, 2000, 40000, seed: 12);
        var saved = Parallelism.MaxThreads;
        try
        {
            float[][]? first = null;
            foreach (var threads in new[] { 1, 2, 3, 2 })
            {
                Parallelism.MaxThreads = threads;
                var g = Dgl.Graph.Create(tg.Src, tg.Dst, tg.NumSrc);
                var h = Random([2000, 4, 16], DType.Float32, 1).RequireGrad();
                g.NData["h"] = h;
                g.NData["q"] = Random([2000, 4, 16], DType.Float32, 2);
                g.ApplyEdges(Fn.UDotV("h", "q", "s"));
                g.EData["a"] = SparseOps.EdgeSoftmax(g.InCsr(), g.EData["s"]);
                g.UpdateAll(Fn.UMulE("h", "a", "m"), Fn.Sum("m", "x"));
                g.UpdateAll(Fn.USubV("h", "q", "m"), Fn.Max("m", "y"));
                g.UpdateAll(Fn.Message(e => Feats("m", e.Src["h"])),
                    Fn.Reduce(n => Feats("z", n.Mailbox["m"].Sum(1))));
                ((g.NData["x"] * g.NData["x"]).Sum() + g.NData["y"].Sum() + g.NData["z"].Sum()).Backward();
                float[][] results = [g.NData["x"].ToArray<float>(), g.NData["y"].ToArray<float>(), g.NData["z"].ToArray<float>(), h.Grad!.ToArray<float>()];
                if (first is null) first = results;
                else for (var i = 0; i < results.Length; i++) Assert.Equal(first[i], results[i]);
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    private static Dictionary<string, Tensor> Feats(string key, Tensor value) => new(StringComparer.Ordinal) { [key] = value };

    internal static BuiltinReduce Reduce(ReduceOp r, string m, string o) => r switch
    {
        ReduceOp.Sum => Fn.Sum(m, o),
        ReduceOp.Mean => Fn.Mean(m, o),
        ReduceOp.Max => Fn.Max(m, o),
        _ => Fn.Min(m, o),
    };

    private static Tensor ReduceMailbox(Tensor mail, ReduceOp r) => r switch
    {
        ReduceOp.Sum => mail.Sum(1),
        ReduceOp.Mean => mail.Mean(1),
        ReduceOp.Max => mail.Amax(1),
        _ => mail.Amin(1),
    };

    private static (double[] H, double[] W) Grads(Tensor y, Tensor h, Tensor w)
    {
        h.Grad = null;
        w.Grad = null;
        (y * Random(y.Shape.ToArray(), y.DType, 77)).Sum().Backward(retainGraph: true);
        return (Values(h.Grad!), Values(w.Grad!));
    }

    private static int Count(TestGraph g, Target t) => t switch { Target.Src => g.NumSrc, Target.Dst => g.NumDst, _ => g.NumEdges };

    private static double[] NaiveReduce(TestGraph g, double[] messages, int len, ReduceOp reduce)
    {
        var res = new double[g.NumDst * len];
        for (var v = 0; v < g.NumDst; v++)
        {
            var edges = g.InEdges(v);
            for (var j = 0; j < len; j++)
            {
                if (edges.Count == 0) continue;
                var vals = edges.Select(e => messages[e * len + j]).ToList();
                res[v * len + j] = reduce switch
                {
                    ReduceOp.Sum => vals.Sum(),
                    ReduceOp.Mean => vals.Average(),
                    ReduceOp.Max => vals.Max(),
                    _ => vals.Min(),
                };
            }
        }
        return res;
    }

    private static double[] Agg((IdArray Src, IdArray Dst) rel, double[] x, int numDst, ReduceOp reduce)
    {
        var src = rel.Src.AsSpan().ToArray();
        var dst = rel.Dst.AsSpan().ToArray();
        var res = new double[numDst * 3];
        for (var v = 0; v < numDst; v++)
        {
            var us = Enumerable.Range(0, src.Length).Where(e => dst[e] == v).Select(e => src[e]).ToList();
            for (var j = 0; j < 3; j++)
            {
                if (us.Count == 0) continue;
                var vals = us.Select(u => x[u * 3 + j]).ToList();
                res[v * 3 + j] = reduce switch { ReduceOp.Sum => vals.Sum(), ReduceOp.Mean => vals.Average(), _ => vals.Max() };
            }
        }
        return res;
    }

    private static string Fmt(int[] s) => GSpMMTests.Fmt(s);
}
