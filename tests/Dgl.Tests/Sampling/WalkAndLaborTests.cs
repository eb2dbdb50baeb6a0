using Dgl.Sampling;
using Dgl.Tests.Graph;

namespace Dgl.Tests.Sampling;

using Graph = Dgl.Graph;

public class RandomWalkTests
{
    private static void AssertFollowsEdges(Graph g, RandomWalkTraces walks, IReadOnlyList<EdgeTypeKey>? metapath = null)
    {
        var traces = walks.Traces.ToArray<int>();
        var eids = walks.EdgeIds.ToArray<int>();
        var (n, w) = (walks.Traces.Size(0), walks.Traces.Size(1));
        for (var i = 0; i < n; i++)
        {
            var ended = false;
            for (var k = 0; k + 1 < w; k++)
            {
                var (u, v, e) = (traces[i * w + k], traces[i * w + k + 1], eids[i * (w - 1) + k]);
                if (ended || v < 0)
                {
                    ended = true;
                    Assert.Equal(-1, v);
                    Assert.Equal(-1, e);
                    continue;
                }
                EdgeTypeKey? etype = metapath?[k];
                var (s, d) = g.FindEdges((int[])[e], etype);
                Assert.Equal(u, Naive.Ints(s)[0]);
                Assert.Equal(v, Naive.Ints(d)[0]);
            }
        }
    }

    [Fact]
    public void WalksFollowEdgesAndStopAtDeadEnds()
    {
        var (s, d) = Naive.RandomEdges(60, 60, 400, 21, isolatedTail: 6);
        var g = Graph.Create(s, d, 60);
        var starts = Enumerable.Range(0, 60).ToArray();
        var walks = g.RandomWalk(starts, length: 8, generator: new Generator(1));
        Assert.Equal([60, 9], walks.Traces.Shape.ToArray());
        Assert.Equal(starts, Enumerable.Range(0, 60).Select(i => walks.Traces.ToArray<int>()[i * 9]));
        AssertFollowsEdges(g, walks);
        // A node without out-edges ends the walk at once.
        var outDeg = Naive.Ints(g.OutDegrees());
        var dead = Array.FindIndex(outDeg, x => x == 0);
        Assert.True(dead >= 0);
        Assert.All(walks.Traces.ToArray<int>().Skip(dead * 9 + 1).Take(8), x => Assert.Equal(-1, x));
    }

    [Fact]
    public void TransitionsAreUniformOrFollowTheWeights()
    {
        var g = Generators.Star(4, bidirected: false);   // 0 → 1..4
        g.EData["p"] = Tensor.FromArray(new float[] { 1, 0, 2, 5 });
        var uniform = new long[4];
        var weighted = new long[4];
        var u = g.RandomWalk(new int[8000], length: 1, generator: new Generator(2)).Traces.ToArray<int>();
        var p = g.RandomWalk(new int[8000], length: 1, prob: "p", generator: new Generator(3)).Traces.ToArray<int>();
        for (var i = 0; i < 8000; i++)
        {
            uniform[u[2 * i + 1] - 1]++;
            weighted[p[2 * i + 1] - 1]++;
        }
        Stats.AssertFits(uniform, [0.25, 0.25, 0.25, 0.25], "uniform first step");
        Stats.AssertFits(weighted, [1 / 8.0, 0, 2 / 8.0, 5 / 8.0], "weighted first step");
    }

    [Fact]
    public void RestartStopsAfterEachStepWithItsProbability()
    {
        // On a cycle every node has a successor: a walk of at most 6 steps takes L steps with probability
        // (1-p)^(L-1)·p for L < 6 and (1-p)^5 for L = 6 (DGL: step, then stop with probability p).
        var g = Generators.Cycle(7, bidirected: false);
        const double p = 0.3;
        var traces = g.RandomWalk(new int[20_000], length: 6, restartProb: p, generator: new Generator(4)).Traces.ToArray<int>();
        var counts = new long[7];
        for (var i = 0; i < 20_000; i++)
        {
            var len = 0;
            while (len < 6 && traces[i * 7 + len + 1] >= 0) len++;
            counts[len]++;
        }
        var probs = new double[7];
        for (var l = 1; l < 6; l++) probs[l] = Math.Pow(1 - p, l - 1) * p;
        probs[6] = Math.Pow(1 - p, 5);
        Stats.AssertFits(counts, probs, "restart lengths");
        // Per-step probabilities: stop only after step 2.
        var stepwise = g.RandomWalk(new int[100], length: 4, restartProbs: [0, 0, 1, 0]).Traces.ToArray<int>();
        for (var i = 0; i < 100; i++)
        {
            Assert.True(stepwise[i * 5 + 3] >= 0);
            Assert.Equal(-1, stepwise[i * 5 + 4]);
        }
    }

