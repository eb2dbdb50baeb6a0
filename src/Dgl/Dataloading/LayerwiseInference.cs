using Dgl.Tensors;
using Dgl.Tensors.Autograd;

namespace Dgl.Dataloading;

/// <summary>
/// Exact full-neighbour inference for every node of a graph, one layer at a time (the <c>inference</c> method of
/// DGL's GraphSAGE mini-batch example): computing all nodes' layer-l outputs from all nodes' layer-(l−1) outputs
/// costs one pass over the edges per layer, where per-node multi-layer inference would recompute shared
/// neighbourhoods exponentially often.
/// </summary>
public static class LayerwiseInference
{
    /// <summary>
    /// For each layer l = 0..numLayers−1 and each batch of <paramref name="batchSize"/> consecutive nodes, builds the
    /// full in-neighbour block of the batch (<see cref="MultiLayerFullNeighborSampler"/> with one layer) and stores
    /// <c>layer(l, block, h[block sources])</c> as the batch's rows of the next h; h starts as
    /// <paramref name="features"/>. Runs without recording gradients.
    /// </summary>
    /// <param name="g">A graph with one node type and one edge type.</param>
    /// <param name="features">Input features, one row per node.</param>
    /// <param name="numLayers">Layers of the model.</param>
    /// <param name="layer">Layer l applied to a block and its source nodes' inputs; returns one row per destination
    /// node (apply the activation and dropout between layers inside it, as the model's forward does).</param>
    /// <param name="batchSize">Destination nodes per block.</param>
    /// <param name="numWorkers">Background threads building the blocks.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The last layer's output for every node.</returns>
    /// <exception cref="TensorShapeException">The features do not have one row per node, or a layer returns the
    /// wrong number of rows or a different width from batch to batch.</exception>
    public static Tensor Run(Graph g, Tensor features, int numLayers, Func<int, Graph, Tensor, Tensor> layer, int batchSize = 4096, int numWorkers = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 1);
        if (g.NodeTypes.Count != 1 || g.NumRelations != 1)
            throw new ArgumentException($"LayerwiseInference: the graph has {g.NodeTypes.Count} node types and {g.NumRelations} edge types; it needs one of each", nameof(g));
        var n = g.NumNodes();
        if (features.Rank < 1 || features.Size(0) != n)
            throw new TensorShapeException($"LayerwiseInference: features have shape {features.Shape} but the graph has {n} nodes");
        using var noGrad = GradMode.NoGrad();
        var sampler = new MultiLayerFullNeighborSampler(1);
        using var loader = new DataLoader<BlockBatch>(g, IdArray.Wrap(CsrBuilder.Identity(n)), sampler, batchSize, numWorkers: numWorkers, seed: 0);
        var h = features;
        for (var l = 0; l < numLayers; l++)
        {
            Tensor? next = null;
            foreach (var batch in loader.Enumerate(cancellationToken))
            {
                var block = batch.Blocks[0];
                var output = batch.OutputNodes;
                var x = h.IndexSelect(0, batch.InputNodes);
                var y = layer(l, block, x);
                if (y.Rank < 1 || y.Size(0) != output.NumElements)
                    throw new TensorShapeException($"LayerwiseInference: layer {l} returned shape {y.Shape} for a block with {output.NumElements} destination nodes");
                if (next is null)
                {
                    var dims = y.Shape.ToArray();
                    dims[0] = n;
                    next = Tensor.Empty(new Shape(dims), y.DType);
                }
                else if (!y.Shape.AsSpan()[1..].SequenceEqual(next.Shape.AsSpan()[1..]))
                {
                    throw new TensorShapeException($"LayerwiseInference: layer {l} returned rows of shape {y.Shape} after rows of shape {next.Shape} (all nodes)");
                }
                // The batch's destination nodes are consecutive (no shuffle): copy into their rows.
                var first = output.ToArray<int>()[0];
                next.Slice(first, first + output.NumElements).CopyFrom(y);
            }
            h = next!;
        }
        return h;
    }
}
