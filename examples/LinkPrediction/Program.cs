using System.Diagnostics;
using System.Globalization;
using Dgl;
using Dgl.Data;
using Dgl.Dataloading;
using Dgl.Examples;
using Dgl.Examples.LinkPred;
using Dgl.Metrics;
using Dgl.Nn;
using Dgl.Optim;
using Dgl.Sampling;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;

// Link prediction with GraphSAGE and negative sampling.
//
//   cora (DGL's link-prediction tutorial, blitz/4_link_predict.py): the edges are split 85/5/10 (AsLinkPredDataset);
//     the training graph keeps the training edges; a 2-layer GraphSAGE (mean, hidden 16) and a dot-product predictor
//     are trained full-graph with binary cross entropy against as many uniformly sampled non-edges as positives
//     (drawn anew each epoch), Adam lr 0.01, 100 epochs; the metric is the test AUC against the split's negatives.
//   ogbl-ddi (OGB's examples/linkproppred/ddi/gnn.py model with GraphSAGE; DGL's graphsage/link_pred.py training):
//     learned 256-d node embeddings, 2 SAGE layers (mean, hidden 256, dropout 0.5), a 2-layer MLP predictor on
//     h_u ⊙ h_v, loss −log σ⁺ − log(1 − σ⁻), gradients clipped at norm 1, Adam lr 0.005. By default it trains by edge
//     sampling: a DataLoader over the training edges (batches of 65,536) with NeighborSampler([15, 10]) wrapped by
//     AsEdgePredictionSampler (exclude the batch's edges and their reverses, one global uniform negative per edge);
//     --full-graph runs OGB's full-graph step instead. Hits@20 on OGB's test split at the best validation epoch.
//
//   dotnet run -c Release --project examples/LinkPrediction -- --dataset cora [--seeds 5] [--epochs 100]
//   dotnet run -c Release --project examples/LinkPrediction -- --dataset ogbl-ddi [--epochs 200] [--eval-every 5]
//       [--fanouts 15,10] [--exclude reverse-id|self|none] [--batch-size 65536] [--full-graph]
var opts = ExampleArgs.Parse(args, "cora");
var results = new List<double>();
string metric;
switch (opts.Dataset)
{
    case "cora":
        metric = "test AUC";
        for (var seed = 0; seed < opts.Seeds; seed++) results.Add(Cora(opts, seed));
        break;
    case "ogbl-ddi" or "ddi":
        metric = "test Hits@20";
        for (var seed = 0; seed < opts.Seeds; seed++) results.Add(Ddi(opts, seed));
        break;
    default:
        throw new ArgumentException($"unknown data set '{opts.Dataset}'; expected cora or ogbl-ddi", nameof(args));
}
ExampleResult.Print("GraphSAGE", opts.Dataset == "ddi" ? "ogbl-ddi" : opts.Dataset, metric, results);

