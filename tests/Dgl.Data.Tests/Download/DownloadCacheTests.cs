using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Dgl.Data.Tests.Download;

public class DownloadCacheTests
{
    private sealed class Recorder : IProgress<DownloadProgress>
    {
        public List<DownloadProgress> Reports { get; } = [];
        public void Report(DownloadProgress value) => Reports.Add(value);
    }

    private static HttpResponseMessage Ok(byte[] body) => new(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };

    private static string Hex(byte[] hash) => Convert.ToHexString(hash).ToLowerInvariant();

    [Fact]
    public void DownloadsOnceVerifiesAndReportsProgress()
    {
        var body = new byte[3 << 20];
        new Random(1).NextBytes(body);
        var server = new FakeServer(_ => Ok(body));
        var progress = new Recorder();
        var cache = new DownloadCache(TestData.TempFolder(), new HttpClient(server)) { Progress = progress };
        var file = new RemoteFile("https://example.org/x.bin", "x.bin", Hex(SHA256.HashData(body)), Hex(SHA1.HashData(body)));
        var path = cache.GetFile(file, "set");
        Assert.Equal(body, File.ReadAllBytes(path));
        Assert.Equal(Path.Combine(cache.Root, "set", "x.bin"), path);
        Assert.Equal(body.Length, progress.Reports[^1].BytesReceived);
        Assert.Equal(body.Length, progress.Reports[^1].TotalBytes);
        Assert.True(progress.Reports.Count >= 3);
        Assert.Equal(path, cache.GetFile(file, "set"));
        Assert.Equal(1, server.Requests);   // the second call is served from the cache
    }

    [Fact]
    public void ChecksumMismatchLeavesNoFile()
    {
        var cache = new DownloadCache(TestData.TempFolder(), new HttpClient(new FakeServer(_ => Ok("tampered"u8.ToArray()))));
        var file = new RemoteFile("https://example.org/ind.cora.x", "ind.cora.x", Sha256: new string('a', 64));
        var ex = Assert.Throws<DataSetUnavailableException>(() => cache.GetFile(file, "cora"));
        Assert.Contains("SHA-256", ex.Message, StringComparison.Ordinal);
        Assert.Contains("https://example.org/ind.cora.x", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(cache.Root, "cora"), ex.Folder);
        Assert.Empty(Directory.GetFiles(Path.Combine(cache.Root, "cora")));
    }

    [Fact]
    public void OfflineOrServerErrorsNameUrlFileAndFolder()
    {
        var offline = new FakeServer(_ => throw new HttpRequestException("No such host is known"));
        var cache = new DownloadCache(TestData.TempFolder(), new HttpClient(offline)) { Attempts = 2 };
        var ex = Assert.Throws<DataSetUnavailableException>(() => cache.GetFile(new RemoteFile("https://data.dgl.ai/dataset/cora_v2.zip", "cora_v2.zip"), "cora_v2"));
        Assert.Equal(2, offline.Requests);
        Assert.Contains("No such host", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'cora_v2.zip'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(cache.Root, "cora_v2"), ex.Message, StringComparison.Ordinal);
        var missing = new DownloadCache(TestData.TempFolder(), new HttpClient(new FakeServer(_ => new HttpResponseMessage(HttpStatusCode.NotFound))));
        Assert.Contains("404", Assert.Throws<DataSetUnavailableException>(() => missing.GetFile(new RemoteFile("https://example.org/a", "a"), "s")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedTransferIsRetriedAndNeverLeftPartial()
    {
        var calls = 0;
        var server = new FakeServer(_ =>
        {
            calls++;
            var r = Ok(calls == 1 ? new byte[10] : new byte[100]);
            r.Content.Headers.ContentLength = 100;   // the first answer claims 100 bytes and sends 10
            return r;
        });
        var cache = new DownloadCache(TestData.TempFolder(), new HttpClient(server));
        var path = cache.GetFile(new RemoteFile("https://example.org/f", "f"), "s");
        Assert.Equal(100, new FileInfo(path).Length);
        Assert.Equal(2, calls);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void ExtractsZipAndTarGzArchives()
    {
        var zipBytes = new MemoryStream();
        using (var z = new ZipArchive(zipBytes, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var w = new StreamWriter(z.CreateEntry("MUTAG/MUTAG_A.txt").Open());
            w.Write("1, 2\n");
        }
        var cache = new DownloadCache(TestData.TempFolder(), new HttpClient(new FakeServer(_ => Ok(zipBytes.ToArray()))));
        var folder = cache.GetExtracted(new RemoteFile("https://example.org/MUTAG.zip", "MUTAG.zip"), "MUTAG", "MUTAG/MUTAG_A.txt");
        Assert.Equal("1, 2\n", File.ReadAllText(Path.Combine(folder, "MUTAG", "MUTAG_A.txt")));

        var tgz = Path.Combine(TestData.TempFolder(), "a.tgz");
        var src = TestData.TempFolder();
        Directory.CreateDirectory(Path.Combine(src, "aifb"));
        File.WriteAllText(Path.Combine(src, "aifb", "trainingSet.tsv"), "person\tid\tlabel\n");
        using (var fs = File.Create(tgz))
        using (var gz = new GZipStream(fs, CompressionLevel.Fastest))
            TarFile.CreateFromDirectory(src, gz, includeBaseDirectory: false);
        var target = TestData.TempFolder();
        DownloadCache.Extract(tgz, target);
        Assert.True(File.Exists(Path.Combine(target, "aifb", "trainingSet.tsv")));
        Assert.Empty(Directory.GetDirectories(target, ".extract-*"));
    }

    [Fact]
    public void ArchiveEntriesOutsideTheFolderAreRefused()
    {
        var dir = TestData.TempFolder();
        var zip = Path.Combine(dir, "evil.zip");
        using (var z = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            using var w = new StreamWriter(z.CreateEntry("../escaped.txt").Open());
            w.Write("x");
        }
        var target = Path.Combine(dir, "out");
        Directory.CreateDirectory(target);
        Assert.ThrowsAny<IOException>(() => DownloadCache.Extract(zip, target));
        Assert.False(File.Exists(Path.Combine(dir, "escaped.txt")));
    }

    [Fact]
    public void DefaultRootFollowsDglDownloadDir()
    {
        var old = Environment.GetEnvironmentVariable("DGL_DOWNLOAD_DIR");
        try
        {
            Environment.SetEnvironmentVariable("DGL_DOWNLOAD_DIR", "/tmp/somewhere-else");
            Assert.Equal("/tmp/somewhere-else", DownloadCache.DefaultRoot);
            Environment.SetEnvironmentVariable("DGL_DOWNLOAD_DIR", null);
            Assert.EndsWith(".dgl", DownloadCache.DefaultRoot, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DGL_DOWNLOAD_DIR", old);
        }
    }
}
