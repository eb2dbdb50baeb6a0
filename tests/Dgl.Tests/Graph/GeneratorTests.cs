using Dgl.Tensors.Kernels;
using Dgl.Tests.Sampling;

namespace Dgl.Tests.Graph;

using Graph = Dgl.Graph;

public class GeneratorTests
{
    private static (int[] Src, int[] Dst) Edges(Graph g)
    {
        var (s, d) = g.AllEdges();
        return (Naive.Ints(s), Naive.Ints(d));
    }

    private static T WithThreads<T>(int threads, Func<T> body)
    {
        var saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;
            return body();
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    /// <summary>Every edge u→v of an undirected generator has its reverse at e ± M, and no edge repeats.</summary>
    private static void AssertBidirectedLayout(Graph g, bool allowLoopsAtEnd = false)
    {
        var (s, d) = Edges(g);
        var loops = allowLoopsAtEnd ? s.Zip(d).Count(p => p.First == p.Second) : 0;
        var m = (s.Length - loops) / 2;
        for (var e = 0; e < m; e++)
        {
            Assert.Equal(s[e], d[e + m]);
            Assert.Equal(d[e], s[e + m]);
            Assert.NotEqual(s[e], d[e]);
        }
        Assert.Equal(s.Length, s.Zip(d).Distinct().Count());
    }

    [Fact]
    public void RandomGraphHasExactlyMDistinctEdgesSortedByDestination()
    {
        var g = Generators.RandomGraph(500, 4000, generator: new Generator(1));
        Assert.Equal(500, g.NumNodes());
        Assert.Equal(4000, g.NumEdges());
        var (s, d) = Edges(g);
        Assert.Equal(4000, s.Zip(d).Distinct().Count());
        for (var e = 1; e < s.Length; e++) Assert.True((d[e - 1], s[e - 1]).CompareTo((d[e], s[e])) < 0);
        var noLoops = Generators.RandomGraph(50, 2000, selfLoops: false, generator: new Generator(2));
        var (s2, d2) = Edges(noLoops);
        Assert.DoesNotContain(s2.Zip(d2), p => p.First == p.Second);
        Assert.Equal(2000, s2.Zip(d2).Distinct().Count());
    }

    [Fact]
    public void RandomGraphDenseCaseTakesTheComplementAndStaysExact()
    {
        // 80 of 90 possible pairs: the dense path (leave 10 out).
        var g = Generators.RandomGraph(10, 80, selfLoops: false, generator: new Generator(3));
        var (s, d) = Edges(g);
        Assert.Equal(80, s.Zip(d).Distinct().Count());
        Assert.DoesNotContain(s.Zip(d), p => p.First == p.Second);
        Assert.Throws<ArgumentOutOfRangeException>(() => Generators.RandomGraph(10, 91, selfLoops: false));
    }

    [Fact]
    public void RandomGraphChoosesPairsUniformly()
    {
        // One edge among the 16 pairs of 4 nodes, 8000 times: each pair equally likely.
        var counts = new long[16];
        var gen = new Generator(4);
        for (var t = 0; t < 8000; t++)
        {
            var (s, d) = Edges(Generators.RandomGraph(4, 1, generator: gen));
            counts[s[0] * 4 + d[0]]++;
        }
        Stats.AssertFits(counts, Enumerable.Repeat(1.0 / 16, 16).ToArray(), "G(4, 1) pairs");
    }

    [Fact]
    public void GeneratorsDoNotDependOnThreadCount()
    {
        var a = WithThreads(1, () => Edges(Generators.Rmat(1 << 12, 200_000, generator: new Generator(5))));
        var b = WithThreads(4, () => Edges(Generators.Rmat(1 << 12, 200_000, generator: new Generator(5))));
        Assert.Equal(a.Src, b.Src);
        Assert.Equal(a.Dst, b.Dst);
        var c = WithThreads(1, () => Edges(Generators.RandomGraph(3000, 100_000, generator: new Generator(6))));
        var d = WithThreads(3, () => Edges(Generators.RandomGraph(3000, 100_000, generator: new Generator(6))));
        Assert.Equal(c.Src, d.Src);
        Assert.Equal(c.Dst, d.Dst);
    }

    [Fact]
    public void RmatQuadrantsFollowTheProbabilities()
    {
        const int levels = 10;
        var g = Generators.Rmat(1 << levels, 40_000, 0.57, 0.19, 0.19, permute: false, generator: new Generator(7));
        var (s, d) = Edges(g);
        Assert.Equal(40_000, s.Length);
        // The top bit of (source, destination) is the first level's quadrant.
        var counts = new long[4];
        for (var e = 0; e < s.Length; e++) counts[(s[e] >> (levels - 1)) * 2 + (d[e] >> (levels - 1))]++;
        Stats.AssertFits(counts, [0.57, 0.19, 0.19, 0.05], "R-MAT first-level quadrants");
        // The lowest bit is the last level's quadrant, drawn the same way.
        var low = new long[4];
        for (var e = 0; e < s.Length; e++) low[(s[e] & 1) * 2 + (d[e] & 1)]++;
        Stats.AssertFits(low, [0.57, 0.19, 0.19, 0.05], "R-MAT last-level quadrants");
    }

    [Fact]
    public void RmatRejectsIdsAboveTheNodeCountAndBadProbabilities()
    {
        var g = Generators.Rmat(1000, 20_000, generator: new Generator(8));
        var (s, d) = Edges(g);
        Assert.All(s.Concat(d), v => Assert.InRange(v, 0, 999));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Generators.Rmat(100, 10, a: 0.6, b: 0.3, c: 0.2));
        Assert.Contains("1.1", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Generators.Rmat(100, 10, a: -0.1));
    }

