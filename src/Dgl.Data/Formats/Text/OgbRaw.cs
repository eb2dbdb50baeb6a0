using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>One OGB raw folder (<c>raw/*.csv.gz</c>), checked for consistency, before graphs are built.</summary>
internal sealed class OgbRawGraph
{
    public required int[] NumNodes { get; init; }
    public required int[] NumEdges { get; init; }
    /// <summary>Edge endpoints as in <c>edge.csv.gz</c>: local to each graph for graph-property sets, global otherwise.</summary>
    public required int[] Src { get; init; }
    public required int[] Dst { get; init; }
    public Tensor? NodeFeat { get; init; }
    public Tensor? EdgeFeat { get; init; }
}

/// <summary>Reads OGB's raw CSV layout (<c>raw/</c>, <c>split/&lt;scheme&gt;/</c>), as <c>ogb.io.read_graph_raw</c> does.</summary>
internal static class OgbRaw
{
    public static OgbRawGraph ReadGraph(string rawFolder, bool perGraphLocalIds)
    {
        string P(string name) => Path.Combine(rawFolder, name + ".csv.gz");
        foreach (var required in new[] { "edge", "num-node-list", "num-edge-list" })
            if (!File.Exists(P(required)))
                throw new FileNotFoundException($"OGB raw file {P(required)} is missing; expected edge.csv.gz, num-node-list.csv.gz and num-edge-list.csv.gz in {rawFolder}", P(required));
        var numNodes = Counts(P("num-node-list"));
        var numEdges = Counts(P("num-edge-list"));
        if (numNodes.Length != numEdges.Length)
            throw new DataFormatException(P("num-edge-list"), null, null, $"{numEdges.Length} graphs; num-node-list.csv.gz has {numNodes.Length}");
        NumericTable<long> edges;
        using (var r = LineReader.Open(P("edge"))) edges = NumericText.ReadInt64(r, 2, FieldSeparator.Comma);
        long totalEdges = 0, totalNodes = 0;
        foreach (var e in numEdges) totalEdges += e;
        foreach (var n in numNodes) totalNodes += n;
        if (edges.Rows != totalEdges)
            throw new DataFormatException(P("edge"), null, null, $"{edges.Rows} edges; num-edge-list.csv.gz adds up to {totalEdges}");
        var src = new int[edges.Rows];
        var dst = new int[edges.Rows];
        var row = 0;
        for (var g = 0; g < numNodes.Length; g++)
        {
            var limit = perGraphLocalIds ? numNodes[g] : totalNodes;
            for (var k = 0; k < numEdges[g]; k++, row++)
            {
                long u = edges.Data[2L * row], v = edges.Data[2L * row + 1];
                if ((ulong)u >= (ulong)limit || (ulong)v >= (ulong)limit)
                    throw new DataFormatException(P("edge"), row + 1, null, $"edge ({u}, {v}) of graph {g} names a node outside 0..{limit - 1}");
                src[row] = (int)u;
                dst[row] = (int)v;
            }
        }
        var nodeFeat = File.Exists(P("node-feat")) ? ReadInferred(P("node-feat"), totalNodes, "nodes") : null;
        var edgeFeat = File.Exists(P("edge-feat")) ? ReadInferred(P("edge-feat"), totalEdges, "edges") : null;
        return new OgbRawGraph { NumNodes = numNodes, NumEdges = numEdges, Src = src, Dst = dst, NodeFeat = nodeFeat, EdgeFeat = edgeFeat };
    }

    private static int[] Counts(string path)
    {
        using var r = LineReader.Open(path);
        var t = NumericText.ReadInt64(r, 1);
        var c = new int[t.Rows];
        for (var i = 0; i < c.Length; i++)
        {
            if (t.Data[i] < 0 || t.Data[i] > int.MaxValue) throw new DataFormatException(path, i + 1, null, $"count {t.Data[i]} is out of range");
            c[i] = (int)t.Data[i];
        }
        return c;
    }

    /// <summary>Reads a numeric table as pandas would type it: int64 when every value is an integer, float32 otherwise
    /// (empty fields are NaN).</summary>
    public static Tensor ReadInferred(string path, long expectedRows = -1, string what = "rows")
    {
        NumericTable<double> t;
        using (var r = LineReader.Open(path)) t = NumericText.ReadFloat64(r, -1, FieldSeparator.Comma);
        if (expectedRows >= 0 && t.Rows != expectedRows)
            throw new DataFormatException(path, null, null, $"{t.Rows} rows; expected one per {what[..^1]} ({expectedRows})");
        var n = (long)t.Rows * t.Columns;
        var integral = true;
        for (long i = 0; i < n && integral; i++)
        {
            var v = t.Data[i];
            integral = v == Math.Floor(v) && Math.Abs(v) < 9e15;
        }
        Shape shape = [t.Rows, t.Columns];
        if (integral)
        {
            var l = new long[n];
            for (long i = 0; i < n; i++) l[i] = (long)t.Data[i];
            return Tensor.FromArray(l, shape);
        }
        var f = new float[n];
        for (long i = 0; i < n; i++) f[i] = (float)t.Data[i];
        return Tensor.FromArray(f, shape);
    }

    /// <summary>Reads <c>train</c>, <c>valid</c> and <c>test</c> index files of a split folder (<c>.csv.gz</c>).</summary>
    public static Dictionary<string, int[]> ReadSplit(string splitFolder, int count)
    {
        var result = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var part in new[] { "train", "valid", "test" })
        {
            var path = Path.Combine(splitFolder, part + ".csv.gz");
            if (!File.Exists(path))
                throw new FileNotFoundException($"OGB split file {path} is missing", path);
            using var r = LineReader.Open(path);
            var t = NumericText.ReadInt64(r, 1);
            var ids = new int[t.Rows];
            for (var i = 0; i < ids.Length; i++)
            {
                if ((ulong)t.Data[i] >= (ulong)count) throw new DataFormatException(path, i + 1, null, $"index {t.Data[i]} is outside 0..{count - 1}");
                ids[i] = (int)t.Data[i];
            }
            result[part] = ids;
        }
        return result;
    }
}
