using Dgl.Ops;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Sparse.SparseReference;

namespace Dgl.Tests.Sparse;

public class GSpMMTests
{
    /// <summary>(lhs feature shape, rhs feature shape) pairs covering every vector layout and the scalar fallback.</summary>
    private static readonly (int[] L, int[] R)[] s_binaryShapes =
    [
        ([5], [5]),            // elementwise, one partial vector
        ([5], [1]),            // scalar edge weight
        ([5], []),             // edge weight given as [E]
        ([1], [5]),            // scalar node value, full edge row
        ([3, 4], [3, 1]),      // per-head weights
        ([2, 3, 4], [3, 1]),   // rank padding
        ([1, 4], [3, 1]),      // both broadcast
        ([20], [20]),          // two vectors, partial tail
        ([3, 8], [3, 1]),      // heads narrower than a vector: permute
        ([4, 24], [4, 1]),     // heads straddling vectors: permute
        ([40, 2], [40, 1]),    // operand row longer than a vector read out of order: scalar loop
        ([130], [130]),        // several register blocks
        ([4, 32], [4, 1]),     // the benchmark's u_mul_e shape
        ([16], [1]),           // one whole float32 vector times an edge scalar: the one-slot sum loop
        ([16], []),            // the same with the weight given as [E]
        ([8], [1]),            // one whole float64 vector times an edge scalar
    ];

    private static readonly int[][] s_copyShapes = [[1], [7], [2, 3], [8], [16], [130], []];

