using Dgl.Ops;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Sparse.SparseReference;

namespace Dgl.Tests.Sparse;

/// <summary>
/// The graph-level entry points (DGL's <c>dgl.ops.gspmm(g, …)</c>, <c>gsddmm(g, …)</c>, <c>edge_softmax(g, …)</c>):
/// edge tensors indexed by the graph's own edge ids (a shuffled edge list, so those differ from CSC order), one
/// relation of a heterograph picked by type, blocks with different source and destination counts.
/// </summary>
public class GraphOpsTests
{
    private static (TestGraph T, Dgl.Graph G) Homogeneous(int seed)
    {
        var t = TestGraph.Random(12, 12, 60, seed);
        return (t, Dgl.Graph.Create(t.Src, t.Dst, t.NumSrc));
    }

    [Theory]
    [InlineData(BinaryOp.Mul, ReduceOp.Sum)]
    [InlineData(BinaryOp.Sub, ReduceOp.Mean)]
    [InlineData(BinaryOp.Div, ReduceOp.Max)]
    [InlineData(BinaryOp.Add, ReduceOp.Min)]
    public void GSpMM_on_a_graph_matches_naive_loop_over_its_edge_ids(BinaryOp op, ReduceOp reduce)
    {
        var (t, g) = Homogeneous(3);
        var x = Random([t.NumSrc, 2, 3], DType.Float64, 1);
        var w = Random([t.NumEdges, 2, 1], DType.Float64, 2, 0.5, 2);
        var (shape, expected) = Spmm(t, op, reduce, Values(x), [2, 3], Values(w), [2, 1]);
        var actual = SparseOps.GSpMM(g, op, reduce, x, w);
        Assert.Equal([t.NumDst, .. shape], actual.Shape.ToArray());
        Close(expected, actual, 1e-12, 1e-12, $"{op}/{reduce}");
    }

    [Fact]
    public void DGL_spellings_give_the_same_bits_as_the_enums()
    {
        var (_, g) = Homogeneous(4);
        var x = Random([g.NumNodes(), 4], DType.Float32, 1);
        var w = Random([g.NumEdges(), 1], DType.Float32, 2);
        Assert.Equal(Values(SparseOps.GSpMM(g, BinaryOp.Mul, ReduceOp.Mean, x, w)), Values(SparseOps.GSpMM(g, "mul", "mean", x, w)));
        Assert.Equal(Values(SparseOps.GSpMM(g, BinaryOp.CopyLhs, ReduceOp.Max, x, null)), Values(SparseOps.GSpMM(g, "copy_lhs", "max", x, null)));
        Assert.Equal(Values(SparseOps.GSDDMM(g, BinaryOp.Dot, x, x, Target.Src, Target.Dst)), Values(SparseOps.GSDDMM(g, "dot", x, x, "u", "v")));
        Assert.Equal(Values(SparseOps.GSDDMM(g, BinaryOp.Mul, w, x, Target.Edge, Target.Src)), Values(SparseOps.GSDDMM(g, "mul", w, x, "e", "u")));
    }

    [Fact]
    public void GSDDMM_on_a_graph_matches_naive_loop_over_its_edge_ids()
    {
        var (t, g) = Homogeneous(5);
        var h = Random([t.NumSrc, 2, 4], DType.Float64, 1);
        var e = Random([t.NumEdges, 2, 1], DType.Float64, 2);
        var (shape, dot) = Sddmm(t, BinaryOp.Dot, Values(h), [2, 4], Target.Src, Values(h), [2, 4], Target.Dst);
        var actual = SparseOps.GSDDMM(g, BinaryOp.Dot, h, h);
        Assert.Equal([t.NumEdges, .. shape], actual.Shape.ToArray());
        Close(dot, actual, 1e-12, 1e-12, "u_dot_v");
        var (_, sub) = Sddmm(t, BinaryOp.Sub, Values(e), [2, 1], Target.Edge, Values(h), [2, 4], Target.Dst);
        Close(sub, SparseOps.GSDDMM(g, BinaryOp.Sub, e, h, Target.Edge, Target.Dst), 1e-12, 1e-12, "e_sub_v");
    }

    [Fact]
    public void EdgeSoftmax_on_a_graph_normalises_by_destination_or_by_source()
    {
        var (t, g) = Homogeneous(6);
        var x = Random([t.NumEdges, 3], DType.Float64, 1, -20, 20);
        Close(EdgeSoftmaxTests.Naive(t.NumDst, t.InEdges, Values(x), 3), SparseOps.EdgeSoftmax(g, x), 1e-13, 1e-13, "by dst");
        Close(EdgeSoftmaxTests.Naive(t.NumSrc, t.OutEdges, Values(x), 3), SparseOps.EdgeSoftmax(g, x, NormBy.Src), 1e-13, 1e-13, "by src");
    }

