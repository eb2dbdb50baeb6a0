using System.Globalization;
using Dgl.Data;
using Dgl.Tensors.IO;

namespace Dgl.Cli.Data;

/// <summary>Reads a user's own graph: a DGL CSVDataset folder, a saved graph file, or an edge list with feature and label files.</summary>
internal static class UserData
{
    /// <summary>Loads <paramref name="path"/>: a folder with <c>meta.yaml</c> (CSVDataset) or a graph file written by <c>SaveGraphs</c>.</summary>
    /// <returns>A <see cref="GraphDataset"/> (node/link tasks) or a <see cref="GraphClassificationDataset"/> (labelled graphs).</returns>
    public static (object Source, string Name) FromPath(string path)
    {
        if (Directory.Exists(path))
        {
            if (!File.Exists(Path.Combine(path, "meta.yaml")))
                throw new CliException($"--data {path}: no meta.yaml in the folder; a CSVDataset folder holds meta.yaml plus its node/edge CSV files");
            var ds = DataLoading.Guard(() => new CSVDataset(path));
            if (ds.Labels is { } labels && ds.Count > 1)
            {
                var lab = labels.Rank == 2 && labels.Size(1) == 1 ? labels.Reshape(labels.Size(0)) : labels;
                return (new GraphClassificationDataset(ds.Name, [.. ds], lab.Long(), null), ds.Name);
            }
            return (ds, ds.Name);
        }
        if (File.Exists(path))
        {
            var (graphs, labels) = DataLoading.Guard(() => GraphSerialization.LoadGraphs(path));
            var name = Path.GetFileNameWithoutExtension(path);
            if (graphs.Count > 1 && labels.Count > 0)
            {
                var lab = labels.TryGetValue("labels", out var l) ? l : labels.TryGetValue("label", out var l2) ? l2 : labels.Values.First();
                if (lab.Rank == 2 && lab.Size(1) == 1) lab = lab.Reshape(lab.Size(0));
                return (new GraphClassificationDataset(name, graphs, lab.Long(), null), name);
            }
            return (new GraphDataset(name, graphs), name);
        }
        throw new CliException($"--data {path}: no such file or folder");
    }

    /// <summary>
    /// A one-graph data set from an edge list (<c>src dst</c> per line, whitespace or comma separated, an optional
    /// header), node features (<c>.npy</c> [N, F] or a numeric CSV, one row per node) and node labels (<c>.npy</c>, one
    /// integer per line, or <c>node,label</c> rows).
    /// </summary>
    public static GraphDataset FromEdgeList(string edges, string? features, string? labels)
    {
        if (!File.Exists(edges)) throw new CliException($"--edges {edges}: file not found");
        var list = DataLoading.Guard(() => EdgeListFile.Read(edges, 0, HasHeader(edges)));
        var n = list.NumNodes;
        Tensor? feat = null;
        if (features is not null)
        {
            feat = ReadMatrix(features);
            if (feat.Size(0) < n)
                throw new CliException($"--features {features}: {feat.Size(0)} rows but the edge list names node {n - 1}; expected one row per node");
            n = feat.Size(0);
        }
        long[]? lab = null;
        if (labels is not null)
        {
            lab = ReadLabels(labels, n);
            if (features is null) n = Math.Max(n, lab.Length);
            else if (lab.Length != n)
                throw new CliException($"--labels {labels}: {lab.Length} labels for {n} nodes; expected one per node");
        }
        var g = Graph.Create(list.Src, list.Dst, n);
        if (feat is not null) g.NData["feat"] = feat;
        if (lab is not null)
        {
            if (lab.Length < n)
                throw new CliException($"--labels {labels}: {lab.Length} labels for {n} nodes; expected one per node");
            g.NData["label"] = Tensor.FromArray(lab);
        }
        return new GraphDataset(Path.GetFileNameWithoutExtension(edges), [g]);
    }

