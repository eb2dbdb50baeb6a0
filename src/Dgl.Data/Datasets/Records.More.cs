using Dgl.Tensors.IO;

namespace Dgl.Data;

internal static partial class Records
{
    /// <summary>OGB graph-property graphs: per graph its edges (with inverses when the metadata says so), node
    /// <c>feat</c> and edge <c>feat</c>.</summary>
    public static List<GraphRecord> OgbGraphs(OgbRawGraph raw, bool addInverse)
    {
        var graphs = new List<GraphRecord>(raw.NumNodes.Length);
        int nodeStart = 0, edgeStart = 0;
        for (var g = 0; g < raw.NumNodes.Length; g++)
        {
            int n = raw.NumNodes[g], m = raw.NumEdges[g];
            var src = raw.Src.AsSpan(edgeStart, m);
            var dst = raw.Dst.AsSpan(edgeStart, m);
            int[] s, d;
            Tensor? ef;
            if (addInverse)
            {
                (s, d, ef) = AddInverse(src, dst, raw.EdgeFeat, edgeStart);
            }
            else
            {
                (s, d) = (src.ToArray(), dst.ToArray());
                ef = raw.EdgeFeat?.Slice(edgeStart, edgeStart + m).Clone();
            }
            var ndata = new List<KeyValuePair<string, Tensor>>();
            if (raw.NodeFeat is { } nf) ndata.Add(new("feat", nf.Slice(nodeStart, nodeStart + n).Clone()));
            var edata = new List<KeyValuePair<string, Tensor>>();
            if (ef is not null) edata.Add(new("feat", ef));
            graphs.Add(Homogeneous(n, s, d, ndata, edata));
            nodeStart += n;
            edgeStart += m;
        }
        return graphs;
    }

    /// <summary>The single graph of an OGB node- or link-property set (ids are global).</summary>
    public static GraphRecord OgbSingle(OgbRawGraph raw, bool addInverse)
    {
        if (raw.NumNodes.Length != 1)
            throw new DataFormatException($"an OGB node/link property data set has one graph; num-node-list.csv.gz lists {raw.NumNodes.Length}");
        return OgbGraphs(raw, addInverse)[0];
    }

    /// <summary>
    /// An RDF entity graph as a heterograph record: node types in order of first appearance, each type's nodes in
    /// global order; one relation per (source type, predicate, destination type) that occurs, its edges in global
    /// order; the target category gets <c>train_mask</c>, <c>test_mask</c>, <c>labels</c> and <c>label</c>.
    /// </summary>
    public static GraphRecord Rdf(RdfEntityData d)
    {
        var nt = d.NodeTypes.Count;
        var localId = new int[d.NodeType.Length];
        var counts = new long[nt];
        for (var v = 0; v < d.NodeType.Length; v++) localId[v] = (int)counts[d.NodeType[v]]++;
        var groups = new Dictionary<(int S, int E, int D), (List<int> Src, List<int> Dst)>();
        var order = new List<(int S, int E, int D)>();
        for (var e = 0; e < d.Src.Length; e++)
        {
            var key = (d.NodeType[d.Src[e]], d.EdgeType[e], d.NodeType[d.Dst[e]]);
            if (!groups.TryGetValue(key, out var lists))
            {
                groups[key] = lists = ([], []);
                order.Add(key);
            }
            lists.Src.Add(localId[d.Src[e]]);
            lists.Dst.Add(localId[d.Dst[e]]);
        }
        var rels = order.Select(k => new RelationRecord(k.S, d.EdgeTypes[k.E], k.D, [.. groups[k].Src], [.. groups[k].Dst])).ToArray();
        var ndata = new List<KeyValuePair<string, Tensor>>[nt];
        for (var t = 0; t < nt; t++) ndata[t] = [];
        var target = d.NodeTypes.IndexOf(d.PredictCategory);
        var n = (int)counts[target];
        var labels = Tensor.FromArray((long[])d.Labels.Clone());
        ndata[target].Add(new("train_mask", Mask(n, d.TrainIdx)));
        ndata[target].Add(new("test_mask", Mask(n, d.TestIdx)));
        ndata[target].Add(new("labels", labels));
        ndata[target].Add(new("label", labels.Clone()));
        return new GraphRecord([.. d.NodeTypes], counts, rels, ndata, [.. rels.Select(_ => new List<KeyValuePair<string, Tensor>>())]);
    }

