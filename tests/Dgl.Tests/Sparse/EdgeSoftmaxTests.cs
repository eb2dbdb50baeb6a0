using Dgl.Ops;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Sparse.SparseReference;

namespace Dgl.Tests.Sparse;

public class EdgeSoftmaxTests
{
    public static TheoryData<int[], DType> Cases()
    {
        var data = new TheoryData<int[], DType>();
        foreach (var s in new[] { Array.Empty<int>(), [1], [8], [3, 2], [20], [17], [2, 16] })
            foreach (var dt in new[] { DType.Float32, DType.Float64 })
                data.Add(s, dt);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_naive_softmax_over_in_edges_and_out_edges(int[] headShape, DType dtype)
    {
        foreach (var sorted in new[] { false, true })
        {
            var g = TestGraph.Random(15, 15, 90, seed: 4, sortedByDst: sorted);
            // Large logits: a naive exp would overflow; the kernel subtracts each row's maximum.
            var x = Random([g.NumEdges, .. headShape], dtype, 5, -60, 60);
            var h = Product(headShape);
            var xv = Values(x);
            var tol = dtype == DType.Float32 ? 1e-5 : 1e-13;
            Close(Naive(g.NumDst, g.InEdges, xv, h), SparseOps.EdgeSoftmax(g.InCsr, x), tol, tol, $"by dst {GSpMMTests.Fmt(headShape)} {dtype}");
            Close(Naive(g.NumSrc, g.OutEdges, xv, h), SparseOps.EdgeSoftmax(g.OutCsr, x), tol, tol, $"by src {GSpMMTests.Fmt(headShape)} {dtype}");
        }
    }

    [Fact]
    public void Backward_passes_gradcheck()
    {
        var g = TestGraph.Random(8, 8, 25, seed: 9);
        foreach (var heads in new[] { new[] { 1 }, [3], [2, 2] })
        {
            var x = Random([g.NumEdges, .. heads], DType.Float64, 3, -2, 2).RequireGrad();
            GradCheck.Assert(t => SparseOps.EdgeSoftmax(g.InCsr, t[0]), [x]);
            GradCheck.Assert(t => SparseOps.EdgeSoftmax(g.OutCsr, t[0]), [x]);
        }
    }

    internal static double[] Naive(int rows, Func<int, List<int>> edgesOf, double[] x, int h)
    {
        var y = new double[x.Length];
        for (var r = 0; r < rows; r++)
        {
            var edges = edgesOf(r);
            for (var j = 0; j < h; j++)
            {
                var m = edges.Count == 0 ? 0 : edges.Max(e => x[e * h + j]);
                var s = edges.Sum(e => Math.Exp(x[e * h + j] - m));
                foreach (var e in edges) y[e * h + j] = Math.Exp(x[e * h + j] - m) / s;
            }
        }
        return y;
    }
}
