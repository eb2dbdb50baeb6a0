using System.CommandLine;
using Dgl.Cli.Data;
using Dgl.Cli.Training;
using Dgl.Data;

namespace Dgl.Cli.Commands;

/// <summary><c>dgl info PATH</c>: statistics of a saved graph file, a CSVDataset folder or an edge list.</summary>
internal static class InfoCommand
{
    public static Command Create(CliConsole io)
    {
        var path = new Argument<string>("path") { Description = "a graph file (.dglnet), a CSVDataset folder, or an edge list" };
        var cmd = new Command("info", "Print a graph's statistics: nodes and edges per type, degree statistics, features.");
        cmd.Arguments.Add(path);
        cmd.SetAction(p =>
        {
            var target = p.GetValue(path)!;
            object source;
            if (Directory.Exists(target) || (File.Exists(target) && IsGraphFile(target)))
                source = UserData.FromPath(target).Source;
            else if (File.Exists(target))
                source = UserData.FromEdgeList(target, null, null);
            else
                throw new CliException($"{target}: no such file or folder");
            foreach (var line in Describe(source)) io.Out.WriteLine(line);
            return 0;
        });
        return cmd;
    }

    private static bool IsGraphFile(string path)
    {
        try
        {
            _ = GraphSerialization.GraphCount(path);
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Lines describing a loaded data set: graph count, node and edge counts per type, degrees, node/edge data.</summary>
    public static IEnumerable<string> Describe(object source)
    {
        IReadOnlyList<Graph> graphs = source switch
        {
            GraphDataset d => [.. d],
            GraphClassificationDataset c => c.Graphs,
            _ => [],
        };
        if (source is GraphClassificationDataset gc)
            yield return $"{gc.Name}: {gc.Count:N0} graphs, {gc.NumClasses?.ToString(Fmt.Culture) ?? "no"} classes, labels {gc.Labels.Shape}";
        else if (source is GraphDataset gd)
            yield return $"{gd.Name}: {gd.Count:N0} graph(s){(gd.NumClasses is { } k ? $", {k} classes" : "")}";
        if (graphs.Count == 0) yield break;
        var g = graphs.Count == 1 ? graphs[0] : Graph.Batch(graphs, [], []);
        if (graphs.Count > 1) yield return $"all graphs together: {g.NumNodes():N0} nodes, {g.NumEdges():N0} edges ({(double)g.NumNodes() / graphs.Count:F1} nodes and {(double)g.NumEdges() / graphs.Count:F1} edges per graph)";
        foreach (var nt in g.NodeTypes)
        {
            var data = graphs[0].Nodes[nt].Data;
            var feats = string.Join(", ", data.Keys.Select(k => $"{k} {data[k].DType.Name()}{ShapeTail(data[k])}"));
            yield return $"node type {nt}: {g.NumNodes(nt):N0} nodes{(feats.Length > 0 ? "; data: " + feats : "")}";
        }
        foreach (var et in g.CanonicalEdgeTypes)
        {
            var deg = g.InDegrees(etype: et).Int().ToArray<int>();
            var data = graphs[0].Edges[et].Data;
            var feats = string.Join(", ", data.Keys.Select(k => $"{k} {data[k].DType.Name()}{ShapeTail(data[k])}"));
            var mean = deg.Length == 0 ? 0 : deg.Average();
            yield return $"edge type {et}: {g.NumEdges(et):N0} edges; in-degree min {(deg.Length == 0 ? 0 : deg.Min())}, mean {mean:F2}, max {(deg.Length == 0 ? 0 : deg.Max())}{(feats.Length > 0 ? "; data: " + feats : "")}";
        }
        if (g.IsHomogeneous && g.NumNodes() > 0)
        {
            var indeg = g.InDegrees().Int().ToArray<int>();
            var outdeg = g.OutDegrees().Int().ToArray<int>();
            yield return $"degrees: in min/mean/max {indeg.Min()}/{indeg.Average():F2}/{indeg.Max()}, out min/mean/max {outdeg.Min()}/{outdeg.Average():F2}/{outdeg.Max()}; isolated nodes {indeg.Zip(outdeg).Count(x => x.First == 0 && x.Second == 0):N0}";
        }
    }

    private static string ShapeTail(Tensor t) => t.Rank <= 1 ? "" : " [" + string.Join(", ", Enumerable.Range(1, t.Rank - 1).Select(i => t.Size(i))) + "]";
}
