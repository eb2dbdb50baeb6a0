using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Dgl.Data;

/// <summary>A file a data set needs, where it is published, and the checksums its publisher gives (or that were
/// recorded from the published file).</summary>
/// <param name="Url">Where the file is downloaded from.</param>
/// <param name="FileName">The name it has in the cache folder.</param>
/// <param name="Sha256">Expected SHA-256 (hex), or null.</param>
/// <param name="Sha1">Expected SHA-1 (hex, as DGL publishes), or null.</param>
public sealed record RemoteFile(string Url, string FileName, string? Sha256 = null, string? Sha1 = null);

/// <summary>Download progress: bytes received so far and the total when the server states it.</summary>
public readonly record struct DownloadProgress(string Url, long BytesReceived, long? TotalBytes);

/// <summary>
/// A data set's files are neither on disk nor downloadable (offline, server error, checksum mismatch). The message
/// names the URL, the file expected and the folder to put it in.
/// </summary>
public class DataSetUnavailableException : IOException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public DataSetUnavailableException() : base("a data set file is not available")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public DataSetUnavailableException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public DataSetUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }

    internal DataSetUnavailableException(string url, string file, string folder, string reason, Exception? inner = null)
        : base($"{reason}. Could not get '{file}' from {url}. Download it yourself and put it in '{folder}' " +
               "(or point the data set at your copy with its rawDir argument, or set DGL_DOWNLOAD_DIR), then try again.", inner)
    {
        Url = url;
        FileName = file;
        Folder = folder;
    }

    /// <summary>The URL that was tried.</summary>
    public string? Url { get; }

    /// <summary>The file that was expected.</summary>
    public string? FileName { get; }

    /// <summary>The folder the file should be put in.</summary>
    public string? Folder { get; }
}

/// <summary>
/// The download cache data sets use, laid out as DGL's: <c>DGL_DOWNLOAD_DIR</c> (default <c>~/.dgl</c>), one folder
/// per data set. Files are downloaded once, checked against their published checksums, written under a temporary
/// name and moved into place (an interrupted download never leaves a partial file), and archives are extracted into a
/// temporary folder that is renamed into place.
/// </summary>
/// <example>
/// <code>
/// var cache = new DownloadCache { Progress = new Progress&lt;DownloadProgress&gt;(p => Console.Write($"\r{p.BytesReceived}")) };
/// var path = cache.GetFile(new RemoteFile("https://…/ind.cora.x", "ind.cora.x"), "cora");
/// </code>
/// </example>
public sealed class DownloadCache
{
    private readonly HttpClient _client;

    /// <summary>Uses <paramref name="root"/> (default <see cref="DefaultRoot"/>) and <paramref name="client"/> (default a
    /// shared client with a 10-minute timeout).</summary>
    public DownloadCache(string? root = null, HttpClient? client = null)
    {
        Root = Path.GetFullPath(root ?? DefaultRoot);
        _client = client ?? s_sharedClient.Value;
    }

    private static readonly Lazy<HttpClient> s_sharedClient = new(() => new HttpClient { Timeout = TimeSpan.FromMinutes(10) });

    /// <summary><c>DGL_DOWNLOAD_DIR</c>, or <c>~/.dgl</c>.</summary>
    public static string DefaultRoot =>
        Environment.GetEnvironmentVariable("DGL_DOWNLOAD_DIR") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dgl");

    /// <summary>The cache folder.</summary>
    public string Root { get; }

    /// <summary>Receives progress while a file downloads (null: no reports).</summary>
    public IProgress<DownloadProgress>? Progress { get; set; }

    /// <summary>Attempts per file before giving up (default 3).</summary>
    public int Attempts { get; set; } = 3;

    /// <summary>The folder of data set <paramref name="dataset"/> in the cache.</summary>
    public string FolderOf(string dataset) => Path.Combine(Root, dataset);

