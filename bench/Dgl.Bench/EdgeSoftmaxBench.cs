using Dgl.Ops;

namespace Dgl.Bench;

/// <summary>
/// Edge softmax over each destination's in-edges with 8 heads ([E, 8]) on the 20M-edge uniform and R-MAT graphs,
/// against PyTorch's scatter_reduce(amax) + exp + index_add_ + divide (DGL's formulation on plain torch), and its
/// backward against our own forward.
/// </summary>
/// <remarks>Options: --graphs uniform,rmat; --no-torch.</remarks>
internal sealed class EdgeSoftmaxBench : IBench
{
    public string Name => "edge-softmax";

    public string Description => "edge softmax H=8 over in-edges (+backward) vs torch scatter_reduce/index_add";

    public void Run(BenchContext ctx)
    {
        foreach (var name in SparseBenchSupport.SelectedGraphs(ctx))
        {
            SparseBenchSupport.EnsureGraph(ctx, name);
            var key = $"edge-softmax-{name}-H8";
            (double Forward, double Backward) pair;
            {
                var g = SparseBenchSupport.LoadGraph(name);
                Console.Error.WriteLine($"  measuring ours on {name} …");
                var logits = SparseBenchSupport.Features([g.NumEntries, 8], 1).RequireGrad();
                pair = SpmmBench.BackwardAndForward(() => SparseOps.EdgeSoftmax(g, logits));
            }
            var torch = SparseBenchSupport.RunTorch(ctx, $$"""
                n, nnz, rowptr, src, dst, deg = load({{SparseBenchSupport.Py(SparseBenchSupport.GraphPath(name))}})
                logits = torch.rand(nnz, 8)
                idx = dst.view(-1, 1).expand(-1, 8)
                def edge_softmax():
                    m = torch.full((n, 8), float("-inf")).scatter_reduce_(0, idx, logits, "amax", include_self=True)
                    ex = (logits - m.index_select(0, dst)).exp()
                    s = torch.zeros(n, 8).index_add_(0, dst, ex)
                    return ex / s.index_select(0, dst)
                report("{{key}}", median_ms(edge_softmax, reps=5, budget=60))
                """);
            // The forward row and the backward row's peer are one measurement, timed in alternation with the backward
            // (see SpmmBench.BackwardAndForward).
            var fwd = pair.Forward;
            if (torch.TryGetValue(key, out var t)) ctx.Report(new BenchRow(Name, key, fwd, "torch", t));
            else ctx.Report(new BenchRow(Name, key, fwd, null, null));
            ctx.Report(new BenchRow(Name, key + "-backward", pair.Backward, "ours-forward", pair.Forward));
        }
    }
}
