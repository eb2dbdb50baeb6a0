using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Weighted sum readout (DGL's <c>WeightAndSum</c>, from DGL-LifeSci): r = Σ_k σ(w·x_k + b) · x_k over the nodes of
/// each graph, with a learned per-node weight from a Linear(inFeats → 1) and a sigmoid.
/// </summary>
/// <remarks>The Linear is initialised as PyTorch's (U(±1/√in)); its state-dict key is <c>atom_weighting.0</c>.</remarks>
/// <example>
/// <code>
/// var r = new WeightAndSum(16).Forward(batchedGraph, h);   // [BatchSize, 16]
/// </code>
/// </example>
public sealed class WeightAndSum : Module
{
    /// <summary>Creates the readout and initialises it.</summary>
    public WeightAndSum(int inFeats, DType dtype = DType.Float32, Generator? generator = null)
    {
        InFeats = inFeats;
        AtomWeighting = RegisterModule("atom_weighting", new Sequential(new Linear(inFeats, 1, dtype: dtype, generator: generator), new Sigmoid()));
    }

    /// <summary>Input feature size.</summary>
    public int InFeats { get; }

    /// <summary>Linear(inFeats, 1) followed by a sigmoid.</summary>
    public Sequential AtomWeighting { get; }

    /// <summary>Reads out each graph of the batch: [BatchSize, inFeats].</summary>
    public Tensor Forward(Graph graph, Tensor features)
    {
        var offsets = ReadoutSupport.NodeOffsets(graph, features, nameof(WeightAndSum));
        return SparseOps.SegmentReduce(offsets, features * AtomWeighting.Forward(features), ReduceOp.Sum);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"inFeats={InFeats}";
}
