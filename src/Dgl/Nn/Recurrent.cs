using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// What PyTorch's recurrent cells share: input and hidden sizes, the stacked gate weights <c>weight_ih</c>
/// [G·H, I] and <c>weight_hh</c> [G·H, H], optional biases <c>bias_ih</c> and <c>bias_hh</c> [G·H] (G gates), and
/// their U(±1/√H) initialisation.
/// </summary>
public abstract class RecurrentCell : Module
{
    /// <summary>Registers the parameters of a cell with <paramref name="gates"/> stacked gates and initialises them.</summary>
    /// <param name="inputSize">I.</param>
    /// <param name="hiddenSize">H.</param>
    /// <param name="gates">G, the number of stacked gates.</param>
    /// <param name="bias">Learn the biases b_ih and b_hh.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values.</param>
    /// <param name="name">The cell's name for error messages.</param>
    private protected RecurrentCell(int inputSize, int hiddenSize, int gates, bool bias, DType dtype, Generator? generator, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ConvSupport.CheckDType(name, dtype);
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        WeightIh = RegisterParameter("weight_ih", Tensor.Zeros(new Shape(gates * hiddenSize, inputSize), dtype));
        WeightHh = RegisterParameter("weight_hh", Tensor.Zeros(new Shape(gates * hiddenSize, hiddenSize), dtype));
        if (bias)
        {
            BiasIh = RegisterParameter("bias_ih", Tensor.Zeros(new Shape(gates * hiddenSize), dtype));
            BiasHh = RegisterParameter("bias_hh", Tensor.Zeros(new Shape(gates * hiddenSize), dtype));
        }
        ResetParameters(generator);
    }

    /// <summary>I.</summary>
    public int InputSize { get; }

    /// <summary>H.</summary>
    public int HiddenSize { get; }

    /// <summary>[G·H, I], the gates' input weights stacked in PyTorch's order.</summary>
    public Parameter WeightIh { get; }

    /// <summary>[G·H, H], the gates' hidden-state weights.</summary>
    public Parameter WeightHh { get; }

    /// <summary>[G·H], or null.</summary>
    public Parameter? BiasIh { get; }

    /// <summary>[G·H], or null.</summary>
    public Parameter? BiasHh { get; }

    /// <summary>Every parameter ~ U(±1/√H), as PyTorch.</summary>
    public sealed override void ResetParameters(Generator? generator = null)
    {
        var k = 1 / Math.Sqrt(HiddenSize);
        foreach (var p in Parameters(recurse: false)) Init.Uniform(p, -k, k, generator);
    }

    /// <inheritdoc/>
    protected sealed override string ExtraRepr() => $"inputSize={InputSize}, hiddenSize={HiddenSize}, bias={Fmt(BiasIh is not null)}";
}

