using System.Globalization;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Runs one graph module per relation of a heterograph and combines, for each destination node type, the results of
/// the relations that end there (DGL's <c>HeteroGraphConv</c>):
/// h_dst' = AGG_{r = (src, e, dst)} f_r(g_r, h_src, h_dst).
/// </summary>
/// <remarks>
/// <para>Modules are keyed by relation name ("follows") or canonical relation (("user", "follows", "user")); a
/// canonical key wins over a name. Relations without a module are an error; relations whose source type has no input
/// are skipped. <c>aggregate</c> is "sum" (default), "max", "min", "mean" or "stack" (results stacked along dimension 1,
/// in relation order), or a function of the list of results and the destination type.</para>
/// <para>Each module receives the relation's graph and a (source, destination) pair — on a block, the destination
/// inputs are the first NumDstNodes source rows — so it must implement <see cref="IBipartiteGraphModule"/>; a module
/// that only implements <see cref="IGraphModule"/> can be used on relations whose source and destination types are the
/// same (not on blocks). As DGL, modules with an <c>AllowZeroInDegree</c> switch get it turned on, since a node type
/// often receives no edge of a given relation.</para>
/// </remarks>
/// <example>
/// <code>
/// var conv = new HeteroGraphConv(new Dictionary&lt;EdgeTypeKey, Module&gt;
/// {
///     ["follows"] = new GINConv(new Linear(5, 4)),
///     ["plays"] = new GINConv(new Linear(5, 4)),
///     ["sells"] = new GINConv(new Linear(5, 4)),
/// }, aggregate: "sum");
/// var h = conv.Forward(g, new Dictionary&lt;string, Tensor&gt; { ["user"] = hUser, ["game"] = hGame, ["store"] = hStore });
/// </code>
/// </example>
public sealed class HeteroGraphConv : Module
{
    private readonly Dictionary<EdgeTypeKey, Module> _mods = [];
    private readonly Func<IReadOnlyList<Tensor>, string, Tensor> _aggregate;

    /// <summary>Creates the wrapper with a named aggregation.</summary>
    /// <param name="mods">The module of each relation (by name or canonical type).</param>
    /// <param name="aggregate">"sum", "max", "min", "mean" or "stack".</param>
    /// <exception cref="ArgumentException">Unknown aggregation, or a module that is not a graph module.</exception>
    public HeteroGraphConv(IReadOnlyDictionary<EdgeTypeKey, Module> mods, string aggregate = "sum")
        : this(mods, Aggregation(aggregate))
    {
        Aggregate = aggregate;
    }

    /// <summary>Creates the wrapper with a custom aggregation of the results reaching one destination type.</summary>
    public HeteroGraphConv(IReadOnlyDictionary<EdgeTypeKey, Module> mods, Func<IReadOnlyList<Tensor>, string, Tensor> aggregate)
    {
        ArgumentNullException.ThrowIfNull(mods);
        _aggregate = aggregate ?? throw new ArgumentNullException(nameof(aggregate));
        Aggregate = "custom";
        var dict = new ModuleDict();
        foreach (var (key, module) in mods)
        {
            if (module is not IGraphModule)
                throw new ArgumentException($"HeteroGraphConv: the module for {key} ({module.GetType().Name}) is not a graph module (IGraphModule / IBipartiteGraphModule)", nameof(mods));
            _mods[key] = module;
            dict.Add(key.Name ?? key.Canonical!.Value.ToString(), module);
            // DGL calls set_allow_zero_in_degree(True) on every module that has it.
            var allow = module.GetType().GetProperty("AllowZeroInDegree", typeof(bool));
            if (allow is { CanWrite: true }) allow.SetValue(module, true);
        }
        RegisterModule("mods", dict);
    }

    /// <summary>The aggregation's name ("custom" for a function).</summary>
    public string Aggregate { get; }

