using Dgl.Ops;

namespace Dgl.Bench;

/// <summary>
/// g-SDDMM u_dot_v with 4 heads of 32 (attention logits, [E, 4, 1]) on the 20M-edge uniform and R-MAT graphs,
/// against PyTorch's index_select + multiply + sum, and its backward against our own forward and against the best-case
/// C backward of bench/Dgl.Bench/native/sparse_backward.c.
/// </summary>
/// <remarks>Options: --graphs uniform,rmat; --no-torch; --no-c; --rounds N (the C program's rounds, default 5).</remarks>
internal sealed class SddmmBench : IBench
{
    public string Name => "sddmm";

    public string Description => "g-SDDMM u_dot_v (H=4, D=32) (+backward) vs torch index_select/mul/sum";

    public void Run(BenchContext ctx)
    {
        foreach (var name in SparseBenchSupport.SelectedGraphs(ctx))
        {
            SparseBenchSupport.EnsureGraph(ctx, name);
            var key = $"u_dot_v-{name}-H4D32";
            (double Forward, double Backward) pair;
            {
                var g = SparseBenchSupport.LoadGraph(name);
                Console.Error.WriteLine($"  measuring ours on {name} …");
                var k = SparseBenchSupport.Features([g.NumCols, 4, 32], 1).RequireGrad();
                var q = SparseBenchSupport.Features([g.NumRows, 4, 32], 2).RequireGrad();
                pair = SpmmBench.BackwardAndForward(() => SparseOps.GSDDMM(g, CsrRows.Dst, BinaryOp.Dot, k, q, Target.Src, Target.Dst));
            }
            var torch = SparseBenchSupport.RunTorch(ctx, $$"""
                n, nnz, rowptr, src, dst, deg = load({{SparseBenchSupport.Py(SparseBenchSupport.GraphPath(name))}})
                K = torch.rand(n, 4, 32)
                Q = torch.rand(n, 4, 32)
                CH = 1 << 21  # edges per chunk: two gathered E x 128 tensors would need 20 GB unchunked
                def u_dot_v():
                    out = torch.empty(nnz, 4, 1)
                    for s in range(0, nnz, CH):
                        out[s:s + CH, :, 0] = (K.index_select(0, src[s:s + CH]) * Q.index_select(0, dst[s:s + CH])).sum(-1)
                    return out
                report("{{key}}", median_ms(u_dot_v, reps=3, budget=60))
                """);
            // The forward row and the backward row's peer are one measurement, timed in alternation with the backward
            // (see SpmmBench.BackwardAndForward).
            var fwd = pair.Forward;
            if (torch.TryGetValue(key, out var t)) ctx.Report(new BenchRow(Name, key, fwd, "torch", t));
            else ctx.Report(new BenchRow(Name, key, fwd, null, null));
            ctx.Report(new BenchRow(Name, key + "-backward", pair.Backward, "ours-forward", pair.Forward));
            // Against the best-case C forward and backward (bench/Dgl.Bench/native/sparse_backward.c).
            var cb = SparseBenchSupport.RunCBackward(ctx, name, ["u_dot_v:128"]);
            SparseBenchSupport.ReportAgainstCBackward(ctx, Name, key, pair, cb, "u_dot_v:128");
        }
    }
}
