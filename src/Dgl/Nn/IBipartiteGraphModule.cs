using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// A graph module that also accepts separate source and destination features (DGL's <c>(feat_src, feat_dst)</c>
/// pair): the input form of a bipartite relation, such as one relation of a heterograph inside
/// <c>HeteroGraphConv</c>, where the source and destination nodes are different node types.
/// </summary>
public interface IBipartiteGraphModule : IGraphModule
{
    /// <summary>
    /// Computes destination-node features from source features <c>features.Src</c> ([NumSrcNodes, …]) and
    /// destination features <c>features.Dst</c> ([NumDstNodes, …]) on the single relation of <paramref name="graph"/>.
    /// </summary>
    Tensor Forward(Graph graph, (Tensor Src, Tensor Dst) features);
}
