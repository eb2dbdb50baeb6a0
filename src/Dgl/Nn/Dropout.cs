using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Dropout (PyTorch's <c>nn.Dropout</c>): in training mode zeroes each element with probability p and scales the
/// rest by 1/(1 − p); in evaluation mode passes the input through. Masks come from the generator given here (or
/// <see cref="Generator.Default"/>), so a seeded run drops the same elements whatever the thread count.
/// </summary>
/// <example>
/// <code>
/// var drop = new Dropout(0.5, new Generator(0));
/// var y = drop.Forward(x);        // training: about half the entries zeroed
/// drop.Eval(); y = drop.Forward(x);   // identity
/// </code>
/// </example>
public sealed class Dropout : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="p">Probability of zeroing an element, in [0, 1].</param>
    /// <param name="generator">The random stream for the masks.</param>
    public Dropout(double p = 0.5, Generator? generator = null)
    {
        if (!(p is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, $"Dropout: probability {p} is outside [0, 1]");
        P = p;
        Generator = generator;
    }

    /// <summary>Probability of zeroing an element.</summary>
    public double P { get; }

    /// <summary>The random stream for the masks (null: <see cref="Generator.Default"/>).</summary>
    public Generator? Generator { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Dropout(P, Training, Generator);
    }

    /// <summary>This dropout applied to <c>relu(input)</c>, as one op (<see cref="Tensor.ReluDropout"/>): the same
    /// result and random stream as <c>Forward(input.Relu())</c> with one output tensor instead of two.</summary>
    public Tensor ForwardRelu(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.ReluDropout(P, Training, Generator);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"p={Fmt(P)}";
}
