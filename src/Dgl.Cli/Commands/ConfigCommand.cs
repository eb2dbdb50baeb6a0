using System.CommandLine;
using Dgl.Cli.Config;
using Dgl.Cli.Models;
using Dgl.Cli.Training;

namespace Dgl.Cli.Commands;

/// <summary><c>dgl config init</c>: prints a commented YAML template of every training setting.</summary>
internal static class ConfigCommand
{
    public static Command Create(CliConsole io)
    {
        var cmd = new Command("config", "Configuration files for dgl train.");
        var init = new Command("init", "Print a commented YAML template of every setting: dgl config init --task node --model gat > cfg.yaml");
        var task = new Option<string>("--task") { Description = "node, link or graph", HelpName = "node|link|graph" };
        var model = new Option<string>("--model") { Description = "the model (default: the task's default)", HelpName = "name" };
        init.Options.Add(task);
        init.Options.Add(model);
        init.SetAction(parse =>
        {
            var t = parse.GetValue(task) is { } s ? ConfigKeys.ParseTask(s) : TaskKind.Node;
            var m = ModelZoo.Get(parse.GetValue(model) ?? TrainConfig.DefaultModel(t), t).Name;
            io.Out.Write(ConfigKeys.Template(t, m));
            return 0;
        });
        cmd.Subcommands.Add(init);
        return cmd;
    }
}
