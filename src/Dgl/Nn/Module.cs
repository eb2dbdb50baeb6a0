using Dgl.Tensors;
using System.Globalization;
using System.Text;
using Dgl.Tensors.Autograd;
using Dgl.Tensors.IO;

namespace Dgl.Nn;

/// <summary>
/// The base of every layer and model: a tree of named parameters, buffers and sub-modules, with a training
/// flag, state dictionaries and checkpoints (PyTorch's <c>torch.nn.Module</c>).
/// </summary>
/// <remarks>
/// <para>A module registers what it owns in its constructor: <see cref="RegisterParameter"/> for learnable
/// tensors, <see cref="RegisterBuffer"/> for state that is saved but not learned (BatchNorm's running statistics),
/// <see cref="RegisterModule{T}"/> for children. Names are dotted by nesting: a <see cref="Linear"/> registered as
/// <c>"layers"</c>'s child <c>"0"</c> has parameters <c>"layers.0.weight"</c> and <c>"layers.0.bias"</c>, in
/// registration order — the same keys PyTorch uses, so state dictionaries interchange.</para>
/// <para>Modules with one input and one output derive from <see cref="Module{TIn, TOut}"/>; graph modules take a
/// graph and features and declare their own <c>Forward</c>.</para>
/// </remarks>
/// <example>
/// <code>
/// var model = new Sequential(new Linear(16, 32), new ReLU(), new Linear(32, 4));
/// foreach (var (name, p) in model.NamedParameters()) Console.WriteLine($"{name} {p.Shape}");
/// // 0.weight [32, 16]
/// // 0.bias [32]
/// // 2.weight [4, 32]
/// // 2.bias [4]
/// model.Save("model.safetensors");
/// </code>
/// </example>
public abstract class Module
{
    private readonly List<(string Name, Parameter Value)> _parameters = [];
    private readonly List<(string Name, Tensor Value)> _buffers = [];
    private readonly List<(string Name, Module Value)> _modules = [];

    /// <summary>True in training mode (the default); dropout and batch norm behave differently in evaluation mode.</summary>
    public bool Training { get; private set; } = true;

    // ------------------------------------------------------------------------------------------------------
    // Registration
    // ------------------------------------------------------------------------------------------------------

    /// <summary>Registers <paramref name="data"/> as a learnable parameter named <paramref name="name"/>.</summary>
    /// <param name="name">A non-empty name without '.', unique among this module's parameters, buffers and children.</param>
    /// <param name="data">The initial values; a <see cref="Parameter"/> is used as is, any other tensor is wrapped (sharing storage).</param>
    /// <returns>The registered parameter.</returns>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is taken.</exception>
    protected Parameter RegisterParameter(string name, Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckName(name, "parameter");
        var p = data as Parameter ?? new Parameter(data);
        _parameters.Add((name, p));
        return p;
    }

    /// <summary>Registers a buffer: a tensor saved in the state dictionary but not learned (running statistics, counters).</summary>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is taken.</exception>
    protected Tensor RegisterBuffer(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckName(name, "buffer");
        _buffers.Add((name, tensor));
        return tensor;
    }

