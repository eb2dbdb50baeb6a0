using System.Globalization;
using Dgl.Tensors;
using Dgl.Tensors.Kernels;

namespace Dgl.Bench;

/// <summary>
/// Building a relation's out-CSR and in-CSR (CSC) from COO lists: our stable parallel counting sort against
/// PyTorch (<c>sparse_coo_tensor(...).coalesce().to_sparse_csr()</c>, the same edges through a .npy file) and
/// against our own naive build (one sort of 64-bit (row, edge id) keys). Reports edges per second and the
/// structure's bytes per edge with COO, CSR and CSC all present.
/// </summary>
/// <remarks>
/// Graphs: a uniform random graph (1,000,000 nodes, 20,000,000 edges, edges in random order) and an R-MAT graph
/// (2^20 nodes, 20,000,000 edges, a = 0.57, b = c = 0.19, d = 0.05, node ids permuted), both generated from
/// counter-based random numbers so they do not depend on the thread count; and the uniform graph of the g-SpMM
/// targets (<c>../shared/perf</c>'s <c>graph_uniform.bin</c>) as edge lists in its file order (grouped by
/// destination). Options: <c>--nodes</c>, <c>--edges</c>, <c>--scale</c>, <c>--reps</c>, <c>--no-peer</c>,
/// <c>--no-perf-graph</c>.
/// </remarks>
internal sealed class FormatsBench : IBench
{
    public string Name => "formats";

    public string Description => "CSR/CSC construction from COO (uniform 1M/20M and R-MAT 2^20/20M) vs torch coalesce + to_sparse_csr";

    public void Run(BenchContext ctx)
    {
        var nodes = ctx.Int("--nodes", 1_000_000);
        var edges = ctx.Int("--edges", 20_000_000);
        var scale = ctx.Int("--scale", 20);
        var reps = ctx.Int("--reps", 7);
        var usePeer = !ctx.Has("--no-peer");
        var peerMissing = TorchPeer.Unavailable();
        if (usePeer && peerMissing is not null)
        {
            ctx.Note(peerMissing);
            usePeer = false;
        }

        var tag = $"{Short(nodes)}-{Short(edges)}";
        var (us, ud) = Uniform(nodes, edges, seed: 42);
        RunGraph(ctx, $"uniform-{tag}", nodes, us, ud, reps, usePeer);
        var (ss, sd) = SortBySource(us, ud, nodes);
        ReportBytes(ctx, $"uniform-sorted-{tag}", nodes, ss, sd);

        // The graph the g-SpMM targets use (../shared/perf's graph_uniform.bin), as (src, dst) lists in the file's
        // order: grouped by destination, as edge lists exported from a CSC usually are.
        if (!ctx.Has("--no-perf-graph") && nodes == 1_000_000 && edges == 20_000_000)
        {
            SparseBenchSupport.EnsureGraph(ctx, "uniform");
            var (pn, ps, pd) = PerfGraphCoo("uniform");
            RunGraph(ctx, "uniform-perf-1M-20M", pn, ps, pd, reps, usePeer);
        }

        var rmatNodes = 1 << scale;
        var (rs, rd) = RMat(scale, edges, 0.57, 0.19, 0.19, seed: 7);
        RunGraph(ctx, $"rmat-2^{scale}-{Short(edges)}", rmatNodes, rs, rd, reps, usePeer);
    }

    private static void RunGraph(BenchContext ctx, string name, int n, int[] src, int[] dst, int reps, bool usePeer)
    {
        var m = src.Length;
        var (csrMs, csrCpu) = MedianWithCpu(() => CsrBuilder.Build(n, n, src, dst), reps);
        var (cscMs, cscCpu) = MedianWithCpu(() => CsrBuilder.Build(n, n, dst, src), reps);
        var naiveMs = Measure.MedianMs(() => NaiveSortBuild(n, src, dst), warmup: 1, reps: Math.Min(reps, 3), budgetSeconds: 60);
        var bytesPerEdge = BytesPerEdge(n, src, dst);

        Dictionary<string, double>? peer = null;
        if (usePeer) peer = TorchTimes(n, src, dst, reps, ctx.Threads);

        foreach (var (format, ours, cpu) in new[] { ("csr", csrMs, csrCpu), ("csc", cscMs, cscCpu) })
        {
            double? peerMs = peer is not null && peer.TryGetValue(format, out var p) ? p : null;
            ctx.Report(new BenchRow("formats", $"{format}-{name}", ours, peerMs is null ? null : "torch", peerMs)
                .With("edges_per_s", m / (ours / 1000))
                .With("bytes_per_edge", bytesPerEdge)
                .With("cpu_ms", cpu));
        }
        ctx.Report(new BenchRow("formats", $"csr-{name}", csrMs, "naive-sort", naiveMs)
            .With("edges_per_s", m / (csrMs / 1000))
            .With("bytes_per_edge", bytesPerEdge));
    }