    public static TheoryData<BinaryOp, ReduceOp, DType> Cases()
    {
        var data = new TheoryData<BinaryOp, ReduceOp, DType>();
        foreach (var op in new[] { BinaryOp.CopyLhs, BinaryOp.CopyRhs, BinaryOp.Add, BinaryOp.Sub, BinaryOp.Mul, BinaryOp.Div })
            foreach (var r in new[] { ReduceOp.Sum, ReduceOp.Mean, ReduceOp.Max, ReduceOp.Min })
                foreach (var dt in new[] { DType.Float32, DType.Float64 })
                    data.Add(op, r, dt);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_naive_loop(BinaryOp op, ReduceOp reduce, DType dtype)
    {
        var seed = 0;
        foreach (var sorted in new[] { false, true })
        {
            var g = TestGraph.Random(23, 19, 140, seed: 7 + (sorted ? 1 : 0), sortedByDst: sorted);
            foreach (var (ls, rs) in ShapesFor(op))
            {
                seed++;
                var x = op == BinaryOp.CopyRhs ? null : Random([g.NumSrc, .. ls], dtype, seed);
                // Divisors away from zero so float32 quotients stay well conditioned.
                var y = op == BinaryOp.CopyLhs ? null : op == BinaryOp.Div ? Random([g.NumEdges, .. rs], dtype, seed + 1000, 0.5, 2) : Random([g.NumEdges, .. rs], dtype, seed + 1000);
                var (shape, expected) = Spmm(g, op, reduce, x is null ? null : Values(x), ls, y is null ? null : Values(y), rs);
                var actual = SparseOps.GSpMM(g.InCsr, op, reduce, x, y);
                Assert.Equal([g.NumDst, .. shape], actual.Shape.ToArray());
                var tol = dtype == DType.Float32 ? 2e-5 : 1e-12;
                Close(expected, actual, tol, tol, $"{op}/{reduce}/{dtype} lhs {Fmt(ls)} rhs {Fmt(rs)} sorted={sorted}");
            }
        }
    }

    [Fact]
    public void Zero_in_degree_rows_are_zero_for_every_reducer()
    {
        var g = TestGraph.Random(10, 10, 30, seed: 3);
        var x = Random([10, 4], DType.Float32, 1, 5, 6);   // all positive: max would not be 0 by accident
        foreach (var r in new[] { ReduceOp.Sum, ReduceOp.Mean, ReduceOp.Max, ReduceOp.Min })
        {
            var y = SparseOps.GSpMM(g.InCsr, BinaryOp.CopyLhs, r, x, null);
            for (var v = 8; v < 10; v++)
            {
                Assert.Empty(g.InEdges(v));
                for (var j = 0; j < 4; j++) Assert.Equal(0f, y.Item<float>(v, j));
            }
        }
    }

    public static TheoryData<BinaryOp, ReduceOp> GradCases()
    {
        var data = new TheoryData<BinaryOp, ReduceOp>();
        foreach (var op in new[] { BinaryOp.CopyLhs, BinaryOp.CopyRhs, BinaryOp.Add, BinaryOp.Sub, BinaryOp.Mul, BinaryOp.Div })
            foreach (var r in new[] { ReduceOp.Sum, ReduceOp.Mean, ReduceOp.Max, ReduceOp.Min })
                data.Add(op, r);
        return data;
    }

    [Theory]
    [MemberData(nameof(GradCases))]
    public void Backward_passes_gradcheck(BinaryOp op, ReduceOp reduce)
    {
        var g = TestGraph.Random(9, 8, 26, seed: 11);
        (int[] L, int[] R)[] shapes = op is BinaryOp.CopyLhs or BinaryOp.CopyRhs
            ? [([3], [3]), ([2, 2], [2, 2])]
            : [([3], [3]), ([3], [1]), ([2, 3], [2, 1]), ([1, 3], [2, 1]), ([2], []), ([2, 16], [2, 1])];
        var seed = 100;
        foreach (var (ls, rs) in shapes)
        {
            seed++;
            var x = Random([g.NumSrc, .. ls], DType.Float64, seed).RequireGrad();
            var y = (op == BinaryOp.Div ? Random([g.NumEdges, .. rs], DType.Float64, seed + 50, 0.5, 2) : Random([g.NumEdges, .. rs], DType.Float64, seed + 50)).RequireGrad();
            GradCheck.Assert(t => SparseOps.GSpMM(g.InCsr, op, reduce, t[0], t[1]),
                [op == BinaryOp.CopyRhs ? x.Detach() : x, op == BinaryOp.CopyLhs ? y.Detach() : y]);
        }
    }

    /// <summary>Sum/mean of mul/div with both operands requiring grad runs the fused one-pass backward where the
    /// reversed graph's edge ids are the identity (edges sorted by source) or rows are wide, the unfused pair of
    /// kernels otherwise; check both gradients against the analytic formulas evaluated by a naive loop, for the layouts
    /// the fused pass handles, in every edge order.</summary>
    [Theory]
    [InlineData(BinaryOp.Mul, ReduceOp.Sum)]
    [InlineData(BinaryOp.Mul, ReduceOp.Mean)]
    [InlineData(BinaryOp.Div, ReduceOp.Sum)]
    [InlineData(BinaryOp.Div, ReduceOp.Mean)]
    public void Fused_backward_matches_naive_gradients(BinaryOp op, ReduceOp reduce)
    {
        (int[] L, int[] R)[] shapes = [([4, 32], [4, 1]), ([8, 16], [8, 1]), ([6, 16], [6, 1]), ([2, 16], [2, 1]), ([64], [1]), ([40], [40]), ([128], [128]), ([128], [1]), ([8, 8], [8, 1]), ([3, 24], [3, 1]), ([16], [])];
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            // Six sources give rows of ~60 out-edges: more than one batch of the kernel's staged per-edge weights.
            foreach (var (numSrc, sorted, bySrc) in new[] { (40, false, false), (40, true, false), (6, false, false), (40, false, true), (6, false, true) })
            {
                var g = TestGraph.Random(numSrc, 35, 300, seed: 13, sortedByDst: sorted, sortedBySrc: bySrc);
                var seed = 0;
                foreach (var (ls, rs) in shapes)
                {
                    seed++;
                    var x = Random([g.NumSrc, .. ls], dtype, seed).RequireGrad();
                    var y = Random([g.NumEdges, .. rs], dtype, seed + 40, 0.5, 2).RequireGrad();
                    var outShape = Broadcast(ls, rs);
                    var len = Product(outShape);
                    var gOut = Random([g.NumDst, .. outShape], dtype, seed + 80);
                    SparseOps.GSpMM(g.InCsr, op, reduce, x, y).Backward(gOut);
                    var xv = Values(x);
                    var yv = Values(y);
                    var gv = Values(gOut);
                    var xl = Product(ls);
                    var yl = Product(rs);
                    var dx = new double[xv.Length];
                    var dy = new double[yv.Length];
                    for (var e = 0; e < g.NumEdges; e++)
                    {
                        var u = g.Src[e];
                        var v = g.Dst[e];
                        var scale = reduce == ReduceOp.Mean ? 1.0 / g.InEdges(v).Count : 1.0;
                        for (var j = 0; j < len; j++)
                        {
                            var a = xv[u * xl + Read(j, outShape, ls)];
                            var b = yv[e * yl + Read(j, outShape, rs)];
                            var gj = gv[v * len + j] * scale;
                            dx[u * xl + Read(j, outShape, ls)] += op == BinaryOp.Mul ? gj * b : gj / b;
                            dy[e * yl + Read(j, outShape, rs)] += op == BinaryOp.Mul ? gj * a : -gj * a / (b * b);
                        }
                    }
                    var tol = dtype == DType.Float32 ? 1e-4 : 1e-11;
                    var what = $"{op}/{reduce}/{dtype} {Fmt(ls)}x{Fmt(rs)} sources={numSrc} sorted={sorted} bySrc={bySrc}";
                    Close(dx, x.Grad!, tol, tol, "dlhs " + what);
                    Close(dy, y.Grad!, tol, tol, "drhs " + what);
                }
            }
        }
    }