    /// <summary>
    /// The local path of <paramref name="file"/> in <c>Root/dataset</c>, downloading it first when it is not there.
    /// </summary>
    /// <exception cref="DataSetUnavailableException">The file is missing and could not be downloaded or failed its checksum.</exception>
    public string GetFile(RemoteFile file, string dataset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        var folder = FolderOf(dataset);
        var path = Path.Combine(folder, file.FileName);
        if (File.Exists(path)) return path;
        Directory.CreateDirectory(folder);
        Exception? last = null;
        for (var attempt = 0; attempt < Math.Max(1, Attempts); attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                Download(file, path, cancellationToken);
                return path;
            }
            catch (ChecksumMismatchException e)
            {
                throw new DataSetUnavailableException(file.Url, file.FileName, folder, e.Message, e);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = e;
            }
        }
        throw new DataSetUnavailableException(file.Url, file.FileName, folder, $"Download failed after {Math.Max(1, Attempts)} attempts ({last?.Message})", last);
    }

    /// <summary>
    /// Makes sure the archive <paramref name="archive"/> is downloaded and extracted into <c>Root/dataset</c>;
    /// extraction is skipped when <paramref name="marker"/> (a path relative to that folder) already exists.
    /// Returns the data set folder.
    /// </summary>
    public string GetExtracted(RemoteFile archive, string dataset, string marker, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var folder = FolderOf(dataset);
        if (File.Exists(Path.Combine(folder, marker)) || Directory.Exists(Path.Combine(folder, marker))) return folder;
        var path = GetFile(archive, dataset, cancellationToken);
        Extract(path, folder);
        if (!File.Exists(Path.Combine(folder, marker)) && !Directory.Exists(Path.Combine(folder, marker)))
            throw new DataSetUnavailableException(archive.Url, marker, folder, $"The archive {path} does not contain '{marker}'");
        return folder;
    }

    /// <summary>Extracts a .zip, .tar, .tar.gz/.tgz or .gz file into <paramref name="folder"/> (entries that would land
    /// outside it are refused), atomically: into a temporary folder first, then moved entry by entry.</summary>
    public static void Extract(string archive, string folder)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(folder);
        var tmp = Path.Combine(folder, $".extract-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            var name = archive.ToLowerInvariant();
            if (name.EndsWith(".zip", StringComparison.Ordinal))
            {
                ZipFile.ExtractToDirectory(archive, tmp);
            }
            else if (name.EndsWith(".tar.gz", StringComparison.Ordinal) || name.EndsWith(".tgz", StringComparison.Ordinal))
            {
                using var fs = File.OpenRead(archive);
                using var gz = new GZipStream(fs, CompressionMode.Decompress);
                TarFile.ExtractToDirectory(gz, tmp, overwriteFiles: true);
            }
            else if (name.EndsWith(".tar", StringComparison.Ordinal))
            {
                TarFile.ExtractToDirectory(archive, tmp, overwriteFiles: true);
            }
            else if (name.EndsWith(".gz", StringComparison.Ordinal))
            {
                using var fs = File.OpenRead(archive);
                using var gz = new GZipStream(fs, CompressionMode.Decompress);
                using var o = File.Create(Path.Combine(tmp, Path.GetFileNameWithoutExtension(archive)));
                gz.CopyTo(o);
            }
            else
            {
                throw new NotSupportedException($"cannot extract {archive}: expected .zip, .tar, .tar.gz, .tgz or .gz");
            }
            foreach (var entry in Directory.EnumerateFileSystemEntries(tmp))
            {
                var target = Path.Combine(folder, Path.GetFileName(entry));
                if (Directory.Exists(entry))
                {
                    if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
                    Directory.Move(entry, target);
                }
                else
                {
                    File.Move(entry, target, overwrite: true);
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new Tensors.IO.DataFormatException($"{archive}: corrupt archive: {e.Message}", e);
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        }
    }

    private void Download(RemoteFile file, string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, file.Url);
        using var response = _client.Send(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
        var total = response.Content.Headers.ContentLength;
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        var tmp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.part");
        try
        {
            using (var body = response.Content.ReadAsStream(ct))
            using (var output = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var buffer = new byte[1 << 20];
                long received = 0;
                int n;
                while ((n = body.Read(buffer, 0, buffer.Length)) > 0)
                {
                    ct.ThrowIfCancellationRequested();
                    output.Write(buffer, 0, n);
                    sha256.AppendData(buffer, 0, n);
                    sha1.AppendData(buffer, 0, n);
                    received += n;
                    Progress?.Report(new DownloadProgress(file.Url, received, total));
                }
                if (total is { } t && received != t)
                    throw new IOException($"the connection closed after {received} of {t} bytes");
                output.Flush(flushToDisk: true);
            }
            Verify(file, "SHA-256", file.Sha256, Convert.ToHexString(sha256.GetHashAndReset()));
            Verify(file, "SHA-1", file.Sha1, Convert.ToHexString(sha1.GetHashAndReset()));
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static void Verify(RemoteFile file, string algorithm, string? expected, string actual)
    {
        if (expected is not null && !string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
            throw new ChecksumMismatchException($"The downloaded file's {algorithm} is {actual.ToLowerInvariant()} but {expected.ToLowerInvariant()} was expected (corrupt download, or the file changed at its source)");
    }

    /// <summary>SHA-256 of a file, lower-case hex.</summary>
    public static string Sha256Of(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(fs)).ToLowerInvariant();
    }

    private sealed class ChecksumMismatchException(string message) : Exception(message);
}
