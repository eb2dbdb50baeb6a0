using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Dgl.Data;

/// <summary>Where a data set's files come from, and where its processed graphs are cached.</summary>
/// <remarks>
/// With a <c>rawDir</c> the data set reads its files from that folder and never downloads (a missing file is a
/// <see cref="FileNotFoundException"/> naming it). Without one it uses the download cache (<see cref="DownloadCache"/>,
/// <c>DGL_DOWNLOAD_DIR</c>, default <c>~/.dgl</c>), downloading what is missing. Processed graphs are saved next to the
/// raw files in DGL.NET's graph format, keyed by the processing parameters and the raw files' sizes and times, so a
/// second load reads one binary file.
/// </remarks>
internal sealed class DatasetFiles
{
    private readonly DownloadCache _cache;
    private readonly string? _rawDir;

    public DatasetFiles(string dataset, string? rawDir, DownloadCache? cache)
    {
        Dataset = dataset;
        _rawDir = rawDir is null ? null : Path.GetFullPath(rawDir);
        _cache = cache ?? new DownloadCache();
    }

    /// <summary>The data set's name in the cache.</summary>
    public string Dataset { get; }

    /// <summary>The folder raw files are read from.</summary>
    public string Folder => _rawDir ?? _cache.FolderOf(Dataset);

    /// <summary>The local path of a raw file, downloading it when there is no rawDir and it is missing.</summary>
    public string File(RemoteFile file)
    {
        if (_rawDir is not null)
        {
            var p = Path.Combine(_rawDir, file.FileName);
            if (!System.IO.File.Exists(p))
                throw new FileNotFoundException($"{Dataset}: {p} not found; the data set expects '{file.FileName}' in {_rawDir} (it is published at {file.Url})", p);
            return p;
        }
        return _cache.GetFile(file, Dataset);
    }

    /// <summary>The folder holding an archive's contents (downloaded and extracted when there is no rawDir);
    /// <paramref name="marker"/> is a path the archive contains.</summary>
    public string Extracted(RemoteFile archive, string marker)
    {
        if (_rawDir is not null)
        {
            var p = Path.Combine(_rawDir, marker);
            if (!System.IO.File.Exists(p) && !Directory.Exists(p))
                throw new FileNotFoundException($"{Dataset}: {p} not found; point rawDir at the unpacked contents of {archive.Url}", p);
            return _rawDir;
        }
        return _cache.GetExtracted(archive, Dataset, marker);
    }

    /// <summary>
    /// The processed graphs: read from the cache file when its key matches, otherwise made by
    /// <paramref name="process"/> and saved (best effort: a read-only folder only costs the cache).
    /// </summary>
    public (List<GraphRecord> Graphs, List<KeyValuePair<string, Tensor>> Labels) Processed(
        string parameters, IEnumerable<string> sources, Func<(List<GraphRecord>, List<KeyValuePair<string, Tensor>>)> process, bool forceReload = false)
    {
        var key = new StringBuilder().Append(CultureInfo.InvariantCulture, $"format{GraphFile.Version};{Dataset};{parameters}");
        foreach (var s in sources)
        {
            var info = new FileInfo(s);
            key.Append(CultureInfo.InvariantCulture, $";{Path.GetFileName(s)}:{(info.Exists ? info.Length : -1)}:{(info.Exists ? info.LastWriteTimeUtc.Ticks : 0)}");
        }
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..16].ToLowerInvariant();
        var folder = _rawDir is null ? _cache.FolderOf(Dataset) : Path.Combine(_cache.Root, "processed", Dataset);
        var path = Path.Combine(folder, $"{Dataset}_{hash}.dglnet");
        if (!forceReload && System.IO.File.Exists(path))
        {
            try
            {
                return GraphFile.Read(path);
            }
            catch (Tensors.IO.DataFormatException)
            {
                // A damaged cache file is rebuilt from the raw files.
            }
        }
        var (graphs, labels) = process();
        try
        {
            GraphFile.Write(path, graphs, labels);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Caching is an optimisation; an unwritable cache folder must not fail the load.
        }
        return (graphs, labels);
    }
}

/// <summary>The published locations of the raw files of the built-in data sets.</summary>
internal static class Sources
{
    private const string Planetoid = "https://github.com/kimiyoung/planetoid/raw/master/data/";
    private const string DglData = "https://data.dgl.ai/";

