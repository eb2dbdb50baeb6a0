using System.Globalization;
using System.Text;
using Dgl.Tensors.IO;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Dgl.Data;

/// <summary>The <c>meta.yaml</c> of a DGL CSV data set (format version 1.0.0).</summary>
internal sealed class CsvMeta
{
    public string Version { get; set; } = "1.0.0";
    public string? DatasetName { get; set; }
    public string Separator { get; set; } = ",";
    public List<CsvMetaNode> NodeData { get; set; } = [];
    public List<CsvMetaEdge> EdgeData { get; set; } = [];
    public CsvMetaGraph? GraphData { get; set; }
}

internal sealed class CsvMetaNode
{
    public string? FileName { get; set; }
    public string Ntype { get; set; } = "_V";
    public string GraphIdField { get; set; } = "graph_id";
    public string NodeIdField { get; set; } = "node_id";
}

internal sealed class CsvMetaEdge
{
    public string? FileName { get; set; }
    public List<string> Etype { get; set; } = ["_V", "_E", "_V"];
    public string GraphIdField { get; set; } = "graph_id";
    public string SrcIdField { get; set; } = "src_id";
    public string DstIdField { get; set; } = "dst_id";
}

internal sealed class CsvMetaGraph
{
    public string? FileName { get; set; }
    public string GraphIdField { get; set; } = "graph_id";
}

/// <summary>One CSV file of a CSV data set: its id columns and its data columns as tensors.</summary>
internal sealed class CsvTable
{
    public required string File { get; init; }
    public required int Rows { get; init; }
    public required Dictionary<string, long[]> Ids { get; init; }
    /// <summary>Data columns in file order: int64, float32, bool, or [rows, d] float32 for vector columns.</summary>
    public required List<KeyValuePair<string, Tensor>> Data { get; init; }
}

/// <summary>Reads <c>meta.yaml</c> and the CSV files of a DGL <c>CSVDataset</c> folder.</summary>
internal static class CsvDatasetFiles
{
    public const string MetaFileName = "meta.yaml";

