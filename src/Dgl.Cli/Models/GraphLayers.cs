using Dgl.Cli.Config;
using Dgl.Nn;

namespace Dgl.Cli.Models;

/// <summary>The graph convolutions of the zoo, each wrapped as an <see cref="IGraphLayer"/>.</summary>
internal static class GraphLayers
{
    private static readonly TaskKind[] AllTasks = [TaskKind.Node, TaskKind.Link, TaskKind.Graph];
    private static readonly TaskKind[] NodeOnly = [TaskKind.Node];

    /// <summary>The zoo entries for the library's graph layers.</summary>
    public static IReadOnlyList<ZooModel> Models { get; } =
    [
        new("gcn", AllTasks, "graph convolutional network (Kipf & Welling; GraphConv, symmetric normalisation)",
            (i, o, _, _, gen) => new ConvLayer(new GraphConv(i, o, allowZeroInDegree: true, generator: gen))),
        new("gat", AllTasks, "graph attention network (GATConv; --heads heads per hidden layer, concatenated; one head at the output)",
            (i, o, last, s, gen) => last
                ? new ConvLayer(new GATConv(i, o, 1, featDrop: 0, attnDrop: s.Dropout, allowZeroInDegree: true, generator: gen), HeadMode.Mean)
                : new ConvLayer(new GATConv(i, o / s.Heads, s.Heads, attnDrop: s.Dropout, allowZeroInDegree: true, generator: gen), HeadMode.Concat),
            WidthMultiple: true),
        new("sage", AllTasks, "GraphSAGE (SAGEConv, mean aggregator)",
            (i, o, _, _, gen) => new ConvLayer(new SAGEConv(i, o, "mean", generator: gen))),
        new("gin", AllTasks, "graph isomorphism network (GINConv with a two-layer MLP, sum aggregation, learned epsilon)",
            (i, o, _, _, gen) => new ConvLayer(new GINConv(new Sequential(new Linear(i, o, generator: gen), new ReLU(), new Linear(o, o, generator: gen)), "sum", learnEps: true))),
        new("sgc", NodeOnly, "simplified graph convolution (SGConv: --layers hops of propagation, one linear map)",
            (i, o, _, s, gen) => new ConvLayer(new SGConv(i, o, k: s.Layers, cached: true, allowZeroInDegree: true, generator: gen), selfLoops: true),
            // DGL's examples/pytorch/sgc: self-loops on the graph, one linear map on fixed features, a large step,
            // little decay, no dropout.
            SingleLayer: true, Blocks: false, Lr: 0.2, WeightDecay: 5e-6, Dropout: 0),
        new("appnp", NodeOnly, "APPNP: an MLP whose output is propagated by personalised PageRank (APPNPConv, k=10, alpha=0.1)",
            (i, o, last, _, gen) => last ? new PropagatedDense(i, o, gen) : new DenseLayer(i, o, gen), Blocks: false),
        new("rgcn", NodeOnly, "relational GCN (RelGraphConv, basis regulariser, self-loop; one weight per edge type of a heterogeneous set, one relation otherwise)",
            (i, o, _, s, gen) => new RelationalLayer(i, o, s.NumRelations, gen)),
    ];
}

/// <summary>How a multi-head layer's [N, heads, F] output becomes [N, F'].</summary>
internal enum HeadMode
{
    /// <summary>The layer outputs [N, F] already.</summary>
    None,

    /// <summary>Concatenate the heads: [N, heads·F].</summary>
    Concat,

    /// <summary>Average the heads: [N, F].</summary>
    Mean,
}

/// <summary>Any <see cref="IGraphModule"/> of the library as a layer of the zoo's models.</summary>
internal sealed class ConvLayer : Module, IGraphLayer
{
    private readonly IGraphModule _conv;
    private readonly HeadMode _heads;
    private readonly bool _selfLoops;
    private Graph? _lastInput, _lastLooped;

    /// <param name="conv">The library's graph module.</param>
    /// <param name="heads">How a multi-head output becomes one row per node.</param>
    /// <param name="selfLoops">Run on the graph with exactly one self-loop per node (existing ones removed first), as
    /// DGL's example for the module prepares its graph.</param>
    public ConvLayer(Module conv, HeadMode heads = HeadMode.None, bool selfLoops = false)
    {
        _conv = conv as IGraphModule ?? throw new ArgumentException($"{conv.GetType().Name} is not a graph module", nameof(conv));
        _heads = heads;
        _selfLoops = selfLoops;
        RegisterModule("conv", conv);
    }