    [Fact]
    public void Graph_level_ops_pass_gradcheck()
    {
        var (t, g) = Homogeneous(7);
        var x = Random([t.NumSrc, 2, 3], DType.Float64, 1).RequireGrad();
        var w = Random([t.NumEdges, 2, 1], DType.Float64, 2).RequireGrad();
        GradCheck.Assert(a => SparseOps.GSpMM(g, BinaryOp.Mul, ReduceOp.Sum, a[0], a[1]), [x, w]);
        GradCheck.Assert(a => SparseOps.GSDDMM(g, BinaryOp.Dot, a[0], a[1]), [x, Random([t.NumSrc, 2, 3], DType.Float64, 3).RequireGrad()]);
        GradCheck.Assert(a => SparseOps.EdgeSoftmax(g, a[0], NormBy.Src), [w]);
        GradCheck.Assert(a => SparseOps.EdgeSoftmax(g, a[0], NormBy.Dst), [w]);
    }

    [Fact]
    public void A_block_reads_its_source_side_and_writes_its_destination_side()
    {
        var t = TestGraph.Random(14, 9, 40, seed: 8);
        var block = Dgl.Graph.CreateBlock(t.Src, t.Dst, t.NumSrc, t.NumDst);
        var x = Random([t.NumSrc, 5], DType.Float64, 1);
        var (_, expected) = Spmm(t, BinaryOp.CopyLhs, ReduceOp.Sum, Values(x), [5], null, [1]);
        var y = SparseOps.GSpMM(block, BinaryOp.CopyLhs, ReduceOp.Sum, x, null);
        Assert.Equal([t.NumDst, 5], y.Shape.ToArray());
        Close(expected, y, 1e-12, 1e-12, "block copy_u/sum");
        var d = Random([t.NumDst, 5], DType.Float64, 2);
        var (_, dot) = Sddmm(t, BinaryOp.Dot, Values(x), [5], Target.Src, Values(d), [5], Target.Dst);
        Close(dot, SparseOps.GSDDMM(block, BinaryOp.Dot, x, d), 1e-12, 1e-12, "block u_dot_v");
    }

    [Fact]
    public void A_heterograph_runs_the_relation_its_type_names()
    {
        var g = Dgl.Graph.CreateHetero(new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
        {
            [("user", "plays", "game")] = ([0, 1, 1, 2], [0, 0, 2, 1]),
            [("user", "follows", "user")] = ([0, 1, 1], [2, 2, 0]),
        });
        var users = Tensor.FromArray(new double[] { 1, 10, 100 }, new Shape(3, 1));
        // game 0 ← users 0, 1; game 1 ← user 2; game 2 ← user 1.
        Assert.Equal([11.0, 100, 10], Values(SparseOps.GSpMM(g, BinaryOp.CopyLhs, ReduceOp.Sum, users, null, "plays")));
        // follows: e0 = 0 → 2, e1 = 1 → 2, e2 = 1 → 0. User 0 ← user 1; user 1 ← nobody; user 2 ← users 0, 1.
        Assert.Equal([10.0, 0, 11], Values(SparseOps.GSpMM(g, "copy_lhs", "sum", users, null, ("user", "follows", "user"))));
        var scores = Tensor.FromArray(new double[] { 0, 0, 5 }, new Shape(3, 1));
        Close([0.5, 0.5, 1], SparseOps.EdgeSoftmax(g, scores, NormBy.Dst, "follows"), 1e-15, 1e-15, "by dst");
        Close([1, 1 / (1 + Math.Exp(5)), 1 / (1 + Math.Exp(-5))], SparseOps.EdgeSoftmax(g, scores, NormBy.Src, "follows"), 1e-15, 1e-15, "by src");

        var missing = Assert.Throws<ArgumentException>(() => SparseOps.GSpMM(g, BinaryOp.CopyLhs, ReduceOp.Sum, users, null));
        Assert.Contains("plays", missing.Message, StringComparison.Ordinal);
        Assert.Contains("follows", missing.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<ArgumentException>(() => SparseOps.GSDDMM(g, BinaryOp.Dot, users, users, etype: "likes"));
        Assert.Contains("'likes'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("follows", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_names_and_mismatched_operands_are_rejected_naming_the_value()
    {
        var (t, g) = Homogeneous(9);
        var x = Random([t.NumSrc, 4], DType.Float32, 1);
        var op = Assert.Throws<ArgumentException>(() => SparseOps.GSpMM(g, "pow", "sum", x, x));
        Assert.Contains("'pow'", op.Message, StringComparison.Ordinal);
        Assert.Contains("copy_lhs", op.Message, StringComparison.Ordinal);
        var dot = Assert.Throws<ArgumentException>(() => SparseOps.GSpMM(g, "dot", "sum", x, x));
        Assert.Contains("'dot'", dot.Message, StringComparison.Ordinal);
        var reduce = Assert.Throws<ArgumentException>(() => SparseOps.GSpMM(g, "copy_lhs", "prod", x, null));
        Assert.Contains("'prod'", reduce.Message, StringComparison.Ordinal);
        Assert.Contains("mean", reduce.Message, StringComparison.Ordinal);
        var target = Assert.Throws<ArgumentException>(() => SparseOps.GSDDMM(g, "add", x, x, "u", "w"));
        Assert.Contains("'w'", target.Message, StringComparison.Ordinal);
        Assert.Equal("rhsTarget", target.ParamName);
        var rows = Assert.Throws<TensorShapeException>(() => SparseOps.EdgeSoftmax(g, Random([t.NumEdges + 1, 2], DType.Float32, 2)));
        Assert.Contains($"{t.NumEdges} edges", rows.Message, StringComparison.Ordinal);
    }
}
