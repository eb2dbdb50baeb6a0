using Dgl.Tensors.Autograd;
using Dgl.Tensors.Kernels;

namespace Dgl.Tensors.Tests.Ops;

public class ReductionTests
{
    [Theory]
    [InlineData(new[] { 4, 5, 6 }, new[] { 0 })]
    [InlineData(new[] { 4, 5, 6 }, new[] { 1 })]
    [InlineData(new[] { 4, 5, 6 }, new[] { 2 })]
    [InlineData(new[] { 4, 5, 6 }, new[] { 0, 2 })]
    [InlineData(new[] { 4, 5, 6 }, new[] { -1, -2 })]
    [InlineData(new[] { 7 }, new[] { 0 })]
    [InlineData(new[] { 100, 3 }, new[] { 0 })]
    [InlineData(new[] { 5003, 37 }, new[] { 0 })]
    [InlineData(new[] { 1, 2501, 67 }, new[] { 1 })]
    public void SumMatchesNaiveLoop(int[] shape, int[] dims)
    {
        var x = Tensor.Uniform(shape, -1, 1, generator: new Generator(1));
        var v = Reference.Values(x);
        var norm = dims.Select(d => d < 0 ? d + shape.Length : d).ToHashSet();
        var outShape = shape.Select((s, i) => norm.Contains(i) ? 1 : s).ToArray();
        var expected = new double[outShape.Aggregate(1, (p, s) => p * s)];
        for (var i = 0; i < v.Length; i++)
        {
            var idx = Reference.Unravel(i, shape);
            for (var d = 0; d < idx.Length; d++) if (norm.Contains(d)) idx[d] = 0;
            var o = 0;
            for (var d = 0; d < idx.Length; d++) o = o * outShape[d] + idx[d];
            expected[o] += v[i];
        }
        var kept = x.Sum(dims, keepDim: true);
        Assert.Equal(outShape, kept.Shape.ToArray());
        Reference.AssertClose(expected, kept);
        var dropped = x.Sum(dims);
        Assert.Equal(outShape.Where((_, i) => !norm.Contains(i)).ToArray(), dropped.Shape.ToArray());
        var count = v.Length / expected.Length;
        Reference.AssertClose(expected.Select(e => e / count).ToArray(), x.Mean(dims));
    }

    [Fact]
    public void ColumnSumsOverManyRowsGiveTheSameBitsOnAnyThreadCount()
    {
        // Tall matrices are summed in row blocks whose partial rows are added in block order; the blocks depend on
        // the shape only, so 1, 2 and 4 threads must agree bit for bit (and with the serial block-order reference).
        var x = Tensor.Uniform([4099, 130], -1, 1, generator: new Generator(3));
        var saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 1;
            var one = x.Sum(0).ToArray<float>();
            foreach (var threads in new[] { 2, 4 })
            {
                Parallelism.MaxThreads = threads;
                Assert.Equal(one, x.Sum(0).ToArray<float>());
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void FullSumOfIntsIsInt64()
    {
        var s = Tensor.Arange(0, 101, DType.Int32).Sum();
        Assert.Equal(DType.Int64, s.DType);
        Assert.Equal(5050L, s.Item<long>());
        Assert.Equal(3L, Tensor.From([true, false, true, true]).Sum().Item<long>());
    }

    [Fact]
    public void LongSumIsAccurateAndIndependentOfThreads()
    {
        var x = Tensor.Uniform([1_000_003], -1, 1, generator: new Generator(9));
        var exact = Reference.Values(x).Sum();
        var saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 1;
            var one = x.Sum().Item<float>();
            var cols1 = x.Reshape(-1, 1).Sum(0).Item<float>();
            var rows1 = Tensor.Uniform([2000, 600], -1, 1, generator: new Generator(2)).Sum(0).ToArray<float>();
            Parallelism.MaxThreads = 3;
            var three = x.Sum().Item<float>();
            var rows3 = Tensor.Uniform([2000, 600], -1, 1, generator: new Generator(2)).Sum(0).ToArray<float>();
            Assert.Equal(BitConverter.SingleToInt32Bits(one), BitConverter.SingleToInt32Bits(three));
            Assert.Equal(rows1, rows3);
            Assert.Equal(exact, one, 1e-1);
            Assert.Equal(exact, cols1, 1e-1);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var x = Tensor.Uniform([3, 4, 2], -1, 1, DType.Float64, new Generator(4)).RequireGrad();
        GradCheck.Assert(t => t[0].Sum(), [x]);
        GradCheck.Assert(t => t[0].Sum(1), [x]);
        GradCheck.Assert(t => t[0].Sum([0, 2], keepDim: true), [x]);
        GradCheck.Assert(t => t[0].Mean(), [x]);
        GradCheck.Assert(t => t[0].Mean(-1), [x]);
    }
}