    public Tensor Forward(Graph graph, Tensor x, Tensor? edgeTypes)
    {
        if (_selfLoops)
        {
            if (!ReferenceEquals(graph, _lastInput)) (_lastInput, _lastLooped) = (graph, graph.RemoveSelfLoop().AddSelfLoop());
            graph = _lastLooped!;
        }
        var h = _conv.Forward(graph, x);
        return _heads switch
        {
            HeadMode.Concat => h.Reshape(h.Size(0), -1),
            HeadMode.Mean => h.Mean(1),
            _ => h,
        };
    }
}

/// <summary>APPNP's output stage: a dense layer followed by personalised-PageRank propagation.</summary>
internal sealed class PropagatedDense : Module, IGraphLayer
{
    private readonly Linear _linear;
    private readonly APPNPConv _propagate;

    public PropagatedDense(int inFeatures, int outFeatures, Generator generator)
    {
        _linear = RegisterModule("linear", new Linear(inFeatures, outFeatures, generator: generator));
        _propagate = RegisterModule("propagate", new APPNPConv(10, 0.1));
    }

    public Tensor Forward(Graph graph, Tensor x, Tensor? edgeTypes) => _propagate.Forward(graph, _linear.Forward(x));
}

/// <summary>
/// R-GCN's layer as DGL's entity-classification example uses it: <see cref="RelGraphConv"/> with basis decomposition
/// (one basis per relation, at most <see cref="MaxBases"/>), a self-loop, and the normaliser 1/|N_r(i)| on every
/// edge (the in-degree of its destination within its relation, counted on the graph or block it runs on).
/// </summary>
internal sealed class RelationalLayer : Module, IGraphLayer
{
    /// <summary>The most bases of the basis decomposition (DGL's MUTAG setting; AIFB's 90 relations share them).</summary>
    public const int MaxBases = 30;

    private readonly RelGraphConv _conv;
    private readonly int _numRels;
    private Graph? _cachedGraph;
    private Tensor? _cachedTypes;
    private (Tensor Types, Tensor Norm)? _cached;

    public RelationalLayer(int inFeatures, int outFeatures, int numRels, Generator generator)
    {
        _numRels = Math.Max(1, numRels);
        _conv = RegisterModule("conv", new RelGraphConv(inFeatures, outFeatures, _numRels, "basis", Math.Min(_numRels, MaxBases), generator: generator));
    }

    /// <summary>The wrapped convolution (its weights, for tests).</summary>
    internal RelGraphConv Conv => _conv;

    /// <summary>
    /// h' on <paramref name="graph"/> (a graph or a block) with the relation of each edge in <paramref name="edgeTypes"/>
    /// (int32 [E]; null: every edge is relation 0).
    /// </summary>
    public Tensor Forward(Graph graph, Tensor x, Tensor? edgeTypes)
    {
        var (types, norm) = TypesAndNorm(graph, edgeTypes);
        return _conv.Forward(graph, x, types, norm);
    }

    // The full graph comes back every epoch: its types and normaliser are computed once. Blocks change every batch.
    private (Tensor Types, Tensor Norm) TypesAndNorm(Graph graph, Tensor? edgeTypes)
    {
        if (_cached is { } c && ReferenceEquals(graph, _cachedGraph) && ReferenceEquals(edgeTypes, _cachedTypes)) return c;
        var dstT = graph.AllEdges().Dst;
        var dst = dstT.AsSpan<int>();
        var types = edgeTypes is null ? new int[dst.Length] : edgeTypes.Int().ToArray<int>();
        if (types.Length != dst.Length)
            throw new ArgumentException($"rgcn: {types.Length} edge types for a graph of {dst.Length} edges", nameof(edgeTypes));
        foreach (var t in types)
            if ((uint)t >= (uint)_numRels)
                throw new CliException($"rgcn: edge type {t} is out of range; the model was built for {_numRels} relation(s)");
        var norm = new float[dst.Length];
        var slots = (long)graph.NumDstNodes() * _numRels;
        if (slots <= 1 << 24)
        {
            // Dense counts per (destination, relation).
            var counts = new int[slots];
            for (var e = 0; e < dst.Length; e++) counts[(dst[e] * _numRels) + types[e]]++;
            for (var e = 0; e < dst.Length; e++) norm[e] = 1f / counts[(dst[e] * _numRels) + types[e]];
        }
        else
        {
            var counts = new Dictionary<long, int>();
            for (var e = 0; e < dst.Length; e++)
            {
                var key = ((long)dst[e] * _numRels) + types[e];
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
            for (var e = 0; e < dst.Length; e++) norm[e] = 1f / counts[((long)dst[e] * _numRels) + types[e]];
        }
        var result = (Tensor.FromArray(types), Tensor.FromArray(norm, new Shape(dst.Length, 1)));
        if (!graph.IsBlock)
        {
            (_cachedGraph, _cachedTypes, _cached) = (graph, edgeTypes, result);
        }
        return result;
    }
}
