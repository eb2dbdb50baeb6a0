using System.CommandLine;
using System.Globalization;
using System.Text;
using Dgl.Cli.Config;
using Dgl.Cli.Data;
using Dgl.Cli.Models;
using Dgl.Cli.Output;
using Dgl.Cli.Training;
using Dgl.Tensors.Autograd;
using Dgl.Tensors.IO;

namespace Dgl.Cli.Commands;

/// <summary><c>dgl predict</c> and <c>dgl evaluate</c>: rebuild a run's model from its folder and apply it.</summary>
internal static class PredictCommands
{
    private sealed record DataOptions(Option<string> Dataset, Option<string> Data, Option<string> Edges, Option<string> Features, Option<string> Labels, Option<string> DataDir)
    {
        public static DataOptions AddTo(Command cmd)
        {
            var d = new DataOptions(
                new Option<string>("--dataset") { Description = "a built-in data set (default: the run's)" },
                new Option<string>("--data") { Description = "a CSVDataset folder or graph file (default: the run's data)" },
                new Option<string>("--edges") { Description = "an edge list (with --features/--labels)" },
                new Option<string>("--features") { Description = "node features for --edges (.npy or CSV)" },
                new Option<string>("--labels") { Description = "node labels for --edges" },
                new Option<string>("--data-dir") { Description = "the folder holding the data sets' raw files" });
            foreach (var o in new[] { d.Dataset, d.Data, d.Edges, d.Features, d.Labels, d.DataDir }) cmd.Options.Add(o);
            return d;
        }

        /// <summary>The run's settings with the data options given here replacing its data.</summary>
        public TrainConfig Apply(ParseResult p, TrainConfig cfg)
        {
            var (ds, data, edges) = (p.GetValue(Dataset), p.GetValue(Data), p.GetValue(Edges));
            if (ds is not null || data is not null || edges is not null)
            {
                cfg.Dataset = ds;
                cfg.Data = data;
                cfg.Edges = edges;
                cfg.Features = p.GetValue(Features);
                cfg.Labels = p.GetValue(Labels);
            }
            if (p.GetValue(DataDir) is { } dir) cfg.DataDir = dir;
            return cfg;
        }
    }

    private static Option<string> RunOption() => new("--run") { Description = "the run folder written by dgl train", Required = true, HelpName = "dir" };

    /// <summary>Loads the run's model and the data (checked against the model's input width).</summary>
    private static (TrainConfig Cfg, ModelSpec Spec, GnnModel Model, TaskData Data) Open(string runDir, TrainConfig cfg, ModelSpec spec, bool unlabeled)
    {
        var modelPath = Path.Combine(runDir, RunFiles.Model);
        if (!File.Exists(modelPath)) throw new CliException($"--run {runDir}: no {RunFiles.Model}; the run did not finish an epoch");
        var model = ModelZoo.Build(spec, new Generator((ulong)cfg.Seed));
        try
        {
            model.Load(modelPath);
        }
        catch (Exception e) when (e is Nn.StateDictException or DataFormatException)
        {
            throw new CliException($"{modelPath} does not fit the model described by {RunFiles.Config}: {DataLoading.OneLine(e.Message)}", e);
        }
        var data = DataLoading.Load(cfg, spec.Task, unlabeled);
        if (data.NumFeatures != spec.InFeatures)
            throw new CliException($"the data has {data.NumFeatures} node feature(s) but the model of {runDir} was trained on {spec.InFeatures}");
        if (spec.InFeatures == 0 && data is NodeTaskData or LinkTaskData && NodeCount(data) != spec.NumNodes)
            throw new CliException($"the model of {runDir} learned an embedding per node for {spec.NumNodes} nodes; the data has {NodeCount(data)}");
        if (data is NodeTaskData n && n.NumClasses > spec.NumClasses)
            throw new CliException($"labels out of range: the data has classes 0..{n.NumClasses - 1} but the model predicts {spec.NumClasses} classes");
        if (data is GraphTaskData g && !unlabeled && g.NumClasses > spec.NumClasses)
            throw new CliException($"labels out of range: the data has classes 0..{g.NumClasses - 1} but the model predicts {spec.NumClasses} classes");
        return (cfg, spec, model, data);
    }

    private static int NodeCount(TaskData d) => d is NodeTaskData n ? n.Graph.NumNodes() : ((LinkTaskData)d).TrainGraph.NumNodes();

