using System.CommandLine;
using Dgl.Cli.Config;
using Dgl.Cli.Training;

namespace Dgl.Cli.Commands;

/// <summary><c>dgl train</c>: one option per <see cref="ConfigKeys"/> entry, plus <c>--config</c> and <c>--resume</c>.</summary>
internal static class TrainCommand
{
    public static Command Create(CliConsole io, CancellationToken cancel)
    {
        var cmd = new Command("train", "Train a GNN (default: GCN on the built-in synthetic citation graph) and write a run folder with the best model, metrics and an HTML report.");
        var options = new List<(ConfigKey Key, Option Option)>();
        foreach (var key in ConfigKeys.All)
        {
            Option o = key.Type == KeyType.Bool
                ? new Option<bool>("--" + key.Name) { Description = key.Help }
                : new Option<string>("--" + key.Name) { Description = key.Help, HelpName = key.Choices is { } c ? string.Join("|", c) : key.Type.ToString().ToLowerInvariant() };
            cmd.Options.Add(o);
            options.Add((key, o));
        }
        var config = new Option<string>("--config") { Description = "read settings from a YAML file (see `dgl config init`); command-line options override it", HelpName = "file.yaml" };
        var resume = new Option<string>("--resume") { Description = "continue the run in this folder from its last checkpoint (model, optimizer, epoch, random stream)", HelpName = "dir" };
        cmd.Options.Add(config);
        cmd.Options.Add(resume);
        cmd.SetAction(parse =>
        {
            var resumeDir = parse.GetValue(resume);
            var cfg = resumeDir is null ? new TrainConfig() : RunFiles.ReadConfig(resumeDir).Config;
            if (parse.GetValue(config) is { } file) ConfigKeys.ApplyYaml(cfg, file);
            foreach (var (key, option) in options)
            {
                if (parse.GetResult(option) is not { Implicit: false }) continue;
                var value = option is Option<bool> b ? (parse.GetValue(b) ? "true" : "false") : parse.GetValue((Option<string>)option);
                if (value is null) continue;
                key.Set(cfg, value);
            }
            if (resumeDir is not null) cfg.Out = resumeDir;
            return Trainer.Run(cfg, resumeDir, io, cancel);
        });
        return cmd;
    }
}
