using System.Globalization;
using Dgl.Cli.Config;
using Dgl.Cli.Models;
using Dgl.Cli.Output;
using Dgl.Optim;
using Dgl.Tensors.IO;
using YamlDotNet.RepresentationModel;

namespace Dgl.Cli.Training;

/// <summary>The files of a run folder and how they are written and read back.</summary>
internal static class RunFiles
{
    public const string Model = "model.safetensors";
    public const string Checkpoint = "checkpoint.safetensors";
    public const string Config = "config.yaml";
    public const string Metrics = "metrics.json";
    public const string Report = "report.html";
    public const string Curves = "curves.svg";

    private static readonly string[] DerivedKeys = ["in-features", "num-nodes", "num-classes", "num-relations", "metric"];

    /// <summary><c>config.yaml</c>: every setting, plus what the model's shape depends on (so it can be rebuilt without the data).</summary>
    public static string ConfigYaml(TrainConfig cfg, ModelSpec spec, string metric) => ConfigKeys.ToYaml(cfg,
    [
        new("in-features", spec.InFeatures), new("num-nodes", spec.NumNodes), new("num-classes", spec.NumClasses),
        new("num-relations", spec.NumRelations), new("metric", metric),
    ]);

    /// <summary>Reads a run's <c>config.yaml</c>: the settings and the model specification.</summary>
    /// <exception cref="CliException">The folder or file is missing or malformed.</exception>
    public static (TrainConfig Config, ModelSpec Spec, string Metric) ReadConfig(string runDir)
    {
        var path = Path.Combine(runDir, Config);
        if (!Directory.Exists(runDir)) throw new CliException($"--run {runDir}: folder not found");
        if (!File.Exists(path)) throw new CliException($"--run {runDir}: no {Config} in the folder; is it a folder written by dgl train?");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new CliException($"{path}:{e.Start.Line}: malformed YAML", e);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode map)
            throw new CliException($"{path}: expected a mapping of settings");
        var derived = new Dictionary<string, string>(StringComparer.Ordinal);
        var cfg = new TrainConfig();
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            var value = (v as YamlScalarNode)?.Value ?? "";
            if (DerivedKeys.Contains(key))
            {
                derived[key] = value;
                continue;
            }
            try
            {
                ConfigKeys.Get(key, path).Set(cfg, value);
            }
            catch (CliException e)
            {
                throw new CliException($"{path}:{k.Start.Line}: {e.Message}", e);
            }
        }
        foreach (var d in DerivedKeys)
            if (!derived.ContainsKey(d)) throw new CliException($"{path}: '{d}' is missing; the run folder is incomplete");
        int I(string key) => int.Parse(derived[key], CultureInfo.InvariantCulture);
        var task = cfg.Task ?? throw new CliException($"{path}: 'task' is missing");
        var spec = new ModelSpec(task, cfg.EffectiveModel, I("in-features"), I("num-nodes"), I("num-classes"), cfg.Hidden, cfg.Layers, cfg.Heads, cfg.Dropout, I("num-relations"));
        return (cfg, spec, derived["metric"]);
    }

    /// <summary>Saves the training state for <c>--resume</c>: model and optimizer tensors, epoch, random-stream position, early-stopping state.</summary>
    public static void SaveCheckpoint(string path, GnnModel model, Optimizer optimizer, ResumeState state)
    {
        var tensors = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in model.StateDict()) tensors["model." + k] = v;
        foreach (var (k, v) in optimizer.StateDict()) tensors["optim." + k] = v;
        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["epoch"] = state.Epoch.ToString(CultureInfo.InvariantCulture),
            ["generator_seed"] = state.GeneratorSeed.ToString(CultureInfo.InvariantCulture),
            ["generator_position"] = state.GeneratorPosition.ToString(CultureInfo.InvariantCulture),
            ["best_epoch"] = state.BestEpoch.ToString(CultureInfo.InvariantCulture),
            ["best_val"] = state.BestVal.ToString("R", CultureInfo.InvariantCulture),
            ["bad_epochs"] = state.BadEpochs.ToString(CultureInfo.InvariantCulture),
        };
        var tmp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            SafeTensors.Save(tensors, tmp, meta);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Loads a checkpoint written by <see cref="SaveCheckpoint"/> into <paramref name="model"/> and <paramref name="optimizer"/>.</summary>
    public static ResumeState LoadCheckpoint(string path, GnnModel model, Optimizer optimizer)
    {
        if (!File.Exists(path)) throw new CliException($"--resume: {path} not found; the run has no checkpoint to continue from");
        var content = SafeTensors.Read(path);
        var m = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var o = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in content.Tensors)
        {
            if (k.StartsWith("model.", StringComparison.Ordinal)) m[k["model.".Length..]] = v;
            else if (k.StartsWith("optim.", StringComparison.Ordinal)) o[k["optim.".Length..]] = v;
        }
        try
        {
            model.LoadStateDict(m);
            optimizer.LoadStateDict(o);
        }
        catch (Nn.StateDictException e)
        {
            throw new CliException($"--resume: {path} does not fit the model of {Config} ({DataLoading1(e.Message)})", e);
        }
        var meta = content.Metadata;
        long L(string k) => long.Parse(meta[k], CultureInfo.InvariantCulture);
        return new ResumeState((int)L("epoch"), ulong.Parse(meta["generator_seed"], CultureInfo.InvariantCulture), L("generator_position"),
            (int)L("best_epoch"), double.Parse(meta["best_val"], CultureInfo.InvariantCulture), (int)L("bad_epochs"));
    }

    private static string DataLoading1(string s) => Data.DataLoading.OneLine(s);

    /// <summary>Writes the model's weights (the best so far) atomically, with the model name in the metadata.</summary>
    public static void SaveModel(string path, GnnModel model) => AtomicFile.Write(path, s =>
    {
        var bytes = SafeTensors.Serialize(model.StateDict(), new Dictionary<string, string>(StringComparer.Ordinal) { ["model"] = model.Spec.Model, ["task"] = model.Spec.Task.ToString().ToLowerInvariant() });
        s.Write(bytes);
    });
}

/// <summary>What <c>--resume</c> restores besides the tensors.</summary>
internal sealed record ResumeState(int Epoch, ulong GeneratorSeed, long GeneratorPosition, int BestEpoch, double BestVal, int BadEpochs);
