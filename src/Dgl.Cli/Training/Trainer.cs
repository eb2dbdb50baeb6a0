using System.Globalization;
using Dgl.Cli.Config;
using Dgl.Cli.Data;
using Dgl.Cli.Models;
using Dgl.Cli.Output;
using Dgl.Cli.TensorBoard;
using Dgl.Optim;
using Dgl.Tensors.Kernels;

namespace Dgl.Cli.Training;

/// <summary>The console a command writes to, and whether it may draw live displays.</summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, bool Interactive);

/// <summary><c>dgl train</c>: loads the data, builds the model, trains with early stopping and writes the run folder.</summary>
internal static class Trainer
{
    /// <summary>Trains with <paramref name="cfg"/>; with <paramref name="resumeDir"/> continues that run instead.</summary>
    /// <returns>The exit code (0; 130 when interrupted).</returns>
    public static int Run(TrainConfig cfg, string? resumeDir, CliConsole io, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        cfg.Validate();
        var task = DataLoading.ResolveTask(cfg.Task, cfg.Data is null && cfg.Edges is null ? cfg.EffectiveDataset : null, cfg.Data);
        cfg.Task = task;
        var zoo = ModelZoo.Get(cfg.EffectiveModel, task);
        cfg.Model = zoo.Name;
        if (cfg.Fanouts is not null && task != TaskKind.Node)
            throw new CliException($"--fanouts {cfg.Fanouts} samples neighbours for mini-batch node classification; --task {DataLoading.Name(task)} does not use it (remove --fanouts)");
        if (task == TaskKind.Node && cfg.MiniBatch)
        {
            if (!zoo.Blocks)
                throw new CliException($"--model {zoo.Name} propagates over many hops inside one layer and cannot train on sampled blocks; use --batch-size 0 (full graph) or one of the mini-batch models: {string.Join(", ", ModelZoo.For(TaskKind.Node).Where(m => m.Blocks).Select(m => m.Name))}");
            cfg.BatchSize = cfg.NodeBatchSize;
        }
        if (cfg.Data is null && cfg.Edges is null) cfg.Dataset = DatasetCatalog.Get(cfg.EffectiveDataset).Name;
        if (cfg.Threads > 0) Parallelism.MaxThreads = cfg.Threads;

        var outDir = resumeDir ?? cfg.Out ?? Path.Combine("runs", $"{cfg.EffectiveDataset}-{zoo.Name}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
        if (resumeDir is null && Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            throw new CliException($"--out {outDir} already holds files; choose a new folder, or continue that run with --resume {outDir}");

        var data = DataLoading.Load(cfg, task);
        var runner = TaskRunner.For(data, cfg);
        var spec = new ModelSpec(task, zoo.Name, data.NumFeatures, NumNodes(data), NumClasses(data), cfg.Hidden, cfg.Layers, cfg.Heads, cfg.Dropout,
            data is NodeTaskData n ? n.NumRelations : 1);
        var generator = new Generator((ulong)cfg.Seed);
        var model = DataLoading.Guard(() => ModelZoo.Build(spec, generator));
        var optimizer = new Adam(model.Parameters(), lr: cfg.Lr, weightDecay: cfg.WeightDecay);

        var history = new RunHistory { Task = DataLoading.Name(task), Dataset = data.Name, Model = zoo.Name, Metric = runner.MetricName };
        var state = new ResumeState(0, generator.Seed, generator.Position, 0, double.NaN, 0);
        if (resumeDir is not null)
        {
            state = RunFiles.LoadCheckpoint(Path.Combine(outDir, RunFiles.Checkpoint), model, optimizer);
            if (state.GeneratorPosition < generator.Position)
                throw new CliException($"--resume {outDir}: the checkpoint's random-stream position is before the start of training; the checkpoint does not belong to this configuration");
            generator.Reserve(state.GeneratorPosition - generator.Position);
            var old = RunHistory.Load(Path.Combine(outDir, RunFiles.Metrics));
            history.Epochs.AddRange(old.Epochs.Where(e => e.Epoch <= state.Epoch));
            history.BestEpoch = state.BestEpoch;
            history.BestVal = state.BestVal;
            history.TotalSeconds = old.TotalSeconds;
        }

        Directory.CreateDirectory(outDir);
        var configYaml = RunFiles.ConfigYaml(cfg, spec, runner.MetricName);
        AtomicFile.WriteText(Path.Combine(outDir, RunFiles.Config), configYaml);
        using var tb = cfg.Tensorboard is null ? null : new EventWriter(cfg.Tensorboard);

        var startup = clock.Elapsed.TotalSeconds;
        using IProgressSink progress = io.Interactive && !cfg.NoProgress
            ? new LiveProgress(Spectre.Console.AnsiConsole.Console, runner.MetricName, cfg.Epochs)
            : new PlainProgress(io.Out, runner.MetricName);
        progress.Line($"{(resumeDir is null ? "training" : $"resuming at epoch {state.Epoch + 1}:")} {zoo.Name} on {data.Name} ({DataLoading.Name(task)} task, {model.NumParameters:N0} parameters), {runner.StepsPerEpoch} step(s) per epoch; data and model ready in {startup:F2}s");

        var interrupted = false;
        var bad = state.BadEpochs;
        var trainClock = Stopwatch.StartNew();
        var baseSeconds = history.TotalSeconds;
        progress.Run(() =>
        {
            for (var epoch = state.Epoch + 1; epoch <= cfg.Epochs; epoch++)
            {
                var t0 = Stopwatch.GetTimestamp();
                var lr = optimizer.ParamGroups[0].Lr;
                var loss = runner.TrainEpoch(model, optimizer, epoch, generator, s => progress.Step(epoch, s, runner.StepsPerEpoch), cancel);
                if (loss is null)
                {
                    interrupted = true;
                    break;
                }
                var ev = runner.Evaluate(model, withConfusion: false);
                var record = new EpochRecord(epoch, loss.Value, ev.Train, ev.Val, lr, Stopwatch.GetElapsedTime(t0).TotalSeconds);
                history.Epochs.Add(record);
                if (history.BestEpoch == 0 || ev.Val > history.BestVal || (double.IsNaN(history.BestVal) && !double.IsNaN(ev.Val)))
                {
                    history.BestEpoch = epoch;
                    history.BestVal = ev.Val;
                    bad = 0;
                    RunFiles.SaveModel(Path.Combine(outDir, RunFiles.Model), model);
                }
                else
                {
                    bad++;
                }
                history.TotalSeconds = baseSeconds + trainClock.Elapsed.TotalSeconds;
                RunFiles.SaveCheckpoint(Path.Combine(outDir, RunFiles.Checkpoint), model, optimizer,
                    new ResumeState(epoch, generator.Seed, generator.Position, history.BestEpoch, history.BestVal, bad));
                history.Save(Path.Combine(outDir, RunFiles.Metrics));
                tb?.AddScalars(epoch, [new("loss/train", loss.Value), new($"{runner.MetricName}/train", ev.Train), new($"{runner.MetricName}/val", ev.Val), new("lr", lr)]);
                var perEpoch = trainClock.Elapsed.TotalSeconds / (epoch - state.Epoch);
                progress.Epoch(record, history.BestVal, history.BestEpoch, history.TotalSeconds, perEpoch * (cfg.Epochs - epoch));
                if (cfg.Patience > 0 && bad >= cfg.Patience)
                {
                    history.Status = $"stopped early at epoch {epoch} (no better validation {runner.MetricName} for {cfg.Patience} epochs)";
                    break;
                }
                if (cancel.IsCancellationRequested)
                {
                    interrupted = true;
                    break;
                }
            }
        });

        if (history.BestEpoch == 0)
        {
            history.Status = "interrupted before the first epoch finished";
            history.Save(Path.Combine(outDir, RunFiles.Metrics));
            io.Out.WriteLine($"interrupted before the first epoch finished; nothing to keep beyond {Path.Combine(outDir, RunFiles.Config)}");
            return 130;
        }
        if (interrupted) history.Status = $"interrupted after epoch {history.Epochs[^1].Epoch}";
        else if (history.Status == "running") history.Status = "completed";

        // Final test metrics come from the best validation checkpoint, exactly as `dgl evaluate` recomputes them.
        model.Load(Path.Combine(outDir, RunFiles.Model));
        var final = runner.Evaluate(model, withConfusion: true);
        history.Test.Clear();
        foreach (var (k, v) in final.TestMetrics) history.Test[k] = v;
        history.Save(Path.Combine(outDir, RunFiles.Metrics));
        AtomicFile.WriteText(Path.Combine(outDir, RunFiles.Curves), Report.CurvesSvg(history));
        AtomicFile.WriteText(Path.Combine(outDir, RunFiles.Report), Report.Html(new ReportContent(
            history, data.Statistics(), data.InDegrees(), final.Confusion, null, configYaml)));
        tb?.AddScalars(history.BestEpoch, [.. final.TestMetrics.Select(kv => new KeyValuePair<string, double>($"{kv.Key}/test", kv.Value))]);

        var w = io.Out;
        if (interrupted) w.WriteLine($"interrupted: stopped after epoch {history.Epochs[^1].Epoch}; the best checkpoint (epoch {history.BestEpoch}) is {Path.Combine(outDir, RunFiles.Model)}; continue with: dgl train --resume {outDir}");
        w.WriteLine($"{history.Status}; best validation {runner.MetricName} {Fmt.F4(history.BestVal)} at epoch {history.BestEpoch}");
        w.WriteLine("test " + string.Join("  ", final.TestMetrics.Select(kv => $"{kv.Key} {Fmt.F4(kv.Value)}")));
        w.WriteLine($"run folder: {outDir} (model.safetensors, config.yaml, metrics.json, report.html, curves.svg); total {clock.Elapsed.TotalSeconds:F1}s");
        return interrupted ? 130 : 0;
    }

    private static int NumNodes(TaskData d) => d switch
    {
        NodeTaskData n => n.Graph.NumNodes(),
        LinkTaskData l => l.TrainGraph.NumNodes(),
        _ => 0,
    };

    private static int NumClasses(TaskData d) => d switch
    {
        NodeTaskData n => n.NumClasses,
        GraphTaskData g => g.NumClasses,
        _ => 0,
    };
}
