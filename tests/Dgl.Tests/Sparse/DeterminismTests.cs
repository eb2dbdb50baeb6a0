using Dgl.Ops;
using Dgl.Tensors.Kernels;

namespace Dgl.Tests.Sparse;

/// <summary>Same inputs, same bits, whatever the thread count: every output row is reduced by one thread in entry order.</summary>
public class DeterminismTests
{
    [Fact]
    public void Forward_and_backward_are_bit_identical_for_1_2_and_3_threads()
    {
        var g = TestGraph.Random(3000, 3000, 60000, seed: 77);
        var saved = Parallelism.MaxThreads;
        try
        {
            List<float[]>? first = null;
            foreach (var threads in new[] { 1, 2, 3 })
            {
                Parallelism.MaxThreads = threads;
                var results = Run(g);
                if (first is null) first = results;
                else for (var i = 0; i < results.Count; i++) Assert.Equal(first[i], results[i]);
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    private static List<float[]> Run(TestGraph g)
    {
        var x = SparseReference.Random([g.NumSrc, 4, 32], DType.Float32, 1).RequireGrad();
        var w = SparseReference.Random([g.NumEdges, 4, 1], DType.Float32, 2).RequireGrad();
        var q = SparseReference.Random([g.NumDst, 4, 32], DType.Float32, 3).RequireGrad();
        var h = SparseOps.GSpMM(g.InCsr, BinaryOp.Mul, ReduceOp.Sum, x, w);
        var m = SparseOps.GSpMM(g.InCsr, BinaryOp.CopyLhs, ReduceOp.Max, x, null);
        var s = SparseOps.GSDDMM(g.InCsr, CsrRows.Dst, BinaryOp.Dot, x, q, Target.Src, Target.Dst);
        var a = SparseOps.EdgeSoftmax(g.InCsr, s);
        var loss = (h * h).Sum() + m.Sum() + (a * w).Sum();
        loss.Backward();
        return [h.ToArray<float>(), m.ToArray<float>(), s.ToArray<float>(), a.ToArray<float>(), x.Grad!.ToArray<float>(), w.Grad!.ToArray<float>(), q.Grad!.ToArray<float>()];
    }
}
