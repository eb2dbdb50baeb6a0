using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Dgl.Tensors.IO;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face's <c>safetensors</c>, used for PyTorch checkpoints):
/// an 8-byte little-endian header length N, N bytes of UTF-8 JSON describing each tensor, then the raw
/// little-endian, row-major tensor bytes.
/// </summary>
/// <remarks>
/// <para>The header maps each name to <c>{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}</c>
/// (offsets relative to the start of the data section) and may hold a <c>"__metadata__"</c> object of strings.
/// Supported dtypes: F32, F64, I32, I64, BOOL.</para>
/// <para>Files are written byte for byte as the reference implementation writes them: tensors ordered by
/// descending dtype (I64, F64, F32, I32, BOOL) then by name, packed back to back; compact JSON with
/// <c>__metadata__</c> first; the header padded with spaces to a multiple of 8 bytes so that every tensor starts
/// aligned. Writes go to a temporary file that is then moved into place.</para>
/// <para>Reading checks everything the reference reader checks — header length, UTF-8, JSON, dtype, shape,
/// offsets contiguous from 0 without gaps or overlaps, byte counts matching shape × dtype, and the data section
/// ending exactly at the end of the file — and throws <see cref="SafeTensorsFormatException"/> naming the file and
/// the problem.</para>
/// </remarks>
/// <example>
/// <code>
/// SafeTensors.Save(new Dictionary&lt;string, Tensor&gt; { ["w"] = Tensor.Ones(2, 3) }, "w.safetensors");
/// var w = SafeTensors.Load("w.safetensors")["w"];
/// </code>
/// </example>
public static class SafeTensors
{
    /// <summary>The reference implementation's limit on the header size (100 MB).</summary>
    public const long MaxHeaderSize = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/> (via a temporary file moved into place).</summary>
    /// <param name="tensors">Name → tensor; names must be non-empty and not "__metadata__".</param>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="metadata">Optional free-form strings stored under "__metadata__".</param>
    /// <exception cref="ArgumentException">A name is empty or reserved, or a tensor is null.</exception>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (header, ordered) = Prepare(tensors, metadata);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? ".";
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Write(fs, header, ordered);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    /// <summary>The bytes of a safetensors file holding <paramref name="tensors"/> (what <see cref="Save"/> writes).</summary>
    public static byte[] Serialize(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var (header, ordered) = Prepare(tensors, metadata);
        using var ms = new MemoryStream();
        Write(ms, header, ordered);
        return ms.ToArray();
    }

    /// <summary>Reads every tensor of a safetensors file, in the file's data order.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="SafeTensorsFormatException">The file is not valid safetensors (the message names the file and the problem).</exception>
    public static OrderedDictionary<string, Tensor> Load(string path) => Read(path).Tensors;

