using Dgl.Cli.Config;
using Dgl.Nn;

namespace Dgl.Cli.Models;

/// <summary>A model of the zoo: the tasks it serves, a one-line description, and how to make one of its layers.</summary>
/// <param name="Name">The name for <c>--model</c>.</param>
/// <param name="Tasks">The tasks it serves.</param>
/// <param name="Description">What it is.</param>
/// <param name="MakeLayer">Makes a layer (in, out, is-the-output-layer, spec, generator).</param>
/// <param name="WidthMultiple">The hidden width must be a multiple of --heads (split across attention heads).</param>
/// <param name="SingleLayer">The model is one layer whatever --layers says (which sets its propagation hops instead).</param>
/// <param name="Blocks">Each layer aggregates one hop, so the model trains on sampled blocks (mini-batch node classification).</param>
/// <param name="Lr">Its learning rate when the user sets none (null: the CLI's 0.01).</param>
/// <param name="WeightDecay">Its weight decay when the user sets none (null: the CLI's 5e-4).</param>
/// <param name="Dropout">Its dropout when the user sets none (null: the CLI's 0.5).</param>
internal sealed record ZooModel(string Name, TaskKind[] Tasks, string Description, Func<int, int, bool, ModelSpec, Generator, Module> MakeLayer,
    bool WidthMultiple = false, bool SingleLayer = false, bool Blocks = true, double? Lr = null, double? WeightDecay = null, double? Dropout = null);

/// <summary>The models <c>dgl train --model</c> knows, per task.</summary>
internal static class ModelZoo
{
    private static readonly TaskKind[] AllTasks = [TaskKind.Node, TaskKind.Link, TaskKind.Graph];

    public static IReadOnlyList<ZooModel> All { get; } =
    [
        .. GraphLayers.Models,
        new("mlp", AllTasks, "multi-layer perceptron on the node features alone (a baseline that ignores the edges)",
            (i, o, _, _, gen) => new DenseLayer(i, o, gen)),
    ];

    /// <summary>The model named <paramref name="name"/> (any task), or null.</summary>
    public static ZooModel? Find(string name) => All.FirstOrDefault(x => x.Name == name.Trim().ToLowerInvariant());

    /// <summary>The models that serve <paramref name="task"/>.</summary>
    public static IEnumerable<ZooModel> For(TaskKind task) => All.Where(m => m.Tasks.Contains(task));

    /// <summary>The model named <paramref name="name"/> for <paramref name="task"/>.</summary>
    /// <exception cref="CliException">Unknown for this task; the message lists the valid ones.</exception>
    public static ZooModel Get(string name, TaskKind task)
    {
        var m = Find(name);
        var valid = string.Join(", ", For(task).Select(x => x.Name));
        if (m is null)
            throw new CliException($"unknown model '{name}' for --task {task.ToString().ToLowerInvariant()}; valid models: {valid}");
        if (!m.Tasks.Contains(task))
            throw new CliException($"model '{m.Name}' does not serve --task {task.ToString().ToLowerInvariant()}; valid models: {valid}");
        return m;
    }

    /// <summary>Builds the model of <paramref name="spec"/>, initialised from <paramref name="generator"/>.</summary>
    public static GnnModel Build(ModelSpec spec, Generator generator)
    {
        var zoo = Get(spec.Model, spec.Task);
        if (zoo.WidthMultiple && spec.Hidden % spec.Heads != 0)
            throw new CliException($"--hidden {spec.Hidden} is not a multiple of --heads {spec.Heads}; {zoo.Name} splits the hidden units across its attention heads");
        var shape = zoo.SingleLayer ? spec with { Layers = 1 } : spec;
        return new GnnModel(shape, (i, o, last) => zoo.MakeLayer(i, o, last, spec, generator), generator);
    }
}
