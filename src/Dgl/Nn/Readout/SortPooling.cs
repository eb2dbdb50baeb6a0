using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Sort pooling (Zhang et al., "An End-to-End Deep Learning Architecture for Graph Classification", DGL's
/// <c>SortPooling</c>): each node's features are sorted ascending, the nodes of each graph are ordered by their
/// largest (last) value, descending, and the first k nodes' rows are concatenated: [B, k·D]. A graph with fewer than k
/// nodes is padded with zero rows.
/// </summary>
/// <remarks>No parameters. Ties keep node order. Gradients flow to the selected elements.</remarks>
/// <example>
/// <code>
/// var bg = Graph.Batch([Graph.Create(new[] { 0, 1 }, new[] { 1, 2 }), Graph.Create(new[] { 0 }, new[] { 1 })]);
/// var r = new SortPooling(2).Forward(bg, Tensor.Randn([5, 4]));   // [2, 8]
/// </code>
/// </example>
public sealed class SortPooling : Module
{
    /// <summary>Creates the readout.</summary>
    /// <param name="k">Nodes kept per graph.</param>
    public SortPooling(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        K = k;
    }

    /// <summary>Nodes kept per graph.</summary>
    public int K { get; }

    /// <summary>Reads out each graph of the batch.</summary>
    /// <param name="graph">A graph or batch with one node type.</param>
    /// <param name="features">[N, D].</param>
    /// <returns>[BatchSize, K·D].</returns>
    public Tensor Forward(Graph graph, Tensor features)
    {
        var offsets = ReadoutSupport.NodeOffsets(graph, features, nameof(SortPooling));
        if (features.Rank != 2)
            throw new TensorShapeException($"{nameof(SortPooling)}: features have shape {features.Shape}; expected [N, D]");
        var n = features.Size(0);
        var d = features.Size(1);
        var sorted = features.Sort(-1).Values;
        var last = sorted.Detach().To(DType.Float64).ToArray<double>();
        var batch = offsets.Length - 1;
        // Row index n is an appended zero row (the padding).
        var index = new int[batch * K];
        var order = new int[n];
        for (var b = 0; b < batch; b++)
        {
            var start = (int)offsets[b];
            var count = (int)(offsets[b + 1] - offsets[b]);
            for (var i = 0; i < count; i++) order[i] = start + i;
            var keys = order.AsSpan(0, count);
            // Stable descending by the largest value (the last column after the sort).
            keys.Sort((x, y) => last[y * d + d - 1].CompareTo(last[x * d + d - 1]) is var c && c != 0 ? c : x.CompareTo(y));
            for (var i = 0; i < K; i++) index[b * K + i] = i < count ? keys[i] : n;
        }
        var padded = Tensor.Cat([sorted, Tensor.Zeros(new Shape(1, d), features.DType)], 0);
        return padded.IndexSelect(0, Tensor.FromArray(index)).Reshape(batch, K * d);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"k={K}";
}
