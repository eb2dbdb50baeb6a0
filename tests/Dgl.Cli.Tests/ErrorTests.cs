namespace Dgl.Cli.Tests;

/// <summary>Each bad input: exit code 2, one line on stderr naming the problem, no stack trace, nothing left in --out.</summary>
public class ErrorTests
{
    private static void AssertUsageError(string expected, params string[] args)
    {
        var outDir = CliHarness.NewFolder("err");
        var (code, output, err) = CliHarness.Run([.. args, "--out", outDir]);
        Assert.True(code == 2, $"exit {code}: {err}{output}");
        var lines = err.TrimEnd('\n', '\r').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.True(!Directory.Exists(outDir) || !Directory.EnumerateFileSystemEntries(outDir).Any(), $"{outDir} is not empty");
    }

    [Fact]
    public void MissingDataFolder() =>
        AssertUsageError("no such file or folder", "train", "--data", Path.Combine(Path.GetTempPath(), "no-such-dgl-folder-" + Guid.NewGuid().ToString("N")));

    [Fact]
    public void MissingDataDirForABuiltInSet() =>
        AssertUsageError("folder not found", "train", "--dataset", "cora", "--data-dir", Path.Combine(Path.GetTempPath(), "no-such-dgl-dir"));

    [Fact]
    public void DataDirWithoutTheFilesNamesWhereItLooked()
    {
        var dir = CliHarness.TempFolder("emptydatadir");
        AssertUsageError("ind.cora.x not found under", "train", "--dataset", "cora", "--data-dir", dir);
    }

    [Fact]
    public void MalformedMetaYaml()
    {
        var dir = CliHarness.TempFolder("badmeta");
        File.WriteAllText(Path.Combine(dir, "meta.yaml"), "dataset_name: x\nnode_data: [\n  - file_name: nodes.csv\n  bad: : :\n");
        AssertUsageError("meta.yaml", "train", "--data", dir, "--model", "mlp");
    }

    [Fact]
    public void MalformedCsvRowNamesTheFileAndLine()
    {
        var dir = CliHarness.TempFolder("badcsv");
        UserFiles.WriteCsvDataset(dir, 20);
        var edges = Path.Combine(dir, "edges.csv");
        var lines = File.ReadAllLines(edges).ToList();
        lines.Insert(4, "7,not-a-node");
        File.WriteAllLines(edges, lines);
        AssertUsageError("edges.csv", "train", "--data", dir, "--model", "mlp");
        var (_, _, err) = CliHarness.Run("train", "--data", dir, "--model", "mlp", "--out", CliHarness.NewFolder("badcsv2"));
        Assert.Contains("5", err, StringComparison.Ordinal); // line 5 of edges.csv (header is line 1)
    }

    [Fact]
    public void MalformedEdgeListLine()
    {
        var dir = CliHarness.TempFolder("badedges");
        var (edges, feats, labels) = UserFiles.WriteEdgeList(dir, 30, featuresAsNpy: false);
        File.AppendAllText(edges, "3 x4\n");
        AssertUsageError("edges.txt", "train", "--edges", edges, "--features", feats, "--labels", labels, "--model", "mlp");
    }

    [Fact]
    public void NegativeLabelIsOutOfRange()
    {
        var dir = CliHarness.TempFolder("badlabels");
        var (edges, feats, labels) = UserFiles.WriteEdgeList(dir, 30, featuresAsNpy: false);
        var l = File.ReadAllLines(labels);
        l[5] = "4,-1";
        File.WriteAllLines(labels, l);
        AssertUsageError("y.csv:6: label -1 is out of range", "train", "--edges", edges, "--features", feats, "--labels", labels, "--model", "mlp");
    }

    [Fact]
    public void LabelBeyondTheModelsClassesIsOutOfRange()
    {
        var dir = CliHarness.TempFolder("predlabels");
        var (edges, feats, labels) = UserFiles.WriteEdgeList(dir, 30, featuresAsNpy: true);
        var run = CliHarness.NewFolder("predlabels-run");
        Assert.Equal(0, CliHarness.Run("train", "--edges", edges, "--features", feats, "--labels", labels, "--model", "mlp", "--epochs", "2", "--out", run).Code);
        var l = File.ReadAllLines(labels);
        l[3] = "2,5";
        File.WriteAllLines(labels, l);
        var (code, _, err) = CliHarness.Run("evaluate", "--run", run, "--edges", edges, "--features", feats, "--labels", labels);
        Assert.Equal(2, code);
        Assert.Contains("labels out of range", err, StringComparison.Ordinal);
    }

