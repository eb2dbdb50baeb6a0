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
