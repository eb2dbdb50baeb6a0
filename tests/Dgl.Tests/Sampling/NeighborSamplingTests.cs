using Dgl.Sampling;
using Dgl.Tensors.Kernels;
using Dgl.Tests.Graph;

namespace Dgl.Tests.Sampling;

using Graph = Dgl.Graph;

public class NeighborSamplingTests
{
    /// <summary>A multigraph (parallel edges, self-loops, isolated nodes) with a weight feature that is 0 on about
    /// a quarter of the edges, and a bool mask.</summary>
    internal static Graph TestGraph(int nodes = 120, int edges = 2500, int seed = 1)
    {
        var (s, d) = Naive.RandomEdges(nodes, nodes, edges, seed, isolatedTail: 5);
        var g = Graph.Create(s, d, nodes);
        var rng = new Random(seed + 100);
        var w = new float[edges];
        var mask = new bool[edges];
        for (var e = 0; e < edges; e++)
        {
            w[e] = rng.Next(4) == 0 ? 0 : (float)(0.5 + rng.NextDouble() * 3);
            mask[e] = rng.Next(3) != 0;
        }
        g.EData["w"] = Tensor.FromArray(w);
        g.EData["mask"] = Tensor.FromArray(mask);
        g.EData["h"] = Naive.RowIds(edges, 2);
        g.NData["x"] = Naive.RowIds(nodes, 3);
        return g;
    }

    private static int[] Distinct(int n, int count, int seed) => [.. Enumerable.Range(0, n).OrderBy(_ => 0).Select(i => (i * 7919 + seed * 31) % n).Distinct().Take(count)];

    /// <summary>Checks a frontier against g: same nodes, each edge is the graph edge its EID names, every edge ends at
    /// a seed (starts, for out-edges), and returns each seed's picked edge ids.</summary>
    internal static Dictionary<int, List<int>> CheckFrontier(Graph g, Graph frontier, int[] seeds, EdgeDirection dir = EdgeDirection.In)
    {
        Assert.Equal(g.NumNodes(), frontier.NumNodes());
        var (gs, gd) = g.AllEdges();
        var (gsrc, gdst) = (Naive.Ints(gs), Naive.Ints(gd));
        var (fs, fd) = frontier.AllEdges();
        var (fsrc, fdst) = (Naive.Ints(fs), Naive.Ints(fd));
        var eids = Naive.Ints(frontier.EData[Graph.EID]);
        var seedSet = seeds.ToHashSet();
        var perSeed = seeds.Distinct().ToDictionary(v => v, _ => new List<int>());
        for (var e = 0; e < eids.Length; e++)
        {
            Assert.Equal(gsrc[eids[e]], fsrc[e]);
            Assert.Equal(gdst[eids[e]], fdst[e]);
            var seed = dir == EdgeDirection.In ? fdst[e] : fsrc[e];
            Assert.Contains(seed, seedSet);
            perSeed[seed].Add(eids[e]);
        }
        return perSeed;
    }

    private static List<int>[] InEdges(Graph g, EdgeDirection dir = EdgeDirection.In)
    {
        var (s, d) = g.AllEdges();
        var (src, dst) = (Naive.Ints(s), Naive.Ints(d));
        var lists = Enumerable.Range(0, g.NumNodes()).Select(_ => new List<int>()).ToArray();
        for (var e = 0; e < src.Length; e++) lists[dir == EdgeDirection.In ? dst[e] : src[e]].Add(e);
        return lists;
    }

    [Theory]
    [InlineData(EdgeDirection.In)]
    [InlineData(EdgeDirection.Out)]
    public void UniformSamplingPicksExistingDistinctEdgesUpToTheFanout(EdgeDirection dir)
    {
        var g = TestGraph();
        var seeds = Distinct(g.NumNodes(), 60, 3);
        var frontier = g.SampleNeighbors(seeds, 7, dir, generator: new Generator(1));
        var perSeed = CheckFrontier(g, frontier, seeds, dir);
        var all = InEdges(g, dir);
        foreach (var v in seeds)
        {
            Assert.Equal(Math.Min(7, all[v].Count), perSeed[v].Count);
            Assert.Equal(perSeed[v].Count, perSeed[v].Distinct().Count());
            Assert.All(perSeed[v], e => Assert.Contains(e, all[v]));
        }
    }

