using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Dgl.Data;
using Dgl.Tensors;
using Dgl.Tensors.IO;

namespace Dgl.Bench;

/// <summary>
/// Data loading: OGB-style <c>csv.gz</c> edge parsing (MB/s of uncompressed text), the same text from memory, a large
/// <c>.npy</c> load, and Planetoid pickle loading. Peers: our own naive reader (StreamReader + string.Split +
/// long.Parse) measured in the same run, and NumPy 1.24 (<c>np.loadtxt</c>, <c>np.load</c>) and CPython's
/// <c>pickle</c> through <see cref="TorchPeer"/>'s interpreter.
/// </summary>
/// <remarks>
/// The edge file is <c>ogb/ogbl_ddi/raw/edge.csv.gz</c> from <c>DGL_TEST_DATA</c> (1,067,911 lines, 9.9 MB of text);
/// without it a synthetic file of the same shape is written to the temp folder. Options: <c>--reps</c>,
/// <c>--npy-mb</c> (default 256), <c>--no-peer</c>.
/// </remarks>
internal sealed class DataBench : IBench
{
    public string Name => "data";

    public string Description => "csv.gz edge parsing MB/s, .npy load GB/s, Planetoid pickles vs naive reader / numpy / CPython pickle";

    public void Run(BenchContext ctx)
    {
        var reps = ctx.Int("--reps", 7);
        var usePeer = !ctx.Has("--no-peer");
        if (usePeer && TorchPeer.Unavailable() is { } why)
        {
            ctx.Note(why);
            usePeer = false;
        }
        var data = DataFolder();
        var tmp = Path.Combine(Path.GetTempPath(), $"dgl-data-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(tmp);
        try
        {
            GraphFileLoad(ctx, tmp, ctx.Int("--graph-mb", 1024), reps, usePeer);
            CsvGz(ctx, data, tmp, reps, usePeer);
            NpyLoad(ctx, tmp, ctx.Int("--npy-mb", 256), reps, usePeer);
            Pickles(ctx, data, reps, usePeer);
            CoraLoad(ctx, data, reps);
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    internal static string DataFolder()
    {
        var env = Environment.GetEnvironmentVariable("DGL_TEST_DATA");
        if (!string.IsNullOrEmpty(env)) return env;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dgl.slnx"))) dir = dir.Parent;
        return Path.GetFullPath(Path.Combine(dir?.FullName ?? ".", "..", "shared", "data"));
    }

    private static void CsvGz(BenchContext ctx, string data, string tmp, int reps, bool usePeer)
    {
        var path = Path.Combine(data, "ogb", "ogbl_ddi", "raw", "edge.csv.gz");
        var name = "ogbl-ddi";
        if (!File.Exists(path))
        {
            ctx.Note($"{path} not found; using a synthetic edge file of the same shape");
            path = Path.Combine(tmp, "edge.csv.gz");
            name = "synthetic";
            var rng = new Random(1);
            using var fs = File.Create(path);
            using var gz = new GZipStream(fs, CompressionLevel.Optimal);
            using var w = new StreamWriter(gz);
            for (var i = 0; i < 1_067_911; i++) w.Write($"{rng.Next(4267)},{rng.Next(4267)}\n");
        }
        byte[] text;
        using (var s = LineReader.OpenMaybeGzip(path))
        using (var ms = new MemoryStream())
        {
            s.CopyTo(ms);
            text = ms.ToArray();
        }
        var mb = text.Length / 1e6;
        long rows = 0;
        void Parse()
        {
            using var r = LineReader.Open(path);
            rows = NumericText.ReadInt64(r, 2, FieldSeparator.Comma).Rows;
        }
        var ours = Measure.MedianMs(Parse, warmup: 2, reps: reps);
        var oursCpu = CpuMedianMs(Parse, reps);
        var naive = Measure.MedianMs(() => NaiveGz(path), warmup: 1, reps: Math.Min(reps, 5));
        ctx.Report(new BenchRow("data", $"csvgz-edges-{name}", ours, "naive-split", naive)
            .With("mb_per_s", mb / (ours / 1000)).With("cpu_ms", oursCpu).With("mb_per_cpu_s", mb / (oursCpu / 1000)).With("rows", rows));
        if (usePeer)
        {
            var peer = Peer($$"""
                import numpy as np, time, json
                ts = []
                for i in range({{Math.Min(reps, 5)}}):
                    t = time.perf_counter(); a = np.loadtxt('{{path}}', delimiter=',', dtype=np.int64); ts.append(time.perf_counter() - t)
                ts.sort(); print(json.dumps({"ms": ts[len(ts)//2] * 1000, "rows": int(a.shape[0])}))
                """, ctx.Threads);
            if (peer is { } p)
                ctx.Report(new BenchRow("data", $"csvgz-edges-{name}", ours, "numpy.loadtxt", p).With("mb_per_s", mb / (ours / 1000)));
        }
        var mem = Measure.MedianMs(() =>
        {
            using var r = new LineReader(new MemoryStream(text, writable: false), "mem");
            NumericText.ReadInt64(r, 2, FieldSeparator.Comma);
        }, warmup: 2, reps: reps);
        var memNaive = Measure.MedianMs(() => NaiveText(new MemoryStream(text, writable: false)), warmup: 1, reps: Math.Min(reps, 5));
        ctx.Report(new BenchRow("data", $"csv-edges-memory-{name}", mem, "naive-split", memNaive).With("mb_per_s", mb / (mem / 1000)));
    }

    /// <summary>Median process CPU time of a single-threaded body: on a shared, loaded machine it shows what the
    /// code costs when wall time mostly shows the queue for a core.</summary>
    private static double CpuMedianMs(Action body, int reps)
    {
        var times = new List<double>();
        for (var i = 0; i < reps; i++)
        {
            var start = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            body();
            times.Add((System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - start).TotalMilliseconds);
        }
        return Measure.Median(times);
    }

    private static long NaiveGz(string path)
    {
        using var fs = File.OpenRead(path);
        using var gz = new GZipStream(fs, CompressionMode.Decompress);
        return NaiveText(gz);
    }

    /// <summary>The straightforward reader: a string per line, string.Split, long.Parse.</summary>
    private static long NaiveText(Stream s)
    {
        using var sr = new StreamReader(s, Encoding.UTF8);
        var list = new List<long>();
        string? line;
        while ((line = sr.ReadLine()) is not null)
        {
            var parts = line.Split(',');
            list.Add(long.Parse(parts[0], CultureInfo.InvariantCulture));
            list.Add(long.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        return list.Count;
    }

    /// <summary>A synthetic graph file of about <paramref name="megabytes"/> MB (one graph: 4 bytes per node of
    /// labels, 8 bytes per edge of structure, 64 float32 features per node), loaded whole; peers: a naive
    /// BinaryReader loop over the same bytes, and numpy.fromfile of the whole file (disk-speed yardstick).</summary>
    private static void GraphFileLoad(BenchContext ctx, string tmp, int megabytes, int reps, bool usePeer)
    {
        var path = Path.Combine(tmp, "graph.dglnet");
        // bytes ≈ nodes·(64·4 + 8) + edges·8 with edges = 10·nodes
        var nodes = (int)(megabytes * 1e6 / (256 + 8 + 80));
        var edges = 10 * nodes;
        var rng = new Random(5);
        var src = new int[edges];
        var dst = new int[edges];
        for (var i = 0; i < edges; i++) { src[i] = rng.Next(nodes); dst[i] = rng.Next(nodes); }
        var rec = new GraphRecord(["_N"], [nodes], [new RelationRecord(0, "_E", 0, src, dst)],
            [[new("feat", Tensor.Rand([nodes, 64], generator: new Generator(1))), new("label", Tensor.RandInt(0, 10, [nodes], generator: new Generator(2)))]],
            [[]]);
        GraphFile.Write(path, [rec], null);
        src = dst = [];
        var gb = new FileInfo(path).Length / 1e9;
        var ours = FreshHeapMedianMs(() => GraphFile.Read(path), reps);
        var naive = FreshHeapMedianMs(() => NaiveRead(path), Math.Min(reps, 3));
        ctx.Report(new BenchRow("data", $"graph-file-load-{megabytes}MB", ours, "naive-binaryreader", naive).With("gb_per_s", gb / (ours / 1000)));
        double? peer = usePeer ? Peer($$"""
            import numpy as np, time, json
            ts = []
            for i in range({{reps}}):
                t = time.perf_counter(); a = np.fromfile('{{path}}', dtype=np.uint8); ts.append(time.perf_counter() - t)
            ts.sort(); print(json.dumps({"ms": ts[len(ts)//2] * 1000}))
            """, ctx.Threads) : null;
        if (peer is not null)
            ctx.Report(new BenchRow("data", $"graph-file-load-{megabytes}MB", ours, "numpy.fromfile(raw bytes)", peer).With("gb_per_s", gb / (ours / 1000)));
        File.Delete(path);
    }

    /// <summary>Median wall time of a body that allocates about a gigabyte, with the previous result collected before
    /// each run (outside the timing), so every run starts from the same heap, as a fresh process loading a file would.</summary>
    private static double FreshHeapMedianMs(Func<object> body, int reps)
    {
        object? keep = body();   // warm-up
        var times = new List<double>();
        for (var i = 0; i < reps; i++)
        {
            keep = null;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            keep = body();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        GC.KeepAlive(keep);
        return Measure.Median(times);
    }

    /// <summary>Reads every 4-byte word of the file through BinaryReader, the way a simple reader would.</summary>
    private static long NaiveRead(string path)
    {
        using var br = new BinaryReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16));
        var words = new int[br.BaseStream.Length / 4];
        for (var i = 0; i < words.Length; i++) words[i] = br.ReadInt32();
        return words.Length;
    }

    private static void NpyLoad(BenchContext ctx, string tmp, int megabytes, int reps, bool usePeer)
    {
        var path = Path.Combine(tmp, "big.npy");
        var n = megabytes * (1 << 20) / 4;
        Npy.Save(path, Tensor.Rand([n / 256, 256], generator: new Generator(3)));
        var gb = new FileInfo(path).Length / 1e9;
        var ours = Measure.MedianMs(() => Npy.Load(path), warmup: 1, reps: reps);
        double? peer = usePeer ? Peer($$"""
            import numpy as np, time, json
            ts = []
            for i in range({{reps}}):
                t = time.perf_counter(); a = np.load('{{path}}'); ts.append(time.perf_counter() - t)
            ts.sort(); print(json.dumps({"ms": ts[len(ts)//2] * 1000}))
            """, ctx.Threads) : null;
        ctx.Report(new BenchRow("data", $"npy-load-{megabytes}MB", ours, peer is null ? null : "numpy.load", peer).With("gb_per_s", gb / (ours / 1000)));
    }

    private static void Pickles(BenchContext ctx, string data, int reps, bool usePeer)
    {
        var folder = Path.Combine(data, "planetoid", "cora");
        if (!Directory.Exists(folder))
        {
            ctx.Note($"{folder} not found; Planetoid pickle rows skipped");
            return;
        }
        // The peer has NumPy but not SciPy, so it can only load the pickles without sparse matrices.
        var files = new[] { "y", "ty", "ally", "graph" }.Select(x => Path.Combine(folder, $"ind.cora.{x}")).ToArray();
        var ours = Measure.MedianMs(() => { foreach (var f in files) Pickle.Load(f); }, warmup: 2, reps: reps);
        double? peer = usePeer ? Peer($$"""
            import pickle, time, json, numpy
            files = {{JsonSerializer.Serialize(files)}}
            ts = []
            for i in range({{reps}}):
                t = time.perf_counter()
                for f in files:
                    with open(f, 'rb') as h: pickle.load(h, encoding='latin1')
                ts.append(time.perf_counter() - t)
            ts.sort(); print(json.dumps({"ms": ts[len(ts)//2] * 1000}))
            """, ctx.Threads) : null;
        ctx.Report(new BenchRow("data", "pickle-cora-y-ty-ally-graph", ours, peer is null ? null : "cpython-pickle", peer));
        var all = new[] { "x", "y", "tx", "ty", "allx", "ally", "graph" }.Select(x => Path.Combine(folder, $"ind.cora.{x}")).ToArray();
        var allMs = Measure.MedianMs(() => { foreach (var f in all) Pickle.Load(f); }, warmup: 2, reps: reps);
        ctx.Report(new BenchRow("data", "pickle-cora-all-7-files", allMs, null, null));
    }

    /// <summary>Cora from the raw Planetoid files (pickles → processing → graph; target under 0.5 s in-process) and from
    /// the processed-graph cache.</summary>
    private static void CoraLoad(BenchContext ctx, string data, int reps)
    {
        var folder = Path.Combine(data, "planetoid", "cora");
        if (!Directory.Exists(folder))
        {
            ctx.Note($"{folder} not found; Cora load rows skipped");
            return;
        }
        var cacheRoot = Path.Combine(Path.GetTempPath(), $"dgl-data-bench-cache-{Environment.ProcessId}");
        try
        {
            var cache = new DownloadCache(cacheRoot);
            var cold = Measure.MedianMs(() => _ = new CoraGraphDataset(folder, forceReload: true, cache: cache), warmup: 1, reps: reps);
            var warm = Measure.MedianMs(() => _ = new CoraGraphDataset(folder, cache: cache), warmup: 1, reps: reps);
            ctx.Report(new BenchRow("data", "cora-load-raw-planetoid", cold, "processed-cache", warm).With("target_ms", 500));
        }
        finally
        {
            if (Directory.Exists(cacheRoot)) Directory.Delete(cacheRoot, recursive: true);
        }
    }

    private static double? Peer(string script, int threads)
    {
        var rows = TorchPeer.Run(script, threads);
        return rows.Count > 0 && rows[0].TryGetProperty("ms", out var ms) ? ms.GetDouble() : null;
    }
}
