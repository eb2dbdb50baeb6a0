using System.Globalization;
using System.Text.Json;

namespace Dgl.Examples;

/// <summary>
/// Command-line options every example shares: <c>--dataset NAME</c>, <c>--seeds N</c> (runs with seeds 0..N-1),
/// <c>--data-dir DIR</c> (the folder holding the published files; default <c>DGL_TEST_DATA</c>, else
/// <c>../shared/data</c>), plus example-specific <c>--name value</c> options read with <see cref="Get"/>.
/// </summary>
internal sealed class ExampleArgs
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    private ExampleArgs()
    {
    }

    /// <summary>The data set name (lower case).</summary>
    public string Dataset { get; private set; } = "";

    /// <summary>Number of runs, with seeds 0..Seeds-1.</summary>
    public int Seeds { get; private set; } = 1;

    /// <summary>The folder holding the published data files.</summary>
    public string DataDir { get; private set; } = "";

    /// <summary>Parses <paramref name="args"/>; unknown <c>--name value</c> pairs are kept for <see cref="Get"/>.</summary>
    /// <exception cref="ArgumentException">An option is missing its value.</exception>
    public static ExampleArgs Parse(string[] args, string defaultDataset)
    {
        var a = new ExampleArgs();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"unexpected argument '{args[i]}'; options look like --name value", nameof(args));
            var name = args[i][2..];
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                a._options[name] = "true";
                continue;
            }
            a._options[name] = args[++i];
        }
        a.Dataset = (a._options.GetValueOrDefault("dataset") ?? defaultDataset).ToLowerInvariant();
        a.Seeds = int.Parse(a._options.GetValueOrDefault("seeds") ?? "1", CultureInfo.InvariantCulture);
        a.DataDir = a._options.GetValueOrDefault("data-dir")
            ?? Environment.GetEnvironmentVariable("DGL_TEST_DATA")
            ?? Path.GetFullPath(Path.Combine("..", "shared", "data"));
        return a;
    }

    /// <summary>An example-specific option, or <paramref name="fallback"/>.</summary>
    public string Get(string name, string fallback) => _options.GetValueOrDefault(name) ?? fallback;

    /// <summary>An integer option.</summary>
    public int Get(string name, int fallback) =>
        _options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A floating-point option.</summary>
    public double Get(string name, double fallback) =>
        _options.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A flag (present, or given as true/false).</summary>
    public bool Flag(string name) =>
        _options.TryGetValue(name, out var v) && !string.Equals(v, "false", StringComparison.OrdinalIgnoreCase);

    /// <summary>A sub-folder of <see cref="DataDir"/>, with a clear message when it is missing.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public string DataFolder(params string[] parts)
    {
        var path = Path.Combine([DataDir, .. parts]);
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"data folder '{path}' not found; pass --data-dir pointing at the folder that holds {string.Join('/', parts)} (the repository's tests use ../shared/data)");
        return path;
    }
}

/// <summary>The last line every example prints, read by scripts and the README table.</summary>
internal static class ExampleResult
{
    /// <summary>Prints <c>RESULT {"model":…,"dataset":…,"metric":…,"mean":…,"std":…,"runs":N}</c> (population std).</summary>
    public static void Print(string model, string dataset, string metric, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var mean = values.Count == 0 ? double.NaN : values.Average();
        var std = values.Count == 0 ? double.NaN : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
        var json = JsonSerializer.Serialize(new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["model"] = model,
            ["dataset"] = dataset,
            ["metric"] = metric,
            ["mean"] = Math.Round(mean, 5),
            ["std"] = Math.Round(std, 5),
            ["runs"] = values.Count,
        });
        Console.WriteLine("RESULT " + json);
    }
}
