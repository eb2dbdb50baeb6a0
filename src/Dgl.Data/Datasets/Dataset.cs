using System.Collections;

namespace Dgl.Data;

/// <summary>
/// A data set of one or more graphs whose nodes or edges carry the targets (node classification, link prediction),
/// as DGL's <c>DGLDataset</c> for Cora, OGB node/link sets, RDF sets: <c>dataset[0]</c> is the graph.
/// </summary>
/// <remarks>Node-classification sets put <c>feat</c>, <c>label</c> and <c>train_mask</c>/<c>val_mask</c>/<c>test_mask</c>
/// in the node data (of <see cref="PredictCategory"/> for heterogeneous sets), as DGL does.</remarks>
public class GraphDataset : IReadOnlyList<Graph>
{
    private readonly IReadOnlyList<Graph> _graphs;

    /// <summary>A data set over <paramref name="graphs"/>.</summary>
    public GraphDataset(string name, IReadOnlyList<Graph> graphs, int? numClasses = null, string? predictCategory = null)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        Name = name ?? throw new ArgumentNullException(nameof(name));
        _graphs = graphs;
        NumClasses = numClasses;
        PredictCategory = predictCategory;
    }

    /// <summary>The data set's name ("cora", "ogbl-ddi", …).</summary>
    public string Name { get; }

    /// <summary>The number of label classes, or null (regression, link prediction).</summary>
    public int? NumClasses { get; }

    /// <summary>For heterogeneous graphs: the node type that carries labels and masks; null otherwise.</summary>
    public string? PredictCategory { get; }

    /// <summary>The number of graphs.</summary>
    public int Count => _graphs.Count;

    /// <summary>Graph <paramref name="index"/>.</summary>
    public Graph this[int index] => (uint)index < (uint)_graphs.Count ? _graphs[index]
        : throw new ArgumentOutOfRangeException(nameof(index), $"{Name}: graph index {index} is out of range; the data set has {_graphs.Count} graph(s)");

    /// <summary>The first (for most such sets, the only) graph.</summary>
    public Graph Graph => this[0];

    /// <inheritdoc/>
    public IEnumerator<Graph> GetEnumerator() => _graphs.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => $"Dataset(\"{Name}\", num_graphs={Count}{(NumClasses is { } c ? $", num_classes={c}" : "")})";
}

/// <summary>
/// A graph-classification or graph-regression data set: graph <c>i</c> with its label row <c>Labels[i]</c>, as DGL's
/// <c>TUDataset</c>, <c>GINDataset</c>, <c>MiniGCDataset</c> and OGB graph-property sets.
/// </summary>
public class GraphClassificationDataset : IReadOnlyList<(Graph Graph, Tensor Label)>
{
    /// <summary>A data set over <paramref name="graphs"/> and their <paramref name="labels"/> (first dimension = graph).</summary>
    /// <exception cref="ArgumentException">The label count differs from the graph count.</exception>
    public GraphClassificationDataset(string name, IReadOnlyList<Graph> graphs, Tensor labels, int? numClasses,
        IReadOnlyDictionary<string, int[]>? split = null)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Rank == 0 || labels.Size(0) != graphs.Count)
            throw new ArgumentException($"{name}: {(labels.Rank == 0 ? 0 : labels.Size(0))} labels for {graphs.Count} graphs; expected one label row per graph", nameof(labels));
        Name = name;
        Graphs = graphs;
        Labels = labels;
        NumClasses = numClasses;
        Split = split;
    }

    /// <summary>The data set's name.</summary>
    public string Name { get; }

    /// <summary>The graphs.</summary>
    public IReadOnlyList<Graph> Graphs { get; }

    /// <summary>The labels, one row per graph (int64 classes, or float32 targets).</summary>
    public Tensor Labels { get; }

    /// <summary>The number of classes, or null for regression.</summary>
    public int? NumClasses { get; }

    /// <summary>The number of prediction targets per graph (columns of a 2-D label tensor, else 1).</summary>
    public int NumTasks => Labels.Rank > 1 ? Labels.Size(1) : 1;

    /// <summary>A standard split of graph indices ("train", "valid", "test"), when the source defines one.</summary>
    public IReadOnlyDictionary<string, int[]>? Split { get; }

    /// <summary>The number of graphs.</summary>
    public int Count => Graphs.Count;

    /// <summary>Graph <paramref name="index"/> and its label row.</summary>
    public (Graph Graph, Tensor Label) this[int index] => (uint)index < (uint)Graphs.Count ? (Graphs[index], Labels[index])
        : throw new ArgumentOutOfRangeException(nameof(index), $"{Name}: graph index {index} is out of range; the data set has {Graphs.Count} graphs");

    /// <inheritdoc/>
    public IEnumerator<(Graph Graph, Tensor Label)> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => $"Dataset(\"{Name}\", num_graphs={Count}{(NumClasses is { } c ? $", num_classes={c}" : "")})";
}