    public static Command Evaluate(CliConsole io)
    {
        var cmd = new Command("evaluate", "Recompute a run's test metrics from its saved model (and compare them with those recorded at training time).");
        var run = RunOption();
        cmd.Options.Add(run);
        var dataOptions = DataOptions.AddTo(cmd);
        cmd.SetAction(p =>
        {
            var runDir = p.GetValue(run)!;
            var (cfg, spec, _) = RunFiles.ReadConfig(runDir);
            var (_, _, model, data) = Open(runDir, dataOptions.Apply(p, cfg), spec, unlabeled: false);
            var ev = TaskRunner.For(data, cfg).Evaluate(model, withConfusion: false);
            io.Out.WriteLine($"{spec.Model} on {data.Name}: test " + string.Join("  ", ev.TestMetrics.Select(kv => $"{kv.Key} {Fmt.F4(kv.Value)}")));
            io.Out.WriteLine($"train {Fmt.F4(ev.Train)}  val {Fmt.F4(ev.Val)}  test {Fmt.F4(ev.Test)}");
            var metrics = Path.Combine(runDir, RunFiles.Metrics);
            if (File.Exists(metrics))
            {
                var h = RunHistory.Load(metrics);
                if (h.Test.TryGetValue(h.Metric, out var recorded))
                    io.Out.WriteLine($"recorded at training time: test {h.Metric} {Fmt.F4(recorded)}{(recorded == ev.Test ? " (identical)" : "")}");
            }
            return 0;
        });
        return cmd;
    }

    public static Command Predict(CliConsole io)
    {
        var cmd = new Command("predict", "Apply a trained model: node or graph class probabilities to CSV, node embeddings to .npy, link scores for given pairs.");
        var run = RunOption();
        var output = new Option<string>("--out") { Description = "the CSV file of predictions (node/graph: id, predicted class, per-class probabilities; link: src, dst, score)", HelpName = "file.csv" };
        var embeddings = new Option<string>("--embeddings") { Description = "write node embeddings (the last hidden layer) to this .npy file (graph task: one mean-pooled row per graph)", HelpName = "file.npy" };
        var pairs = new Option<string>("--pairs") { Description = "link task: a CSV of src,dst node pairs to score", HelpName = "pairs.csv" };
        cmd.Options.Add(run);
        cmd.Options.Add(output);
        cmd.Options.Add(embeddings);
        cmd.Options.Add(pairs);
        var dataOptions = DataOptions.AddTo(cmd);
        cmd.SetAction(p =>
        {
            var runDir = p.GetValue(run)!;
            var outFile = p.GetValue(output);
            var embFile = p.GetValue(embeddings);
            var pairsFile = p.GetValue(pairs);
            if (outFile is null && embFile is null)
                throw new CliException("predict: give --out FILE.csv (predictions) and/or --embeddings FILE.npy");
            var (cfg, spec, _) = RunFiles.ReadConfig(runDir);
            if (pairsFile is not null && spec.Task != TaskKind.Link)
                throw new CliException($"--pairs scores links, but the run at {runDir} was trained for the {spec.Task.ToString().ToLowerInvariant()} task");
            if (spec.Task == TaskKind.Link && outFile is not null && pairsFile is null)
                throw new CliException("predict: a link model scores node pairs; give them with --pairs pairs.csv (src,dst per line)");
            var (_, _, model, data) = Open(runDir, dataOptions.Apply(p, cfg), spec, unlabeled: true);
            switch (data)
            {
                case NodeTaskData n:
                {
                    var (logits, hidden) = new NodeRunner(n).Infer(model);
                    if (outFile is not null) WriteClassCsv(outFile, "node_id", logits);
                    if (embFile is not null) AtomicFile.Write(embFile, s => Npy.Write(s, hidden));
                    io.Out.WriteLine($"predicted {logits.Size(0):N0} nodes{Where(outFile, embFile)}");
                    break;
                }
                case LinkTaskData l:
                {
                    var h = new LinkRunner(l, 0).Embed(model);
                    if (pairsFile is not null && outFile is not null)
                    {
                        var (src, dst) = ReadPairs(pairsFile, h.Size(0));
                        var scores = LinkRunner.Score(h, src, dst).ToArray<float>();
                        var s0 = src.ToArray<int>();
                        var d0 = dst.ToArray<int>();
                        var sb = new StringBuilder("src,dst,score\n");
                        for (var i = 0; i < scores.Length; i++) sb.Append(CultureInfo.InvariantCulture, $"{s0[i]},{d0[i]},{scores[i]:R}\n");
                        AtomicFile.WriteText(outFile, sb.ToString());
                        io.Out.WriteLine($"scored {scores.Length:N0} pairs{Where(outFile, embFile)}");
                    }
                    if (embFile is not null)
                    {
                        AtomicFile.Write(embFile, s => Npy.Write(s, h));
                        if (outFile is null) io.Out.WriteLine($"wrote {h.Size(0):N0} node embeddings to {embFile}");
                    }
                    break;
                }
                case GraphTaskData g:
                {
                    var runner = new GraphRunner(g, 256);
                    var all = Enumerable.Range(0, g.Graphs.Count).ToArray();
                    var logits = runner.Logits(model, all);
                    if (outFile is not null) WriteClassCsv(outFile, "graph_id", logits);
                    if (embFile is not null)
                    {
                        var pooled = new List<Tensor>();
                        model.Eval();
                        using (GradMode.NoGrad())
                        {
                            for (var start = 0; start < all.Length; start += 256)
                            {
                                var chunk = all[start..Math.Min(all.Length, start + 256)];
                                var (bg, x, gid, _) = runner.MakeBatch(chunk);
                                pooled.Add(GnnModel.MeanPool(model.Forward(bg, x, null, gid, chunk.Length).Hidden, gid, chunk.Length));
                            }
                        }
                        var emb = pooled.Count == 1 ? pooled[0] : Tensor.Cat(pooled);
                        AtomicFile.Write(embFile, s => Npy.Write(s, emb));
                    }
                    io.Out.WriteLine($"predicted {logits.Size(0):N0} graphs{Where(outFile, embFile)}");
                    break;
                }
            }
            return 0;
        });
        return cmd;
    }