    /// <summary>Registers <paramref name="module"/> as a child named <paramref name="name"/>.</summary>
    /// <returns><paramref name="module"/>.</returns>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is taken, or the module would contain itself.</exception>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckName(name, "module");
        if (ReferenceEquals(module, this) || module.NamedModules().Any(m => ReferenceEquals(m.Module, this)))
            throw new ArgumentException($"RegisterModule: registering '{name}' ({module.TypeName}) would make {TypeName} contain itself", nameof(module));
        _modules.Add((name, module));
        return module;
    }

    private void CheckName(string name, string kind)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
            throw new ArgumentException($"Register: a {kind} name cannot be empty", nameof(name));
        if (name.Contains('.', StringComparison.Ordinal))
            throw new ArgumentException($"Register: {kind} name '{name}' contains '.'; dots separate nesting levels in state-dict keys", nameof(name));
        if (_parameters.Exists(p => p.Name == name) || _buffers.Exists(b => b.Name == name) || _modules.Exists(m => m.Name == name))
            throw new ArgumentException($"Register: {TypeName} already has a parameter, buffer or module named '{name}'", nameof(name));
    }

    // ------------------------------------------------------------------------------------------------------
    // Enumeration
    // ------------------------------------------------------------------------------------------------------

    /// <summary>The parameters of this module and (with <paramref name="recurse"/>) its descendants, each once, in registration order.</summary>
    public IEnumerable<Parameter> Parameters(bool recurse = true) => NamedParameters(recurse).Select(p => p.Parameter);

    /// <summary>
    /// The parameters with their dotted names ("layers.0.weight"), in PyTorch's order: modules depth first, each
    /// module's own parameters (in registration order) before its children's. A parameter shared by several modules
    /// is listed once, under its first name.
    /// </summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [(string.Empty, this)])
        {
            foreach (var (name, p) in module._parameters)
            {
                if (seen.Add(p)) yield return (Join(prefix, name), p);
            }
        }
    }

    /// <summary>The buffers of this module and its descendants, each once.</summary>
    public IEnumerable<Tensor> Buffers(bool recurse = true) => NamedBuffers(recurse).Select(b => b.Buffer);

    /// <summary>The buffers with their dotted names, in the same order as <see cref="NamedParameters"/>.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [(string.Empty, this)])
        {
            foreach (var (name, b) in module._buffers)
            {
                if (seen.Add(b)) yield return (Join(prefix, name), b);
            }
        }
    }

    /// <summary>The direct children, in registration order.</summary>
    public IEnumerable<Module> Children() => _modules.Select(m => m.Value);

    /// <summary>The direct children with their names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _modules.Select(m => (m.Name, m.Value));

    /// <summary>This module (named "") and every descendant with its dotted path, depth first; a shared module is listed once.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(string, Module)>();
        stack.Push((string.Empty, this));
        while (stack.Count > 0)
        {
            var (prefix, module) = stack.Pop();
            if (!seen.Add(module)) continue;
            yield return (prefix, module);
            for (var i = module._modules.Count - 1; i >= 0; i--)
            {
                var (name, child) = module._modules[i];
                stack.Push((Join(prefix, name), child));
            }
        }
    }

    /// <summary>This module and every descendant, depth first.</summary>
    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>Total number of elements over all (distinct) parameters.</summary>
    public long NumParameters
    {
        get
        {
            long n = 0;
            foreach (var p in Parameters()) n += p.NumElements;
            return n;
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    // ------------------------------------------------------------------------------------------------------
    // Modes and gradients
    // ------------------------------------------------------------------------------------------------------

    /// <summary>Sets training mode on this module and every descendant; returns this module.</summary>
    public Module Train(bool mode = true)
    {
        foreach (var m in Modules()) m.Training = mode;
        return this;
    }

    /// <summary>Sets evaluation mode (<c>Train(false)</c>) on this module and every descendant; returns this module.</summary>
    public Module Eval() => Train(false);

    /// <summary>
    /// Clears the gradients of every parameter: drops them (<paramref name="setToNone"/>, the default, as in
    /// PyTorch 2) or fills them with zeros in place (no allocation on the next backward).
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters())
        {
            if (p.Grad is null) continue;
            if (setToNone) p.Grad = null;
            else p.Grad.ZeroInPlace();
        }
    }

    /// <summary>Sets <see cref="Tensor.RequiresGrad"/> on every parameter (false freezes the module); returns this module.</summary>
    public Module RequireGrad(bool requiresGrad = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>Calls <paramref name="fn"/> on every descendant and then on this module (children first, as PyTorch's <c>apply</c>); returns this module.</summary>
    /// <example><code>model.Apply(m => { if (m is Linear l) Init.XavierUniform(l.Weight); });</code></example>
    public Module Apply(Action<Module> fn)
    {
        ArgumentNullException.ThrowIfNull(fn);
        foreach (var child in Children()) child.Apply(fn);
        fn(this);
        return this;
    }

    /// <summary>
    /// Re-initialises this module's parameters; the base implementation resets every child. Layers override it
    /// with their own initialisation (and should call it in their constructor).
    /// </summary>
    /// <param name="generator">The random stream to draw from (default: <see cref="Generator.Default"/>).</param>
    public virtual void ResetParameters(Generator? generator = null)
    {
        foreach (var child in Children()) child.ResetParameters(generator);
    }

    // ------------------------------------------------------------------------------------------------------
    // State dictionaries and checkpoints
    // ------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Every parameter and buffer by dotted name, in PyTorch's order: for each module depth first, its parameters,
    /// then its buffers, then its children's entries (a tensor shared by two modules appears under both names). The
    /// values share storage with the module (detached views).
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        AddState(dict, string.Empty, new HashSet<Module>(ReferenceEqualityComparer.Instance));
        return dict;
    }

    private void AddState(OrderedDictionary<string, Tensor> dict, string prefix, HashSet<Module> seen)
    {
        if (!seen.Add(this)) return;
        foreach (var (name, p) in _parameters) dict[Join(prefix, name)] = p.Detach();
        foreach (var (name, b) in _buffers) dict[Join(prefix, name)] = b.Detach();
        foreach (var (name, child) in _modules) child.AddState(dict, Join(prefix, name), seen);
    }

    /// <summary>
    /// Copies <paramref name="stateDict"/>'s tensors into this module's parameters and buffers, in place (so
    /// optimizers holding the parameters keep working). Values are converted to each target's dtype.
    /// </summary>
    /// <param name="stateDict">Name → tensor, as <see cref="StateDict"/> produces.</param>
    /// <param name="strict">When true, keys this module expects but the dictionary lacks, and keys it has but this
    /// module does not expect, are errors; when false they are only reported in the result.</param>
    /// <returns>The missing and unexpected keys (both empty after a strict load).</returns>
    /// <exception cref="StateDictException">A shape differs (always), or keys are missing or unexpected (strict);
    /// the message lists every problem.</exception>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var targets = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        CollectTargets(targets, string.Empty, new HashSet<Module>(ReferenceEqualityComparer.Instance));
        var missing = targets.Keys.Where(k => !stateDict.ContainsKey(k)).ToList();
        var unexpected = stateDict.Keys.Where(k => !targets.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var errors = new List<string>();
        foreach (var (key, target) in targets)
        {
            if (!stateDict.TryGetValue(key, out var source)) continue;
            if (source is null)
                errors.Add($"'{key}': the value is null");
            else if (source.Shape != target.Shape)
                errors.Add($"size mismatch for '{key}': the checkpoint has shape {source.Shape}, this module has shape {target.Shape}");
            else if (source.DType == DType.Bool && target.DType != DType.Bool)
                errors.Add($"dtype mismatch for '{key}': the checkpoint has dtype bool, this module has dtype {target.DType.Name()}");
        }
        if (strict)
        {
            if (missing.Count > 0) errors.Insert(0, $"missing keys: {string.Join(", ", missing.Select(k => $"'{k}'"))}");
            if (unexpected.Count > 0) errors.Insert(missing.Count > 0 ? 1 : 0, $"unexpected keys: {string.Join(", ", unexpected.Select(k => $"'{k}'"))}");
        }
        if (errors.Count > 0)
            throw new StateDictException($"LoadStateDict: error(s) loading the state dict into {TypeName}:\n  " + string.Join("\n  ", errors));

        using (GradMode.NoGrad())
        {
            foreach (var (key, target) in targets)
            {
                if (stateDict.TryGetValue(key, out var source) && !(ReferenceEquals(source.Data, target.Data) && source.Offset == target.Offset))
                    target.CopyFrom(source);
            }
        }
        return new LoadStateDictResult(missing, unexpected);
    }

    private void CollectTargets(OrderedDictionary<string, Tensor> dict, string prefix, HashSet<Module> seen)
    {
        if (!seen.Add(this)) return;
        foreach (var (name, p) in _parameters) dict[Join(prefix, name)] = p;
        foreach (var (name, b) in _buffers) dict[Join(prefix, name)] = b;
        foreach (var (name, child) in _modules) child.CollectTargets(dict, Join(prefix, name), seen);
    }

    /// <summary>Writes <see cref="StateDict"/> to a safetensors file (written to a temporary name, then moved into place).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="metadata">Optional free-form strings stored in the file's <c>__metadata__</c>.</param>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) => SafeTensors.Save(StateDict(), path, metadata);

    /// <summary>Loads a safetensors checkpoint written by <see cref="Save"/> (or by PyTorch's <c>safetensors</c>) into this module.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is not valid safetensors.</exception>
    /// <exception cref="StateDictException">The checkpoint does not fit this module (see <see cref="LoadStateDict"/>).</exception>
    public LoadStateDictResult Load(string path, bool strict = true) => LoadStateDict(SafeTensors.Load(path), strict);

    // ------------------------------------------------------------------------------------------------------
    // Printing
    // ------------------------------------------------------------------------------------------------------

    /// <summary>The module's type name without generic arity ("Linear", "Sequential").</summary>
    protected string TypeName
    {
        get
        {
            var name = GetType().Name;
            var tick = name.IndexOf('`', StringComparison.Ordinal);
            return tick < 0 ? name : name[..tick];
        }
    }

    /// <summary>The constructor arguments shown inside the parentheses by <see cref="ToString"/> ("inFeatures=16, outFeatures=32, bias=true").</summary>
    protected virtual string ExtraRepr() => string.Empty;

    /// <summary>A tree like PyTorch's repr: <c>Sequential(\n  (0): Linear(inFeatures=16, outFeatures=32, bias=true)\n  (1): ReLU()\n)</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        AppendRepr(sb, 0);
        return sb.ToString();
    }

    private void AppendRepr(StringBuilder sb, int indent)
    {
        sb.Append(TypeName).Append('(');
        var extra = ExtraRepr();
        if (_modules.Count == 0)
        {
            sb.Append(extra).Append(')');
            return;
        }
        sb.Append('\n');
        var pad = new string(' ', indent + 2);
        if (extra.Length > 0) sb.Append(pad).Append(extra).Append('\n');
        foreach (var (name, child) in _modules)
        {
            sb.Append(pad).Append('(').Append(name).Append("): ");
            child.AppendRepr(sb, indent + 2);
            sb.Append('\n');
        }
        sb.Append(' ', indent).Append(')');
    }

    /// <summary>Formats a number for <see cref="ExtraRepr"/> with the invariant culture.</summary>
    protected static string Fmt(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Formats a flag for <see cref="ExtraRepr"/> ("true"/"false").</summary>
    protected static string Fmt(bool value) => value ? "true" : "false";
}

/// <summary>A module with one input and one output (most dense layers).</summary>
/// <typeparam name="TIn">The input type (usually <see cref="Tensor"/>).</typeparam>
/// <typeparam name="TOut">The output type (usually <see cref="Tensor"/>).</typeparam>
public abstract class Module<TIn, TOut> : Module
{
    /// <summary>Computes the module's output; ops record the autograd graph when an input or parameter requires a gradient.</summary>
    public abstract TOut Forward(TIn input);
}

/// <summary>What <see cref="Module.LoadStateDict"/> did not match: keys the module expected but did not get, and keys it got but does not have.</summary>
/// <param name="MissingKeys">Keys of the module absent from the dictionary, in module order.</param>
/// <param name="UnexpectedKeys">Keys of the dictionary the module does not have, sorted.</param>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

/// <summary>Thrown when a state dictionary does not fit a module: missing or unexpected keys, or shape mismatches (all listed in the message).</summary>
public class StateDictException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public StateDictException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public StateDictException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message.</summary>
    public StateDictException() { }
}
