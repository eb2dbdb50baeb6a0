using Dgl.Nn;
using Dgl.Tensors;

namespace Dgl.Examples.NodeClassification;

/// <summary>
/// Input node features in the two forms the models read: dense, and row-sparse (bag-of-words rows are ~1% non-zero,
/// so the first layer's product with its weight, and that weight's gradient, run over the non-zeros only).
/// </summary>
internal sealed class NodeFeatures(Tensor dense)
{
    private SparseFeatures? _sparse;

    public Tensor Dense { get; } = dense;

    public SparseFeatures Sparse => _sparse ??= SparseFeatures.FromDense(Dense);
}

/// <summary>A node classifier: node features in, class logits [N, classes] out.</summary>
internal abstract class NodeClassifier : Module
{
    public abstract Tensor Forward(Graph graph, NodeFeatures features);
}

/// <summary>DGL's examples/pytorch/gcn: GraphConv(in, 16, ReLU) → dropout 0.5 → GraphConv(16, classes).</summary>
internal sealed class Gcn : NodeClassifier
{
    private readonly GraphConv _conv1;
    private readonly GraphConv _conv2;
    private readonly Dropout _dropout;

    public Gcn(int inFeats, int hidden, int classes, Generator gen)
    {
        _conv1 = RegisterModule("conv1", new GraphConv(inFeats, hidden, activation: x => x.Relu(), generator: gen));
        _conv2 = RegisterModule("conv2", new GraphConv(hidden, classes, generator: gen));
        _dropout = RegisterModule("dropout", new Dropout(0.5, gen));
    }

    public override Tensor Forward(Graph graph, NodeFeatures features) =>
        _conv2.Forward(graph, _dropout.Forward(_conv1.Forward(graph, features.Sparse)));
}

/// <summary>DGL's examples/pytorch/gat: GATConv(in, 8, 8 heads, ELU) flattened → GATConv(64, classes, 1 head) averaged;
/// feature and attention dropout 0.6 in both.</summary>
internal sealed class Gat : NodeClassifier
{
    private readonly GATConv _conv1;
    private readonly GATConv _conv2;

    public Gat(int inFeats, int hidden, int classes, int heads, int outHeads, Generator gen)
    {
        _conv1 = RegisterModule("conv1", new GATConv(inFeats, hidden, heads, 0.6, 0.6, activation: x => x.Elu(), generator: gen));
        _conv2 = RegisterModule("conv2", new GATConv(hidden * heads, classes, outHeads, 0.6, 0.6, generator: gen));
    }

    public override Tensor Forward(Graph graph, NodeFeatures features)
    {
        var h = _conv1.Forward(graph, features.Sparse);
        h = h.Reshape(h.Size(0), -1);
        return _conv2.Forward(graph, h).Mean(1);
    }
}

/// <summary>DGL's examples/pytorch/graphsage/train_full.py: dropout 0.5 → SAGEConv(in, 16, gcn) → ReLU → dropout 0.5 →
/// SAGEConv(16, classes, gcn).</summary>
internal sealed class Sage : NodeClassifier
{
    private readonly SAGEConv _conv1;
    private readonly SAGEConv _conv2;
    private readonly Dropout _dropout;
    private readonly Generator _gen;

    public Sage(int inFeats, int hidden, int classes, string aggregator, Generator gen)
    {
        _gen = gen;
        _conv1 = RegisterModule("conv1", new SAGEConv(inFeats, hidden, aggregator, generator: gen));
        _conv2 = RegisterModule("conv2", new SAGEConv(hidden, classes, aggregator, generator: gen));
        _dropout = RegisterModule("dropout", new Dropout(0.5, gen));
    }

    public override Tensor Forward(Graph graph, NodeFeatures features)
    {
        var h = _conv1.Forward(graph, features.Sparse.Dropout(_dropout.P, Training, _gen));
        return _conv2.Forward(graph, _dropout.Forward(h.Relu()));
    }
}

/// <summary>DGL's examples/pytorch/appnp: dropout 0.5 → Linear(in, 64) → ReLU → dropout 0.5 → Linear(64, classes) →
/// APPNPConv(k = 10, α = 0.1, edge dropout 0.5).</summary>
internal sealed class Appnp : NodeClassifier
{
    private readonly Linear _lin1;
    private readonly Linear _lin2;
    private readonly Dropout _dropout;
    private readonly APPNPConv _propagate;
    private readonly Generator _gen;

    public Appnp(int inFeats, int hidden, int classes, int k, double alpha, double edgeDrop, Generator gen)
    {
        _gen = gen;
        _lin1 = RegisterModule("lin1", new Linear(inFeats, hidden, generator: gen));
        _lin2 = RegisterModule("lin2", new Linear(hidden, classes, generator: gen));
        _dropout = RegisterModule("dropout", new Dropout(0.5, gen));
        _propagate = RegisterModule("propagate", new APPNPConv(k, alpha, edgeDrop, gen));
    }

    public override Tensor Forward(Graph graph, NodeFeatures features)
    {
        var x = features.Sparse.Dropout(_dropout.P, Training, _gen);
        var h = x.Linear(_lin1.Weight, _lin1.Bias).Relu();
        h = _lin2.Forward(_dropout.Forward(h));
        return _propagate.Forward(graph, h);
    }
}

/// <summary>DGL's examples/pytorch/sgc: SGConv(in, classes, k = 2, cached) — a linear model on Â²X.</summary>
internal sealed class Sgc : NodeClassifier
{
    private readonly SGConv _conv;

    public Sgc(int inFeats, int classes, bool bias, Generator gen) =>
        _conv = RegisterModule("conv", new SGConv(inFeats, classes, k: 2, cached: true, bias: bias, generator: gen));

    public override Tensor Forward(Graph graph, NodeFeatures features) => _conv.Forward(graph, features.Dense);
}
