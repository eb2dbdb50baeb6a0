using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;

namespace Dgl.Tensors.IO;

/// <summary>
/// One array read from a NumPy <c>.npy</c> file: a <see cref="Tensors.Tensor"/> for numeric and boolean data, or
/// <see cref="Strings"/> for fixed-width text (<c>&lt;U..</c> and <c>|S..</c>).
/// </summary>
public sealed class NpyArray
{
    internal NpyArray(string descr, Shape shape, bool fortranOrder, Tensor? tensor, string[]? strings)
    {
        Debug.Assert((tensor is null) != (strings is null));
        Descr = descr;
        Shape = shape;
        FortranOrder = fortranOrder;
        Tensor = tensor;
        Strings = strings;
    }

    /// <summary>The NumPy type descriptor as stored in the file (<c>"&lt;f4"</c>, <c>"&gt;i8"</c>, <c>"|b1"</c>, <c>"&lt;U12"</c>).</summary>
    public string Descr { get; }

    /// <summary>The array's shape (always reported in C order, whatever the file's layout).</summary>
    public Shape Shape { get; }

    /// <summary>True when the file stored the data in Fortran (column-major) order; the data here is row-major either way.</summary>
    public bool FortranOrder { get; }

    /// <summary>The data as a tensor, or null for a string array. int8/int16/uint8/uint16 become int32, uint32/uint64
    /// become int64, float16 becomes float32.</summary>
    public Tensor? Tensor { get; }

    /// <summary>The elements of a string array in row-major order (trailing NULs removed), or null.</summary>
    public string[]? Strings { get; }

    /// <summary>True for a string array.</summary>
    public bool IsStrings => Strings is not null;

    /// <summary>The data as a tensor.</summary>
    /// <exception cref="DataFormatException">The array holds strings.</exception>
    public Tensor ToTensor(string? source = null) =>
        Tensor ?? throw new DataFormatException($"{source ?? "npy array"}: the array has dtype {Descr} (strings); expected a numeric or boolean array");
}

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0).
/// </summary>
/// <remarks>
/// <para>Reads float16/32/64, int8/16/32/64, uint8/16/32/64, bool and fixed-width strings, little- or big-endian, in
/// C or Fortran order; the data always comes back row-major in this library's dtypes. Object arrays (which need
/// pickle) and structured dtypes are refused.</para>
/// <para>Every length is checked against the bytes actually available before anything is allocated, so a forged
/// shape cannot make the reader allocate more than the file holds. Malformed files raise
/// <see cref="DataFormatException"/> naming the file and the byte offset.</para>
/// <para>Files are written to a temporary name beside the target and moved into place, so a reader never sees a
/// half-written file.</para>
/// </remarks>
/// <example>
/// <code>
/// Npy.Save("x.npy", Tensor.Arange(0, 6, DType.Float32).Reshape(2, 3));
/// var x = Npy.Load("x.npy");           // float32 [2, 3]
/// </code>
/// </example>
public static class Npy
{
    /// <summary>The largest header accepted, in bytes (NumPy writes well under 1 KiB).</summary>
    public const int MaxHeaderLength = 1 << 20;

    /// <summary>Payloads above this size are read into chunks before the result is allocated when the stream's
    /// length is not known (a deflated zip entry), so a forged header cannot trigger a huge allocation.</summary>
    internal const long UntrustedDirectAllocation = 64L << 20;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a numeric or boolean <c>.npy</c> file as a tensor.</summary>
    /// <exception cref="DataFormatException">The file is malformed, or holds strings.</exception>
    public static Tensor Load(string path) => LoadArray(path).ToTensor(path);

    /// <summary>Reads a <c>.npy</c> file (numeric, boolean or string).</summary>
    /// <exception cref="DataFormatException">The file is malformed or its dtype is not supported.</exception>
    public static NpyArray LoadArray(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var array = Read(fs, path, fs.Length);
        if (fs.Position != fs.Length)
            throw new DataFormatException(path, null, fs.Position, $"{fs.Length - fs.Position} bytes follow the array's data; shape {array.Shape} × item size accounts for the file only up to here");
        return array;
    }

