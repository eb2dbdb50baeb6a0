using System.Diagnostics;
using Dgl;
using Dgl.Data;
using Dgl.Dataloading;
using Dgl.Examples;
using Dgl.Nn;
using Dgl.Optim;
using Dgl.Sampling;
using Dgl.Tensors;

// node2vec / DeepWalk node embeddings (Perozzi et al. 2014; Grover and Leskovec 2016; DGL's examples/pytorch/node2vec):
// random walks from every node, skip-gram with negative sampling on the (centre, context) pairs within a window, then a
// logistic-regression probe on the frozen embeddings. DeepWalk is node2vec with p = q = 1.
//
//   dotnet run -c Release --project examples/Node2Vec -- --dataset cora|karate [--method node2vec|deepwalk]
//       [--p 1] [--q 1] [--dim 128] [--walk-length 20] [--walks-per-node 10] [--window 5] [--negatives 5]
//       [--epochs 5] [--lr 0.01] [--batch-size 128] [--seeds N] [--data-dir DIR]
//
// Cora is probed on its public split (140 training labels, 1,000 test); the karate club on half of the members
// (stratified, chosen by the seed), tested on the other half.
var args2 = ExampleArgs.Parse(args, "cora");
var method = args2.Get("method", "node2vec");
var p = method == "deepwalk" ? 1 : args2.Get("p", 1.0);
var q = method == "deepwalk" ? 1 : args2.Get("q", 1.0);
var dim = args2.Get("dim", 128);
var walkLength = args2.Get("walk-length", 20);
var walksPerNode = args2.Get("walks-per-node", 10);
var window = args2.Get("window", 5);
var negatives = args2.Get("negatives", 5);
var epochs = args2.Get("epochs", args2.Dataset == "karate" ? 20 : 5);
var lr = args2.Get("lr", 0.01);
var batchSize = args2.Get("batch-size", args2.Dataset == "karate" ? 8 : 128);

Graph g = args2.Dataset switch
{
    "cora" => new CoraGraphDataset(args2.DataFolder("planetoid", "cora"))[0],
    "karate" => new KarateClubDataset(args2.DataFolder("karate"))[0],
    _ => throw new ArgumentException($"unknown dataset '{args2.Dataset}'; use cora or karate"),
};
var n = g.NumNodes();
var labels = g.NData["label"];
Console.WriteLine($"{args2.Dataset}: {n} nodes, {g.NumEdges()} edges; {method} p={p} q={q}, dim {dim}, {walksPerNode} walks of {walkLength} per node, window {window}");

var accuracies = new List<double>();
for (var seed = 0; seed < args2.Seeds; seed++)
{
    var sw = Stopwatch.StartNew();
    var gen = new Generator((ulong)seed);
    var embedding = new Embedding(n, dim, generator: gen);
    // Small initial vectors, as DGL's example (uniform ±0.5/dim would do as well; N(0, 1) makes early scores saturate).
    using (Dgl.Tensors.Autograd.GradMode.NoGrad()) embedding.Weight.MulInPlace(1.0 / dim);
    var optimizer = new Adam(embedding.Parameters(), lr: lr);
    var starts = Enumerable.Range(0, walksPerNode).SelectMany(_ => Enumerable.Range(0, n)).ToArray();
    var sampler = new SkipGramSampler(p, q, walkLength, window, negatives);
    using var loader = new DataLoader<SkipGramBatch>(g, starts, sampler, batchSize: batchSize, shuffle: true, seed: (ulong)seed, numWorkers: 1);
    for (var epoch = 0; epoch < epochs; epoch++)
    {
        double total = 0;
        var steps = 0;
        foreach (var batch in loader)
        {
            var u = embedding.Forward(batch.Centres);
            var v = embedding.Forward(batch.Contexts);
            var scores = u.Mul(v).Sum(1);
            var loss = F.BinaryCrossEntropyWithLogits(scores, batch.Targets);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            total += loss.Item<float>();
            steps++;
        }
        Console.WriteLine($"seed {seed} epoch {epoch}: loss {total / steps:F4}");
    }
    var acc = Probe(embedding.Weight.Detach(), labels, g, args2.Dataset, seed);
    accuracies.Add(acc);
    Console.WriteLine($"seed {seed}: logistic-regression test accuracy {acc:F4} ({sw.Elapsed.TotalSeconds:F1} s)");
}
ExampleResult.Print(method, args2.Dataset, "test_acc", accuracies);

