using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dgl.Cli.Config;

/// <summary>The value type of a setting (how its text is parsed and how YAML writes it).</summary>
internal enum KeyType
{
    /// <summary>Free text or a path.</summary>
    String,

    /// <summary>A whole number.</summary>
    Int,

    /// <summary>A real number.</summary>
    Float,

    /// <summary>true/false.</summary>
    Bool,

    /// <summary>One of a fixed set of words.</summary>
    Choice,
}

/// <summary>One setting of <see cref="TrainConfig"/>: its name (the option <c>--name</c> and the YAML key), help text and accessors.</summary>
internal sealed record ConfigKey(string Name, KeyType Type, string Help, Func<TrainConfig, object?> Get, Action<TrainConfig, string> Set, string[]? Choices = null);

/// <summary>
/// The table of every <c>dgl train</c> setting. The command-line options, the YAML reader, the YAML writer
/// (<c>config.yaml</c> in a run folder) and <c>dgl config init</c> all work from this one list, so they cannot drift apart.
/// </summary>
internal static class ConfigKeys
{
    public static IReadOnlyList<ConfigKey> All { get; } =
    [
        new("task", KeyType.Choice, "what to predict: node (node classification), link (link prediction) or graph (graph classification)",
            c => c.Task?.ToString().ToLowerInvariant(), (c, v) => c.Task = ParseTask(v), ["node", "link", "graph"]),
        new("dataset", KeyType.String, "a built-in data set (see `dgl datasets`); default citation-synth (node, link) or minigc (graph)",
            c => c.Dataset, (c, v) => c.Dataset = v),
        new("data", KeyType.String, "your own data: a DGL CSVDataset folder (meta.yaml + CSV files) or a saved graph file (.dglnet)",
            c => c.Data, (c, v) => c.Data = v),
        new("edges", KeyType.String, "your own data as an edge list (one 'src dst' pair per line, or a CSV with src,dst columns)",
            c => c.Edges, (c, v) => c.Edges = v),
        new("features", KeyType.String, "node features for --edges: a .npy matrix [nodes, features] or a CSV with one row per node",
            c => c.Features, (c, v) => c.Features = v),
        new("labels", KeyType.String, "node labels for --edges: a .npy vector or a text/CSV file with one integer class per node (or 'node,label' rows)",
            c => c.Labels, (c, v) => c.Labels = v),
        new("split", KeyType.String, "train,val,test fractions used when the data has no split of its own",
            c => c.Split, (c, v) => c.Split = v),
        new("data-dir", KeyType.String, "the folder holding the data sets' raw files (default: DGL_DOWNLOAD_DIR or ~/.dgl)",
            c => c.DataDir, (c, v) => c.DataDir = v),
        new("model", KeyType.String, "the GNN: node gcn|gat|sage|gin|appnp|sgc|rgcn|mlp, link sage|gcn|gat|gin|mlp, graph gin|gcn|gat|sage|mlp (default gcn, sage, gin)",
            c => c.Model, (c, v) => c.Model = v),
        new("hidden", KeyType.Int, "hidden units per layer (gat: split evenly across the heads)", c => c.Hidden, (c, v) => c.Hidden = ParseInt("hidden", v)),
        new("layers", KeyType.Int, "number of graph layers (sgc: propagation hops)", c => c.Layers, (c, v) => c.Layers = ParseInt("layers", v)),
        new("heads", KeyType.Int, "attention heads (gat)", c => c.Heads, (c, v) => c.Heads = ParseInt("heads", v)),
        new("dropout", KeyType.Float, "dropout probability between layers", c => c.Dropout, (c, v) => c.Dropout = ParseFloat("dropout", v)),
        new("lr", KeyType.Float, "learning rate (Adam)", c => c.Lr, (c, v) => c.Lr = ParseFloat("lr", v)),
        new("weight-decay", KeyType.Float, "L2 weight decay (Adam)", c => c.WeightDecay, (c, v) => c.WeightDecay = ParseFloat("weight-decay", v)),
        new("epochs", KeyType.Int, "maximum number of epochs", c => c.Epochs, (c, v) => c.Epochs = ParseInt("epochs", v)),
        new("patience", KeyType.Int, "stop after this many epochs without a better validation metric (0: never stop early)",
            c => c.Patience, (c, v) => c.Patience = ParseInt("patience", v)),
        new("batch-size", KeyType.Int, "mini-batch size: graphs per batch (graph task, default 32), training edges per step (link; 0 = all), seed nodes per batch (node: sampled blocks, see --fanouts; 0 = full graph)",
            c => c.BatchSize, (c, v) => c.BatchSize = ParseInt("batch-size", v)),
        new("fanouts", KeyType.String, "node task: neighbours sampled per layer, input layer first, one per --layers (e.g. 15,10,5; -1 takes all); with --batch-size (default 1024 seeds) switches to mini-batch training (default 10 per layer)",
            c => c.Fanouts, (c, v) => c.Fanouts = v),
        new("seed", KeyType.Int, "random seed (initialisation, dropout, splits, negative samples)", c => c.Seed, (c, v) => c.Seed = ParseInt("seed", v)),
        new("threads", KeyType.Int, "worker threads (0: all cores)", c => c.Threads, (c, v) => c.Threads = ParseInt("threads", v)),
        new("out", KeyType.String, "the run folder (default runs/<dataset>-<model>-<timestamp>)", c => c.Out, (c, v) => c.Out = v),
        new("tensorboard", KeyType.String, "also write TensorBoard event files to this folder", c => c.Tensorboard, (c, v) => c.Tensorboard = v),
        new("no-progress", KeyType.Bool, "print one plain line per epoch instead of the live display",
            c => c.NoProgress, (c, v) => c.NoProgress = ParseBool("no-progress", v)),
    ];

