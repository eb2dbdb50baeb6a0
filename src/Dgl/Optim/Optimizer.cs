using System.Globalization;
using Dgl.Nn;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;

namespace Dgl.Optim;

/// <summary>
/// A set of parameters optimised with the same hyper-parameters (PyTorch's <c>param_groups</c> entries). Keys use
/// PyTorch's names ("lr", "weight_decay", "momentum", "beta1", "beta2", "eps", …); flags such as "nesterov" or
/// "amsgrad" are stored as 0 or 1. Keys not given take the optimizer's defaults when the group is added.
/// </summary>
/// <example>
/// <code>
/// var opt = new SGD([new ParamGroup(model.Backbone.Parameters()),
///                    new ParamGroup(model.Head.Parameters()) { ["lr"] = 1e-3 }], lr: 1e-2, momentum: 0.9);
/// </code>
/// </example>
public sealed class ParamGroup
{
    private readonly Dictionary<string, double> _options = new(StringComparer.Ordinal);

    /// <summary>A group of <paramref name="parameters"/> (leaf floating-point tensors, usually <see cref="Parameter"/>s).</summary>
    public ParamGroup(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = [.. parameters];
    }

    /// <summary>The parameters, in order.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>Hyper-parameter <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">The group has no such key (the message lists the keys it has).</exception>
    public double this[string key]
    {
        get => _options.TryGetValue(key, out var v) ? v
            : throw new KeyNotFoundException($"ParamGroup: no hyper-parameter '{key}'; the group has {string.Join(", ", _options.Keys.Select(k => $"'{k}'"))}");
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            _options[key] = value;
        }
    }

    /// <summary>The learning rate ("lr").</summary>
    public double Lr
    {
        get => this["lr"];
        set => this["lr"] = value;
    }

    /// <summary>Whether the group has hyper-parameter <paramref name="key"/>.</summary>
    public bool Contains(string key) => _options.ContainsKey(key);

    /// <summary>Every hyper-parameter of the group.</summary>
    public IReadOnlyDictionary<string, double> Options => _options;

    /// <summary>A flag stored as 0/1.</summary>
    internal bool Flag(string key) => this[key] != 0;
}

/// <summary>
/// The base of optimizers (PyTorch's <c>torch.optim.Optimizer</c>): parameter groups with their hyper-parameters,
/// per-parameter state, <see cref="Step"/>, <see cref="ZeroGrad"/> and state dictionaries for resuming training.
/// </summary>
/// <remarks>
/// <see cref="Step"/> runs under <see cref="GradMode.NoGrad"/> and updates every parameter that has a gradient in
/// place with one fused kernel per parameter, so references to the parameters stay valid and a step allocates
/// nothing after the first (which creates the state buffers).
/// </remarks>
public abstract class Optimizer
{
    private readonly List<ParamGroup> _groups = [];
    private readonly Dictionary<Tensor, ParameterState> _state = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, double> _defaults;

    /// <summary>Creates the optimizer over one group holding <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="defaults">Every hyper-parameter this optimizer uses, with its default value.</param>
    protected Optimizer(IEnumerable<Tensor> parameters, IReadOnlyDictionary<string, double> defaults)
        : this([new ParamGroup(parameters ?? throw new ArgumentNullException(nameof(parameters)))], defaults)
    {
    }

