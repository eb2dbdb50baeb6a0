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

// R-GCN entity classification on the RDF sets (DGL's examples/pytorch/rgcn/entity_classify.py, after Schlichtkrull
// et al. 2018): the heterograph is made homogeneous with an edge type per relation (reverse relations included) and
// a normaliser 1/|N_r(i)| per edge; two RelGraphConv layers with basis decomposition, hidden 16, featureless input
// (each node's one-hot id) in the first layer, full-batch Adam lr 0.01 for 50 epochs, test accuracy at the end.
//
//   dotnet run -c Release --project examples/EntityClassification -- --dataset aifb [--seeds 5] [--bases -1]
//       [--l2 0] [--hidden 16] [--epochs 50] [--self-loop true] [--data-dir ../shared/data]
//
// Defaults: DGL's options with self-loops and L2 5e-4 on both sets; as in DGL's README commands, aifb uses every
// basis (one per relation) and mutag 30. (Without the self-loop term, aifb reaches about 0.90.)
var opts = ExampleArgs.Parse(args, "aifb");
var (folder, isAifb) = opts.Dataset switch
{
    "aifb" => ("rgcn_aifb", true),
    "mutag" => ("rgcn_mutag", false),
    _ => throw new ArgumentException($"unknown data set '{opts.Dataset}'; expected aifb or mutag", nameof(args)),
};
var hidden = opts.Get("hidden", 16);
var epochs = opts.Get("epochs", 50);
var lr = opts.Get("lr", 0.01);
var l2 = opts.Get("l2", 5e-4);
var bases = opts.Get("bases", isAifb ? -1 : 30);
var selfLoop = !string.Equals(opts.Get("self-loop", "true"), "false", StringComparison.OrdinalIgnoreCase);
var dropout = opts.Get("dropout", 0.0);

var clock = Stopwatch.StartNew();
GraphDataset data = isAifb ? new AifbDataset(opts.DataFolder(folder)) : new MutagDataset(opts.DataFolder(folder));
var hg = data[0];
var category = data.PredictCategory!;
var target = hg.Nodes[category].Data;
var labels = target["labels"];
var trainIdx = MaskIndices(target["train_mask"]);
var testIdx = MaskIndices(target["test_mask"]);
foreach (var cet in hg.CanonicalEdgeTypes)
{
    // DGL's norm_by_dst: 1 / in-degree of the edge's destination within its relation.
    var deg = hg.InDegrees(etype: cet).ToArray<int>();
    var dst = hg.AllEdges("eid", cet).Dst.ToArray<int>();
    var norm = new float[dst.Length];
    for (var e = 0; e < dst.Length; e++) norm[e] = 1f / deg[dst[e]];
    hg.Edges[cet].Data["norm"] = Tensor.FromArray(norm, new Shape(dst.Length, 1));
}
var numRels = hg.CanonicalEdgeTypes.Count;
var g = hg.ToHomogeneous(out var ntypeCount, out _, edata: ["norm"]);
var categoryId = hg.NodeTypes.ToList().IndexOf(category);
var offset = ntypeCount.Take(categoryId).Sum();
var targetIdx = Tensor.Arange(offset, offset + ntypeCount[categoryId], DType.Int32);
var etypes = g.EData[Graph.ETYPE];
var edgeNorm = g.EData["norm"];
var nodeIds = Tensor.Arange(g.NumNodes(), DType.Int32);
var numClasses = data.NumClasses!.Value;
var numBases = bases < 0 ? numRels : bases;
Console.WriteLine($"{data.Name}: {g.NumNodes()} nodes, {g.NumEdges()} edges, {numRels} relations, {numClasses} classes, " +
    $"{trainIdx.Size(0)} train / {testIdx.Size(0)} test; bases {numBases}, hidden {hidden}, l2 {l2.ToString(CultureInfo.InvariantCulture)}, self-loop {selfLoop} [{clock.Elapsed.TotalSeconds:F1} s]");

var accuracies = new List<double>();
for (var seed = 0; seed < opts.Seeds; seed++)
{
    var gen = new Generator((ulong)seed);
    var conv1 = new RelGraphConv(g.NumNodes(), hidden, numRels, "basis", numBases, activation: t => t.Relu(), selfLoop: selfLoop, dropout: dropout, generator: gen);
    var conv2 = new RelGraphConv(hidden, numClasses, numRels, "basis", numBases, selfLoop: selfLoop, generator: gen);
    var parameters = conv1.Parameters().Concat(conv2.Parameters()).ToList();
    var optimizer = new Adam(parameters, lr: lr, weightDecay: l2);
    Tensor Logits() => conv2.Forward(g, conv1.Forward(g, nodeIds, etypes, edgeNorm), etypes, edgeNorm).IndexSelect(0, targetIdx);
    var t0 = clock.Elapsed.TotalSeconds;
    for (var epoch = 0; epoch < epochs; epoch++)
    {
        conv1.Train();
        conv2.Train();
        var logits = Logits();
        var loss = F.CrossEntropy(logits.IndexSelect(0, trainIdx), labels.IndexSelect(0, trainIdx));
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        if (epoch % 10 == 9 || epoch == epochs - 1)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  seed {seed} epoch {epoch + 1,3}: loss {loss.ToDouble():F4}, train acc {Classification.Accuracy(logits.IndexSelect(0, trainIdx), labels.IndexSelect(0, trainIdx)):F4}"));
    }
    conv1.Eval();
    conv2.Eval();
    double acc;
    using (GradMode.NoGrad()) acc = Classification.Accuracy(Logits().IndexSelect(0, testIdx), labels.IndexSelect(0, testIdx));
    accuracies.Add(acc);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {seed}: test accuracy {acc:F4} ({(clock.Elapsed.TotalSeconds - t0) / epochs * 1000:F0} ms/epoch)"));
}
ExampleResult.Print("RGCN", data.Name, "test accuracy", accuracies);

static Tensor MaskIndices(Tensor mask)
{
    var m = mask.To(DType.Bool).ToArray<bool>();
    var ids = new List<int>();
    for (var i = 0; i < m.Length; i++) if (m[i]) ids.Add(i);
    return Tensor.FromArray(ids.ToArray());
}
