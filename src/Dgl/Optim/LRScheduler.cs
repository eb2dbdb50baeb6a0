namespace Dgl.Optim;

/// <summary>
/// The base of epoch-based learning-rate schedulers (PyTorch's <c>torch.optim.lr_scheduler</c>). Creating one
/// records each group's current learning rate as its base rate and counts as epoch 0; each <see cref="Step"/>
/// advances one epoch and writes the new rates into the optimizer's groups.
/// </summary>
/// <remarks>
/// Rates are computed with PyTorch 1.13's recursive ("chainable") rules from the groups' current rates, so the
/// values match PyTorch step by step, and a rate changed by hand between steps is carried forward as PyTorch does.
/// Call <see cref="Step"/> after <see cref="Optimizer.Step"/>, once per epoch.
/// </remarks>
/// <example>
/// <code>
/// var sched = new StepLR(optimizer, stepSize: 30, gamma: 0.1);
/// for (var epoch = 0; epoch &lt; 100; epoch++) { Train(); sched.Step(); }
/// </code>
/// </example>
public abstract class LRScheduler
{
    private readonly double[] _lastLr;

    /// <summary>Records the base rates and sets epoch 0.</summary>
    protected LRScheduler(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        BaseLrs = [.. optimizer.ParamGroups.Select(g => g.Lr)];
        _lastLr = [.. BaseLrs];
        LastEpoch = 0;
    }

    /// <summary>The optimizer whose rates are scheduled.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Each group's rate when the scheduler was created.</summary>
    public IReadOnlyList<double> BaseLrs { get; }

    /// <summary>The epoch reached (0 after construction).</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The rates the last step set (PyTorch's <c>get_last_lr()</c>).</summary>
    public IReadOnlyList<double> LastLr => _lastLr;

    /// <summary>Advances one epoch and updates every group's rate.</summary>
    public void Step()
    {
        LastEpoch++;
        var groups = Optimizer.ParamGroups;
        for (var i = 0; i < groups.Count && i < BaseLrs.Count; i++)
        {
            var lr = NextLr(groups[i].Lr, BaseLrs[i], LastEpoch);
            groups[i].Lr = lr;
            _lastLr[i] = lr;
        }
    }

    /// <summary>The rate for <paramref name="epoch"/> given the group's current rate and base rate.</summary>
    protected abstract double NextLr(double currentLr, double baseLr, int epoch);
}

/// <summary>Multiplies the rate by γ every <c>stepSize</c> epochs: lr = base·γ^⌊epoch/stepSize⌋ (PyTorch's <c>StepLR</c>).</summary>
public sealed class StepLR : LRScheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="stepSize">Epochs between decays (≥ 1).</param>
    /// <param name="gamma">The decay factor.</param>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>Epochs between decays.</summary>
    public int StepSize { get; }

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override double NextLr(double currentLr, double baseLr, int epoch) =>
        epoch == 0 || epoch % StepSize != 0 ? currentLr : currentLr * Gamma;
}

/// <summary>Multiplies the rate by γ at each milestone epoch: lr = base·γ^(number of milestones ≤ epoch) (PyTorch's <c>MultiStepLR</c>).</summary>
public sealed class MultiStepLR : LRScheduler
{
    private readonly Dictionary<int, int> _counts = [];

    /// <summary>Creates the schedule.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="milestones">Epochs at which to decay (a repeated milestone decays once per repetition).</param>
    /// <param name="gamma">The decay factor.</param>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        foreach (var m in milestones) _counts[m] = _counts.GetValueOrDefault(m) + 1;
        Milestones = [.. _counts.Keys.Order()];
        Gamma = gamma;
    }

    /// <summary>The distinct milestones, sorted.</summary>
    public IReadOnlyList<int> Milestones { get; }

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override double NextLr(double currentLr, double baseLr, int epoch) =>
        _counts.TryGetValue(epoch, out var k) ? currentLr * Math.Pow(Gamma, k) : currentLr;
}

/// <summary>Multiplies the rate by γ every epoch: lr = base·γ^epoch (PyTorch's <c>ExponentialLR</c>).</summary>
public sealed class ExponentialLR(Optimizer optimizer, double gamma) : LRScheduler(optimizer)
{
    /// <summary>The decay factor.</summary>
    public double Gamma { get; } = gamma;

    /// <inheritdoc/>
    protected override double NextLr(double currentLr, double baseLr, int epoch) => epoch == 0 ? currentLr : currentLr * Gamma;
}

/// <summary>
/// Cosine annealing (PyTorch's <c>CosineAnnealingLR</c>, SGDR without restarts):
/// lr = η_min + (base − η_min)·(1 + cos(π·epoch/T_max))/2, continuing periodically past T_max as PyTorch does.
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="tMax">Epochs of one half-period (≥ 1).</param>
    /// <param name="etaMin">The lowest rate.</param>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tMax, 1);
        TMax = tMax;
        EtaMin = etaMin;
    }

    /// <summary>Epochs of one half-period.</summary>
    public int TMax { get; }

    /// <summary>The lowest rate.</summary>
    public double EtaMin { get; }

    /// <inheritdoc/>
    protected override double NextLr(double currentLr, double baseLr, int epoch)
    {
        if (epoch == 0) return currentLr;
        // Where the ratio below would divide by 1 + cos(π) = 0, PyTorch steps additively instead.
        if ((epoch - 1 - TMax) % (2 * TMax) == 0)
            return currentLr + (baseLr - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2;
        return (1 + Math.Cos(Math.PI * epoch / TMax)) / (1 + Math.Cos(Math.PI * (epoch - 1) / TMax)) * (currentLr - EtaMin) + EtaMin;
    }
}