static double Cora(ExampleArgs opts, int seed)
{
    var epochs = opts.Get("epochs", 100);
    var hidden = opts.Get("hidden", 16);
    var data = new AsLinkPredDataset(new CoraGraphDataset(opts.DataFolder("planetoid", "cora")), (0.85, 0.05, 0.1), negRatio: 1, seed: seed);
    var g = data.TrainGraph;
    var features = g.NData["feat"];
    var n = g.NumNodes();
    var gen = new Generator((ulong)seed);
    var conv1 = new SAGEConv(features.Size(1), hidden, "mean", generator: gen);
    var conv2 = new SAGEConv(hidden, hidden, "mean", generator: gen);
    var predictor = new EdgePredictor("dot");
    var optimizer = new Adam(conv1.Parameters().Concat(conv2.Parameters()), lr: 0.01);
    var (trainSrc, trainDst) = g.AllEdges("eid");
    var existing = EdgeSet(trainSrc.ToArray<int>(), trainDst.ToArray<int>());
    var rng = new Random(seed);
    Tensor Embed() => conv2.Forward(g, conv1.Forward(g, features).Relu());
    Tensor Score(Tensor h, Tensor src, Tensor dst) => predictor.Forward(h.IndexSelect(0, src), h.IndexSelect(0, dst)).Reshape(-1);
    var clock = Stopwatch.StartNew();
    for (var epoch = 0; epoch < epochs; epoch++)
    {
        var h = Embed();
        var (negSrc, negDst) = UniformNegatives(n, trainSrc.Size(0), existing, rng);
        var scores = Tensor.Cat([Score(h, trainSrc, trainDst), Score(h, negSrc, negDst)], 0);
        var labels = Tensor.Cat([Tensor.Ones(trainSrc.Size(0)), Tensor.Zeros(negSrc.Size(0))], 0);
        var loss = F.BinaryCrossEntropyWithLogits(scores, labels);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        if (epoch % 20 == 19) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  seed {seed} epoch {epoch + 1,3}: loss {loss.ToDouble():F4}"));
    }
    double auc;
    using (GradMode.NoGrad())
    {
        var h = Embed();
        auc = Auc(Score(h, data.TestEdges.Positive.Src, data.TestEdges.Positive.Dst), Score(h, data.TestEdges.Negative.Src, data.TestEdges.Negative.Dst));
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {seed}: test AUC {auc:F4} ({clock.Elapsed.TotalSeconds:F1} s)"));
    return auc;
}

static double Ddi(ExampleArgs opts, int seed)
{
    var epochs = opts.Get("epochs", 200);
    var hidden = opts.Get("hidden", 256);
    var batchSize = opts.Get("batch-size", 64 * 1024);
    var evalEvery = opts.Get("eval-every", 5);
    var lr = opts.Get("lr", 0.005);
    var fullGraph = opts.Flag("full-graph");
    var fanouts = opts.Get("fanouts", "15,10").Split(',').Select(f => (Fanout)int.Parse(f, CultureInfo.InvariantCulture)).ToArray();
    var exclude = opts.Get("exclude", "reverse-id");
    var clock = Stopwatch.StartNew();
    var dataset = new OgbLinkPropPredDataset("ogbl-ddi", opts.DataFolder("ogb"));
    var split = dataset.GetEdgeSplit();
    var g = dataset.Graph;
    var n = g.NumNodes();
    var (trainSrc, trainDst) = Columns(split["train"]["edge"]);
    var rng = new Random(seed);
    var gen = new Generator((ulong)seed);
    var model = new DdiModel(n, hidden, fullGraph ? 2 : fanouts.Length, 0.5, gen);
    var optimizer = new Adam(model.Parameters(), lr: lr);
    Console.WriteLine(fullGraph
        ? $"ogbl-ddi: {n} nodes, {g.NumEdges()} graph edges, {trainSrc.Length} training edges; full-graph, hidden {hidden}, batch {batchSize} [{clock.Elapsed.TotalSeconds:F1} s]"
        : $"ogbl-ddi: {n} nodes, {g.NumEdges()} graph edges, {trainSrc.Length} training edges; edge sampling, fanouts [{string.Join(", ", fanouts)}], exclude {exclude}, hidden {hidden}, batch {batchSize} [{clock.Elapsed.TotalSeconds:F1} s]");

    // Full-graph mode (OGB's gnn.py): every step runs the SAGE layers on the whole graph and scores a batch of
    // training edges and as many uniform non-edges.
    HashSet<long>? existing = null;
    if (fullGraph)
    {
        existing = EdgeSet(trainSrc, trainDst);
        foreach (var (s, d) in trainSrc.Zip(trainDst)) existing.Add(Key(d, s));
    }

    // Edge-sampling mode (DGL's graphsage/link_pred.py): the loader walks the training edges (the even ids of the
    // graph, which stores each undirected edge as 2k: u->v, 2k+1: v->u), and per batch the sampler builds the pair
    // graphs (the batch's edges and global uniform negatives), then samples blocks for their nodes without the
    // batch's edges or their reverses, so the model cannot read the answer off the graph.
    DataLoader<EdgePredictionBatch>? loader = null;
    if (!fullGraph)
    {
        var (gs, gd) = g.AllEdges("eid");
        var edgeSrc = gs.ToArray<int>();
        var edgeDst = gd.ToArray<int>();
        if (edgeSrc.Length != 2 * trainSrc.Length)
            throw new InvalidDataException($"ogbl-ddi: the graph has {edgeSrc.Length} edges; expected both directions of the {trainSrc.Length} training edges");
        var reverse = new int[edgeSrc.Length];
        for (var e = 0; e < reverse.Length; e++)
        {
            reverse[e] = e ^ 1;
            if (edgeSrc[e] != edgeDst[e ^ 1] || edgeDst[e] != edgeSrc[e ^ 1])
                throw new InvalidDataException($"ogbl-ddi: edge {e} ({edgeSrc[e]} -> {edgeDst[e]}) is not the reverse of edge {e ^ 1}; expected the inverse edges interleaved");
        }
        var exclusion = exclude switch
        {
            "reverse-id" => EdgeExclusion.ReverseId,
            "self" => EdgeExclusion.Self,
            "none" => EdgeExclusion.None,
            _ => throw new ArgumentException($"--exclude '{exclude}': expected reverse-id, self or none", nameof(opts)),
        };
        var sampler = new NeighborSampler(fanouts).AsEdgePredictionSampler(exclusion, reverseEids: IdArray.FromArray(reverse),
            negativeSampler: NegativeSampler.GlobalUniform(1));
        var trainEids = IdArray.FromArray([.. Enumerable.Range(0, trainSrc.Length).Select(k => 2 * k)]);
        loader = new DataLoader<EdgePredictionBatch>(g, trainEids, sampler, batchSize: batchSize, shuffle: true, seed: (ulong)seed);
    }

    double bestValid = -1, testAtBest = 0;
    for (var epoch = 1; epoch <= epochs; epoch++)
    {
        model.Train();
        var lossSum = 0.0;
        var batches = 0;
        var sampleSeconds = 0.0;
        var epochClock = Stopwatch.StartNew();
        if (loader is not null)
        {
            using var it = loader.GetEnumerator();
            var wait = Stopwatch.StartNew();
            while (it.MoveNext())
            {
                sampleSeconds += wait.Elapsed.TotalSeconds;
                var batch = it.Current;
                var h = model.Embed(batch.Blocks, batch.InputNodes);
                var (ps, pd) = batch.PairGraph.AllEdges();
                var (ns, nd) = batch.NegativePairGraph!.AllEdges();
                lossSum += Step(model.Predict(h, ps, pd), model.Predict(h, ns, nd));
                batches++;
                wait.Restart();
            }
        }
        else
        {
            var perm = Enumerable.Range(0, trainSrc.Length).ToArray();
            rng.Shuffle(perm);
            for (var start = 0; start < perm.Length; start += batchSize)
            {
                var idx = perm[start..Math.Min(perm.Length, start + batchSize)];
                var src = Tensor.FromArray(idx.Select(i => trainSrc[i]).ToArray());
                var dst = Tensor.FromArray(idx.Select(i => trainDst[i]).ToArray());
                var h = model.Embed(g);
                var (negSrc, negDst) = UniformNegatives(n, idx.Length, existing!, rng);
                lossSum += Step(model.Predict(h, src, dst), model.Predict(h, negSrc, negDst));
                batches++;
            }
        }
        var trainSeconds = epochClock.Elapsed.TotalSeconds;
        if (epoch % evalEvery != 0 && epoch != epochs) continue;
        model.Eval();
        double valid, test;
        using (GradMode.NoGrad())
        {
            var h = model.Embed(g);   // every node, all of its neighbours (4,267 nodes: one full-graph pass)
            valid = Hits(h, split["valid"]);
            test = Hits(h, split["test"]);
        }
        if (valid > bestValid) (bestValid, testAtBest) = (valid, test);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  seed {seed} epoch {epoch,3}: loss {lossSum / batches:F4}, valid Hits@20 {valid:F4}, test Hits@20 {test:F4}; " +
            $"{trainSeconds:F1} s/epoch ({sampleSeconds:F1} s sampling) [{clock.Elapsed.TotalSeconds:F0} s]"));
    }
    loader?.Dispose();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {seed}: best valid Hits@20 {bestValid:F4}, test Hits@20 there {testAtBest:F4}"));
    return testAtBest;

    // Loss -log(sigma(pos)) - log(1 - sigma(neg)), OGB's form; gradients clipped per part at norm 1.
    double Step(Tensor pos, Tensor neg)
    {
        var posLoss = (pos.Sigmoid() + 1e-15).Log().Mean().Neg();
        var negLoss = (1 - neg.Sigmoid() + 1e-15).Log().Mean().Neg();
        var loss = posLoss + negLoss;
        optimizer.ZeroGrad();
        loss.Backward();
        model.ClipGradients(1.0);
        optimizer.Step();
        return loss.ToDouble();
    }

    double Hits(Tensor h, IReadOnlyDictionary<string, Tensor> part)
    {
        var (ps, pd) = Columns(part["edge"]);
        var (ns, nd) = Columns(part["edge_neg"]);
        return LinkPrediction.HitsAtK(model.Predict(h, Tensor.FromArray(ps), Tensor.FromArray(pd)).Sigmoid(), model.Predict(h, Tensor.FromArray(ns), Tensor.FromArray(nd)).Sigmoid(), 20);
    }
}