    [Fact]
    public void BarabasiAlbertAttachesEachNewNodeToMDistinctOlderNodes()
    {
        const int n = 300, m = 3;
        var g = Generators.BarabasiAlbert(n, m, new Generator(9));
        Assert.Equal(n, g.NumNodes());
        Assert.Equal(2 * (m + (n - m - 1) * m), g.NumEdges());
        AssertBidirectedLayout(g);
        var (s, d) = Edges(g);
        var half = s.Length / 2;
        var older = new Dictionary<int, List<int>>();
        for (var e = 0; e < half; e++)
        {
            if (s[e] <= m) continue;
            Assert.True(d[e] < s[e], $"edge {s[e]}->{d[e]} goes to a newer node");
            (older.TryGetValue(s[e], out var l) ? l : older[s[e]] = []).Add(d[e]);
        }
        for (var v = m + 1; v < n; v++) Assert.Equal(m, older[v].Distinct().Count());
    }

    [Fact]
    public void BarabasiAlbertPrefersHighDegreeNodes()
    {
        // Preferential attachment: early nodes end up with far higher degrees than late ones.
        var g = Generators.BarabasiAlbert(3000, 2, new Generator(10));
        var deg = Naive.Ints(g.InDegrees());
        Assert.True(deg.Take(10).Average() > 5 * deg.Skip(2000).Average());
    }

    [Fact]
    public void StochasticBlockModelEdgeCountsMatchTheProbabilities()
    {
        int[] sizes = [150, 250];
        double[,] p = { { 0.08, 0.01 }, { 0.01, 0.05 } };
        var g = Generators.StochasticBlockModel(sizes, p, generator: new Generator(11));
        AssertBidirectedLayout(g);
        Assert.Equal(Enumerable.Repeat(0L, 150).Concat(Enumerable.Repeat(1L, 250)), g.NData["block"].ToArray<long>());
        var (s, d) = Edges(g);
        var counts = new long[2, 2];
        for (var e = 0; e < s.Length / 2; e++) counts[s[e] < 150 ? 0 : 1, d[e] < 150 ? 0 : 1]++;
        // Pairs per block pair (undirected, no self-loops) and a z-test at the two-sided 1e-3 level (|z| < 3.29).
        double[,] pairs = { { 150.0 * 149 / 2, 150.0 * 250 }, { 0, 250.0 * 249 / 2 } };
        foreach (var (i, j) in new[] { (0, 0), (0, 1), (1, 1) })
        {
            var observed = counts[i, j] + (i != j ? counts[j, i] : 0);
            var mean = pairs[i, j] * p[i, j];
            var z = (observed - mean) / Math.Sqrt(pairs[i, j] * p[i, j] * (1 - p[i, j]));
            Assert.True(Math.Abs(z) < 3.29, $"block pair ({i}, {j}): {observed} edges, expected {mean:F1} (z = {z:F2})");
        }
    }

    [Fact]
    public void StochasticBlockModelChecksItsMatrix()
    {
        var ex = Assert.Throws<ArgumentException>(() => Generators.StochasticBlockModel([2, 2], new double[,] { { 0.5, 0.1 }, { 0.2, 0.5 } }));
        Assert.Contains("symmetric", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Generators.StochasticBlockModel([2, 2], new double[,] { { 1.5, 0 }, { 0, 1 } }));
        Assert.Throws<ArgumentException>(() => Generators.StochasticBlockModel([2], new double[,] { { 0.5, 0 }, { 0, 1 } }));
        var directed = Generators.StochasticBlockModel([10, 10], new double[,] { { 1, 0 }, { 1, 0 } }, directed: true);
        // Block 0 → 0 complete without loops (90) and block 1 → block 0 complete (100).
        Assert.Equal(190, directed.NumEdges());
    }