/// <summary>Whether a monitored metric should go down (a loss) or up (an accuracy).</summary>
public enum PlateauMode
{
    /// <summary>Lower is better.</summary>
    Min,

    /// <summary>Higher is better.</summary>
    Max,
}

/// <summary>How <see cref="ReduceLROnPlateau"/> decides that a value beats the best so far.</summary>
public enum ThresholdMode
{
    /// <summary>Better by a factor: below best·(1 − threshold) in Min mode, above best·(1 + threshold) in Max mode.</summary>
    Relative,

    /// <summary>Better by an amount: below best − threshold, or above best + threshold.</summary>
    Absolute,
}

/// <summary>
/// Cuts the learning rate when a metric stops improving (PyTorch's <c>ReduceLROnPlateau</c>): after more than
/// <c>patience</c> epochs without improvement, each group's rate becomes max(lr·factor, minLr) (changes smaller
/// than eps are skipped), followed by <c>cooldown</c> epochs during which bad epochs are not counted.
/// </summary>
/// <example>
/// <code>
/// var sched = new ReduceLROnPlateau(optimizer, PlateauMode.Max, factor: 0.5, patience: 5);
/// for (...) { Train(); sched.Step(validationAccuracy); }
/// </code>
/// </example>
public sealed class ReduceLROnPlateau
{
    private readonly double[] _minLrs;

    /// <summary>Creates the scheduler.</summary>
    /// <param name="optimizer">The optimizer whose rates to cut.</param>
    /// <param name="mode">Whether the metric should decrease or increase.</param>
    /// <param name="factor">The factor (&lt; 1) by which rates are cut.</param>
    /// <param name="patience">Epochs without improvement tolerated before cutting.</param>
    /// <param name="threshold">How much better a value must be to count as an improvement.</param>
    /// <param name="thresholdMode">Whether <paramref name="threshold"/> is relative or absolute.</param>
    /// <param name="cooldown">Epochs after a cut before bad epochs count again.</param>
    /// <param name="minLr">The lowest rate, for every group.</param>
    /// <param name="eps">Cuts smaller than this are not applied.</param>
    /// <param name="minLrs">Per-group lowest rates (overrides <paramref name="minLr"/>; one per group).</param>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1, int patience = 10,
        double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Relative, int cooldown = 0, double minLr = 0, double eps = 1e-8,
        IReadOnlyList<double>? minLrs = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!(factor < 1))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "ReduceLROnPlateau: factor must be < 1");
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        var groups = optimizer.ParamGroups.Count;
        if (minLrs is not null && minLrs.Count != groups)
            throw new ArgumentException($"ReduceLROnPlateau: {minLrs.Count} minimum rates given for {groups} parameter groups", nameof(minLrs));
        _minLrs = minLrs is null ? Enumerable.Repeat(minLr, groups).ToArray() : [.. minLrs];
        Optimizer = optimizer;
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        Eps = eps;
        Best = mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;
    }

    /// <summary>The optimizer whose rates are cut.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Whether the metric should decrease or increase.</summary>
    public PlateauMode Mode { get; }

    /// <summary>The cut factor.</summary>
    public double Factor { get; }

    /// <summary>Epochs without improvement tolerated.</summary>
    public int Patience { get; }

    /// <summary>The improvement threshold.</summary>
    public double Threshold { get; }

    /// <summary>Whether the threshold is relative or absolute.</summary>
    public ThresholdMode ThresholdMode { get; }

    /// <summary>Epochs to wait after a cut.</summary>
    public int Cooldown { get; }

    /// <summary>Cuts smaller than this are skipped.</summary>
    public double Eps { get; }

    /// <summary>The lowest rate per group.</summary>
    public IReadOnlyList<double> MinLrs => _minLrs;

    /// <summary>The best metric seen.</summary>
    public double Best { get; private set; }

    /// <summary>Consecutive epochs without improvement.</summary>
    public int NumBadEpochs { get; private set; }

    /// <summary>Epochs of cooldown left.</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>Epochs stepped so far.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>Whether the scheduler is cooling down after a cut.</summary>
    public bool InCooldown => CooldownCounter > 0;

    /// <summary>The groups' current rates.</summary>
    public IReadOnlyList<double> LastLr => [.. Optimizer.ParamGroups.Select(g => g.Lr)];

    /// <summary>Records one epoch's <paramref name="metric"/> and cuts the rates if it has plateaued.</summary>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            NumBadEpochs = 0;
        }
        else
        {
            NumBadEpochs++;
        }
        if (InCooldown)
        {
            CooldownCounter--;
            NumBadEpochs = 0;
        }
        if (NumBadEpochs > Patience)
        {
            ReduceLr();
            CooldownCounter = Cooldown;
            NumBadEpochs = 0;
        }
    }

    private void ReduceLr()
    {
        var groups = Optimizer.ParamGroups;
        for (var i = 0; i < groups.Count; i++)
        {
            var old = groups[i].Lr;
            var next = Math.Max(old * Factor, _minLrs[i]);
            if (old - next > Eps) groups[i].Lr = next;
        }
    }

    private bool IsBetter(double a, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Relative) => a < best * (1 - Threshold),
        (PlateauMode.Min, ThresholdMode.Absolute) => a < best - Threshold,
        (PlateauMode.Max, ThresholdMode.Relative) => a > best * (Threshold + 1),
        _ => a > best + Threshold,
    };
}
