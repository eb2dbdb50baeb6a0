using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dgl.Bench;

/// <summary>One measured case: ours against a peer (either may be missing), plus extra named figures.</summary>
internal sealed record BenchRow(string Bench, string Case, double? OursMs, string? Peer, double? PeerMs)
{
    /// <summary>ours_ms / peer_ms (below 1: we are faster).</summary>
    public double? Ratio => OursMs is { } o && PeerMs is { } p && p > 0 ? o / p : null;

    /// <summary>Further figures printed after the standard ones (seeds_per_s, gflops, peak_rss_mb…).</summary>
    public List<KeyValuePair<string, object>> Extra { get; } = [];

    public BenchRow With(string key, object value)
    {
        Extra.Add(new(key, value));
        return this;
    }
}

/// <summary>Options and output for one bench run: a table, or one JSON object per line with --json.</summary>
internal sealed class BenchContext
{
    private readonly string[] _args;
    private readonly List<BenchRow> _rows = [];
    private readonly List<string> _notes = [];

    public BenchContext(string[] args)
    {
        _args = args;
        Json = Has("--json");
        Threads = Int("--threads", 2);
    }

    /// <summary>Print JSON lines instead of a table.</summary>
    public bool Json { get; }

    /// <summary>Threads for our kernels and for the peers (default 2, this machine's core count).</summary>
    public int Threads { get; }

    public bool Has(string flag) => Array.IndexOf(_args, flag) >= 0;

    public string? Option(string name)
    {
        var i = Array.IndexOf(_args, name);
        return i >= 0 && i + 1 < _args.Length ? _args[i + 1] : null;
    }

    public int Int(string name, int fallback) =>
        Option(name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        Option(name) is { } s ? double.Parse(s, CultureInfo.InvariantCulture) : fallback;

    /// <summary>Records a row; in JSON mode prints it at once.</summary>
    public void Report(BenchRow row)
    {
        if (Json)
        {
            Console.WriteLine(ToJson(row));
            Console.Out.Flush();
        }
        else
        {
            _rows.Add(row);
            Console.Error.WriteLine($"  measured {row.Case} vs {row.Peer ?? "-"}");
        }
    }

    /// <summary>A remark printed under the table (on stderr in JSON mode): a missing peer, an environment fact.</summary>
    public void Note(string note)
    {
        if (Json) Console.Error.WriteLine("# " + note);
        else _notes.Add(note);
    }

    public void Flush()
    {
        if (Json) return;
        var header = new[] { "case", "ours ms", "peer", "peer ms", "ratio" }
            .Concat(_rows.SelectMany(r => r.Extra.Select(e => e.Key)).Distinct(StringComparer.Ordinal)).ToArray();
        var table = _rows.Select(r => new[]
        {
            r.Case, Fmt(r.OursMs), r.Peer ?? "-", Fmt(r.PeerMs), r.Ratio is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "-",
        }.Concat(header.Skip(5).Select(h => r.Extra.FirstOrDefault(e => e.Key == h).Value is { } v ? FmtObj(v) : "")).ToArray()).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, table.Count == 0 ? 0 : table.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine("| " + string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))) + " |");
        sb.AppendLine("| " + string.Join(" | ", widths.Select(w => new string('-', w))) + " |");
        foreach (var r in table) sb.AppendLine("| " + string.Join(" | ", r.Select((c, i) => c.PadRight(widths[i]))) + " |");
        Console.Write(sb.ToString());
        foreach (var n in _notes) Console.WriteLine("note: " + n);
    }

    private static string Fmt(double? v) => v is { } x ? x.ToString(x >= 100 ? "0.0" : "0.000", CultureInfo.InvariantCulture) : "-";

    private static string FmtObj(object v) => v switch
    {
        double d => d.ToString(Math.Abs(d) >= 100 ? "0.0" : "0.000", CultureInfo.InvariantCulture),
        float f => f.ToString("0.000", CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };

    private static string ToJson(BenchRow row)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("bench", row.Bench);
            w.WriteString("case", row.Case);
            if (row.OursMs is { } o) w.WriteNumber("ours_ms", Math.Round(o, 4));
            if (row.Peer is { } p) w.WriteString("peer", p);
            if (row.PeerMs is { } pm) w.WriteNumber("peer_ms", Math.Round(pm, 4));
            if (row.Ratio is { } r) w.WriteNumber("ratio", Math.Round(r, 4));
            foreach (var (k, v) in row.Extra)
            {
                switch (v)
                {
                    case double d when !double.IsFinite(d): w.WriteNull(k); break;
                    case double d: w.WriteNumber(k, Math.Round(d, 4)); break;
                    case float f: w.WriteNumber(k, f); break;
                    case int i: w.WriteNumber(k, i); break;
                    case long l: w.WriteNumber(k, l); break;
                    case bool b: w.WriteBoolean(k, b); break;
                    default: w.WriteString(k, Convert.ToString(v, CultureInfo.InvariantCulture)); break;
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
