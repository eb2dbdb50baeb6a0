namespace Dgl.Data;

/// <summary>Loads node-level data sets through <see cref="DatasetFiles"/> and the processed-graph cache.</summary>
internal static class Loading
{
    public static (IReadOnlyList<Graph> Graphs, Dictionary<string, Tensor> Info) Cached(
        DatasetFiles files, string parameters, IEnumerable<string> sources, bool forceReload,
        Func<(List<GraphRecord>, List<KeyValuePair<string, Tensor>>)> process)
    {
        var (records, info) = files.Processed(parameters, sources, process, forceReload);
        return ([.. records.Select(GraphRecords.ToGraph)], info.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
    }

    public static KeyValuePair<string, Tensor> Int(string key, long value) => new(key, Tensor.From<long>([value]));

    public static int IntOf(Dictionary<string, Tensor> info, string key) => (int)info[key].Item<long>();

    /// <summary>The first of <paramref name="candidates"/> (relative to <paramref name="rawDir"/>) that exists.</summary>
    public static string? FirstExisting(string rawDir, params string[] candidates) =>
        candidates.Select(c => Path.Combine(rawDir, c)).FirstOrDefault(p => File.Exists(p) || Directory.Exists(p));
}

/// <summary>
/// The Planetoid citation graphs (Cora, CiteSeer, PubMed) with the split of Yang et al. / Kipf &amp; Welling, processed
/// as DGL's <c>CitationGraphDataset</c>: row-normalised <c>feat</c>, <c>label</c>, <c>train_mask</c> (the first
/// len(y) nodes), <c>val_mask</c> (the next 500), <c>test_mask</c> (test.index); every citation in both directions.
/// </summary>
/// <example>
/// <code>
/// var g = new CoraGraphDataset()[0];          // 2708 nodes, 10556 edges
/// var feat = g.NData["feat"];                 // [2708, 1433]
/// </code>
/// </example>
public class CitationGraphDataset : GraphDataset
{
    /// <summary>Loads <paramref name="name"/> ("cora", "citeseer" or "pubmed").</summary>
    /// <param name="name">The data set.</param>
    /// <param name="rawDir">A folder holding the <c>ind.NAME.*</c> files; null to use (and fill) the download cache.</param>
    /// <param name="forceReload">Reprocess the raw files even when a processed copy is cached.</param>
    /// <param name="cache">The download cache (default: <c>DGL_DOWNLOAD_DIR</c> or <c>~/.dgl</c>).</param>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    /// <exception cref="FileNotFoundException">A file is missing from <paramref name="rawDir"/>.</exception>
    /// <exception cref="DataSetUnavailableException">A file is missing and could not be downloaded.</exception>
    public CitationGraphDataset(string name, string? rawDir = null, bool forceReload = false, DownloadCache? cache = null)
        : this(Load(name, rawDir, forceReload, cache))
    {
    }

    private CitationGraphDataset((string Name, IReadOnlyList<Graph> Graphs, int Classes) x) : base(x.Name, x.Graphs, x.Classes)
    {
    }