    /// <summary>Creates the optimizer over several groups; keys a group lacks take <paramref name="defaults"/>.</summary>
    protected Optimizer(IEnumerable<ParamGroup> groups, IReadOnlyDictionary<string, double> defaults)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(defaults);
        _defaults = new Dictionary<string, double>(defaults, StringComparer.Ordinal);
        foreach (var g in groups) AddParamGroup(g);
        if (_groups.Count == 0)
            throw new ArgumentException($"{GetType().Name}: got an empty list of parameter groups", nameof(groups));
        if (_groups.TrueForAll(g => g.Parameters.Count == 0))
            throw new ArgumentException($"{GetType().Name}: got an empty parameter list; pass model.Parameters()", nameof(groups));
    }

    /// <summary>The parameter groups, in order.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>The hyper-parameters every group gets unless it sets its own.</summary>
    public IReadOnlyDictionary<string, double> Defaults => _defaults;

    /// <summary>
    /// Adds a group (for instance to start training layers that were frozen); missing hyper-parameters take the
    /// defaults, and unknown keys are rejected.
    /// </summary>
    /// <exception cref="ArgumentException">A parameter is already in another group, is not a floating-point leaf, or a key is unknown.</exception>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var name = GetType().Name;
        foreach (var key in group.Options.Keys)
        {
            if (!_defaults.ContainsKey(key))
                throw new ArgumentException($"{name}: unknown hyper-parameter '{key}'; this optimizer uses {string.Join(", ", _defaults.Keys.Select(k => $"'{k}'"))}", nameof(group));
        }
        var existing = new HashSet<Tensor>(_groups.SelectMany(g => g.Parameters), ReferenceEqualityComparer.Instance);
        var inGroup = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var p in group.Parameters)
        {
            if (p is null) throw new ArgumentException($"{name}: a parameter is null", nameof(group));
            if (!p.DType.IsFloatingPoint())
                throw new ArgumentException($"{name}: can only optimise floating-point tensors; got dtype {p.DType.Name()} (shape {p.Shape})", nameof(group));
            if (!p.IsLeaf)
                throw new ArgumentException($"{name}: cannot optimise a non-leaf tensor (shape {p.Shape}, produced by {p.GradFn!.Name}); optimise the parameters it was computed from", nameof(group));
            if (existing.Contains(p) || !inGroup.Add(p))
                throw new ArgumentException($"{name}: a parameter (shape {p.Shape}) appears in more than one parameter group or twice in one", nameof(group));
        }
        foreach (var (key, value) in _defaults)
        {
            if (!group.Contains(key)) group[key] = value;
        }
        Validate(group);
        _groups.Add(group);
    }

    /// <summary>Checks a group's hyper-parameters (ranges), throwing <see cref="ArgumentOutOfRangeException"/> naming the bad value.</summary>
    protected abstract void Validate(ParamGroup group);

    /// <summary>Clears every parameter's gradient: drops it (default) or zeroes it in place.</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        for (var gi = 0; gi < _groups.Count; gi++)
        {
            var ps = _groups[gi].Parameters;
            for (var pi = 0; pi < ps.Count; pi++)
            {
                var p = ps[pi];
                if (p.Grad is null) continue;
                if (setToNone) p.Grad = null;
                else p.Grad.ZeroInPlace();
            }
        }
    }

    /// <summary>Performs one optimisation step on every parameter that has a gradient.</summary>
    public void Step()
    {
        using var _ = GradMode.NoGrad();
        // Index loops: a step must not allocate (interface enumerators would).
        for (var gi = 0; gi < _groups.Count; gi++)
        {
            var group = _groups[gi];
            var ps = group.Parameters;
            for (var pi = 0; pi < ps.Count; pi++)
            {
                var p = ps[pi];
                var grad = p.Grad;
                if (grad is null) continue;
                if (!_state.TryGetValue(p, out var state))
                {
                    state = new ParameterState();
                    _state.Add(p, state);
                }
                Update(group, p, grad, state);
            }
        }
    }

    /// <summary>Applies this optimizer's rule to one parameter (called under NoGrad with a non-null gradient of the parameter's shape).</summary>
    protected abstract void Update(ParamGroup group, Tensor parameter, Tensor grad, ParameterState state);

    // ------------------------------------------------------------------------------------------------------
    // State dictionaries
    // ------------------------------------------------------------------------------------------------------

    /// <summary>
    /// The optimizer's state as a flat, safetensors-ready dictionary (PyTorch's <c>state_dict()</c> flattened):
    /// <c>param_groups.{g}.{key}</c> (float64 scalars), <c>param_groups.{g}.params</c> (int64 parameter indices,
    /// numbered across groups in order), <c>state.{i}.step</c> (int64) and <c>state.{i}.{buffer}</c> (copies).
    /// </summary>
    /// <example><code>SafeTensors.Save(optimizer.StateDict(), "optim.safetensors");</code></example>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        var index = 0;
        var stateEntries = new List<(int Index, ParameterState State)>();
        for (var g = 0; g < _groups.Count; g++)
        {
            var group = _groups[g];
            foreach (var (key, value) in group.Options.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                dict[Key("param_groups", g, key)] = Tensor.Scalar(value, DType.Float64);
            var ids = new long[group.Parameters.Count];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = index;
                if (_state.TryGetValue(group.Parameters[i], out var st)) stateEntries.Add((index, st));
                index++;
            }
            dict[Key("param_groups", g, "params")] = Tensor.From(ids);
        }
        foreach (var (i, st) in stateEntries)
        {
            dict[Key("state", i, "step")] = Tensor.Scalar(st.Step, DType.Int64);
            foreach (var (name, buffer) in st.Buffers)
                dict[Key("state", i, name)] = buffer.Clone();
        }
        return dict;
    }

    private static string Key(string section, int i, string name) => string.Create(CultureInfo.InvariantCulture, $"{section}.{i}.{name}");

    /// <summary>
    /// Restores hyper-parameters and per-parameter state saved by <see cref="StateDict"/> from an optimizer over
    /// parameters of the same shapes in the same groups.
    /// </summary>
    /// <exception cref="StateDictException">The group layout or a buffer's shape differs, or a key is malformed; nothing is changed.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var name = GetType().Name;
        var all = _groups.SelectMany(g => g.Parameters).ToList();
        var groupOptions = new Dictionary<int, Dictionary<string, double>>();
        var newState = new Dictionary<int, ParameterState>();
        foreach (var (key, value) in stateDict)
        {
            var parts = key.Split('.', 3);
            if (parts.Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var i))
                throw new StateDictException($"{name}.LoadStateDict: malformed key '{key}'; expected 'param_groups.<g>.<name>' or 'state.<i>.<name>'");
            if (parts[0] == "param_groups")
            {
                if (i >= _groups.Count)
                    throw new StateDictException($"{name}.LoadStateDict: the state dict has parameter group {i} but this optimizer has {_groups.Count} groups");
                if (parts[2] == "params")
                {
                    var expected = _groups[i].Parameters.Count;
                    if (value.NumElements != expected)
                        throw new StateDictException($"{name}.LoadStateDict: parameter group {i} has {value.NumElements} parameters in the state dict but {expected} in this optimizer");
                    continue;
                }
                if (!_defaults.ContainsKey(parts[2]))
                    throw new StateDictException($"{name}.LoadStateDict: unknown hyper-parameter '{parts[2]}' in '{key}'");
                if (!groupOptions.TryGetValue(i, out var opts)) groupOptions[i] = opts = new Dictionary<string, double>(StringComparer.Ordinal);
                opts[parts[2]] = value.ToDouble();
            }
            else if (parts[0] == "state")
            {
                if (i >= all.Count)
                    throw new StateDictException($"{name}.LoadStateDict: state for parameter {i} but this optimizer has {all.Count} parameters");
                if (!newState.TryGetValue(i, out var st)) newState[i] = st = new ParameterState();
                if (parts[2] == "step")
                {
                    st.Step = (long)value.ToDouble();
                }
                else
                {
                    var p = all[i];
                    if (value.Shape != p.Shape)
                        throw new StateDictException($"{name}.LoadStateDict: '{key}' has shape {value.Shape} but parameter {i} has shape {p.Shape}");
                    st.Buffers[parts[2]] = value.Detach().To(p.DType).Clone();
                }
            }
            else
            {
                throw new StateDictException($"{name}.LoadStateDict: malformed key '{key}'; expected 'param_groups.<g>.<name>' or 'state.<i>.<name>'");
            }
        }
        for (var g = 0; g < _groups.Count; g++)
        {
            if (!stateDict.ContainsKey(Key("param_groups", g, "params")))
                throw new StateDictException($"{name}.LoadStateDict: the state dict has no 'param_groups.{g}.params'; it was saved from an optimizer with fewer groups");
        }
        foreach (var (g, opts) in groupOptions)
            foreach (var (k, v) in opts) _groups[g][k] = v;
        _state.Clear();
        foreach (var (i, st) in newState) _state[all[i]] = st;
    }

    /// <summary>The state of <paramref name="parameter"/> (null before its first step).</summary>
    public ParameterState? StateOf(Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return _state.GetValueOrDefault(parameter);
    }
}

/// <summary>What an optimizer keeps for one parameter: a step count and named buffers (momentum, moment estimates…).</summary>
public sealed class ParameterState
{
    /// <summary>Steps taken for this parameter.</summary>
    public long Step { get; set; }

    /// <summary>The buffers by PyTorch's names ("momentum_buffer", "exp_avg", "exp_avg_sq", "sum", "square_avg", …).</summary>
    public IDictionary<string, Tensor> Buffers { get; } = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);

    /// <summary>Buffer <paramref name="name"/>, created as zeros like <paramref name="like"/> (or filled with <paramref name="initial"/>) on first use.</summary>
    public Tensor Buffer(string name, Tensor like, double initial = 0)
    {
        ArgumentNullException.ThrowIfNull(like);
        if (!Buffers.TryGetValue(name, out var b))
        {
            b = initial == 0 ? Tensor.ZerosLike(like) : Tensor.Full(like.Shape, initial, like.DType);
            Buffers.Add(name, b);
        }
        return b;
    }
}
