using System.Text.Json;

namespace Dgl.Cli.Tests;

/// <summary><c>--resume</c> continues a run from its checkpoint: the same bits as an uninterrupted run.</summary>
public class ResumeTests
{
    private static double[] Losses(string run) =>
        [.. JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))).RootElement.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("loss").GetDouble())];

    [Theory]
    [InlineData("node", "6")]
    [InlineData("graph", "4")]
    [InlineData("link", "4")]
    public void ResumedRunMatchesAnUninterruptedOne(string task, string epochs)
    {
        var straight = CliHarness.NewFolder("straight");
        var model = task == "node" ? EndToEndTests.NodeModel : "mlp";
        var common = new[] { "train", "--task", task, "--model", model, "--seed", "5", "--dropout", "0.3", "--patience", "0" };
        var (c1, o1, e1) = CliHarness.Run([.. common, "--epochs", epochs, "--out", straight]);
        Assert.True(c1 == 0, e1 + o1);

        var split = CliHarness.NewFolder("split");
        var (c2, o2, e2) = CliHarness.Run([.. common, "--epochs", "2", "--out", split]);
        Assert.True(c2 == 0, e2 + o2);
        var (c3, o3, e3) = CliHarness.Run("train", "--resume", split, "--epochs", epochs);
        Assert.True(c3 == 0, e3 + o3);
        Assert.Contains("resuming at epoch 3", o3, StringComparison.Ordinal);
        Assert.Equal(Losses(straight), Losses(split));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(split, "model.safetensors")));
    }

    [Fact]
    public void CancellationStopsAfterTheCurrentStepAndKeepsTheBestCheckpoint()
    {
        using var cts = new CancellationTokenSource();
        var run = CliHarness.NewFolder("cancel");
        var o = new StringWriter();
        var e = new StringWriter();
        // Cancel from the progress output: after the third epoch line is printed.
        var watcher = new CancelAfterLines(o, "epoch", 3, cts);
        var code = DglCommand.Run(["train", "--model", "mlp", "--epochs", "50", "--patience", "0", "--out", run], watcher, e, false, cts.Token);
        Assert.Equal(130, code);
        var text = o.ToString();
        Assert.Contains("interrupted: stopped after epoch 3", text, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(run, "model.safetensors"), text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(run, "model.safetensors")));
        Assert.Equal(3, Losses(run).Length);
        var (c2, o2, e2) = CliHarness.Run("train", "--resume", run, "--epochs", "5");
        Assert.True(c2 == 0, e2 + o2);
        Assert.Equal(5, Losses(run).Length);
    }

    /// <summary>A writer that cancels after a number of lines starting with a prefix.</summary>
    private sealed class CancelAfterLines(StringWriter inner, string prefix, int count, CancellationTokenSource cts) : TextWriter
    {
        private int _seen;

        public override System.Text.Encoding Encoding => inner.Encoding;

        public override void Write(char value) => inner.Write(value);

        public override void WriteLine(string? value)
        {
            inner.WriteLine(value);
            if (value is not null && value.StartsWith(prefix, StringComparison.Ordinal) && ++_seen == count) cts.Cancel();
        }

        public override string ToString() => inner.ToString();
    }
}