    private static (string, IReadOnlyList<Graph>, int) Load(string name, string? rawDir, bool forceReload, DownloadCache? cache)
    {
        ArgumentNullException.ThrowIfNull(name);
        name = name.ToLowerInvariant();
        if (name is not ("cora" or "citeseer" or "pubmed"))
            throw new ArgumentException($"CitationGraphDataset: unknown data set '{name}'; expected cora, citeseer or pubmed", nameof(name));
        var files = new DatasetFiles(name, rawDir, cache);
        var paths = PlanetoidFiles.Parts.Select(p =>
            rawDir is not null && File.Exists(PlanetoidFiles.PathOf(rawDir, name, p)) ? PlanetoidFiles.PathOf(rawDir, name, p) : files.File(Sources.PlanetoidFile(name, p))).ToArray();
        var folder = Path.GetDirectoryName(paths[0])!;
        var (graphs, info) = Loading.Cached(files, "planetoid-v1", paths, forceReload, () =>
        {
            var d = PlanetoidFiles.Load(folder, name);
            return ([Records.Planetoid(d)], [Loading.Int("num_classes", d.NumClasses)]);
        });
        return (name, graphs, Loading.IntOf(info, "num_classes"));
    }
}

/// <summary>Cora (2,708 nodes, 10,556 edges, 1,433 features, 7 classes; split 140 / 500 / 1,000).</summary>
public sealed class CoraGraphDataset(string? rawDir = null, bool forceReload = false, DownloadCache? cache = null)
    : CitationGraphDataset("cora", rawDir, forceReload, cache);

/// <summary>CiteSeer (3,327 nodes, 9,228 edges, 3,703 features, 6 classes; split 120 / 500 / 1,000; the 15
/// test-range nodes without features are zero rows).</summary>
public sealed class CiteseerGraphDataset(string? rawDir = null, bool forceReload = false, DownloadCache? cache = null)
    : CitationGraphDataset("citeseer", rawDir, forceReload, cache);

/// <summary>PubMed (19,717 nodes, 88,651 edges, 500 features, 3 classes; split 60 / 500 / 1,000).</summary>
public sealed class PubmedGraphDataset(string? rawDir = null, bool forceReload = false, DownloadCache? cache = null)
    : CitationGraphDataset("pubmed", rawDir, forceReload, cache);

/// <summary>
/// The Shchur et al. benchmark graphs stored as <c>.npz</c> (CoraFull, Amazon Computers/Photo, Coauthor CS/Physics,
/// and the Cora/CiteSeer npz versions), processed as DGL's <c>GNNBenchmarkDataset</c>: the adjacency made
/// bidirected, dense float32 <c>feat</c>, int64 <c>label</c>. No split is defined (use <see cref="AsNodePredDataset"/>).
/// </summary>
public class GnnBenchmarkDataset : GraphDataset
{
    /// <summary>Loads the benchmark graph <paramref name="name"/> (DGL's name, e.g. "amazon_co_buy_computer").</summary>
    /// <param name="name">The data set; its file is <c>NAME.npz</c>, or <paramref name="npzFile"/>.</param>
    /// <param name="rawDir">A folder holding the <c>.npz</c> file; null to use the download cache.</param>
    /// <param name="npzFile">The file name when it differs from <c>NAME.npz</c> (Shchur's own names such as
    /// <c>amazon_electronics_computers.npz</c>).</param>
    /// <param name="forceReload">Reprocess even when a processed copy is cached.</param>
    /// <param name="cache">The download cache.</param>
    public GnnBenchmarkDataset(string name, string? rawDir = null, string? npzFile = null, bool forceReload = false, DownloadCache? cache = null)
        : this(Load(name, rawDir, npzFile, forceReload, cache))
    {
    }

    private GnnBenchmarkDataset((string Name, IReadOnlyList<Graph> Graphs, int Classes) x) : base(x.Name, x.Graphs, x.Classes)
    {
    }

