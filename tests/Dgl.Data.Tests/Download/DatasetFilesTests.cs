namespace Dgl.Data.Tests.Download;

public class DatasetFilesTests
{
    [Fact]
    public void ProcessedGraphsAreCachedAndInvalidatedByTheirSources()
    {
        var raw = TestData.TempFolder();
        var source = Path.Combine(raw, "edges.txt");
        File.WriteAllText(source, "0 1\n");
        var files = new DatasetFiles("toy", raw, new DownloadCache(TestData.TempFolder()));
        var calls = 0;
        (List<GraphRecord>, List<KeyValuePair<string, Tensor>>) Make()
        {
            calls++;
            return ([Records.Homogeneous(2, [0], [1])], [new("labels", Tensor.From<long>([calls]))]);
        }
        var first = files.Processed("p=1", [source], Make);
        var second = files.Processed("p=1", [source], Make);
        Assert.Equal(1, calls);
        Assert.Equal(first.Labels[0].Value.ToArray<long>(), second.Labels[0].Value.ToArray<long>());
        files.Processed("p=2", [source], Make);
        Assert.Equal(2, calls);                       // other parameters, other cache entry
        File.AppendAllText(source, "1 0\n");
        files.Processed("p=1", [source], Make);
        Assert.Equal(3, calls);                       // the raw file changed
        files.Processed("p=1", [source], Make, forceReload: true);
        Assert.Equal(4, calls);
    }

    [Fact]
    public void RawDirMissingFileNamesFileAndSource()
    {
        var files = new DatasetFiles("cora", TestData.TempFolder(), new DownloadCache(TestData.TempFolder()));
        var ex = Assert.Throws<FileNotFoundException>(() => files.File(Sources.PlanetoidFile("cora", "x")));
        Assert.Contains("ind.cora.x", ex.Message, StringComparison.Ordinal);
        Assert.Contains("github.com/kimiyoung/planetoid", ex.Message, StringComparison.Ordinal);
    }
}