    [Fact]
    public void MetapathWalksAlternateEdgeTypes()
    {
        var g = Graph.CreateHetero(new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
        {
            [("user", "buys", "item")] = Naive.RandomEdges(20, 15, 120, 31),
            [("item", "bought-by", "user")] = Naive.RandomEdges(15, 20, 120, 32),
        });
        EdgeTypeKey[] path = ["buys", "bought-by", "buys", "bought-by"];
        var walks = g.RandomWalk(Enumerable.Range(0, 20).ToArray(), metapath: path, generator: new Generator(5));
        var item = g.NodeTypes.ToList().IndexOf("item");
        var user = g.NodeTypes.ToList().IndexOf("user");
        Assert.Equal([user, item, user, item, user], walks.Types.ToArray<int>());
        AssertFollowsEdges(g, walks, path);
        var ex = Assert.Throws<ArgumentException>(() => g.RandomWalk([0], metapath: ["buys", "buys"]));
        Assert.Contains("does not start where", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => g.RandomWalk([0], length: 3));
        Assert.Throws<ArgumentException>(() => Generators.Path(3).RandomWalk([0]));
        Assert.Throws<ArgumentException>(() => Generators.Path(3).RandomWalk([0], length: 2, restartProbs: [0.5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Generators.Path(3).RandomWalk([7], length: 2));
    }

    [Fact]
    public void Node2VecReturnsWithProbabilityOneOverP()
    {
        // Path 0 - 1 - 2: from 0 the walk goes to 1; from 1 it returns to 0 (weight 1/p) or moves to 2, which is
        // not adjacent to 0 (weight 1/q).
        var g = Generators.Path(3);
        const double p = 0.5, q = 2;
        var traces = g.Node2VecRandomWalk(new int[10_000], p, q, 2, generator: new Generator(6)).Traces.ToArray<int>();
        var back = 0L;
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(1, traces[i * 3 + 1]);
            if (traces[i * 3 + 2] == 0) back++;
        }
        var pBack = (1 / p) / (1 / p + 1 / q);
        Stats.AssertFits([back, 10_000 - back], [pBack, 1 - pBack], "node2vec return");
    }

    [Fact]
    public void Node2VecStaysCloseWithWeightOne()
    {
        // Triangle 0-1-2 plus a tail 2-3: after 0 → 2, the next node is 0 (1/p), 1 (adjacent to 0: weight 1) or 3 (1/q).
        var g = Graph.Create([0, 1, 0, 2, 1, 2, 2, 3], [1, 0, 2, 0, 2, 1, 3, 2]);
        const double p = 2, q = 4;
        var walks = g.Node2VecRandomWalk(new int[30_000], p, q, 2, generator: new Generator(7));
        var t = walks.Traces.ToArray<int>();
        var counts = new long[4];
        for (var i = 0; i < 30_000; i++) if (t[i * 3 + 1] == 2) counts[t[i * 3 + 2]]++;
        var weights = new[] { 1 / p, 1.0, 0, 1 / q };
        Stats.AssertFits(counts, weights.Select(x => x / weights.Sum()).ToArray(), "node2vec second step");
        AssertFollowsEdges(g, walks);
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Node2VecRandomWalk([0], 0, 1, 2));
    }

    [Fact]
    public void PackTracesKeepsEachTracePrefix()
    {
        var traces = Tensor.FromArray(new[] { 0, 1, -1, 2, 3, 4 }, [2, 3]);
        var (nodes, types, lengths, offsets) = GraphSampling.PackTraces(traces, Tensor.FromArray(new[] { 0, 1, 0 }));
        Assert.Equal([0, 1, 2, 3, 4], nodes.ToArray<int>());
        Assert.Equal([0, 1, 0, 1, 0], types.ToArray<int>());
        Assert.Equal([2, 3], lengths.ToArray<int>());
        Assert.Equal([0, 2], offsets.ToArray<int>());
    }
}

