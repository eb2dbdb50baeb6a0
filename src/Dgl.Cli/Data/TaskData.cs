using Dgl.Cli.Config;
using Dgl.Data;

namespace Dgl.Cli.Data;

/// <summary>What a training run needs from its data, whatever the task: a name, statistics for the report.</summary>
internal abstract class TaskData
{
    /// <summary>The data set's name.</summary>
    public required string Name { get; init; }

    /// <summary>The task this data is prepared for.</summary>
    public abstract TaskKind Task { get; }

    /// <summary>Input feature width.</summary>
    public abstract int NumFeatures { get; }

    /// <summary>Numbers for the report and <c>dgl info</c>: nodes, edges, features, classes, split sizes.</summary>
    public abstract IReadOnlyList<KeyValuePair<string, string>> Statistics();

    /// <summary>The in-degree of every node (of every graph), for the degree histogram.</summary>
    public abstract int[] InDegrees();
}

/// <summary>Node classification on one homogeneous graph (heterogeneous sources are converted, relation kept in <c>etype</c>).</summary>
internal sealed class NodeTaskData : TaskData
{
    public required Graph Graph { get; init; }
    /// <summary>Node features [N, F] float32, or null when the data has none (the model then learns an embedding per node).</summary>
    public required Tensor? Features { get; init; }
    public required Tensor Labels { get; init; }
    public required int NumClasses { get; init; }
    public required int[] TrainIdx { get; init; }
    public required int[] ValIdx { get; init; }
    public required int[] TestIdx { get; init; }

    /// <summary>Edge relation ids (int32, one per edge) when the source was heterogeneous; null otherwise.</summary>
    public Tensor? EdgeTypes { get; init; }

    /// <summary>The number of relations (1 for a homogeneous source).</summary>
    public int NumRelations { get; init; } = 1;

    public override TaskKind Task => TaskKind.Node;

    public override int NumFeatures => Features?.Size(1) ?? 0;

    public override IReadOnlyList<KeyValuePair<string, string>> Statistics() =>
    [
        new("nodes", Graph.NumNodes().ToString("N0", Fmt.Culture)),
        new("edges", Graph.NumEdges().ToString("N0", Fmt.Culture)),
        new("features", Features is null ? "none (a learned embedding per node)" : NumFeatures.ToString("N0", Fmt.Culture)),
        new("classes", NumClasses.ToString(Fmt.Culture)),
        .. NumRelations > 1 ? [new KeyValuePair<string, string>("relations", NumRelations.ToString(Fmt.Culture))] : Array.Empty<KeyValuePair<string, string>>(),
        new("train / val / test nodes", $"{TrainIdx.Length:N0} / {ValIdx.Length:N0} / {TestIdx.Length:N0}"),
    ];

    public override int[] InDegrees() => Graph.InDegrees().Int().ToArray<int>();
}

/// <summary>Link prediction: a graph of training edges and held-out positive/negative pairs.</summary>
internal sealed class LinkTaskData : TaskData
{
    public required Graph TrainGraph { get; init; }
    /// <summary>Node features [N, F] float32, or null (a learned embedding per node).</summary>
    public required Tensor? Features { get; init; }
    public required EdgePairs ValEdges { get; init; }
    public required EdgePairs TestEdges { get; init; }
    public override TaskKind Task => TaskKind.Link;

    public override int NumFeatures => Features?.Size(1) ?? 0;

    public override IReadOnlyList<KeyValuePair<string, string>> Statistics() =>
    [
        new("nodes", TrainGraph.NumNodes().ToString("N0", Fmt.Culture)),
        new("training edges", TrainGraph.NumEdges().ToString("N0", Fmt.Culture)),
        new("features", Features is null ? "none (a learned embedding per node)" : NumFeatures.ToString("N0", Fmt.Culture)),
        new("val pairs (pos / neg)", $"{ValEdges.Positive.Src.NumElements:N0} / {ValEdges.Negative.Src.NumElements:N0}"),
        new("test pairs (pos / neg)", $"{TestEdges.Positive.Src.NumElements:N0} / {TestEdges.Negative.Src.NumElements:N0}"),
    ];

    public override int[] InDegrees() => TrainGraph.InDegrees().Int().ToArray<int>();
}

/// <summary>Graph classification: graphs with node features already prepared (<c>x</c>) and one class each.</summary>
internal sealed class GraphTaskData : TaskData
{
    /// <summary>The graphs, each with node data <c>x</c> (float32 [nodes, NumFeatures]).</summary>
    public required IReadOnlyList<Graph> Graphs { get; init; }
    public required long[] Labels { get; init; }
    public required int NumClasses { get; init; }
    public required int[] TrainIdx { get; init; }
    public required int[] ValIdx { get; init; }
    public required int[] TestIdx { get; init; }
    public required int FeatureWidth { get; init; }

    /// <summary>How node features were made ("feat", "one-hot node_labels", "degree"…), for the report.</summary>
    public required string FeatureSource { get; init; }

    public override TaskKind Task => TaskKind.Graph;

    public override int NumFeatures => FeatureWidth;

    public override IReadOnlyList<KeyValuePair<string, string>> Statistics()
    {
        long nodes = 0, edges = 0;
        foreach (var g in Graphs)
        {
            nodes += g.NumNodes();
            edges += g.NumEdges();
        }
        return
        [
            new("graphs", Graphs.Count.ToString("N0", Fmt.Culture)),
            new("nodes (total / mean)", $"{nodes:N0} / {(double)nodes / Math.Max(1, Graphs.Count):F1}"),
            new("edges (total / mean)", $"{edges:N0} / {(double)edges / Math.Max(1, Graphs.Count):F1}"),
            new("features", $"{FeatureWidth} ({FeatureSource})"),
            new("classes", NumClasses.ToString(Fmt.Culture)),
            new("train / val / test graphs", $"{TrainIdx.Length:N0} / {ValIdx.Length:N0} / {TestIdx.Length:N0}"),
        ];
    }

    public override int[] InDegrees() => [.. Graphs.SelectMany(g => g.InDegrees().Int().ToArray<int>())];
}

/// <summary>Invariant-culture formatting shared by the CLI's text output.</summary>
internal static class Fmt
{
    public static IFormatProvider Culture => System.Globalization.CultureInfo.InvariantCulture;

    /// <summary>A metric or loss with 4 decimals.</summary>
    public static string F4(double v) => double.IsNaN(v) ? "-" : v.ToString("F4", Culture);

    /// <summary>Seconds as "1.2s" or "3m05s".</summary>
    public static string Seconds(double s) => s < 60 ? s.ToString("F1", Culture) + "s"
        : $"{(int)(s / 60)}m{(int)(s % 60):00}s";
}
