using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Dgl.Data;

/// <summary>How the fields of a line are separated.</summary>
internal enum FieldSeparator
{
    /// <summary>Decide from the first data line: comma if it has one, whitespace otherwise.</summary>
    Auto,
    /// <summary>Commas, with spaces around fields ignored (<c>1, 2</c>); an empty field is an error for integers
    /// and NaN for floats.</summary>
    Comma,
    /// <summary>Runs of spaces and tabs.</summary>
    Whitespace,
    /// <summary>Tabs, with spaces around fields ignored.</summary>
    Tab,
}

/// <summary>A dense row-major table of numbers read from text.</summary>
internal sealed class NumericTable<T>(T[] data, int rows, int columns) where T : unmanaged
{
    /// <summary>The values, row-major; the array may be longer than Rows × Columns.</summary>
    public T[] Data { get; } = data;
    public int Rows { get; } = rows;
    public int Columns { get; } = columns;
    public T this[int row, int col] => Data[(long)row * Columns + col];

    /// <summary>Column <paramref name="col"/> as a new array.</summary>
    public T[] Column(int col)
    {
        var r = new T[Rows];
        for (var i = 0; i < Rows; i++) r[i] = Data[(long)i * Columns + col];
        return r;
    }
}

/// <summary>Span-based number parsing and numeric table reading (no string per field, no string.Split).</summary>
internal static class NumericText
{
    /// <summary>Comment lines start with one of these characters (after optional spaces).</summary>
    public static bool IsCommentOrBlank(ReadOnlySpan<byte> line)
    {
        var t = line.TrimStart(" \t"u8);
        return t.Length == 0 || t[0] is (byte)'#' or (byte)'%';
    }

    public static FieldSeparator Detect(ReadOnlySpan<byte> line) =>
        line.Contains((byte)',') ? FieldSeparator.Comma : FieldSeparator.Whitespace;