public class PinSageTests
{
    [Fact]
    public void PinSageKeepsTheMostVisitedItemsOfEachSeed()
    {
        var (u, i) = Naive.RandomEdges(40, 25, 300, 41);
        var g = Graph.CreateHetero(new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
        {
            [("item", "bought-by", "user")] = (i, u),
            [("user", "buys", "item")] = (u, i),
        });
        var sampler = new PinSageSampler(g, "item", "user", numTraversals: 3, terminationProb: 0, numRandomWalks: 20, numNeighbors: 4);
        var seeds = Enumerable.Range(0, 25).Where(x => i.Contains(x)).ToArray();
        var ng = sampler.Sample(seeds, new Generator(1));
        Assert.Equal(["item"], ng.NodeTypes);
        var (s, d) = ng.AllEdges();
        var (src, dst) = (Naive.Ints(s), Naive.Ints(d));
        var counts = ng.EData["weights"].ToArray<long>();
        // Items reachable in one item → user → item round trip.
        var usersOf = Enumerable.Range(0, 25).ToDictionary(x => x, x => Enumerable.Range(0, u.Length).Where(e => i[e] == x).Select(e => u[e]).ToHashSet());
        foreach (var seed in seeds)
        {
            var mine = Enumerable.Range(0, src.Length).Where(e => dst[e] == seed).ToArray();
            Assert.InRange(mine.Length, 1, 4);
            // Most visited first; with no early termination every walk contributes 3 visits.
            for (var k = 1; k < mine.Length; k++) Assert.True(counts[mine[k - 1]] >= counts[mine[k]]);
            Assert.True(mine.Sum(e => counts[e]) <= 60);
            // Every neighbour is reachable from the seed in at most three item → user → item round trips.
            var reach = new HashSet<int> { seed };
            for (var round = 0; round < 3; round++)
                reach.UnionWith(reach.SelectMany(x => usersOf[x]).SelectMany(usr => usersOf.Where(kv => kv.Value.Contains(usr)).Select(kv => kv.Key)).ToArray());
            Assert.All(mine, e => Assert.Contains(src[e], reach));
        }
        Assert.Throws<ArgumentException>(() => new PinSageSampler(g, "item", "shop", 1, 0, 1, 1));
    }

    [Fact]
    public void RandomWalkNeighborSamplerCountsVisitsOnAHomogeneousGraph()
    {
        // A star 0 ↔ 1..4: two hops from a leaf always land on a leaf... through the hub; one hop from 0 on a leaf.
        var g = Generators.Star(4);
        var sampler = new RandomWalkNeighborSampler(g, numTraversals: 1, terminationProb: 0, numRandomWalks: 400, numNeighbors: 4);
        var ng = sampler.Sample([0], new Generator(2));
        var counts = ng.EData["weights"].ToArray<long>();
        Assert.Equal(400, counts.Sum());
        Assert.Equal(4, counts.Length);
        Stats.AssertFits([.. counts], [0.25, 0.25, 0.25, 0.25], "hub neighbours");
    }
}

public class LaborTests
{
    [Fact]
    public void LaborZeroKeepsEachEdgeWithProbabilityFanoutOverDegree()
    {
        // A seed with 20 in-neighbours and fanout 5: each edge is kept with probability 1/4, independently (the
        // neighbours' variates are independent), so across many independent keys each edge's keep count is binomial.
        var g = Graph.Create([.. Enumerable.Range(1, 20)], [.. Enumerable.Repeat(0, 20)], 21);
        const int trials = 4000;
        var counts = new long[20];
        long total = 0;
        for (var t = 0; t < trials; t++)
        {
            var (frontier, imp) = g.SampleLabors([0], 5, randomSeed: (ulong)(1000 + t));
            Assert.Null(imp[0]);
            foreach (var e in Naive.Ints(frontier.EData[Graph.EID])) counts[e]++;
            total += frontier.NumEdges();
        }
        Stats.AssertFits(counts, Enumerable.Repeat(1 / 20.0, 20).ToArray(), "LABOR-0 edges");
        // Mean picks per seed: 5, with variance 20·(1/4)(3/4): a z-test at the two-sided 1e-3 level.
        var z = (total / (double)trials - 5) / Math.Sqrt(20 * 0.25 * 0.75 / trials);
        Assert.True(Math.Abs(z) < 3.29, $"mean picks {total / (double)trials:F3}, z = {z:F2}");
    }

