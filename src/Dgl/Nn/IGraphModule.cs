using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// A module that maps node features on a graph (or on a block, a message-flow graph) to new node features: the
/// shape every GNN layer shares, so that layers can be stacked by <c>Sequential</c>-style containers, by the
/// examples and by the <c>dgl</c> command without knowing the concrete layer.
/// </summary>
/// <remarks>
/// On a block, the features passed to <see cref="Forward"/> hold the source nodes' features and the result has one row per
/// destination node (the destination nodes are the first <c>NumDstNodes</c> source nodes).
/// </remarks>
public interface IGraphModule
{
    /// <summary>Computes new node features from <paramref name="features"/> ([N, …]) on <paramref name="graph"/>.</summary>
    Tensor Forward(Graph graph, Tensor features);
}
