using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>Rectified linear unit, y = max(x, 0).</summary>
public sealed class ReLU : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Relu();
    }
}

/// <summary>Leaky ReLU, y = x for x ≥ 0 and negativeSlope·x otherwise.</summary>
public sealed class LeakyReLU(double negativeSlope = 0.01) : Module<Tensor, Tensor>
{
    /// <summary>The slope for negative inputs.</summary>
    public double NegativeSlope { get; } = negativeSlope;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.LeakyRelu(NegativeSlope);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"negativeSlope={Fmt(NegativeSlope)}";
}

/// <summary>Exponential linear unit, y = x for x &gt; 0 and α·(eˣ − 1) otherwise.</summary>
public sealed class ELU(double alpha = 1) : Module<Tensor, Tensor>
{
    /// <summary>α, the negative saturation value.</summary>
    public double Alpha { get; } = alpha;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Elu(Alpha);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"alpha={Fmt(Alpha)}";
}

/// <summary>Gaussian error linear unit, y = x·Φ(x) ("none") or its tanh approximation ("tanh").</summary>
public sealed class GELU(string approximate = "none") : Module<Tensor, Tensor>
{
    /// <summary>"none" (exact, with erf) or "tanh".</summary>
    public string Approximate { get; } = approximate;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Gelu(Approximate);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"approximate='{Approximate}'";
}

/// <summary>Logistic sigmoid, y = 1 / (1 + e⁻ˣ).</summary>
public sealed class Sigmoid : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Sigmoid();
    }
}

/// <summary>Hyperbolic tangent.</summary>
public sealed class Tanh : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Tanh();
    }
}

/// <summary>Softplus, y = log(1 + e^(β·x))/β, linear (y = x) where β·x &gt; threshold.</summary>
public sealed class Softplus(double beta = 1, double threshold = 20) : Module<Tensor, Tensor>
{
    /// <summary>β.</summary>
    public double Beta { get; } = beta;

    /// <summary>Above β·x = threshold the function is taken as linear.</summary>
    public double Threshold { get; } = threshold;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Softplus(Beta, Threshold);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"beta={Fmt(Beta)}, threshold={Fmt(Threshold)}";
}

/// <summary>
/// Parametric ReLU, y = x for x ≥ 0 and a·x otherwise, with a learned slope a: one shared slope, or one per channel
/// (dimension 1 of the input) when <c>numParameters</c> is the channel count.
/// </summary>
public sealed class PReLU : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with every slope set to <paramref name="init"/> (PyTorch's default 0.25).</summary>
    public PReLU(int numParameters = 1, double init = 0.25, DType dtype = DType.Float32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numParameters, 1);
        InitialValue = init;
        Weight = RegisterParameter("weight", Tensor.Full([numParameters], init, dtype));
    }

    /// <summary>The slopes, [numParameters].</summary>
    public Parameter Weight { get; }

    /// <summary>The value <see cref="ResetParameters"/> sets every slope to.</summary>
    public double InitialValue { get; }

    /// <inheritdoc/>
    public override void ResetParameters(Generator? generator = null) => Init.Constant(Weight, InitialValue);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Prelu(Weight);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"numParameters={Weight.NumElements}";
}

/// <summary>Softmax over dimension <c>dim</c>.</summary>
public sealed class Softmax(int dim) : Module<Tensor, Tensor>
{
    /// <summary>The dimension normalised.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Softmax(Dim);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>Log-softmax over dimension <c>dim</c> (pair with <see cref="NllLoss"/>, or use <see cref="CrossEntropyLoss"/> on logits).</summary>
public sealed class LogSoftmax(int dim) : Module<Tensor, Tensor>
{
    /// <summary>The dimension normalised.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.LogSoftmax(Dim);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>Passes its input through unchanged (a placeholder where a layer is optional).</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input;
}
