using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Graph readout by mean (DGL's <c>AvgPooling</c>): the mean over the nodes of each graph: r = (1/N) Σ_k x_k, one row per graph of a batched graph
/// (<see cref="Graph.Batch"/>); a single graph gives one row. An empty graph reads out as 0.
/// </summary>
/// <remarks>No parameters. One fused segment reduction over the batch's node counts (DGL's <c>mean_nodes</c>), with autograd.</remarks>
/// <example>
/// <code>
/// var bg = Graph.Batch([Graph.Create(new[] { 0, 1 }, new[] { 1, 2 }), Graph.Create(new[] { 0 }, new[] { 1 })]);
/// var r = new AvgPooling().Forward(bg, Tensor.Ones(5, 8));   // [2, 8]
/// </code>
/// </example>
public sealed class AvgPooling : Module
{
    /// <summary>Reads out each graph of <paramref name="graph"/>'s batch.</summary>
    /// <param name="graph">A graph or a batch of graphs, with one node type.</param>
    /// <param name="features">Node features [N, …] (float32/float64).</param>
    /// <returns>[BatchSize, …].</returns>
    /// <exception cref="TensorShapeException">The features do not have one row per node.</exception>
    public Tensor Forward(Graph graph, Tensor features) => ReadoutSupport.Reduce(graph, features, ReduceOp.Mean, nameof(AvgPooling));
}