    [Fact]
    public void GridStarCompletePathCycleHaveTheirExactEdges()
    {
        var grid = Generators.Grid2D(3, 4);
        Assert.Equal(12, grid.NumNodes());
        Assert.Equal(2 * (3 * 3 + 2 * 4), grid.NumEdges());
        AssertBidirectedLayout(grid);
        Assert.Equal([1, 4], Naive.Ints(grid.Successors(0)).Order());
        Assert.Equal([1, 4, 6, 9], Naive.Ints(grid.Successors(5)).Order());
        var torus = Generators.Grid2D(3, 3, periodic: true);
        Assert.All(Naive.Ints(torus.InDegrees()), x => Assert.Equal(4, x));
        AssertBidirectedLayout(torus);

        var star = Generators.Star(5);
        Assert.Equal(6, star.NumNodes());
        Assert.Equal([1, 2, 3, 4, 5], Naive.Ints(star.Successors(0)).Order());
        Assert.Equal(5, Generators.Star(5, bidirected: false).NumEdges());

        var k5 = Generators.Complete(5);
        Assert.Equal(20, k5.NumEdges());
        AssertBidirectedLayout(k5);

        var path = Generators.Path(4);
        Assert.Equal([0, 1, 2, 1, 2, 3], Edges(path).Src);
        Assert.Equal(3, Generators.Path(4, bidirected: false).NumEdges());

        var cycle = Generators.Cycle(5, bidirected: false);
        Assert.Equal([1, 2, 3, 4, 0], Edges(cycle).Dst);
        Assert.Equal(10, Generators.Cycle(5).NumEdges());
        Assert.Throws<ArgumentOutOfRangeException>(() => Generators.Cycle(2));
    }

    [Fact]
    public void SyntheticProductsHasTheSizeStructureAndDataItClaims()
    {
        var g = Generators.SyntheticProducts(0.002, seed: 3);
        var n = (int)Math.Round(Generators.ProductsNodes * 0.002);
        var m = 2 * (int)Math.Round(Generators.ProductsEdges * 0.002 / 2);
        Assert.Equal(n, g.NumNodes());
        Assert.Equal(m, g.NumEdges());
        var (s, d) = Edges(g);
        var set = new HashSet<(int, int)>(s.Zip(d));
        Assert.Equal(m, set.Count);                                  // simple
        Assert.All(set, e => Assert.NotEqual(e.Item1, e.Item2));       // no self-loops
        Assert.All(set, e => Assert.Contains((e.Item2, e.Item1), set)); // symmetric
        for (var e = 1; e < s.Length; e++) Assert.True((d[e - 1], s[e - 1]).CompareTo((d[e], s[e])) < 0, "edges sorted by destination, then source");

        Assert.Equal([n, Generators.ProductsFeatures], g.NData["feat"].Shape.ToArray());
        var label = g.NData["label"].ToArray<long>();
        Assert.All(label, c => Assert.InRange(c, 0, Generators.ProductsClasses - 1));
        var train = g.NData["train_mask"].ToArray<bool>();
        var val = g.NData["val_mask"].ToArray<bool>();
        var test = g.NData["test_mask"].ToArray<bool>();
        for (var v = 0; v < n; v++) Assert.Equal(1, (train[v] ? 1 : 0) + (val[v] ? 1 : 0) + (test[v] ? 1 : 0));
        Assert.Equal((int)Math.Round(0.08 * n), train.Count(x => x));
        Assert.Equal((int)Math.Round(0.016 * n), val.Count(x => x));

        // Planted homophily: far more same-label edges than the 1 - sum(p_c^2) chance level.
        var same = s.Zip(d).Count(e => label[e.First] == label[e.Second]) / (double)m;
        var shares = label.GroupBy(c => c).Select(grp => grp.Count() / (double)n).ToArray();
        var chance = shares.Sum(x => x * x);
        Assert.True(same > 3 * chance, $"edge homophily {same:F3} vs chance {chance:F3}");
    }

    [Fact]
    public void SyntheticProductsIsDeterministicAcrossThreadCountsAndSeeds()
    {
        var a = WithThreads(1, () => Generators.SyntheticProducts(0.002, seed: 9));
        var b = WithThreads(4, () => Generators.SyntheticProducts(0.002, seed: 9));
        Assert.Equal(Edges(a).Src, Edges(b).Src);
        Assert.Equal(Edges(a).Dst, Edges(b).Dst);
        Assert.Equal(a.NData["feat"].ToArray<float>(), b.NData["feat"].ToArray<float>());
        Assert.Equal(a.NData["label"].ToArray<long>(), b.NData["label"].ToArray<long>());
        var c = Generators.SyntheticProducts(0.002, seed: 10);
        Assert.NotEqual(Edges(a).Src, Edges(c).Src);
        Assert.Throws<ArgumentOutOfRangeException>(() => Generators.SyntheticProducts(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Generators.SyntheticProducts(1e-6));
    }
}
