using Dgl.Ops;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Sparse.SparseReference;

namespace Dgl.Tests.Sparse;

public class GSDDMMTests
{
    private static readonly (int[] L, int[] R)[] s_binaryShapes =
    [
        ([5], [5]), ([5], [1]), ([1], [5]), ([3, 4], [3, 1]), ([2, 3, 4], [3, 1]), ([1, 4], [3, 1]),
        ([20], [20]), ([3, 8], [3, 1]), ([4, 24], [4, 1]), ([40, 2], [40, 1]), ([130], [130]), ([6], []),
    ];

    private static readonly (int[] L, int[] R)[] s_dotShapes =
    [
        ([5], [5]), ([3, 4], [3, 4]), ([1, 10, 8], [5, 1, 8]), ([4, 32], [4, 32]), ([20], [20]), ([2, 17], [1, 17]), ([1], [1]),
        // Unbroadcast [H, D] with D a multiple of the vector width take the unrolled row kernel (SddmmDotKernel) for
        // 1, 2, 4 or 8 heads of up to eight vectors per row, in float32 and float64; 3 heads and 16 vectors do not.
        ([16], [16]), ([128], [128]), ([2, 64], [2, 64]), ([8, 16], [8, 16]), ([8, 8], [8, 8]), ([3, 16], [3, 16]), ([2, 128], [2, 128]),
        // Float32 heads of half a vector (D = 8) take its two-heads-per-vector rows for 2, 4, 8 or 16 heads; 6 do not.
        ([2, 8], [2, 8]), ([4, 8], [4, 8]), ([16, 8], [16, 8]), ([6, 8], [6, 8]),
    ];

    private static readonly int[][] s_copyShapes = [[1], [7], [2, 3], [130], []];

    public static TheoryData<BinaryOp, DType> Cases()
    {
        var data = new TheoryData<BinaryOp, DType>();
        foreach (var op in Enum.GetValues<BinaryOp>())
            foreach (var dt in new[] { DType.Float32, DType.Float64 })
                data.Add(op, dt);
        return data;
    }

    /// <summary>Every op, on every (lhs, rhs) target pair, over the CSC, the CSR and the COO forms, against the naive loop.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_naive_loop_for_every_target_pair_and_form(BinaryOp op, DType dtype)
    {
        var seed = 0;
        foreach (var sorted in new[] { false, true })
        {
            var g = TestGraph.Random(17, 21, 120, seed: 21 + (sorted ? 1 : 0), sortedByDst: sorted);
            foreach (var lt in Enum.GetValues<Target>())
            {
                foreach (var rt in Enum.GetValues<Target>())
                {
                    foreach (var (ls, rs) in ShapesFor(op))
                    {
                        seed++;
                        var x = op == BinaryOp.CopyRhs ? null : Random([Count(g, lt), .. ls], dtype, seed);
                        var y = op == BinaryOp.CopyLhs ? null
                            : op == BinaryOp.Div ? Random([Count(g, rt), .. rs], dtype, seed + 500, 0.5, 2) : Random([Count(g, rt), .. rs], dtype, seed + 500);
                        var (shape, expected) = Sddmm(g, op, x is null ? null : Values(x), ls, lt, y is null ? null : Values(y), rs, rt);
                        var tol = dtype == DType.Float32 ? 3e-5 : 1e-12;
                        var what = $"{op}/{dtype} {lt}{GSpMMTests.Fmt(ls)}·{rt}{GSpMMTests.Fmt(rs)} sorted={sorted}";
                        foreach (var (form, actual) in new[]
                        {
                            ("csc", SparseOps.GSDDMM(g.InCsr, CsrRows.Dst, op, x, y, lt, rt)),
                            ("csr", SparseOps.GSDDMM(g.OutCsr, CsrRows.Src, op, x, y, lt, rt)),
                            ("coo", SparseOps.GSDDMM(g.Src, g.Dst, g.NumSrc, g.NumDst, op, x, y, lt, rt)),
                        })
                        {
                            Assert.Equal([g.NumEdges, .. shape], actual.Shape.ToArray());
                            Close(expected, actual, tol, tol, what + " " + form);
                        }
                    }
                }
            }
        }
    }