    private static void ReportBytes(BenchContext ctx, string name, int n, int[] src, int[] dst)
    {
        var ms = Measure.MedianMs(() => CsrBuilder.Build(n, n, src, dst), warmup: 1, reps: 5);
        ctx.Report(new BenchRow("formats", $"csr-{name}", ms, null, null)
            .With("edges_per_s", src.Length / (ms / 1000))
            .With("bytes_per_edge", BytesPerEdge(n, src, dst)));
    }

    /// <summary>
    /// Median wall time and median process CPU time (all threads) of a build. On a shared, loaded machine the CPU
    /// time shows the work done even when the wall time mostly measures waiting for a core.
    /// </summary>
    private static (double WallMs, double CpuMs) MedianWithCpu(Action body, int reps)
    {
        body();
        var wall = new List<double>();
        var cpu = new List<double>();
        var proc = System.Diagnostics.Process.GetCurrentProcess();
        for (var i = 0; i < reps; i++)
        {
            GC.Collect();
            proc.Refresh();
            var c0 = proc.TotalProcessorTime;
            var sw = System.Diagnostics.Stopwatch.StartNew();
            body();
            wall.Add(sw.Elapsed.TotalMilliseconds);
            proc.Refresh();
            cpu.Add((proc.TotalProcessorTime - c0).TotalMilliseconds);
        }
        return (Measure.Median(wall), Measure.Median(cpu));
    }

    /// <summary>A cached perf graph (in-edge CSC) as COO lists in its storage order: src = the row's entries, dst = the row.</summary>
    private static (int Nodes, int[] Src, int[] Dst) PerfGraphCoo(string name)
    {
        var csc = SparseBenchSupport.LoadGraph(name);
        var dst = new int[csc.NumEntries];
        for (var r = 0; r < csc.NumRows; r++)
            for (var k = csc.IndPtr[r]; k < csc.IndPtr[r + 1]; k++) dst[k] = r;
        return (csc.NumRows, csc.Indices, dst);
    }

    /// <summary>Structure bytes per edge of a graph over these lists once COO, CSR and CSC all exist.</summary>
    private static double BytesPerEdge(int n, int[] src, int[] dst)
    {
        var g = Graph.FromCoo(src, dst, n);
        g.OutCsr();
        g.InCsr();
        return (double)g.StructureBytes() / src.Length;
    }

    /// <summary>The obvious build: sort (row, edge id) keys, then read off offsets, columns and ids.</summary>
    private static Csr NaiveSortBuild(int n, int[] rows, int[] cols)
    {
        var keys = new long[rows.Length];
        for (var e = 0; e < rows.Length; e++) keys[e] = ((long)rows[e] << 32) | (uint)e;
        Array.Sort(keys);
        var indPtr = new long[n + 1];
        var indices = new int[rows.Length];
        var eids = new int[rows.Length];
        for (var k = 0; k < keys.Length; k++)
        {
            var e = (int)keys[k];
            indices[k] = cols[e];
            eids[k] = e;
            indPtr[(keys[k] >> 32) + 1]++;
        }
        for (var r = 0; r < n; r++) indPtr[r + 1] += indPtr[r];
        return new Csr(n, n, indPtr, indices, eids);
    }

