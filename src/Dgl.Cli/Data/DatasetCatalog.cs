using Dgl.Cli.Config;
using Dgl.Data;

namespace Dgl.Cli.Data;

/// <summary>One built-in data set: its name on the command line, the tasks it serves, where its files live, how to load it.</summary>
/// <param name="Name">The name for <c>--dataset</c>.</param>
/// <param name="Tasks">The tasks it can train; the first is the default when <c>--task</c> is not given.</param>
/// <param name="Size">A one-line size summary.</param>
/// <param name="Description">What it is.</param>
/// <param name="CacheFolder">Its folder under the download cache (null for generated sets).</param>
/// <param name="Marker">A file (relative to the raw folder) whose presence means the raw files are there.</param>
/// <param name="SubFolders">Where under <c>--data-dir</c> the raw folder may be ("." for the folder itself).</param>
/// <param name="Load">Loads it from a raw folder (null: the download cache).</param>
internal sealed record DatasetEntry(
    string Name, TaskKind[] Tasks, string Size, string Description, string? CacheFolder, string? Marker, string[] SubFolders,
    Func<string?, DownloadCache, object> Load)
{
    /// <summary>True for sets generated in memory (always available).</summary>
    public bool Synthetic => CacheFolder is null;
}

/// <summary>The built-in data sets of <c>dgl train --dataset</c> and <c>dgl datasets</c>.</summary>
internal static class DatasetCatalog
{
    private static readonly TaskKind[] NodeLink = [TaskKind.Node, TaskKind.Link];
    private static readonly TaskKind[] GraphOnly = [TaskKind.Graph];

    public static IReadOnlyList<DatasetEntry> All { get; } =
    [
        new("citation-synth", NodeLink, "2,708 nodes, ~10.8k edges, 500 features, 7 classes",
            "a seeded citation-like graph generated in memory (planted communities, bag-of-words features); no files needed", null, null, [],
            (_, _) => new CitationLikeDataset(seed: 0)),
        new("cora", NodeLink, "2,708 nodes, 10,556 edges, 1,433 features, 7 classes", "Planetoid Cora citation graph (Kipf & Welling split 140/500/1000)",
            "cora", "ind.cora.x", ["planetoid/cora", "cora", "."], (dir, cache) => new CoraGraphDataset(dir, cache: cache)),
        new("citeseer", NodeLink, "3,327 nodes, 9,228 edges, 3,703 features, 6 classes", "Planetoid CiteSeer citation graph (split 120/500/1000)",
            "citeseer", "ind.citeseer.x", ["planetoid/citeseer", "citeseer", "."], (dir, cache) => new CiteseerGraphDataset(dir, cache: cache)),
        new("pubmed", NodeLink, "19,717 nodes, 88,651 edges, 500 features, 3 classes", "Planetoid PubMed citation graph (split 60/500/1000)",
            "pubmed", "ind.pubmed.allx", ["planetoid/pubmed", "pubmed", "."], (dir, cache) => new PubmedGraphDataset(dir, cache: cache)),
        new("cora-linqs", NodeLink, "2,708 nodes, 10,556 edges, 1,433 features, 7 classes",
            "Cora as DGL had it until 2020: LINQS's cora.content/cora.cites, pygcn's split 140/300/1000 (train 0-139, val 200-499, test 500-1499)",
            "cora_linqs", "cora/cora.content", ["linqs", "."], (dir, cache) => new LinqsCitationDataset("cora", dir, cache: cache)),
        new("karate", NodeLink, "34 nodes, 156 edges, 2 classes", "Zachary's karate club (no features: a learned embedding per node)",
            "karate_club", null, ["karate", "."], (dir, cache) => new KarateClubDataset(dir, cache)),
        new("aifb", [TaskKind.Node], "8,285 nodes, 45 relations, 4 classes", "AIFB RDF entity classification (R-GCN; heterogeneous, 140/36 labelled)",
            "aifb", "trainingSet.tsv", ["rgcn_aifb", "aifb", "."], (dir, cache) => new AifbDataset(dir, cache: cache)),
        new("mutag-rdf", [TaskKind.Node], "23,644 nodes, 23 relations, 2 classes", "MUTAG as RDF entity classification (R-GCN; heterogeneous, 272/68 labelled)",
            "mutag", "trainingSet.tsv", ["rgcn_mutag", "mutag", "."], (dir, cache) => new MutagDataset(dir, cache: cache)),
        new("ba-shapes", [TaskKind.Node], "700 nodes, 4,110 edges, 4 classes", "BA-Shapes (GNNExplainer): house motifs on a Barabási–Albert graph, generated",
            null, null, [], (_, _) => new BAShapeDataset(seed: 0)),
        new("tree-cycles", [TaskKind.Node], "871 nodes, 2 classes", "Tree-Cycles (GNNExplainer): six-cycles on a binary tree, generated",
            null, null, [], (_, _) => new TreeCycleDataset(seed: 0)),
        new("sbm", [TaskKind.Node], "1,000 nodes, 4 communities", "a stochastic block model graph (community detection), generated",
            null, null, [], (_, _) => new SBMMixtureDataset(1, 1000, 4, k: 2, avgDegree: 8, seed: 0)),
        new("ogbl-ddi", [TaskKind.Link], "4,267 nodes, 1,067,911 training edges", "OGB drug–drug interaction link prediction (Hits@20 split)",
            "ogbl_ddi", "ogbl_ddi/raw", ["ogb", "."], (dir, cache) => new OgbLinkPropPredDataset("ogbl-ddi", dir, cache: cache)),
        new("minigc", GraphOnly, "400 graphs of 10–19 nodes, 8 classes", "MiniGC: cycles, stars, wheels, lollipops, … generated (graph classification)",
            null, null, [], (_, _) => new MiniGCDataset(400, 10, 20, seed: 0)),
        Tu("mutag", "MUTAG", "188 graphs, 17.9 nodes on average, 2 classes", "TU MUTAG molecules (mutagenicity)"),
        Tu("proteins", "PROTEINS", "1,113 graphs, 39.1 nodes on average, 2 classes", "TU PROTEINS (enzyme or not)"),
        Tu("enzymes", "ENZYMES", "600 graphs, 32.6 nodes on average, 6 classes", "TU ENZYMES (EC top-level class)"),
        Tu("nci1", "NCI1", "4,110 graphs, 29.9 nodes on average, 2 classes", "TU NCI1 (anti-cancer screen)"),
        Ogbg("ogbg-molbace", "1,513 graphs, 2 classes", "OGB BACE molecules (binary; scaffold split)"),
        Ogbg("ogbg-molbbbp", "2,039 graphs, 2 classes", "OGB BBBP molecules (binary; scaffold split)"),
    ];

