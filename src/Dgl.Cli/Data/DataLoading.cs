using Dgl.Cli.Config;
using Dgl.Data;
using Dgl.Tensors.IO;

namespace Dgl.Cli.Data;

/// <summary>Turns the data options of a run (<c>--dataset</c>, <c>--data</c>, <c>--edges …</c>) into the task's <see cref="TaskData"/>.</summary>
internal static class DataLoading
{
    /// <summary>The task of a run: <c>--task</c> when given (checked against the data set), else the data set's first task.</summary>
    public static TaskKind ResolveTask(TaskKind? requested, string? dataset, string? dataPath)
    {
        if (dataset is null)
        {
            if (requested is { } r) return r;
            return dataPath is not null && LooksLikeGraphCollection(dataPath) ? TaskKind.Graph : TaskKind.Node;
        }
        var entry = DatasetCatalog.Get(dataset);
        if (requested is { } t)
        {
            if (!entry.Tasks.Contains(t))
                throw new CliException($"data set {entry.Name} does not serve --task {Name(t)}; it serves {string.Join(", ", entry.Tasks.Select(Name))}");
            return t;
        }
        return entry.Tasks[0];
    }

    private static bool LooksLikeGraphCollection(string path)
    {
        try
        {
            if (File.Exists(path)) return GraphSerialization.GraphCount(path) > 1;
            var meta = Path.Combine(path, "meta.yaml");
            return File.Exists(meta) && File.ReadAllText(meta).Contains("graph_data", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static string Name(TaskKind t) => t.ToString().ToLowerInvariant();

    /// <summary>Loads the data of a run for <paramref name="task"/>.</summary>
    /// <exception cref="CliException">Missing or malformed files, labels out of range, a set that does not serve the task.</exception>
    public static TaskData Load(TrainConfig cfg, TaskKind task, bool unlabeled = false)
    {
        object source;
        string name;
        if (cfg.Edges is not null)
        {
            source = UserData.FromEdgeList(cfg.Edges, cfg.Features, cfg.Labels);
            name = Path.GetFileNameWithoutExtension(cfg.Edges);
        }
        else if (cfg.Data is not null)
        {
            (source, name) = UserData.FromPath(cfg.Data);
        }
        else
        {
            var entry = DatasetCatalog.Get(cfg.EffectiveDataset);
            var cache = new DownloadCache();
            var rawDir = cfg.DataDir is not null && !entry.Synthetic ? DatasetCatalog.ResolveRawDir(entry, cfg.DataDir) : null;
            source = Guard(() => entry.Load(rawDir, cache));
            name = entry.Name;
        }
        return Guard(() => Prepare(source, name, task, cfg, unlabeled));
    }

    /// <summary>Runs <paramref name="f"/>, turning data errors (missing files, malformed rows, failed downloads) into one-line <see cref="CliException"/>s.</summary>
    public static T Guard<T>(Func<T> f)
    {
        try
        {
            return f();
        }
        catch (DataSetUnavailableException e)
        {
            throw new CliException(OneLine(e.Message), e);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(OneLine(e.Message), e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new CliException(OneLine(e.Message), e);
        }
        catch (DataFormatException e)
        {
            throw new CliException(OneLine(e.Message), e);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new CliException(OneLine(e.Message), e);
        }
        catch (ArgumentException e) when (e is not ArgumentNullException)
        {
            throw new CliException(OneLine(e.Message), e);
        }
    }

    public static string OneLine(string s) => string.Join(" ", s.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    private static TaskData Prepare(object source, string name, TaskKind task, TrainConfig cfg, bool unlabeled) => (source, task) switch
    {
        (GraphDataset ds, TaskKind.Node) => Node(ds, name, cfg, unlabeled),
        (GraphDataset ds, TaskKind.Graph) when unlabeled => GraphTask(new GraphClassificationDataset(name, [.. ds], Tensor.Zeros(new Shape(ds.Count), DType.Int64), null), name, cfg),
        (GraphDataset ds, TaskKind.Link) => Link(ds, name, cfg),
        (GraphClassificationDataset ds, TaskKind.Graph) => GraphTask(ds, name, cfg),
        (GraphDataset ds, TaskKind.Graph) => throw new CliException($"{name} holds {ds.Count} graph(s) without graph labels; --task graph needs a set of labelled graphs (e.g. --dataset minigc, or a CSVDataset with graph_data)"),
        (GraphClassificationDataset, _) => throw new CliException($"{name} is a set of labelled graphs; it serves --task graph"),
        _ => throw new CliException($"{name}: unsupported data"),
    };

    // ------------------------------------------------------------------------------------------------------------
    // Node classification
    // ------------------------------------------------------------------------------------------------------------

    private static NodeTaskData Node(GraphDataset ds, string name, TrainConfig cfg, bool unlabeled)
    {
        var g = ds[0];
        var target = ds.PredictCategory ?? (g.NodeTypes.Count == 1 ? g.NodeTypes[0]
            : throw new CliException($"{name} is heterogeneous with node types {string.Join(", ", g.NodeTypes)} and names no labelled type"));
        var data = g.Nodes[target].Data;
        if (unlabeled && !data.ContainsKey("label") && g.IsHomogeneous)
        {
            return new NodeTaskData
            {
                Name = name, Graph = g, Features = FloatFeatures(data), Labels = Tensor.Zeros(new Shape(g.NumNodes()), DType.Int64), NumClasses = 0,
                TrainIdx = [], ValIdx = [], TestIdx = [],
            };
        }
        if (!data.ContainsKey("label"))
            throw new CliException($"{name}: the nodes have no 'label' (they have {(data.Keys.Any() ? string.Join(", ", data.Keys) : "no data")}); node classification needs one class per node");
        var n = g.NumNodes(target);
        var labels = data["label"].Long();
        if (labels.Rank != 1) labels = labels.Reshape(n);
        var lab = labels.ToArray<long>();
        var hasMasks = data.ContainsKey("train_mask") && data.ContainsKey("test_mask");
        int[] train, val, test;
        if (hasMasks)
        {
            train = Ids(data["train_mask"]);
            test = Ids(data["test_mask"]);
            if (data.ContainsKey("val_mask"))
            {
                val = Ids(data["val_mask"]);
            }
            else
            {
                // R-GCN's sets have train and test only: hold out a fifth of the training nodes for validation, as DGL's example does.
                var perm = Permute(train, cfg.Seed);
                var nVal = Math.Max(1, perm.Length / 5);
                val = [.. perm[..nVal].Order()];
                train = [.. perm[nVal..].Order()];
            }
        }
        else
        {
            var r = cfg.ParseSplit();
            var perm = Permute(Enumerable.Range(0, n).Where(i => lab[i] >= 0).ToArray(), cfg.Seed);
            int nTrain = (int)(perm.Length * r.Train), nVal = (int)(perm.Length * r.Val);
            train = [.. perm[..nTrain].Order()];
            val = [.. perm[nTrain..(nTrain + nVal)].Order()];
            test = [.. perm[(nTrain + nVal)..].Order()];
        }
        var used = train.Concat(val).Concat(test).Select(i => lab[i]).ToArray();
        var numClasses = ds.NumClasses is { } c && c > 0 ? c : (int)(used.DefaultIfEmpty(0).Max() + 1);
        CheckLabels(name, used, numClasses);
        if (train.Length == 0) throw new CliException($"{name}: the training split is empty");

        Tensor? etypes = null;
        var relations = 1;
        var graph = g;
        var offset = 0;
        if (!g.IsHomogeneous)
        {
            graph = g.ToHomogeneous(out var ntypeCount, out _, ndata: [], edata: []);
            var ti = g.NodeTypes.ToList().IndexOf(target);
            for (var t = 0; t < ti; t++) offset += ntypeCount[t];
            etypes = graph.EData[Graph.ETYPE].Int();
            relations = g.CanonicalEdgeTypes.Count;
            // Full-graph labels: the target type's labels at their homogeneous ids, 0 elsewhere (never in a split).
            var full = new long[graph.NumNodes()];
            Array.Copy(lab, 0, full, offset, n);
            lab = full;
            train = [.. train.Select(i => i + offset)];
            val = [.. val.Select(i => i + offset)];
            test = [.. test.Select(i => i + offset)];
        }
        // One node type (a multi-relational graph): node ids and features survive the conversion unchanged.
        var feat = g.NodeTypes.Count == 1 ? FloatFeatures(data) : null;
        return new NodeTaskData
        {
            Name = name, Graph = graph, Features = feat, Labels = Tensor.FromArray(lab), NumClasses = numClasses,
            TrainIdx = train, ValIdx = val, TestIdx = test, EdgeTypes = etypes, NumRelations = relations,
        };
    }

    private static Tensor? FloatFeatures(Frame data)
    {
        if (!data.ContainsKey("feat")) return null;
        var f = data["feat"].Float();
        return f.Rank == 1 ? f.Reshape(f.Size(0), 1) : f.Rank == 2 ? f : f.Reshape(f.Size(0), -1);
    }

    private static void CheckLabels(string name, IEnumerable<long> labels, int numClasses)
    {
        foreach (var l in labels)
            if (l < 0 || l >= numClasses)
                throw new CliException($"{name}: label {l} is out of range; expected classes 0..{numClasses - 1}");
    }

    private static int[] Ids(Tensor mask)
    {
        var m = mask.Bool().ToArray<bool>();
        var ids = new List<int>();
        for (var i = 0; i < m.Length; i++) if (m[i]) ids.Add(i);
        return [.. ids];
    }

    private static int[] Permute(int[] items, int seed)
    {
        var a = (int[])items.Clone();
        new Random(seed).Shuffle(a);
        return a;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Link prediction
    // ------------------------------------------------------------------------------------------------------------

    private static LinkTaskData Link(GraphDataset ds, string name, TrainConfig cfg)
    {
        var g0 = ds[0];
        if (!g0.IsHomogeneous)
            throw new CliException($"{name} is heterogeneous; link prediction here works on homogeneous graphs");
        var split = ds is OgbLinkPropPredDataset ? new AsLinkPredDataset(ds, seed: cfg.Seed) : new AsLinkPredDataset(ds, (0.8, 0.1, 0.1), negRatio: 1, seed: cfg.Seed);
        var g = split.TrainGraph;
        return new LinkTaskData
        {
            Name = name, TrainGraph = g, Features = FloatFeatures(g.NData), ValEdges = split.ValEdges, TestEdges = split.TestEdges,
        };
    }

    // ------------------------------------------------------------------------------------------------------------
    // Graph classification
    // ------------------------------------------------------------------------------------------------------------

    private static GraphTaskData GraphTask(GraphClassificationDataset ds, string name, TrainConfig cfg)
    {
        if (ds.Count == 0) throw new CliException($"{name}: the data set has no graphs");
        var lt = ds.Labels;
        if (lt.Rank == 2 && lt.Size(1) != 1)
            throw new CliException($"{name}: {lt.Size(1)} label columns per graph; graph classification here predicts one class per graph");
        var labels = lt.Double().ToArray<double>();
        var lab = new long[labels.Length];
        for (var i = 0; i < lab.Length; i++)
        {
            if (double.IsNaN(labels[i]) || labels[i] != Math.Floor(labels[i]))
                throw new CliException($"{name}: graph {i} has label {labels[i]}; graph classification needs an integer class per graph");
            lab[i] = (long)labels[i];
        }
        int[] train, val, test;
        if (ds.Split is { } s && s.ContainsKey("train") && s.ContainsKey("test"))
        {
            train = s["train"];
            test = s["test"];
            val = s.TryGetValue("valid", out var v) ? v : s.TryGetValue("val", out var v2) ? v2 : [];
        }
        else
        {
            var r = cfg.ParseSplit();
            var p = new AsGraphPredDataset(ds, (r.Train, r.Val, r.Test), cfg.Seed);
            (train, val, test) = ([.. p.TrainIdx], [.. p.ValIdx], [.. p.TestIdx]);
        }
        var numClasses = ds.NumClasses is { } c && c > 0 ? c : (int)(lab.Max() + 1);
        CheckLabels(name, lab, numClasses);
        var (graphs, width, how) = GraphFeatures(ds.Graphs);
        return new GraphTaskData
        {
            Name = name, Graphs = graphs, Labels = lab, NumClasses = Math.Max(2, numClasses), TrainIdx = train, ValIdx = val, TestIdx = test,
            FeatureWidth = width, FeatureSource = how,
        };
    }

    /// <summary>
    /// Node features for graph classification, the first that exists: float <c>feat</c>/<c>attr</c>/<c>node_attr</c>
    /// (with one-hot <c>node_labels</c> appended when both exist), one-hot integer node labels, else one-hot in-degree
    /// (capped at 32), as DGL's MiniGC and GIN examples do. Stored as node data <c>x</c> on shallow copies.
    /// </summary>
    internal static (IReadOnlyList<Graph> Graphs, int Width, string How) GraphFeatures(IReadOnlyList<Graph> source)
    {
        var first = source[0].NData;
        string? floatKey = new[] { "feat", "attr", "node_attr" }.FirstOrDefault(k => first.ContainsKey(k) && first[k].DType is DType.Float32 or DType.Float64);
        string? intKey = new[] { "node_labels", "label", "feat" }.FirstOrDefault(k => first.ContainsKey(k) && first[k].DType is DType.Int64 or DType.Int32 && k != floatKey);
        var useDegree = floatKey is null && intKey is null;
        var maxInt = 0L;
        if (intKey is not null)
        {
            foreach (var g in source)
            {
                var v = g.NData[intKey].Long();
                if (v.Rank > 1 && v.Size(1) != 1) { intKey = null; break; }
                foreach (var x in v.ToArray<long>())
                {
                    if (x < 0) throw new CliException($"node '{intKey}' value {x} is negative; expected category ids");
                    maxInt = Math.Max(maxInt, x);
                }
            }
            useDegree = floatKey is null && intKey is null;
        }
        const int DegreeCap = 32;
        var floatWidth = floatKey is null ? 0 : (first[floatKey].Rank == 1 ? 1 : (int)(first[floatKey].NumElements / Math.Max(1, first[floatKey].Size(0))));
        var oneHot = intKey is not null ? (int)maxInt + 1 : useDegree ? DegreeCap + 1 : 0;
        var width = floatWidth + oneHot;
        var result = new List<Graph>(source.Count);
        foreach (var g in source)
        {
            var n = g.NumNodes();
            var x = new float[n * width];
            if (floatKey is not null)
            {
                var f = g.NData[floatKey].Float().ToArray<float>();
                for (var i = 0; i < n; i++) Array.Copy(f, i * floatWidth, x, i * width, floatWidth);
            }
            if (intKey is not null)
            {
                var v = g.NData[intKey].Long().ToArray<long>();
                for (var i = 0; i < n; i++) x[i * width + floatWidth + (int)v[i]] = 1;
            }
            else if (useDegree)
            {
                var d = g.InDegrees().Int().ToArray<int>();
                for (var i = 0; i < n; i++) x[i * width + Math.Min(d[i], DegreeCap)] = 1;
            }
            var copy = g.Clone();
            copy.NData["x"] = Tensor.FromArray(x, new Shape(n, width));
            result.Add(copy);
        }
        var how = floatKey is not null && intKey is not null ? $"{floatKey} + one-hot {intKey}"
            : floatKey is not null ? floatKey : intKey is not null ? $"one-hot {intKey}" : $"one-hot in-degree (capped at {DegreeCap})";
        return (result, width, how);
    }
}