    /// <summary>Zachary's karate club members of Mr. Hi's club (networkx's <c>club</c> attribute), 0-based.</summary>
    private static readonly int[] s_mrHi = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 16, 17, 19, 21];

    /// <summary>The karate club from DeepWalk's adjacency list: 34 nodes, 78 friendships in both directions,
    /// <c>label</c> 0 for Mr. Hi's club and 1 for the Officer's (as DGL's <c>KarateClubDataset</c>).</summary>
    public static GraphRecord Karate(string adjListPath)
    {
        var e = EdgeListFile.ReadAdjacencyList(adjListPath, idBase: 1);
        if (e.NumNodes != 34) throw new DataFormatException($"{adjListPath}: {e.NumNodes} nodes; Zachary's karate club has 34");
        var und = new UndirectedEdges(34);
        for (var k = 0; k < e.Src.Length; k++) und.Add(e.Src[k], e.Dst[k]);
        var (src, dst) = SortedDirected(und);
        var label = new long[34];
        for (var v = 0; v < 34; v++) label[v] = Array.IndexOf(s_mrHi, v) >= 0 ? 0 : 1;
        return Homogeneous(34, src, dst, [new("label", Tensor.FromArray(label))]);
    }

    /// <summary>
    /// DGL's <c>MiniGCDataset</c>: <paramref name="numGraphs"/> graphs, an eighth each of cycles, stars, wheels,
    /// lollipops, hypercubes, grids, cliques and circular ladders (labels 0–7), sizes drawn uniformly from
    /// [<paramref name="minNodes"/>, <paramref name="maxNodes"/>), undirected edges in both directions plus a
    /// self-loop on every node.
    /// </summary>
    public static (List<GraphRecord> Graphs, Tensor Labels) MiniGC(int numGraphs, int minNodes, int maxNodes, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minNodes, 8);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxNodes, minNodes);
        var rng = new Random(seed);
        var graphs = new List<GraphRecord>(numGraphs);
        var labels = new List<long>(numGraphs);
        var per = numGraphs / 8;
        for (var kind = 0; kind < 8; kind++)
        {
            var count = kind < 7 ? per : numGraphs - 7 * per;
            for (var i = 0; i < count; i++)
            {
                var n = rng.Next(minNodes, maxNodes);
                var g = kind switch
                {
                    0 => Shapes.Cycle(n),
                    1 => Shapes.Star(n - 1),
                    2 => Shapes.Wheel(n),
                    3 => Lollipop(n, rng),
                    4 => Shapes.Hypercube((int)Math.Log2(n)),
                    5 => Grid(n, rng),
                    6 => Shapes.Complete(n),
                    _ => Shapes.CircularLadder(n / 2),
                };
                var (src, dst) = g.Directed(selfLoops: true);
                graphs.Add(Homogeneous(g.NumNodes, src, dst));
                labels.Add(kind);
            }
        }
        return (graphs, Tensor.FromArray(labels.ToArray()));
    }

    private static UndirectedEdges Lollipop(int n, Random rng)
    {
        var path = rng.Next(2, n / 2);
        return Shapes.Lollipop(n - path, path);
    }

    private static UndirectedEdges Grid(int n, Random rng)
    {
        var rows = rng.Next(2, n / 2);
        return Shapes.Grid(rows, n / rows);
    }

    /// <summary>
    /// BA-Shapes (GNNExplainer): a Barabási–Albert base graph with house motifs (labels 1, 1, 2, 2, 3) attached to
    /// evenly spaced base nodes, plus random extra edges (<paramref name="perturbRatio"/> of the edges), every edge in
    /// both directions; <c>feat</c> is a column of ones.
    /// </summary>
    public static GraphRecord BAShapes(int baseNodes, int edgesPerNode, int motifs, double perturbRatio, int seed)
    {
        var rng = new Random(seed);
        var g = Shapes.BarabasiAlbert(baseNodes, edgesPerNode, rng);
        var labels = new List<long>(Enumerable.Repeat(0L, baseNodes));
        var n = baseNodes;
        var spacing = baseNodes / motifs;
        for (var m = 0; m < motifs; m++)
        {
            g.Add(n, n + 1); g.Add(n + 1, n + 2); g.Add(n + 2, n + 3); g.Add(n + 3, n); g.Add(n + 4, n); g.Add(n + 4, n + 1);
            labels.AddRange([1, 1, 2, 2, 3]);
            g.Add(n, m * spacing);
            n += 5;
        }
        Perturb(g, n, perturbRatio, rng);
        var (src, dst) = SortedDirected(g);
        return Homogeneous(n, src, dst, [new("label", Tensor.FromArray(labels.ToArray())), new("feat", Tensor.Ones(new Shape(n, 1)))]);
    }

    /// <summary>
    /// Tree-Cycles (GNNExplainer): a balanced binary tree of height <paramref name="treeHeight"/> with 6-cycles
    /// (label 1) attached to evenly spaced tree nodes (half of them by a second edge), plus random extra edges,
    /// every edge in both directions; <c>feat</c> is a column of ones.
    /// </summary>
    public static GraphRecord TreeCycles(int treeHeight, int motifs, int cycleSize, double perturbRatio, int seed)
    {
        var rng = new Random(seed);
        var g = Shapes.BalancedTree(2, treeHeight);
        var n = g.NumNodes;
        var labels = new List<long>(Enumerable.Repeat(0L, n));
        var spacing = n / motifs;
        for (var m = 0; m < motifs; m++)
        {
            for (var i = 0; i < cycleSize; i++) g.Add(n + i, n + (i + 1) % cycleSize);
            labels.AddRange(Enumerable.Repeat(1L, cycleSize));
            var anchor = m * spacing;
            g.Add(n, anchor);
            if (rng.NextDouble() > 0.5) g.Add(n + rng.Next(1, 4), anchor + rng.Next(1, 4));
            n += cycleSize;
        }
        Perturb(g, n, perturbRatio, rng);
        var (src, dst) = SortedDirected(g);
        return Homogeneous(n, src, dst, [new("label", Tensor.FromArray(labels.ToArray())), new("feat", Tensor.Ones(new Shape(n, 1)))]);
    }

    private static void Perturb(UndirectedEdges g, int n, double ratio, Random rng)
    {
        var extra = (int)(g.Count * ratio);
        for (var added = 0; added < extra;)
            if (g.Add(rng.Next(n), rng.Next(n))) added++;
    }

    /// <summary>
    /// DGL's <c>SBMMixtureDataset</c> graphs: each a symmetric SBM with <paramref name="communities"/> equal blocks,
    /// (p, q) drawn as in Appendix C of Chen et al. (q uniform in [0, d − √d], p = k·d − q, swapped with
    /// probability ½); <c>label</c> is the community.
    /// </summary>
    public static List<GraphRecord> SbmMixture(int numGraphs, int numNodes, int communities, double k, double avgDegree, int seed)
    {
        if (numNodes % communities != 0)
            throw new ArgumentException($"SBM: {numNodes} nodes do not split into {communities} equal communities", nameof(numNodes));
        var rng = new Random(seed);
        var graphs = new List<GraphRecord>(numGraphs);
        for (var i = 0; i < numGraphs; i++)
        {
            var q = rng.NextDouble() * (avgDegree - Math.Sqrt(avgDegree));
            var p = k * avgDegree - q;
            if (rng.NextDouble() >= 0.5) (p, q) = (q, p);
            var (edges, community) = Generators.StochasticBlockModel(communities, numNodes / communities, p, q, rng);
            var (src, dst) = SortedDirected(edges);
            graphs.Add(Homogeneous(numNodes, src, dst, [new("label", Tensor.FromArray(community))]));
        }
        return graphs;
    }
}
