namespace Dgl.Tensors.Tests.IO;

/// <summary>Finds the shared data sets: <c>DGL_TEST_DATA</c>, or <c>../shared/data</c> beside the repository.</summary>
internal static class NpyTestData
{
    public static string Folder { get; } = Locate();

    public static string PathOf(string relative) => System.IO.Path.Combine(Folder, relative);

    public static bool Has(string relative) => File.Exists(PathOf(relative)) || Directory.Exists(PathOf(relative));

    private static string Locate()
    {
        var env = Environment.GetEnvironmentVariable("DGL_TEST_DATA");
        if (!string.IsNullOrEmpty(env)) return System.IO.Path.GetFullPath(env);
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Dgl.slnx"))) dir = dir.Parent;
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir?.FullName ?? ".", "..", "shared", "data"));
    }
}

/// <summary>A fact that is skipped, naming the folder, when a shared data file is absent.</summary>
public sealed class NpyDataFactAttribute : FactAttribute
{
    public NpyDataFactAttribute(string relativePath)
    {
        if (!NpyTestData.Has(relativePath))
            Skip = $"data file {NpyTestData.PathOf(relativePath)} not found: set DGL_TEST_DATA to the shared data folder";
    }
}
