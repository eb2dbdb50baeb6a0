using System.Globalization;
using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>
/// A TU-Dortmund graph-classification set (MUTAG, PROTEINS, ENZYMES, NCI1, …) as DGL's <c>TUDataset</c>: node data
/// <c>node_labels</c> (shifted to start at 0) and <c>node_attr</c>, edge data <c>edge_labels</c> and
/// <c>edge_attr</c> where the files have them; graph labels mapped to 0..k-1 in sorted order.
/// </summary>
/// <example>
/// <code>
/// var mutag = new TUDataset("MUTAG");
/// var (g, label) = mutag[0];
/// </code>
/// </example>
public sealed class TUDataset : GraphClassificationDataset
{
    /// <summary>Loads TU data set <paramref name="name"/> from <paramref name="rawDir"/> (its <c>NAME_*.txt</c> files in
    /// <c>rawDir/NAME</c> or <c>rawDir</c>) or from the download cache.</summary>
    public TUDataset(string name, string? rawDir = null, bool forceReload = false, DownloadCache? cache = null)
        : this(Load(name, rawDir, forceReload, cache))
    {
    }

    private TUDataset((string Name, IReadOnlyList<Graph> Graphs, Tensor Labels, int? Classes) x) : base(x.Name, x.Graphs, x.Labels, x.Classes)
    {
    }

    private static (string, IReadOnlyList<Graph>, Tensor, int?) Load(string name, string? rawDir, bool forceReload, DownloadCache? cache)
    {
        ArgumentNullException.ThrowIfNull(name);
        var files = new DatasetFiles(name, rawDir, cache);
        string folder;
        if (rawDir is not null)
        {
            folder = File.Exists(Path.Combine(rawDir, name, $"{name}_A.txt")) ? Path.Combine(rawDir, name)
                : File.Exists(Path.Combine(rawDir, $"{name}_A.txt")) ? rawDir
                : throw new FileNotFoundException($"TUDataset {name}: {name}_A.txt is in neither {Path.Combine(rawDir, name)} nor {rawDir}", Path.Combine(rawDir, name, $"{name}_A.txt"));
        }
        else
        {
            folder = Path.Combine(files.Extracted(Sources.Tu(name), Path.Combine(name, $"{name}_A.txt")), name);
        }
        var sources = Directory.GetFiles(folder, $"{name}_*.txt").Order(StringComparer.Ordinal).ToArray();
        var (graphs, info) = Loading.Cached(files, "tu-v1", sources, forceReload, () =>
        {
            var (records, labels, classes) = Records.Tu(TuFormat.Read(folder, name));
            return (records, [new("labels", labels), Loading.Int("num_classes", classes ?? -1)]);
        });
        var c = Loading.IntOf(info, "num_classes");
        return (name, graphs, info["labels"], c < 0 ? null : c);
    }
}

/// <summary>
/// The graph-classification sets of GIN (MUTAG, PTC, NCI1, PROTEINS, COLLAB, IMDBBINARY, IMDBMULTI, REDDIT…) in the
/// DGCNN text format, as DGL's <c>GINDataset</c>: node <c>label</c> (tag, or in-degree with
/// <c>degreeAsNodeLabel</c>), node <c>attr</c> (the file's attributes or a one-hot of the label), optional self-loops;
/// GIN's 10-fold splits through <see cref="Fold"/>.
/// </summary>
public sealed class GINDataset : GraphClassificationDataset
{
    private readonly string _folder;

    /// <summary>Loads GIN data set <paramref name="name"/>.</summary>
    /// <param name="name">The set (folder and file name, e.g. "MUTAG", "IMDBBINARY").</param>
    /// <param name="selfLoop">Add a self-loop to every node.</param>
    /// <param name="degreeAsNodeLabel">Use node in-degrees as node labels (for sets without node tags).</param>
    /// <param name="rawDir">A folder holding <c>NAME/NAME.txt</c> (or <c>dataset/NAME/NAME.txt</c>); null to use the cache.</param>
    /// <param name="forceReload">Reprocess even when a processed copy is cached.</param>
    /// <param name="cache">The download cache.</param>
    public GINDataset(string name, bool selfLoop, bool degreeAsNodeLabel = false, string? rawDir = null, bool forceReload = false, DownloadCache? cache = null)
        : this(Load(name, selfLoop, degreeAsNodeLabel, rawDir, forceReload, cache))
    {
    }

