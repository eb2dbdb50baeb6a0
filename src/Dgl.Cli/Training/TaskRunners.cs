using Dgl.Cli.Config;
using Dgl.Cli.Data;
using Dgl.Cli.Models;
using Dgl.Dataloading;
using Dgl.Metrics;
using Dgl.Nn;
using Dgl.Optim;
using Dgl.Sampling;
using Dgl.Tensors.Autograd;

namespace Dgl.Cli.Training;

/// <summary>Evaluation of a model on the three splits: the task's main metric on each, and extra test metrics.</summary>
internal sealed record Evaluation(double Train, double Val, double Test, IReadOnlyDictionary<string, double> TestMetrics, int[,]? Confusion);

/// <summary>The task-specific half of training: one epoch of optimisation, and evaluation.</summary>
internal abstract class TaskRunner
{
    /// <summary>The name of the main metric ("accuracy", "roc_auc").</summary>
    public abstract string MetricName { get; }

    /// <summary>The number of optimisation steps in one epoch.</summary>
    public abstract int StepsPerEpoch { get; }

    /// <summary>
    /// Runs one epoch; returns the mean training loss, or null when <paramref name="cancel"/> fired before the epoch
    /// finished (the epoch then does not count).
    /// </summary>
    public abstract double? TrainEpoch(GnnModel model, Optimizer optimizer, int epoch, Generator generator, Action<int> onStep, CancellationToken cancel);

    /// <summary>Evaluates <paramref name="model"/> (in evaluation mode, without gradients).</summary>
    public abstract Evaluation Evaluate(GnnModel model, bool withConfusion);

    /// <summary>The runner for <paramref name="data"/>.</summary>
    public static TaskRunner For(TaskData data, TrainConfig cfg) => data switch
    {
        NodeTaskData n when cfg.MiniBatch => new MiniBatchNodeRunner(n, cfg.NodeBatchSize, cfg.ParseFanouts(), cfg.Seed),
        NodeTaskData n => new NodeRunner(n),
        LinkTaskData l => new LinkRunner(l, cfg.BatchSize),
        GraphTaskData g => new GraphRunner(g, cfg.BatchSize == 0 ? 32 : cfg.BatchSize),
        _ => throw new ArgumentException("unknown task data", nameof(data)),
    };

    protected static Tensor Index(int[] ids) => Tensor.FromArray(ids);

    /// <summary>A confusion matrix [true, predicted] of <paramref name="logits"/> against <paramref name="labels"/>.</summary>
    protected static int[,] Confusion(Tensor logits, long[] labels, int classes)
    {
        var pred = logits.Argmax(1).Long().ToArray<long>();
        var m = new int[classes, classes];
        for (var i = 0; i < pred.Length; i++) m[labels[i], pred[i]]++;
        return m;
    }
}

/// <summary>Full-graph node classification: cross-entropy on the training nodes, accuracy on each split.</summary>
internal sealed class NodeRunner(NodeTaskData data) : TaskRunner
{
    private readonly Tensor _train = Index(data.TrainIdx);
    private readonly Tensor _val = Index(data.ValIdx);
    private readonly Tensor _test = Index(data.TestIdx);
    private readonly Tensor _trainLabels = data.Labels.Rows(Index(data.TrainIdx));

    public override string MetricName => "accuracy";

    public override int StepsPerEpoch => 1;

    public override double? TrainEpoch(GnnModel model, Optimizer optimizer, int epoch, Generator generator, Action<int> onStep, CancellationToken cancel)
    {
        if (cancel.IsCancellationRequested) return null;
        model.Train();
        optimizer.ZeroGrad();
        var (logits, _) = model.Forward(data.Graph, data.Features, data.EdgeTypes);
        var loss = F.CrossEntropy(logits.Rows(_train), _trainLabels);
        loss.Backward();
        optimizer.Step();
        onStep(1);
        return loss.ToDouble();
    }

    /// <summary>Logits and last hidden layer for every node.</summary>
    public (Tensor Logits, Tensor Hidden) Infer(GnnModel model)
    {
        model.Eval();
        using (GradMode.NoGrad()) return model.Forward(data.Graph, data.Features, data.EdgeTypes);
    }