    [Fact]
    public void FanoutMinusOneTakesEveryEdgeAndZeroTakesNone()
    {
        var g = TestGraph();
        var seeds = Distinct(g.NumNodes(), 40, 5);
        var perSeed = CheckFrontier(g, g.SampleNeighbors(seeds, -1), seeds);
        var all = InEdges(g);
        foreach (var v in seeds) Assert.Equal(all[v], perSeed[v].Order());
        Assert.Equal(0, g.SampleNeighbors(seeds, 0).NumEdges());
    }

    [Fact]
    public void ReplacementGivesExactlyFanoutPicksToEverySeedWithEdges()
    {
        var g = TestGraph();
        var seeds = Distinct(g.NumNodes(), 50, 7);
        var perSeed = CheckFrontier(g, g.SampleNeighbors(seeds, 30, replace: true, generator: new Generator(2)), seeds);
        var all = InEdges(g);
        foreach (var v in seeds) Assert.Equal(all[v].Count == 0 ? 0 : 30, perSeed[v].Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ZeroProbabilityEdgesAreNeverPicked(bool replace)
    {
        var g = TestGraph();
        var w = g.EData["w"].ToArray<float>();
        var seeds = Distinct(g.NumNodes(), 80, 9);
        var all = InEdges(g);
        for (var trial = 0; trial < 5; trial++)
        {
            var perSeed = CheckFrontier(g, g.SampleNeighbors(seeds, 6, prob: "w", replace: replace, generator: new Generator((ulong)trial)), seeds);
            foreach (var v in seeds)
            {
                Assert.All(perSeed[v], e => Assert.True(w[e] > 0, $"edge {e} of weight 0 was picked"));
                var positive = all[v].Count(e => w[e] > 0);
                Assert.Equal(replace ? (positive > 0 ? 6 : 0) : Math.Min(6, positive), perSeed[v].Count);
                if (!replace) Assert.Equal(perSeed[v].Count, perSeed[v].Distinct().Count());
            }
        }
    }

    [Fact]
    public void ExcludedEdgesAreNeverPickedAndTheFanoutAppliesToTheRest()
    {
        var g = TestGraph();
        var seeds = Distinct(g.NumNodes(), 80, 11);
        var all = InEdges(g);
        var excluded = Enumerable.Range(0, g.NumEdges()).Where(e => e % 3 == 0).ToArray();
        var exSet = excluded.ToHashSet();
        foreach (var prob in new string?[] { null, "w" })
        {
            var w = g.EData["w"].ToArray<float>();
            var perSeed = CheckFrontier(g, g.SampleNeighbors(seeds, 5, prob: prob, excludeEdges: excluded, generator: new Generator(3)), seeds);
            foreach (var v in seeds)
            {
                Assert.DoesNotContain(perSeed[v], exSet.Contains);
                var eligible = all[v].Count(e => !exSet.Contains(e) && (prob is null || w[e] > 0));
                Assert.Equal(Math.Min(5, eligible), perSeed[v].Count);
            }
        }
        // A few exclusions use the sorted-array path rather than the bit set.
        var few = all[seeds[0]].Take(2).ToArray();
        var frontier = g.SampleNeighbors([seeds[0]], -1, excludeEdges: few);
        Assert.DoesNotContain(Naive.Ints(frontier.EData[Graph.EID]), few.Contains);
    }

    [Fact]
    public void FrontierCarriesEdgeFeaturesAndSharesNodeFeatures()
    {
        var g = TestGraph();
        var frontier = g.SampleNeighbors([1, 2, 3], 4, generator: new Generator(4));
        var eids = Naive.Ints(frontier.EData[Graph.EID]);
        Assert.Equal(eids, Naive.RowOrigins(frontier.EData["h"]));
        Assert.Same(g.NData["x"], frontier.NData["x"]);
        var bare = g.SampleNeighbors([1, 2, 3], 4, copyNodeData: false, copyEdgeData: false, generator: new Generator(4));
        Assert.False(bare.NData.ContainsKey("x"));
        Assert.Equal([Graph.EID], bare.EData.Keys);
    }

    [Fact]
    public void SameGeneratorStateGivesTheSameSampleOnAnyThreadCount()
    {
        var g = Generators.RandomGraph(20_000, 400_000, generator: new Generator(5));
        g.EData["w"] = Tensor.Rand([g.NumEdges()], generator: new Generator(6));
        var seeds = Enumerable.Range(0, 20_000).Where(v => v % 3 == 0).ToArray();
        int[] Run(int threads, string? prob)
        {
            var saved = Parallelism.MaxThreads;
            try
            {
                Parallelism.MaxThreads = threads;
                return Naive.Ints(g.SampleNeighbors(seeds, 10, prob: prob, generator: new Generator(7)).EData[Graph.EID]);
            }
            finally
            {
                Parallelism.MaxThreads = saved;
            }
        }
        Assert.Equal(Run(1, null), Run(4, null));
        Assert.Equal(Run(1, "w"), Run(3, "w"));
        Assert.NotEqual(Run(1, null), Naive.Ints(g.SampleNeighbors(seeds, 10, generator: new Generator(8)).EData[Graph.EID]));
    }

    [Fact]
    public void ASeedsPicksDependOnlyOnTheKeyAndItsPosition()
    {
        // Many seeds on a large graph take the bucketed visiting order; the first ten alone do not. Seed i draws from
        // the stream of (key, i) either way, so its picks must be the same.
        var g = Generators.RandomGraph(70_000, 700_000, generator: new Generator(12));
        var seeds = Enumerable.Range(0, 6000).Select(i => (int)((i * 2654435761L) % 70_000)).Distinct().ToArray();
        var all = g.SampleNeighbors(seeds, 4, generator: new Generator(13));
        var perSeed = CheckFrontier(g, all, seeds);
        var inEdges = InEdges(g);
        foreach (var v in seeds) Assert.Equal(Math.Min(4, inEdges[v].Count), perSeed[v].Count);
        var few = g.SampleNeighbors(seeds[..10], 4, generator: new Generator(13));
        var eidsAll = Naive.Ints(all.EData[Graph.EID]);
        var eidsFew = Naive.Ints(few.EData[Graph.EID]);
        Assert.Equal(eidsFew, eidsAll.Take(eidsFew.Length));
    }

    [Fact]
    public void HeterogeneousSamplingHonoursFanoutPerEdgeType()
    {
        var g = Graph.CreateHetero(new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
        {
            [("user", "follows", "user")] = Naive.RandomEdges(30, 30, 400, 12),
            [("user", "plays", "game")] = Naive.RandomEdges(30, 10, 300, 13),
            [("game", "played-by", "user")] = Naive.RandomEdges(10, 30, 300, 14),
        });
        var seeds = new Dictionary<string, IdArray>(StringComparer.Ordinal) { ["user"] = (int[])[0, 1, 2, 3], ["game"] = (int[])[4, 5] };
        var fanout = new Dictionary<EdgeTypeKey, int> { ["follows"] = 2, ["plays"] = 3, ["played-by"] = 1 };
        var frontier = g.SampleNeighbors(seeds, fanout, generator: new Generator(9));
        Assert.Equal(g.NodeTypes, frontier.NodeTypes);
        foreach (var (etype, k) in fanout)
        {
            var ct = g.ToCanonicalEdgeType(etype);
            var (gs, gd) = g.AllEdges(etype: etype);
            var (fs, fd) = frontier.AllEdges(etype: etype);
            var eids = Naive.Ints(frontier.Edges[etype].Data[Graph.EID]);
            Assert.Equal(Naive.Ints(gs).Where((_, e) => eids.Contains(e)).Count(), eids.Distinct().Count());
            for (var i = 0; i < eids.Length; i++)
            {
                Assert.Equal(Naive.Ints(gs)[eids[i]], Naive.Ints(fs)[i]);
                Assert.Equal(Naive.Ints(gd)[eids[i]], Naive.Ints(fd)[i]);
            }
            var dsts = seeds[ct.DstType].AsSpan().ToArray();
            foreach (var v in dsts)
            {
                var have = Naive.Ints(gd).Count(x => x == v);
                Assert.Equal(Math.Min(k, have), Naive.Ints(fd).Count(x => x == v));
            }
            Assert.All(Naive.Ints(fd), v => Assert.Contains(v, dsts));
        }
        var missing = Assert.Throws<ArgumentException>(() => g.SampleNeighbors(seeds, new Dictionary<EdgeTypeKey, int> { ["follows"] = 2 }));
        Assert.Contains("plays", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadInputFailsWithTheOffendingValue()
    {
        var g = TestGraph();
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => g.SampleNeighbors([3, 500], 2));
        Assert.Contains("500", range.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => g.SampleNeighbors([-1], 2));
        var unknown = Assert.Throws<ArgumentException>(() => g.SampleNeighbors([3], 2, prob: "nope"));
        Assert.Contains("'nope'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("'w'", unknown.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => g.SampleNeighbors([3], -2));
        var excl = Assert.Throws<ArgumentOutOfRangeException>(() => g.SampleNeighbors([3], 2, excludeEdges: (int[])[99_999]));
        Assert.Contains("99999", excl.Message, StringComparison.Ordinal);

        var w = g.EData["w"].ToArray<float>();
        var victim = InEdges(g)[7][0];
        w[victim] = -0.5f;
        g.EData["bad"] = Tensor.FromArray(w);
        var neg = Assert.Throws<ArgumentException>(() => g.SampleNeighbors([7], 2, prob: "bad"));
        Assert.Contains($"edge {victim}", neg.Message, StringComparison.Ordinal);
        Assert.Contains("-0.5", neg.Message, StringComparison.Ordinal);
        w[victim] = float.NaN;
        g.EData["nan"] = Tensor.FromArray(w);
        Assert.Throws<ArgumentException>(() => g.SampleNeighbors([7], 2, prob: "nan"));
        g.EData["ints"] = Tensor.FromArray(new int[g.NumEdges()]);
        Assert.Throws<TensorDTypeException>(() => g.SampleNeighbors([7], 2, prob: "ints"));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Distributions (chi-square at a fixed level; each seed occurrence samples independently)
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>A star: node 0 with in-edges from 1..d carrying the given weights.</summary>
    private static Graph InStar(float[] weights)
    {
        var d = weights.Length;
        var g = Graph.Create([.. Enumerable.Range(1, d)], [.. Enumerable.Repeat(0, d)], d + 1);
        g.EData["w"] = Tensor.FromArray(weights);
        return g;
    }

    /// <summary>The picked edge ids of each occurrence of seed 0 (trials of them), grouped per occurrence.</summary>
    private static List<int[]> Trials(Graph g, int trials, int fanout, string? prob, bool replace)
    {
        var frontier = g.SampleNeighbors(new int[trials], fanout, prob: prob, replace: replace, generator: new Generator(2024));
        var eids = Naive.Ints(frontier.EData[Graph.EID]);
        var per = eids.Length / trials;
        Assert.Equal(per * trials, eids.Length);
        return [.. Enumerable.Range(0, trials).Select(t => eids.AsSpan(t * per, per).ToArray())];
    }

    [Fact]
    public void UniformWithoutReplacementMakesEverySubsetEquallyLikely()
    {
        var g = InStar([1, 1, 1, 1, 1, 1]);
        var subsets = new Dictionary<int, long>();
        foreach (var t in Trials(g, 15_000, 2, null, false))
        {
            Assert.Equal(2, t.Distinct().Count());
            var key = (1 << t[0]) | (1 << t[1]);
            subsets[key] = subsets.GetValueOrDefault(key) + 1;
        }
        Assert.Equal(15, subsets.Count);
        Stats.AssertFits([.. subsets.Values], Enumerable.Repeat(1.0 / 15, 15).ToArray(), "uniform 2 of 6");
    }

    [Fact]
    public void UniformWithoutReplacementOfManyUsesTheBitSetPathCorrectly()
    {
        // 40 of 50: Floyd's algorithm with the bit set (more than 32 picks); each edge is in the sample w.p. 40/50.
        var g = InStar(Enumerable.Repeat(1f, 50).ToArray());
        var counts = new long[50];
        foreach (var t in Trials(g, 4000, 40, null, false))
        {
            Assert.Equal(40, t.Distinct().Count());
            foreach (var e in t) counts[e]++;
        }
        Stats.AssertFits(counts, Enumerable.Repeat(1.0 / 50, 50).ToArray(), "uniform 40 of 50 marginals");
    }

    [Fact]
    public void WeightedWithoutReplacementFollowsSuccessiveDraws()
    {
        // Weights 1, 2, 3, 4 and 0: pairs drawn one after the other without replacement (DGL's semantics).
        float[] w = [1, 2, 3, 4, 0];
        var g = InStar(w);
        var total = w.Sum();
        var keys = new List<(int, int)>();
        var probs = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            for (var j = i + 1; j < 4; j++)
            {
                keys.Add((i, j));
                probs.Add(w[i] / total * w[j] / (total - w[i]) + w[j] / total * w[i] / (total - w[j]));
            }
        }
        var counts = new long[keys.Count];
        foreach (var t in Trials(g, 20_000, 2, "w", false))
        {
            Assert.DoesNotContain(4, t);
            counts[keys.IndexOf((t.Min(), t.Max()))]++;
        }
        Stats.AssertFits(counts, probs, "weighted 2 of 4 without replacement");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("w")]
    [InlineData("mask")]
    public void WithReplacementEachDrawFollowsTheWeights(string? prob)
    {
        float[] w = [0.5f, 1, 0, 2.5f, 1, 3];
        bool[] mask = [true, false, true, true, false, true];
        var g = InStar(w);
        g.EData["mask"] = Tensor.FromArray(mask);
        var counts = new long[w.Length];
        foreach (var t in Trials(g, 5000, 3, prob, true))
            foreach (var e in t) counts[e]++;
        var weights = prob switch
        {
            null => Enumerable.Repeat(1.0, w.Length).ToArray(),
            "w" => w.Select(x => (double)x).ToArray(),
            _ => mask.Select(x => x ? 1.0 : 0).ToArray(),
        };
        Stats.AssertFits(counts, weights.Select(x => x / weights.Sum()).ToArray(), $"with replacement, prob={prob ?? "uniform"}");
    }

    [Fact]
    public void MaskWithoutReplacementIsUniformAmongTheTrueEdges()
    {
        var g = InStar([1, 1, 1, 1, 1]);
        g.EData["mask"] = Tensor.FromArray(new[] { true, false, true, true, true });
        var counts = new long[5];
        foreach (var t in Trials(g, 6000, 2, "mask", false))
            foreach (var e in t) counts[e]++;
        Stats.AssertFits(counts, [0.25, 0, 0.25, 0.25, 0.25], "mask 2 of 4");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Top-k
    // ---------------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SelectTopKKeepsTheBestEdgesOfEachNode(bool ascending)
    {
        var g = TestGraph();
        var w = g.EData["w"].ToArray<float>();
        var frontier = g.SelectTopK(3, "w", ascending: ascending);
        var perNode = CheckFrontier(g, frontier, [.. Enumerable.Range(0, g.NumNodes())]);
        var all = InEdges(g);
        for (var v = 0; v < g.NumNodes(); v++)
        {
            // Reference: stable sort of the node's in-edges by weight.
            var expected = (ascending ? all[v].OrderBy(e => w[e]) : all[v].OrderByDescending(e => w[e])).Take(3).ToArray();
            Assert.Equal(expected, perNode[v]);
        }
        var some = g.SelectTopK(-1, "w", nodes: (int[])[4, 5]);
        Assert.Equal(all[4].Count + all[5].Count, some.NumEdges());
        Assert.Throws<ArgumentException>(() => g.SelectTopK(2, "missing"));
    }
}
