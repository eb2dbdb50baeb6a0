using Dgl.Tensors;
using System.Collections;

namespace Dgl.Nn;

/// <summary>
/// Runs its layers one after another, feeding each output to the next (PyTorch's <c>nn.Sequential</c>). Layers
/// are registered under their positions "0", "1", …
/// </summary>
/// <example>
/// <code>
/// var mlp = new Sequential(new Linear(128, 64), new ReLU(), new Linear(64, 10));
/// var logits = mlp.Forward(x);
/// </code>
/// </example>
public sealed class Sequential : Module<Tensor, Tensor>, IReadOnlyList<Module<Tensor, Tensor>>
{
    private readonly List<Module<Tensor, Tensor>> _layers = [];

    /// <summary>Creates the chain from <paramref name="layers"/>, in order.</summary>
    public Sequential(params IEnumerable<Module<Tensor, Tensor>> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>Appends a layer (registered as the next position).</summary>
    public Sequential Add(Module<Tensor, Tensor> layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>Number of layers.</summary>
    public int Count => _layers.Count;

    /// <summary>Layer <paramref name="index"/>.</summary>
    public Module<Tensor, Tensor> this[int index] => _layers[index];

    /// <summary>Applies every layer in order.</summary>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers) x = layer.Forward(x);
        return x;
    }

    /// <inheritdoc/>
    public IEnumerator<Module<Tensor, Tensor>> GetEnumerator() => _layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A list of modules registered under their positions "0", "1", … (PyTorch's <c>nn.ModuleList</c>); it has no
/// forward pass of its own — the owning module decides how to use them.
/// </summary>
/// <example>
/// <code>
/// var layers = new ModuleList(new GraphConv(16, 16), new GraphConv(16, 16));
/// foreach (var layer in layers) h = ((GraphConv)layer).Forward(g, h);
/// </code>
/// </example>
public sealed class ModuleList : Module, IReadOnlyList<Module>
{
    private readonly List<Module> _items = [];

    /// <summary>Creates the list from <paramref name="modules"/>, in order.</summary>
    public ModuleList(params IEnumerable<Module> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    /// <summary>Appends a module (registered as the next position).</summary>
    public ModuleList Add(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _items.Add(module);
        return this;
    }

    /// <summary>Number of modules.</summary>
    public int Count => _items.Count;

    /// <summary>Module <paramref name="index"/>.</summary>
    public Module this[int index] => _items[index];

    /// <inheritdoc/>
    public IEnumerator<Module> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Modules by name, in insertion order (PyTorch's <c>nn.ModuleDict</c>); each is registered under its key, so a
/// parameter's state-dict name is "key.weight".
/// </summary>
public sealed class ModuleDict : Module, IReadOnlyDictionary<string, Module>
{
    private readonly OrderedDictionary<string, Module> _items = new(StringComparer.Ordinal);

    /// <summary>Creates an empty dictionary.</summary>
    public ModuleDict()
    {
    }

    /// <summary>Creates the dictionary from <paramref name="modules"/>, in order.</summary>
    public ModuleDict(IEnumerable<KeyValuePair<string, Module>> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var (k, m) in modules) Add(k, m);
    }

    /// <summary>Adds a module under <paramref name="key"/> (a valid registration name: non-empty, no '.').</summary>
    /// <exception cref="ArgumentException">The key is taken or invalid.</exception>
    public void Add(string key, Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(key, module);
        _items.Add(key, module);
    }

    /// <summary>The module under <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such key (the message lists the keys).</exception>
    public Module this[string key] => _items.TryGetValue(key, out var m) ? m
        : throw new KeyNotFoundException($"ModuleDict: no module named '{key}'; keys are {string.Join(", ", _items.Keys.Select(k => $"'{k}'"))}");

    /// <summary>Number of modules.</summary>
    public int Count => _items.Count;

    /// <summary>The keys, in insertion order.</summary>
    public IEnumerable<string> Keys => _items.Keys;

    /// <summary>The modules, in insertion order.</summary>
    public IEnumerable<Module> Values => _items.Values;

    /// <summary>Whether a module is stored under <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => _items.ContainsKey(key);

    /// <summary>Gets the module under <paramref name="key"/> if there is one.</summary>
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Module value) => _items.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, Module>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