    private static (string, IReadOnlyList<Graph>, int) Load(string name, string? rawDir, string? npzFile, bool forceReload, DownloadCache? cache)
    {
        ArgumentNullException.ThrowIfNull(name);
        var files = new DatasetFiles(name, rawDir, cache);
        var fileName = npzFile ?? $"{name}.npz";
        string path;
        if (rawDir is not null)
        {
            path = Loading.FirstExisting(rawDir, fileName, Path.Combine(name, fileName))
                ?? throw new FileNotFoundException($"{name}: {Path.Combine(rawDir, fileName)} not found; the data set expects its .npz file there", Path.Combine(rawDir, fileName));
        }
        else
        {
            path = Path.Combine(files.Extracted(Sources.GnnBenchmark(name), fileName), fileName);
        }
        var (graphs, info) = Loading.Cached(files, "gnnbenchmark-v1", [path], forceReload, () =>
        {
            var g = Records.GnnBenchmark(path);
            var label = g.NodeData[0].FirstOrDefault(kv => kv.Key == "label").Value;
            var classes = label is null || label.NumElements == 0 ? 0 : label.ToArray<long>().Max() + 1;
            return ([g], [Loading.Int("num_classes", classes)]);
        });
        return (name, graphs, Loading.IntOf(info, "num_classes"));
    }
}

/// <summary>CoraFull (DGL's <c>CoraFullDataset</c>: 19,793 nodes, 70 classes).</summary>
public sealed class CoraFullDataset(string? rawDir = null, bool forceReload = false, DownloadCache? cache = null)
    : GnnBenchmarkDataset("cora_full", rawDir, null, forceReload, cache);

/// <summary>Amazon Computers co-purchase graph (13,752 nodes, 10 classes).</summary>
public sealed class AmazonCoBuyComputerDataset(string? rawDir = null, bool forceReload = false, DownloadCache? cache = null)
    : GnnBenchmarkDataset("amazon_co_buy_computer", rawDir, null, forceReload, cache);

/// <summary>Amazon Photo co-purchase graph (7,650 nodes, 8 classes).</summary>
public sealed class AmazonCoBuyPhotoDataset(string? rawDir = null, bool forceReload = false, DownloadCache? cache = null)
    : GnnBenchmarkDataset("amazon_co_buy_photo", rawDir, null, forceReload, cache);

/// <summary>Coauthor CS (18,333 nodes, 15 classes).</summary>
public sealed class CoauthorCSDataset(string? rawDir = null, bool forceReload = false, DownloadCache? cache = null)
    : GnnBenchmarkDataset("coauthor_cs", rawDir, null, forceReload, cache);

/// <summary>Coauthor Physics (34,493 nodes, 5 classes).</summary>
public sealed class CoauthorPhysicsDataset(string? rawDir = null, bool forceReload = false, DownloadCache? cache = null)
    : GnnBenchmarkDataset("coauthor_physics", rawDir, null, forceReload, cache);

/// <summary>
/// Zachary's karate club (34 members, 78 friendships in both directions), from DeepWalk's adjacency list, with
/// <c>label</c> 0 for Mr. Hi's club and 1 for the Officer's, as DGL's <c>KarateClubDataset</c>.
/// </summary>
public sealed class KarateClubDataset : GraphDataset
{
    /// <summary>Loads the graph from <paramref name="rawDir"/> (file <c>karate.adjlist</c>, or the shared data's
    /// <c>deepwalk_example_graphs_karate.adjlist</c>) or from the download cache.</summary>
    public KarateClubDataset(string? rawDir = null, DownloadCache? cache = null)
        : base("karate_club", [GraphRecords.ToGraph(Records.Karate(Find(rawDir, cache)))], 2)
    {
    }