    private static Dictionary<string, double> TorchTimes(int n, int[] src, int[] dst, int reps, int threads)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"dgl-formats-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            var srcPath = Path.Combine(dir, "src.npy");
            var dstPath = Path.Combine(dir, "dst.npy");
            WriteNpy(srcPath, src);
            WriteNpy(dstPath, dst);
            var script = $$"""
                import json, os, time
                import numpy as np
                import torch
                torch.set_num_threads(int(os.environ["THREADS"]))
                n = {{n}}
                src = torch.from_numpy(np.load("{{srcPath}}").astype(np.int64))
                dst = torch.from_numpy(np.load("{{dstPath}}").astype(np.int64))
                vals = torch.arange(src.numel(), dtype=torch.int32)
                def build(rows, cols):
                    idx = torch.stack([rows, cols])
                    return torch.sparse_coo_tensor(idx, vals, (n, n)).coalesce().to_sparse_csr()
                for fmt, rows, cols in (("csr", src, dst), ("csc", dst, src)):
                    build(rows, cols)
                    times = []
                    for _ in range({{reps}}):
                        t = time.perf_counter()
                        build(rows, cols)
                        times.append((time.perf_counter() - t) * 1000)
                    times.sort()
                    print(json.dumps({"format": fmt, "ms": times[len(times) // 2]}))
                """;
            var result = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var row in TorchPeer.Run(script, threads))
                result[row.GetProperty("format").GetString()!] = row.GetProperty("ms").GetDouble();
            return result;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Writes a 1-D int32 .npy file (to a temporary name, then moved into place).</summary>
    private static void WriteNpy(string path, int[] data)
    {
        var header = $"{{'descr': '<i4', 'fortran_order': False, 'shape': ({data.Length.ToString(CultureInfo.InvariantCulture)},), }}";
        var total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var tmp = path + ".tmp";
        using (var fs = File.Create(tmp))
        {
            fs.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            fs.Write(BitConverter.GetBytes((ushort)header.Length));
            fs.Write(System.Text.Encoding.ASCII.GetBytes(header));
            fs.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Uniform random edges (value 2e and 2e+1 of the generator's stream give edge e's endpoints).</summary>
    private static (int[] Src, int[] Dst) Uniform(int n, int m, ulong seed)
    {
        var gen = new Generator(seed);
        var src = new int[m];
        var dst = new int[m];
        Parallelism.For(m, 1 << 16, (s, e) =>
        {
            for (var i = s; i < e; i++)
            {
                src[i] = (int)Math.BigMul(gen.At(2L * i), (ulong)n, out _);
                dst[i] = (int)Math.BigMul(gen.At(2L * i + 1), (ulong)n, out _);
            }
        });
        return (src, dst);
    }

    /// <summary>
    /// R-MAT edges: each of the <paramref name="scale"/> levels picks a quadrant with probabilities a, b, c,
    /// 1 - a - b - c, from 16 random bits (four levels per 64-bit value of edge e's own counter range); node ids
    /// are then relabelled by a random permutation so that degree does not follow id.
    /// </summary>
    private static (int[] Src, int[] Dst) RMat(int scale, int m, double a, double b, double c, ulong seed)
    {
        var gen = new Generator(seed);
        var perValue = 4;
        var valuesPerEdge = (scale + perValue - 1) / perValue;
        var ta = (uint)(a * 65536);
        var tb = (uint)((a + b) * 65536);
        var tc = (uint)((a + b + c) * 65536);
        var src = new int[m];
        var dst = new int[m];
        Parallelism.For(m, 1 << 14, (s, e) =>
        {
            for (var i = s; i < e; i++)
            {
                int u = 0, v = 0;
                for (var level = 0; level < scale; level++)
                {
                    var bits = gen.At((long)i * valuesPerEdge + level / perValue);
                    var r = (uint)(bits >> (16 * (level % perValue))) & 0xFFFF;
                    var bit = 1 << (scale - 1 - level);
                    if (r >= tc) { u |= bit; v |= bit; }
                    else if (r >= tb) u |= bit;
                    else if (r >= ta) v |= bit;
                }
                src[i] = u;
                dst[i] = v;
            }
        });
        var perm = Tensor.RandPerm(1 << scale, DType.Int32, new Generator(seed + 1)).ToArray<int>();
        Parallelism.For(m, 1 << 16, (s, e) =>
        {
            for (var i = s; i < e; i++)
            {
                src[i] = perm[src[i]];
                dst[i] = perm[dst[i]];
            }
        });
        return (src, dst);
    }

    private static (int[] Src, int[] Dst) SortBySource(int[] src, int[] dst, int n)
    {
        var csr = CsrBuilder.Build(n, n, src, dst);
        var s = new int[src.Length];
        for (var r = 0; r < n; r++)
            for (var k = csr.IndPtr[r]; k < csr.IndPtr[r + 1]; k++) s[k] = r;
        return (s, (int[])csr.Indices.Clone());
    }

    private static string Short(int x) => x % 1_000_000 == 0 ? $"{x / 1_000_000}M" : x % 1000 == 0 ? $"{x / 1000}K" : x.ToString(CultureInfo.InvariantCulture);
}