    private GINDataset((string Name, IReadOnlyList<Graph> Graphs, Tensor Labels, int Classes, string Folder) x) : base(x.Name, x.Graphs, x.Labels, x.Classes)
    {
        _folder = x.Folder;
    }

    private static (string, IReadOnlyList<Graph>, Tensor, int, string) Load(string name, bool selfLoop, bool degreeAsNodeLabel, string? rawDir, bool forceReload, DownloadCache? cache)
    {
        ArgumentNullException.ThrowIfNull(name);
        var files = new DatasetFiles("GINDataset", rawDir, cache);
        var root = rawDir ?? files.Extracted(Sources.Gin, Path.Combine("dataset", name, $"{name}.txt"));
        var file = Loading.FirstExisting(root, Path.Combine(name, $"{name}.txt"), Path.Combine("dataset", name, $"{name}.txt"))
            ?? throw new FileNotFoundException($"GINDataset {name}: {name}/{name}.txt is not in {root}", Path.Combine(root, name, $"{name}.txt"));
        var (graphs, info) = Loading.Cached(files, $"gin-v1;{name};self_loop={selfLoop};degree={degreeAsNodeLabel}", [file], forceReload, () =>
        {
            var (records, labels, classes) = Records.Gin(GinFormat.Read(file), selfLoop, degreeAsNodeLabel);
            return (records, [new("labels", labels), Loading.Int("num_classes", classes)]);
        });
        return (name, graphs, info["labels"], Loading.IntOf(info, "num_classes"), Path.GetDirectoryName(file)!);
    }

    /// <summary>GIN's fold <paramref name="fold"/> (1..10) from <c>10fold_idx</c>: train and test graph indices.</summary>
    /// <exception cref="FileNotFoundException">The fold files are not there.</exception>
    public (int[] Train, int[] Test) Fold(int fold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fold, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fold, 10);
        return GinFormat.ReadFold(_folder, fold, Count);
    }
}

/// <summary>
/// DGL's <c>MiniGCDataset</c>: small graphs of eight shapes (cycle, star, wheel, lollipop, hypercube, grid, clique,
/// circular ladder; labels 0–7), every node with a self-loop. Seeded: the same seed gives the same graphs.
/// </summary>
public sealed class MiniGCDataset : GraphClassificationDataset
{
    /// <summary>Generates <paramref name="numGraphs"/> graphs with [<paramref name="minNodes"/>, <paramref name="maxNodes"/>) nodes.</summary>
    public MiniGCDataset(int numGraphs, int minNodes, int maxNodes, int seed = 0)
        : this(Records.MiniGC(numGraphs, minNodes, maxNodes, seed))
    {
    }

    private MiniGCDataset((List<GraphRecord> Graphs, Tensor Labels) x)
        : base("minigc", [.. x.Graphs.Select(GraphRecords.ToGraph)], x.Labels, 8)
    {
    }
}

/// <summary>
/// An Open Graph Benchmark graph-property set (ogbg-molhiv, -molbace, …) read from OGB's raw CSV layout, as OGB's
/// <c>DglGraphPropPredDataset</c>: node and edge <c>feat</c>, inverse edges added when the metadata says so (edge
/// 2k is u→v and 2k+1 is v→u), labels [graphs, tasks], and the standard split (<see cref="GetIdxSplit"/>).
/// </summary>
public sealed class OgbGraphPropPredDataset : GraphClassificationDataset
{
    /// <summary>Loads <paramref name="name"/> ("ogbg-molbace") from <paramref name="root"/> (the folder holding
    /// <c>ogbg_molbace/</c>), or downloads OGB's archive into the cache.</summary>
    public OgbGraphPropPredDataset(string name, string? root = null, bool forceReload = false, DownloadCache? cache = null)
        : this(Load(name, root, forceReload, cache))
    {
    }

    private OgbGraphPropPredDataset((string Name, IReadOnlyList<Graph> Graphs, Tensor Labels, int? Classes, Dictionary<string, int[]> Split, string Metric) x)
        : base(x.Name, x.Graphs, x.Labels, x.Classes, x.Split)
    {
        EvalMetric = x.Metric;
    }

