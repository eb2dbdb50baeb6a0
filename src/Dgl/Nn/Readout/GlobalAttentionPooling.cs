using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Global attention pooling (Li et al., "Gated Graph Sequence Neural Networks", DGL's
/// <c>GlobalAttentionPooling</c>): r = Σ_k softmax_k(f_gate(x_k)) · f_feat(x_k) over the nodes of each graph, with
/// the softmax taken within each graph.
/// </summary>
/// <remarks>f_gate must output one value per node ([N, 1]); f_feat is optional (identity when null). The softmax is
/// one fused segment softmax and the sum one segment reduction, both over the batch's node counts.</remarks>
/// <example>
/// <code>
/// var pool = new GlobalAttentionPooling(new Linear(16, 1), new Linear(16, 32));
/// var r = pool.Forward(batchedGraph, h);   // [BatchSize, 32]
/// </code>
/// </example>
public sealed class GlobalAttentionPooling : Module
{
    /// <summary>Creates the readout.</summary>
    /// <param name="gateNn">f_gate: [N, D] → [N, 1].</param>
    /// <param name="featNn">f_feat, or null for the identity.</param>
    public GlobalAttentionPooling(Module<Tensor, Tensor> gateNn, Module<Tensor, Tensor>? featNn = null)
    {
        ArgumentNullException.ThrowIfNull(gateNn);
        GateNn = RegisterModule("gate_nn", gateNn);
        if (featNn is not null) FeatNn = RegisterModule("feat_nn", featNn);
    }

    /// <summary>f_gate.</summary>
    public Module<Tensor, Tensor> GateNn { get; }

    /// <summary>f_feat, or null.</summary>
    public Module<Tensor, Tensor>? FeatNn { get; }

    /// <summary>Reads out each graph of the batch: [BatchSize, …].</summary>
    public Tensor Forward(Graph graph, Tensor features) => ForwardWithAttention(graph, features).Readout;

    /// <summary>The readout and the attention weights [N, 1] (DGL's <c>get_attention=True</c>).</summary>
    /// <exception cref="TensorShapeException">f_gate does not output [N, 1].</exception>
    public (Tensor Readout, Tensor Attention) ForwardWithAttention(Graph graph, Tensor features)
    {
        var offsets = ReadoutSupport.NodeOffsets(graph, features, nameof(GlobalAttentionPooling));
        var gate = GateNn.Forward(features);
        if (gate.Rank < 1 || gate.Size(-1) != 1 || gate.Size(0) != features.Size(0))
            throw new TensorShapeException($"{nameof(GlobalAttentionPooling)}: the output of gateNn has shape {gate.Shape}; it should have size 1 at the last axis");
        var feat = FeatNn is null ? features : FeatNn.Forward(features);
        var attention = SparseOps.SegmentSoftmax(offsets, gate);
        return (SparseOps.SegmentReduce(offsets, feat * attention, ReduceOp.Sum), attention);
    }
}
