using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using Dgl.Data.Tests.Download;
using Dgl.Tensors.IO;

namespace Dgl.Data.Tests.Datasets;

public class LinqsCitationTests
{
    // Four papers, three word attributes, classes b, a, c, a (sorted: a = 0, b = 1, c = 2). The citations hold a pair
    // listed twice, a pair listed both ways and a self-citation; paper p4 cites nothing and nobody cites it.
    private const string Content = "p1\t1\t0\t1\tb\np2\t0\t0\t0\ta\np3\t1\t1\t1\tc\np4\t0\t2\t0\ta\n";
    private const string Cites = "p1\tp2\np1\tp2\np3 p1\np1\tp3\np3\tp3\n";

    private static string Write(string content, string cites, string name = "toy", bool subfolder = false)
    {
        var root = TestData.TempFolder();
        var folder = subfolder ? Path.Combine(root, name) : root;
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, $"{name}.content"), content);
        File.WriteAllText(Path.Combine(folder, $"{name}.cites"), cites);
        return root;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HandMadeFilesGiveTheHandComputedGraph(bool subfolder)
    {
        var data = new LinqsCitationDataset("toy", Write(Content, Cites, subfolder: subfolder));
        var g = data[0];
        Assert.Equal(["p1", "p2", "p3", "p4"], data.PaperIds);
        Assert.Equal(["a", "b", "c"], data.ClassNames);
        Assert.Equal(3, data.NumClasses);
        Assert.Equal(4, g.NumNodes());
        Assert.Equal([1L, 0, 2, 0], g.NData["label"].ToArray<long>());
        // Rows divided by their sums; the all-zero row of p2 stays zero.
        var third = 1f / 3;
        Assert.Equal([0.5f, 0, 0.5f, 0, 0, 0, third, third, third, 0, 1, 0], g.NData["feat"].ToArray<float>());
        // Undirected pairs {p1,p2}, {p1,p3} and the self-loop p3-p3, each direction once, sorted by (src, dst).
        var (src, dst) = g.AllEdges();
        Assert.Equal([0, 0, 1, 2, 2], src.ToArray<int>());
        Assert.Equal([1, 2, 0, 0, 2], dst.ToArray<int>());
        // Fewer than 1,500 nodes: no split.
        Assert.False(g.NData.ContainsKey("train_mask"));
        Assert.Equal(0, data.SkippedCitations);
    }

    [Fact]
    public void LargeGraphsGetPygcnsSplit()
    {
        var content = new System.Text.StringBuilder();
        for (var i = 0; i < 1600; i++)
            content.Append(CultureInfo.InvariantCulture, $"{1000 + i}\t{i % 2}\t1\tc{i % 3}\n");
        var g = new LinqsCitationDataset("big", Write(content.ToString(), "1000\t1001\n", "big"))[0];
        int[] On(string mask) => [.. g.NData[mask].ToArray<bool>().Select((b, i) => (b, i)).Where(t => t.b).Select(t => t.i)];
        Assert.Equal(Enumerable.Range(0, 140), On("train_mask"));
        Assert.Equal(Enumerable.Range(200, 300), On("val_mask"));
        Assert.Equal(Enumerable.Range(500, 1000), On("test_mask"));
        Assert.Equal(2, g.NumEdges());
    }

    [Fact]
    public void AnUnknownPaperIsRefusedWithItsLineOrDroppedOnRequest()
    {
        var dir = Write(Content, "p1\tp2\np1\tp9\np4\tp1\n");
        var e = Assert.Throws<DataFormatException>(() => new LinqsCitationDataset("toy", dir));
        Assert.Equal(2, e.Line);
        Assert.Contains("toy.cites", e.Message, StringComparison.Ordinal);
        Assert.Contains("'p9'", e.Message, StringComparison.Ordinal);
        Assert.Contains("ignoreUnknownIds", e.Message, StringComparison.Ordinal);

        var data = new LinqsCitationDataset("toy", dir, ignoreUnknownIds: true);
        Assert.Equal(1, data.SkippedCitations);
        Assert.Equal(4, data[0].NumEdges());
    }

    [Theory]
    [InlineData("p1\t1\t0\t1\tb\np2\t0\t0\ta\n", 2, "has 2 word attributes; the first line has 3")]
    [InlineData("p1\t1\t0\t1\tb\np2\t0\tx\t0\ta\n", 2, "word attribute 2 of paper 'p2' is 'x'")]
    [InlineData("p1\t1\t0\t1\tb\np1\t0\t0\t0\ta\n", 2, "paper 'p1' is listed again (first on line 1)")]
    [InlineData("p1\tb\n", 1, "found 2 field(s)")]
    public void MalformedContentNamesFileAndLine(string content, int line, string problem)
    {
        var e = Assert.Throws<DataFormatException>(() => new LinqsCitationDataset("toy", Write(content, "")));
        Assert.Equal(line, e.Line);
        Assert.Contains("toy.content", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedCitationsAndMissingFilesAreNamed()
    {
        var e = Assert.Throws<DataFormatException>(() => new LinqsCitationDataset("toy", Write(Content, "p1\tp2\np1 p2 p3\n")));
        Assert.Equal(2, e.Line);
        Assert.Contains("expected two paper ids (cited, citing); found 3", e.Message, StringComparison.Ordinal);

        var empty = TestData.TempFolder();
        var missing = Assert.Throws<FileNotFoundException>(() => new LinqsCitationDataset("cora", empty));
        Assert.Contains(Path.Combine(empty, "cora.content"), missing.Message, StringComparison.Ordinal);
        Assert.Contains("https://linqs-data.soe.ucsc.edu/public/lbc/cora.tgz", missing.Message, StringComparison.Ordinal);

        var noCites = Write(Content, "");
        File.Delete(Path.Combine(noCites, "toy.cites"));
        var missingCites = Assert.Throws<FileNotFoundException>(() => new LinqsCitationDataset("toy", noCites));
        Assert.Contains("toy.cites", missingCites.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAFolderItDownloadsAndUnpacksLinqsArchive()
    {
        // toy.tgz laid out as LINQS's archives are: toy/toy.content and toy/toy.cites.
        using var tgz = new MemoryStream();
        using (var gz = new GZipStream(tgz, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz))
        {
            foreach (var (file, text) in new[] { ("toy/toy.content", Content), ("toy/toy.cites", Cites) })
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, file) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
        }
        var body = tgz.ToArray();
        var server = new FakeServer(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) });
        var cache = new DownloadCache(TestData.TempFolder(), new HttpClient(server));
        var data = new LinqsCitationDataset("toy", cache: cache);
        Assert.Equal(["https://linqs-data.soe.ucsc.edu/public/lbc/toy.tgz"], server.Urls);
        Assert.Equal(["p1", "p2", "p3", "p4"], data.PaperIds);
        Assert.Equal(5, data[0].NumEdges());
        Assert.True(File.Exists(Path.Combine(cache.FolderOf("toy_linqs"), "toy", "toy.cites")));
        _ = new LinqsCitationDataset("toy", cache: cache);   // the second load reads the unpacked files
        Assert.Single(server.Urls);
    }

    /// <summary>LINQS's Cora is not in the shared data; put cora.content and cora.cites in linqs/cora to run this.
    /// It checks the loader against the Shchur et al. npz of the same data (another node order), read by name.</summary>
    [DataFact("linqs/cora/cora.content", "the shared data does not hold LINQS's Cora; unpack https://linqs-data.soe.ucsc.edu/public/lbc/cora.tgz into DGL_TEST_DATA/linqs to run this check")]
    public void LinqsCoraMatchesTheNpzCopyOfTheSameData()
    {
        var data = new LinqsCitationDataset("cora", TestData.PathOf("linqs/cora"));
        var g = data[0];
        Assert.Equal((2708, 10556L, 7), (g.NumNodes(), g.NumEdges(), data.NumClasses!.Value));
        Assert.Equal([2708, 1433], g.NData["feat"].Shape.ToArray());
        Assert.Equal((31336L, 1061127L), (long.Parse(data.PaperIds[0], CultureInfo.InvariantCulture), long.Parse(data.PaperIds[1], CultureInfo.InvariantCulture)));
        Assert.Equal((140, 300, 1000), (Count(g, "train_mask"), Count(g, "val_mask"), Count(g, "test_mask")));
        if (!TestData.Has("gnn-benchmark-npz/cora.npz")) return;

        using var npz = new NpzReader(TestData.PathOf("gnn-benchmark-npz/cora.npz"));
        var names = npz.ReadStrings("node_names");
        var classNames = npz.ReadStrings("class_names");
        var npzLabels = npz.Read("labels").Long().ToArray<long>();
        var attr = npz.ReadCsr("attr").ToDense().ToArray<float>();
        var (ar, ac) = npz.ReadCsr("adj").ToCooArrays();
        var row = names.Select((n, i) => (n, i)).ToDictionary(t => t.n, t => t.i, StringComparer.Ordinal);
        var node = data.PaperIds.Select(p => row[p]).ToArray();
        var labels = g.NData["label"].ToArray<long>();
        var feat = g.NData["feat"].ToArray<float>();
        for (var v = 0; v < 2708; v++)
        {
            Assert.Equal(classNames[npzLabels[node[v]]], data.ClassNames[(int)labels[v]]);
            var raw = attr.AsSpan(node[v] * 1433, 1433).ToArray();
            var sum = raw.Sum(x => (double)x);
            for (var j = 0; j < 1433; j++) Assert.Equal(raw[j] / sum, feat[v * 1433 + j], 6);
        }
        var toOurs = new int[2708];
        for (var v = 0; v < 2708; v++) toOurs[node[v]] = v;
        var expected = new HashSet<(int, int)>();
        for (var k = 0; k < ar.Length; k++)
        {
            expected.Add((toOurs[ar[k]], toOurs[ac[k]]));
            expected.Add((toOurs[ac[k]], toOurs[ar[k]]));
        }
        var (src, dst) = g.AllEdges();
        var s = src.ToArray<int>();
        var d = dst.ToArray<int>();
        Assert.Equal(expected.OrderBy(e => e), s.Select((x, i) => (x, d[i])));
    }

    private static int Count(Graph g, string mask) => g.NData[mask].ToArray<bool>().Count(b => b);
}