    private static bool HasHeader(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            var t = line.Trim();
            if (t.Length == 0 || t[0] is '#' or '%') continue;
            return t.Any(char.IsLetter);
        }
        return false;
    }

    /// <summary>A float32 matrix from <c>.npy</c> or a numeric text/CSV file (header line allowed).</summary>
    public static Tensor ReadMatrix(string path)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: file not found");
        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            var t = DataLoading.Guard(() => Npy.Load(path)).Float();
            return t.Rank switch
            {
                1 => t.Reshape(t.Size(0), 1),
                2 => t,
                _ => throw new CliException($"{path}: an array of shape {t.Shape}; expected a [nodes, features] matrix"),
            };
        }
        var rows = new List<float[]>();
        var lineNo = 0;
        var width = -1;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            var t = line.Trim();
            if (t.Length == 0 || t[0] == '#') continue;
            var cells = Split(t);
            if (rows.Count == 0 && width < 0 && cells.Any(c => !double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            {
                width = 0; // a header line
                continue;
            }
            var row = new float[cells.Length];
            for (var i = 0; i < cells.Length; i++)
            {
                if (!float.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out row[i]))
                    throw new CliException($"{path}:{lineNo}: '{cells[i]}' is not a number (column {i + 1})");
            }
            if (rows.Count > 0 && row.Length != rows[0].Length)
                throw new CliException($"{path}:{lineNo}: {row.Length} columns; the first row has {rows[0].Length}");
            rows.Add(row);
        }
        if (rows.Count == 0) throw new CliException($"{path}: no rows");
        var w = rows[0].Length;
        var data = new float[rows.Count * w];
        for (var r = 0; r < rows.Count; r++) rows[r].CopyTo(data, r * w);
        return Tensor.FromArray(data, new Shape(rows.Count, w));
    }

    /// <summary>Integer labels from <c>.npy</c>, one per line, or <c>node,label</c> rows (header allowed).</summary>
    public static long[] ReadLabels(string path, int numNodes)
    {
        if (!File.Exists(path)) throw new CliException($"--labels {path}: file not found");
        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            var t = DataLoading.Guard(() => Npy.Load(path));
            var v = t.Long().ToArray<long>();
            for (var i = 0; i < v.Length; i++)
                if (v[i] < 0) throw new CliException($"--labels {path}: label {v[i]} of node {i} is out of range; expected a class id 0 or more");
            return v;
        }
        var pairs = new List<(long Node, long Label, int Line)>();
        var single = new List<long>();
        var lineNo = 0;
        var first = true;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            var t = line.Trim();
            if (t.Length == 0 || t[0] == '#') continue;
            var cells = Split(t);
            var ok = cells.All(c => long.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));
            if (first && !ok && cells.Any(c => c.Any(char.IsLetter)))
            {
                first = false;
                continue; // header
            }
            first = false;
            if (!ok || cells.Length is not (1 or 2))
                throw new CliException($"{path}:{lineNo}: '{t}' is not a label row; expected one integer class per line, or 'node,label'");
            var vals = cells.Select(c => long.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            var label = vals[^1];
            if (label < 0) throw new CliException($"{path}:{lineNo}: label {label} is out of range; expected a class id 0 or more");
            if (cells.Length == 2)
            {
                if (vals[0] < 0 || vals[0] >= Math.Max(numNodes, int.MaxValue / 2))
                    throw new CliException($"{path}:{lineNo}: node {vals[0]} is out of range");
                pairs.Add((vals[0], label, lineNo));
            }
            else
            {
                single.Add(label);
            }
        }
        if (pairs.Count > 0 && single.Count > 0)
            throw new CliException($"{path}: mixes 'label' and 'node,label' rows; use one form");
        if (pairs.Count == 0) return [.. single];
        var n = (int)Math.Max(numNodes, pairs.Max(p => p.Node) + 1);
        var result = new long[n];
        var seen = new bool[n];
        foreach (var (node, label, line) in pairs)
        {
            if (seen[node]) throw new CliException($"{path}:{line}: node {node} is labelled twice");
            seen[node] = true;
            result[node] = label;
        }
        var missing = Array.IndexOf(seen, false);
        if (missing >= 0) throw new CliException($"{path}: node {missing} has no label; expected one row per node");
        return result;
    }

    private static string[] Split(string line) =>
        line.Split(line.Contains(',', StringComparison.Ordinal) ? [','] : [' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
