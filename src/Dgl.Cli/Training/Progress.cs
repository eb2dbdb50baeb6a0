using Dgl.Cli.Data;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Dgl.Cli.Training;

/// <summary>Where a run reports its progress: a live terminal display or plain lines.</summary>
internal interface IProgressSink : IDisposable
{
    /// <summary>Runs <paramref name="body"/> with the display active.</summary>
    void Run(Action body);

    /// <summary>A mini-batch step finished inside <paramref name="epoch"/>.</summary>
    void Step(int epoch, int step, int steps);

    /// <summary>An epoch finished.</summary>
    void Epoch(EpochRecord record, double bestVal, int bestEpoch, double elapsed, double eta);

    /// <summary>A line of text (start-up, summaries).</summary>
    void Line(string text);
}

/// <summary>One line per epoch, for logs and pipes (and <c>--no-progress</c>).</summary>
internal sealed class PlainProgress(TextWriter output, string metric) : IProgressSink
{
    public void Run(Action body) => body();

    public void Step(int epoch, int step, int steps)
    {
    }

    public void Epoch(EpochRecord r, double bestVal, int bestEpoch, double elapsed, double eta) =>
        output.WriteLine($"epoch {r.Epoch,4}  loss {Fmt.F4(r.Loss)}  train {metric} {Fmt.F4(r.Train)}  val {metric} {Fmt.F4(r.Val)}  best {Fmt.F4(bestVal)} (epoch {bestEpoch})  {Fmt.Seconds(elapsed)} elapsed, ETA {Fmt.Seconds(eta)}");

    public void Line(string text) => output.WriteLine(text);

    public void Dispose() => output.Flush();
}

/// <summary>A live Spectre.Console table: epoch, loss, metrics, best, elapsed and ETA, and a bar for the batches of the epoch.</summary>
internal sealed class LiveProgress(IAnsiConsole console, string metric, int epochs) : IProgressSink
{
    private LiveDisplayContext? _ctx;
    private readonly List<string> _lines = [];
    private EpochRecord? _last;
    private double _best = double.NaN, _elapsed, _eta;
    private int _bestEpoch, _step, _steps, _epoch;
    private DateTime _lastRefresh = DateTime.MinValue;

    public void Run(Action body) =>
        console.Live(Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Start(ctx =>
        {
            _ctx = ctx;
            body();
            ctx.UpdateTarget(Render());
            ctx.Refresh();
        });

    public void Step(int epoch, int step, int steps)
    {
        (_epoch, _step, _steps) = (epoch, step, steps);
        if ((DateTime.UtcNow - _lastRefresh).TotalMilliseconds > 100) Refresh();
    }

    public void Epoch(EpochRecord r, double bestVal, int bestEpoch, double elapsed, double eta)
    {
        (_last, _best, _bestEpoch, _elapsed, _eta) = (r, bestVal, bestEpoch, elapsed, eta);
        if ((DateTime.UtcNow - _lastRefresh).TotalMilliseconds > 100 || r.Epoch == epochs) Refresh();
    }

    public void Line(string text)
    {
        if (_ctx is null) console.WriteLine(text);
        else
        {
            _lines.Add(text);
            Refresh();
        }
    }

    private void Refresh()
    {
        _lastRefresh = DateTime.UtcNow;
        if (_ctx is null) return;
        _ctx.UpdateTarget(Render());
        _ctx.Refresh();
    }

    private IRenderable Render()
    {
        var t = new Table().Border(TableBorder.Rounded).Title("[bold]dgl train[/]");
        foreach (var c in new[] { "epoch", "loss", $"train {metric}", $"val {metric}", "best val", "elapsed", "ETA" }) t.AddColumn(new TableColumn(c).RightAligned());
        var r = _last;
        t.AddRow(
            r is null ? "-" : $"{r.Epoch}/{epochs}", r is null ? "-" : Fmt.F4(r.Loss), r is null ? "-" : Fmt.F4(r.Train), r is null ? "-" : Fmt.F4(r.Val),
            _bestEpoch == 0 ? "-" : $"{Fmt.F4(_best)} (ep {_bestEpoch})", Fmt.Seconds(_elapsed), r is null ? "-" : Fmt.Seconds(_eta));
        var items = new List<IRenderable> { t };
        if (_steps > 1)
        {
            const int width = 40;
            var done = (int)Math.Round(width * (double)_step / _steps);
            items.Add(new Markup($"epoch {_epoch}: [green]{new string('━', done)}[/][grey]{new string('━', width - done)}[/] {_step}/{_steps} batches"));
        }
        foreach (var l in _lines) items.Add(new Text(l));
        return new Rows(items);
    }

    public void Dispose()
    {
    }
}
