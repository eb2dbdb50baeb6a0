using System.Globalization;
using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>
/// An Open Graph Benchmark link-property set (ogbl-ddi, ogbl-collab, …) read from OGB's raw layout: the graph of
/// training edges (with inverse edges when the metadata says so) and the edge split of <see cref="GetEdgeSplit"/>.
/// </summary>
public sealed class OgbLinkPropPredDataset : GraphDataset
{
    private readonly string _splitDir;
    private readonly string _rawEdges;

    /// <summary>Loads <paramref name="name"/> ("ogbl-ddi") from <paramref name="root"/> (holding <c>ogbl_ddi/</c>) or
    /// downloads OGB's archive into the cache.</summary>
    public OgbLinkPropPredDataset(string name, string? root = null, bool forceReload = false, DownloadCache? cache = null)
        : this(Load(name, root, forceReload, cache))
    {
    }

    private OgbLinkPropPredDataset((string Name, IReadOnlyList<Graph> Graphs, string SplitDir, string RawEdges, string Metric) x) : base(x.Name, x.Graphs)
    {
        _splitDir = x.SplitDir;
        _rawEdges = x.RawEdges;
        EvalMetric = x.Metric;
    }

    /// <summary>OGB's evaluation metric ("hits@20" for ogbl-ddi).</summary>
    public string EvalMetric { get; }

    private static (string, IReadOnlyList<Graph>, string, string, string) Load(string name, string? root, bool forceReload, DownloadCache? cache)
    {
        var meta = OgbMeta.Get(name, root, "linkproppred");
        var (folder, files) = OgbMeta.Folder(name, root, cache, meta);
        var raw = Path.Combine(folder, "raw");
        var addInverse = meta["add_inverse_edge"] == "True";
        var (graphs, _) = Loading.Cached(files, $"ogbl-v1;inverse={addInverse}", Directory.GetFiles(raw).Order(StringComparer.Ordinal), forceReload,
            () => ([Records.OgbSingle(OgbRaw.ReadGraph(raw, perGraphLocalIds: false), addInverse)], []));
        return (name, graphs, Path.Combine(folder, "split", meta["split"]), Path.Combine(raw, "edge.csv.gz"), meta["eval metric"]);
    }

    /// <summary>
    /// The edge split as OGB's <c>get_edge_split()</c>: "train", "valid", "test", each a dictionary of int64 tensors
    /// ("edge" [n, 2] and, for valid/test, "edge_neg" [m, 2]). When <c>train.pt</c> is absent the training edges are the
    /// raw edge list (OGB builds the graph from exactly those).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, Tensor>> GetEdgeSplit()
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, Tensor>>(StringComparer.Ordinal);
        foreach (var part in new[] { "train", "valid", "test" })
        {
            var pt = Path.Combine(_splitDir, part + ".pt");
            if (File.Exists(pt))
            {
                var d = TorchFile.Load(pt) as Dictionary<object, object?> ?? throw new DataFormatException($"{pt}: expected a dict of arrays");
                var parts = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                foreach (var (k, v) in d)
                {
                    if (k is not string key) continue;
                    parts[key] = v switch
                    {
                        NpyArray { Tensor: { } t } => t,
                        Tensor t => t,
                        _ => throw new DataFormatException($"{pt}: entry '{key}' is not an array"),
                    };
                }
                result[part] = parts;
            }
            else if (part == "train")
            {
                using var r = LineReader.Open(_rawEdges);
                var t = NumericText.ReadInt64(r, 2, FieldSeparator.Comma);
                result[part] = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["edge"] = Tensor.FromArray(t.Data[..(2 * t.Rows)], new Shape(t.Rows, 2)) };
            }
            else
            {
                throw new FileNotFoundException($"{Name}: split file {pt} is missing", pt);
            }
        }
        return result;
    }
}

/// <summary>
/// An Open Graph Benchmark node-property set (ogbn-arxiv, ogbn-products, …) read from OGB's raw layout: the graph
/// (inverse edges added when the metadata says so), node <c>feat</c>, node <c>label</c>, and the split of
/// <see cref="GetIdxSplit"/>.
/// </summary>
public sealed class OgbNodePropPredDataset : GraphDataset
{
    private readonly IReadOnlyDictionary<string, int[]> _split;

    /// <summary>Loads <paramref name="name"/> ("ogbn-arxiv") from <paramref name="root"/> or the download cache.</summary>
    public OgbNodePropPredDataset(string name, string? root = null, bool forceReload = false, DownloadCache? cache = null)
        : this(Load(name, root, forceReload, cache))
    {
    }

    private OgbNodePropPredDataset((string Name, IReadOnlyList<Graph> Graphs, int? Classes, Dictionary<string, int[]> Split, string Metric) x) : base(x.Name, x.Graphs, x.Classes)
    {
        _split = x.Split;
        EvalMetric = x.Metric;
    }

    /// <summary>OGB's evaluation metric.</summary>
    public string EvalMetric { get; }

    /// <summary>The standard split: "train", "valid", "test" node indices.</summary>
    public IReadOnlyDictionary<string, int[]> GetIdxSplit() => _split;

