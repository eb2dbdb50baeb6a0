using System.Globalization;
using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Bench;

/// <summary>
/// gather_mm (a weight matrix chosen per row: y[i] = x[i] · w[type[i]], RGCN's and TypedLinear's per-relation product)
/// with both gradients, against the same product on PyTorch written as DGL's CPU fallback is: rows grouped by type,
/// one index_select + mm per type, results put back in row order (differentiable, so its backward is autograd's).
/// </summary>
/// <remarks>Options: --rows N (default 400000); --no-torch.</remarks>
internal sealed class GatherMMBench : IBench
{
    public string Name => "gather-mm";

    public string Description => "gather_mm per-row weights (+backward) vs torch index_select + mm per type";

    public void Run(BenchContext ctx)
    {
        var n = ctx.Int("--rows", 400_000);
        var cases = new (int Types, int In, int Out)[] { (8, 64, 64), (64, 64, 64), (8, 16, 16) };
        var ours = new Dictionary<string, (double Forward, double Backward)>(StringComparer.Ordinal);
        foreach (var (r, k, m) in cases)
        {
            var key = Key(n, r, k, m);
            Console.Error.WriteLine($"  measuring ours: {key} …");
            var x = SparseBenchSupport.Features([n, k], 1).RequireGrad();
            var w = SparseBenchSupport.Features([r, k, m], 2).RequireGrad();
            var types = new int[n];
            var gen = new Random(3);
            for (var i = 0; i < n; i++) types[i] = gen.Next(r);
            var index = Tensor.FromArray(types);
            ours[key] = SpmmBench.BackwardAndForward(() => SparseOps.GatherMM(x, w, index));
        }
        var script = string.Join('\n', cases.Select(c => string.Create(CultureInfo.InvariantCulture, $$"""
            torch.manual_seed(0)
            x = torch.rand({{n}}, {{c.In}}, requires_grad=True)
            w = torch.rand({{c.Types}}, {{c.In}}, {{c.Out}}, requires_grad=True)
            types = torch.randint(0, {{c.Types}}, ({{n}},))
            order = torch.argsort(types, stable=True)
            counts = torch.bincount(types, minlength={{c.Types}}).tolist()
            groups = list(torch.split(order, counts))
            inverse = torch.empty_like(order)
            inverse[order] = torch.arange(order.numel())
            def gather_mm():
                parts = [x.index_select(0, rows) @ w[t] for t, rows in enumerate(groups)]
                return torch.cat(parts).index_select(0, inverse)
            with torch.no_grad():
                report("{{Key(n, c.Types, c.In, c.Out)}}", median_ms(gather_mm, reps=9))
            y = gather_mm()
            gy = torch.rand_like(y)
            report("{{Key(n, c.Types, c.In, c.Out)}}-backward", median_ms(lambda: y.backward(gy, retain_graph=True), reps=9))
            """)));
        var torch = SparseBenchSupport.RunTorch(ctx, script);
        foreach (var (key, (fwd, bwd)) in ours)
        {
            ctx.Report(torch.TryGetValue(key, out var tf) ? new BenchRow(Name, key, fwd, "torch", tf) : new BenchRow(Name, key, fwd, null, null));
            if (torch.TryGetValue(key + "-backward", out var tb)) ctx.Report(new BenchRow(Name, key + "-backward", bwd, "torch", tb));
            ctx.Report(new BenchRow(Name, key + "-backward", bwd, "ours-forward", fwd));
        }
    }

    private static string Key(int n, int types, int k, int m) => string.Create(CultureInfo.InvariantCulture, $"gather_mm-N{n}-R{types}-{k}x{m}");
}
