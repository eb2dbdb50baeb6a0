// Node classification on the Planetoid citation graphs with the models and settings of DGL's examples
// (examples/pytorch/{gcn,gat,graphsage,appnp,sgc}), full-graph training, no early stopping (as those scripts):
//
//   dotnet run -c Release --project examples/NodeClassification -- --model gcn --dataset cora --seeds 10
//
// Options: --model gcn|gat|sage|appnp|sgc, --dataset cora|citeseer|pubmed|cora-linqs, --seeds N (runs with seeds 0..N-1),
// --data-dir DIR (the folder holding planetoid/<name>/ind.<name>.*; default DGL_TEST_DATA or ../shared/data),
// --epochs, --lr, --weight-decay, --hidden to override the defaults, --verbose to print validation accuracy per epoch.
// cora-linqs is the Cora DGL's examples trained on before June 2020 (LINQS's cora.content and cora.cites, pygcn's
// split), read from DIR/linqs/cora; the figures in DGL's SGC, APPNP and GraphSAGE READMEs were measured on it.
// The last line is RESULT {...} with the mean and (population) std of the test accuracy in percent over the runs.
using System.Diagnostics;
using System.Globalization;
using Dgl;
using Dgl.Data;
using Dgl.Examples;
using Dgl.Examples.NodeClassification;
using Dgl.Metrics;
using Dgl.Nn;
using Dgl.Optim;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;

var options = ExampleArgs.Parse(args, "cora");
var model = options.Get("model", "gcn").ToLowerInvariant();
var dataset = options.Dataset;
if (model is not ("gcn" or "gat" or "sage" or "appnp" or "sgc"))
{
    Console.Error.WriteLine($"unknown --model '{model}'; expected gcn, gat, sage, appnp or sgc");
    return 1;
}
if (dataset is not ("cora" or "citeseer" or "pubmed" or "cora-linqs"))
{
    Console.Error.WriteLine($"unknown --dataset '{dataset}'; expected cora, citeseer, pubmed or cora-linqs");
    return 1;
}
var linqs = dataset == "cora-linqs";
var isCora = dataset is "cora" or "cora-linqs";

var rawDir = linqs ? Path.Combine(options.DataDir, "linqs", "cora") : Path.Combine(options.DataDir, "planetoid", dataset);
if (linqs && !File.Exists(Path.Combine(rawDir, "cora.content")))
{
    Console.Error.WriteLine(
        $"cora-linqs: {Path.Combine(rawDir, "cora.content")} is missing. This data set is not in the offline data folder; unpack " +
        "LINQS's cora.tgz (https://linqs-data.soe.ucsc.edu/public/lbc/cora.tgz, or pygcn's data/cora) so that " +
        $"{rawDir} holds cora.content and cora.cites, or pass --data-dir DIR with DIR/linqs/cora holding them.");
    return 2;
}
if (dataset == "pubmed" && !File.Exists(Path.Combine(rawDir, "ind.pubmed.allx")))
{
    Console.Error.WriteLine(
        $"pubmed: {Path.Combine(rawDir, "ind.pubmed.allx")} is missing. The offline copy of the Planetoid files lacks PubMed's allx " +
        "(the features of the non-test nodes, including the validation set; see shared/data/SOURCES.md), so PubMed cannot be " +
        "trained here. Put the file there (from kimiyoung/planetoid) and run again.");
    return 2;
}
if (!Directory.Exists(rawDir))
{
    Console.Error.WriteLine($"{rawDir} not found; pass --data-dir pointing at the folder that holds planetoid/{dataset}");
    return 2;
}

GraphDataset data = linqs ? new LinqsCitationDataset("cora", rawDir) : new CitationGraphDataset(dataset, rawDir);
var numClasses = data.NumClasses ?? throw new InvalidOperationException("the data set has no class count");
var raw = data[0];
// DGL's examples add self-loops after removing existing ones (dgl.AddSelfLoop, or remove_self_loop + add_self_loop).
var graph = raw.RemoveSelfLoop().AddSelfLoop();
graph.CreateFormats();
var features = new NodeFeatures(raw.NData["feat"]);
var labels = raw.NData["label"];
var trainIdx = raw.NData["train_mask"].Nonzero().Reshape(-1);
var valMask = raw.NData["val_mask"];
var testMask = raw.NData["test_mask"];
var trainLabels = labels.IndexSelect(0, trainIdx);
var inFeats = features.Dense.Size(1);

// DGL's settings per example (sgc on citeseer uses its README's command line: wd 5e-5, 150 epochs, bias).
var (defaultLr, defaultWd, defaultEpochs, defaultHidden) = model switch
{
    "gcn" => (1e-2, 5e-4, 200, 16),
    "gat" => (5e-3, 5e-4, 200, 8),
    "sage" => (1e-2, 5e-4, 200, 16),
    "appnp" => (1e-2, 5e-4, 200, 64),
    _ => isCora ? (0.2, 5e-6, 100, 0) : (0.2, 5e-5, 150, 0),
};
var lr = options.Get("lr", defaultLr);
var weightDecay = options.Get("weight-decay", defaultWd);
var epochs = options.Get("epochs", defaultEpochs);
var hidden = options.Get("hidden", defaultHidden);
var verbose = options.Flag("verbose");

Console.WriteLine($"{model} on {dataset}: {graph.NumNodes()} nodes, {graph.NumEdges()} edges (with self-loops), {inFeats} features, " +
    $"{numClasses} classes, {trainIdx.NumElements} training nodes; lr {lr}, weight decay {weightDecay}, {epochs} epochs");

var accuracies = new List<double>();
for (var seed = 0; seed < options.Seeds; seed++)
{
    var gen = new Generator((ulong)seed);
    NodeClassifier net = model switch
    {
        "gcn" => new Gcn(inFeats, hidden, numClasses, gen),
        "gat" => new Gat(inFeats, hidden, numClasses, heads: 8, outHeads: 1, gen),
        "sage" => new Sage(inFeats, hidden, numClasses, "gcn", gen),
        "appnp" => new Appnp(inFeats, hidden, numClasses, k: 10, alpha: 0.1, edgeDrop: 0.5, gen),
        _ => new Sgc(inFeats, numClasses, bias: !isCora, gen),
    };
    var optimizer = new Adam(net.Parameters(), lr: lr, weightDecay: weightDecay);
    var clock = Stopwatch.StartNew();
    for (var epoch = 0; epoch < epochs; epoch++)
    {
        net.Train();
        var logits = net.Forward(graph, features);
        var loss = F.CrossEntropy(logits.IndexSelect(0, trainIdx), trainLabels);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        if (verbose)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  seed {seed} epoch {epoch:D3}  loss {loss.Item<float>():F4}  val acc {Evaluate(net, valMask):F4}"));
    }
    var seconds = clock.Elapsed.TotalSeconds;
    var acc = Evaluate(net, testMask);
    accuracies.Add(100 * acc);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"seed {seed}: test accuracy {100 * acc:F1}%  ({seconds:F2} s, {1000 * seconds / epochs:F2} ms/epoch)"));
}

ExampleResult.Print(model, dataset, "acc", accuracies);
return 0;

double Evaluate(NodeClassifier net, Tensor mask)
{
    net.Eval();
    using var _ = GradMode.NoGrad();
    return Classification.Accuracy(net.Forward(graph, features), labels, mask);
}