    /// <summary>Reads one array from <paramref name="stream"/>, leaving the stream just after its data.</summary>
    /// <param name="stream">The stream, positioned at the magic string.</param>
    /// <param name="source">The name used in error messages (a path, or <c>archive.npz:key.npy</c>).</param>
    /// <param name="length">The bytes available from the current position, if known (checked before allocating);
    /// null for streams of unknown length, which are then read in chunks before large allocations.</param>
    /// <exception cref="DataFormatException">The data is malformed or its dtype is not supported.</exception>
    public static NpyArray Read(Stream stream, string source, long? length = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> pre = stackalloc byte[10];
        var got = stream.ReadAtLeast(pre[..8], 8, throwOnEndOfStream: false);
        if (got < 8 || !pre[..6].SequenceEqual(Magic))
            throw new DataFormatException(source, null, 0, got < 6 ? $"the file has {got} bytes; a .npy file starts with the 6-byte magic \\x93NUMPY"
                : $"bad magic {Convert.ToHexString(pre[..6])}; expected 934E554D5059 (\\x93NUMPY)");
        int major = pre[6], minor = pre[7];
        long pos = 8;
        long headerLength;
        switch (major)
        {
            case 1:
                Fill(stream, pre.Slice(8, 2), source, pos);
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(pre.Slice(8, 2));
                pos += 2;
                break;
            case 2:
            case 3:
                Fill(stream, pre[6..10], source, pos);
                headerLength = BinaryPrimitives.ReadUInt32LittleEndian(pre[6..10]);
                pos += 4;
                break;
            default:
                throw new DataFormatException(source, null, 6, $"format version {major}.{minor} is not supported; expected 1.0, 2.0 or 3.0");
        }
        if (headerLength > MaxHeaderLength || (length is { } len && pos + headerLength > len))
            throw new DataFormatException(source, null, pos, $"header length {headerLength} is larger than {(length is { } l2 && pos + headerLength > l2 ? $"the {l2 - pos} bytes left in the file" : $"the {MaxHeaderLength}-byte limit")}");
        var headerBytes = new byte[headerLength];
        Fill(stream, headerBytes, source, pos);
        var header = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        var (descrText, fortran, dims) = NpyHeader.Parse(header, source, pos);
        pos += headerLength;
        var descr = NpyDescr.Parse(descrText, source, pos);
        var shape = MakeShape(dims, source, pos);
        var count = (long)shape.NumElements;
        var byteCount = count * descr.Size;
        var available = length is { } total ? total - pos : (long?)null;
        if (available is { } avail && byteCount > avail)
            throw new DataFormatException(source, null, pos, $"shape {shape} × item size {descr.Size} = {byteCount} bytes, but only {avail} bytes follow the header (truncated file?)");
        var payload = available is null && byteCount > UntrustedDirectAllocation
            ? BufferChunks(stream, byteCount, source, pos)
            : stream;
        try
        {
            return descr.Kind is 'U' or 'S'
                ? new NpyArray(descrText, shape, fortran, null, ReadStrings(payload, descr, shape, fortran, source, pos))
                : new NpyArray(descrText, shape, fortran, ReadTensor(payload, descr, shape, fortran, source, pos), null);
        }
        finally
        {
            if (!ReferenceEquals(payload, stream)) payload.Dispose();
        }
    }

    /// <summary>Decodes the raw bytes of an array whose type and shape are known from elsewhere (a pickled NumPy
    /// array, a torch storage): <paramref name="length"/> must equal the shape's element count × the item size.</summary>
    /// <exception cref="DataFormatException">The descriptor or shape is invalid, or the byte count does not fit.</exception>
    internal static NpyArray Decode(byte[] data, int offset, int length, string descr, long[] dims, bool fortranOrder, string source)
    {
        ArgumentNullException.ThrowIfNull(data);
        var d = NpyDescr.Parse(descr, source, offset);
        var shape = MakeShape(dims, source, offset);
        var byteCount = (long)shape.NumElements * d.Size;
        if (byteCount != length)
            throw new DataFormatException(source, null, offset, $"array of dtype {descr} and shape {shape} needs {byteCount} bytes, but {length} bytes of data were given");
        using var ms = new MemoryStream(data, offset, length, writable: false);
        return d.Kind is 'U' or 'S'
            ? new NpyArray(descr, shape, fortranOrder, null, ReadStrings(ms, d, shape, fortranOrder, source, offset))
            : new NpyArray(descr, shape, fortranOrder, ReadTensor(ms, d, shape, fortranOrder, source, offset), null);
    }