    /// <summary>Reads the tensors and the <c>__metadata__</c> strings of a safetensors file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="SafeTensorsFormatException">The file is not valid safetensors.</exception>
    public static SafeTensorsContent Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"safetensors: file '{path}' does not exist", path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return ReadFrom(fs, path);
    }

    /// <summary>Parses safetensors bytes held in memory (<paramref name="source"/> names them in error messages).</summary>
    /// <exception cref="SafeTensorsFormatException">The bytes are not valid safetensors.</exception>
    public static SafeTensorsContent Deserialize(byte[] bytes, string source = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var ms = new MemoryStream(bytes, writable: false);
        return ReadFrom(ms, source);
    }

    // ------------------------------------------------------------------------------------------------------
    // Writing
    // ------------------------------------------------------------------------------------------------------

    private static (byte[] Header, List<Tensor> Ordered) Prepare(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors: writing needs a little-endian machine");
        var entries = new List<(string Name, Tensor Tensor)>(tensors.Count);
        foreach (var (name, t) in tensors)
        {
            if (string.IsNullOrEmpty(name))
                throw new ArgumentException("safetensors: tensor names must be non-empty", nameof(tensors));
            if (name == MetadataKey)
                throw new ArgumentException($"safetensors: '{MetadataKey}' is reserved for the metadata and cannot name a tensor", nameof(tensors));
            if (t is null)
                throw new ArgumentException($"safetensors: tensor '{name}' is null", nameof(tensors));
            entries.Add((name, t));
        }
        // The reference writer orders by descending dtype (its enum lists dtypes by increasing alignment), then
        // by name, so that every tensor lands aligned once the header is padded to 8 bytes.
        entries.Sort((a, b) =>
        {
            var c = Rank(b.Tensor.DType).CompareTo(Rank(a.Tensor.DType));
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });

        var sb = new StringBuilder("{");
        var first = true;
        if (metadata is not null)
        {
            sb.Append('"').Append(MetadataKey).Append("\":{");
            var firstMeta = true;
            foreach (var key in metadata.Keys.Order(StringComparer.Ordinal))
            {
                var value = metadata[key] ?? throw new ArgumentException($"safetensors: metadata value for '{key}' is null", nameof(metadata));
                if (!firstMeta) sb.Append(',');
                firstMeta = false;
                AppendJsonString(sb, key);
                sb.Append(':');
                AppendJsonString(sb, value);
            }
            sb.Append('}');
            first = false;
        }
        long offset = 0;
        foreach (var (name, t) in entries)
        {
            if (!first) sb.Append(',');
            first = false;
            AppendJsonString(sb, name);
            sb.Append(":{\"dtype\":\"").Append(Code(t.DType)).Append("\",\"shape\":[");
            var dims = t.Shape.AsSpan();
            for (var i = 0; i < dims.Length; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append(dims[i].ToString(CultureInfo.InvariantCulture));
            }
            var bytes = (long)t.NumElements * t.DType.ElementSize();
            sb.Append("],\"data_offsets\":[").Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append((offset + bytes).ToString(CultureInfo.InvariantCulture)).Append("]}");
            offset += bytes;
        }
        sb.Append('}');
        var json = Encoding.UTF8.GetBytes(sb.ToString());
        var padded = (json.Length + 7) / 8 * 8;
        var header = new byte[padded];
        json.CopyTo(header, 0);
        header.AsSpan(json.Length).Fill((byte)' ');
        return (header, entries.ConvertAll(e => e.Tensor));
    }

    private static void Write(Stream s, byte[] header, List<Tensor> ordered)
    {
        Span<byte> len = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
        s.Write(len);
        s.Write(header);
        foreach (var t in ordered) s.Write(Bytes(t));
    }

    private static ReadOnlySpan<byte> Bytes(Tensor t) => t.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(t.Span<float>()),
        DType.Float64 => MemoryMarshal.AsBytes(t.Span<double>()),
        DType.Int32 => MemoryMarshal.AsBytes(t.Span<int>()),
        DType.Int64 => MemoryMarshal.AsBytes(t.Span<long>()),
        // .NET bools are one byte holding 0 or 1, which is the format's BOOL encoding.
        DType.Bool => MemoryMarshal.AsBytes(t.Span<bool>()),
        _ => throw new ArgumentOutOfRangeException(nameof(t), t.DType, "unknown dtype"),
    };

    /// <summary>JSON string as serde_json writes it: quotes, backslashes and control characters escaped, everything else verbatim.</summary>
    private static void AppendJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    // ------------------------------------------------------------------------------------------------------
    // Reading
    // ------------------------------------------------------------------------------------------------------

    private static SafeTensorsContent ReadFrom(Stream s, string source)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors: reading needs a little-endian machine");
        var fileLength = s.Length;
        if (fileLength < 8)
            throw Bad(source, $"the file is {fileLength} bytes long; a safetensors file starts with an 8-byte header length");
        Span<byte> lenBytes = stackalloc byte[8];
        s.ReadExactly(lenBytes);
        var n = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (n > MaxHeaderSize)
            throw Bad(source, $"the header length is {n} bytes, above the format's limit of {MaxHeaderSize}; the file is corrupt or not safetensors");
        if (8 + (long)n > fileLength)
            throw Bad(source, $"the header length is {n} bytes but only {fileLength - 8} bytes follow the length field; the file is truncated or not safetensors");
        var header = new byte[n];
        s.ReadExactly(header);
        var entries = ParseHeader(header, source, out var metadata);

        var dataLength = fileLength - 8 - (long)n;
        // Offsets must tile the data section exactly: sorted by begin, each tensor starts where the previous ended.
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        ulong expected = 0;
        string? previous = null;
        foreach (var e in entries)
        {
            if (e.End < e.Begin)
                throw Bad(source, $"tensor '{e.Name}' has data_offsets [{e.Begin}, {e.End}]: the end is before the beginning");
            if (e.Begin != expected)
            {
                throw Bad(source, e.Begin < expected
                    ? $"tensor '{e.Name}' has data_offsets [{e.Begin}, {e.End}], overlapping tensor '{previous}' which ends at {expected}"
                    : $"tensor '{e.Name}' has data_offsets [{e.Begin}, {e.End}], leaving a gap after {(previous is null ? "the start of the data" : $"tensor '{previous}'")} at {expected}");
            }
            var bytes = (ulong)e.NumElements * (ulong)e.DType.ElementSize();
            if (e.End - e.Begin != bytes)
                throw Bad(source, $"tensor '{e.Name}' has shape [{string.Join(", ", e.Shape)}] and dtype {Code(e.DType)} ({bytes} bytes) but its data_offsets [{e.Begin}, {e.End}] span {e.End - e.Begin} bytes");
            expected = e.End;
            previous = e.Name;
        }
        if (expected > (ulong)dataLength)
            throw Bad(source, $"the tensors need {expected} bytes of data but the file has {dataLength} after the header; the file is truncated");
        if (expected != (ulong)dataLength)
            throw Bad(source, $"the tensors cover {expected} bytes of data but the file has {dataLength} after the header; the data section must end exactly at the end of the file");

        var result = new OrderedDictionary<string, Tensor>(entries.Count, StringComparer.Ordinal);
        foreach (var e in entries)
        {
            var t = Tensor.Uninitialized(Shape.Wrap(e.Shape), e.DType);
            switch (e.DType)
            {
                case DType.Float32: s.ReadExactly(MemoryMarshal.AsBytes(t.Span<float>())); break;
                case DType.Float64: s.ReadExactly(MemoryMarshal.AsBytes(t.Span<double>())); break;
                case DType.Int32: s.ReadExactly(MemoryMarshal.AsBytes(t.Span<int>())); break;
                case DType.Int64: s.ReadExactly(MemoryMarshal.AsBytes(t.Span<long>())); break;
                case DType.Bool:
                {
                    // Read bytes and normalise: a .NET bool must be exactly 0 or 1.
                    var raw = new byte[e.NumElements];
                    s.ReadExactly(raw);
                    var d = t.Span<bool>();
                    for (var i = 0; i < raw.Length; i++) d[i] = raw[i] != 0;
                    break;
                }
            }
            result.Add(e.Name, t);
        }
        return new SafeTensorsContent(result, metadata);
    }

    private sealed record Entry(string Name, DType DType, int[] Shape, int NumElements, ulong Begin, ulong End);

    private static List<Entry> ParseHeader(byte[] header, string source, out IReadOnlyDictionary<string, string> metadata)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(header);
        }
        catch (DecoderFallbackException ex)
        {
            throw new SafeTensorsFormatException($"safetensors: '{source}': the header is not valid UTF-8", ex);
        }
        if (text.Length == 0 || text[0] != '{')
            throw Bad(source, $"the header does not start with '{{' (it starts with {(text.Length == 0 ? "nothing" : $"'{Preview(text)}'")}); the file is not safetensors");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException ex)
        {
            throw new SafeTensorsFormatException($"safetensors: '{source}': the header is not valid JSON: {ex.Message}", ex);
        }
        using (doc)
        {
            var entries = new List<Entry>();
            var meta = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name))
                    throw Bad(source, $"the header names '{prop.Name}' twice");
                if (prop.Name == MetadataKey)
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object)
                        throw Bad(source, $"'{MetadataKey}' is a JSON {prop.Value.ValueKind}; expected an object of strings");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw Bad(source, $"metadata entry '{m.Name}' is a JSON {m.Value.ValueKind}; metadata values must be strings");
                        meta[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(prop, source));
            }
            metadata = meta;
            return entries;
        }
    }

    private static Entry ParseEntry(JsonProperty prop, string source)
    {
        var name = prop.Name;
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object)
            throw Bad(source, $"the entry for tensor '{name}' is a JSON {v.ValueKind}; expected an object with dtype, shape and data_offsets");
        if (!v.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String)
            throw Bad(source, $"tensor '{name}' has no string 'dtype'");
        var code = dtypeEl.GetString()!;
        var dtype = code switch
        {
            "F32" => DType.Float32,
            "F64" => DType.Float64,
            "I32" => DType.Int32,
            "I64" => DType.Int64,
            "BOOL" => DType.Bool,
            "F16" or "BF16" or "U8" or "I8" or "I16" or "U16" or "U32" or "U64" or "F8_E5M2" or "F8_E4M3" =>
                throw Bad(source, $"tensor '{name}' has dtype {code}, which DGL.NET tensors do not support; expected F32, F64, I32, I64 or BOOL (convert the checkpoint first)"),
            _ => throw Bad(source, $"tensor '{name}' has unknown dtype '{code}'; expected F32, F64, I32, I64 or BOOL"),
        };
        if (!v.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
            throw Bad(source, $"tensor '{name}' has no 'shape' array");
        var shape = new int[shapeEl.GetArrayLength()];
        long count = 1;
        var i = 0;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetUInt64(out var dim))
                throw Bad(source, $"tensor '{name}' has shape entry {d.GetRawText()}; expected a non-negative integer");
            if (dim > int.MaxValue)
                throw Bad(source, $"tensor '{name}' has dimension {dim}, larger than a DGL.NET tensor can hold");
            shape[i++] = (int)dim;
            count *= (long)dim;
            if (count > Array.MaxLength)
                throw Bad(source, $"tensor '{name}' has shape [{string.Join(", ", shapeEl.EnumerateArray().Select(x => x.GetRawText()))}]: more elements than one tensor can hold");
        }
        if (!v.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw Bad(source, $"tensor '{name}' has no 'data_offsets' pair [begin, end]");
        var begin = offEl[0];
        var end = offEl[1];
        if (begin.ValueKind != JsonValueKind.Number || !begin.TryGetUInt64(out var b) || end.ValueKind != JsonValueKind.Number || !end.TryGetUInt64(out var e))
            throw Bad(source, $"tensor '{name}' has data_offsets {offEl.GetRawText()}; expected two non-negative integers");
        return new Entry(name, dtype, shape, (int)count, b, e);
    }

    private static string Preview(string s) => s.Length <= 16 ? s : s[..16] + "…";

    private static SafeTensorsFormatException Bad(string source, string problem) => new($"safetensors: '{source}': {problem}");

    /// <summary>The format's dtype code ("F32").</summary>
    private static string Code(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int32 => "I32",
        DType.Int64 => "I64",
        DType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Position in the reference implementation's dtype enum (increasing alignment).</summary>
    private static int Rank(DType dtype) => dtype switch
    {
        DType.Bool => 0,
        DType.Int32 => 9,
        DType.Float32 => 11,
        DType.Float64 => 12,
        DType.Int64 => 13,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };
}

/// <summary>What a safetensors file holds: its tensors (in data order) and its <c>__metadata__</c> strings.</summary>
/// <param name="Tensors">Name → tensor, in the order the data appears in the file.</param>
/// <param name="Metadata">The free-form metadata (empty when the file has none).</param>
public sealed record SafeTensorsContent(OrderedDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>Thrown when a file is not valid safetensors; the message names the file and what is wrong.</summary>
public class SafeTensorsFormatException : IOException
{
    /// <summary>Creates the exception with a message.</summary>
    public SafeTensorsFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public SafeTensorsFormatException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message.</summary>
    public SafeTensorsFormatException() { }
}
