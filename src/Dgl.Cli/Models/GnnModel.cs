using Dgl.Cli.Config;
using Dgl.Nn;

namespace Dgl.Cli.Models;

/// <summary>The hyper-parameters and data shapes a model is built from (all of it saved in <c>config.yaml</c>).</summary>
internal sealed record ModelSpec(
    TaskKind Task, string Model, int InFeatures, int NumNodes, int NumClasses, int Hidden, int Layers, int Heads, double Dropout, int NumRelations);

/// <summary>One graph layer as the CLI's models stack it: node features in, node features out, with optional edge relation ids.</summary>
internal interface IGraphLayer
{
    /// <summary>New node features [N, out] from <paramref name="x"/> [N, in] on <paramref name="graph"/>.</summary>
    Tensor Forward(Graph graph, Tensor x, Tensor? edgeTypes);
}

/// <summary>
/// The model every task trains: an input stage (the features, or a learned embedding per node when the data has none),
/// a stack of graph layers with ReLU and dropout between them, and a task head — none for node classification (the
/// last layer outputs the classes), the layers' output as embeddings for link prediction (scored by a dot product),
/// mean pooling and a linear classifier for graph classification.
/// </summary>
internal sealed class GnnModel : Module
{
    private readonly ModuleList _layers;
    private readonly Embedding? _embedding;
    private readonly Linear? _classifier;
    private readonly Dropout _dropout;

    public GnnModel(ModelSpec spec, Func<int, int, bool, Module> makeLayer, Generator generator)
    {
        Spec = spec;
        var inDim = spec.InFeatures;
        if (inDim == 0)
        {
            _embedding = RegisterModule("embedding", new Embedding(spec.NumNodes, spec.Hidden, generator: generator));
            inDim = spec.Hidden;
        }
        _layers = RegisterModule("layers", new ModuleList());
        for (var i = 0; i < spec.Layers; i++)
        {
            var last = i == spec.Layers - 1;
            var outDim = last && spec.Task == TaskKind.Node ? spec.NumClasses : spec.Hidden;
            var layer = makeLayer(inDim, outDim, last && spec.Task == TaskKind.Node);
            if (layer is not IGraphLayer)
                throw new InvalidOperationException($"{layer.GetType().Name} is not a graph layer");
            _layers.Add(layer);
            inDim = outDim;
        }
        if (spec.Task == TaskKind.Graph)
            _classifier = RegisterModule("classifier", new Linear(spec.Hidden, spec.NumClasses, generator: generator));
        _dropout = RegisterModule("dropout", new Dropout(spec.Dropout, generator));
    }

    /// <summary>The specification the model was built from.</summary>
    public ModelSpec Spec { get; }

    /// <summary>
    /// Runs the stack on <paramref name="graph"/>. Returns the task output (class logits for node and graph
    /// classification, node embeddings for link prediction) and the last hidden node representation (the input of
    /// the last layer for node classification, the layers' output otherwise).
    /// </summary>
    /// <param name="graph">The graph (a batch of graphs for graph classification).</param>
    /// <param name="x">Node features, or null when the model learns an embedding per node.</param>
    /// <param name="edgeTypes">Relation id per edge (R-GCN), or null.</param>
    /// <param name="graphIds">For graph classification: the graph each node belongs to (int32 [N]).</param>
    /// <param name="numGraphs">For graph classification: the number of graphs in the batch.</param>
    public (Tensor Output, Tensor Hidden) Forward(Graph graph, Tensor? x, Tensor? edgeTypes, Tensor? graphIds = null, int numGraphs = 0)
    {
        var h = _embedding is not null ? _embedding.Weight : x ?? throw new ArgumentNullException(nameof(x), "the model was built for node features");
        var hidden = h;
        for (var i = 0; i < _layers.Count; i++)
        {
            var last = i == _layers.Count - 1;
            if (i > 0 || _embedding is null) h = _dropout.Forward(h);
            if (last) hidden = h;
            h = ((IGraphLayer)_layers[i]).Forward(graph, h, edgeTypes);
            if (!last || Spec.Task == TaskKind.Graph) h = h.Relu();
        }
        if (Spec.Task == TaskKind.Node) return (h, hidden);
        if (Spec.Task == TaskKind.Link) return (h, h);
        var pooled = MeanPool(h, graphIds!, numGraphs);
        return (_classifier!.Forward(_dropout.Forward(pooled)), h);
    }

    /// <summary>
    /// Runs the stack on sampled blocks (mini-batch node classification): layer i maps the source nodes of
    /// <paramref name="blocks"/>[i] to its destination nodes, which are the source nodes of the next block. Returns the
    /// class logits of the last block's destination nodes (the seeds).
    /// </summary>
    /// <param name="blocks">One block per layer, input layer first.</param>
    /// <param name="inputNodes">The graph ids of the first block's source nodes (int32).</param>
    /// <param name="x">Their features, or null when the model learns an embedding per node.</param>
    /// <param name="edgeTypes">Relation id per edge of each block (R-GCN), or null entries.</param>
    public Tensor ForwardBlocks(IReadOnlyList<Graph> blocks, Tensor inputNodes, Tensor? x, IReadOnlyList<Tensor?> edgeTypes)
    {
        if (Spec.Task != TaskKind.Node) throw new InvalidOperationException("ForwardBlocks serves node classification");
        if (blocks.Count != _layers.Count)
            throw new ArgumentException($"{blocks.Count} blocks for a model of {_layers.Count} layers; sample one block per layer", nameof(blocks));
        var h = _embedding is not null ? _embedding.Forward(inputNodes) : x ?? throw new ArgumentNullException(nameof(x), "the model was built for node features");
        for (var i = 0; i < _layers.Count; i++)
        {
            if (i > 0 || _embedding is null) h = _dropout.Forward(h);
            h = ((IGraphLayer)_layers[i]).Forward(blocks[i], h, edgeTypes[i]);
            if (i < _layers.Count - 1) h = h.Relu();
        }
        return h;
    }

    /// <summary>Mean of each graph's node rows: a sum by graph id (index-add, differentiable) divided by the node counts.</summary>
    internal static Tensor MeanPool(Tensor h, Tensor graphIds, int numGraphs)
    {
        var sums = Tensor.Zeros(new Shape(numGraphs, h.Size(1)), h.DType).IndexAdd(0, graphIds, h);
        var counts = new float[numGraphs];
        foreach (var g in graphIds.ToArray<int>()) counts[g]++;
        for (var i = 0; i < counts.Length; i++) counts[i] = Math.Max(1, counts[i]);
        return sums.Div(Tensor.FromArray(counts, new Shape(numGraphs, 1)));
    }

    /// <summary>Link scores: the dot product of the two end points' embeddings, one logit per pair.</summary>
    internal static Tensor DotScores(Tensor embeddings, Tensor src, Tensor dst) =>
        embeddings.Rows(src).Mul(embeddings.Rows(dst)).Sum(1);
}

/// <summary>A dense layer that ignores the graph: the MLP baseline of every task.</summary>
internal sealed class DenseLayer : Module, IGraphLayer
{
    private readonly Linear _linear;

    public DenseLayer(int inFeatures, int outFeatures, Generator generator) =>
        _linear = RegisterModule("linear", new Linear(inFeatures, outFeatures, generator: generator));

    public Tensor Forward(Graph graph, Tensor x, Tensor? edgeTypes) =>
        _linear.Forward(graph.IsBlock ? x.Slice(0, graph.NumDstNodes()) : x);
}