    public override Evaluation Evaluate(GnnModel model, bool withConfusion)
    {
        var (logits, _) = Infer(model);
        var labels = data.Labels;
        double Acc(Tensor idx) => idx.NumElements == 0 ? double.NaN : Classification.Accuracy(logits.Rows(idx), labels.Rows(idx));
        var test = Acc(_test);
        var testLogits = logits.Rows(_test);
        var testLabels = labels.Rows(_test);
        var extra = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["accuracy"] = test,
            ["macro_f1"] = data.TestIdx.Length == 0 ? double.NaN : Classification.F1Score(testLogits, testLabels, F1Average.Macro),
        };
        var confusion = withConfusion && data.TestIdx.Length > 0 ? Confusion(testLogits, testLabels.ToArray<long>(), data.NumClasses) : null;
        return new Evaluation(Acc(_train), Acc(_val), test, extra, confusion);
    }
}

/// <summary>
/// Mini-batch node classification (DGL's GraphSAGE mini-batch recipe): each epoch shuffles the training nodes into
/// batches of seeds, a <see cref="NeighborSampler"/> samples <c>fanouts[l]</c> in-neighbours per node for each layer
/// and turns them into blocks, and the model runs layer by layer on the blocks; cross-entropy on the seeds, one
/// optimiser step per batch. Evaluation aggregates every neighbour (the full-graph forward of <see cref="NodeRunner"/>,
/// the same computation <c>dgl evaluate</c> and <c>dgl predict</c> do). The shuffle and the samples of epoch e
/// derive from (seed, e) alone, so runs, and resumed runs, repeat bit for bit.
/// </summary>
internal sealed class MiniBatchNodeRunner : TaskRunner
{
    private readonly NodeTaskData _data;
    private readonly NodeRunner _full;
    private readonly NeighborSampler _sampler;
    private readonly int _batchSize;
    private readonly ulong _seed;

    public MiniBatchNodeRunner(NodeTaskData data, int batchSize, int[] fanouts, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _data = data;
        _full = new NodeRunner(data);
        _sampler = new NeighborSampler([.. fanouts.Select(f => (Fanout)f)]);
        _batchSize = batchSize;
        _seed = (ulong)seed;
    }

    public override string MetricName => "accuracy";

    public override int StepsPerEpoch => (_data.TrainIdx.Length + _batchSize - 1) / _batchSize;

    public override double? TrainEpoch(GnnModel model, Optimizer optimizer, int epoch, Generator generator, Action<int> onStep, CancellationToken cancel)
    {
        // A loader per epoch, set to the epoch's number: the batches of epoch e do not depend on what ran before.
        using var loader = new DataLoader<BlockBatch>(_data.Graph, _data.TrainIdx, _sampler, _batchSize, shuffle: true, seed: _seed) { Epoch = epoch - 1 };
        model.Train();
        double total = 0;
        long seen = 0;
        var steps = 0;
        foreach (var batch in loader)
        {
            if (cancel.IsCancellationRequested) return null;
            var blocks = batch.Blocks;
            var types = new Tensor?[blocks.Count];
            if (_data.EdgeTypes is { } et)
                for (var l = 0; l < blocks.Count; l++) types[l] = et.IndexSelect(0, blocks[l].EData[Graph.EID]);
            var x = _data.Features?.IndexSelect(0, batch.InputNodes);
            optimizer.ZeroGrad();
            var logits = model.ForwardBlocks(blocks, batch.InputNodes, x, types);
            var seeds = batch.OutputNodes;
            var loss = F.CrossEntropy(logits, _data.Labels.IndexSelect(0, seeds));
            loss.Backward();
            optimizer.Step();
            total += loss.ToDouble() * seeds.NumElements;
            seen += seeds.NumElements;
            onStep(++steps);
        }
        return total / Math.Max(1, seen);
    }

    public override Evaluation Evaluate(GnnModel model, bool withConfusion) => _full.Evaluate(model, withConfusion);
}

/// <summary>
/// Link prediction: node embeddings from the graph of training edges, dot-product scores, binary cross-entropy of
/// training edges against as many uniformly drawn negative pairs; ROC-AUC on the held-out pairs.
/// </summary>
internal sealed class LinkRunner : TaskRunner
{
    private readonly LinkTaskData _data;
    private readonly Tensor _src;
    private readonly Tensor _dst;
    private readonly int _batch;
    private readonly int _numNodes;

    public LinkRunner(LinkTaskData data, int batchSize)
    {
        _data = data;
        var (s, d) = data.TrainGraph.AllEdges();
        _src = s.Int();
        _dst = d.Int();
        _numNodes = data.TrainGraph.NumNodes();
        _batch = batchSize <= 0 ? _src.NumElements : batchSize;
    }