    /// <summary>Parses an optionally signed decimal integer that fills the whole span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.Length == 0 || s.Length > 20) return false;
        var i = 0;
        var neg = false;
        if (s[0] is (byte)'-' or (byte)'+')
        {
            neg = s[0] == '-';
            i = 1;
            if (s.Length == 1) return false;
        }
        ulong acc = 0;
        for (; i < s.Length; i++)
        {
            var d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (acc > (ulong.MaxValue - d) / 10) return false;
            acc = acc * 10 + d;
        }
        if (neg ? acc > (ulong)long.MaxValue + 1 : acc > long.MaxValue) return false;
        value = neg ? (long)(0 - acc) : (long)acc;
        return true;
    }

    private static readonly double[] s_pow10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

    /// <summary>Parses a decimal floating-point number (also <c>nan</c>, <c>inf</c>). Numbers with at most 15
    /// significant digits and a small exponent are computed exactly from an integer mantissa (Clinger's fast path,
    /// correctly rounded); anything else goes to <see cref="double.TryParse(ReadOnlySpan{byte}, NumberStyles, IFormatProvider?, out double)"/>.</summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.Length == 0 || s.Length > 400) return false;
        var i = 0;
        var neg = false;
        if (s[0] is (byte)'-' or (byte)'+')
        {
            neg = s[0] == '-';
            i = 1;
        }
        ulong mant = 0;
        var digits = 0;
        var exp10 = 0;
        var any = false;
        for (; i < s.Length; i++)
        {
            var d = (uint)(s[i] - '0');
            if (d > 9) break;
            any = true;
            if (mant == 0 && d == 0) continue;
            if (digits >= 18) return Slow(s, out value);
            mant = mant * 10 + d;
            digits++;
        }
        if (i < s.Length && s[i] == '.')
        {
            for (i++; i < s.Length; i++)
            {
                var d = (uint)(s[i] - '0');
                if (d > 9) break;
                any = true;
                if (mant == 0 && d == 0) { exp10--; continue; }
                if (digits >= 18) return Slow(s, out value);
                mant = mant * 10 + d;
                digits++;
                exp10--;
            }
        }
        if (!any) return Slow(s, out value);   // "nan", "inf", ".": let the framework decide
        if (i < s.Length && s[i] is (byte)'e' or (byte)'E')
        {
            i++;
            var eneg = false;
            if (i < s.Length && s[i] is (byte)'-' or (byte)'+') { eneg = s[i] == '-'; i++; }
            if (i == s.Length) return false;
            var e = 0;
            for (; i < s.Length; i++)
            {
                var d = (uint)(s[i] - '0');
                if (d > 9) return false;
                if (e < 100000) e = e * 10 + (int)d;
            }
            exp10 += eneg ? -e : e;
        }
        if (i != s.Length) return false;
        if (mant == 0) { value = neg ? -0.0 : 0.0; return true; }
        if (digits <= 15 && exp10 is >= -22 and <= 22)
        {
            double v = mant;
            v = exp10 < 0 ? v / s_pow10[-exp10] : v * s_pow10[exp10];
            value = neg ? -v : v;
            return true;
        }
        return Slow(s, out value);
    }

    private static bool Slow(ReadOnlySpan<byte> s, out double value) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>The field text for messages (printable, at most 40 characters).</summary>
    public static string Show(ReadOnlySpan<byte> field)
    {
        var t = Encoding.UTF8.GetString(field.Length > 40 ? field[..40] : field);
        return (field.Length > 40 ? t + "…" : t).Replace("\0", "\\0", StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Tables
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Reads a table of integers, every row with the same number of columns (from the first row unless
    /// <paramref name="columns"/> is given). Blank lines and lines starting with '#' or '%' are skipped.</summary>
    /// <exception cref="Tensors.IO.DataFormatException">A field is not an integer, or a row has another column count.</exception>
    public static NumericTable<long> ReadInt64(LineReader reader, int columns = -1, FieldSeparator separator = FieldSeparator.Auto, int skipLines = 0)
    {
        var data = new long[1 << 12];
        long count = 0;
        var rows = 0;
        Span<long> row = stackalloc long[64];
        while (reader.TryReadLine(out var line))
        {
            if (skipLines > 0) { skipLines--; continue; }
            if (IsCommentOrBlank(line)) continue;
            var n = SplitInt64(line, separator == FieldSeparator.Auto ? Detect(line) : separator, row, reader);
            if (columns < 0) columns = n;
            else if (n != columns) throw reader.Error($"{n} columns; the table has {columns}");
            if (count + n > data.Length)
            {
                if (count + n > Array.MaxLength) throw reader.Error("the table has more values than one array can hold");
                Array.Resize(ref data, (int)Math.Min(Array.MaxLength, Math.Max(count + n, (long)data.Length * 2)));
            }
            row[..n].CopyTo(data.AsSpan((int)count));
            count += n;
            rows++;
        }
        return new NumericTable<long>(data, rows, Math.Max(columns, 0));
    }

    /// <summary>Reads a table of floating-point numbers (empty comma-separated fields are NaN, as pandas reads them).</summary>
    public static NumericTable<double> ReadFloat64(LineReader reader, int columns = -1, FieldSeparator separator = FieldSeparator.Auto, int skipLines = 0)
    {
        var data = new double[1 << 12];
        long count = 0;
        var rows = 0;
        var row = new double[64];
        while (reader.TryReadLine(out var line))
        {
            if (skipLines > 0) { skipLines--; continue; }
            if (IsCommentOrBlank(line)) continue;
            var sep = separator == FieldSeparator.Auto ? Detect(line) : separator;
            int n;
            while ((n = SplitDouble(line, sep, row, reader)) < 0) row = new double[row.Length * 2];
            if (columns < 0) columns = n;
            else if (n != columns) throw reader.Error($"{n} columns; the table has {columns}");
            if (count + n > data.Length)
            {
                if (count + n > Array.MaxLength) throw reader.Error("the table has more values than one array can hold");
                Array.Resize(ref data, (int)Math.Min(Array.MaxLength, Math.Max(count + n, (long)data.Length * 2)));
            }
            row.AsSpan(0, n).CopyTo(data.AsSpan((int)count));
            count += n;
            rows++;
        }
        return new NumericTable<double>(data, rows, Math.Max(columns, 0));
    }

    /// <summary>Splits one line into integers; returns the field count.</summary>
    public static int SplitInt64(ReadOnlySpan<byte> line, FieldSeparator sep, Span<long> dest, LineReader reader)
    {
        var n = 0;
        var i = 0;
        var len = line.Length;
        if (sep == FieldSeparator.Whitespace)
        {
            while (true)
            {
                while (i < len && line[i] is (byte)' ' or (byte)'\t') i++;
                if (i == len) return n;
                if (n == dest.Length) throw reader.Error($"more than {dest.Length} columns");
                dest[n++] = ParseIntToken(line, ref i, sep, n, reader);
                if (i < len && line[i] is not ((byte)' ' or (byte)'\t'))
                    throw reader.Error($"unexpected '{Show(line.Slice(i, 1))}' in field {n}; expected a digit, a space or the end of the line");
            }
        }
        var sepChar = sep == FieldSeparator.Tab ? (byte)'\t' : (byte)',';
        while (true)
        {
            while (i < len && (line[i] == ' ' || (line[i] == '\t' && sepChar != '\t'))) i++;
            if (n == dest.Length) throw reader.Error($"more than {dest.Length} columns");
            dest[n++] = ParseIntToken(line, ref i, sep, n, reader);
            while (i < len && (line[i] == ' ' || (line[i] == '\t' && sepChar != '\t'))) i++;
            if (i == len) return n;
            if (line[i] != sepChar)
                throw reader.Error($"unexpected '{Show(line.Slice(i, 1))}' after field {n}; expected {(sepChar == ',' ? "','" : "a tab")} or the end of the line");
            i++;
        }
    }

    /// <summary>Parses the integer starting at <paramref name="i"/> (the hot loop of edge-list parsing), leaving
    /// <paramref name="i"/> just after its last digit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long ParseIntToken(ReadOnlySpan<byte> line, ref int i, FieldSeparator sep, int field, LineReader reader)
    {
        var start = i;
        var neg = false;
        if (i < line.Length && line[i] is (byte)'-' or (byte)'+') { neg = line[i] == '-'; i++; }
        ulong acc = 0;
        var digitStart = i;
        while (i < line.Length)
        {
            var d = (uint)(line[i] - '0');
            if (d > 9) break;
            acc = acc * 10 + d;
            i++;
        }
        var digits = i - digitStart;
        if (digits is > 0 and <= 18) return neg ? -(long)acc : (long)acc;
        var end = i;
        while (end < line.Length && !IsSeparator(line[end], sep)) end++;
        var f = line[start..end].TrimEnd(" \t"u8);
        if (digits > 18 && end == i && TryParseInt64(f, out var big)) return big;
        throw reader.Error(f.IsEmpty ? $"field {field} is empty; expected an integer" : $"field {field} '{Show(f)}' is not an integer");
    }

    private static bool IsSeparator(byte b, FieldSeparator sep) => sep switch
    {
        FieldSeparator.Comma => b == ',',
        FieldSeparator.Tab => b == '\t',
        _ => b is (byte)' ' or (byte)'\t',
    };

    /// <summary>Splits one line into doubles; returns the field count, or -1 when <paramref name="dest"/> is too small.</summary>
    public static int SplitDouble(ReadOnlySpan<byte> line, FieldSeparator sep, Span<double> dest, LineReader reader)
    {
        var n = 0;
        var i = 0;
        var len = line.Length;
        if (sep == FieldSeparator.Whitespace)
        {
            while (true)
            {
                while (i < len && line[i] is (byte)' ' or (byte)'\t') i++;
                if (i == len) return n;
                var end = i;
                while (end < len && line[end] is not ((byte)' ' or (byte)'\t')) end++;
                if (n == dest.Length) return -1;
                dest[n++] = ParseDoubleField(line[i..end], n, reader);
                i = end;
            }
        }
        var sepChar = sep == FieldSeparator.Tab ? (byte)'\t' : (byte)',';
        while (true)
        {
            var end = line[i..].IndexOf(sepChar);
            end = end < 0 ? len : i + end;
            var f = line[i..end].Trim(sepChar == '\t' ? " "u8 : " \t"u8);
            if (n == dest.Length) return -1;
            dest[n++] = f.IsEmpty ? double.NaN : ParseDoubleField(f, n, reader);
            if (end == len) return n;
            i = end + 1;
        }
    }

    private static double ParseDoubleField(ReadOnlySpan<byte> f, int field, LineReader reader) =>
        TryParseDouble(f, out var v) ? v : throw reader.Error($"field {field} '{Show(f)}' is not a number");
}
