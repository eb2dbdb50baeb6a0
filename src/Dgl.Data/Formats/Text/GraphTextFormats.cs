using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>The files of a TU-Dortmund graph-classification set, parsed and checked, before graphs are built.</summary>
/// <remarks>Node ids are made 0-based and global (as in <c>DS_A.txt</c>); <see cref="GraphIndicator"/> maps each node to
/// its 0-based graph. Optional files are null when absent.</remarks>
internal sealed class TuRawData
{
    public required string Name { get; init; }
    public required int NumGraphs { get; init; }
    public required int NumNodes { get; init; }
    public required int[] GraphIndicator { get; init; }
    public required int[] Src { get; init; }
    public required int[] Dst { get; init; }
    public long[]? GraphLabels { get; init; }
    public NumericTable<double>? GraphAttributes { get; init; }
    public NumericTable<long>? NodeLabels { get; init; }
    public NumericTable<double>? NodeAttributes { get; init; }
    public NumericTable<long>? EdgeLabels { get; init; }
    public NumericTable<double>? EdgeAttributes { get; init; }
}

/// <summary>Reads the TU-Dortmund text format (<c>DS_A.txt</c>, <c>DS_graph_indicator.txt</c>, …).</summary>
internal static class TuFormat
{
    /// <summary>Reads data set <paramref name="name"/> from <paramref name="folder"/> (files <c>{name}_A.txt</c> etc.).</summary>
    /// <exception cref="FileNotFoundException">A required file is missing; the message names it.</exception>
    /// <exception cref="DataFormatException">A file is malformed or the files disagree in their counts.</exception>
    public static TuRawData Read(string folder, string name)
    {
        string P(string part) => Path.Combine(folder, $"{name}_{part}.txt");
        foreach (var required in new[] { "A", "graph_indicator" })
            if (!File.Exists(P(required)))
                throw new FileNotFoundException($"TU data set {name}: {P(required)} is missing; expected the TU-Dortmund files {name}_A.txt, {name}_graph_indicator.txt and {name}_graph_labels.txt in {folder}", P(required));

        var indicator = ReadInts(P("graph_indicator"), 1);
        var numNodes = indicator.Rows;
        var gi = new int[numNodes];
        long minG = long.MaxValue, maxG = long.MinValue;
        for (var i = 0; i < numNodes; i++) { minG = Math.Min(minG, indicator.Data[i]); maxG = Math.Max(maxG, indicator.Data[i]); }
        if (numNodes > 0 && (minG < 0 || maxG - minG >= int.MaxValue))
            throw new DataFormatException(P("graph_indicator"), null, null, $"graph ids range from {minG} to {maxG}; expected 1..number of graphs");
        for (var i = 0; i < numNodes; i++) gi[i] = (int)(indicator.Data[i] - minG);
        var numGraphs = numNodes == 0 ? 0 : (int)(maxG - minG + 1);

        var a = ReadInts(P("A"), 2);
        // DGL subtracts the smallest id; TU files are 1-based.
        long minId = long.MaxValue;
        for (long k = 0; k < 2L * a.Rows; k++) minId = Math.Min(minId, a.Data[k]);
        if (a.Rows == 0) minId = 1;
        var src = new int[a.Rows];
        var dst = new int[a.Rows];
        for (var e = 0; e < a.Rows; e++)
        {
            var u = a.Data[2 * e] - minId;
            var v = a.Data[2 * e + 1] - minId;
            if ((ulong)u >= (ulong)numNodes || (ulong)v >= (ulong)numNodes)
                throw new DataFormatException(P("A"), e + 1, null, $"edge ({a.Data[2 * e]}, {a.Data[2 * e + 1]}) names a node outside 1..{numNodes} (the graph indicator lists {numNodes} nodes)");
            src[e] = (int)u;
            dst[e] = (int)v;
        }

        long[]? labels = null;
        NumericTable<double>? graphAttributes = null;
        if (File.Exists(P("graph_labels")))
        {
            var t = ReadInts(P("graph_labels"), 1);
            CheckRows(P("graph_labels"), t.Rows, numGraphs, "graphs");
            labels = t.Column(0);
        }
        else if (File.Exists(P("graph_attributes")))
        {
            graphAttributes = ReadFloats(P("graph_attributes"));
            CheckRows(P("graph_attributes"), graphAttributes.Rows, numGraphs, "graphs");
        }
        else
        {
            throw new FileNotFoundException($"TU data set {name}: neither {P("graph_labels")} nor {P("graph_attributes")} exists", P("graph_labels"));
        }

        NumericTable<long>? nodeLabels = null, edgeLabels = null;
        NumericTable<double>? nodeAttributes = null, edgeAttributes = null;
        if (File.Exists(P("node_labels"))) { nodeLabels = ReadInts(P("node_labels"), -1); CheckRows(P("node_labels"), nodeLabels.Rows, numNodes, "nodes"); }
        if (File.Exists(P("node_attributes"))) { nodeAttributes = ReadFloats(P("node_attributes")); CheckRows(P("node_attributes"), nodeAttributes.Rows, numNodes, "nodes"); }
        if (File.Exists(P("edge_labels"))) { edgeLabels = ReadInts(P("edge_labels"), -1); CheckRows(P("edge_labels"), edgeLabels.Rows, a.Rows, "edges"); }
        if (File.Exists(P("edge_attributes"))) { edgeAttributes = ReadFloats(P("edge_attributes")); CheckRows(P("edge_attributes"), edgeAttributes.Rows, a.Rows, "edges"); }

        return new TuRawData
        {
            Name = name,
            NumGraphs = numGraphs,
            NumNodes = numNodes,
            GraphIndicator = gi,
            Src = src,
            Dst = dst,
            GraphLabels = labels,
            GraphAttributes = graphAttributes,
            NodeLabels = nodeLabels,
            NodeAttributes = nodeAttributes,
            EdgeLabels = edgeLabels,
            EdgeAttributes = edgeAttributes,
        };
    }