    /// <summary>The module of relation <paramref name="etype"/> (canonical key first, then the relation name).</summary>
    /// <exception cref="KeyNotFoundException">No module for the relation.</exception>
    public Module GetModule(CanonicalEdgeType etype)
    {
        if (_mods.TryGetValue(etype, out var m) || _mods.TryGetValue(etype.EdgeType, out m)) return m;
        throw new KeyNotFoundException($"HeteroGraphConv: cannot find a module for edge type {etype}; the modules are for {string.Join(", ", _mods.Keys)}");
    }

    /// <summary>Runs every relation whose source type has an input.</summary>
    /// <param name="graph">A heterograph or heterogeneous block.</param>
    /// <param name="inputs">Features per node type (on a block: the source nodes' features).</param>
    /// <returns>Features per destination type that some relation reached.</returns>
    public IReadOnlyDictionary<string, Tensor> Forward(Graph graph, IReadOnlyDictionary<string, Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(inputs);
        if (!graph.IsBlock) return Run(graph, inputs, inputs);
        var dst = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (type, x) in inputs)
            if (graph.DstTypes.Contains(type, StringComparer.Ordinal)) dst[type] = x.Slice(0, graph.NumDstNodes(type));
        return Run(graph, inputs, dst);
    }

    /// <summary>Runs every relation with separate source and destination inputs (a bipartite heterograph or a block).</summary>
    public IReadOnlyDictionary<string, Tensor> Forward(Graph graph, (IReadOnlyDictionary<string, Tensor> Src, IReadOnlyDictionary<string, Tensor> Dst) inputs)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (inputs.Src is null || inputs.Dst is null)
            throw new ArgumentException("HeteroGraphConv: the (source, destination) input pair has a null member", nameof(inputs));
        return Run(graph, inputs.Src, inputs.Dst);
    }

    private Dictionary<string, Tensor> Run(Graph graph, IReadOnlyDictionary<string, Tensor> src, IReadOnlyDictionary<string, Tensor> dst)
    {
        var outputs = new Dictionary<string, List<Tensor>>(StringComparer.Ordinal);
        foreach (var cet in graph.CanonicalEdgeTypes)
        {
            if (!src.TryGetValue(cet.SrcType, out var xs) || !dst.TryGetValue(cet.DstType, out var xd)) continue;
            var rel = graph[cet];
            var module = GetModule(cet);
            Tensor y;
            if (module is IBipartiteGraphModule bipartite) y = bipartite.Forward(rel, (xs, xd));
            else if (cet.SrcType == cet.DstType && !graph.IsBlock) y = ((IGraphModule)module).Forward(rel, xs);
            else
                throw new ArgumentException($"HeteroGraphConv: the module for {cet} ({module.GetType().Name}) takes one feature tensor, but this relation " +
                    $"{(graph.IsBlock ? "is part of a block" : "joins two node types")} and needs (source, destination) inputs; use a module that implements IBipartiteGraphModule", nameof(graph));
            if (!outputs.TryGetValue(cet.DstType, out var list)) outputs[cet.DstType] = list = [];
            list.Add(y);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (type, list) in outputs) result[type] = _aggregate(list, type);
        return result;
    }

    private static Func<IReadOnlyList<Tensor>, string, Tensor> Aggregation(string name) => name switch
    {
        "sum" => (list, _) => list.Count == 1 ? list[0] : Tensor.Stack(list, 0).Sum(0),
        "mean" => (list, _) => list.Count == 1 ? list[0] : Tensor.Stack(list, 0).Mean(0),
        "max" => (list, _) => list.Count == 1 ? list[0] : Tensor.Stack(list, 0).Amax(0),
        "min" => (list, _) => list.Count == 1 ? list[0] : Tensor.Stack(list, 0).Amin(0),
        "stack" => (list, _) => Tensor.Stack(list, 1),
        _ => throw new ArgumentException($"HeteroGraphConv: invalid cross type aggregator. Must be one of \"sum\", \"max\", \"min\", \"mean\" or \"stack\", but got \"{name}\"", nameof(name)),
    };

    /// <inheritdoc/>
    protected override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"aggregate={Aggregate}, relations={_mods.Count}");
}
