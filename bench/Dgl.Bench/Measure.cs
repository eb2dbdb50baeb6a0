using System.Diagnostics;

namespace Dgl.Bench;

/// <summary>Timing helpers: medians over repetitions after a warm-up, because machines here are noisy.</summary>
internal static class Measure
{
    /// <summary>Median milliseconds of <paramref name="body"/> over <paramref name="reps"/> runs after
    /// <paramref name="warmup"/> untimed ones; stops early once <paramref name="budgetSeconds"/> is spent (at least 3 runs).</summary>
    public static double MedianMs(Action body, int warmup = 2, int reps = 10, double budgetSeconds = 20)
    {
        ArgumentNullException.ThrowIfNull(body);
        for (var i = 0; i < warmup; i++) body();
        var times = new List<double>(reps);
        var total = Stopwatch.StartNew();
        for (var i = 0; i < reps; i++)
        {
            var sw = Stopwatch.StartNew();
            body();
            times.Add(sw.Elapsed.TotalMilliseconds);
            if (i >= 2 && total.Elapsed.TotalSeconds > budgetSeconds) break;
        }
        return Median(times);
    }

    /// <summary>
    /// Medians of <paramref name="first"/> and <paramref name="second"/> timed in alternation, for a ratio of the two:
    /// this machine's second core comes and goes, and two medians taken a minute apart compare machine states as much
    /// as code. Each run is timed as in a steady training loop: an untimed full collection goes before it, so its
    /// outputs reuse memory this process already holds.
    /// </summary>
    /// <remarks>For ops whose outputs are hundreds of MB. Left to itself the GC lets the heap grow to several times the
    /// live data before a full collection, so for the first dozen runs each new output lands on memory the process
    /// never touched, and on this VM the first write of such memory costs up to ~2 ms per MB (guest and host page
    /// faults), more than the kernel: a g-SpMM backward on 20M edges, F = 128, took 0.9-1.5 s in that phase and
    /// 0.22-0.33 s once the heap cycled in memory it held (measured with /proc/self/stat fault counts).</remarks>
    public static (double First, double Second) AlternatingMedianMs(Action first, Action second, int warmup = 1, int rounds = 9,
        double budgetSeconds = 40)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        for (var i = 0; i < warmup; i++)
        {
            first();
            second();
        }
        var a = new List<double>(rounds);
        var b = new List<double>(rounds);
        var total = Stopwatch.StartNew();
        for (var i = 0; i < rounds; i++)
        {
            a.Add(SteadyRunMs(first));
            b.Add(SteadyRunMs(second));
            if (i >= 2 && total.Elapsed.TotalSeconds > budgetSeconds) break;
        }
        return (Median(a), Median(b));
    }

    /// <summary>One timed run after an untimed full collection.</summary>
    private static double SteadyRunMs(Action body)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        var sw = Stopwatch.StartNew();
        body();
        return sw.Elapsed.TotalMilliseconds;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>Peak resident set size of this process so far, in MB (Linux VmHWM).</summary>
    public static double PeakRssMb() => StatusMb("VmHWM:");

    /// <summary>Resident set size of this process now, in MB (Linux VmRSS).</summary>
    public static double RssMb() => StatusMb("VmRSS:");

    private static double StatusMb(string field)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return double.NaN;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kb = long.Parse(line.AsSpan(field.Length).Trim().ToString().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }
        return double.NaN;
    }
}
