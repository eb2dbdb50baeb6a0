using Dgl.Sparse;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Sparse.SparseReference;

namespace Dgl.Tests.Sparse;

public class SparseMatrixTests
{
    // 4×5 with a duplicate entry (1, 2), an empty row (3) and an empty column (4).
    private static readonly int[] s_row = [0, 1, 1, 2, 1, 0];
    private static readonly int[] s_col = [1, 2, 0, 3, 2, 0];

    private static SparseMatrix Make(Tensor? values = null) => SparseMatrix.FromCoo(s_row, s_col, values, (4, 5));

    private static double[] Dense(double[] v, int h)
    {
        var d = new double[4 * 5 * h];
        for (var k = 0; k < s_row.Length; k++)
            for (var j = 0; j < h; j++) d[(s_row[k] * 5 + s_col[k]) * h + j] += v[k * h + j];
        return d;
    }

    [Fact]
    public void Construction_from_coo_csr_csc_and_diag_gives_the_expected_dense_matrix()
    {
        var v = Random([6], DType.Float64, 1);
        var a = Make(v);
        Close(Dense(Values(v), 1), a.ToDense(), 0, 0, "coo");
        Assert.Equal([4, 5], a.ToDense().Shape.ToArray());
        var csr = SparseMatrix.FromCsr([0, 2, 4, 5, 5], new[] { 1, 0, 2, 0, 3 }, Tensor.From<double>([1, 2, 3, 4, 5]), 5);
        Assert.Equal([2.0, 1, 0, 0, 0, 4, 0, 3, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0], Values(csr.ToDense()));
        var csc = SparseMatrix.FromCsc([0, 1, 1, 3], new[] { 2, 0, 1 }, Tensor.From<double>([7, 8, 9]), 3);
        Assert.Equal([0.0, 0, 8, 0, 0, 9, 7, 0, 0], Values(csc.ToDense()));
        Assert.Equal([1.0, 0, 0, 0, 1, 0, 0, 0, 1], Values(SparseMatrix.Identity(3, DType.Float64).ToDense()));
        Assert.Equal([2.0, 0, 0, 0, 3, 0], Values(SparseMatrix.Diag(Tensor.From<double>([2, 3]), (2, 3)).ToDense()));
        Close(Dense(Values(v), 1), a.T.T.ToDense(), 0, 0, "transpose twice");
        var t = Values(a.T.ToDense());
        var d = Dense(Values(v), 1);
        for (var i = 0; i < 4; i++) for (var j = 0; j < 5; j++) Assert.Equal(d[i * 5 + j], t[j * 4 + i]);
        Assert.Throws<ArgumentException>(() => SparseMatrix.FromCoo(new[] { 0, 4 }, new[] { 0, 0 }, null, (4, 4)));
    }

    [Fact]
    public void Spmm_matches_dense_product_for_scalar_and_vector_values()
    {
        var v = Random([6], DType.Float64, 2);
        var x = Random([5, 3], DType.Float64, 3);
        var dense = Dense(Values(v), 1);
        var xv = Values(x);
        var expected = new double[4 * 3];
        for (var i = 0; i < 4; i++) for (var j = 0; j < 5; j++) for (var f = 0; f < 3; f++) expected[i * 3 + f] += dense[i * 5 + j] * xv[j * 3 + f];
        Close(expected, Make(v).Spmm(x), 1e-12, 1e-12, "spmm");

        // H = 2 values per entry: x [5, D=3, H=2] → y [4, 3, 2].
        var vh = Random([6, 2], DType.Float64, 4);
        var xh = Random([5, 3, 2], DType.Float64, 5);
        var dh = Dense(Values(vh), 2);
        var xhv = Values(xh);
        var eh = new double[4 * 3 * 2];
        for (var i = 0; i < 4; i++) for (var j = 0; j < 5; j++) for (var f = 0; f < 3; f++) for (var h = 0; h < 2; h++)
            eh[(i * 3 + f) * 2 + h] += dh[(i * 5 + j) * 2 + h] * xhv[(j * 3 + f) * 2 + h];
        Close(eh, Make(vh).Spmm(xh), 1e-12, 1e-12, "bspmm");

        GradCheck.Assert(t => Make(t[0]).Spmm(t[1]), [v.RequireGrad(), x.RequireGrad()]);
    }

    [Fact]
    public void Sddmm_samples_the_dense_product_at_the_entries()
    {
        var v = Random([6], DType.Float64, 6);
        var x1 = Random([4, 3], DType.Float64, 7);
        var x2 = Random([3, 5], DType.Float64, 8);
        var p = Values(x1.MatMul(x2));
        var vv = Values(v);
        var expected = Enumerable.Range(0, 6).Select(k => vv[k] * p[s_row[k] * 5 + s_col[k]]).ToArray();
        Close(expected, SparseMatrix.Sddmm(Make(v), x1, x2).Values, 1e-12, 1e-12, "sddmm");

        var x1h = Random([4, 3, 2], DType.Float64, 9);
        var x2h = Random([3, 5, 2], DType.Float64, 10);
        var a = Values(x1h);
        var b = Values(x2h);
        var eh = new double[6 * 2];
        for (var k = 0; k < 6; k++)
            for (var h = 0; h < 2; h++)
                for (var q = 0; q < 3; q++) eh[k * 2 + h] += vv[k] * a[(s_row[k] * 3 + q) * 2 + h] * b[(q * 5 + s_col[k]) * 2 + h];
        Close(eh, SparseMatrix.Sddmm(Make(v), x1h, x2h).Values, 1e-12, 1e-12, "batched sddmm");
        GradCheck.Assert(t => SparseMatrix.Sddmm(Make(t[0]), t[1], t[2]).Values, [v.RequireGrad(), x1.RequireGrad(), x2.RequireGrad()]);
    }