/// <summary>
/// A gated recurrent unit cell (PyTorch's <c>nn.GRUCell</c>):
/// r = σ(W_ir·x + b_ir + W_hr·h + b_hr), z = σ(W_iz·x + b_iz + W_hz·h + b_hz),
/// n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
/// </summary>
/// <remarks>Parameters as PyTorch (gates stacked r, z, n): <c>weight_ih</c> [3H, I], <c>weight_hh</c> [3H, H],
/// <c>bias_ih</c> and <c>bias_hh</c> [3H], all initialised U(±1/√H).</remarks>
/// <example>
/// <code>
/// var cell = new GRUCell(10, 20);
/// var h = cell.Forward(Tensor.Randn([3, 10]), Tensor.Zeros(3, 20));   // [3, 20]
/// </code>
/// </example>
public sealed class GRUCell : RecurrentCell
{
    /// <summary>Creates the cell and initialises it.</summary>
    /// <param name="inputSize">I.</param>
    /// <param name="hiddenSize">H.</param>
    /// <param name="bias">Learn the biases b_ih and b_hh.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values.</param>
    public GRUCell(int inputSize, int hiddenSize, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : base(inputSize, hiddenSize, 3, bias, dtype, generator, nameof(GRUCell))
    {
    }

    /// <summary>h' from input [B, I] and state [B, H] (zeros when null).</summary>
    public Tensor Forward(Tensor input, Tensor? hidden = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 2 || input.Size(1) != InputSize)
            throw new TensorShapeException($"GRUCell: input has shape {input.Shape}; expected [B, {InputSize}]");
        hidden ??= Tensor.Zeros(new Shape(input.Size(0), HiddenSize), input.DType);
        if (hidden.Rank != 2 || hidden.Size(0) != input.Size(0) || hidden.Size(1) != HiddenSize)
            throw new TensorShapeException($"GRUCell: hidden state has shape {hidden.Shape}; expected [{input.Size(0)}, {HiddenSize}]");
        var gi = F.Linear(input, WeightIh, BiasIh).Chunk(3, 1);
        var gh = F.Linear(hidden, WeightHh, BiasHh).Chunk(3, 1);
        var r = (gi[0] + gh[0]).Sigmoid();
        var z = (gi[1] + gh[1]).Sigmoid();
        var n = (gi[2] + r * gh[2]).Tanh();
        return n + z * (hidden - n);
    }
}

/// <summary>
/// A long short-term memory cell (PyTorch's <c>nn.LSTMCell</c>): with gates stacked i, f, g, o,
/// i = σ(W_ii·x + b_ii + W_hi·h + b_hi), f = σ(…), g = tanh(…), o = σ(…), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
/// </summary>
/// <remarks>Parameters as PyTorch: <c>weight_ih</c> [4H, I], <c>weight_hh</c> [4H, H], <c>bias_ih</c>, <c>bias_hh</c>
/// [4H], all initialised U(±1/√H).</remarks>
/// <example>
/// <code>
/// var cell = new LSTMCell(10, 20);
/// var (h, c) = cell.Forward(Tensor.Randn([3, 10]));   // both [3, 20]
/// </code>
/// </example>
public sealed class LSTMCell : RecurrentCell
{
    /// <summary>Creates the cell and initialises it.</summary>
    /// <param name="inputSize">I.</param>
    /// <param name="hiddenSize">H.</param>
    /// <param name="bias">Learn the biases b_ih and b_hh.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values.</param>
    public LSTMCell(int inputSize, int hiddenSize, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : base(inputSize, hiddenSize, 4, bias, dtype, generator, nameof(LSTMCell))
    {
    }

    /// <summary>(h', c') from input [B, I] and state (h, c) [B, H] each (zeros when null).</summary>
    public (Tensor H, Tensor C) Forward(Tensor input, (Tensor H, Tensor C)? state = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 2 || input.Size(1) != InputSize)
            throw new TensorShapeException($"LSTMCell: input has shape {input.Shape}; expected [B, {InputSize}]");
        var (h, c) = state ?? (Tensor.Zeros(new Shape(input.Size(0), HiddenSize), input.DType), Tensor.Zeros(new Shape(input.Size(0), HiddenSize), input.DType));
        if (h.Shape != new Shape(input.Size(0), HiddenSize) || c.Shape != h.Shape)
            throw new TensorShapeException($"LSTMCell: state has shapes {h.Shape} and {c.Shape}; expected [{input.Size(0)}, {HiddenSize}] each");
        return Step(input, h, c, WeightIh, WeightHh, BiasIh, BiasHh);
    }

    /// <summary>One LSTM step with explicit weights.</summary>
    internal static (Tensor H, Tensor C) Step(Tensor x, Tensor h, Tensor c, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh)
    {
        var gates = (F.Linear(x, wIh, bIh) + F.Linear(h, wHh, bHh)).Chunk(4, 1);
        var i = gates[0].Sigmoid();
        var f = gates[1].Sigmoid();
        var g = gates[2].Tanh();
        var o = gates[3].Sigmoid();
        var c2 = f * c + i * g;
        return (o * c2.Tanh(), c2);
    }
}