    [Fact]
    public void SeedsWithTheSameNeighboursPickTheSameOnes()
    {
        // Nodes 0 and 1 both have in-neighbours 2..31: with shared variates they keep exactly the same ones.
        int[] src = [.. Enumerable.Range(2, 30), .. Enumerable.Range(2, 30)];
        int[] dst = [.. Enumerable.Repeat(0, 30), .. Enumerable.Repeat(1, 30)];
        var g = Graph.Create(src, dst, 32);
        for (var t = 0; t < 20; t++)
        {
            var (f, _) = g.SampleLabors([0, 1], 6, randomSeed: (ulong)t);
            var (s, d) = f.AllEdges();
            var a = Naive.Ints(s).Where((_, e) => Naive.Ints(d)[e] == 0).Order().ToArray();
            var b = Naive.Ints(s).Where((_, e) => Naive.Ints(d)[e] == 1).Order().ToArray();
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void WeightedLaborSkipsZeroWeightsAndReturnsImportancesWithMeanOne()
    {
        var g = NeighborSamplingTests.TestGraph();
        var w = g.EData["w"].ToArray<float>();
        var seeds = Enumerable.Range(0, 100).ToArray();
        var (frontier, imp) = g.SampleLabors(seeds, 4, prob: "w", randomSeed: 3);
        var perSeed = NeighborSamplingTests.CheckFrontier(g, frontier, seeds);
        var weights = imp[0]!.ToArray<float>();
        Assert.Equal(weights, frontier.EData["edge_weights"].ToArray<float>());
        var eids = Naive.Ints(frontier.EData[Graph.EID]);
        Assert.All(eids, e => Assert.True(w[e] > 0));
        var (_, d) = frontier.AllEdges();
        var dst = Naive.Ints(d);
        foreach (var v in seeds)
        {
            var mine = Enumerable.Range(0, dst.Length).Where(e => dst[e] == v).Select(e => (double)weights[e]).ToArray();
            if (mine.Length > 0) Assert.Equal(1.0, mine.Average(), 4);
        }
        var (excluded, _) = g.SampleLabors(seeds, 4, excludeEdges: eids, randomSeed: 3);
        Assert.DoesNotContain(Naive.Ints(excluded.EData[Graph.EID]), eids.Contains);
    }

    [Fact]
    public void ImportanceSamplingStillKeepsEdgesOfTheSeeds()
    {
        var g = Generators.BarabasiAlbert(300, 4, new Generator(3));
        var seeds = Enumerable.Range(0, 300).Where(v => v % 5 == 0).ToArray();
        var (plain, _) = g.SampleLabors(seeds, 5, randomSeed: 11);
        var (iterated, imp) = g.SampleLabors(seeds, 5, importanceSampling: -1, randomSeed: 11);
        NeighborSamplingTests.CheckFrontier(g, iterated, seeds);
        Assert.NotNull(imp[0]);
        Assert.All(imp[0]!.ToArray<float>(), x => Assert.True(x > 0 && float.IsFinite(x)));
        // LABOR-* concentrates the picks on fewer distinct neighbours than LABOR-0 for a similar edge count.
        int Distinct(Graph f) => Naive.Ints(f.AllEdges().Src).Distinct().Count();
        Assert.True(Distinct(iterated) <= Distinct(plain) * 1.1, $"{Distinct(iterated)} vs {Distinct(plain)}");
    }
}

public class NegativeSamplingTests
{
    [Fact]
    public void GlobalUniformReturnsDistinctNonEdgesWithoutSelfLoops()
    {
        var g = Generators.RandomGraph(200, 6000, generator: new Generator(1));
        var edges = g.AllEdges();
        var set = new HashSet<(int, int)>(Naive.Ints(edges.Src).Zip(Naive.Ints(edges.Dst)));
        var (s, d) = g.GlobalUniformNegativeSampling(3000, generator: new Generator(2));
        var pairs = Naive.Ints(s).Zip(Naive.Ints(d)).ToArray();
        Assert.Equal(3000, pairs.Length);
        Assert.Equal(pairs.Length, pairs.Distinct().Count());
        Assert.All(pairs, p => Assert.DoesNotContain(p, set));
        Assert.All(pairs, p => Assert.NotEqual(p.First, p.Second));
        var (rs, _) = g.GlobalUniformNegativeSampling(3000, excludeSelfLoops: false, replace: true, generator: new Generator(3));
        Assert.Equal(3000, rs.NumElements);
    }

    [Fact]
    public void GlobalUniformIsUniformOverNonEdges()
    {
        // 3 nodes, edges 0→1 and 1→2: the non-edges without self-loops are 0→2, 1→0, 2→0, 2→1.
        var g = Graph.Create([0, 1], [1, 2]);
        var counts = new long[9];
        var gen = new Generator(4);
        for (var t = 0; t < 3000; t++)
        {
            // With so few draws (DGL's redundancy for one sample) a call may find none: then it returns none.
            var (s, d) = g.GlobalUniformNegativeSampling(1, replace: true, generator: gen);
            if (s.NumElements == 1) counts[s.ToArray<int>()[0] * 3 + d.ToArray<int>()[0]]++;
        }
        Stats.AssertFits(counts, [0, 0, 0.25, 0.25, 0, 0, 0.25, 0.25, 0], "non-edges");
    }

    [Fact]
    public void RedundancyMatchesDglsFormula()
    {
        // k = 1000 on a graph of density 0.1: roots of 0.81N² − 0.9(2000 + 0.9)N + 10⁶ = 0, larger root / k − 1.
        double pm = 0.1, pk = 0.9, k = 1000;
        var a = pk * pk;
        var b = -pk * (2 * k + 9 * pm);
        var c = k * k;
        var n = (-b + Math.Sqrt(b * b - 4 * a * c)) / (2 * a);
        Assert.Equal(n / k - 1, GraphSampling.Redundancy(1000, 100, 1000), 9);
    }
}