    private static void CheckRows(string file, int rows, int expected, string what)
    {
        if (rows != expected)
            throw new DataFormatException(file, null, null, $"{rows} rows; expected one per {what[..^1]} ({expected} {what})");
    }

    internal static NumericTable<long> ReadInts(string path, int columns)
    {
        using var r = LineReader.Open(path);
        return NumericText.ReadInt64(r, columns);
    }

    internal static NumericTable<double> ReadFloats(string path, int columns = -1)
    {
        using var r = LineReader.Open(path);
        return NumericText.ReadFloat64(r, columns);
    }
}

/// <summary>One graph of the DGCNN/GIN text format.</summary>
internal sealed record GinGraph(int NumNodes, long Label, long[] Tags, int[] Src, int[] Dst, double[]? Attributes, int AttributeDim);

/// <summary>Reads the DGCNN/GIN text format (<c>NAME.txt</c>) and its <c>10fold_idx</c> split files.</summary>
/// <remarks>Line 1: the number of graphs. Each graph: a line <c>n label</c>, then n lines
/// <c>tag degree nb_1 … nb_degree [attributes…]</c> with 0-based neighbours local to the graph.</remarks>
internal static class GinFormat
{
    public static List<GinGraph> Read(string path)
    {
        using var r = LineReader.Open(path);
        return Read(r);
    }

    public static List<GinGraph> Read(LineReader r)
    {
        var head = new long[2];
        var floats = new double[4096];
        if (!NextLine(r, out var line)) throw r.Error("the file is empty; expected the number of graphs on the first line");
        if (NumericText.SplitInt64(line, FieldSeparator.Whitespace, head, r) != 1 || head[0] < 0)
            throw r.Error("expected the number of graphs on the first line");
        var numGraphs = head[0];
        var graphs = new List<GinGraph>((int)Math.Min(numGraphs, 1 << 16));
        for (long g = 0; g < numGraphs; g++)
        {
            if (!NextLine(r, out line)) throw r.Error($"the file ends after {g} graphs; its first line announces {numGraphs}");
            if (NumericText.SplitInt64(line, FieldSeparator.Whitespace, head, r) != 2 || head[0] < 0 || head[0] > int.MaxValue)
                throw r.Error($"graph {g}: expected 'number_of_nodes label'");
            var n = (int)head[0];
            var label = head[1];
            // Grow as node lines arrive: a forged node count must not allocate before the lines exist.
            var tags = new List<long>();
            var src = new List<int>();
            var dst = new List<int>();
            var attrs = new List<double>();
            var dim = -1;
            for (var v = 0; v < n; v++)
            {
                if (!NextLine(r, out line)) throw r.Error($"graph {g}: the file ends at node {v} of {n}");
                // Neighbour ids are integers; trailing attributes may be floats, so the line is split as floats.
                int count;
                while ((count = NumericText.SplitDouble(line, FieldSeparator.Whitespace, floats, r)) < 0) floats = new double[floats.Length * 2];
                if (count < 2) throw r.Error($"graph {g}, node {v}: expected 'tag degree neighbours…'");
                var degree = floats[1];
                if (degree < 0 || degree != Math.Floor(degree) || degree > count - 2)
                    throw r.Error($"graph {g}, node {v}: degree {floats[1]} does not fit the {count - 2} values after it");
                if (floats[0] != Math.Floor(floats[0]) || Math.Abs(floats[0]) > 1e15)
                    throw r.Error($"graph {g}, node {v}: tag {floats[0]} is not an integer");
                tags.Add((long)floats[0]);
                var m = (int)degree;
                for (var k = 0; k < m; k++)
                {
                    var nb = floats[2 + k];
                    if (nb < 0 || nb >= n || nb != Math.Floor(nb))
                        throw r.Error($"graph {g}, node {v}: neighbour {nb} is not a node id in 0..{n - 1}");
                    src.Add(v);
                    dst.Add((int)nb);
                }
                var d = count - 2 - m;
                if (dim < 0) dim = d;
                else if (d != dim) throw r.Error($"graph {g}, node {v}: {d} attribute values; earlier nodes have {dim}");
                for (var k = 0; k < d; k++) attrs.Add(floats[2 + m + k]);
            }
            graphs.Add(new GinGraph(n, label, [.. tags], [.. src], [.. dst], dim > 0 ? [.. attrs] : null, Math.Max(dim, 0)));
        }
        return graphs;
    }

