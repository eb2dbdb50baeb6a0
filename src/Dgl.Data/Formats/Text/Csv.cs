using System.Text;
using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>
/// An RFC 4180 CSV reader over <see cref="LineReader"/>: a configurable one-character separator, double-quoted
/// fields with <c>""</c> escapes and embedded separators or line breaks, CRLF or LF line ends.
/// </summary>
internal sealed class CsvReader(LineReader reader, char separator = ',') : IDisposable
{
    private readonly StringBuilder _field = new();

    public LineReader Lines { get; } = reader;

    public static CsvReader Open(string path, char separator = ',') => new(LineReader.Open(path), separator);

    /// <summary>Reads the next record's fields into <paramref name="fields"/> (cleared first); false at the end.
    /// Blank lines are skipped.</summary>
    public bool ReadRecord(List<string> fields)
    {
        fields.Clear();
        ReadOnlySpan<byte> line;
        do
        {
            if (!Lines.TryReadLine(out line)) return false;
        }
        while (line.Trim(" \t"u8).IsEmpty);
        var sep = (byte)separator;
        var i = 0;
        while (true)
        {
            _field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    var q = line[i..].IndexOf((byte)'"');
                    if (q < 0)
                    {
                        // The quoted field continues on the next line.
                        _field.Append(Encoding.UTF8.GetString(line[i..])).Append('\n');
                        var startLine = Lines.LineNumber;
                        if (!Lines.TryReadLine(out line))
                            throw new DataFormatException(Lines.Source, startLine, null, "unterminated quoted field at the end of the file");
                        i = 0;
                        continue;
                    }
                    _field.Append(Encoding.UTF8.GetString(line.Slice(i, q)));
                    i += q + 1;
                    if (i < line.Length && line[i] == '"') { _field.Append('"'); i++; continue; }
                    break;
                }
                while (i < line.Length && line[i] == ' ') i++;
                if (i < line.Length && line[i] != sep)
                    throw Lines.Error($"unexpected '{(char)line[i]}' after the quoted field {fields.Count + 1}; expected '{separator}'");
            }
            else
            {
                var end = line[i..].IndexOf(sep);
                var stop = end < 0 ? line.Length : i + end;
                _field.Append(Encoding.UTF8.GetString(line[i..stop]));
                i = stop;
            }
            fields.Add(_field.ToString());
            if (i >= line.Length) return true;
            i++;   // separator
            if (i == line.Length)
            {
                fields.Add("");
                return true;
            }
        }
    }

    public void Dispose() => Lines.Dispose();
}

/// <summary>The OGB metadata tables (<c>master.csv</c>): one column per data set, one row per property.</summary>
internal static class OgbMaster
{
    /// <summary>Reads a master table into data set name → (property → value).</summary>
    public static Dictionary<string, Dictionary<string, string>> Read(string path)
    {
        using var csv = CsvReader.Open(path);
        var header = new List<string>();
        if (!csv.ReadRecord(header)) throw new DataFormatException(path, 1, null, "empty master table");
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        for (var c = 1; c < header.Count; c++) result[header[c]] = new Dictionary<string, string>(StringComparer.Ordinal);
        var row = new List<string>();
        while (csv.ReadRecord(row))
        {
            if (row.Count != header.Count)
                throw csv.Lines.Error($"{row.Count} fields; the header has {header.Count}");
            for (var c = 1; c < row.Count; c++) result[header[c]][row[0]] = row[c];
        }
        return result;
    }
}
