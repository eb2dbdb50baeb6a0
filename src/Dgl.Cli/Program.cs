namespace Dgl.Cli;

/// <summary>The process entry point of the <c>dgl</c> tool.</summary>
public static class Program
{
    /// <summary>Runs <c>dgl</c>; Ctrl+C asks training to stop after the current step (a second Ctrl+C ends the process).</summary>
    public static int Main(string[] args)
    {
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (cts.IsCancellationRequested) return;
            e.Cancel = true;
            cts.Cancel();
            Console.Error.WriteLine("stopping after the current step (Ctrl+C again to quit now)…");
        };
        return DglCommand.Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected, cts.Token);
    }
}
