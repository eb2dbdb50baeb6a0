using System.Globalization;
using Dgl.Cli.Models;

namespace Dgl.Cli.Config;

/// <summary>The kind of prediction a run trains for.</summary>
internal enum TaskKind
{
    /// <summary>Node classification.</summary>
    Node,

    /// <summary>Link prediction.</summary>
    Link,

    /// <summary>Graph classification.</summary>
    Graph,
}

/// <summary>
/// Every setting of <c>dgl train</c>. Each one is a command-line option <c>--key</c> and a YAML key <c>key</c> of the
/// same name (see <see cref="ConfigKeys"/>); the command line overrides the YAML file, which overrides the defaults.
/// </summary>
internal sealed class TrainConfig
{
    /// <summary>The task; null until given or inferred from the data set.</summary>
    public TaskKind? Task { get; set; }
    public string? Dataset { get; set; }
    public string? Data { get; set; }
    public string? Edges { get; set; }
    public string? Features { get; set; }
    public string? Labels { get; set; }
    public string Split { get; set; } = "0.6,0.2,0.2";
    public string? DataDir { get; set; }
    public string? Model { get; set; }
    public int Hidden { get; set; } = 64;
    public int Layers { get; set; } = 2;
    public int Heads { get; set; } = 4;
    /// <summary>Dropout: as set, else the model's own default (SGC: none, as DGL's), else 0.5.</summary>
    public double Dropout
    {
        get => _dropout ?? ModelZoo.Find(EffectiveModel)?.Dropout ?? 0.5;
        set => _dropout = value;
    }

    /// <summary>Adam's learning rate: as set, else the model's own default (SGC: 0.2, as DGL's example), else 0.01.</summary>
    public double Lr
    {
        get => _lr ?? ModelZoo.Find(EffectiveModel)?.Lr ?? 0.01;
        set => _lr = value;
    }

    /// <summary>Adam's weight decay: as set, else the model's own default (SGC: 5e-6, as DGL's example), else 5e-4.</summary>
    public double WeightDecay
    {
        get => _weightDecay ?? ModelZoo.Find(EffectiveModel)?.WeightDecay ?? 5e-4;
        set => _weightDecay = value;
    }

    // Null until set: the getters then give the model's own default.
    private double? _dropout, _lr, _weightDecay;
    public int Epochs { get; set; } = 200;
    public int Patience { get; set; } = 50;
    public int BatchSize { get; set; }
    /// <summary>Neighbours sampled per layer (comma-separated), or null: 10 per layer when mini-batch training.</summary>
    public string? Fanouts { get; set; }
    public int Seed { get; set; }
    public int Threads { get; set; }
    public string? Out { get; set; }
    public string? Tensorboard { get; set; }
    public bool NoProgress { get; set; }

    /// <summary>The data set name after defaults: the given one, or the task's default when no files are given.</summary>
    public string EffectiveDataset => Dataset ?? (Data is null && Edges is null ? DefaultDataset(Task ?? TaskKind.Node) : "custom");

    /// <summary>The model after defaults.</summary>
    public string EffectiveModel => Model ?? DefaultModel(Task ?? TaskKind.Node);

    /// <summary>The built-in data set a task uses when none is named.</summary>
    public static string DefaultDataset(TaskKind task) => task switch
    {
        TaskKind.Graph => "minigc",
        _ => "citation-synth",
    };

    /// <summary>The model a task uses when none is named.</summary>
    public static string DefaultModel(TaskKind task) => task switch
    {
        TaskKind.Link => "sage",
        TaskKind.Graph => "gin",
        _ => "gcn",
    };

    /// <summary>Checks value ranges and combinations.</summary>
    /// <exception cref="CliException">A value is out of range.</exception>
    public void Validate()
    {
        Positive("hidden", Hidden);
        Positive("layers", Layers);
        Positive("heads", Heads);
        Positive("epochs", Epochs);
        NonNegative("patience", Patience);
        NonNegative("batch-size", BatchSize);
        NonNegative("threads", Threads);
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout))
            throw new CliException($"--dropout {Fmt(Dropout)} is out of range; expected a probability in [0, 1)");
        if (!(Lr > 0) || double.IsInfinity(Lr))
            throw new CliException($"--lr {Fmt(Lr)} is out of range; expected a positive learning rate");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
            throw new CliException($"--weight-decay {Fmt(WeightDecay)} is out of range; expected a non-negative number");
        if (Data is not null && Edges is not null)
            throw new CliException("--data and --edges both name input files; give a CSVDataset folder or graph file with --data, or an edge list with --edges (plus --features/--labels)");
        if (Dataset is not null && (Data is not null || Edges is not null))
            throw new CliException($"--dataset {Dataset} and --{(Data is not null ? "data" : "edges")} both name the input; give one of them");
        if ((Features is not null || Labels is not null) && Edges is null)
            throw new CliException($"--{(Features is not null ? "features" : "labels")} goes with --edges (an edge list); a --data folder or a built-in --dataset carries its own features and labels");
        var fanouts = ParseFanouts();
        if (Fanouts is not null && fanouts.Length != Layers)
            throw new CliException($"--fanouts {Fanouts} gives {fanouts.Length} neighbour count(s) for --layers {Layers}; give one count per layer, e.g. --fanouts {string.Join(",", Enumerable.Repeat(10, Layers))}");
        _ = ParseSplit();
    }

    /// <summary>True when node classification trains on sampled mini-batches (<c>--batch-size</c> or <c>--fanouts</c> given).</summary>
    public bool MiniBatch => BatchSize > 0 || Fanouts is not null;

    /// <summary>The seed nodes per mini-batch of node classification: <c>--batch-size</c>, else 1024 (DGL's GraphSAGE example).</summary>
    public int NodeBatchSize => BatchSize > 0 ? BatchSize : 1024;

    /// <summary>The per-layer neighbour counts of <see cref="Fanouts"/> (input layer first); 10 per layer when not given.</summary>
    public int[] ParseFanouts()
    {
        if (Fanouts is null) return [.. Enumerable.Repeat(10, Math.Max(1, Layers))];
        var parts = Fanouts.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var result = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out result[i]) || (result[i] < 1 && result[i] != -1))
                throw new CliException($"--fanouts '{Fanouts}': '{parts[i]}' is not a neighbour count; expected comma-separated positive integers (-1 for all neighbours), e.g. 10,10");
        }
        if (result.Length == 0)
            throw new CliException($"--fanouts '{Fanouts}' is empty; expected comma-separated neighbour counts, e.g. 10,10");
        return result;
    }

    /// <summary>The train/validation/test fractions of <see cref="Split"/>.</summary>
    public (double Train, double Val, double Test) ParseSplit()
    {
        var parts = Split.Split(',', StringSplitOptions.TrimEntries);
        var v = new double[3];
        if (parts.Length != 3 || !parts.Select((p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) && v[i] >= 0).All(ok => ok)
            || Math.Abs(v[0] + v[1] + v[2] - 1) > 1e-6 || v[0] <= 0)
            throw new CliException($"--split '{Split}' is not a split; expected three non-negative fractions train,val,test adding up to 1, e.g. 0.6,0.2,0.2");
        return (v[0], v[1], v[2]);
    }

    private static void Positive(string name, int value)
    {
        if (value < 1) throw new CliException($"--{name} {value} is out of range; expected a positive integer");
    }

    private static void NonNegative(string name, int value)
    {
        if (value < 0) throw new CliException($"--{name} {value} is out of range; expected 0 or more");
    }

    private static string Fmt(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