    private static DatasetEntry Tu(string name, string tuName, string size, string description) =>
        new(name, GraphOnly, size, description, tuName, $"{tuName}/{tuName}_A.txt", ["tu", "."], (dir, cache) => new TUDataset(tuName, dir, cache: cache));

    private static DatasetEntry Ogbg(string name, string size, string description) =>
        new(name, GraphOnly, size, description, name.Replace('-', '_'), $"{name.Replace('-', '_')}/raw", ["ogb", "."],
            (dir, cache) => new OgbGraphPropPredDataset(name, dir, cache: cache));

    /// <summary>The entry named <paramref name="name"/> (case-insensitive; '_' and '-' are the same).</summary>
    /// <exception cref="CliException">No such data set; the message lists them.</exception>
    public static DatasetEntry Get(string name)
    {
        var key = name.Trim().ToLowerInvariant().Replace('_', '-');
        if (key == "citation-like") key = "citation-synth";
        return All.FirstOrDefault(e => e.Name == key)
            ?? throw new CliException($"unknown data set '{name}'; did you mean '{Config.EditDistance.Nearest(key, All.Select(e => e.Name))}'? built-in sets: {string.Join(", ", All.Select(e => e.Name))} (or --data PATH for your own)");
    }

    /// <summary>The raw folder of <paramref name="entry"/> under <paramref name="dataDir"/>: the first candidate holding its marker file.</summary>
    /// <exception cref="CliException">None of the candidate folders holds the files.</exception>
    public static string ResolveRawDir(DatasetEntry entry, string dataDir)
    {
        if (!Directory.Exists(dataDir))
            throw new CliException($"--data-dir {dataDir}: folder not found");
        var candidates = entry.SubFolders.Select(s => Path.GetFullPath(Path.Combine(dataDir, s))).ToList();
        foreach (var c in candidates)
        {
            if (!Directory.Exists(c)) continue;
            if (entry.Marker is null) return c;
            var m = Path.Combine(c, entry.Marker);
            if (File.Exists(m) || Directory.Exists(m)) return c;
            if (entry.Name == "karate" && (File.Exists(Path.Combine(c, "karate.adjlist")) || File.Exists(Path.Combine(c, "deepwalk_example_graphs_karate.adjlist")))) return c;
        }
        var what = entry.Marker ?? "its files";
        throw new CliException($"{entry.Name}: {what} not found under {string.Join(", ", candidates)}; point --data-dir at the folder holding the raw files, or omit it to use the download cache ({DownloadCache.DefaultRoot})");
    }

    /// <summary>Where the download cache keeps <paramref name="entry"/>'s files, and whether they are there.</summary>
    public static (string? Folder, bool Present) CacheStatus(DatasetEntry entry, DownloadCache cache)
    {
        if (entry.Synthetic) return (null, true);
        var folder = cache.FolderOf(entry.CacheFolder!);
        if (!Directory.Exists(folder)) return (folder, false);
        if (entry.Name == "karate") return (folder, File.Exists(Path.Combine(folder, "karate.adjlist")));
        var marker = entry.Marker is null ? folder : Path.Combine(folder, entry.Marker);
        return (folder, File.Exists(marker) || Directory.Exists(marker) || Directory.EnumerateFileSystemEntries(folder).Any(f => Path.GetFileName(f).StartsWith(entry.Marker ?? "", StringComparison.Ordinal)));
    }
}
