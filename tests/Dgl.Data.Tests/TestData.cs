namespace Dgl.Data.Tests;

/// <summary>Finds the shared data sets: <c>DGL_TEST_DATA</c>, or <c>../shared/data</c> beside the repository.</summary>
internal static class TestData
{
    public static string Folder { get; } = Locate();

    public static string PathOf(string relative) => Path.Combine(Folder, relative);

    public static bool Has(string relative) => File.Exists(PathOf(relative)) || Directory.Exists(PathOf(relative));

    private static string Locate()
    {
        var env = Environment.GetEnvironmentVariable("DGL_TEST_DATA");
        if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dgl.slnx"))) dir = dir.Parent;
        return Path.GetFullPath(Path.Combine(dir?.FullName ?? ".", "..", "shared", "data"));
    }

    /// <summary>A fresh empty folder under the system temp folder.</summary>
    public static string TempFolder()
    {
        var d = Path.Combine(Path.GetTempPath(), "dgl-data-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}

/// <summary>A fact skipped, naming the folder, when a shared data file or folder is absent.</summary>
public sealed class DataFactAttribute : FactAttribute
{
    /// <param name="relativePath">The file or folder the test needs, relative to the data folder.</param>
    /// <param name="whereFrom">Where to get it when the shared data does not hold it (null: the shared data does).</param>
    public DataFactAttribute(string relativePath, string? whereFrom = null)
    {
        if (!TestData.Has(relativePath))
            Skip = $"{TestData.PathOf(relativePath)} not found: " + (whereFrom ?? "set DGL_TEST_DATA to the shared data folder");
    }
}

/// <summary>A theory skipped, naming the folder, when a shared data file or folder is absent.</summary>
public sealed class DataTheoryAttribute : TheoryAttribute
{
    public DataTheoryAttribute(string relativePath)
    {
        if (!TestData.Has(relativePath))
            Skip = $"{TestData.PathOf(relativePath)} not found: set DGL_TEST_DATA to the shared data folder";
    }
}
