using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Dgl.Tensors.Kernels;

namespace Dgl.Bench;

/// <summary>
/// float32 GEMM, <see cref="Gemm.Sgemm"/> against OpenBLAS <c>cblas_sgemm</c> (Debian's libopenblas0-pthread, same
/// thread count), row-major, α = 1, β = 0.
/// </summary>
/// <remarks>
/// <para>Case names are <c>MxKxN</c>: C (M×N) = A (M×K) · B (K×N). The graph shapes are a Linear layer's forward
/// Y = X·W with X (M×K: nodes × in features) and W (K×N: in × out), and a suffix names one of its backward products
/// on the same tensors:</para>
/// <list type="bullet">
/// <item><c>MxKxN-ABt</c>: dX = dY·Wᵀ, a product of m = M, k = N, n = K with B transposed (W read as stored).</item>
/// <item><c>MxKxN-AtB</c>: dW = Xᵀ·dY, a product of m = K, k = M, n = N with A transposed (X read as stored).</item>
/// </list>
/// <para>Extra columns: <c>ours_gflops</c>/<c>peer_gflops</c> (2·m·n·k per second), <c>mkn</c> (the product's own
/// m×k×n), and for cases under a millisecond <c>ours_us</c>/<c>peer_us</c>. The note under the table prints the
/// OpenBLAS build string, including the kernel family it picked for this CPU.</para>
/// <para>Ours and the peer run alternately, repetition by repetition, so that load from other work on the machine
/// lands on both; the figures are medians over repetitions of ~2 ms or more (small cases time a batch of calls per
/// repetition and get up to 201 repetitions within the time budget). Options: <c>--case a,b</c> (substrings of
/// case names), <c>--reps N</c> (at least N repetitions, default 9), <c>--budget S</c> (seconds per case, default
/// 20), <c>--threads N</c> (default 2).</para>
/// </remarks>
internal sealed unsafe class GemmBench : IBench
{
    public string Name => "gemm";

    public string Description => "float32 GEMM vs OpenBLAS cblas_sgemm: square, GNN layers (forward, dX = dY·Wᵀ, dW = Xᵀ·dY), small MLP";

    private sealed record Case(string Name, bool TransA, bool TransB, int M, int K, int N);

    private static IEnumerable<Case> Cases()
    {
        yield return new Case("2048x2048x2048", false, false, 2048, 2048, 2048);
        yield return new Case("4096x4096x4096", false, false, 4096, 4096, 4096);
        foreach (var (m, k, n) in new[] { (2708, 1433, 16), (232965, 602, 256), (169343, 128, 256), (32, 128, 64), (32, 64, 64), (32, 64, 2) })
        {
            var name = $"{m}x{k}x{n}";
            yield return new Case(name, false, false, m, k, n);
            yield return new Case(name + "-ABt", false, true, m, n, k);
            yield return new Case(name + "-AtB", true, false, k, m, n);
        }
    }

    public void Run(BenchContext ctx)
    {
        var blas = OpenBlas.TryLoad(out var why);
        if (blas is null)
        {
            ctx.Note(why!);
        }
        else
        {
            blas.SetThreads(ctx.Threads);
            ctx.Note($"peer: {blas.Config} with {ctx.Threads} thread(s); ours: Vector{Gemm.VectorBits} kernels, {ctx.Threads} thread(s)");
        }
        var filter = ctx.Option("--case")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var reps = ctx.Int("--reps", 9);
        var budget = ctx.Double("--budget", 20);
        foreach (var c in Cases())
        {
            if (filter is not null && !filter.Any(f => c.Name.Contains(f, StringComparison.Ordinal))) continue;
            RunCase(ctx, c, blas, reps, budget);
        }
    }

