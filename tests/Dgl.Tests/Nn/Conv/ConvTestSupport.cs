namespace Dgl.Tests.Nn.Conv;

using Graph = Dgl.Graph;

/// <summary>Small graphs and naive references for the convolution tests.</summary>
internal static class ConvTestSupport
{
    // The 4-node graph of the hand-computed cases: 0→1, 1→2, 2→0, 3→0, 0→2, 2→2 (node 3 has no in-edge).
    public static readonly int[] Src4 = [0, 1, 2, 3, 0, 2];
    public static readonly int[] Dst4 = [1, 2, 0, 0, 2, 2];

    public static Graph Four() => Graph.Create(Src4, Dst4, 4);

    /// <summary>The same edges plus a self-loop on node 3, so every node has an in-edge.</summary>
    public static Graph FourWithLoop() => Graph.Create([.. Src4, 3], [.. Dst4, 3], 4);

    /// <summary>A random graph with every node reachable (a self-loop on each node plus random edges).</summary>
    public static Graph Random(int n, int extraEdges, int seed)
    {
        var rng = new Random(seed);
        var src = new List<int>();
        var dst = new List<int>();
        for (var i = 0; i < n; i++) { src.Add(i); dst.Add(i); }
        for (var k = 0; k < extraEdges; k++) { src.Add(rng.Next(n)); dst.Add(rng.Next(n)); }
        return Graph.Create(src.ToArray(), dst.ToArray(), n);
    }

    /// <summary>A block with 5 source and 3 destination nodes (destinations 0..2 are sources 0..2).</summary>
    public static Graph Block() => Graph.CreateBlock([0, 1, 3, 4, 2, 4, 1], [0, 0, 1, 1, 2, 2, 2], 5, 3);

    /// <summary>Sources (users) of <see cref="Bipartite"/>'s edges.</summary>
    public static readonly int[] BipSrc = [0, 1, 3, 2];

    /// <summary>Destinations (items) of <see cref="Bipartite"/>'s edges.</summary>
    public static readonly int[] BipDst = [1, 2, 2, 0];

    /// <summary>A bipartite relation user → item with 4 users and 3 items; item 2 gets two edges, item 0 one.</summary>
    public static Graph Bipartite() => Graph.CreateHetero(
        new Dictionary<CanonicalEdgeType, (IdArray, IdArray)> { [("user", "buys", "item")] = (BipSrc, BipDst) },
        new Dictionary<string, int>(StringComparer.Ordinal) { ["user"] = 4, ["item"] = 3 });

    public static Tensor Rand(int seed, params int[] shape) => Tensor.Uniform(new Shape(shape), -1, 1, DType.Float64, new Generator((ulong)seed));

    public static double[] D(Tensor t) => t.To(DType.Float64).ToArray<double>();

    /// <summary>In-edges of each destination as (source, edge id) from a graph's COO.</summary>
    public static List<(int Src, int Edge)>[] InEdges(Graph g)
    {
        var (s, d, _) = g.AllEdges("eid");
        var src = s.Int().ToArray<int>();
        var dst = d.Int().ToArray<int>();
        var n = g.NumDstNodes();
        var lists = new List<(int, int)>[n];
        for (var v = 0; v < n; v++) lists[v] = [];
        for (var e = 0; e < src.Length; e++) lists[dst[e]].Add((src[e], e));
        return lists;
    }

    public static void Close(double[] expected, double[] actual, double tol = 1e-9, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }
}
