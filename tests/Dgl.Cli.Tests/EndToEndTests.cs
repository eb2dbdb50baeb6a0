using System.Globalization;
using System.Text.Json;
using Dgl.Data;
using Dgl.Tensors.IO;
using YamlDotNet.RepresentationModel;

namespace Dgl.Cli.Tests;

/// <summary>Each task trains on a small built-in set for a few epochs; every output file parses; evaluate and predict reproduce the test metric.</summary>
public class EndToEndTests
{
    internal static readonly string NodeModel = "gcn";

    private static JsonElement Metrics(string run) => JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))).RootElement;

    private static void CheckRunFolder(string run, int epochs, string metric, bool confusion)
    {
        foreach (var f in new[] { "model.safetensors", "config.yaml", "metrics.json", "report.html", "curves.svg", "checkpoint.safetensors" })
            Assert.True(File.Exists(Path.Combine(run, f)), $"{f} missing in {run}");
        Assert.Empty(Directory.GetFiles(run, "*.tmp*"));
        var m = Metrics(run);
        Assert.Equal(metric, m.GetProperty("metric").GetString());
        Assert.Equal(epochs, m.GetProperty("epochs").GetArrayLength());
        foreach (var e in m.GetProperty("epochs").EnumerateArray())
        {
            Assert.True(double.IsFinite(e.GetProperty("loss").GetDouble()));
            Assert.InRange(e.GetProperty("val_" + metric).GetDouble(), 0, 1);
            Assert.True(e.GetProperty("lr").GetDouble() > 0);
            Assert.True(e.GetProperty("time_s").GetDouble() >= 0);
        }
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(run, "config.yaml"))));
        var map = (YamlMappingNode)yaml.Documents[0].RootNode;
        var keys = map.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToHashSet(StringComparer.Ordinal);
        foreach (var k in new[] { "task", "dataset", "model", "hidden", "layers", "lr", "in-features", "num-classes" }) Assert.Contains(k, keys);
        var weights = SafeTensors.Load(Path.Combine(run, "model.safetensors"));
        Assert.NotEmpty(weights);
        Assert.All(weights.Values, t => Assert.True(t.NumElements > 0));
        var html = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.Contains("<svg id=\"loss-chart\"", html, StringComparison.Ordinal);
        Assert.Contains("<svg id=\"metric-chart\"", html, StringComparison.Ordinal);
        Assert.Contains("class=\"series\"", html, StringComparison.Ordinal);
        Assert.Contains("<canvas id=\"degree-hist\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"test-metrics\"", html, StringComparison.Ordinal);
        Assert.Equal(confusion, html.Contains("id=\"confusion\"", StringComparison.Ordinal));
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        var svg = File.ReadAllText(Path.Combine(run, "curves.svg"));
        var doc = System.Xml.Linq.XDocument.Parse(svg);
        Assert.True(doc.Descendants().Count(e => e.Name.LocalName == "path") >= 3);
    }

    [Fact]
    public void NodeTaskTrainsWritesEverythingAndPredictReproducesTheTestAccuracy()
    {
        var run = CliHarness.NewFolder("node");
        var (code, output, err) = CliHarness.Run("train", "--model", NodeModel, "--epochs", "12", "--out", run, "--seed", "3", "--no-progress");
        Assert.True(code == 0, err + output);
        Assert.Contains("epoch   12", output, StringComparison.Ordinal);
        CheckRunFolder(run, 12, "accuracy", confusion: true);
        var recorded = Metrics(run).GetProperty("test").GetProperty("accuracy").GetDouble();

        var (ec, eout, eerr) = CliHarness.Run("evaluate", "--run", run);
        Assert.True(ec == 0, eerr);
        Assert.Contains("(identical)", eout, StringComparison.Ordinal);

        // Independent check: the accuracy of predict's CSV on the test nodes of the same generated graph.
        var csv = Path.Combine(run, "pred.csv");
        var emb = Path.Combine(run, "emb.npy");
        var (pc, _, perr) = CliHarness.Run("predict", "--run", run, "--out", csv, "--embeddings", emb);
        Assert.True(pc == 0, perr);
        var g = new CitationLikeDataset(seed: 0)[0];
        var labels = g.NData["label"].ToArray<long>();
        var test = g.NData["test_mask"].ToArray<bool>();
        var lines = File.ReadAllLines(csv);
        Assert.Equal("node_id,predicted,p0,p1,p2,p3,p4,p5,p6", lines[0]);
        Assert.Equal(g.NumNodes() + 1, lines.Length);
        int hits = 0, total = 0;
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            var probs = cells[2..].Select(c => double.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(1.0, probs.Sum(), 4);
            var pred = long.Parse(cells[1], CultureInfo.InvariantCulture);
            Assert.Equal(Array.IndexOf(probs, probs.Max()), (int)pred);
            if (!test[i - 1]) continue;
            total++;
            if (pred == labels[i - 1]) hits++;
        }
        Assert.Equal(recorded, (double)hits / total, 12);
        var e = Npy.Load(emb);
        Assert.Equal(g.NumNodes(), e.Size(0));
        Assert.True(recorded > 1.0 / 7 + 0.2, $"test accuracy {recorded} is not above chance");
    }

    [Fact]
    public void LinkTaskTrainsAndScoresPairs()
    {
        var run = CliHarness.NewFolder("link");
        var (code, output, err) = CliHarness.Run("train", "--task", "link", "--epochs", "6", "--out", run, "--no-progress");
        Assert.True(code == 0, err + output);
        CheckRunFolder(run, 6, "roc_auc", confusion: false);
        var (ec, eout, eerr) = CliHarness.Run("evaluate", "--run", run);
        Assert.True(ec == 0, eerr);
        Assert.Contains("(identical)", eout, StringComparison.Ordinal);

        var pairs = Path.Combine(run, "pairs.csv");
        File.WriteAllText(pairs, "src,dst\n0,1\n5,9\n100,2000\n");
        var outCsv = Path.Combine(run, "scores.csv");
        var (pc, _, perr) = CliHarness.Run("predict", "--run", run, "--pairs", pairs, "--out", outCsv);
        Assert.True(pc == 0, perr);
        var lines = File.ReadAllLines(outCsv);
        Assert.Equal("src,dst,score", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("100,2000,", lines[3], StringComparison.Ordinal);
        Assert.All(lines[1..], l => Assert.InRange(double.Parse(l.Split(',')[2], CultureInfo.InvariantCulture), 0, 1));
    }

    [Fact]
    public void GraphTaskTrainsOnMiniGCAndPredictReproducesTheTestAccuracy()
    {
        var run = CliHarness.NewFolder("graph");
        var (code, output, err) = CliHarness.Run("train", "--task", "graph", "--epochs", "4", "--batch-size", "40", "--out", run, "--no-progress");
        Assert.True(code == 0, err + output);
        CheckRunFolder(run, 4, "accuracy", confusion: true);
        var (ec, eout, eerr) = CliHarness.Run("evaluate", "--run", run);
        Assert.True(ec == 0, eerr);
        Assert.Contains("(identical)", eout, StringComparison.Ordinal);
        var csv = Path.Combine(run, "graphs.csv");
        var (pc, _, perr) = CliHarness.Run("predict", "--run", run, "--out", csv);
        Assert.True(pc == 0, perr);
        Assert.Equal(401, File.ReadAllLines(csv).Length);
    }

    [Fact]
    public void CsvDatasetFolderTrainsFromTheCommandLineAndConfigFile()
    {
        var dir = CliHarness.TempFolder("csvds");
        UserFiles.WriteCsvDataset(dir, 60);
        var cfg = Path.Combine(dir, "cfg.yaml");
        File.WriteAllText(cfg, $"data: {dir}\nmodel: mlp\nepochs: 50\nhidden: 8\nno-progress: true\n");
        var run = CliHarness.NewFolder("csvrun");
        // The command line overrides the YAML file: 3 epochs, not 50.
        var (code, output, err) = CliHarness.Run("train", "--config", cfg, "--epochs", "3", "--out", run);
        Assert.True(code == 0, err + output);
        Assert.Equal(3, Metrics(run).GetProperty("epochs").GetArrayLength());
        Assert.Contains("hidden: 8", File.ReadAllText(Path.Combine(run, "config.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public void EdgeListWithFeatureAndLabelFilesTrains()
    {
        var dir = CliHarness.TempFolder("edgelist");
        var (edges, feats, labels) = UserFiles.WriteEdgeList(dir, 80, featuresAsNpy: true);
        var run = CliHarness.NewFolder("elrun");
        var (code, output, err) = CliHarness.Run("train", "--edges", edges, "--features", feats, "--labels", labels, "--model", "mlp", "--epochs", "3", "--out", run);
        Assert.True(code == 0, err + output);
        Assert.Contains("nodes", File.ReadAllText(Path.Combine(run, "report.html")), StringComparison.Ordinal);
        var (ic, iout, _) = CliHarness.Run("info", edges);
        Assert.Equal(0, ic);
        Assert.Contains("80 nodes", iout, StringComparison.Ordinal);
    }

    [DataFact("planetoid/cora")]
    public void CoraFromTheSharedDataFolder()
    {
        var run = CliHarness.NewFolder("cora");
        var (code, output, err) = CliHarness.Run("train", "--dataset", "cora", "--data-dir", CliHarness.DataFolder, "--model", NodeModel, "--epochs", "3", "--out", run);
        Assert.True(code == 0, err + output);
        Assert.Contains("2,708", File.ReadAllText(Path.Combine(run, "report.html")), StringComparison.Ordinal);
        var (ic, iout, _) = CliHarness.Run("datasets", "info", "cora", "--data-dir", CliHarness.DataFolder);
        Assert.Equal(0, ic);
        Assert.Contains("2,708 nodes", iout, StringComparison.Ordinal);
    }

    [Fact]
    public void CoraLinqsIsReadFromTheLinqsSubfolder()
    {
        // LINQS's files are not in the shared data: a three-paper stand-in in DIR/linqs/cora, as the archive unpacks.
        var dir = CliHarness.NewFolder("linqs");
        var cora = Path.Combine(dir, "linqs", "cora");
        Directory.CreateDirectory(cora);
        File.WriteAllText(Path.Combine(cora, "cora.content"), "11\t1\t0\tTheory\n12\t0\t1\tRule_Learning\n13\t1\t1\tTheory\n");
        File.WriteAllText(Path.Combine(cora, "cora.cites"), "11\t12\n13\t11\n");
        var (code, output, err) = CliHarness.Run("datasets", "info", "cora-linqs", "--data-dir", dir);
        Assert.True(code == 0, err + output);
        Assert.Contains("3 nodes", output, StringComparison.Ordinal);
        Assert.Contains("4 edges", output, StringComparison.Ordinal);
    }

    [DataFact("tu/MUTAG")]
    public void MutagGraphClassificationInfersTheTaskFromTheDataSet()
    {
        var run = CliHarness.NewFolder("mutag");
        var (code, output, err) = CliHarness.Run("train", "--dataset", "mutag", "--data-dir", CliHarness.DataFolder, "--epochs", "2", "--out", run);
        Assert.True(code == 0, err + output);
        Assert.Equal("graph", Metrics(run).GetProperty("task").GetString());
    }

    [Fact]
    public void DatasetsListsEveryBuiltInSet()
    {
        var (code, output, _) = CliHarness.Run("datasets");
        Assert.Equal(0, code);
        foreach (var n in new[] { "citation-synth", "cora", "cora-linqs", "citeseer", "karate", "mutag", "proteins", "aifb", "ogbl-ddi", "minigc", "sbm" })
            Assert.Contains(n, output, StringComparison.Ordinal);
        Assert.Contains("generated", output, StringComparison.Ordinal);
    }

    [Fact]
    public void DownloadOfflineNamesTheUrlAndTheFolder()
    {
        var cacheRoot = Environment.GetEnvironmentVariable("DGL_DOWNLOAD_DIR")!;
        var probe = Path.Combine(cacheRoot, "karate_club", "karate.adjlist");
        if (File.Exists(probe)) return; // downloaded earlier on a connected machine: nothing offline to check
        var (code, _, err) = CliHarness.Run("datasets", "download", "karate");
        if (code == 0) return; // a connected machine downloaded it
        Assert.Equal(2, code);
        Assert.Contains("karate.adjlist", err, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(cacheRoot, "karate_club"), err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd().Split('\n'));
    }
}
