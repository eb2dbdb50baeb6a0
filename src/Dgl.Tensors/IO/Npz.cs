using System.IO.Compression;

namespace Dgl.Tensors.IO;

/// <summary>
/// Reads a NumPy <c>.npz</c> archive (a zip of <c>.npy</c> files, stored or deflated) one array at a time.
/// </summary>
/// <remarks>
/// Keys are the entry names without the <c>.npy</c> suffix, as <c>numpy.load</c> shows them. Sparse matrices saved by
/// <c>scipy.sparse.save_npz</c> (<see cref="ReadScipySparse"/>) and the <c>NAME_data/NAME_indices/NAME_indptr/NAME_shape</c>
/// layout of the Shchur et al. benchmark files (<see cref="ReadCsr"/>) are assembled from their parts. A corrupt
/// archive raises <see cref="DataFormatException"/> naming the file and entry.
/// </remarks>
/// <example>
/// <code>
/// using var npz = new NpzReader("cora.npz");
/// var adj = npz.ReadCsr("adj");                 // 2708 × 2708, 5429 entries
/// var labels = npz.Read("labels");              // int8 on disk → int32 tensor
/// var names = npz.ReadArray("class_names").Strings;
/// </code>
/// </example>
public sealed class NpzReader : IDisposable
{
    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _entries = new(StringComparer.Ordinal);
    private readonly long _archiveLength;

    /// <summary>Opens the archive at <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">The file is not a readable zip archive.</exception>
    public NpzReader(string path)
        : this(new FileStream(path ?? throw new ArgumentNullException(nameof(path)), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), path, leaveOpen: false)
    {
    }