    [Fact]
    public void Softmax_and_reductions_work_row_and_column_wise()
    {
        var v = Random([6, 2], DType.Float64, 11, -2, 2);
        var a = Make(v);
        var vv = Values(v);
        var sm = Values(a.Softmax().Values);
        for (var r = 0; r < 4; r++)
        {
            var ks = Enumerable.Range(0, 6).Where(k => s_row[k] == r).ToList();
            for (var h = 0; h < 2; h++)
            {
                var s = ks.Sum(k => Math.Exp(vv[k * 2 + h]));
                foreach (var k in ks) Assert.Equal(Math.Exp(vv[k * 2 + h]) / s, sm[k * 2 + h], 12);
            }
        }
        foreach (var (dim, count, key) in new[] { (1, 4, (Func<int, int>)(k => s_row[k])), (0, 5, k => s_col[k]) })
        {
            var sum = Values(a.Sum(dim));
            var max = Values(a.Max(dim));
            var min = Values(a.Min(dim));
            var mean = Values(a.Mean(dim));
            for (var i = 0; i < count; i++)
            {
                var ks = Enumerable.Range(0, 6).Where(k => key(k) == i).ToList();
                for (var h = 0; h < 2; h++)
                {
                    var vals = ks.Select(k => vv[k * 2 + h]).ToList();
                    Assert.Equal(vals.Sum(), sum[i * 2 + h], 12);
                    Assert.Equal(vals.Count == 0 ? 0 : vals.Max(), max[i * 2 + h], 12);
                    Assert.Equal(vals.Count == 0 ? 0 : vals.Min(), min[i * 2 + h], 12);
                    Assert.Equal(vals.Count == 0 ? 0 : vals.Average(), mean[i * 2 + h], 12);
                }
            }
        }
        var total = Values(a.Sum());
        Assert.Equal([2], a.Sum().Shape.ToArray());
        for (var h = 0; h < 2; h++) Assert.Equal(Enumerable.Range(0, 6).Sum(k => vv[k * 2 + h]), total[h], 12);
        GradCheck.Assert(t => Make(t[0]).Softmax().Values, [v.RequireGrad()]);
    }

    [Fact]
    public void Add_merges_sparsities_and_scalar_ops_scale_values()
    {
        var v = Random([6], DType.Float64, 12);
        var b = SparseMatrix.FromCoo(new[] { 1, 3, 0 }, new[] { 2, 4, 1 }, Tensor.From<double>([10, 20, 30]), (4, 5));
        var sum = Make(v) + b;
        var expected = Dense(Values(v), 1);
        expected[1 * 5 + 2] += 10;
        expected[3 * 5 + 4] += 20;
        expected[0 * 5 + 1] += 30;
        Close(expected, sum.ToDense(), 1e-12, 1e-12, "add");
        Assert.Equal(6, sum.Nnz);   // five distinct entries in A, plus (3, 4) from B
        var diff = Values((Make(v) - Make(v)).ToDense());
        Assert.All(diff, d => Assert.Equal(0, d, 12));
        Close(Dense(Values(v), 1).Select(d => d * 2.5).ToArray(), (Make(v) * 2.5).ToDense(), 1e-12, 1e-12, "scale");
        Close(Dense(Values(v), 1).Select(d => -d / 4).ToArray(), (-Make(v) / 4).ToDense(), 1e-12, 1e-12, "neg div");
        var c = Make(v).Coalesce();
        Assert.Equal(5, c.Nnz);
        Close(Dense(Values(v), 1), c.ToDense(), 1e-12, 1e-12, "coalesce");
        GradCheck.Assert(t => (Make(t[0]) + Make(t[0] * 2)).ToDense(), [v.RequireGrad()]);
    }

    [Fact]
    public void Reductions_scalar_ops_and_transpose_pass_gradcheck()
    {
        // Distinct values, so that max and min have one winner per row and column and finite differences see it.
        var v = Random([6, 2], DType.Float64, 13, -2, 2).RequireGrad();
        foreach (int? dim in new int?[] { null, 0, 1 })
        {
            GradCheck.Assert(t => Make(t[0]).Sum(dim), [v]);
            GradCheck.Assert(t => Make(t[0]).Mean(dim), [v]);
            GradCheck.Assert(t => Make(t[0]).Max(dim), [v]);
            GradCheck.Assert(t => Make(t[0]).Min(dim), [v]);
        }
        GradCheck.Assert(t => ((Make(t[0]) * 2.5) / 4).Values, [v]);
        GradCheck.Assert(t => (-Make(t[0]) - Make(t[0] * 3)).ToDense(), [v]);
        var x = Random([4, 3, 2], DType.Float64, 14).RequireGrad();
        GradCheck.Assert(t => Make(t[0]).T.Spmm(t[1]), [v, x]);
        GradCheck.Assert(t => Make(t[0]).Transpose().Sum(1), [v]);
    }
}
