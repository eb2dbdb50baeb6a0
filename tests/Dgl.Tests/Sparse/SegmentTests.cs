using Dgl.Ops;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Sparse.SparseReference;

namespace Dgl.Tests.Sparse;

public class SegmentTests
{
    // Includes empty segments at the start, middle and end, and a long one spanning several vectors of rows.
    private static readonly long[] s_lengths = [0, 3, 1, 0, 25, 2, 0];

    [Theory]
    [InlineData(ReduceOp.Sum)]
    [InlineData(ReduceOp.Mean)]
    [InlineData(ReduceOp.Max)]
    [InlineData(ReduceOp.Min)]
    public void SegmentReduce_matches_naive_loop(ReduceOp reduce)
    {
        var n = (int)s_lengths.Sum();
        foreach (var feat in new[] { new[] { 4 }, [1], [2, 9], [] })
        {
            foreach (var dt in new[] { DType.Float32, DType.Float64 })
            {
                var x = Random([n, .. feat], dt, 6);
                var w = Product(feat);
                var xv = Values(x);
                var expected = new double[s_lengths.Length * w];
                var start = 0L;
                for (var s = 0; s < s_lengths.Length; s++)
                {
                    for (var j = 0; j < w; j++)
                    {
                        var vals = Enumerable.Range((int)start, (int)s_lengths[s]).Select(i => xv[i * w + j]).ToList();
                        expected[s * w + j] = vals.Count == 0 ? 0 : reduce switch
                        {
                            ReduceOp.Sum => vals.Sum(),
                            ReduceOp.Mean => vals.Average(),
                            ReduceOp.Max => vals.Max(),
                            _ => vals.Min(),
                        };
                    }
                    start += s_lengths[s];
                }
                var y = SparseOps.SegmentReduce(Tensor.FromArray(s_lengths), x, reduce);
                Assert.Equal([s_lengths.Length, .. feat], y.Shape.ToArray());
                var tol = dt == DType.Float32 ? 1e-5 : 1e-13;
                Close(expected, y, tol, tol, $"{reduce} {GSpMMTests.Fmt(feat)} {dt}");
            }
        }
    }

    [Theory]
    [InlineData(ReduceOp.Sum)]
    [InlineData(ReduceOp.Mean)]
    [InlineData(ReduceOp.Max)]
    [InlineData(ReduceOp.Min)]
    public void SegmentReduce_passes_gradcheck(ReduceOp reduce)
    {
        var x = Random([(int)s_lengths.Sum(), 3], DType.Float64, 2).RequireGrad();
        GradCheck.Assert(t => SparseOps.SegmentReduce(Tensor.FromArray(s_lengths), t[0], reduce), [x]);
    }

    [Fact]
    public void SegmentSoftmax_matches_naive_and_passes_gradcheck()
    {
        var n = (int)s_lengths.Sum();
        var x = Random([n, 2], DType.Float64, 8, -3, 3);
        var y = SparseOps.SegmentSoftmax(Tensor.FromArray(s_lengths), x);
        var xv = Values(x);
        var expected = new double[xv.Length];
        var start = 0;
        foreach (var len in s_lengths)
        {
            for (var j = 0; j < 2; j++)
            {
                var s = 0.0;
                for (var i = start; i < start + len; i++) s += Math.Exp(xv[i * 2 + j]);
                for (var i = start; i < start + len; i++) expected[i * 2 + j] = Math.Exp(xv[i * 2 + j]) / s;
            }
            start += (int)len;
        }
        Close(expected, y, 1e-13, 1e-13, "segment softmax");
        x.RequireGrad();
        GradCheck.Assert(t => SparseOps.SegmentSoftmax(Tensor.FromArray(s_lengths), t[0]), [x]);
    }

    [Fact]
    public void SegmentReduce_rejects_bad_offsets()
    {
        var x = Tensor.Zeros(5, 2);
        Assert.Throws<ArgumentException>(() => SparseOps.SegmentReduce(new long[] { 0, 2, 4 }, x, ReduceOp.Sum));
        Assert.Throws<ArgumentException>(() => SparseOps.SegmentReduce(new long[] { 0, 3, 2, 5 }, x, ReduceOp.Sum));
        Assert.Throws<ArgumentException>(() => SparseOps.SegmentReduce(Tensor.FromArray(new long[] { 2, -1, 4 }), x, ReduceOp.Sum));
        Assert.Throws<TensorDTypeException>(() => SparseOps.SegmentReduce(Tensor.FromArray(new float[] { 5 }), x, ReduceOp.Sum));
    }