    private static string Where(string? outFile, string? embFile) =>
        (outFile is null ? "" : $"; predictions in {outFile}") + (embFile is null ? "" : $"; embeddings in {embFile}");

    private static void WriteClassCsv(string path, string idColumn, Tensor logits)
    {
        var probs = logits.Softmax(1);
        var k = probs.Size(1);
        var p = probs.ToArray<float>();
        var pred = logits.Argmax(1).Long().ToArray<long>();
        var sb = new StringBuilder(idColumn).Append(",predicted");
        for (var c = 0; c < k; c++) sb.Append(CultureInfo.InvariantCulture, $",p{c}");
        sb.Append('\n');
        for (var i = 0; i < pred.Length; i++)
        {
            sb.Append(i.ToString(CultureInfo.InvariantCulture)).Append(',').Append(pred[i].ToString(CultureInfo.InvariantCulture));
            for (var c = 0; c < k; c++) sb.Append(',').Append(p[i * k + c].ToString("G6", CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        AtomicFile.WriteText(path, sb.ToString());
    }

    /// <summary>Reads <c>src,dst</c> rows (a header line allowed; whitespace also separates).</summary>
    internal static (Tensor Src, Tensor Dst) ReadPairs(string path, int numNodes)
    {
        if (!File.Exists(path)) throw new CliException($"--pairs {path}: file not found");
        var src = new List<int>();
        var dst = new List<int>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            var t = line.Trim();
            if (t.Length == 0 || t[0] == '#') continue;
            var cells = t.Split(t.Contains(',', StringComparison.Ordinal) ? [','] : [' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (src.Count == 0 && cells.Any(c => c.Any(char.IsLetter))) continue;
            if (cells.Length != 2 || !int.TryParse(cells[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var u) || !int.TryParse(cells[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
                throw new CliException($"{path}:{lineNo}: '{t}' is not a node pair; expected 'src,dst'");
            if (u < 0 || u >= numNodes || v < 0 || v >= numNodes)
                throw new CliException($"{path}:{lineNo}: node pair ({u}, {v}) is out of range; the graph has nodes 0..{numNodes - 1}");
            src.Add(u);
            dst.Add(v);
        }
        return (Tensor.FromArray(src.ToArray()), Tensor.FromArray(dst.ToArray()));
    }
}