    /// <summary>Opens an archive held in a seekable stream.</summary>
    /// <param name="stream">The archive.</param>
    /// <param name="source">The name used in error messages.</param>
    /// <param name="leaveOpen">Leave <paramref name="stream"/> open when this reader is disposed.</param>
    /// <exception cref="DataFormatException">The stream is not a readable zip archive.</exception>
    public NpzReader(Stream stream, string source, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Source = source ?? throw new ArgumentNullException(nameof(source));
        try
        {
            _archiveLength = stream.CanSeek ? stream.Length : long.MaxValue;
            _zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen);
            var keys = new List<string>();
            foreach (var e in _zip.Entries)
            {
                var key = e.FullName.EndsWith(".npy", StringComparison.Ordinal) ? e.FullName[..^4] : e.FullName;
                if (_entries.TryAdd(key, e)) keys.Add(key);
            }
            Keys = keys;
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or ArgumentException)
        {
            if (!leaveOpen) stream.Dispose();
            throw new DataFormatException($"{source}: not a readable .npz (zip) archive: {ex.Message}", ex);
        }
    }

    /// <summary>The name used in error messages (the path, for a file).</summary>
    public string Source { get; }

    /// <summary>The array names, in archive order.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>True when the archive holds an array named <paramref name="key"/>.</summary>
    public bool Contains(string key) => _entries.ContainsKey(key);

    /// <summary>Reads the array named <paramref name="key"/> (numeric, boolean or string).</summary>
    /// <exception cref="KeyNotFoundException">No such array; the message lists the keys there are.</exception>
    /// <exception cref="DataFormatException">The entry is corrupt.</exception>
    public NpyArray ReadArray(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_entries.TryGetValue(key, out var entry))
            throw new KeyNotFoundException($"{Source}: no array '{key}'; the archive holds {string.Join(", ", Keys.Select(k => $"'{k}'"))}");
        var name = $"{Source}:{entry.FullName}";
        try
        {
            using var s = entry.Open();
            // A stored entry's size is bounded by the archive's, so it can be trusted for allocation; a deflated
            // entry's declared size cannot (Npy.Read then proves large payloads exist before allocating).
            long? trusted = entry.CompressedLength >= entry.Length && entry.Length <= _archiveLength ? entry.Length : null;
            var array = Npy.Read(s, name, trusted);
            return array;
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            throw new DataFormatException($"{name}: corrupt zip entry: {ex.Message}", ex);
        }
    }

    /// <summary>Reads the numeric or boolean array named <paramref name="key"/> as a tensor.</summary>
    /// <exception cref="DataFormatException">The entry is corrupt or holds strings.</exception>
    public Tensor Read(string key) => ReadArray(key).ToTensor($"{Source}:{key}");

    /// <summary>Reads a string array.</summary>
    /// <exception cref="DataFormatException">The entry is corrupt or does not hold strings.</exception>
    public string[] ReadStrings(string key)
    {
        var a = ReadArray(key);
        return a.Strings ?? throw new DataFormatException($"{Source}:{key}: the array has dtype {a.Descr}; expected strings (<U.. or |S..)");
    }

    /// <summary>Reads a matrix saved by <c>scipy.sparse.save_npz</c> (keys <c>format</c>, <c>shape</c>, <c>data</c>
    /// and <c>indices</c>/<c>indptr</c> or <c>row</c>/<c>col</c>).</summary>
    /// <exception cref="DataFormatException">A part is missing or the parts do not form a valid matrix.</exception>
    public ScipySparseMatrix ReadScipySparse()
    {
        RequireKeys("format", "shape", "data");
        var format = ReadArray("format");
        var name = format.Strings is { Length: 1 } f ? f[0] : throw new DataFormatException($"{Source}:format: expected one string ('csr', 'csc' or 'coo'); found dtype {format.Descr} shape {format.Shape}");
        var (rows, cols) = ReadShape("shape");
        var data = Read("data");
        switch (name)
        {
            case "csr":
            case "csc":
                RequireKeys("indices", "indptr");
                return ScipySparseMatrix.CreateCompressed(name == "csr" ? SparseFormat.Csr : SparseFormat.Csc, rows, cols, Read("indptr"), Read("indices"), data, Source);
            case "coo":
                RequireKeys("row", "col");
                return ScipySparseMatrix.CreateCoo(rows, cols, Read("row"), Read("col"), data, Source);
            default:
                throw new DataFormatException($"{Source}:format: sparse format '{name}' is not supported; expected 'csr', 'csc' or 'coo'");
        }
    }

    /// <summary>Reads a CSR matrix stored as <c>{name}_data</c>, <c>{name}_indices</c>, <c>{name}_indptr</c>,
    /// <c>{name}_shape</c> (the layout of the Shchur et al. / Amazon / Coauthor <c>.npz</c> files).</summary>
    /// <exception cref="DataFormatException">A part is missing or the parts do not form a valid matrix.</exception>
    public ScipySparseMatrix ReadCsr(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        RequireKeys($"{name}_data", $"{name}_indices", $"{name}_indptr", $"{name}_shape");
        var (rows, cols) = ReadShape($"{name}_shape");
        return ScipySparseMatrix.CreateCompressed(SparseFormat.Csr, rows, cols, Read($"{name}_indptr"), Read($"{name}_indices"), Read($"{name}_data"), $"{Source}:{name}");
    }

    private (long Rows, long Cols) ReadShape(string key)
    {
        var t = Read(key);
        if (!t.DType.IsInteger() || t.NumElements != 2)
            throw new DataFormatException($"{Source}:{key}: a sparse shape must be two integers; found dtype {t.DType.Name()} shape {t.Shape}");
        return ((long)t.GetAsDouble(0), (long)t.GetAsDouble(1));
    }

    private void RequireKeys(params string[] keys)
    {
        foreach (var k in keys)
            if (!Contains(k))
                throw new DataFormatException($"{Source}: sparse matrix part '{k}' is missing; the archive holds {string.Join(", ", Keys.Select(x => $"'{x}'"))}");
    }

    /// <inheritdoc/>
    public void Dispose() => _zip.Dispose();
}

/// <summary>
/// Writes a NumPy <c>.npz</c> archive: arrays are added one by one and the file appears, complete, at
/// <see cref="Commit"/> (it is written to a temporary name and moved into place; disposing without committing
/// leaves no file).
/// </summary>
/// <example>
/// <code>
/// using (var w = new NpzWriter("out.npz", compressed: true))
/// {
///     w.Add("x", x);
///     w.AddCsr("adj", adjacency);
///     w.Commit();
/// }
/// </code>
/// </example>
public sealed class NpzWriter : IDisposable
{
    private readonly string _path;
    private readonly string _tmp;
    private readonly FileStream _file;
    private readonly ZipArchive _zip;
    private readonly CompressionLevel _level;
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private bool _done;

