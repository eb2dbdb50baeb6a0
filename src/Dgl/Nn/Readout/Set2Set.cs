using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Set2Set readout (Vinyals et al., "Order Matters: Sequence to sequence for sets", DGL's <c>Set2Set</c>): for
/// t = 1..nIters, q_t = LSTM(q*_{t−1}), α_k = softmax_k(x_k · q_t) within each graph, r_t = Σ_k α_k·x_k and
/// q*_t = [q_t, r_t]; the output is q*_T, of size 2·inputDim.
/// </summary>
/// <remarks>The LSTM (input 2·inputDim, hidden inputDim, <c>nLayers</c> layers) is initialised as PyTorch's; the
/// state starts at zero. Softmax and sum are fused segment ops over the batch's node counts.</remarks>
/// <example>
/// <code>
/// var s2s = new Set2Set(16, nIters: 3, nLayers: 1);
/// var r = s2s.Forward(batchedGraph, h);   // [BatchSize, 32]
/// </code>
/// </example>
public sealed class Set2Set : Module
{
    /// <summary>Creates the readout and initialises it.</summary>
    /// <param name="inputDim">Node feature size D.</param>
    /// <param name="nIters">Iterations T.</param>
    /// <param name="nLayers">LSTM layers.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values.</param>
    public Set2Set(int inputDim, int nIters, int nLayers, DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nIters, 1);
        InputDim = inputDim;
        OutputDim = 2 * inputDim;
        NIters = nIters;
        NLayers = nLayers;
        Lstm = RegisterModule("lstm", new LSTM(OutputDim, inputDim, nLayers, dtype: dtype, generator: generator));
    }

    /// <summary>D.</summary>
    public int InputDim { get; }

    /// <summary>2·D.</summary>
    public int OutputDim { get; }

    /// <summary>T.</summary>
    public int NIters { get; }

    /// <summary>LSTM layers.</summary>
    public int NLayers { get; }

    /// <summary>The LSTM.</summary>
    public LSTM Lstm { get; }

    /// <summary>Reads out each graph of the batch: [BatchSize, 2·D].</summary>
    public Tensor Forward(Graph graph, Tensor features)
    {
        var offsets = ReadoutSupport.NodeOffsets(graph, features, nameof(Set2Set));
        if (features.Rank != 2 || features.Size(1) != InputDim)
            throw new TensorShapeException($"{nameof(Set2Set)}: features have shape {features.Shape}; expected [N, {InputDim}]");
        var batch = offsets.Length - 1;
        var zeros = Tensor.Zeros(new Shape(NLayers, batch, InputDim), features.DType);
        (Tensor H, Tensor C) state = (zeros, zeros);
        var qStar = Tensor.Zeros(new Shape(batch, OutputDim), features.DType);
        for (var t = 0; t < NIters; t++)
        {
            var (output, next) = Lstm.Forward(qStar.Unsqueeze(0), state);
            state = next;
            var q = output.Reshape(batch, InputDim);
            var e = (features * ReadoutSupport.BroadcastNodes(offsets, q)).Sum(-1, keepDim: true);
            var alpha = SparseOps.SegmentSoftmax(offsets, e);
            var readout = SparseOps.SegmentReduce(offsets, features * alpha, ReduceOp.Sum);
            qStar = Tensor.Cat([q, readout], -1);
        }
        return qStar;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"inputDim={InputDim}, nIters={NIters}, nLayers={NLayers}";
}