    private static (string, IReadOnlyList<Graph>, int?, Dictionary<string, int[]>, string) Load(string name, string? root, bool forceReload, DownloadCache? cache)
    {
        var meta = OgbMeta.Get(name, root, "nodeproppred");
        var (folder, files) = OgbMeta.Folder(name, root, cache, meta);
        var raw = Path.Combine(folder, "raw");
        var splitDir = Path.Combine(folder, "split", meta["split"]);
        var addInverse = meta["add_inverse_edge"] == "True";
        var sources = Directory.GetFiles(raw).Concat(Directory.Exists(splitDir) ? Directory.GetFiles(splitDir) : []).Order(StringComparer.Ordinal);
        var (graphs, info) = Loading.Cached(files, $"ogbn-v1;inverse={addInverse}", sources, forceReload, () =>
        {
            var rec = Records.OgbSingle(OgbRaw.ReadGraph(raw, perGraphLocalIds: false), addInverse);
            var n = (int)rec.NumNodes[0];
            var labels = OgbRaw.ReadInferred(Path.Combine(raw, "node-label.csv.gz"), n, "nodes");
            rec.NodeData[0].Add(new("label", labels.Size(1) == 1 ? labels.Reshape(n) : labels));
            var split = OgbRaw.ReadSplit(splitDir, n);
            return ([rec], [new("train", Tensor.FromArray(split["train"])), new("valid", Tensor.FromArray(split["valid"])), new("test", Tensor.FromArray(split["test"]))]);
        });
        var classes = int.Parse(meta["num classes"], CultureInfo.InvariantCulture);
        var splits = new Dictionary<string, int[]>(StringComparer.Ordinal)
        {
            ["train"] = info["train"].ToArray<int>(),
            ["valid"] = info["valid"].ToArray<int>(),
            ["test"] = info["test"].ToArray<int>(),
        };
        return (name, graphs, classes > 0 ? classes : null, splits, meta["eval metric"]);
    }
}

/// <summary>
/// A seeded citation-like graph that needs no files: planted communities (classes) with homophilous links and
/// bag-of-words features correlated with the class, laid out as Cora (<c>feat</c>, <c>label</c>, Planetoid-style
/// masks: 20 training nodes per class, 500 validation, 1,000 test). A GCN separates the classes well above chance
/// within a few seconds of training; the offline default of <c>dgl train</c>.
/// </summary>
public sealed class CitationLikeDataset : GraphDataset
{
    /// <summary>Generates the graph.</summary>
    /// <param name="numNodes">Nodes (default 2,708, Cora's count).</param>
    /// <param name="numClasses">Classes (default 7).</param>
    /// <param name="numFeatures">Vocabulary size (default 500; at least 40 per class).</param>
    /// <param name="avgDegree">Average degree (default 4).</param>
    /// <param name="homophily">Fraction of links inside a class (default 0.8).</param>
    /// <param name="seed">Random seed; the same seed gives the same graph.</param>
    public CitationLikeDataset(int numNodes = 2708, int numClasses = 7, int numFeatures = 500, double avgDegree = 4, double homophily = 0.8, int seed = 0)
        : base("citation_like", [GraphRecords.ToGraph(Records.NodeClassification(Generators.CitationLike(numNodes, numClasses, numFeatures, avgDegree, homophily, seed)))], numClasses)
    {
    }
}

/// <summary>
/// BA-Shapes (GNNExplainer; DGL's <c>BAShapeDataset</c>): a Barabási–Albert graph of 300 nodes with 80 house motifs,
/// 700 nodes and 4,110 edges (both directions) by default; node <c>label</c> 0 (base) or 1–3 (house position), <c>feat</c> ones.
/// </summary>
public sealed class BAShapeDataset(int numBaseNodes = 300, int numBaseEdgesPerNode = 5, int numMotifs = 80, double perturbRatio = 0.01, int seed = 0)
    : GraphDataset("BA-SHAPES", [GraphRecords.ToGraph(Records.BAShapes(numBaseNodes, numBaseEdgesPerNode, numMotifs, perturbRatio, seed))], 4);

/// <summary>
/// Tree-Cycles (GNNExplainer; DGL's <c>TreeCycleDataset</c>): a balanced binary tree of height 8 with 60 six-cycles,
/// 871 nodes by default; node <c>label</c> 1 on cycles, <c>feat</c> ones.
/// </summary>
public sealed class TreeCycleDataset(int treeHeight = 8, int numMotifs = 60, int cycleSize = 6, double perturbRatio = 0.01, int seed = 0)
    : GraphDataset("TREE-CYCLES", [GraphRecords.ToGraph(Records.TreeCycles(treeHeight, numMotifs, cycleSize, perturbRatio, seed))], 2);

/// <summary>
/// DGL's <c>SBMMixtureDataset</c>: graphs drawn from symmetric stochastic block models with (p, q) varying per graph
/// (Chen et al., Appendix C); node <c>label</c> is the community (for community detection).
/// </summary>
public sealed class SBMMixtureDataset(int numGraphs, int numNodes, int numCommunities, double k = 2, double avgDegree = 3, int seed = 0)
    : GraphDataset("sbm_mixture", [.. Records.SbmMixture(numGraphs, numNodes, numCommunities, k, avgDegree, seed).Select(GraphRecords.ToGraph)], numCommunities);