    private static string Find(string? rawDir, DownloadCache? cache)
    {
        if (rawDir is not null)
            return Loading.FirstExisting(rawDir, "karate.adjlist", "deepwalk_example_graphs_karate.adjlist")
                ?? throw new FileNotFoundException($"karate_club: neither karate.adjlist nor deepwalk_example_graphs_karate.adjlist is in {rawDir}", Path.Combine(rawDir, "karate.adjlist"));
        return new DatasetFiles("karate_club", null, cache).File(Sources.KarateAdjList);
    }
}

/// <summary>
/// A LINQS citation data set (Lu &amp; Getoor: <c>NAME.content</c> and <c>NAME.cites</c>, as in LINQS's
/// <c>cora.tgz</c> and pygcn's <c>data/cora</c>), processed as DGL's <c>CoraDataset</c> was until DGL 0.5 (June 2020),
/// when DGL's <c>cora</c> became Planetoid's (<see cref="CoraGraphDataset"/>). The figures in DGL's older example
/// READMEs (SGC, APPNP, GraphSAGE on Cora) were measured on this data.
/// </summary>
/// <remarks>
/// Nodes in content-file order; <c>feat</c> the row-normalised word attributes; <c>label</c> the index of the class
/// name among the sorted names (<see cref="ClassNames"/>); every citation an edge in both directions, once. Graphs of
/// at least 1,500 nodes get pygcn's split, which DGL's <c>CoraDataset</c> used: <c>train_mask</c> the first 140 nodes,
/// <c>val_mask</c> nodes 200–499, <c>test_mask</c> nodes 500–1499 (smaller graphs get no masks). On LINQS's Cora
/// this is 2,708 nodes, 10,556 edges (the 5,429 citations hold 151 pairs listed both ways), 1,433 features and 7
/// classes: the graph of Planetoid's Cora, in another node order and with another split.
/// </remarks>
/// <example>
/// <code>
/// var data = new LinqsCitationDataset("cora", rawDir: "data/cora");   // data/cora/cora.content and cora.cites
/// var g = data[0];                                                     // 2708 nodes, 10556 edges
/// var test = g.NData["test_mask"];                                     // nodes 500..1499
/// </code>
/// </example>
public sealed class LinqsCitationDataset : GraphDataset
{
    /// <summary>Loads <paramref name="name"/> from <c>NAME.content</c> and <c>NAME.cites</c>.</summary>
    /// <param name="name">The data set's file stem ("cora", "citeseer", …).</param>
    /// <param name="rawDir">A folder holding the two files, directly or in a <c>NAME</c> subfolder (as the LINQS
    /// archive unpacks); null to download LINQS's archive (Cora and CiteSeer) into the cache.</param>
    /// <param name="ignoreUnknownIds">Drop citations naming a paper the content file lacks (LINQS's CiteSeer has
    /// some) instead of failing; <see cref="SkippedCitations"/> counts them.</param>
    /// <param name="cache">The download cache (default: <c>DGL_DOWNLOAD_DIR</c> or <c>~/.dgl</c>).</param>
    /// <exception cref="FileNotFoundException">A file is missing from <paramref name="rawDir"/>.</exception>
    /// <exception cref="Dgl.Tensors.IO.DataFormatException">A malformed line, a repeated paper, or (without
    /// <paramref name="ignoreUnknownIds"/>) a citation of an unknown paper; the message names the file and line.</exception>
    public LinqsCitationDataset(string name, string? rawDir = null, bool ignoreUnknownIds = false, DownloadCache? cache = null)
        : this(Load(name, rawDir, ignoreUnknownIds, cache))
    {
    }

    private LinqsCitationDataset((string Name, LinqsData Data) x)
        : base(x.Name, [GraphRecords.ToGraph(Records.Linqs(x.Data))], x.Data.ClassNames.Length)
    {
        PaperIds = x.Data.PaperIds;
        ClassNames = x.Data.ClassNames;
        SkippedCitations = x.Data.SkippedCitations;
    }

    /// <summary>The paper id of each node, in node order.</summary>
    public IReadOnlyList<string> PaperIds { get; }

    /// <summary>The class names, sorted; <c>label</c> indexes this list.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Citations dropped because a paper had no content line (only with <c>ignoreUnknownIds</c>).</summary>
    public int SkippedCitations { get; }

    private static (string, LinqsData) Load(string name, string? rawDir, bool ignoreUnknownIds, DownloadCache? cache)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var content = $"{name}.content";
        string folder;
        if (rawDir is not null)
        {
            folder = Loading.FirstExisting(rawDir, content) is not null ? rawDir
                : Loading.FirstExisting(rawDir, Path.Combine(name, content)) is not null ? Path.Combine(rawDir, name)
                : throw new FileNotFoundException(
                    $"{name}: {Path.Combine(rawDir, content)} not found (nor {Path.Combine(rawDir, name, content)}); the data set expects " +
                    $"{content} and {name}.cites there, as unpacked from {Sources.Linqs(name).Url}", Path.Combine(rawDir, content));
        }
        else
        {
            folder = Path.Combine(new DatasetFiles($"{name}_linqs", null, cache).Extracted(Sources.Linqs(name), Path.Combine(name, content)), name);
        }
        var cites = Path.Combine(folder, $"{name}.cites");
        if (!File.Exists(cites))
            throw new FileNotFoundException($"{name}: {cites} not found; the data set expects it beside {content}", cites);
        return (name, LinqsFiles.Load(Path.Combine(folder, content), cites, ignoreUnknownIds));
    }
}