    [Fact]
    public void Backward_with_given_out_csr_matches_built_transpose()
    {
        var g = TestGraph.Random(12, 12, 50, seed: 5);
        var x = Random([12, 6], DType.Float64, 1).RequireGrad();
        var w = Random([g.NumEdges, 1], DType.Float64, 2).RequireGrad();
        SparseOps.GSpMM(g.InCsr, BinaryOp.Mul, ReduceOp.Sum, x, w, g.OutCsr).Sum().Backward();
        var gx = Values(x.Grad!);
        var gw = Values(w.Grad!);
        // Reference: d/dx Σ_v Σ_{e→v} x[u]·w[e] = Σ over out-edges of w[e]; d/dw[e] = Σ_j x[u, j].
        var xv = Values(x);
        var wv = Values(w);
        for (var u = 0; u < 12; u++)
        {
            var s = g.OutEdges(u).Sum(e => wv[e]);
            for (var j = 0; j < 6; j++) Assert.Equal(s, gx[u * 6 + j], 12);
        }
        for (var e = 0; e < g.NumEdges; e++)
            Assert.Equal(Enumerable.Range(0, 6).Sum(j => xv[g.Src[e] * 6 + j]), gw[e], 12);
    }

    [Fact]
    public void Bad_inputs_throw_typed_exceptions_naming_the_values()
    {
        var g = TestGraph.Random(6, 5, 12, seed: 1);
        var x = Tensor.Zeros(6, 3);
        var w = Tensor.Zeros(g.NumEdges, 3);
        var ex = Assert.Throws<TensorShapeException>(() => SparseOps.GSpMM(g.InCsr, BinaryOp.CopyLhs, ReduceOp.Sum, Tensor.Zeros(5, 3), null));
        Assert.Contains("6 source nodes", ex.Message, StringComparison.Ordinal);
        Assert.Throws<TensorShapeException>(() => SparseOps.GSpMM(g.InCsr, BinaryOp.Mul, ReduceOp.Sum, x, Tensor.Zeros(g.NumEdges, 4)));
        Assert.Throws<TensorDTypeException>(() => SparseOps.GSpMM(g.InCsr, BinaryOp.Add, ReduceOp.Sum, x, w.Double()));
        Assert.Throws<TensorDTypeException>(() => SparseOps.GSpMM(g.InCsr, BinaryOp.CopyLhs, ReduceOp.Sum, Tensor.Zeros(new Shape(6, 3), DType.Int32), null));
        Assert.Throws<ArgumentOutOfRangeException>(() => SparseOps.GSpMM(g.InCsr, BinaryOp.Dot, ReduceOp.Sum, x, w));
        var bad = new Csr(2, 2, [0, 1, 2], [0, 5], [0, 1]);
        var ce = Assert.Throws<ArgumentException>(() => SparseOps.GSpMM(bad, BinaryOp.CopyLhs, ReduceOp.Sum, Tensor.Zeros(2, 1), null));
        Assert.Contains("column id 5", ce.Message, StringComparison.Ordinal);
        var dup = new Csr(2, 2, [0, 1, 2], [0, 1], [1, 1]);
        Assert.Throws<ArgumentException>(() => SparseOps.GSpMM(dup, BinaryOp.CopyRhs, ReduceOp.Sum, null, Tensor.Zeros(2, 1)));
    }

    private static IEnumerable<(int[] L, int[] R)> ShapesFor(BinaryOp op) => op switch
    {
        BinaryOp.CopyLhs => s_copyShapes.Select(s => (s, Array.Empty<int>())),
        BinaryOp.CopyRhs => s_copyShapes.Select(s => (Array.Empty<int>(), s)),
        _ => s_binaryShapes,
    };

    internal static string Fmt(int[] s) => "[" + string.Join(",", s) + "]";
}
