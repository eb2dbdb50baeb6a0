using Dgl.Cli.Config;

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
