using System.Globalization;
using System.Text;

namespace Dgl.Tensors.IO;

/// <summary>
/// A file (or stream) is not in the format its reader expects: bad magic, a header that does not parse, a length
/// that does not fit the data, a value out of range, a forbidden pickle global. The message names the file and,
/// where known, the line or byte offset and what was expected.
/// </summary>
/// <remarks>Every reader in <c>Dgl.Tensors.IO</c> and <c>Dgl.Data</c> reports malformed input with this type (or a
/// subclass), never with <see cref="IndexOutOfRangeException"/> or <see cref="NullReferenceException"/>, so callers
/// can catch one type for "this file is broken".</remarks>
public class DataFormatException : IOException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public DataFormatException() : base("the data is not in the expected format")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public DataFormatException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    public DataFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a problem at a place in a file.</summary>
    /// <param name="file">The file or stream name (shown first in the message).</param>
    /// <param name="line">1-based line number for text formats, or null.</param>
    /// <param name="offset">0-based byte offset for binary formats, or null.</param>
    /// <param name="problem">What was wrong and what was expected.</param>
    /// <param name="innerException">The exception that caused it, or null.</param>
    public DataFormatException(string file, long? line, long? offset, string problem, Exception? innerException = null)
        : base(Compose(file, line, offset, problem), innerException)
    {
        FilePath = file;
        Line = line;
        Offset = offset;
    }

    /// <summary>The file or stream name the problem is in, when known.</summary>
    public string? FilePath { get; }

    /// <summary>The 1-based line of a text file, when known.</summary>
    public long? Line { get; }

    /// <summary>The 0-based byte offset in a binary file, when known.</summary>
    public long? Offset { get; }

    private static string Compose(string file, long? line, long? offset, string problem)
    {
        var sb = new StringBuilder(file);
        if (line is { } l) sb.Append(CultureInfo.InvariantCulture, $": line {l}");
        if (offset is { } o) sb.Append(CultureInfo.InvariantCulture, $": byte {o}");
        return sb.Append(": ").Append(problem).ToString();
    }
}
