using System.Buffers;
using System.IO.Compression;
using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>
/// Reads a text file line by line as UTF-8 byte spans over one pooled buffer (no string per line), counting lines
/// for error messages. Gzip-compressed files are recognised by their magic bytes and decompressed on the fly.
/// </summary>
/// <remarks>A line ends at <c>\n</c>; a trailing <c>\r</c> is removed (CRLF files). Lines longer than
/// <see cref="MaxLineBytes"/> are an error rather than an unbounded allocation.</remarks>
internal sealed class LineReader : IDisposable
{
    /// <summary>The longest line accepted (64 MiB).</summary>
    public const int MaxLineBytes = 64 << 20;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;

    public LineReader(Stream stream, string source, bool leaveOpen = false, int bufferSize = 1 << 20)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        Source = source ?? throw new ArgumentNullException(nameof(source));
        _leaveOpen = leaveOpen;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    /// <summary>The file name used in messages.</summary>
    public string Source { get; }

    /// <summary>1-based number of the line last returned (0 before the first).</summary>
    public long LineNumber { get; private set; }

    /// <summary>Opens <paramref name="path"/>, gunzipping it when it starts with the gzip magic bytes.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static LineReader Open(string path) => new(OpenMaybeGzip(path), path);

    /// <summary>A stream over the file's bytes, decompressed when the file is gzip.</summary>
    public static Stream OpenMaybeGzip(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        Span<byte> magic = stackalloc byte[2];
        var n = fs.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        fs.Position = 0;
        return n == 2 && magic[0] == 0x1F && magic[1] == 0x8B ? new GZipStream(fs, CompressionMode.Decompress) : fs;
    }

    /// <summary>An error at the current line.</summary>
    public DataFormatException Error(string what) => new(Source, LineNumber, null, what);

    /// <summary>Reads the next line (without its terminator); false at the end of the file.</summary>
    /// <exception cref="DataFormatException">A line is longer than <see cref="MaxLineBytes"/>, or the compressed data is corrupt.</exception>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        var scanFrom = _start;
        while (true)
        {
            var nl = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                var stop = scanFrom + nl;
                line = Trim(_buffer.AsSpan(_start, stop - _start));
                _start = stop + 1;
                LineNumber++;
                return true;
            }
            if (_eof)
            {
                if (_start == _end)
                {
                    line = default;
                    return false;
                }
                line = Trim(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
                LineNumber++;
                return true;
            }
            scanFrom = Fill();
        }
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s) => s.Length > 0 && s[^1] == (byte)'\r' ? s[..^1] : s;

    /// <summary>Moves the unread bytes to the front, grows the buffer if a line fills it, and reads more; returns
    /// where the newline search should resume.</summary>
    private int Fill()
    {
        var pending = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
            _start = 0;
            _end = pending;
        }
        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxLineBytes)
                throw new DataFormatException(Source, LineNumber + 1, null, $"a line is longer than {MaxLineBytes} bytes (binary data, or a file without line breaks?)");
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(MaxLineBytes, _buffer.Length * 2));
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        int n;
        try
        {
            n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(Source, LineNumber + 1, null, $"corrupt compressed data: {e.Message}", e);
        }
        if (n == 0) _eof = true;
        _end += n;
        return pending;
    }

    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _start = _end = 0;
    }
}