    private static bool NextLine(LineReader r, out ReadOnlySpan<byte> line)
    {
        while (r.TryReadLine(out line))
            if (!line.Trim(" \t"u8).IsEmpty) return true;
        return false;
    }

    /// <summary>Reads fold <paramref name="fold"/> (1..10) of <c>10fold_idx/{train,test}_idx-K.txt</c>.</summary>
    public static (int[] Train, int[] Test) ReadFold(string folder, int fold, int numGraphs)
    {
        int[] Read(string kind)
        {
            var path = Path.Combine(folder, "10fold_idx", $"{kind}_idx-{fold}.txt");
            using var r = LineReader.Open(path);
            var t = NumericText.ReadInt64(r, 1);
            var ids = new int[t.Rows];
            for (var i = 0; i < ids.Length; i++)
            {
                if ((ulong)t.Data[i] >= (ulong)numGraphs)
                    throw new DataFormatException(path, i + 1, null, $"graph index {t.Data[i]} is outside 0..{numGraphs - 1}");
                ids[i] = (int)t.Data[i];
            }
            return ids;
        }
        return (Read("train"), Read("test"));
    }
}

/// <summary>A plain edge list read from text.</summary>
/// <param name="Src">Source node of each edge.</param>
/// <param name="Dst">Destination node of each edge.</param>
/// <param name="Weight">The third column, when the file has one.</param>
/// <param name="NumNodes">One more than the largest node id.</param>
public sealed record EdgeList(int[] Src, int[] Dst, double[]? Weight, int NumNodes);

/// <summary>Reads plain edge lists and adjacency lists.</summary>
public static class EdgeListFile
{
    /// <summary>
    /// Reads <c>src dst [weight]</c> lines separated by whitespace, tabs or commas (gzip-compressed or not); blank
    /// lines and lines starting with <c>#</c> or <c>%</c> are skipped.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="idBase">The smallest node id in the file's numbering (1 for 1-based files); it is subtracted.</param>
    /// <param name="skipHeader">Skip the first line (a CSV header).</param>
    /// <exception cref="DataFormatException">A line is malformed (the message gives the line), or an id is below <paramref name="idBase"/>.</exception>
    public static EdgeList Read(string path, int idBase = 0, bool skipHeader = false)
    {
        using var r = LineReader.Open(path);
        var t = NumericText.ReadFloat64(r, -1, FieldSeparator.Auto, skipHeader ? 1 : 0);
        if (t.Rows > 0 && t.Columns is not (2 or 3))
            throw new DataFormatException(path, null, null, $"{t.Columns} columns; an edge list has 2 (src dst) or 3 (src dst weight)");
        var src = new int[t.Rows];
        var dst = new int[t.Rows];
        var weight = t.Columns == 3 ? new double[t.Rows] : null;
        var max = -1;
        for (var e = 0; e < t.Rows; e++)
        {
            for (var c = 0; c < 2; c++)
            {
                var v = t[e, c] - idBase;
                if (v < 0 || v >= int.MaxValue || v != Math.Floor(v))
                    throw new DataFormatException(path, null, null, $"edge {e}: node id {t[e, c]} is not an integer id ≥ {idBase}");
                if (c == 0) src[e] = (int)v;
                else dst[e] = (int)v;
                max = Math.Max(max, (int)v);
            }
            if (weight is not null) weight[e] = t[e, 2];
        }
        return new EdgeList(src, dst, weight, max + 1);
    }

    /// <summary>Reads an adjacency list (<c>node nb1 nb2 …</c> per line, as DeepWalk's examples): one edge per
    /// (node, neighbour) pair, in file order.</summary>
    /// <param name="path">The file.</param>
    /// <param name="idBase">The smallest node id in the file's numbering; it is subtracted.</param>
    public static EdgeList ReadAdjacencyList(string path, int idBase = 0)
    {
        using var r = LineReader.Open(path);
        var row = new long[1 << 16];
        var src = new List<int>();
        var dst = new List<int>();
        var max = -1;
        while (r.TryReadLine(out var line))
        {
            if (NumericText.IsCommentOrBlank(line)) continue;
            var n = NumericText.SplitInt64(line, NumericText.Detect(line), row, r);
            for (var k = 0; k < n; k++)
            {
                var v = row[k] - idBase;
                if (v < 0 || v >= int.MaxValue) throw r.Error($"node id {row[k]} is below {idBase} or too large");
                max = Math.Max(max, (int)v);
                if (k > 0) { src.Add((int)(row[0] - idBase)); dst.Add((int)v); }
            }
        }
        return new EdgeList([.. src], [.. dst], null, max + 1);
    }
}