    private static readonly Dictionary<string, ConfigKey> s_byName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>The setting named <paramref name="name"/>.</summary>
    /// <exception cref="CliException">No such setting; the message names the nearest valid one.</exception>
    public static ConfigKey Get(string name, string where) =>
        s_byName.TryGetValue(name, out var k) ? k
            : throw new CliException($"{where}: unknown key '{name}'; did you mean '{EditDistance.Nearest(name, s_byName.Keys)}'?");

    /// <summary>Applies the YAML file at <paramref name="path"/> (a flat mapping of setting names to values) to <paramref name="config"/>.</summary>
    /// <exception cref="CliException">The file is missing or not a flat mapping, a key is unknown, or a value is invalid (file and line named).</exception>
    public static void ApplyYaml(TrainConfig config, string path)
    {
        if (!File.Exists(path)) throw new CliException($"--config {path}: file not found");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new CliException($"{path}:{e.Start.Line}: malformed YAML ({FirstLine(e.Message)})", e);
        }
        if (stream.Documents.Count == 0) return;
        if (stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" }) return;
        if (stream.Documents[0].RootNode is not YamlMappingNode map)
            throw new CliException($"{path}:{stream.Documents[0].RootNode.Start.Line}: expected a mapping of settings (key: value), one per line");
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            var line = keyNode.Start.Line;
            if (!s_byName.TryGetValue(key, out var spec))
                throw new CliException($"{path}:{line}: unknown key '{key}'; did you mean '{EditDistance.Nearest(key, s_byName.Keys)}'?");
            if (valueNode is not YamlScalarNode scalar)
                throw new CliException($"{path}:{line}: '{key}' must be a single value");
            if (scalar.Value is null || (scalar.Value.Length == 0 && scalar.Style == ScalarStyle.Plain) || scalar.Value == "null" || scalar.Value == "~") continue;
            try
            {
                spec.Set(config, scalar.Value);
            }
            catch (CliException e)
            {
                throw new CliException($"{path}:{line}: {e.Message}", e);
            }
        }
    }

    /// <summary>Writes <paramref name="config"/> as YAML (every setting that has a value), with <paramref name="extra"/> appended.</summary>
    public static string ToYaml(TrainConfig config, IEnumerable<KeyValuePair<string, object>>? extra = null)
    {
        var sb = new StringBuilder();
        foreach (var k in All)
        {
            var v = k.Get(config);
            if (v is null) continue;
            sb.Append(k.Name).Append(": ").Append(Scalar(v)).Append('\n');
        }
        foreach (var (key, value) in extra ?? [])
            sb.Append(key).Append(": ").Append(Scalar(value)).Append('\n');
        return sb.ToString();
    }

    /// <summary>The YAML text of a scalar (strings quoted when YAML would read them as something else).</summary>
    public static string Scalar(object v) => v switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s => Quote(s),
        _ => Quote(v.ToString() ?? ""),
    };

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '/' or '.') && !double.TryParse(s, CultureInfo.InvariantCulture, out _)
            && s is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "~")
            ? s
            : "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n', StringComparison.Ordinal);
        return i < 0 ? s : s[..i];
    }

    internal static TaskKind ParseTask(string v) => v.Trim().ToLowerInvariant() switch
    {
        "node" => TaskKind.Node,
        "link" => TaskKind.Link,
        "graph" => TaskKind.Graph,
        _ => throw new CliException($"--task '{v}' is not a task; expected node, link or graph"),
    };

    private static int ParseInt(string name, string v) =>
        int.TryParse(v.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var x) ? x
            : throw new CliException($"--{name} '{v}' is not a whole number");

    private static double ParseFloat(string name, string v) =>
        double.TryParse(v.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x
            : throw new CliException($"--{name} '{v}' is not a number");

    private static bool ParseBool(string name, string v) => v.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => throw new CliException($"--{name} '{v}' is not true or false"),
    };

    /// <summary>A commented YAML template of every setting for <paramref name="task"/> and <paramref name="model"/>.</summary>
    public static string Template(TaskKind task, string model)
    {
        var c = new TrainConfig { Task = task, Model = model, Dataset = TrainConfig.DefaultDataset(task) };
        if (task == TaskKind.Graph) c.BatchSize = 32;
        var sb = new StringBuilder();
        sb.Append("# dgl train configuration. Every key is also a command-line option (--key value); the command line\n");
        sb.Append("# overrides this file: dgl train --config this.yaml --epochs 50\n");
        foreach (var k in All)
        {
            sb.Append('\n').Append("# ").Append(k.Help).Append('\n');
            if (k.Choices is { } ch) sb.Append("# one of: ").Append(string.Join(", ", ch)).Append('\n');
            var v = k.Get(c);
            if (v is null || k.Name is "fanouts" or "data" or "edges" or "features" or "labels" or "data-dir" or "out" or "tensorboard")
                sb.Append('#').Append(k.Name).Append(": ").Append(ExampleValue(k.Name)).Append('\n');
            else
                sb.Append(k.Name).Append(": ").Append(Scalar(v)).Append('\n');
        }
        return sb.ToString();
    }

    private static string ExampleValue(string key) => key switch
    {
        "data" => "my-dataset/",
        "edges" => "edges.txt",
        "features" => "features.npy",
        "labels" => "labels.csv",
        "data-dir" => "~/.dgl",
        "out" => "runs/my-run",
        "tensorboard" => "runs/tb",
        "fanouts" => "15,10",
        _ => "",
    };
}