    [Fact]
    public void SegmentMM_and_GatherMM_match_naive_products_and_pass_gradcheck()
    {
        var lengths = new long[] { 3, 0, 4, 2 };
        var n = 9;
        var x = Random([n, 5], DType.Float64, 1);
        var w = Random([4, 5, 3], DType.Float64, 2);
        var idx = new long[] { 2, 0, 3, 3, 2, 0, 0, 2, 3 };
        var seg = new int[n];
        for (int s = 0, i = 0; s < lengths.Length; s++) for (var k = 0; k < lengths[s]; k++) seg[i++] = s;
        var xv = Values(x);
        var wv = Values(w);
        double[] Naive(int[] rel)
        {
            var y = new double[n * 3];
            for (var i = 0; i < n; i++)
                for (var o = 0; o < 3; o++)
                    for (var k = 0; k < 5; k++)
                        y[i * 3 + o] += xv[i * 5 + k] * wv[rel[i] * 15 + k * 3 + o];
            return y;
        }
        Close(Naive(seg), SparseOps.SegmentMM(x, w, Tensor.FromArray(lengths)), 1e-13, 1e-13, "segment_mm");
        Close(Naive([.. idx.Select(v => (int)v)]), SparseOps.GatherMM(x, w, Tensor.FromArray(idx)), 1e-13, 1e-13, "gather_mm");
        x.RequireGrad();
        w.RequireGrad();
        GradCheck.Assert(t => SparseOps.SegmentMM(t[0], t[1], Tensor.FromArray(lengths)), [x, w]);
        GradCheck.Assert(t => SparseOps.GatherMM(t[0], t[1], Tensor.FromArray(idx)), [x, w]);
        // float32 agrees with the float64 result.
        Close(Naive(seg), SparseOps.SegmentMM(x.Detach().Float(), w.Detach().Float(), Tensor.FromArray(lengths)), 1e-5, 1e-5, "segment_mm f32");
        Assert.Throws<ArgumentOutOfRangeException>(() => SparseOps.GatherMM(x, w, Tensor.FromArray(new long[] { 0, 1, 2, 3, 4, 0, 0, 0, 0 })));
        Assert.Throws<TensorShapeException>(() => SparseOps.SegmentMM(x, w, Tensor.FromArray(new long[] { 9 })));
    }

    [Fact]
    public void GatherMM_over_many_rows_matches_naive_products_for_int32_and_int64_indices_at_any_thread_count()
    {
        // 20,000 rows of 4: past the row copies' parallel grain, so their chunks split across threads.
        const int n = 20_000, k = 4, m = 3, r = 5;
        var x = Random([n, k], DType.Float64, 4).RequireGrad();
        var w = Random([r, k, m], DType.Float64, 5).RequireGrad();
        var gen = new Random(6);
        var idx = Enumerable.Range(0, n).Select(_ => gen.Next(r)).ToArray();
        var xv = Values(x);
        var wv = Values(w);
        var expected = new double[n * m];
        for (var i = 0; i < n; i++)
            for (var o = 0; o < m; o++)
                for (var q = 0; q < k; q++) expected[i * m + o] += xv[i * k + q] * wv[idx[i] * k * m + q * m + o];
        var gy = Random([n, m], DType.Float64, 7);
        (double[] Y, double[] Dx, double[] Dw) Run(Tensor index)
        {
            x.Grad = null;
            w.Grad = null;
            var y = SparseOps.GatherMM(x, w, index);
            y.Backward(gy);
            return (Values(y), Values(x.Grad!), Values(w.Grad!));
        }
        var saved = Dgl.Tensors.Kernels.Parallelism.MaxThreads;
        (double[] Y, double[] Dx, double[] Dw) one, two;
        try
        {
            Dgl.Tensors.Kernels.Parallelism.MaxThreads = 1;
            one = Run(Tensor.FromArray(idx));
            Dgl.Tensors.Kernels.Parallelism.MaxThreads = 2;
            two = Run(Tensor.FromArray(idx.Select(v => (long)v).ToArray()));
        }
        finally
        {
            Dgl.Tensors.Kernels.Parallelism.MaxThreads = saved;
        }
        Close(expected, one.Y, 1e-13, 1e-13, "gather_mm int32");
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
        Assert.Equal(one.Dw, two.Dw);
        // dx[i] = gy[i] · w[idx[i]]ᵀ, by hand for a few rows.
        var g = Values(gy);
        foreach (var i in new[] { 0, 4097, n - 1 })
            for (var q = 0; q < k; q++)
            {
                var d = 0.0;
                for (var o = 0; o < m; o++) d += g[i * m + o] * wv[idx[i] * k * m + q * m + o];
                Assert.Equal(d, one.Dx[i * k + q], 12);
            }
    }
}

public class DegenerateShapeTests
{
    [Fact]
    public void Empty_graphs_and_zero_width_features_are_handled()
    {
        var empty = new Csr(3, 4, [0, 0, 0, 0], [], []);
        foreach (var r in new[] { ReduceOp.Sum, ReduceOp.Mean, ReduceOp.Max, ReduceOp.Min })
        {
            var y = SparseOps.GSpMM(empty, BinaryOp.Mul, r, Tensor.Ones(4, 2).RequireGrad(), Tensor.Ones(0, 2).RequireGrad());
            Assert.Equal([3, 2], y.Shape.ToArray());
            Assert.All(y.ToArray<float>(), v => Assert.Equal(0f, v));
            y.Sum().Backward();
        }
        Assert.Equal([0, 1], SparseOps.GSDDMM(empty, CsrRows.Dst, BinaryOp.Dot, Tensor.Ones(4, 2), Tensor.Ones(3, 2)).Shape.ToArray());
        Assert.Equal([0, 8], SparseOps.EdgeSoftmax(empty, Tensor.Ones(0, 8)).Shape.ToArray());
        var g = new Csr(2, 2, [0, 1, 2], [1, 0], [1, 0]);
        Assert.Equal([2, 0], SparseOps.GSpMM(g, BinaryOp.CopyLhs, ReduceOp.Max, Tensor.Ones(2, 0), null).Shape.ToArray());
        Assert.Equal([0, 3], SparseOps.SegmentReduce(new long[] { 0 }, Tensor.Ones(0, 3), ReduceOp.Max).Shape.ToArray());
        var zeroRows = new Csr(0, 0, [0], [], []);
        Assert.Equal([0, 5], SparseOps.GSpMM(zeroRows, BinaryOp.CopyLhs, ReduceOp.Sum, Tensor.Ones(0, 5), null).Shape.ToArray());
    }
}
