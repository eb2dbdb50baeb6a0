using System.Collections;

namespace Dgl.Data;

/// <summary>
/// Mini-batches for graph classification, as DGL's <c>GraphDataLoader</c>: each batch is the
/// <see cref="Graph.Batch"/> of its graphs and their label rows stacked into one tensor.
/// </summary>
/// <remarks>With <c>shuffle</c>, each pass over the loader draws a new order from the seed and the pass number, so
/// epochs differ from one another but a run with the same seed repeats exactly.</remarks>
/// <example>
/// <code>
/// var loader = new GraphDataLoader(new GINDataset("MUTAG", selfLoop: true), batchSize: 32, shuffle: true, seed: 0);
/// foreach (var (batch, labels) in loader) { /* batch.BatchSize graphs, labels [B] */ }
/// </code>
/// </example>
public sealed class GraphDataLoader : IEnumerable<(Graph Graph, Tensor Labels)>
{
    private readonly IReadOnlyList<(Graph Graph, Tensor Label)> _data;
    private readonly IReadOnlyList<int>? _indices;
    private int _epoch;

    /// <summary>A loader over <paramref name="data"/> (or the subset <paramref name="indices"/> of it).</summary>
    /// <param name="data">Graphs with their labels (a <see cref="GraphClassificationDataset"/>, for instance).</param>
    /// <param name="batchSize">Graphs per batch.</param>
    /// <param name="shuffle">Visit the graphs in a new random order each pass.</param>
    /// <param name="seed">Seed of the shuffling.</param>
    /// <param name="dropLast">Drop a last batch smaller than <paramref name="batchSize"/>.</param>
    /// <param name="indices">Graph indices to iterate over (a training split); all graphs when null.</param>
    public GraphDataLoader(IReadOnlyList<(Graph Graph, Tensor Label)> data, int batchSize = 1, bool shuffle = false, int seed = 0, bool dropLast = false, IReadOnlyList<int>? indices = null)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (indices is not null)
            foreach (var i in indices)
                if ((uint)i >= (uint)data.Count)
                    throw new ArgumentOutOfRangeException(nameof(indices), $"GraphDataLoader: index {i} is out of range for {data.Count} graphs");
        _indices = indices;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
    }

    /// <summary>Graphs per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each pass shuffles.</summary>
    public bool Shuffle { get; }

    /// <summary>The shuffling seed.</summary>
    public int Seed { get; }

    /// <summary>Whether a short last batch is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>The number of batches per pass.</summary>
    public int Count
    {
        get
        {
            var n = _indices?.Count ?? _data.Count;
            return DropLast ? n / BatchSize : (n + BatchSize - 1) / BatchSize;
        }
    }

    /// <inheritdoc/>
    public IEnumerator<(Graph Graph, Tensor Labels)> GetEnumerator()
    {
        var order = (_indices ?? Enumerable.Range(0, _data.Count).ToArray()).ToArray();
        if (Shuffle)
        {
            var rng = new Random(HashCode.Combine(Seed, _epoch++));
            for (var i = order.Length - 1; i > 0; i--)
            {
                var j = rng.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        for (var start = 0; start < order.Length; start += BatchSize)
        {
            var count = Math.Min(BatchSize, order.Length - start);
            if (count < BatchSize && DropLast) yield break;
            var graphs = new Graph[count];
            var labels = new Tensor[count];
            for (var k = 0; k < count; k++) (graphs[k], labels[k]) = _data[order[start + k]];
            yield return (Graph.Batch(graphs), Stack(labels));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Stacks label rows of one shape and dtype into [count, ...].</summary>
    private static Tensor Stack(Tensor[] rows)
    {
        var first = rows[0];
        var dims = new int[first.Rank + 1];
        dims[0] = rows.Length;
        first.Shape.AsSpan().CopyTo(dims.AsSpan(1));
        var result = Tensor.Empty(new Shape(dims), first.DType);
        var width = first.NumElements;
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i].Shape != first.Shape || rows[i].DType != first.DType)
                throw new InvalidOperationException($"GraphDataLoader: label {i} of the batch has shape {rows[i].Shape} and dtype {rows[i].DType}; the first has {first.Shape} and {first.DType}");
            rows[i].CopyToFlat(result, i * width);
        }
        return result;
    }
}
