using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// A long short-term memory over sequences (PyTorch's <c>nn.LSTM</c>), per step t of each layer and direction:
/// <code>
/// i = σ(W_ii x_t + b_ii + W_hi h + b_hi)    f = σ(W_if x_t + b_if + W_hf h + b_hf)
/// g = tanh(W_ig x_t + b_ig + W_hg h + b_hg)  o = σ(W_io x_t + b_io + W_ho h + b_ho)
/// c = f ⊙ c + i ⊙ g                          h = o ⊙ tanh(c)
/// </code>
/// With <c>numLayers</c> &gt; 1 each layer reads the previous layer's outputs; when <c>bidirectional</c>, each layer
/// also runs backwards in time and the two directions' outputs are concatenated.
/// </summary>
/// <remarks>
/// Parameters have PyTorch's names and layouts (<c>weight_ih_l{k}</c> [4H, in] with the gates stacked i, f, g, o;
/// <c>weight_hh_l{k}</c> [4H, H]; <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c> [4H]; <c>…_reverse</c> for the backward
/// direction), so state dictionaries interchange. The input projection of every step is one GEMM up front; each step
/// then costs one [B, H]·[H, 4H] product. Differentiable through every step (autograd records the recurrence). No
/// dropout between layers.
/// </remarks>
/// <example>
/// <code>
/// var lstm = new LSTM(8, 16, batchFirst: true, generator: new Generator(0));
/// var (output, (h, c)) = lstm.Forward(Tensor.Randn([4, 5, 8]));   // output [4, 5, 16], h and c [1, 4, 16]
/// var deep = new LSTM(8, 16, numLayers: 2, bidirectional: true);
/// var (o2, (h2, c2)) = deep.Forward(Tensor.Randn([5, 4, 8]));     // o2 [5, 4, 32], h2 and c2 [4, 4, 16]
/// </code>
/// </example>
public sealed class LSTM : Module
{
    private readonly List<(Parameter Ih, Parameter Hh, Parameter? BIh, Parameter? BHh)> _cells = [];

    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="inputSize">Features per step of the input.</param>
    /// <param name="hiddenSize">H, the size of h and c.</param>
    /// <param name="numLayers">Stacked layers (default 1).</param>
    /// <param name="bias">Learn the two bias vectors (default true).</param>
    /// <param name="batchFirst">Inputs and outputs are [batch, steps, features] (default false: [steps, batch, features]).</param>
    /// <param name="bidirectional">Also run each layer backwards in time (default false).</param>
    /// <param name="dtype">Parameter dtype (default float32).</param>
    /// <param name="generator">Random stream for the initial values.</param>
    public LSTM(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, bool bidirectional = false,
        DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 1);
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        BatchFirst = batchFirst;
        Bidirectional = bidirectional;
        var directions = bidirectional ? 2 : 1;
        for (var layer = 0; layer < numLayers; layer++)
        {
            var layerIn = layer == 0 ? inputSize : hiddenSize * directions;
            for (var d = 0; d < directions; d++)
            {
                var suffix = $"_l{layer}" + (d == 1 ? "_reverse" : "");
                _cells.Add((
                    RegisterParameter("weight_ih" + suffix, Tensor.Zeros([4 * hiddenSize, layerIn], dtype)),
                    RegisterParameter("weight_hh" + suffix, Tensor.Zeros([4 * hiddenSize, hiddenSize], dtype)),
                    bias ? RegisterParameter("bias_ih" + suffix, Tensor.Zeros([4 * hiddenSize], dtype)) : null,
                    bias ? RegisterParameter("bias_hh" + suffix, Tensor.Zeros([4 * hiddenSize], dtype)) : null));
            }
        }
        ResetParameters(generator);
    }

    /// <summary>Features per input step.</summary>
    public int InputSize { get; }

    /// <summary>H.</summary>
    public int HiddenSize { get; }

    /// <summary>Stacked layers.</summary>
    public int NumLayers { get; }

    /// <summary>Whether the batch dimension comes first.</summary>
    public bool BatchFirst { get; }

    /// <summary>Whether each layer also runs backwards.</summary>
    public bool Bidirectional { get; }

    /// <summary>Layer 0's [W_ii; W_if; W_ig; W_io], [4H, inputSize].</summary>
    public Parameter WeightIh => _cells[0].Ih;

    /// <summary>Layer 0's [W_hi; W_hf; W_hg; W_ho], [4H, H].</summary>
    public Parameter WeightHh => _cells[0].Hh;

    /// <summary>Layer 0's input biases [4H], or null.</summary>
    public Parameter? BiasIh => _cells[0].BIh;

    /// <summary>Layer 0's hidden biases [4H], or null.</summary>
    public Parameter? BiasHh => _cells[0].BHh;

    /// <summary>PyTorch's initialisation: every parameter U(−1/√H, 1/√H), drawn in registration order.</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        var bound = 1 / Math.Sqrt(HiddenSize);
        foreach (var p in Parameters(recurse: false)) Init.Uniform(p, -bound, bound, generator);
    }

    /// <summary>Runs the sequence.</summary>
    /// <param name="input">[steps, batch, inputSize] ([batch, steps, inputSize] when batch-first).</param>
    /// <param name="state">Initial (h₀, c₀), each [layers·directions, batch, H]; zeros when null.</param>
    /// <returns>The last layer's hidden state at every step ([steps, batch, directions·H], or batch-first), and the
    /// last (h, c) of every layer and direction, each [layers·directions, batch, H].</returns>
    /// <exception cref="TensorShapeException">The input is not 3-D with inputSize features, or the state does not fit.</exception>
    public (Tensor Output, (Tensor H, Tensor C) State) Forward(Tensor input, (Tensor H, Tensor C)? state = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 3 || input.Size(2) != InputSize)
            throw new TensorShapeException($"LSTM: the input has shape {input.Shape}; expected [{(BatchFirst ? "batch, steps" : "steps, batch")}, {InputSize}]");
        var x = BatchFirst ? input.Transpose(0, 1) : input;
        var steps = x.Size(0);
        var batch = x.Size(1);
        var directions = Bidirectional ? 2 : 1;
        var slots = NumLayers * directions;
        var stateShape = new Shape(slots, batch, HiddenSize);
        if (state is { } s0 && (s0.H.Shape != stateShape || s0.C.Shape != stateShape))
            throw new TensorShapeException($"LSTM: the state has shapes {s0.H.Shape} and {s0.C.Shape}; expected {stateShape} each");
        var hLast = new Tensor[slots];
        var cLast = new Tensor[slots];
        var layerInput = x;
        for (var layer = 0; layer < NumLayers; layer++)
        {
            var outputs = new Tensor[directions][];
            for (var d = 0; d < directions; d++)
            {
                var slot = layer * directions + d;
                var (h, c) = state is { } s
                    ? (s.H[slot], s.C[slot])
                    : (Tensor.Zeros([batch, HiddenSize], WeightIh.DType), Tensor.Zeros([batch, HiddenSize], WeightIh.DType));
                (outputs[d], hLast[slot], cLast[slot]) = RunDirection(layerInput, _cells[slot], h, c, reverse: d == 1);
            }
            if (steps == 0) break;
            layerInput = directions == 1 ? Tensor.Stack(outputs[0], 0)
                : Tensor.Stack([.. Enumerable.Range(0, steps).Select(t => Tensor.Cat([outputs[0][t], outputs[1][t]], 1))], 0);
        }
        var output = steps == 0
            ? Tensor.Zeros(BatchFirst ? [batch, 0, directions * HiddenSize] : [0, batch, directions * HiddenSize], WeightIh.DType)
            : BatchFirst ? layerInput.Transpose(0, 1) : layerInput;
        for (var slot = 0; slot < slots; slot++)
        {
            hLast[slot] ??= Tensor.Zeros([batch, HiddenSize], WeightIh.DType);
            cLast[slot] ??= Tensor.Zeros([batch, HiddenSize], WeightIh.DType);
        }
        return (output, (Tensor.Stack(hLast, 0), Tensor.Stack(cLast, 0)));
    }

    /// <summary>One direction of one layer over [steps, batch, in]: the hidden state of every step and the last (h, c).</summary>
    private (Tensor[] Outputs, Tensor H, Tensor C) RunDirection(Tensor x, (Parameter Ih, Parameter Hh, Parameter? BIh, Parameter? BHh) w, Tensor h, Tensor c, bool reverse)
    {
        var steps = x.Size(0);
        var batch = x.Size(1);
        var outputs = new Tensor[steps];
        if (steps == 0) return (outputs, h, c);
        // Input projections of all steps in one GEMM: [steps·batch, 4H].
        var xProj = F.Linear(x.Reshape(steps * batch, x.Size(2)), w.Ih, w.BIh).Reshape(steps, batch, 4 * HiddenSize);
        for (var k = 0; k < steps; k++)
        {
            var t = reverse ? steps - 1 - k : k;
            var gates = F.Linear(h, w.Hh, w.BHh) + xProj[t];
            var parts = gates.Chunk(4, 1);
            var i = parts[0].Sigmoid();
            var f = parts[1].Sigmoid();
            var g = parts[2].Tanh();
            var o = parts[3].Sigmoid();
            c = f * c + i * g;
            h = o * c.Tanh();
            outputs[t] = h;
        }
        return (outputs, h, c);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"inputSize={InputSize}, hiddenSize={HiddenSize}, numLayers={NumLayers}, batchFirst={Fmt(BatchFirst)}, bidirectional={Fmt(Bidirectional)}";
}
