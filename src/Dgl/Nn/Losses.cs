using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>The base of loss modules: a <see cref="Nn.Reduction"/> and a forward pass over (input, target).</summary>
public abstract class Loss : Module
{
    /// <summary>Creates the loss with a reduction.</summary>
    protected Loss(Reduction reduction)
    {
        LossKernels.CheckReduction(GetType().Name, reduction);
        Reduction = reduction;
    }

    /// <summary>How per-element losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
    public abstract Tensor Forward(Tensor input, Tensor target);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"reduction={Reduction}";
}

/// <summary>Cross entropy on logits (PyTorch's <c>nn.CrossEntropyLoss</c>); see <see cref="F.CrossEntropy"/> for the formula.</summary>
/// <example><code>var loss = new CrossEntropyLoss(labelSmoothing: 0.1).Forward(logits, labels);</code></example>
public sealed class CrossEntropyLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Per-class weights [C], or null.</param>
    /// <param name="ignoreIndex">Class-id target value to skip.</param>
    /// <param name="reduction">None, Mean or Sum.</param>
    /// <param name="labelSmoothing">ε in [0, 1].</param>
    public CrossEntropyLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
        : base(reduction)
    {
        if (!(labelSmoothing is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, $"CrossEntropyLoss: labelSmoothing must be in [0, 1]; got {labelSmoothing}");
        if (weight is not null) Weight = RegisterBuffer("weight", weight);
        IgnoreIndex = ignoreIndex;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>Per-class weights, or null.</summary>
    public Tensor? Weight { get; }

    /// <summary>Class-id target value to skip.</summary>
    public long IgnoreIndex { get; }

    /// <summary>ε.</summary>
    public double LabelSmoothing { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => F.CrossEntropy(input, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"ignoreIndex={IgnoreIndex}, reduction={Reduction}, labelSmoothing={Fmt(LabelSmoothing)}";
}

/// <summary>Negative log-likelihood of log-probabilities (PyTorch's <c>nn.NLLLoss</c>); see <see cref="F.NllLoss"/>.</summary>
public sealed class NllLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    public NllLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean) : base(reduction)
    {
        if (weight is not null) Weight = RegisterBuffer("weight", weight);
        IgnoreIndex = ignoreIndex;
    }

    /// <summary>Per-class weights, or null.</summary>
    public Tensor? Weight { get; }

    /// <summary>Target value to skip.</summary>
    public long IgnoreIndex { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => F.NllLoss(input, target, Weight, IgnoreIndex, Reduction);
}

/// <summary>Binary cross entropy on logits (PyTorch's <c>nn.BCEWithLogitsLoss</c>); see <see cref="F.BinaryCrossEntropyWithLogits"/>.</summary>
public sealed class BceWithLogitsLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Per-element weights broadcastable to the input, or null.</param>
    /// <param name="reduction">None, Mean or Sum.</param>
    /// <param name="posWeight">Positive-term weights broadcastable to the input (usually [classes]), or null.</param>
    public BceWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null) : base(reduction)
    {
        if (weight is not null) Weight = RegisterBuffer("weight", weight);
        if (posWeight is not null) PosWeight = RegisterBuffer("pos_weight", posWeight);
    }

    /// <summary>Per-element weights, or null.</summary>
    public Tensor? Weight { get; }

    /// <summary>Positive-term weights, or null.</summary>
    public Tensor? PosWeight { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => F.BinaryCrossEntropyWithLogits(input, target, Weight, PosWeight, Reduction);
}

/// <summary>Mean squared error (PyTorch's <c>nn.MSELoss</c>).</summary>
public sealed class MseLoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => F.MseLoss(input, target, Reduction);
}

/// <summary>Mean absolute error (PyTorch's <c>nn.L1Loss</c>).</summary>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => F.L1Loss(input, target, Reduction);
}

/// <summary>Smooth L1 loss (PyTorch's <c>nn.SmoothL1Loss</c>); see <see cref="F.SmoothL1Loss"/>.</summary>
public sealed class SmoothL1Loss : Loss
{
    /// <summary>Creates the loss with threshold <paramref name="beta"/> (≥ 0).</summary>
    public SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0) : base(reduction)
    {
        if (!(beta >= 0))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, $"SmoothL1Loss: beta must be >= 0; got {beta}");
        Beta = beta;
    }

    /// <summary>Where the loss turns from quadratic to linear.</summary>
    public double Beta { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => F.SmoothL1Loss(input, target, Reduction, Beta);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"reduction={Reduction}, beta={Fmt(Beta)}";
}

/// <summary>Margin ranking loss (PyTorch's <c>nn.MarginRankingLoss</c>); see <see cref="F.MarginRankingLoss"/>.</summary>
public sealed class MarginRankingLoss(double margin = 0, Reduction reduction = Reduction.Mean) : Module
{
    /// <summary>The margin.</summary>
    public double Margin { get; } = margin;

    /// <summary>How per-element losses are combined.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>max(0, −y·(x1 − x2) + margin), reduced.</summary>
    public Tensor Forward(Tensor input1, Tensor input2, Tensor target) => F.MarginRankingLoss(input1, input2, target, Margin, Reduction);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"margin={Fmt(Margin)}, reduction={Reduction}";
}