    public override string MetricName => "roc_auc";

    public override int StepsPerEpoch => (_src.NumElements + _batch - 1) / _batch;

    public override double? TrainEpoch(GnnModel model, Optimizer optimizer, int epoch, Generator generator, Action<int> onStep, CancellationToken cancel)
    {
        model.Train();
        var m = _src.NumElements;
        var order = new int[m];
        for (var i = 0; i < m; i++) order[i] = i;
        if (_batch < m) Shuffle(order, generator);
        double total = 0;
        var steps = 0;
        for (var start = 0; start < m; start += _batch)
        {
            if (cancel.IsCancellationRequested) return null;
            var ids = Tensor.FromArray(order[start..Math.Min(m, start + _batch)]);
            var n = ids.NumElements;
            var ps = _src.Rows(ids);
            var pd = _dst.Rows(ids);
            var ns = ps;
            var nd = new int[n];
            var at = generator.Reserve(n);
            for (var i = 0; i < n; i++) nd[i] = (int)(generator.At(at + i) % (ulong)_numNodes);
            optimizer.ZeroGrad();
            var (h, _) = model.Forward(_data.TrainGraph, _data.Features, null);
            var scores = Tensor.Cat([GnnModel.DotScores(h, ps, pd), GnnModel.DotScores(h, ns, Tensor.FromArray(nd))]);
            var target = new float[2 * n];
            for (var i = 0; i < n; i++) target[i] = 1;
            var loss = F.BinaryCrossEntropyWithLogits(scores, Tensor.FromArray(target));
            loss.Backward();
            optimizer.Step();
            total += loss.ToDouble();
            steps++;
            onStep(steps);
        }
        return total / Math.Max(1, steps);
    }

    private static void Shuffle(int[] a, Generator g)
    {
        var at = g.Reserve(a.Length);
        for (var i = a.Length - 1; i > 0; i--)
        {
            var j = (int)(g.At(at + i) % (ulong)(i + 1));
            (a[i], a[j]) = (a[j], a[i]);
        }
    }

    /// <summary>Node embeddings (evaluation mode, no gradients).</summary>
    public Tensor Embed(GnnModel model)
    {
        model.Eval();
        using (GradMode.NoGrad()) return model.Forward(_data.TrainGraph, _data.Features, null).Output;
    }

    /// <summary>Sigmoid link probabilities of the pairs (<paramref name="src"/>[i], <paramref name="dst"/>[i]).</summary>
    public static Tensor Score(Tensor embeddings, Tensor src, Tensor dst)
    {
        using (GradMode.NoGrad()) return GnnModel.DotScores(embeddings, src.Int(), dst.Int()).Sigmoid();
    }

    public override Evaluation Evaluate(GnnModel model, bool withConfusion)
    {
        var h = Embed(model);
        double Auc(EdgePairsView p)
        {
            var pos = Score(h, p.PosSrc, p.PosDst);
            var neg = Score(h, p.NegSrc, p.NegDst);
            var labels = new float[pos.NumElements + neg.NumElements];
            for (var i = 0; i < pos.NumElements; i++) labels[i] = 1;
            return Classification.RocAuc(Tensor.Cat([pos, neg]), Tensor.FromArray(labels));
        }
        var val = new EdgePairsView(_data.ValEdges);
        var test = new EdgePairsView(_data.TestEdges);
        // Training AUC on a fixed sample: the first held-out-sized slice of training edges against fixed negatives.
        var k = Math.Min(_src.NumElements, Math.Max(1000, val.PosSrc.NumElements));
        var rng = new Generator(12345);
        var at = rng.Reserve(2 * k);
        var negS = new int[k];
        var negD = new int[k];
        for (var i = 0; i < k; i++)
        {
            negS[i] = (int)(rng.At(at + 2 * i) % (ulong)_numNodes);
            negD[i] = (int)(rng.At(at + 2 * i + 1) % (ulong)_numNodes);
        }
        var train = new EdgePairsView(_src.Slice(0, k), _dst.Slice(0, k), Tensor.FromArray(negS), Tensor.FromArray(negD));
        var testAuc = Auc(test);
        var posT = Score(h, test.PosSrc, test.PosDst);
        var negT = Score(h, test.NegSrc, test.NegDst);
        var extra = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["roc_auc"] = testAuc,
            ["hits@20"] = LinkPrediction.HitsAtK(posT, negT, 20),
        };
        return new Evaluation(Auc(train), Auc(val), testAuc, extra, null);
    }

    private sealed record EdgePairsView(Tensor PosSrc, Tensor PosDst, Tensor NegSrc, Tensor NegDst)
    {
        public EdgePairsView(Dgl.Data.EdgePairs p) : this(p.Positive.Src, p.Positive.Dst, p.Negative.Src, p.Negative.Dst)
        {
        }
    }
}