/// <summary>
/// RDF entity classification (R-GCN's AIFB and MUTAG), processed as DGL's <c>RDFGraphDataset</c>: a heterograph with
/// one node type per entity class (literals are <c>_Literal</c> nodes), one relation per predicate plus its reverse
/// (<c>rev-…</c>), the target predicates removed, and <c>train_mask</c>/<c>test_mask</c>/<c>label</c> on
/// <see cref="GraphDataset.PredictCategory"/>.
/// </summary>
public class RdfGraphDataset : GraphDataset
{
    private protected RdfGraphDataset(string name, string archive, RdfEntities.Rules rules, string? rawDir, bool insertReverse, bool forceReload, DownloadCache? cache)
        : this(Load(name, archive, rules, rawDir, insertReverse, forceReload, cache))
    {
    }

    private RdfGraphDataset((string Name, IReadOnlyList<Graph> Graphs, int Classes, string Category) x) : base(x.Name, x.Graphs, x.Classes, x.Category)
    {
    }

    private static (string, IReadOnlyList<Graph>, int, string) Load(string name, string archive, RdfEntities.Rules rules, string? rawDir, bool insertReverse, bool forceReload, DownloadCache? cache)
    {
        var files = new DatasetFiles(name, rawDir, cache);
        var folder = rawDir ?? files.Extracted(Sources.Rdf(archive), "trainingSet.tsv");
        var triples = Directory.GetFiles(folder)
            .Where(f => f.EndsWith(".nt", StringComparison.Ordinal) || f.EndsWith(".nt.gz", StringComparison.Ordinal) || f.EndsWith(".n3", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        if (triples.Length == 0)
            throw new FileNotFoundException($"{name}: no .nt, .nt.gz or .n3 file in {folder}; expected the RDF triples there", folder);
        var sources = triples.Concat([Path.Combine(folder, "trainingSet.tsv"), Path.Combine(folder, "testSet.tsv")]).ToArray();
        var (graphs, info) = Loading.Cached(files, $"rdf-v1;reverse={insertReverse}", sources, forceReload, () =>
        {
            // DGL reads every triple file of the folder; the union of their triples (an RDF graph is a set).
            var all = new HashSet<RdfTriple>();
            var list = new List<RdfTriple>();
            foreach (var f in triples)
                foreach (var t in RdfReader.Read(f))
                    if (all.Add(t)) list.Add(t);
            var d = RdfEntities.Build(list, rules, folder, insertReverse);
            return ([Records.Rdf(d)], [Loading.Int("num_classes", d.NumClasses)]);
        });
        return (name, graphs, Loading.IntOf(info, "num_classes"), rules.PredictCategory);
    }
}

/// <summary>AIFB (DGL statistics: 7,262 nodes, 48,810 edges with reverse edges, 4 classes, 140 / 36 labelled
/// persons; target category <c>Personen</c>).</summary>
public sealed class AifbDataset(string? rawDir = null, bool insertReverse = true, bool forceReload = false, DownloadCache? cache = null)
    : RdfGraphDataset("aifb", "aifb-hetero", new RdfEntities.AifbRules(), rawDir, insertReverse, forceReload, cache);

/// <summary>MUTAG as RDF (DGL statistics: 27,163 nodes, 148,100 edges with reverse edges, 2 classes, 272 / 68;
/// target category <c>d</c>).</summary>
public sealed class MutagDataset(string? rawDir = null, bool insertReverse = true, bool forceReload = false, DownloadCache? cache = null)
    : RdfGraphDataset("mutag", "mutag-hetero", new RdfEntities.MutagRules(), rawDir, insertReverse, forceReload, cache);