    public static CsvMeta ReadMeta(string folder)
    {
        var path = Path.Combine(folder, MetaFileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{MetaFileName}' cannot be found under {folder}; a CSV data set folder needs one (see DGL's CSVDataset format)", path);
        CsvMeta? meta;
        try
        {
            var yaml = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).IgnoreUnmatchedProperties().Build();
            meta = yaml.Deserialize<CsvMeta>(File.ReadAllText(path));
        }
        catch (YamlException e)
        {
            throw new DataFormatException(path, e.Start.Line, null, $"invalid YAML: {e.Message}", e);
        }
        if (meta is null) throw new DataFormatException(path, null, null, "the file is empty");
        if (meta.Version != "1.0.0")
            throw new DataFormatException(path, null, null, $"CSV data set version '{meta.Version}' is not supported; expected '1.0.0'");
        if (string.IsNullOrEmpty(meta.DatasetName)) throw new DataFormatException(path, null, null, "'dataset_name' is required");
        if (meta.Separator.Length != 1) throw new DataFormatException(path, null, null, $"separator '{meta.Separator}' must be one character");
        if (meta.NodeData.Count == 0 || meta.EdgeData.Count == 0)
            throw new DataFormatException(path, null, null, "'node_data' and 'edge_data' each need at least one file");
        foreach (var n in meta.NodeData)
            if (string.IsNullOrEmpty(n.FileName)) throw new DataFormatException(path, null, null, "a node_data entry lacks 'file_name'");
        foreach (var e in meta.EdgeData)
        {
            if (string.IsNullOrEmpty(e.FileName)) throw new DataFormatException(path, null, null, "an edge_data entry lacks 'file_name'");
            if (e.Etype.Count != 3) throw new DataFormatException(path, null, null, $"etype [{string.Join(", ", e.Etype)}] must have three entries [src_type, edge_type, dst_type]");
        }
        var ntypes = meta.NodeData.Select(n => n.Ntype).ToList();
        if (ntypes.Count != ntypes.Distinct(StringComparer.Ordinal).Count())
            throw new DataFormatException(path, null, null, $"each node CSV file must have a unique node type, but found duplicates in [{string.Join(", ", ntypes)}]");
        var etypes = meta.EdgeData.Select(e => string.Join("/", e.Etype)).ToList();
        if (etypes.Count != etypes.Distinct(StringComparer.Ordinal).Count())
            throw new DataFormatException(path, null, null, $"each edge CSV file must have a unique edge type, but found duplicates in [{string.Join(", ", etypes)}]");
        if (meta.GraphData is { FileName: null or "" }) throw new DataFormatException(path, null, null, "graph_data lacks 'file_name'");
        return meta;
    }

    /// <summary>Reads a CSV file with a header; the id fields (<paramref name="requiredIds"/> must exist, <paramref name="optionalIds"/> may) are parsed as integer
    /// ids, the rest become data columns typed as pandas would infer them.</summary>
    public static CsvTable ReadTable(string path, char separator, IReadOnlyList<string> requiredIds, IReadOnlyList<string> optionalIds)
    {
        using var csv = new CsvReader(LineReader.Open(path), separator);
        var header = new List<string>();
        if (!csv.ReadRecord(header)) throw new DataFormatException(path, 1, null, "the file is empty; expected a header line");
        for (var i = 0; i < header.Count; i++) header[i] = header[i].Trim();
        foreach (var id in requiredIds)
            if (!header.Contains(id))
                throw new DataFormatException(path, 1, null, $"missing id field [{id}]; the header has [{string.Join(", ", header)}]");
        var columns = new List<string>[header.Count];
        for (var c = 0; c < header.Count; c++) columns[c] = [];
        var row = new List<string>();
        var rows = 0;
        while (csv.ReadRecord(row))
        {
            if (row.Count != header.Count)
                throw csv.Lines.Error($"{row.Count} fields; the header has {header.Count}");
            for (var c = 0; c < row.Count; c++) columns[c].Add(row[c]);
            rows++;
        }
        var ids = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var data = new List<KeyValuePair<string, Tensor>>();
        for (var c = 0; c < header.Count; c++)
        {
            var name = header[c];
            if (requiredIds.Contains(name, StringComparer.Ordinal) || optionalIds.Contains(name, StringComparer.Ordinal))
            {
                var v = new long[rows];
                for (var i = 0; i < rows; i++)
                    if (!NumericText.TryParseInt64(Encoding.UTF8.GetBytes(columns[c][i].Trim()), out v[i]))
                        throw new DataFormatException(path, i + 2, null, $"id field '{name}' holds '{columns[c][i]}'; expected an integer");
                ids[name] = v;
            }
            else if (name.Length > 0 && !name.StartsWith("Unnamed", StringComparison.Ordinal))
            {
                data.Add(new(name, ParseColumn(path, name, columns[c])));
            }
        }
        return new CsvTable { File = path, Rows = rows, Ids = ids, Data = data };
    }

    /// <summary>Types a column as pandas and DGL's DefaultDataParser do: bool, int64, float (stored float32), or a
    /// vector per cell (<c>"0.1,0.2"</c> or <c>"[0.1, 0.2]"</c>) giving a [rows, d] float32 tensor.</summary>
    internal static Tensor ParseColumn(string path, string name, List<string> cells)
    {
        var n = cells.Count;
        if (cells.TrueForAll(s => s.Trim() is "True" or "False" or "true" or "false" or "TRUE" or "FALSE"))
        {
            var b = new bool[n];
            for (var i = 0; i < n; i++) b[i] = cells[i].Trim().Equals("true", StringComparison.OrdinalIgnoreCase);
            return Tensor.FromArray(b);
        }
        var longs = new long[n];
        var allInt = true;
        for (var i = 0; i < n && allInt; i++) allInt = NumericText.TryParseInt64(Encoding.UTF8.GetBytes(cells[i].Trim()), out longs[i]);
        if (allInt) return Tensor.FromArray(longs);
        var floats = new float[n];
        var allFloat = true;
        for (var i = 0; i < n && allFloat; i++)
        {
            var t = cells[i].Trim();
            if (t.Length == 0) { floats[i] = float.NaN; continue; }
            allFloat = NumericText.TryParseDouble(Encoding.UTF8.GetBytes(t), out var d);
            floats[i] = (float)d;
        }
        if (allFloat) return Tensor.FromArray(floats);
        // Vector cells.
        var dim = -1;
        float[]? values = null;
        for (var i = 0; i < n; i++)
        {
            var t = cells[i].Trim().TrimStart('[', '(').TrimEnd(']', ')');
            var parts = t.Length == 0 ? [] : t.Split(',');
            if (dim < 0)
            {
                dim = parts.Length;
                values = new float[(long)n * dim];
            }
            if (parts.Length != dim)
                throw new DataFormatException(path, i + 2, null, $"column '{name}' has a vector of {parts.Length} values here and of {dim} in row 1");
            for (var k = 0; k < dim; k++)
            {
                if (!double.TryParse(parts[k].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                    throw new DataFormatException(path, i + 2, null, $"column '{name}' holds '{Truncate(cells[i])}', which is neither a number nor a list of numbers");
                values![(long)i * dim + k] = (float)d;
            }
        }
        return Tensor.FromArray(values ?? [], new Shape(n, Math.Max(dim, 0)));
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