// Logistic regression on frozen, standardised embeddings (Adam, weight decay, full batch).
static double Probe(Tensor emb, Tensor labels, Graph g, string dataset, int seed)
{
    var n = g.NumNodes();
    var y = labels.ToArray<long>();
    int[] train, test;
    if (g.NData.ContainsKey("train_mask"))
    {
        train = IdArray.FromTensor(g.NData["train_mask"]).AsSpan().ToArray();
        test = IdArray.FromTensor(g.NData["test_mask"]).AsSpan().ToArray();
    }
    else
    {
        // Stratified halves chosen by the seed.
        var rng = new Random(seed);
        var trainList = new List<int>();
        foreach (var group in Enumerable.Range(0, n).GroupBy(v => y[v]))
        {
            var members = group.OrderBy(_ => rng.Next()).ToArray();
            trainList.AddRange(members.Take(members.Length / 2));
        }
        train = [.. trainList.Order()];
        test = [.. Enumerable.Range(0, n).Except(train)];
    }
    var mean = emb.Mean(0, keepDim: true);
    var std = emb.Sub(mean).Pow(2).Mean(0, keepDim: true).Add(1e-8).Sqrt();
    var x = emb.Sub(mean).Div(std);
    var classes = (int)y.Max() + 1;
    var clf = new Linear(x.Size(1), classes, generator: new Generator((ulong)(1000 + seed)));
    var opt = new Adam(clf.Parameters(), lr: 0.01, weightDecay: 5e-4);
    var xTrain = x.IndexSelect(0, Tensor.FromArray(train));
    var yTrain = Tensor.FromArray(train.Select(v => y[v]).ToArray());
    for (var step = 0; step < 300; step++)
    {
        var loss = F.CrossEntropy(clf.Forward(xTrain), yTrain);
        opt.ZeroGrad();
        loss.Backward();
        opt.Step();
    }
    using var noGrad = Dgl.Tensors.Autograd.GradMode.NoGrad();
    var logits = clf.Forward(x.IndexSelect(0, Tensor.FromArray(test))).ToArray<float>();
    var correct = 0;
    for (var i = 0; i < test.Length; i++)
    {
        var row = logits.AsSpan(i * classes, classes);
        var best = 0;
        for (var c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
        if (best == y[test[i]]) correct++;
    }
    return correct / (double)test.Length;
}

/// <summary>Skip-gram pairs of one batch: centres, contexts (positives, then negatives) and 1/0 targets.</summary>
internal sealed record SkipGramBatch(Tensor Centres, Tensor Contexts, Tensor Targets);

/// <summary>
/// Turns a batch of start nodes into skip-gram training pairs: one node2vec walk per start, every (centre, context)
/// pair within the window as a positive, and for each positive <c>negatives</c> uniformly drawn nodes as negatives
/// (DGL's example draws negative walks instead; uniform nodes are the word2vec recipe).
/// </summary>
internal sealed class SkipGramSampler(double p, double q, int walkLength, int window, int negatives) : ISampler<SkipGramBatch>
{
    public SkipGramBatch Sample(Graph graph, SeedBatch seeds)
    {
        var gen = new Generator(seeds.RandomKey);
        var walks = graph.Node2VecRandomWalk(seeds.Ids!, p, q, walkLength, generator: gen);
        var traces = walks.Traces.ToArray<int>();
        var width = walkLength + 1;
        var centres = new List<int>();
        var contexts = new List<int>();
        for (var w = 0; w < seeds.Ids!.Length; w++)
        {
            var trace = traces.AsSpan(w * width, width);
            var len = trace.IndexOf(-1) is var stop && stop >= 0 ? stop : width;
            for (var i = 0; i < len; i++)
            {
                for (var j = Math.Max(0, i - window); j < Math.Min(len, i + window + 1); j++)
                {
                    if (j == i) continue;
                    centres.Add(trace[i]);
                    contexts.Add(trace[j]);
                }
            }
        }
        var positives = centres.Count;
        var n = graph.NumNodes();
        var rng = new Random(unchecked((int)seeds.RandomKey));
        for (var k = 0; k < positives * negatives; k++)
        {
            centres.Add(centres[k / negatives]);
            contexts.Add(rng.Next(n));
        }
        var targets = new float[centres.Count];
        Array.Fill(targets, 1f, 0, positives);
        return new SkipGramBatch(Tensor.FromArray(centres.ToArray()), Tensor.FromArray(contexts.ToArray()), Tensor.FromArray(targets));
    }
}
