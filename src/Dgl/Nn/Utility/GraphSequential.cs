using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Graph layers run one after another (DGL's <c>dgl.nn.Sequential</c>): on one graph, every layer gets the graph and
/// the previous layer's output; on a list of blocks (mini-batch training), layer i runs on block i.
/// </summary>
/// <remarks>Layers are <see cref="IGraphModule"/> modules, registered under "0", "1", …. Named
/// <c>GraphSequential</c> so as not to clash with the dense <see cref="Sequential"/>.</remarks>
/// <example>
/// <code>
/// var net = new GraphSequential(new GINConv(new Linear(16, 16)), new GINConv(new Linear(16, 4)));
/// var h = net.Forward(g, x);            // both layers on g
/// var hb = net.Forward(blocks, x);      // layer i on blocks[i]
/// </code>
/// </example>
public sealed class GraphSequential : Module, IGraphModule
{
    private readonly List<IGraphModule> _layers = [];

    /// <summary>Creates the container from graph layers (each must also be a <see cref="Module"/>).</summary>
    /// <exception cref="ArgumentException">A layer is not a Module.</exception>
    public GraphSequential(params IEnumerable<IGraphModule> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>Appends a layer; returns this container.</summary>
    public GraphSequential Add(IGraphModule layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is not Module module)
            throw new ArgumentException($"GraphSequential: layer {_layers.Count} ({layer.GetType().Name}) is not a Module", nameof(layer));
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _layers.Add(layer);
        return this;
    }

    /// <summary>The number of layers.</summary>
    public int Count => _layers.Count;

    /// <summary>Layer <paramref name="index"/>.</summary>
    public IGraphModule this[int index] => _layers[index];

    /// <summary>Runs every layer on <paramref name="graph"/>.</summary>
    public Tensor Forward(Graph graph, Tensor features)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var h = features;
        foreach (var layer in _layers) h = layer.Forward(graph, h);
        return h;
    }

    /// <summary>Runs layer i on <paramref name="blocks"/>[i].</summary>
    /// <exception cref="ArgumentException">The number of blocks differs from the number of layers.</exception>
    public Tensor Forward(IReadOnlyList<Graph> blocks, Tensor features)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count != _layers.Count)
            throw new ArgumentException($"GraphSequential: {blocks.Count} graphs were given for {_layers.Count} layers; pass one block per layer", nameof(blocks));
        var h = features;
        for (var i = 0; i < _layers.Count; i++) h = _layers[i].Forward(blocks[i], h);
        return h;
    }
}
