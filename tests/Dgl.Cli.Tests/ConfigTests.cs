using Dgl.Cli.Config;
using Dgl.Cli.Models;
using Dgl.Nn;

namespace Dgl.Cli.Tests;

/// <summary>YAML settings, the template of <c>dgl config init</c>, and the nearest-name suggestions.</summary>
public class ConfigTests
{
    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("epochs", "epochs", 0)]
    [InlineData("flaw", "lawn", 2)]
    public void LevenshteinDistances(string a, string b, int d) => Assert.Equal(d, EditDistance.Levenshtein(a, b));

    [Fact]
    public void TemplateParsesBackToTheDefaults()
    {
        var (code, yaml, err) = CliHarness.Run("config", "init", "--task", "graph", "--model", "mlp");
        Assert.True(code == 0, err);
        Assert.Contains("# learning rate (Adam)", yaml, StringComparison.Ordinal);
        var file = Path.Combine(CliHarness.TempFolder("tmpl"), "cfg.yaml");
        File.WriteAllText(file, yaml);
        var cfg = new TrainConfig();
        ConfigKeys.ApplyYaml(cfg, file);
        Assert.Equal(TaskKind.Graph, cfg.Task);
        Assert.Equal("mlp", cfg.Model);
        Assert.Equal("minigc", cfg.Dataset);
        Assert.Equal(32, cfg.BatchSize);
        Assert.Equal(0.01, cfg.Lr);
        Assert.Null(cfg.Data);
    }

    [Fact]
    public void EveryKeyIsAnOptionOfTrain()
    {
        var (_, help, _) = CliHarness.Run("train", "--help");
        foreach (var k in ConfigKeys.All) Assert.Contains("--" + k.Name, help, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigInitRejectsAModelOfAnotherTask()
    {
        var (code, _, err) = CliHarness.Run("config", "init", "--task", "link", "--model", "nope");
        Assert.Equal(2, code);
        Assert.Contains("valid models:", err, StringComparison.Ordinal);
    }
}

/// <summary>Per-model defaults (SGC takes DGL's example settings) and SGC's self-loops.</summary>
public class ModelDefaultTests
{
    [Fact]
    public void SgcTakesDglsSettingsWhereTheUserSetsNone()
    {
        var sgc = new TrainConfig { Model = "sgc" };
        Assert.Equal((0.2, 5e-6, 0.0), (sgc.Lr, sgc.WeightDecay, sgc.Dropout));
        var gcn = new TrainConfig { Model = "gcn" };
        Assert.Equal((0.01, 5e-4, 0.5), (gcn.Lr, gcn.WeightDecay, gcn.Dropout));
        var unnamed = new TrainConfig();
        Assert.Equal((0.01, 5e-4, 0.5), (unnamed.Lr, unnamed.WeightDecay, unnamed.Dropout));
        // What the user sets wins, also when it equals another model's default; the rest stay the model's.
        var set = new TrainConfig { Model = "sgc", Lr = 0.01, Dropout = 0.5 };
        Assert.Equal((0.01, 5e-6, 0.5), (set.Lr, set.WeightDecay, set.Dropout));
    }

    [Fact]
    public void SgcTemplateAndCommandLineCarryItsDefaults()
    {
        var (code, yaml, err) = CliHarness.Run("config", "init", "--task", "node", "--model", "sgc");
        Assert.True(code == 0, err);
        Assert.Contains("\nlr: 0.2\n", yaml, StringComparison.Ordinal);
        Assert.Contains("\ndropout: 0\n", yaml, StringComparison.Ordinal);
        var cfg = new TrainConfig();
        ConfigKeys.All.Single(k => k.Name == "model").Set(cfg, "sgc");
        ConfigKeys.All.Single(k => k.Name == "weight-decay").Set(cfg, "0.001");
        Assert.Equal((0.2, 0.001), (cfg.Lr, cfg.WeightDecay));
    }

    [Fact]
    public void SgcRunsOnTheGraphWithOneSelfLoopPerNode()
    {
        // Node 2 has a self-loop already, node 3 no edges at all.
        var g = Graph.Create([0, 1, 2, 1], [1, 2, 2, 0], 4);
        var looped = Graph.Create([0, 1, 1, 0, 1, 2, 3], [1, 2, 0, 0, 1, 2, 3], 4);
        var conv = new SGConv(3, 2, k: 2, allowZeroInDegree: true, generator: new Generator(3));
        var layer = new ConvLayer(conv, selfLoops: true);
        var x = Tensor.Randn(new Shape(4, 3), generator: new Generator(4));
        var got = layer.Forward(g, x, null).ToArray<float>();
        var want = conv.Forward(looped, x).ToArray<float>();
        for (var i = 0; i < want.Length; i++) Assert.Equal(want[i], got[i], 5);
        // And not the graph as given (a second loop on node 2, none on 3).
        var plain = conv.Forward(g.AddSelfLoop(), x).ToArray<float>();
        Assert.Contains(want.Zip(plain), p => MathF.Abs(p.First - p.Second) > 1e-4f);
    }
}