    [Fact]
    public void FeatureRowsDoNotMatchTheNodes()
    {
        var dir = CliHarness.TempFolder("badfeat");
        var (edges, _, labels) = UserFiles.WriteEdgeList(dir, 30, featuresAsNpy: false);
        var feats = Path.Combine(dir, "short.csv");
        File.WriteAllLines(feats, ["1,2", "3,4"]);
        AssertUsageError("2 rows", "train", "--edges", edges, "--features", feats, "--labels", labels, "--model", "mlp");
    }

    [Fact]
    public void UnknownModelListsTheValidOnes() => AssertUsageError("unknown model 'gcm' for --task node; valid models: ", "train", "--model", "gcm");

    [Fact]
    public void ModelOfAnotherTask() => AssertUsageError("valid models:", "train", "--task", "link", "--model", "rgcn-nope");

    [Fact]
    public void FanoutsMustMatchTheLayers() =>
        AssertUsageError("--fanouts 15,10,5 gives 3 neighbour count(s) for --layers 2; give one count per layer, e.g. --fanouts 10,10", "train", "--batch-size", "64", "--fanouts", "15,10,5");

    [Fact]
    public void FanoutsWithMoreLayersThanCounts() =>
        AssertUsageError("gives 1 neighbour count(s) for --layers 3", "train", "--layers", "3", "--fanouts", "10");

    [Fact]
    public void MultiHopModelsRefuseMiniBatches() =>
        AssertUsageError("--model sgc propagates over many hops inside one layer and cannot train on sampled blocks", "train", "--model", "sgc", "--batch-size", "64");

    [Fact]
    public void FanoutsOutsideNodeClassification() =>
        AssertUsageError("--task graph does not use it", "train", "--task", "graph", "--fanouts", "5,5");

    [Fact]
    public void UnknownOptionSuggestsTheNearest() => AssertUsageError("unknown option '--epohcs' for 'dgl train'; did you mean '--epochs'?", "train", "--epohcs", "3");

    [Fact]
    public void UnknownDataSetSuggestsTheNearest() => AssertUsageError("unknown data set 'corra'; did you mean 'cora'?", "train", "--dataset", "corra");

    [Fact]
    public void TaskTheDataSetDoesNotServe() => AssertUsageError("data set minigc does not serve --task node", "train", "--dataset", "minigc", "--task", "node");

    [Fact]
    public void UnknownConfigKeySuggestsTheNearest()
    {
        var dir = CliHarness.TempFolder("badcfg");
        var cfg = Path.Combine(dir, "cfg.yaml");
        File.WriteAllText(cfg, "model: mlp\nweight_decay: 0.1\n");
        AssertUsageError("cfg.yaml:2: unknown key 'weight_decay'; did you mean 'weight-decay'?", "train", "--config", cfg);
        File.WriteAllText(cfg, "modle: gcn\n");
        AssertUsageError("unknown key 'modle'; did you mean 'model'?", "train", "--config", cfg);
    }

    [Fact]
    public void BadValues()
    {
        AssertUsageError("--dropout 1.5 is out of range", "train", "--dropout", "1.5");
        AssertUsageError("--epochs 'ten' is not a whole number", "train", "--epochs", "ten");
        AssertUsageError("--task 'nodes' is not a task", "train", "--task", "nodes");
    }

    [Fact]
    public void OutFolderThatHoldsARunIsRefused()
    {
        var run = CliHarness.TempFolder("occupied");
        File.WriteAllText(Path.Combine(run, "keep.txt"), "x");
        var (code, _, err) = CliHarness.Run("train", "--model", "mlp", "--epochs", "1", "--out", run);
        Assert.Equal(2, code);
        Assert.Contains("already holds files", err, StringComparison.Ordinal);
        Assert.Single(Directory.GetFileSystemEntries(run));
    }
}