    /// <summary>Starts an archive that will be written to <paramref name="path"/>.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="compressed">Deflate the entries (NumPy's <c>savez_compressed</c>); stored otherwise (<c>savez</c>).</param>
    public NpzWriter(string path, bool compressed = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        _path = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(_path) ?? ".";
        Directory.CreateDirectory(dir);
        _tmp = Path.Combine(dir, $".{Path.GetFileName(_path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        _file = new FileStream(_tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        _zip = new ZipArchive(_file, ZipArchiveMode.Create, leaveOpen: true);
        _level = compressed ? CompressionLevel.Optimal : CompressionLevel.NoCompression;
    }

    /// <summary>Adds a numeric or boolean array.</summary>
    /// <exception cref="ArgumentException">The key was already added.</exception>
    public void Add(string key, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var s = Open(key);
        Npy.Write(s, tensor);
    }

    /// <summary>Adds a string array (stored as <c>&lt;U{n}</c>).</summary>
    public void Add(string key, string[] values, Shape? shape = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        using var s = Open(key);
        Npy.Write(s, values, shape);
    }

    /// <summary>Adds a CSR matrix as <c>{name}_data</c>, <c>{name}_indices</c>, <c>{name}_indptr</c>, <c>{name}_shape</c>.</summary>
    public void AddCsr(string name, ScipySparseMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var csr = matrix.ToCsr();
        Add($"{name}_data", csr.Data);
        Add($"{name}_indices", csr.Indices!);
        Add($"{name}_indptr", Tensor.FromArray((long[])csr.IndPtr!.Clone()));
        Add($"{name}_shape", Tensor.From<long>([csr.Rows, csr.Cols]));
    }

    /// <summary>Adds a matrix in the layout of <c>scipy.sparse.save_npz</c> (an archive should hold one such matrix).</summary>
    public void AddScipySparse(ScipySparseMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.Format == SparseFormat.Coo)
        {
            Add("row", matrix.Row!);
            Add("col", matrix.Col!);
        }
        else
        {
            Add("indices", matrix.Indices!);
            Add("indptr", Tensor.FromArray((long[])matrix.IndPtr!.Clone()));
        }
        // SciPy stores the format as a byte string (dtype |S3); a one-element unicode array reads back the same.
        Add("format", [matrix.FormatName], default(Shape));
        Add("shape", Tensor.From<long>([matrix.Rows, matrix.Cols]));
        Add("data", matrix.Data);
    }

    private Stream Open(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_done, this);
        if (!_keys.Add(key))
            throw new ArgumentException($"NpzWriter: array '{key}' was already added to {_path}", nameof(key));
        return _zip.CreateEntry(key + ".npy", _level).Open();
    }

    /// <summary>Finishes the archive and moves it to its path.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        _zip.Dispose();
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        File.Move(_tmp, _path, overwrite: true);
    }

    /// <summary>Abandons an uncommitted archive (its temporary file is deleted).</summary>
    public void Dispose()
    {
        if (_done) return;
        _done = true;
        _zip.Dispose();
        _file.Dispose();
        File.Delete(_tmp);
    }
}

/// <summary>Whole-archive helpers for <c>.npz</c> files.</summary>
public static class Npz
{
    /// <summary>Reads every array of an archive (numeric, boolean and string) by key.</summary>
    /// <exception cref="DataFormatException">The archive or an entry is corrupt.</exception>
    public static IReadOnlyDictionary<string, NpyArray> Load(string path)
    {
        using var r = new NpzReader(path);
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var k in r.Keys) result[k] = r.ReadArray(k);
        return result;
    }

    /// <summary>Writes tensors to an archive (NumPy's <c>savez</c>, or <c>savez_compressed</c> when
    /// <paramref name="compressed"/>), atomically.</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> arrays, bool compressed = false)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        using var w = new NpzWriter(path, compressed);
        foreach (var (k, v) in arrays) w.Add(k, v);
        w.Commit();
    }

    /// <summary>Reads a matrix saved by <c>scipy.sparse.save_npz</c>.</summary>
    public static ScipySparseMatrix LoadSparse(string path)
    {
        using var r = new NpzReader(path);
        return r.ReadScipySparse();
    }

    /// <summary>Writes a matrix as <c>scipy.sparse.save_npz</c> does (compressed by default, as SciPy does).</summary>
    public static void SaveSparse(string path, ScipySparseMatrix matrix, bool compressed = true)
    {
        using var w = new NpzWriter(path, compressed);
        w.AddScipySparse(matrix);
        w.Commit();
    }
}
