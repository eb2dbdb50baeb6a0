using Dgl.Cli;

namespace Dgl.Cli.Tests;

/// <summary>Runs the CLI in-process through its entry method and captures what it prints.</summary>
internal static class CliHarness
{
    static CliHarness()
    {
        // Processed-graph caches of the data sets go to a private folder, never to ~/.dgl.
        var cache = Path.Combine(Path.GetTempPath(), "dgl-cli-tests-cache");
        Directory.CreateDirectory(cache);
        Environment.SetEnvironmentVariable("DGL_DOWNLOAD_DIR", cache);
    }

    public static (int Code, string Out, string Err) Run(params string[] args) => Run(CancellationToken.None, args);

    public static (int Code, string Out, string Err) Run(CancellationToken cancel, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = DglCommand.Run(args, o, e, interactive: false, cancel);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>A fresh folder path under the temp folder (not created).</summary>
    public static string NewFolder(string tag) => Path.Combine(Path.GetTempPath(), "dgl-cli-tests", tag + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>A fresh, created folder.</summary>
    public static string TempFolder(string tag)
    {
        var d = NewFolder(tag);
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>The shared data folder: <c>DGL_TEST_DATA</c>, or <c>../shared/data</c> beside the repository.</summary>
    public static string DataFolder { get; } = LocateData();

    private static string LocateData()
    {
        var env = Environment.GetEnvironmentVariable("DGL_TEST_DATA");
        if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dgl.slnx"))) dir = dir.Parent;
        return Path.GetFullPath(Path.Combine(dir?.FullName ?? ".", "..", "shared", "data"));
    }
}

/// <summary>A fact skipped, naming the folder, when a shared data file or folder is absent.</summary>
public sealed class DataFactAttribute : FactAttribute
{
    public DataFactAttribute(string relativePath)
    {
        var p = Path.Combine(CliHarness.DataFolder, relativePath);
        if (!File.Exists(p) && !Directory.Exists(p))
            Skip = $"{p} not found: set DGL_TEST_DATA to the shared data folder";
    }
}

/// <summary>A fact skipped with a clear message when Chromium is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Path = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Path))
            Skip = $"{Path} not found: install Chromium (apt-get install -y chromium; .ci/run does this when run as root) to check that report.html renders";
    }
}