    /// <summary>OGB's evaluation metric for the set ("rocauc", "rmse", "ap", …).</summary>
    public string EvalMetric { get; }

    /// <summary>The standard split: "train", "valid", "test" graph indices.</summary>
    public IReadOnlyDictionary<string, int[]> GetIdxSplit() => Split!;

    private static (string, IReadOnlyList<Graph>, Tensor, int?, Dictionary<string, int[]>, string) Load(string name, string? root, bool forceReload, DownloadCache? cache)
    {
        var meta = OgbMeta.Get(name, root, "graphproppred");
        var (folder, files) = OgbMeta.Folder(name, root, cache, meta);
        var raw = Path.Combine(folder, "raw");
        var splitDir = Path.Combine(folder, "split", meta["split"]);
        var sources = Directory.GetFiles(raw).Concat(Directory.Exists(splitDir) ? Directory.GetFiles(splitDir) : []).Order(StringComparer.Ordinal).ToArray();
        var addInverse = meta["add_inverse_edge"] == "True";
        var (graphs, info) = Loading.Cached(files, $"ogbg-v1;inverse={addInverse}", sources, forceReload, () =>
        {
            var rawGraph = OgbRaw.ReadGraph(raw, perGraphLocalIds: true);
            var records = Records.OgbGraphs(rawGraph, addInverse);
            var labels = OgbRaw.ReadInferred(Path.Combine(raw, "graph-label.csv.gz"), records.Count, "graphs");
            var split = OgbRaw.ReadSplit(splitDir, records.Count);
            return (records, [new("labels", labels), new("train", Tensor.FromArray(split["train"])), new("valid", Tensor.FromArray(split["valid"])), new("test", Tensor.FromArray(split["test"]))]);
        });
        var classes = int.Parse(meta["num classes"], CultureInfo.InvariantCulture);
        var splits = new Dictionary<string, int[]>(StringComparer.Ordinal)
        {
            ["train"] = info["train"].ToArray<int>(),
            ["valid"] = info["valid"].ToArray<int>(),
            ["test"] = info["test"].ToArray<int>(),
        };
        return (name, graphs, info["labels"], classes > 0 ? classes : null, splits, meta["eval metric"]);
    }
}

/// <summary>OGB metadata: the master table of the folder when present, else the values OGB publishes.</summary>
internal static class OgbMeta
{
    private static readonly Dictionary<string, string[]> s_known = new(StringComparer.Ordinal)
    {
        // name: download_name, add_inverse_edge, split, num classes, eval metric, task type
        ["ogbg-molbace"] = ["bace", "True", "scaffold", "2", "rocauc", "binary classification"],
        ["ogbg-molbbbp"] = ["bbbp", "True", "scaffold", "2", "rocauc", "binary classification"],
        ["ogbg-molesol"] = ["esol", "True", "scaffold", "-1", "rmse", "regression"],
        ["ogbg-molfreesolv"] = ["freesolv", "True", "scaffold", "-1", "rmse", "regression"],
        ["ogbg-molhiv"] = ["hiv", "True", "scaffold", "2", "rocauc", "binary classification"],
        ["ogbg-molpcba"] = ["pcba", "True", "scaffold", "2", "ap", "binary classification"],
        ["ogbl-ddi"] = ["ddi", "True", "target", "-1", "hits@20", "link prediction"],
        ["ogbl-collab"] = ["collab", "True", "time", "-1", "hits@50", "link prediction"],
        ["ogbl-ppa"] = ["ppassoc", "True", "throughput", "-1", "hits@100", "link prediction"],
        ["ogbn-arxiv"] = ["arxiv", "False", "time", "40", "acc", "multiclass classification"],
        ["ogbn-products"] = ["products", "True", "sales_ranking", "47", "acc", "multiclass classification"],
        ["ogbn-proteins"] = ["proteins", "True", "species", "2", "rocauc", "binary classification"],
    };

