using Dgl.Tensors;
using Dgl.Tensors.Autograd;

namespace Dgl.Nn;

/// <summary>
/// Layer normalisation (PyTorch's <c>nn.LayerNorm</c>) over the last dimensions given by
/// <c>normalizedShape</c>: y = (x − mean) / √(var + eps) · γ + β, with learned γ (ones) and β (zeros).
/// </summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    private readonly int[] _normalizedShape;

    /// <summary>Creates the layer.</summary>
    /// <param name="normalizedShape">The trailing dimensions to normalise over (e.g. [features]).</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="elementwiseAffine">Learn γ and β.</param>
    /// <param name="dtype">float32 or float64.</param>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0)
            throw new ArgumentException("LayerNorm: normalizedShape needs at least one dimension", nameof(normalizedShape));
        _normalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones(new Shape(normalizedShape), dtype));
            Bias = RegisterParameter("bias", Tensor.Zeros(new Shape(normalizedShape), dtype));
        }
    }

    /// <summary>Normalises over the last dimension of size <paramref name="features"/>.</summary>
    public LayerNorm(int features, double eps = 1e-5, bool elementwiseAffine = true, DType dtype = DType.Float32)
        : this([features], eps, elementwiseAffine, dtype)
    {
    }

    /// <summary>The trailing dimensions normalised over.</summary>
    public IReadOnlyList<int> NormalizedShape => _normalizedShape;

    /// <summary>Added to the variance.</summary>
    public double Eps { get; }

    /// <summary>γ, or null without affine parameters.</summary>
    public Parameter? Weight { get; }

    /// <summary>β, or null without affine parameters.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    public override void ResetParameters(Generator? generator = null)
    {
        if (Weight is not null) Init.Ones(Weight);
        if (Bias is not null) Init.Zeros(Bias);
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.LayerNorm(_normalizedShape, Weight, Bias, Eps);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"[{string.Join(", ", _normalizedShape)}], eps={Fmt(Eps)}, elementwiseAffine={Fmt(Weight is not null)}";
}

/// <summary>
/// Batch normalisation over [N, C] or [N, C, L] inputs (PyTorch's <c>nn.BatchNorm1d</c>): per channel,
/// y = (x − μ) / √(σ² + eps) · γ + β. Training uses the batch statistics and updates the running ones
/// (running = (1 − momentum)·running + momentum·batch, unbiased variance; with a null momentum, a cumulative average
/// over <c>num_batches_tracked</c>); evaluation uses the running statistics.
/// </summary>
/// <remarks>State-dict entries match PyTorch: weight, bias, running_mean, running_var, num_batches_tracked.</remarks>
public sealed class BatchNorm1d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numFeatures">Channels C.</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="momentum">Weight of the batch in the running statistics, or null for a cumulative average.</param>
    /// <param name="affine">Learn γ (ones) and β (zeros).</param>
    /// <param name="trackRunningStats">Keep running statistics (otherwise batch statistics are used in both modes).</param>
    /// <param name="dtype">float32 or float64.</param>
    public BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true, DType dtype = DType.Float32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numFeatures, 1);
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones([numFeatures], dtype));
            Bias = RegisterParameter("bias", Tensor.Zeros([numFeatures], dtype));
        }
        if (trackRunningStats)
        {
            RunningMean = RegisterBuffer("running_mean", Tensor.Zeros([numFeatures], dtype));
            RunningVar = RegisterBuffer("running_var", Tensor.Ones([numFeatures], dtype));
            NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Scalar(0, DType.Int64));
        }
    }

    /// <summary>Channels.</summary>
    public int NumFeatures { get; }

    /// <summary>Added to the variance.</summary>
    public double Eps { get; }

    /// <summary>Weight of each batch in the running statistics (null: cumulative average).</summary>
    public double? Momentum { get; }

    /// <summary>γ, or null.</summary>
    public Parameter? Weight { get; }

    /// <summary>β, or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>Running mean per channel, or null when not tracked.</summary>
    public Tensor? RunningMean { get; }

    /// <summary>Running (unbiased) variance per channel, or null when not tracked.</summary>
    public Tensor? RunningVar { get; }

    /// <summary>Training batches seen (a rank-0 int64 tensor), or null when not tracked.</summary>
    public Tensor? NumBatchesTracked { get; }

    /// <summary>Resets the running statistics (mean 0, variance 1, count 0).</summary>
    public void ResetRunningStats()
    {
        if (RunningMean is null) return;
        using var _ = GradMode.NoGrad();
        RunningMean.ZeroInPlace();
        RunningVar!.FillInPlace(1);
        NumBatchesTracked!.ZeroInPlace();
    }

    /// <inheritdoc/>
    public override void ResetParameters(Generator? generator = null)
    {
        ResetRunningStats();
        if (Weight is not null) Init.Ones(Weight);
        if (Bias is not null) Init.Zeros(Bias);
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (2 or 3) || input.Size(1) != NumFeatures)
            throw new TensorShapeException($"BatchNorm1d: input has shape {input.Shape}; expected [N, {NumFeatures}] or [N, {NumFeatures}, L]");
        var factor = Momentum ?? 0.0;
        if (Training && NumBatchesTracked is not null)
        {
            var count = ++NumBatchesTracked.AsSpan<long>()[0];
            if (Momentum is null) factor = 1.0 / count;
        }
        var useBatchStats = Training || RunningMean is null;
        return Tensor.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, useBatchStats, factor, Eps);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"{NumFeatures}, eps={Fmt(Eps)}, momentum={(Momentum is { } m ? Fmt(m) : "null")}, affine={Fmt(Weight is not null)}, trackRunningStats={Fmt(RunningMean is not null)}";
}
