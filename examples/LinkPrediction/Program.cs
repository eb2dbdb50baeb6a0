using System.Diagnostics;
using System.Globalization;
using Dgl;
using Dgl.Data;
using Dgl.Examples;
using Dgl.Metrics;
using Dgl.Nn;
using Dgl.Optim;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;

// Link prediction with GraphSAGE, full-graph training with uniform negative sampling.
//
//   cora (DGL's link-prediction tutorial, blitz/4_link_predict.py): the edges are split 85/5/10 (AsLinkPredDataset);
//     the training graph keeps the training edges; a 2-layer GraphSAGE (mean, hidden 16) and a dot-product predictor
//     are trained with binary cross entropy against as many uniformly sampled non-edges as positives (drawn anew each
//     epoch), Adam lr 0.01, 100 epochs; the metric is the test AUC against the split's negatives.
//   ogbl-ddi (OGB's examples/linkproppred/ddi/gnn.py with GraphSAGE): learned 256-d node embeddings, 2 SAGE layers
//     (mean, hidden 256, dropout 0.5), a 2-layer MLP predictor on h_u ⊙ h_v, batches of 65,536 training edges, each with
//     as many uniform negatives, loss −log σ⁺ − log(1 − σ⁻), gradients clipped at norm 1, Adam lr 0.005; Hits@20 on
//     OGB's test split (the validation split picks the epoch).
//
//   dotnet run -c Release --project examples/LinkPrediction -- --dataset cora [--seeds 5] [--epochs 100]
//   dotnet run -c Release --project examples/LinkPrediction -- --dataset ogbl-ddi [--epochs 200] [--eval-every 5]
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
    var clock = Stopwatch.StartNew();
    var dataset = new OgbLinkPropPredDataset("ogbl-ddi", opts.DataFolder("ogb"));
    var split = dataset.GetEdgeSplit();
    var g = dataset.Graph;
    var n = g.NumNodes();
    var (trainSrc, trainDst) = Columns(split["train"]["edge"]);
    Console.WriteLine($"ogbl-ddi: {n} nodes, {g.NumEdges()} graph edges, {trainSrc.Length} training edges; hidden {hidden}, batch {batchSize} [{clock.Elapsed.TotalSeconds:F1} s]");
    var existing = EdgeSet(trainSrc, trainDst);
    foreach (var (s, d) in trainSrc.Zip(trainDst)) existing.Add(Key(d, s));
    var gen = new Generator((ulong)seed);
    var emb = new Embedding(n, hidden, generator: gen);
    Init.XavierUniform(emb.Weight, 1, gen);
    var conv1 = new SAGEConv(hidden, hidden, "mean", generator: gen);
    var conv2 = new SAGEConv(hidden, hidden, "mean", generator: gen);
    var drop = new Dropout(0.5, gen);
    var lin1 = new Linear(hidden, hidden, generator: gen);
    var lin2 = new Linear(hidden, 1, generator: gen);
    var modules = new Module[] { emb, conv1, conv2, drop, lin1, lin2 };
    var parameters = modules.SelectMany(m => m.Parameters()).ToList();
    var optimizer = new Adam(parameters, lr: lr);
    var rng = new Random(seed);
    Tensor Embed() => conv2.Forward(g, drop.Forward(conv1.Forward(g, emb.Weight).Relu()));
    Tensor Predict(Tensor h, Tensor src, Tensor dst) =>
        lin2.Forward(drop.Forward(lin1.Forward(h.IndexSelect(0, src) * h.IndexSelect(0, dst)).Relu())).Reshape(-1);
    double bestValid = -1, testAtBest = 0;
    for (var epoch = 1; epoch <= epochs; epoch++)
    {
        foreach (var m in modules) m.Train();
        var perm = Enumerable.Range(0, trainSrc.Length).ToArray();
        rng.Shuffle(perm);
        var lossSum = 0.0;
        var batches = 0;
        for (var start = 0; start < perm.Length; start += batchSize)
        {
            var idx = perm[start..Math.Min(perm.Length, start + batchSize)];
            var src = Tensor.FromArray(idx.Select(i => trainSrc[i]).ToArray());
            var dst = Tensor.FromArray(idx.Select(i => trainDst[i]).ToArray());
            var h = Embed();
            var posLoss = (Predict(h, src, dst).Sigmoid() + 1e-15).Log().Mean().Neg();
            var (negSrc, negDst) = UniformNegatives(n, idx.Length, existing, rng);
            var negLoss = (1 - Predict(h, negSrc, negDst).Sigmoid() + 1e-15).Log().Mean().Neg();
            var loss = posLoss + negLoss;
            optimizer.ZeroGrad();
            loss.Backward();
            Dgl.Nn.Utils.ClipGradNorm(emb.Parameters(), 1.0);
            Dgl.Nn.Utils.ClipGradNorm(conv1.Parameters().Concat(conv2.Parameters()), 1.0);
            Dgl.Nn.Utils.ClipGradNorm(lin1.Parameters().Concat(lin2.Parameters()), 1.0);
            optimizer.Step();
            lossSum += loss.ToDouble();
            batches++;
        }
        if (epoch % evalEvery != 0 && epoch != epochs) continue;
        foreach (var m in modules) m.Eval();
        double valid, test;
        using (GradMode.NoGrad())
        {
            var h = Embed();
            valid = Hits(h, split["valid"]);
            test = Hits(h, split["test"]);
        }
        if (valid > bestValid) (bestValid, testAtBest) = (valid, test);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  seed {seed} epoch {epoch,3}: loss {lossSum / batches:F4}, valid Hits@20 {valid:F4}, test Hits@20 {test:F4} [{clock.Elapsed.TotalSeconds:F0} s]"));
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {seed}: best valid Hits@20 {bestValid:F4}, test Hits@20 there {testAtBest:F4}"));
    return testAtBest;

    double Hits(Tensor h, IReadOnlyDictionary<string, Tensor> part)
    {
        var (ps, pd) = Columns(part["edge"]);
        var (ns, nd) = Columns(part["edge_neg"]);
        return LinkPrediction.HitsAtK(Predict(h, Tensor.FromArray(ps), Tensor.FromArray(pd)).Sigmoid(), Predict(h, Tensor.FromArray(ns), Tensor.FromArray(nd)).Sigmoid(), 20);
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