    /// <summary>Writes <paramref name="tensor"/> to <paramref name="path"/> (atomically: temporary file, then move).</summary>
    /// <param name="path">The target file (no extension is added).</param>
    /// <param name="tensor">The data; every dtype is written as NumPy's little-endian equivalent.</param>
    /// <param name="fortranOrder">Store the data column-major (NumPy's <c>fortran_order: True</c>).</param>
    public static void Save(string path, Tensor tensor, bool fortranOrder = false)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        AtomicFile.Write(path, s => Write(s, tensor, fortranOrder));
    }

    /// <summary>Writes a string array as NumPy fixed-width unicode (<c>&lt;U{n}</c>, n the longest string).</summary>
    public static void Save(string path, string[] values, Shape? shape = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        AtomicFile.Write(path, s => Write(s, values, shape));
    }

    /// <summary>Writes <paramref name="tensor"/> in <c>.npy</c> format to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, Tensor tensor, bool fortranOrder = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        var descr = tensor.DType switch
        {
            DType.Float32 => "<f4",
            DType.Float64 => "<f8",
            DType.Int32 => "<i4",
            DType.Int64 => "<i8",
            DType.Bool => "|b1",
            _ => throw new TensorDTypeException($"Npy.Write: dtype {tensor.DType} has no NumPy equivalent"),
        };
        WriteHeader(stream, descr, fortranOrder, tensor.Shape);
        var data = fortranOrder && tensor.Rank > 1 ? Permute(tensor, toFortran: true) : tensor;
        switch (data.DType)
        {
            case DType.Float32: WriteSpan(stream, data.AsSpan<float>()); break;
            case DType.Float64: WriteSpan(stream, data.AsSpan<double>()); break;
            case DType.Int32: WriteSpan(stream, data.AsSpan<int>()); break;
            case DType.Int64: WriteSpan(stream, data.AsSpan<long>()); break;
            default: WriteSpan(stream, data.AsSpan<bool>()); break;
        }
    }

    /// <summary>Writes a string array in <c>.npy</c> format (<c>&lt;U{n}</c>) to <paramref name="stream"/>.</summary>
    /// <exception cref="TensorShapeException">The shape's element count differs from the number of strings.</exception>
    public static void Write(Stream stream, string[] values, Shape? shape = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(values);
        var s = shape ?? new Shape(values.Length);
        if (s.NumElements != values.Length)
            throw new TensorShapeException($"Npy.Write: shape {s} has {s.NumElements} elements but {values.Length} strings were given");
        var width = 1;
        foreach (var v in values) width = Math.Max(width, (v ?? "").EnumerateRunes().Count());
        WriteHeader(stream, $"<U{width}", false, s);
        var buffer = new byte[4 * width];
        foreach (var v in values)
        {
            Array.Clear(buffer);
            var n = 0;
            foreach (var rune in (v ?? "").EnumerateRunes())
                BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(4 * n++), rune.Value);
            stream.Write(buffer);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reading helpers
    // ------------------------------------------------------------------------------------------------------------

    internal static void Fill(Stream stream, Span<byte> buffer, string source, long offset)
    {
        var got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (got < buffer.Length)
            throw new DataFormatException(source, null, offset + got, $"unexpected end of data: {buffer.Length} bytes were needed here, {got} were left (truncated file?)");
    }

    private static Shape MakeShape(long[] dims, string source, long offset)
    {
        var d = new int[dims.Length];
        long n = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            if (dims[i] < 0 || dims[i] > int.MaxValue)
                throw new DataFormatException(source, null, offset, $"dimension {i} of shape ({string.Join(", ", dims)}) is {dims[i]}; expected 0..{int.MaxValue}");
            d[i] = (int)dims[i];
            n *= d[i];
            if (n > Array.MaxLength)
                throw new DataFormatException(source, null, offset, $"shape ({string.Join(", ", dims)}) has more than {Array.MaxLength} elements, the most one array can hold");
        }
        return new Shape(d);
    }

    /// <summary>Reads <paramref name="byteCount"/> bytes into 16 MiB chunks (proving they exist before the caller
    /// allocates the result) and returns a stream over them.</summary>
    private static ChunkListStream BufferChunks(Stream stream, long byteCount, string source, long offset)
    {
        const int chunk = 16 << 20;
        var chunks = new List<byte[]>();
        long done = 0;
        while (done < byteCount)
        {
            var c = new byte[(int)Math.Min(chunk, byteCount - done)];
            Fill(stream, c, source, offset + done);
            chunks.Add(c);
            done += c.Length;
        }
        return new ChunkListStream(chunks);
    }

    private static Tensor ReadTensor(Stream s, NpyDescr descr, Shape shape, bool fortran, string source, long offset)
    {
        var count = shape.NumElements;
        var swap = descr.BigEndian;
        Tensor t;
        switch (descr.Kind, descr.Size)
        {
            case ('f', 4):
                t = Tensor.Uninitialized(shape, DType.Float32);
                ReadDirect(s, MemoryMarshal.AsBytes(t.Span<float>()), source, offset);
                if (swap) { var v = MemoryMarshal.Cast<float, int>(t.Span<float>()); BinaryPrimitives.ReverseEndianness(v, v); }
                break;
            case ('f', 8):
                t = Tensor.Uninitialized(shape, DType.Float64);
                ReadDirect(s, MemoryMarshal.AsBytes(t.Span<double>()), source, offset);
                if (swap) { var v = MemoryMarshal.Cast<double, long>(t.Span<double>()); BinaryPrimitives.ReverseEndianness(v, v); }
                break;
            case ('i', 4):
                t = Tensor.Uninitialized(shape, DType.Int32);
                ReadDirect(s, MemoryMarshal.AsBytes(t.Span<int>()), source, offset);
                if (swap) { var v = t.Span<int>(); BinaryPrimitives.ReverseEndianness(v, v); }
                break;
            case ('i', 8):
                t = Tensor.Uninitialized(shape, DType.Int64);
                ReadDirect(s, MemoryMarshal.AsBytes(t.Span<long>()), source, offset);
                if (swap) { var v = t.Span<long>(); BinaryPrimitives.ReverseEndianness(v, v); }
                break;
            case ('b', 1):
            {
                t = Tensor.Uninitialized(shape, DType.Bool);
                var bytes = MemoryMarshal.AsBytes(t.Span<bool>());
                ReadDirect(s, bytes, source, offset);
                // Any non-zero byte is true; a CLR bool must be exactly 0 or 1.
                TensorPrimitives.Min(bytes, (byte)1, bytes);
                break;
            }
            case ('f', 2):
                t = Tensor.Uninitialized(shape, DType.Float32);
                ReadConverted(s, count, 2, source, offset, (src, start) =>
                {
                    var h = MemoryMarshal.Cast<byte, short>(src);
                    if (swap) BinaryPrimitives.ReverseEndianness(h, h);
                    TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<short, Half>(h), t.Span<float>().Slice(start, h.Length));
                });
                break;
            case ('i', 1):
                t = Tensor.Uninitialized(shape, DType.Int32);
                ReadConverted(s, count, 1, source, offset, (src, start) =>
                {
                    var d = t.Span<int>().Slice(start, src.Length);
                    var b = MemoryMarshal.Cast<byte, sbyte>(src);
                    for (var i = 0; i < b.Length; i++) d[i] = b[i];
                });
                break;
            case ('u', 1):
                t = Tensor.Uninitialized(shape, DType.Int32);
                ReadConverted(s, count, 1, source, offset, (src, start) =>
                {
                    var d = t.Span<int>().Slice(start, src.Length);
                    for (var i = 0; i < src.Length; i++) d[i] = src[i];
                });
                break;
            case ('i', 2):
            case ('u', 2):
            {
                t = Tensor.Uninitialized(shape, DType.Int32);
                var signed = descr.Kind == 'i';
                ReadConverted(s, count, 2, source, offset, (src, start) =>
                {
                    var v = MemoryMarshal.Cast<byte, ushort>(src);
                    if (swap) BinaryPrimitives.ReverseEndianness(v, v);
                    var d = t.Span<int>().Slice(start, v.Length);
                    if (signed) for (var i = 0; i < v.Length; i++) d[i] = (short)v[i];
                    else for (var i = 0; i < v.Length; i++) d[i] = v[i];
                });
                break;
            }
            case ('u', 4):
                t = Tensor.Uninitialized(shape, DType.Int64);
                ReadConverted(s, count, 4, source, offset, (src, start) =>
                {
                    var v = MemoryMarshal.Cast<byte, uint>(src);
                    if (swap) BinaryPrimitives.ReverseEndianness(v, v);
                    var d = t.Span<long>().Slice(start, v.Length);
                    for (var i = 0; i < v.Length; i++) d[i] = v[i];
                });
                break;
            case ('u', 8):
                t = Tensor.Uninitialized(shape, DType.Int64);
                ReadConverted(s, count, 8, source, offset, (src, start) =>
                {
                    var v = MemoryMarshal.Cast<byte, ulong>(src);
                    if (swap) BinaryPrimitives.ReverseEndianness(v, v);
                    var d = t.Span<long>().Slice(start, v.Length);
                    for (var i = 0; i < v.Length; i++)
                    {
                        if (v[i] > long.MaxValue)
                            throw new DataFormatException(source, null, offset + 8L * (start + i), $"uint64 element {start + i} is {v[i]}, above int64's maximum; it cannot be represented");
                        d[i] = (long)v[i];
                    }
                });
                break;
            default:
                throw new DataFormatException(source, null, offset, $"dtype {descr} is not supported; expected float16/32/64, (u)int8/16/32/64, bool or fixed-width strings");
        }
        return fortran && shape.Rank > 1 ? Permute(t, toFortran: false) : t;
    }

    /// <summary>Fills <paramref name="dest"/> from the stream in pieces of at most 1 GiB (spans are int-indexed).</summary>
    private static void ReadDirect(Stream s, Span<byte> dest, string source, long offset)
    {
        long done = 0;
        while (dest.Length > 0)
        {
            var n = Math.Min(dest.Length, 1 << 30);
            Fill(s, dest[..n], source, offset + done);
            dest = dest[n..];
            done += n;
        }
    }

    private delegate void ConvertChunk(Span<byte> source, int startElement);

    private static void ReadConverted(Stream s, int count, int itemSize, string source, long offset, ConvertChunk convert)
    {
        const int chunkElements = 1 << 16;
        var buffer = ArrayPool<byte>.Shared.Rent(chunkElements * itemSize);
        try
        {
            for (var start = 0; start < count; start += chunkElements)
            {
                var n = Math.Min(chunkElements, count - start);
                var span = buffer.AsSpan(0, n * itemSize);
                Fill(s, span, source, offset + (long)start * itemSize);
                convert(span, start);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string[] ReadStrings(Stream s, NpyDescr descr, Shape shape, bool fortran, string source, long offset)
    {
        var count = shape.NumElements;
        var result = new string[count];
        var item = new byte[descr.Size];
        var utf32 = descr.Kind == 'U' ? new UTF32Encoding(descr.BigEndian, byteOrderMark: false, throwOnInvalidCharacters: false) : null;
        for (var i = 0; i < count; i++)
        {
            Fill(s, item, source, offset + (long)i * descr.Size);
            if (utf32 is not null)
            {
                var chars = descr.Size / 4;
                while (chars > 0 && BinaryPrimitives.ReadInt32LittleEndian(item.AsSpan(4 * (chars - 1))) == 0) chars--;
                result[i] = utf32.GetString(item, 0, 4 * chars);
            }
            else
            {
                var len = item.AsSpan().TrimEnd((byte)0).Length;
                result[i] = Encoding.Latin1.GetString(item, 0, len);
            }
        }
        if (fortran && shape.Rank > 1)
        {
            var c = new string[count];
            PermuteIndices(shape.Dims, toFortran: false, (dst, src) => c[dst] = result[src]);
            return c;
        }
        return result;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Layout
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Converts between row-major and column-major layouts of the same shape (a copy).</summary>
    private static Tensor Permute(Tensor t, bool toFortran)
    {
        var r = t.EmptyLike();
        switch (t.DType)
        {
            case DType.Float32: PermuteTyped(t.Span<float>(), r.Span<float>(), t.Shape.Dims, toFortran); break;
            case DType.Float64: PermuteTyped(t.Span<double>(), r.Span<double>(), t.Shape.Dims, toFortran); break;
            case DType.Int32: PermuteTyped(t.Span<int>(), r.Span<int>(), t.Shape.Dims, toFortran); break;
            case DType.Int64: PermuteTyped(t.Span<long>(), r.Span<long>(), t.Shape.Dims, toFortran); break;
            default: PermuteTyped(t.Span<bool>(), r.Span<bool>(), t.Shape.Dims, toFortran); break;
        }
        return r;
    }

    private static void PermuteTyped<T>(Span<T> src, Span<T> dst, int[] dims, bool toFortran)
    {
        // Walk the C-order index with an odometer, tracking the Fortran-order offset of the same element.
        var rank = dims.Length;
        var n = src.Length;
        if (n == 0) return;
        Span<long> fStride = stackalloc long[rank];
        Span<int> idx = stackalloc int[rank];
        fStride[0] = 1;
        for (var d = 1; d < rank; d++) fStride[d] = fStride[d - 1] * dims[d - 1];
        long f = 0;
        for (var c = 0; c < n; c++)
        {
            if (toFortran) dst[(int)f] = src[c];
            else dst[c] = src[(int)f];
            for (var d = rank - 1; d >= 0; d--)
            {
                if (++idx[d] < dims[d]) { f += fStride[d]; break; }
                idx[d] = 0;
                f -= fStride[d] * (dims[d] - 1);
            }
        }
    }

    private static void PermuteIndices(int[] dims, bool toFortran, Action<int, int> move)
    {
        var n = 1;
        foreach (var d in dims) n *= d;
        var order = new int[n];
        for (var i = 0; i < n; i++) order[i] = i;
        var permuted = new int[n];
        PermuteTyped<int>(order, permuted, dims, toFortran);
        for (var i = 0; i < n; i++) move(i, permuted[i]);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Writing helpers
    // ------------------------------------------------------------------------------------------------------------

    private static void WriteHeader(Stream stream, string descr, bool fortranOrder, Shape shape)
    {
        var dims = shape.Rank == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape.Dims) + ")";
        var dict = $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': {dims}, }}";
        // Pad with spaces so that the data starts on a 64-byte boundary, as NumPy does; the header ends with '\n'.
        var prefix = 10;
        var total = prefix + dict.Length + 1;
        var major = 1;
        if ((total + 63) / 64 * 64 - prefix > ushort.MaxValue)
        {
            major = 2;
            prefix = 12;
            total = prefix + dict.Length + 1;
        }
        var padded = (total + 63) / 64 * 64;
        var header = dict + new string(' ', padded - total) + "\n";
        var bytes = new byte[padded];
        Magic.CopyTo(bytes);
        bytes[6] = (byte)major;
        bytes[7] = 0;
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)header.Length);
        Encoding.Latin1.GetBytes(header, bytes.AsSpan(prefix));
        stream.Write(bytes);
    }

    private static void WriteSpan<T>(Stream stream, Span<T> data) where T : unmanaged
    {
        // Spans of bytes are int-indexed: write in element blocks that stay under 1 GiB.
        var perBlock = (1 << 30) / Marshal.SizeOf<T>();
        while (data.Length > 0)
        {
            var n = Math.Min(perBlock, data.Length);
            stream.Write(MemoryMarshal.AsBytes(data[..n]));
            data = data[n..];
        }
    }
}

/// <summary>A NumPy type descriptor such as <c>&lt;f4</c>: byte order, kind and item size.</summary>
internal readonly record struct NpyDescr(bool BigEndian, char Kind, int Size)
{
    public static NpyDescr Parse(string text, string source, long offset)
    {
        var s = text.AsSpan();
        var big = false;
        if (s.Length > 0 && s[0] is '<' or '>' or '|' or '=')
        {
            big = s[0] == '>';
            s = s[1..];
        }
        if (s.Length < 2 || s[0] is not ('f' or 'i' or 'u' or 'b' or 'U' or 'S')
            || !int.TryParse(s[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
            throw new DataFormatException(source, null, offset, $"dtype '{text}' is not supported; expected float16/32/64, (u)int8/16/32/64, bool or fixed-width strings (object and structured arrays are refused)");
        var kind = s[0];
        var size = kind == 'U' ? (long)n * 4 : n;
        var valid = kind switch
        {
            'f' => n is 2 or 4 or 8,
            'i' or 'u' => n is 1 or 2 or 4 or 8,
            'b' => n == 1,
            _ => size <= 1 << 20,
        };
        if (!valid)
            throw new DataFormatException(source, null, offset, $"dtype '{text}' has an unsupported item size {n}");
        return new NpyDescr(big, kind, (int)size);
    }

    public override string ToString() => $"{(BigEndian ? '>' : '<')}{Kind}{(Kind == 'U' ? Size / 4 : Size)}";
}

/// <summary>Parses the Python dict literal of a <c>.npy</c> header.</summary>
internal static class NpyHeader
{
    public static (string Descr, bool Fortran, long[] Shape) Parse(string header, string source, long offset)
    {
        var p = new Parser(header, source, offset);
        string? descr = null;
        bool? fortran = null;
        long[]? shape = null;
        p.Expect('{');
        while (!p.TryConsume('}'))
        {
            var key = p.String();
            p.Expect(':');
            switch (key)
            {
                case "descr":
                    if (p.Peek() != '\'' && p.Peek() != '"')
                        throw p.Error("'descr' is not a string: structured dtypes are not supported");
                    descr = p.String();
                    break;
                case "fortran_order": fortran = p.Bool(); break;
                case "shape": shape = p.IntTuple(); break;
                default: throw p.Error($"unexpected key '{key}'; expected 'descr', 'fortran_order' and 'shape'");
            }
            if (!p.TryConsume(','))
            {
                p.Expect('}');
                break;
            }
        }
        if (descr is null || fortran is null || shape is null)
            throw new DataFormatException(source, null, offset, $"header {Excerpt(header)} lacks {(descr is null ? "'descr'" : fortran is null ? "'fortran_order'" : "'shape'")}");
        return (descr, fortran.Value, shape);
    }

    internal static string Excerpt(string s) => s.Length <= 120 ? $"\"{s.TrimEnd()}\"" : $"\"{s[..120]}…\"";

    private ref struct Parser(string text, string source, long offset)
    {
        private int _pos;

        public DataFormatException Error(string what) =>
            new(source, null, offset, $"cannot parse the header {Excerpt(text)} at character {_pos}: {what}");

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }

        public char Peek()
        {
            SkipSpace();
            return _pos < text.Length ? text[_pos] : '\0';
        }

        public bool TryConsume(char c)
        {
            if (Peek() != c) return false;
            _pos++;
            return true;
        }

        public void Expect(char c)
        {
            if (!TryConsume(c)) throw Error($"expected '{c}'");
        }

        public string String()
        {
            var q = Peek();
            if (q is not ('\'' or '"')) throw Error("expected a quoted string");
            var end = text.IndexOf(q, _pos + 1);
            if (end < 0) throw Error("unterminated string");
            var s = text.Substring(_pos + 1, end - _pos - 1);
            _pos = end + 1;
            return s;
        }

        public bool Bool()
        {
            SkipSpace();
            if (string.CompareOrdinal(text, _pos, "True", 0, 4) == 0) { _pos += 4; return true; }
            if (string.CompareOrdinal(text, _pos, "False", 0, 5) == 0) { _pos += 5; return false; }
            throw Error("expected True or False");
        }

        public long[] IntTuple()
        {
            Expect('(');
            var dims = new List<long>();
            while (!TryConsume(')'))
            {
                SkipSpace();
                var start = _pos;
                while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
                if (_pos == start || _pos - start > 18) throw Error("expected a non-negative integer dimension");
                dims.Add(long.Parse(text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture));
                if (_pos < text.Length && text[_pos] is 'L' or 'l') _pos++;   // Python 2 long literal
                if (dims.Count > 64) throw Error("more than 64 dimensions");
                if (!TryConsume(','))
                {
                    Expect(')');
                    break;
                }
            }
            return [.. dims];
        }
    }
}

/// <summary>A read-only stream over a list of byte chunks.</summary>
internal sealed class ChunkListStream(List<byte[]> chunks) : Stream
{
    private int _chunk;
    private int _offset;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var total = 0;
        while (buffer.Length > 0 && _chunk < chunks.Count)
        {
            var src = chunks[_chunk].AsSpan(_offset);
            var n = Math.Min(src.Length, buffer.Length);
            src[..n].CopyTo(buffer);
            buffer = buffer[n..];
            total += n;
            _offset += n;
            if (_offset == chunks[_chunk].Length) { _chunk++; _offset = 0; }
        }
        return total;
    }
}

/// <summary>Writes a file under a temporary name in the target's folder and renames it into place.</summary>
internal static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a temporary file beside <paramref name="path"/>, flushes it to disk
    /// and moves it over <paramref name="path"/>; on failure the temporary file is deleted and the target untouched.</summary>
    public static void Write(string path, Action<Stream> write, int bufferSize = 1 << 20)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); }
            catch (IOException) { /* the original error matters more */ }
            throw;
        }
    }
}
