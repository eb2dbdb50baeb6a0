using System.Diagnostics;
using Dgl.Dataloading;
using Dgl.Metrics;
using Dgl.Nn;
using Dgl.Optim;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;

namespace Dgl.Examples.MiniBatch;

/// <summary>
/// DGL's examples/pytorch/graphsage/node_classification.py model: a stack of SAGEConv("mean") layers (in → hidden →
/// … → classes) on the blocks of a mini-batch, ReLU and dropout between layers. Optional dropout on the input
/// features (the first layer's feat_drop; DGL's example has none, the small citation sets want it).
/// </summary>
/// <remarks>Compiled into both the MiniBatch example and the <c>minibatch</c> bench, so the bench times this model.</remarks>
internal sealed class SageMiniBatch : Module
{
    private readonly SAGEConv[] _layers;
    private readonly Dropout _dropout;

    public SageMiniBatch(int inFeats, int hidden, int classes, int numLayers, double dropout, double inputDropout, Generator gen)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 1);
        _layers = new SAGEConv[numLayers];
        for (var l = 0; l < numLayers; l++)
        {
            var fin = l == 0 ? inFeats : hidden;
            var fout = l == numLayers - 1 ? classes : hidden;
            _layers[l] = new SAGEConv(fin, fout, "mean", featDrop: l == 0 ? inputDropout : 0, generator: gen);
        }
        RegisterModule("layers", new ModuleList(_layers));
        _dropout = RegisterModule("dropout", new Dropout(dropout, gen));
    }

    public int NumLayers => _layers.Length;

    /// <summary>Layer <paramref name="l"/> on one block, followed by ReLU and dropout unless it is the last.</summary>
    public Tensor Layer(int l, Graph block, Tensor h)
    {
        var y = _layers[l].Forward(block, h);
        return l == _layers.Length - 1 ? y : _dropout.ForwardRelu(y);   // dropout(relu(y)) as one op
    }

    /// <summary>Logits of a mini-batch's output nodes from its first block's input features.</summary>
    public Tensor Forward(IReadOnlyList<Graph> blocks, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count != _layers.Length)
            throw new ArgumentException($"the batch has {blocks.Count} blocks but the model has {_layers.Length} layers; give the sampler one fanout per layer", nameof(blocks));
        var h = x;
        for (var l = 0; l < _layers.Length; l++) h = Layer(l, blocks[l], h);
        return h;
    }

    /// <summary>Logits of every node by exact layer-wise full-neighbour inference (evaluation mode, no gradients).</summary>
    public Tensor Inference(Graph g, Tensor features, int batchSize = 4096)
    {
        var wasTraining = Training;
        Eval();
        try
        {
            return LayerwiseInference.Run(g, features, _layers.Length, (l, block, x) =>
            {
                // Free the previous batch's tensors before this one allocates its own: without it the peak held
                // several batches' dead arrays (measured at 1/10 scale: 3.5 GB -> 0.87 GB, and about half the time).
                TensorMemory.Collect();
                return Layer(l, block, x);
            }, batchSize);
        }
        finally
        {
            Train(wasTraining);
        }
    }
}

/// <summary>What one training epoch did and where its time went.</summary>
internal sealed record EpochStats(int Steps, double MeanLoss, double SampleSeconds, double ComputeSeconds, double WallSeconds)
{
    /// <summary>Milliseconds per step, all in.</summary>
    public double MsPerStep => 1000 * WallSeconds / Steps;

    /// <summary>Milliseconds per step spent waiting for the loader (sampling, block building, feature gather).</summary>
    public double SampleMsPerStep => 1000 * SampleSeconds / Steps;

    /// <summary>Milliseconds per step in forward, loss, backward and the optimizer step.</summary>
    public double ComputeMsPerStep => 1000 * ComputeSeconds / Steps;
}

/// <summary>The mini-batch training loop and the evaluation shared by the example and the bench.</summary>
internal static class SageMiniBatchTraining
{
    /// <summary>
    /// One pass over the loader: forward on the blocks (features prefetched as <c>Blocks[0].SrcData["feat"]</c>,
    /// labels as <c>Blocks[^1].DstData["label"]</c>), cross entropy, backward, optimizer step. Waiting for the next
    /// batch counts as sampling time (with the loader's <see cref="DataLoader{TBatch}.CollectBetweenBatches"/>, the
    /// collection of the last step's tensors too), the rest as compute.
    /// </summary>
    public static EpochStats TrainEpoch(SageMiniBatch model, DataLoader<BlockBatch> loader, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        ArgumentNullException.ThrowIfNull(optimizer);
        model.Train();
        double sample = 0, compute = 0, lossSum = 0;
        var steps = 0;
        var wall = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        using var batches = loader.GetEnumerator();
        while (true)
        {
            clock.Restart();
            if (!batches.MoveNext()) break;
            sample += clock.Elapsed.TotalSeconds;
            clock.Restart();
            lossSum += Step(model, batches.Current, optimizer);
            compute += clock.Elapsed.TotalSeconds;
            steps++;
        }
        return new EpochStats(steps, lossSum / Math.Max(1, steps), sample, compute, wall.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// One training step; its own method so that no local of the epoch loop holds the batch or its tensors once it
    /// returns (the loader may then collect them before sampling the next batch).
    /// </summary>
    private static float Step(SageMiniBatch model, BlockBatch batch, Optimizer optimizer)
    {
        var blocks = batch.Blocks;
        var logits = model.Forward(blocks, blocks[0].SrcData["feat"]);
        var loss = F.CrossEntropy(logits, blocks[^1].DstData["label"]);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        return loss.Item<float>();
    }

    /// <summary>Accuracy on each mask of the layer-wise full-neighbour predictions for every node.</summary>
    public static double[] Evaluate(SageMiniBatch model, Graph g, Tensor features, Tensor labels, params Tensor[] masks)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(masks);
        using var noGrad = GradMode.NoGrad();
        var logits = model.Inference(g, features);
        return [.. masks.Select(m => Classification.Accuracy(logits, labels, m))];
    }

    /// <summary>
    /// The accuracy on <paramref name="mask"/> of always predicting the most frequent training label (the baseline a
    /// classifier must beat to have learnt anything).
    /// </summary>
    public static double MajorityBaseline(Tensor labels, Tensor trainMask, Tensor mask)
    {
        var y = labels.ToArray<long>();
        var train = trainMask.ToArray<bool>();
        var eval = mask.ToArray<bool>();
        var counts = new Dictionary<long, int>();
        for (var i = 0; i < y.Length; i++)
            if (train[i]) counts[y[i]] = counts.GetValueOrDefault(y[i]) + 1;
        var majority = counts.MaxBy(kv => (kv.Value, -kv.Key)).Key;
        int hit = 0, total = 0;
        for (var i = 0; i < y.Length; i++)
        {
            if (!eval[i]) continue;
            total++;
            if (y[i] == majority) hit++;
        }
        return total == 0 ? double.NaN : (double)hit / total;
    }
}