    public static TheoryData<BinaryOp, Target, Target> GradCases()
    {
        var data = new TheoryData<BinaryOp, Target, Target>();
        foreach (var op in Enum.GetValues<BinaryOp>())
            foreach (var lt in Enum.GetValues<Target>())
                foreach (var rt in Enum.GetValues<Target>())
                    data.Add(op, lt, rt);
        return data;
    }

    [Theory]
    [MemberData(nameof(GradCases))]
    public void Backward_passes_gradcheck(BinaryOp op, Target lt, Target rt)
    {
        var g = TestGraph.Random(7, 8, 22, seed: 31);
        (int[] L, int[] R)[] shapes = op switch
        {
            BinaryOp.Dot => [([3], [3]), ([1, 3], [2, 3])],
            BinaryOp.CopyLhs or BinaryOp.CopyRhs => [([3], [3])],
            _ => [([3], [3]), ([2, 3], [2, 1]), ([1, 3], [2, 1])],
        };
        var seed = 7;
        foreach (var (ls, rs) in shapes)
        {
            seed++;
            var x = Random([Count(g, lt), .. ls], DType.Float64, seed);
            var y = op == BinaryOp.Div ? Random([Count(g, rt), .. rs], DType.Float64, seed + 9, 0.5, 2) : Random([Count(g, rt), .. rs], DType.Float64, seed + 9);
            if (op != BinaryOp.CopyRhs) x.RequireGrad();
            if (op != BinaryOp.CopyLhs) y.RequireGrad();
            GradCheck.Assert(t => SparseOps.GSDDMM(g.InCsr, CsrRows.Dst, op, t[0], t[1], lt, rt), [x, y]);
            GradCheck.Assert(t => SparseOps.GSDDMM(g.Src, g.Dst, g.NumSrc, g.NumDst, op, t[0], t[1], lt, rt), [x, y]);
        }
    }

    [Fact]
    public void Operand_count_mismatch_names_the_target()
    {
        var g = TestGraph.Random(6, 5, 12, seed: 1);
        var ex = Assert.Throws<TensorShapeException>(() =>
            SparseOps.GSDDMM(g.InCsr, CsrRows.Dst, BinaryOp.Add, Tensor.Zeros(6, 2), Tensor.Zeros(6, 2), Target.Src, Target.Dst));
        Assert.Contains("5 destination nodes", ex.Message, StringComparison.Ordinal);
        Assert.Throws<TensorShapeException>(() =>
            SparseOps.GSDDMM(g.InCsr, CsrRows.Dst, BinaryOp.Dot, Tensor.Zeros(6, 2), Tensor.Zeros(5, 3), Target.Src, Target.Dst));
        var ce = Assert.Throws<ArgumentException>(() => SparseOps.GSDDMM([0, 9], [0, 1], 6, 5, BinaryOp.CopyLhs, Tensor.Zeros(6, 1), null));
        Assert.Contains("source id 9", ce.Message, StringComparison.Ordinal);
    }

    private static int Count(TestGraph g, Target t) => t switch { Target.Src => g.NumSrc, Target.Dst => g.NumDst, _ => g.NumEdges };

    private static IEnumerable<(int[] L, int[] R)> ShapesFor(BinaryOp op) => op switch
    {
        BinaryOp.CopyLhs => s_copyShapes.Select(s => (s, Array.Empty<int>())),
        BinaryOp.CopyRhs => s_copyShapes.Select(s => (Array.Empty<int>(), s)),
        BinaryOp.Dot => s_dotShapes,
        _ => s_binaryShapes,
    };
}
