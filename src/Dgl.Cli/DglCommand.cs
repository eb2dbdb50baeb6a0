using System.CommandLine;
using System.CommandLine.Parsing;
using Dgl.Cli.Commands;
using Dgl.Cli.Config;
using Dgl.Cli.Training;

namespace Dgl.Cli;

/// <summary>The <c>dgl</c> command line: parses the arguments, runs a command, turns user errors into one line and exit code 2.</summary>
public static class DglCommand
{
    /// <summary>Exit code of a user error (bad input, unknown option, missing file).</summary>
    public const int UsageError = 2;

    /// <summary>Runs <c>dgl</c> with <paramref name="args"/>, writing to <paramref name="stdout"/>/<paramref name="stderr"/>.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <param name="stdout">Normal output.</param>
    /// <param name="stderr">Error messages.</param>
    /// <param name="interactive">True when stdout is a terminal (live progress display); false for plain lines.</param>
    /// <param name="cancel">Cancels training after the current step (Ctrl+C).</param>
    /// <returns>The exit code: 0 success, 2 user error, 130 interrupted, 1 internal error.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive = false, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var io = new CliConsole(stdout, stderr, interactive);
        try
        {
            var root = Commands(io, cancel);
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                stderr.WriteLine("error: " + ParseErrorMessage(parse));
                return UsageError;
            }
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (CliException e)
        {
            stderr.WriteLine("error: " + Data.DataLoading.OneLine(e.Message));
            return UsageError;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("interrupted");
            return 130;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("DGL_DEBUG") is null or "" or "0")
        {
            stderr.WriteLine($"error: internal error ({e.GetType().Name}): {Data.DataLoading.OneLine(e.Message)} (set DGL_DEBUG=1 for the stack trace)");
            return 1;
        }
    }

    private static string ParseErrorMessage(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        foreach (var token in parse.UnmatchedTokens)
        {
            if (token.StartsWith('-'))
            {
                var names = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
                var name = token.Split('=')[0];
                if (names.Count > 0)
                    return $"unknown option '{name}' for '{CommandPath(parse.CommandResult)}'; did you mean '{EditDistance.Nearest(name, names)}'? (dgl {CommandPath(parse.CommandResult)[4..]} --help lists them)".Replace("dgl  --help", "dgl --help", StringComparison.Ordinal);
            }
            var subs = command.Subcommands.Select(c => c.Name).ToList();
            if (subs.Count > 0)
                return $"unknown command '{token}'; did you mean '{EditDistance.Nearest(token, subs)}'? commands: {string.Join(", ", subs)}";
            return $"unexpected argument '{token}' for '{CommandPath(parse.CommandResult)}'";
        }
        return string.Join("; ", parse.Errors.Select(e => e.Message));
    }

    private static string CommandPath(CommandResult r)
    {
        var parts = new List<string>();
        for (SymbolResult? s = r; s is not null; s = s.Parent)
            if (s is CommandResult c) parts.Insert(0, c.Command.Name);
        parts[0] = "dgl";
        return string.Join(' ', parts);
    }

    private static RootCommand Commands(CliConsole io, CancellationToken cancel)
    {
        var root = new RootCommand("dgl: train, evaluate and predict with graph neural networks on built-in or your own graphs, with no code.");
        root.Subcommands.Add(TrainCommand.Create(io, cancel));
        root.Subcommands.Add(PredictCommands.Predict(io));
        root.Subcommands.Add(PredictCommands.Evaluate(io));
        root.Subcommands.Add(DatasetsCommand.Create(io));
        root.Subcommands.Add(InfoCommand.Create(io));
        root.Subcommands.Add(ConfigCommand.Create(io));
        return root;
    }
}