    // SHA-256 of the published Planetoid files (byte-identical to the blobs of kimiyoung/planetoid).
    private static readonly Dictionary<string, string> s_sha256 = new(StringComparer.Ordinal)
    {
        ["ind.cora.x"] = "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab",
        ["ind.cora.y"] = "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1",
        ["ind.cora.tx"] = "b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a",
        ["ind.cora.ty"] = "41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad",
        ["ind.cora.allx"] = "9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543",
        ["ind.cora.ally"] = "2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71",
        ["ind.cora.graph"] = "58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d",
        ["ind.cora.test.index"] = "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875",
        ["ind.citeseer.x"] = "d20de19150741e555de0ed037195630fc194114ebc7fd72ced62810148aa22f6",
        ["ind.citeseer.y"] = "8ba87e515d8e3ee3cf52f6d2c5b86aa73f11ecad825a808455209ec26cd54924",
        ["ind.citeseer.tx"] = "539a8906a2da97628d212f2fdd668c109a8b3f0d36574b59e5d3fd5b5303da21",
        ["ind.citeseer.ty"] = "55e5bd1ba1e733a04598753ad1a8d57957f4b8f89e74519f41f4f4938767e4ce",
        ["ind.citeseer.allx"] = "2ac30345d95c9ec933a817ee0bdd6a5f077f8c184a20e696910192d534414668",
        ["ind.citeseer.ally"] = "f704b2d986dde6c2669934de1f3ae5696a6cf9455c0f6b2646a2d135ea0a1c95",
        ["ind.citeseer.graph"] = "d79a4ef9d3e7169aee8946145f6b7306e35bc79bffad26346cfb94e10e9912a7",
        ["ind.citeseer.test.index"] = "2af990671580b6b2df5d158d1038f8292e30c9cd821b5453f399659b25b723d4",
        ["ind.pubmed.x"] = "fbe9cb5c47200d1b7769a26e579be3b7130b556831f9d850e77c4c74f2599b33",
        ["ind.pubmed.y"] = "e6c807633307a07ed659249006536a147c7999c797f11a2560752990181b41b3",
        ["ind.pubmed.tx"] = "4eb5f5d0f30f26497eb0ac6ac9719d09c67e284f1ed0385c93f3ef27a671da3d",
        ["ind.pubmed.ty"] = "ee2e0d4819d9fbcc403689c3bf2e49face401b605932f093bc58ab6461130fdd",
        ["ind.pubmed.ally"] = "0c37bbe3b5014ec365e9d393cf4791925e5ed94fb194305d74f064a8d7b50f0e",
        ["ind.pubmed.graph"] = "5b89f0036ca22909471f1e6558eb42fa06e0c730a577bde5b058b40638f81dc9",
        ["ind.pubmed.test.index"] = "b101d421688bbaecbd82e8a18f1e282378d6830f3a37666f28ebc47f844341b5",
        ["karate.adjlist"] = "f4ff0d1d42fa2e475515993f82e2f38decec36708f74b7635694a85418ab984f",
    };

    /// <summary>A Planetoid file as PyG downloads it (from the planetoid repository).</summary>
    public static RemoteFile PlanetoidFile(string name, string part)
    {
        var file = $"ind.{name}.{part}";
        return new RemoteFile(Planetoid + file, file, s_sha256.GetValueOrDefault(file));
    }

    /// <summary>DeepWalk's karate club adjacency list.</summary>
    public static RemoteFile KarateAdjList { get; } = new("https://raw.githubusercontent.com/phanein/deepwalk/master/example_graphs/karate.adjlist", "karate.adjlist", s_sha256["karate.adjlist"]);

    /// <summary>A Shchur et al. benchmark archive as DGL publishes it (<c>data.dgl.ai/dataset/NAME.zip</c>, holding NAME.npz).</summary>
    public static RemoteFile GnnBenchmark(string name) => new($"{DglData}dataset/{name}.zip", $"{name}.zip");

    /// <summary>A TU-Dortmund archive (DGL's and PyG's source).</summary>
    public static RemoteFile Tu(string name) => new($"https://www.chrsmrrs.com/graphkerneldatasets/{name}.zip", $"{name}.zip");

    /// <summary>GIN's data set archive (the DGCNN text format).</summary>
    public static RemoteFile Gin { get; } = new("https://raw.githubusercontent.com/weihua916/powerful-gnns/master/dataset.zip", "GINDataset.zip");

    /// <summary>A LINQS citation archive (<c>NAME.tgz</c>, unpacking to <c>NAME/NAME.content</c> and <c>NAME/NAME.cites</c>).</summary>
    public static RemoteFile Linqs(string name) => new($"https://linqs-data.soe.ucsc.edu/public/lbc/{name}.tgz", $"{name}.tgz");

    /// <summary>DGL's RDF archives (<c>aifb-hetero</c>, <c>mutag-hetero</c>).</summary>
    public static RemoteFile Rdf(string name) => new($"{DglData}dataset/rdf/{name}.zip", $"{name}.zip");

    /// <summary>An OGB archive; <paramref name="url"/> comes from OGB's master table.</summary>
    public static RemoteFile Ogb(string url) => new(url, Path.GetFileName(new Uri(url).AbsolutePath));
}
