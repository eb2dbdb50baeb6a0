using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dgl.Tensors;

namespace Dgl.Bench;

/// <summary>
/// What the sparse benchmarks share: the two graphs of <c>../shared/perf/spmm.c</c> (built and cached by that program
/// in bench/.cache, so that ours, the C roofline and PyTorch run on the identical graph), the C peer's timings, and the
/// PyTorch loading prelude.
/// </summary>
internal static partial class SparseBenchSupport
{
    public static readonly string[] GraphNames = ["uniform", "rmat"];

    /// <summary>The repository root (the folder holding Dgl.slnx), found upward from the executable.</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dgl.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no Dgl.slnx above {AppContext.BaseDirectory}; run the bench from the repository");
    }

    public static string CacheDir()
    {
        var d = Path.Combine(RepoRoot(), "bench", ".cache");
        Directory.CreateDirectory(d);
        return d;
    }

    public static string GraphPath(string name) => Path.Combine(CacheDir(), $"graph_{name}.bin");

    /// <summary>Graphs to run: --graphs uniform,rmat (default both).</summary>
    public static string[] SelectedGraphs(BenchContext ctx) =>
        ctx.Option("--graphs") is { } s ? s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : GraphNames;

    /// <summary>Compiles spmm.c into the cache (when missing or older than the source); null and a note when gcc or the source is missing.</summary>
    public static string? CProgram(BenchContext ctx) =>
        CompileC(ctx, Path.Combine(RepoRoot(), "..", "shared", "perf", "spmm.c"), "spmm", "C roofline");

    /// <summary>
    /// Compiles a C program into the cache as <paramref name="exeName"/> (gcc -O3 -march=native -fopenmp) when missing
    /// or older than its source; null and a note naming <paramref name="what"/> when gcc or the source is missing.
    /// </summary>
    private static string? CompileC(BenchContext ctx, string src, string exeName, string what)
    {
        if (!File.Exists(src))
        {
            ctx.Note($"{what} skipped: {Path.GetFullPath(src)} not found");
            return null;
        }
        var exe = Path.Combine(CacheDir(), exeName);
        if (File.Exists(exe) && File.GetLastWriteTimeUtc(exe) >= File.GetLastWriteTimeUtc(src)) return exe;
        var (code, output) = Exec("gcc", ["-O3", "-march=native", "-fopenmp", src, "-o", exe], CacheDir(), null);
        if (code != 0)
        {
            ctx.Note($"{what} skipped: gcc failed ({code}): {output.Trim()}");
            return null;
        }
        return exe;
    }

    /// <summary>Makes sure graph_NAME.bin exists, running the C program (which generates and caches it) if needed.</summary>
    public static void EnsureGraph(BenchContext ctx, string name)
    {
        if (File.Exists(GraphPath(name))) return;
        var exe = CProgram(ctx) ?? throw new InvalidOperationException($"{GraphPath(name)} is missing and spmm.c cannot be built to generate it");
        Console.Error.WriteLine($"  generating {name} graph with {exe} …");
        var (code, output) = Exec(exe, [name, "16"], CacheDir(), new(StringComparer.Ordinal) { ["TLO"] = "1", ["THI"] = "1", ["OMP_NUM_THREADS"] = "1" });
        if (code != 0 || !File.Exists(GraphPath(name)))
            throw new InvalidOperationException($"spmm.c did not produce {GraphPath(name)} (exit {code}): {output}");
    }

    /// <summary>Loads a cached graph as the in-edge CSC it is (row i holds the sources of destination i; edge id = position).</summary>
    public static Csr LoadGraph(string name)
    {
        using var f = File.OpenRead(GraphPath(name));
        using var r = new BinaryReader(f);
        var n = checked((int)r.ReadInt64());
        var nnz = checked((int)r.ReadInt64());
        var ptr = new long[n + 1];
        var col = new int[nnz];
        f.ReadExactly(MemoryMarshal.AsBytes(ptr.AsSpan()));
        f.ReadExactly(MemoryMarshal.AsBytes(col.AsSpan()));
        return new Csr(n, n, ptr, col, edgeIds: null);
    }

    /// <summary>The C roofline: best avx512r median (any prefetch setting) per <see cref="CKey"/>(graph, F, copysum|weighted), run at ctx.Threads.</summary>
    public static Dictionary<string, double> RunCRoofline(BenchContext ctx, string graph, int[] widths)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        var exe = CProgram(ctx);
        if (exe is null) return result;
        var t = ctx.Threads.ToString(CultureInfo.InvariantCulture);
        Console.Error.WriteLine($"  running C roofline on {graph} …");
        var (code, output) = Exec(exe, [graph, .. widths.Select(w => w.ToString(CultureInfo.InvariantCulture))], CacheDir(),
            new(StringComparer.Ordinal) { ["TLO"] = t, ["THI"] = t });
        if (code != 0)
        {
            ctx.Note($"C roofline failed on {graph} (exit {code})");
            return result;
        }
        foreach (Match m in ResultLine().Matches(output))
        {
            if (m.Groups["kernel"].Value != "avx512r") continue;
            var key = CKey(m.Groups["graph"].Value, int.Parse(m.Groups["f"].Value, CultureInfo.InvariantCulture), m.Groups["kind"].Value);
            var ms = double.Parse(m.Groups["ms"].Value, CultureInfo.InvariantCulture);
            result[key] = result.TryGetValue(key, out var prev) ? Math.Min(prev, ms) : ms;
        }
        return result;
    }

    /// <summary>
    /// Compiles <c>native/sparse_backward.c</c> (our best-case C forward and backward of the sparse ops, see its header)
    /// into the cache when missing or older than the source; null and a note when gcc or the source is missing.
    /// </summary>
    private static string? BackwardCProgram(BenchContext ctx) =>
        CompileC(ctx, Path.Combine(RepoRoot(), "bench", "Dgl.Bench", "native", "sparse_backward.c"), "sparse_backward", "C backward yardstick");

    /// <summary>
    /// The best-case C forward and backward of each case ("copy_u:16", "u_mul_e:128", …) on a cached graph, at
    /// ctx.Threads: case → (forward ms, backward ms, median of the rounds' backward/forward). Empty with a note when
    /// the program cannot be built or fails; skipped with --no-c.
    /// </summary>
    public static Dictionary<string, (double Forward, double Backward, double Ratio)> RunCBackward(BenchContext ctx, string graph, IEnumerable<string> cases)
    {
        var result = new Dictionary<string, (double, double, double)>(StringComparer.Ordinal);
        var list = cases.ToArray();
        if (ctx.Has("--no-c") || list.Length == 0 || BackwardCProgram(ctx) is not { } exe) return result;
        Console.Error.WriteLine($"  running the C backward yardstick on {graph} …");
        var rounds = Math.Max(3, ctx.Int("--rounds", 5)).ToString(CultureInfo.InvariantCulture);
        var (code, output) = Exec(exe, [GraphPath(graph), rounds, .. list], CacheDir(),
            new(StringComparer.Ordinal) { ["OMP_NUM_THREADS"] = ctx.Threads.ToString(CultureInfo.InvariantCulture) });
        if (code != 0)
        {
            ctx.Note($"C backward yardstick failed on {graph} (exit {code}): {output.Trim()}");
            return result;
        }
        foreach (Match m in BackwardLine().Matches(output))
        {
            double D(string g) => double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
            result[$"{m.Groups["case"].Value}:{m.Groups["f"].Value}"] = (D("fwd"), D("bwd"), D("ratio"));
        }
        return result;
    }

    /// <summary>
    /// Reports a backward row against the C yardstick's backward of the same case (<see cref="RunCBackward"/>), with
    /// the yardstick's own backward/forward ratio next to ours: what the machine allows, beside what we reach.
    /// </summary>
    public static void ReportAgainstCBackward(BenchContext ctx, string bench, string key, (double Forward, double Backward) ours,
        Dictionary<string, (double Forward, double Backward, double Ratio)> c, string cCase)
    {
        if (!c.TryGetValue(cCase, out var cm)) return;
        ctx.Report(new BenchRow(bench, key + "-backward", ours.Backward, "c-roofline", cm.Backward)
            .With("ours_bwd_over_fwd", Math.Round(ours.Backward / ours.Forward, 3))
            .With("c_forward_ms", cm.Forward)
            .With("c_bwd_over_fwd", cm.Ratio));
    }

    /// <summary>Key of a C roofline timing.</summary>
    public static string CKey(string graph, int f, string kind) => string.Create(CultureInfo.InvariantCulture, $"{graph}|{f}|{kind}");

    [GeneratedRegex(@"RESULT case=(?<case>\w+) F=(?<f>\d+) fwd=(?<fwd>[\d.]+) bwd=(?<bwd>[\d.]+) ratio=(?<ratio>[\d.]+)")]
    private static partial Regex BackwardLine();

    [GeneratedRegex(@"RESULT graph=(?<graph>\w+)\s+F=\s*(?<f>\d+)\s+(?<kind>copysum|weighted)\s+thr=\d+\s+kernel=(?<kernel>\w+)\s+pf=\d+\s+median\s+(?<ms>[\d.]+) ms")]
    private static partial Regex ResultLine();

    /// <summary>Python prelude: loads a cached graph as numpy arrays and torch tensors (src, dst per edge in CSC order).</summary>
    public static string TorchPrelude => """
        import json, os, sys, time, statistics
        import numpy as np
        import torch
        torch.set_num_threads(int(os.environ.get("THREADS", "2")))

        def load(path):
            with open(path, "rb") as f:
                n, nnz = np.fromfile(f, dtype=np.int64, count=2)
                rowptr = np.fromfile(f, dtype=np.int64, count=n + 1)
                col = np.fromfile(f, dtype=np.int32, count=nnz)
            rowptr_t = torch.from_numpy(rowptr)
            src = torch.from_numpy(col.astype(np.int64))
            deg = rowptr_t[1:] - rowptr_t[:-1]
            dst = torch.repeat_interleave(torch.arange(int(n)), deg)
            return int(n), int(nnz), rowptr_t, src, dst, deg

        def median_ms(fn, reps=5, warmup=1, budget=60.0):
            for _ in range(warmup):
                fn()
            times = []
            start = time.perf_counter()
            for i in range(reps):
                t = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t) * 1e3)
                if i >= 2 and time.perf_counter() - start > budget:
                    break
            return statistics.median(times)

        def report(case, ms):
            print(json.dumps({"case": case, "ms": ms}), flush=True)

        """;

    /// <summary>Runs the PyTorch peer script and returns case → median ms (empty with a note when unavailable).</summary>
    public static Dictionary<string, double> RunTorch(BenchContext ctx, string script)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (ctx.Has("--no-torch")) return result;
        if (TorchPeer.Unavailable() is { } why)
        {
            ctx.Note("PyTorch peer skipped: " + why);
            return result;
        }
        Console.Error.WriteLine("  running PyTorch peer …");
        foreach (var row in TorchPeer.Run(TorchPrelude + script, ctx.Threads, TimeSpan.FromMinutes(60)))
            result[row.GetProperty("case").GetString()!] = row.GetProperty("ms").GetDouble();
        return result;
    }

    /// <summary>Python string literal of a path.</summary>
    public static string Py(string s) => JsonSerializer.Serialize(s);

    private static (int Code, string Output) Exec(string file, string[] args, string workDir, Dictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var err = p.StandardError.ReadToEndAsync();
        var outp = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, outp + err.Result);
    }

    /// <summary>Deterministic pseudo-random features (cheap to make at 10⁸ elements).</summary>
    public static Tensor Features(int[] shape, int seed) => Tensor.Uniform(new Shape(shape), -1, 1, DType.Float32, new Generator((ulong)seed));
}