/// <summary>Graph classification: shuffled mini-batches of graphs, cross-entropy of the pooled logits, accuracy per split.</summary>
internal sealed class GraphRunner(GraphTaskData data, int batchSize) : TaskRunner
{
    public override string MetricName => "accuracy";

    public override int StepsPerEpoch => (data.TrainIdx.Length + batchSize - 1) / batchSize;

    public override double? TrainEpoch(GnnModel model, Optimizer optimizer, int epoch, Generator generator, Action<int> onStep, CancellationToken cancel)
    {
        model.Train();
        var order = (int[])data.TrainIdx.Clone();
        new Random(unchecked((int)generator.Seed) ^ epoch * 7919).Shuffle(order);
        double total = 0;
        var steps = 0;
        for (var start = 0; start < order.Length; start += batchSize)
        {
            if (cancel.IsCancellationRequested) return null;
            var ids = order[start..Math.Min(order.Length, start + batchSize)];
            var (g, x, graphIds, labels) = MakeBatch(ids);
            optimizer.ZeroGrad();
            var (logits, _) = model.Forward(g, x, null, graphIds, ids.Length);
            var loss = F.CrossEntropy(logits, labels);
            loss.Backward();
            optimizer.Step();
            total += loss.ToDouble() * ids.Length;
            steps++;
            onStep(steps);
        }
        return total / Math.Max(1, order.Length);
    }

    /// <summary>One batched graph with its node features, node→graph ids and labels.</summary>
    public (Graph Graph, Tensor X, Tensor GraphIds, Tensor Labels) MakeBatch(int[] ids) => MakeBatch([.. ids.Select(i => data.Graphs[i])], [.. ids.Select(i => data.Labels[i])]);

    /// <summary>Batches <paramref name="graphs"/> (each with node data <c>x</c>).</summary>
    public static (Graph Graph, Tensor X, Tensor GraphIds, Tensor Labels) MakeBatch(IReadOnlyList<Graph> graphs, long[] labels)
    {
        var g = Graph.Batch(graphs, ndata: ["x"], edata: []);
        var gid = new int[g.NumNodes()];
        var at = 0;
        for (var i = 0; i < graphs.Count; i++)
        {
            var n = graphs[i].NumNodes();
            gid.AsSpan(at, n).Fill(i);
            at += n;
        }
        return (g, g.NData["x"], Tensor.FromArray(gid), Tensor.FromArray(labels));
    }

    /// <summary>Logits of graphs <paramref name="ids"/>, in evaluation batches.</summary>
    public Tensor Logits(GnnModel model, int[] ids)
    {
        model.Eval();
        var parts = new List<Tensor>();
        using (GradMode.NoGrad())
        {
            for (var start = 0; start < ids.Length; start += 256)
            {
                var chunk = ids[start..Math.Min(ids.Length, start + 256)];
                var (g, x, gid, _) = MakeBatch(chunk);
                parts.Add(model.Forward(g, x, null, gid, chunk.Length).Output);
            }
        }
        return parts.Count == 1 ? parts[0] : Tensor.Cat(parts);
    }

    public override Evaluation Evaluate(GnnModel model, bool withConfusion)
    {
        double Acc(int[] ids) => ids.Length == 0 ? double.NaN
            : Classification.Accuracy(Logits(model, ids), Tensor.FromArray(ids.Select(i => data.Labels[i]).ToArray()));
        var testLogits = data.TestIdx.Length == 0 ? null : Logits(model, data.TestIdx);
        var testLabels = data.TestIdx.Select(i => data.Labels[i]).ToArray();
        var test = testLogits is null ? double.NaN : Classification.Accuracy(testLogits, Tensor.FromArray(testLabels));
        var extra = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["accuracy"] = test,
            ["macro_f1"] = testLogits is null ? double.NaN : Classification.F1Score(testLogits, Tensor.FromArray(testLabels), F1Average.Macro),
        };
        var confusion = withConfusion && testLogits is not null ? Confusion(testLogits, testLabels, data.NumClasses) : null;
        return new Evaluation(Acc(data.TrainIdx), Acc(data.ValIdx), test, extra, confusion);
    }
}
