using System.Text.RegularExpressions;

namespace Dgl.Cli.Tests;

/// <summary>The report renders in headless Chromium: no script errors, the SVG curves have paths, the canvas is drawn.</summary>
public partial class ReportRenderTests
{
    [GeneratedRegex("data-report-ready=\"(\\d+)\"")]
    private static partial Regex ReadyAttribute();

    [GeneratedRegex("data-drawn=\"(\\d+)\"")]
    private static partial Regex DrawnAttribute();

    [ChromiumFact]
    public void ReportRendersWithoutErrorsAndDrawsTheCharts()
    {
        var run = CliHarness.NewFolder("render");
        var (code, output, err) = CliHarness.Run("train", "--model", "mlp", "--epochs", "5", "--out", run);
        Assert.True(code == 0, err + output);
        var report = Path.Combine(run, "report.html");
        var profile = CliHarness.TempFolder("chromium-profile");
        var psi = new ProcessStartInfo(ChromiumFactAttribute.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--virtual-time-budget=2000", "--dump-dom", new Uri(report).AbsoluteUri })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var dom = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "chromium did not finish in 60 s");
        Assert.True(dom.Length > 1000, $"chromium printed no DOM (exit {p.ExitCode}): {stderr.Result}");
        // The page's own error hook writes any script error into #page-errors.
        Assert.Contains("<pre id=\"page-errors\" class=\"errors\"></pre>", dom, StringComparison.Ordinal);
        var ready = ReadyAttribute().Match(dom);
        Assert.True(ready.Success, "the page script did not run to its end");
        Assert.Equal(3, int.Parse(ready.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)); // loss, train metric, val metric
        var drawn = DrawnAttribute().Match(dom);
        Assert.True(drawn.Success && int.Parse(drawn.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, "the degree histogram was not drawn");
        Assert.Matches("<path class=\"series\"[^>]* d=\"M[0-9.]+,[0-9.]+L", dom);
    }
}
