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
            (i, o, _, s, gen) => new ConvLayer(new SGConv(i, o, k: s.Layers, cached: true, allowZeroInDegree: true, generator: gen)),
            SingleLayer: true),
        new("appnp", NodeOnly, "APPNP: an MLP whose output is propagated by personalised PageRank (APPNPConv, k=10, alpha=0.1)",
            (i, o, last, _, gen) => last ? new PropagatedDense(i, o, gen) : new DenseLayer(i, o, gen)),
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

    public ConvLayer(Module conv, HeadMode heads = HeadMode.None)
    {
        _conv = conv as IGraphModule ?? throw new ArgumentException($"{conv.GetType().Name} is not a graph module", nameof(conv));
        _heads = heads;
        RegisterModule("conv", conv);
    }

    public Tensor Forward(Graph graph, Tensor x, Tensor? edgeTypes)
    {
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
