using System.Globalization;
using Dgl.Nn;
using Dgl.Optim;
using Dgl.Tensors;

namespace Dgl.Bench;

/// <summary>
/// A training step of a small MLP (128 → 64 → 64 → 10, ReLU, cross entropy, Adam, batch 32): forward, backward and
/// optimizer step, against the same model in PyTorch. At this size the step is dominated by per-op overhead
/// (allocation, autograd bookkeeping, kernel dispatch), not arithmetic. A second case runs a long loop and reports
/// memory and garbage-collection figures, which should stay flat.
/// </summary>
internal sealed class MlpBench : IBench
{
    private const int In = 128, Hidden = 64, Classes = 10, Batch = 32, Batches = 16;

    public string Name => "mlp";

    public string Description => "MLP 128-64-64-10 training step (forward + backward + Adam), batch 32, vs PyTorch";

    public void Run(BenchContext ctx)
    {
        // Warm-up by time as well as by count: the JIT promotes hot methods to optimised code only after a delay
        // (about 100 ms) and in the background, so a short warm-up would time tier-0 code.
        var warmup = ctx.Int("--warmup", 300);
        var warmupSeconds = ctx.Double("--warmup-seconds", 2);
        var steps = ctx.Int("--steps", 1000);
        var (model, opt, xs, ys) = Setup();
        var step = 0;
        var setToNone = false;
        void TrainStep()
        {
            var i = step++ % Batches;
            // In-place zeroing (the default here) keeps each gradient buffer, which Linear's backward then
            // accumulates into with its GEMM; dropping them (PyTorch's set_to_none) is timed too, as an extra figure.
            opt.ZeroGrad(setToNone);
            var loss = F.CrossEntropy(model.Forward(xs[i]), ys[i]);
            loss.Backward();
            opt.Step();
        }

        double MedianStep()
        {
            var warm = Stopwatch.StartNew();
            for (var i = 0; i < warmup || warm.Elapsed.TotalSeconds < warmupSeconds; i++) TrainStep();
            var times = new double[steps];
            for (var i = 0; i < steps; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                TrainStep();
                times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            return Measure.Median(times);
        }

        setToNone = true;
        var oursSetToNone = MedianStep();
        setToNone = false;
        var ours = MedianStep();

        double? peer = null;
        if (TorchPeer.Unavailable() is { } why)
        {
            ctx.Note($"PyTorch peer skipped: {why}");
        }
        else
        {
            var result = TorchPeer.Run(PeerScript(warmup, warmupSeconds, steps), ctx.Threads);
            peer = result.Single().GetProperty("median_ms").GetDouble();
        }
        ctx.Report(new BenchRow(Name, "mlp-128-64-b32", ours, peer is null ? null : "torch", peer)
            .With("steps", steps).With("classes", Classes).With("ours_ms_grad_set_to_none", oursSetToNone));

        MemoryCase(ctx, TrainStep, steps);
    }

    /// <summary>1,000 more steps: heap and RSS after warm-up against the end, allocation per step, and GC's share of the time.</summary>
    private void MemoryCase(BenchContext ctx, Action trainStep, int steps)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var heapStart = GC.GetTotalMemory(false);
        var rssStart = Measure.RssMb();
        var allocStart = GC.GetTotalAllocatedBytes(precise: true);
        var pauseStart = GC.GetTotalPauseDuration();
        var gen0Start = GC.CollectionCount(0);
        var gen2Start = GC.CollectionCount(2);
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++) trainStep();
        wall.Stop();
        var pause = GC.GetTotalPauseDuration() - pauseStart;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocStart;
        var heapEnd = GC.GetTotalMemory(false);
        var gen0 = GC.CollectionCount(0) - gen0Start;
        var gen2 = GC.CollectionCount(2) - gen2Start;
        GC.Collect();
        var heapEndCollected = GC.GetTotalMemory(true);
        var rssEnd = Measure.RssMb();
        ctx.Report(new BenchRow(Name, "train-loop-memory", wall.Elapsed.TotalMilliseconds / steps, null, null)
            .With("steps", steps)
            .With("alloc_kb_per_step", allocated / 1024.0 / steps)
            .With("gc_pause_pct", 100 * pause.TotalMilliseconds / wall.Elapsed.TotalMilliseconds)
            .With("gen0_gcs", gen0)
            .With("gen2_gcs", gen2)
            .With("heap_mb_start", heapStart / 1048576.0)
            .With("heap_mb_end", heapEnd / 1048576.0)
            .With("heap_mb_end_after_gc", heapEndCollected / 1048576.0)
            .With("rss_mb_start", rssStart)
            .With("rss_mb_end", rssEnd));
    }

    private static (Sequential Model, Adam Opt, Tensor[] Xs, Tensor[] Ys) Setup()
    {
        var gen = new Generator(0);
        var model = new Sequential(
            new Linear(In, Hidden, generator: gen), new ReLU(),
            new Linear(Hidden, Hidden, generator: gen), new ReLU(),
            new Linear(Hidden, Classes, generator: gen));
        var opt = new Adam(model.Parameters(), lr: 1e-3);
        var xs = new Tensor[Batches];
        var ys = new Tensor[Batches];
        for (var i = 0; i < Batches; i++)
        {
            xs[i] = Tensor.Randn([Batch, In], generator: gen);
            ys[i] = Tensor.RandInt(0, Classes, [Batch], generator: gen);
        }
        return (model, opt, xs, ys);
    }

    private static string PeerScript(int warmup, double warmupSeconds, int steps) => $$"""
        import json, os, statistics, time
        import torch
        torch.set_num_threads(int(os.environ["THREADS"]))
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear({{In}}, {{Hidden}}), torch.nn.ReLU(),
            torch.nn.Linear({{Hidden}}, {{Hidden}}), torch.nn.ReLU(),
            torch.nn.Linear({{Hidden}}, {{Classes}}))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        xs = [torch.randn({{Batch}}, {{In}}) for _ in range({{Batches}})]
        ys = [torch.randint(0, {{Classes}}, ({{Batch}},)) for _ in range({{Batches}})]
        def step(i):
            x, y = xs[i % {{Batches}}], ys[i % {{Batches}}]
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        i, t_end = 0, time.perf_counter() + {{warmupSeconds.ToString(CultureInfo.InvariantCulture)}}
        while i < {{warmup}} or time.perf_counter() < t_end:
            step(i)
            i += 1
        times = []
        for i in range({{steps}}):
            t0 = time.perf_counter()
            step(i)
            times.append((time.perf_counter() - t0) * 1000)
        print(json.dumps({"median_ms": statistics.median(times)}))
        """;
}
