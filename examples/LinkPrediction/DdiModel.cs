using Dgl.Nn;
using Dgl.Tensors;

namespace Dgl.Examples.LinkPred;

/// <summary>
/// OGB's ogbl-ddi GraphSAGE (examples/linkproppred/ddi/gnn.py): learned node embeddings, SAGEConv("mean") layers with
/// ReLU and dropout between them, and a 2-layer MLP on h_u ⊙ h_v as the link predictor.
/// </summary>
internal sealed class DdiModel : Module
{
    private readonly Embedding _emb;
    private readonly SAGEConv[] _convs;
    private readonly Dropout _drop;
    private readonly Linear _lin1;
    private readonly Linear _lin2;

    public DdiModel(int numNodes, int hidden, int layers, double dropout, Generator gen)
    {
        _emb = RegisterModule("emb", new Embedding(numNodes, hidden, generator: gen));
        Init.XavierUniform(_emb.Weight, 1, gen);
        _convs = [.. Enumerable.Range(0, layers).Select(_ => new SAGEConv(hidden, hidden, "mean", generator: gen))];
        RegisterModule("convs", new ModuleList(_convs));
        _drop = RegisterModule("drop", new Dropout(dropout, gen));
        _lin1 = RegisterModule("lin1", new Linear(hidden, hidden, generator: gen));
        _lin2 = RegisterModule("lin2", new Linear(hidden, 1, generator: gen));
    }

    /// <summary>Embeddings of every node from the whole graph.</summary>
    public Tensor Embed(Graph g) => Layers(_emb.Weight, _ => g);

    /// <summary>Embeddings of a mini-batch's output nodes from its blocks (one per layer, input layer first).</summary>
    public Tensor Embed(IReadOnlyList<Graph> blocks, Tensor inputNodes)
    {
        if (blocks.Count != _convs.Length)
            throw new ArgumentException($"the batch has {blocks.Count} blocks but the model has {_convs.Length} layers; give one fanout per layer", nameof(blocks));
        return Layers(_emb.Weight.IndexSelect(0, inputNodes), l => blocks[l]);
    }

    /// <summary>The SAGE layers from input <paramref name="h"/>, layer l on <paramref name="graphOf"/>(l), ReLU and dropout between them.</summary>
    private Tensor Layers(Tensor h, Func<int, Graph> graphOf)
    {
        for (var l = 0; l < _convs.Length; l++)
        {
            h = _convs[l].Forward(graphOf(l), h);
            if (l < _convs.Length - 1) h = _drop.ForwardRelu(h);
        }
        return h;
    }

    /// <summary>Logits of the pairs (src[i], dst[i]) of rows of <paramref name="h"/>.</summary>
    public Tensor Predict(Tensor h, Tensor src, Tensor dst) =>
        _lin2.Forward(_drop.ForwardRelu(_lin1.Forward(h.IndexSelect(0, src) * h.IndexSelect(0, dst)))).Reshape(-1);

    /// <summary>Clips the embedding's, the convolutions' and the predictor's gradients each to norm <paramref name="maxNorm"/> (OGB's three clip calls).</summary>
    public void ClipGradients(double maxNorm)
    {
        Dgl.Nn.Utils.ClipGradNorm(_emb.Parameters(), maxNorm);
        Dgl.Nn.Utils.ClipGradNorm(_convs.SelectMany(c => c.Parameters()), maxNorm);
        Dgl.Nn.Utils.ClipGradNorm(_lin1.Parameters().Concat(_lin2.Parameters()), maxNorm);
    }
}
