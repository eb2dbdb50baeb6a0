using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Jumping knowledge aggregation of a node's representations from several layers (Xu et al., "Representation
/// Learning on Graphs with Jumping Knowledge Networks", DGL's <c>JumpingKnowledge</c>): "cat" concatenates them,
/// "max" takes the elementwise maximum, "lstm" weights them by attention scores from a bidirectional LSTM over the
/// layer sequence: h = Σ_l softmax_l(Linear(BiLSTM(h_1..h_L))_l)·h_l.
/// </summary>
/// <remarks>As DGL 1.1: mode "cat" by default; "lstm" needs <c>inFeats</c> and <c>numLayers</c> and uses an LSTM with
/// hidden size numLayers·inFeats/2 (batch first, bidirectional) and a Linear(2·hidden → 1).</remarks>
/// <example>
/// <code>
/// var jk = new JumpingKnowledge("lstm", inFeats: 16, numLayers: 3);
/// var h = jk.Forward([h1, h2, h3]);   // [N, 16]
/// </code>
/// </example>
public sealed class JumpingKnowledge : Module
{
    /// <summary>Creates the aggregator.</summary>
    /// <param name="mode">"cat", "max" or "lstm".</param>
    /// <param name="inFeats">Representation size (lstm only).</param>
    /// <param name="numLayers">Number of layers aggregated (lstm only).</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values.</param>
    public JumpingKnowledge(string mode = "cat", int? inFeats = null, int? numLayers = null, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (mode is not ("cat" or "max" or "lstm"))
            throw new ArgumentException($"JumpingKnowledge: expect mode to be 'cat', or 'max' or 'lstm', got '{mode}'", nameof(mode));
        Mode = mode;
        if (mode != "lstm") return;
        var i = inFeats ?? throw new ArgumentException("JumpingKnowledge: inFeats is required for lstm mode", nameof(inFeats));
        var l = numLayers ?? throw new ArgumentException("JumpingKnowledge: numLayers is required for lstm mode", nameof(numLayers));
        var hidden = l * i / 2;
        Lstm = RegisterModule("lstm", new LSTM(i, hidden, batchFirst: true, bidirectional: true, dtype: dtype, generator: generator));
        Att = RegisterModule("att", new Linear(2 * hidden, 1, dtype: dtype, generator: generator));
    }

    /// <summary>"cat", "max" or "lstm".</summary>
    public string Mode { get; }

    /// <summary>The LSTM (lstm mode), or null.</summary>
    public LSTM? Lstm { get; }

    /// <summary>The attention Linear (lstm mode), or null.</summary>
    public Linear? Att { get; }

    /// <summary>Aggregates the layers' representations (each [N, D]).</summary>
    public Tensor Forward(IReadOnlyList<Tensor> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Count == 0) throw new ArgumentException("JumpingKnowledge: the list of representations is empty", nameof(features));
        switch (Mode)
        {
            case "cat":
                return Tensor.Cat(features, -1);
            case "max":
                return Tensor.Stack(features, -1).Amax(-1);
            default:
                var stacked = Tensor.Stack(features, 1);   // [N, L, D]
                var alpha = Att!.Forward(Lstm!.Forward(stacked).Output).Squeeze(-1).Softmax(-1);
                return (stacked * alpha.Unsqueeze(-1)).Sum(1);
        }
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"mode={Mode}";
}
