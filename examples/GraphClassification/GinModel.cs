using Dgl.Nn;
using Dgl.Tensors;

namespace Dgl.Examples.GraphClassification;

/// <summary>
/// GIN for graph classification as DGL's <c>examples/pytorch/gin</c> (after Xu et al. 2019): <c>numLayers</c> − 1
/// GINConv layers whose f_Θ is an MLP (Linear → BatchNorm → ReLU → … → Linear) followed by BatchNorm and ReLU, a
/// BatchNorm and ReLU after each layer, and a prediction from every layer (input included): sum-pool the layer's
/// node features, a Linear to the classes, dropout, and the scores of all layers added.
/// </summary>
internal sealed class Gin : Module
{
    private readonly ModuleList _layers = new();
    private readonly ModuleList _norms = new();
    private readonly ModuleList _predictions = new();
    private readonly Dropout _dropout;
    private readonly Module _pool;

    public Gin(int numLayers, int numMlpLayers, int inputDim, int hiddenDim, int outputDim, double finalDropout,
        bool learnEps, string graphPooling, string neighborPooling, Generator generator)
    {
        for (var layer = 0; layer < numLayers - 1; layer++)
        {
            var mlp = new Mlp(numMlpLayers, layer == 0 ? inputDim : hiddenDim, hiddenDim, hiddenDim, generator);
            _layers.Add(new GINConv(new ApplyNodeFunc(mlp, hiddenDim), neighborPooling, 0, learnEps));
            _norms.Add(new BatchNorm1d(hiddenDim));
        }
        for (var layer = 0; layer < numLayers; layer++)
            _predictions.Add(new Linear(layer == 0 ? inputDim : hiddenDim, outputDim, generator: generator));
        _dropout = new Dropout(finalDropout, generator);
        _pool = graphPooling switch
        {
            "sum" => new SumPooling(),
            "mean" => new AvgPooling(),
            "max" => new MaxPooling(),
            _ => throw new ArgumentException($"graph pooling '{graphPooling}' is not one of sum, mean, max", nameof(graphPooling)),
        };
        RegisterModule("ginlayers", _layers);
        RegisterModule("batch_norms", _norms);
        RegisterModule("linears_prediction", _predictions);
        RegisterModule("drop", _dropout);
    }

    /// <summary>Class scores [B, outputDim] of the graphs of a batch from node features [N, inputDim].</summary>
    public Tensor Forward(Graph g, Tensor h)
    {
        var hidden = new List<Tensor>(_layers.Count + 1) { h };
        for (var i = 0; i < _layers.Count; i++)
        {
            h = ((GINConv)_layers[i]).Forward(g, h);
            h = ((BatchNorm1d)_norms[i]).Forward(h).Relu();
            hidden.Add(h);
        }
        Tensor? score = null;
        for (var i = 0; i < hidden.Count; i++)
        {
            var pooled = Pool(g, hidden[i]);
            var s = _dropout.Forward(((Linear)_predictions[i]).Forward(pooled));
            score = score is null ? s : score + s;
        }
        return score!;
    }

    private Tensor Pool(Graph g, Tensor h) => _pool switch
    {
        SumPooling p => p.Forward(g, h),
        AvgPooling p => p.Forward(g, h),
        _ => ((MaxPooling)_pool).Forward(g, h),
    };

    /// <summary>An MLP: Linear → BatchNorm → ReLU repeated, then a last Linear (one Linear when numLayers is 1).</summary>
    private sealed class Mlp : Module<Tensor, Tensor>
    {
        private readonly ModuleList _linears = new();
        private readonly ModuleList _norms = new();

        public Mlp(int numLayers, int inputDim, int hiddenDim, int outputDim, Generator generator)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 1);
            OutputDim = outputDim;
            for (var i = 0; i < numLayers; i++)
            {
                var fanIn = i == 0 ? inputDim : hiddenDim;
                var fanOut = i == numLayers - 1 ? outputDim : hiddenDim;
                _linears.Add(new Linear(fanIn, fanOut, generator: generator));
                if (i < numLayers - 1) _norms.Add(new BatchNorm1d(hiddenDim));
            }
            RegisterModule("linears", _linears);
            RegisterModule("batch_norms", _norms);
        }

        public int OutputDim { get; }

        public override Tensor Forward(Tensor input)
        {
            var h = input;
            for (var i = 0; i < _norms.Count; i++) h = ((BatchNorm1d)_norms[i]).Forward(((Linear)_linears[i]).Forward(h)).Relu();
            return ((Linear)_linears[^1]).Forward(h);
        }
    }

    /// <summary>f_Θ of each GIN layer: the MLP, then BatchNorm and ReLU.</summary>
    private sealed class ApplyNodeFunc : Module<Tensor, Tensor>
    {
        private readonly Mlp _mlp;
        private readonly BatchNorm1d _bn;

        public ApplyNodeFunc(Mlp mlp, int dim)
        {
            _mlp = RegisterModule("mlp", mlp);
            _bn = RegisterModule("bn", new BatchNorm1d(dim));
        }

        public override Tensor Forward(Tensor input) => _bn.Forward(_mlp.Forward(input)).Relu();
    }
}