    public static Dictionary<string, string> Get(string name, string? root, string kind)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (root is not null)
        {
            foreach (var file in new[] { $"{kind}_master.csv", "master.csv" })
            {
                var p = Path.Combine(root, file);
                if (File.Exists(p) && OgbMaster.Read(p).TryGetValue(name, out var m)) return m;
            }
        }
        if (!s_known.TryGetValue(name, out var k))
            throw new ArgumentException($"OGB data set '{name}' is unknown; put OGB's {kind} master.csv in the root folder, or use one of {string.Join(", ", s_known.Keys)}", nameof(name));
        var section = name[..4] switch { "ogbg" => "graphproppred", "ogbl" => "linkproppred", _ => "nodeproppred" };
        var url = section == "graphproppred" ? $"http://snap.stanford.edu/ogb/data/{section}/csv_mol_download/{k[0]}.zip" : $"http://snap.stanford.edu/ogb/data/{section}/{k[0]}.zip";
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["download_name"] = k[0], ["add_inverse_edge"] = k[1], ["split"] = k[2], ["num classes"] = k[3],
            ["eval metric"] = k[4], ["task type"] = k[5], ["url"] = url,
        };
    }

    /// <summary>The data set folder (<c>root/ogbg_molbace</c>), downloading OGB's archive into the cache when no root is given.</summary>
    public static (string Folder, DatasetFiles Files) Folder(string name, string? root, DownloadCache? cache, Dictionary<string, string> meta)
    {
        var dir = name.Replace('-', '_');
        if (root is not null)
        {
            var f = Path.Combine(root, dir);
            if (!Directory.Exists(Path.Combine(f, "raw")))
                throw new FileNotFoundException($"{name}: {Path.Combine(f, "raw")} not found; root should hold {dir}/raw, {dir}/split (OGB's layout, from {meta["url"]})", Path.Combine(f, "raw"));
            return (f, new DatasetFiles(dir, f, cache));
        }
        var files = new DatasetFiles(dir, null, cache);
        var folder = files.Extracted(Sources.Ogb(meta["url"]), meta["download_name"]);
        return (Path.Combine(folder, meta["download_name"]), files);
    }
}

/// <summary>
/// A DGL CSV data set folder (<c>meta.yaml</c> plus node, edge and optional graph CSV files; homogeneous or
/// heterogeneous, one graph or many), as DGL's <c>CSVDataset</c>. Columns other than the ids become node, edge or graph
/// data: integers int64, other numbers float32, True/False bool, cells holding comma-separated numbers [rows, d]
/// float32 vectors.
/// </summary>
public sealed class CSVDataset : GraphDataset
{
    /// <summary>Loads the data set in <paramref name="folder"/>.</summary>
    /// <exception cref="FileNotFoundException"><c>meta.yaml</c> or a file it names is missing.</exception>
    /// <exception cref="DataFormatException">A file is malformed, or ids do not match between files.</exception>
    public CSVDataset(string folder, bool forceReload = false, DownloadCache? cache = null)
        : this(Load(folder, forceReload, cache))
    {
    }

    private CSVDataset((string Name, IReadOnlyList<Graph> Graphs, Dictionary<string, Tensor> Data) x) : base(x.Name, x.Graphs)
    {
        GraphData = x.Data;
        Labels = x.Data.Count == 1 ? x.Data.Values.First() : null;
    }

    /// <summary>The graph-level columns of <c>graph_data</c>, each [graphs, -1].</summary>
    public IReadOnlyDictionary<string, Tensor> GraphData { get; }

    /// <summary>The graph-level column when there is exactly one (DGL's <c>labels</c>), else null.</summary>
    public Tensor? Labels { get; }

    private static (string, IReadOnlyList<Graph>, Dictionary<string, Tensor>) Load(string folder, bool forceReload, DownloadCache? cache)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var meta = CsvDatasetFiles.ReadMeta(folder);
        var files = new DatasetFiles(meta.DatasetName!, folder, cache);
        var sources = new[] { Path.Combine(folder, CsvDatasetFiles.MetaFileName) }
            .Concat(meta.NodeData.Select(n => Path.Combine(folder, n.FileName!)))
            .Concat(meta.EdgeData.Select(e => Path.Combine(folder, e.FileName!)))
            .Concat(meta.GraphData is { } g ? [Path.Combine(folder, g.FileName!)] : []).ToArray();
        var (graphs, info) = Loading.Cached(files, "csv-v1", sources, forceReload, () =>
        {
            var (_, records, data) = Records.Csv(folder);
            return (records, data);
        });
        return (meta.DatasetName!, graphs, info);
    }
}