static double Auc(Tensor pos, Tensor neg) =>
    Classification.RocAuc(Tensor.Cat([pos, neg], 0), Tensor.Cat([Tensor.Ones(pos.Size(0)), Tensor.Zeros(neg.Size(0))], 0));

static long Key(int u, int v) => EdgeKey.Of(u, v);

static HashSet<long> EdgeSet(int[] src, int[] dst)
{
    var set = new HashSet<long>(src.Length, EdgeKey.Comparer);
    for (var i = 0; i < src.Length; i++) set.Add(Key(src[i], dst[i]));
    return set;
}

// Uniform node pairs that are neither edges nor self-loops (PyG's dense negative sampling).
static (Tensor Src, Tensor Dst) UniformNegatives(int n, int count, HashSet<long> existing, Random rng)
{
    var s = new int[count];
    var d = new int[count];
    for (var k = 0; k < count;)
    {
        var u = rng.Next(n);
        var v = rng.Next(n);
        if (u == v || existing.Contains(Key(u, v))) continue;
        s[k] = u;
        d[k] = v;
        k++;
    }
    return (Tensor.FromArray(s), Tensor.FromArray(d));
}

static (int[] Src, int[] Dst) Columns(Tensor edges)
{
    var e = edges.Long().ToArray<long>();
    var m = e.Length / 2;
    var s = new int[m];
    var d = new int[m];
    for (var i = 0; i < m; i++) { s[i] = (int)e[2 * i]; d[i] = (int)e[2 * i + 1]; }
    return (s, d);
}