    private static void RunCase(BenchContext ctx, Case cs, OpenBlas? blas, int reps, double budget)
    {
        var (m, k, n) = (cs.M, cs.K, cs.N);
        var lda = cs.TransA ? m : k;
        var ldb = cs.TransB ? k : n;
        var aLen = (long)m * k;
        var bLen = (long)k * n;
        var cLen = (long)m * n;
        var a = Alloc(aLen);
        var b = Alloc(bLen);
        var ours = Alloc(cLen);
        var peer = Alloc(cLen);
        try
        {
            FillRandom(a, aLen, 1);
            FillRandom(b, bLen, 2);
            void Ours() => Gemm.Sgemm(cs.TransA, cs.TransB, m, n, k, 1f, new ReadOnlySpan<float>(a, (int)aLen), lda,
                new ReadOnlySpan<float>(b, (int)bLen), ldb, 0f, new Span<float>(ours, (int)cLen), n);
            void Peer() => blas!.Sgemm(cs.TransA, cs.TransB, m, n, k, 1f, a, lda, b, ldb, 0f, peer, n);

            // Warm up for two calls and at least 0.3 s (page faults, thread pools, and the JIT's optimised tier, which
            // replaces the first code of a method called often after ~0.1 s), then size a batch so that one timed
            // repetition takes ~2 ms: short enough that most repetitions run without being descheduled on a busy
            // machine, and many of them (up to the time budget) for a steady median.
            var sw = Stopwatch.StartNew();
            var calls = 0;
            do
            {
                Ours();
                if (blas is not null) Peer();
                calls++;
            }
            while (calls < 2 || sw.Elapsed.TotalMilliseconds < 300);
            sw.Restart();
            Ours();
            if (blas is not null) Peer();
            var perCall = sw.Elapsed.TotalMilliseconds / (blas is null ? 1 : 2);
            var batch = (int)Math.Clamp(2.0 / perCall, 1, 100_000);
            var samples = (int)Math.Clamp(budget * 1000 / (perCall * batch * (blas is null ? 1 : 2)), reps, 201);
            var oursMs = new List<double>();
            var peerMs = new List<double>();
            var total = Stopwatch.StartNew();
            for (var r = 0; r < samples; r++)
            {
                oursMs.Add(Time(Ours, batch));
                if (blas is not null) peerMs.Add(Time(Peer, batch));
                if (r >= reps && total.Elapsed.TotalSeconds > budget) break;
            }
            var flops = 2.0 * m * n * k;
            var om = Measure.Median(oursMs);
            var row = new BenchRow("gemm", cs.Name, om, blas is null ? null : "openblas", blas is null ? null : Measure.Median(peerMs));
            row.With("ours_gflops", flops / om / 1e6);
            if (row.PeerMs is { } pm) row.With("peer_gflops", flops / pm / 1e6);
            if (om < 1)
            {
                // Microsecond cases: the table's millisecond column rounds them away.
                row.With("ours_us", om * 1000);
                if (row.PeerMs is { } pu) row.With("peer_us", pu * 1000);
            }
            row.With("mkn", $"{m}x{k}x{n}");
            ctx.Report(row);
            if (blas is not null)
            {
                var diff = MaxRelativeDifference(ours, peer, cLen);
                if (!(diff <= 1e-3))
                    ctx.Note($"{cs.Name}: ours and OpenBLAS differ by {diff.ToString("g3", CultureInfo.InvariantCulture)} of max |C|");
            }
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(ours);
            NativeMemory.AlignedFree(peer);
        }
    }

    private static double Time(Action body, int batch)
    {
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < batch; i++) body();
        return sw.Elapsed.TotalMilliseconds / batch;
    }

    private static float* Alloc(long count) => (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(1, count) * sizeof(float)), 64);

    /// <summary>Values in [-1, 1) from a hash of the index: reproducible and fast to fill in parallel.</summary>
    private static void FillRandom(float* p, long count, uint seed)
    {
        const int Chunk = 1 << 20;
        var chunks = (int)((count + Chunk - 1) / Chunk);
        Parallel.For(0, chunks, c =>
        {
            var end = Math.Min(count, (long)(c + 1) * Chunk);
            for (var i = (long)c * Chunk; i < end; i++)
            {
                var h = (uint)i * 2654435761u ^ seed * 0x9E3779B9u;
                h ^= h >> 15;
                h *= 0x2C1B3C6Du;
                h ^= h >> 12;
                p[i] = (h >> 8) * (2f / (1 << 24)) - 1f;
            }
        });
    }

    private static double MaxRelativeDifference(float* x, float* y, long count)
    {
        double maxDiff = 0, maxAbs = 0;
        for (long i = 0; i < count; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs((double)x[i] - y[i]));
            maxAbs = Math.Max(maxAbs, Math.Abs((double)y[i]));
        }
        return maxAbs == 0 ? maxDiff : maxDiff / maxAbs;
    }
}
