using Dgl.Dataloading;
using Dgl.Tests.Graph;

namespace Dgl.Tests.Dataloading;

using Graph = Dgl.Graph;

public class EdgePredictionTests
{
    private static (int[] Src, int[] Dst) Edges(Graph g, EdgeTypeKey? etype = null)
    {
        var (s, d) = g.AllEdges(etype: etype);
        return (Naive.Ints(s), Naive.Ints(d));
    }

    [Fact]
    public void PairGraphsBlocksAndExclusionFitTogether()
    {
        // Undirected layout: the reverse of edge e is (e + M) mod 2M.
        var g = Generators.BarabasiAlbert(400, 4, new Generator(1));
        g.NData["feat"] = Tensor.Zeros([400, 3]);
        var m = g.NumEdges() / 2;
        var reverse = Enumerable.Range(0, 2 * m).Select(e => (e + m) % (2 * m)).ToArray();
        var (gs, gd) = Edges(g);
        var sampler = new NeighborSampler([4, 3], prefetchNodeFeats: ["feat"])
            .AsEdgePredictionSampler(EdgeExclusion.ReverseId, reverseEids: reverse, negativeSampler: NegativeSampler.Uniform(3));
        using var loader = new DataLoader<EdgePredictionBatch>(g, Enumerable.Range(0, 2 * m).ToArray(), sampler, batchSize: 64, shuffle: true, seed: 2, numWorkers: 2);
        var batches = 0;
        foreach (var (input, pos, neg, blocks) in loader)
        {
            if (batches++ >= 6) break;
            var eids = Naive.Ints(pos.EData[Graph.EID]);
            var nid = Naive.Ints(pos.NData[Graph.NID]);
            var (ps, pd) = Edges(pos);
            // The positive graph holds the batch's edges, over compacted nodes.
            for (var e = 0; e < eids.Length; e++)
            {
                Assert.Equal(gs[eids[e]], nid[ps[e]]);
                Assert.Equal(gd[eids[e]], nid[pd[e]]);
            }
            // Negatives: each positive source 3 times, over the same node set.
            Assert.NotNull(neg);
            Assert.Equal(nid, Naive.Ints(neg!.NData[Graph.NID]));
            var (ns, _) = Edges(neg);
            Assert.Equal(ps.SelectMany(x => Enumerable.Repeat(nid[x], 3)), ns.Select(x => nid[x]));
            // The blocks end at the pair graphs' nodes and never use a batch edge or its reverse.
            Assert.Equal(nid, Naive.Ints(blocks[^1].DstData[Graph.NID]));
            var excluded = eids.Concat(eids.Select(e => reverse[e])).ToHashSet();
            foreach (var b in blocks) Assert.DoesNotContain(Naive.Ints(b.EData[Graph.EID]), excluded.Contains);
            Assert.Equal(Naive.Ints(blocks[0].SrcData[Graph.NID]), Naive.Ints(input));
        }
    }

    [Fact]
    public void GlobalUniformNegativesAreNonEdgesAndSelfExclusionHoldsWithoutNegatives()
    {
        var g = Generators.RandomGraph(300, 3000, selfLoops: false, generator: new Generator(3));
        var (gs, gd) = Edges(g);
        var set = gs.Zip(gd).ToHashSet();
        var sampler = new NeighborSampler([5]).AsEdgePredictionSampler(EdgeExclusion.Self, negativeSampler: NegativeSampler.GlobalUniform(2));
        var batch = sampler.Sample(g, SeedBatch.Of(Enumerable.Range(100, 50).ToArray(), 4));
        var nid = Naive.Ints(batch.PairGraph.NData[Graph.NID]);
        var (ns, nd) = Edges(batch.NegativePairGraph!);
        Assert.Equal(100, ns.Length);
        Assert.All(ns.Zip(nd), p => Assert.DoesNotContain((nid[p.First], nid[p.Second]), set));
        foreach (var b in batch.Blocks) Assert.DoesNotContain(Naive.Ints(b.EData[Graph.EID]), e => e >= 100 && e < 150);

        var plain = new NeighborSampler([5]).AsEdgePredictionSampler().Sample(g, SeedBatch.Of((int[])[1, 2], 5));
        Assert.Null(plain.NegativePairGraph);
        Assert.Equal([1, 2], Naive.Ints(plain.PairGraph.EData[Graph.EID]));
        Assert.Throws<ArgumentException>(() => new NeighborSampler([5]).AsEdgePredictionSampler(EdgeExclusion.ReverseId));
        Assert.Throws<ArgumentOutOfRangeException>(() => plain.Blocks.Count > 0 ? new NeighborSampler([5]).AsEdgePredictionSampler().Sample(g, SeedBatch.Of((int[])[3000], 5)) : null);
    }

    [Fact]
    public void TrainingThroughTheEdgeLoaderRanksHeldOutLinksAboveNonEdges()
    {
        // Four planted communities of 40 nodes (links inside with p = 0.25, across with 0.01); 15% of the undirected
        // links are held out. Learned embeddings, one SAGEConv("mean") on the sampled blocks and a dot predictor,
        // trained only through the loader's pair graphs: if pair-graph node ids and block outputs did not line up,
        // the scores would be noise and the AUC would stay near 0.5.
        const int communities = 4, size = 40, n = communities * size;
        var rng = new Random(5);
        var train = new List<(int U, int V)>();
        var test = new List<(int U, int V)>();
        var linked = new HashSet<(int, int)>();
        for (var u = 0; u < n; u++)
        {
            for (var v = u + 1; v < n; v++)
            {
                if (rng.NextDouble() >= (u / size == v / size ? 0.25 : 0.01)) continue;
                linked.Add((u, v));
                (rng.NextDouble() < 0.15 ? test : train).Add((u, v));
            }
        }
        var m = train.Count;
        var src = train.Select(p => p.U).Concat(train.Select(p => p.V)).ToArray();
        var dst = train.Select(p => p.V).Concat(train.Select(p => p.U)).ToArray();
        var g = Graph.Create(src, dst, n);
        var reverse = Enumerable.Range(0, 2 * m).Select(e => (e + m) % (2 * m)).ToArray();
        var negatives = new List<(int U, int V)>();
        while (negatives.Count < test.Count)
        {
            int u = rng.Next(n), v = rng.Next(n);
            if (u != v && !linked.Contains((Math.Min(u, v), Math.Max(u, v)))) negatives.Add((u, v));
        }

        var gen = new Generator(7);
        var emb = new Dgl.Nn.Embedding(n, 16, generator: gen);
        var conv = new Dgl.Nn.SAGEConv(16, 16, "mean", generator: gen);
        var optimizer = new Dgl.Optim.Adam(emb.Parameters().Concat(conv.Parameters()), lr: 0.02);
        var sampler = new NeighborSampler([10]).AsEdgePredictionSampler(EdgeExclusion.ReverseId, reverseEids: reverse, negativeSampler: NegativeSampler.Uniform(1));
        using var loader = new DataLoader<EdgePredictionBatch>(g, Enumerable.Range(0, 2 * m).ToArray(), sampler, batchSize: 128, shuffle: true, seed: 3);
        static Tensor Scores(Tensor h, Tensor s, Tensor d) => (h.IndexSelect(0, s) * h.IndexSelect(0, d)).Sum(1);
        double HeldOutAuc()
        {
            using var noGrad = Dgl.Tensors.Autograd.GradMode.NoGrad();
            var h = conv.Forward(g, (Tensor)emb.Weight);
            var pairs = test.Concat(negatives).ToArray();
            var scores = Scores(h, Tensor.FromArray(pairs.Select(p => p.U).ToArray()), Tensor.FromArray(pairs.Select(p => p.V).ToArray()));
            return Dgl.Metrics.Classification.RocAuc(scores, Tensor.Cat([Tensor.Ones(test.Count), Tensor.Zeros(negatives.Count)], 0));
        }
        var before = HeldOutAuc();
        for (var epoch = 0; epoch < 30; epoch++)
        {
            foreach (var (input, pos, neg, blocks) in loader)
            {
                var h = conv.Forward(blocks[0], emb.Weight.IndexSelect(0, input));
                var (ps, pd) = pos.AllEdges();
                var (ns, nd) = neg!.AllEdges();
                var scores = Tensor.Cat([Scores(h, ps, pd), Scores(h, ns, nd)], 0);
                var labels = Tensor.Cat([Tensor.Ones(ps.Size(0)), Tensor.Zeros(ns.Size(0))], 0);
                var loss = Dgl.Nn.F.BinaryCrossEntropyWithLogits(scores, labels);
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
            }
        }

        var auc = HeldOutAuc();
        Assert.True(auc > 0.75 && auc > before + 0.2, $"held-out AUC {auc:F3} after training, {before:F3} before; expected well above chance (0.5) and above the untrained model");
    }

    [Fact]
    public void ReverseTypesExcludeTheSameIdsOfTheReverseRelation()
    {
        var (u, i) = Naive.RandomEdges(30, 20, 200, 71);
        var g = Graph.CreateHetero(new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
        {
            [("user", "clicks", "item")] = (u, i),
            [("item", "clicked-by", "user")] = (i, u),
        });
        var fan = new Dictionary<EdgeTypeKey, int> { ["clicks"] = 10, ["clicked-by"] = 10 };
        var sampler = new NeighborSampler([fan, fan]).AsEdgePredictionSampler(
            EdgeExclusion.ReverseTypes,
            reverseEtypes: new Dictionary<EdgeTypeKey, EdgeTypeKey> { ["clicks"] = "clicked-by", ["clicked-by"] = "clicks" },
            negativeSampler: NegativeSampler.PerSourceUniform(1));
        var seeds = Enumerable.Range(0, 60).ToArray();
        var batch = sampler.Sample(g, SeedBatch.OfEdges(g, new Dictionary<EdgeTypeKey, IdArray> { ["clicks"] = seeds }, 6));
        Assert.Equal(seeds, Naive.Ints(batch.PairGraph.Edges["clicks"].Data[Graph.EID]));
        Assert.Equal(0, batch.PairGraph.NumEdges("clicked-by"));
        Assert.Equal(60, batch.NegativePairGraph!.NumEdges("clicks"));
        foreach (var b in batch.Blocks)
        {
            Assert.DoesNotContain(Naive.Ints(b.Edges["clicks"].Data[Graph.EID]), e => e < 60);
            Assert.DoesNotContain(Naive.Ints(b.Edges["clicked-by"].Data[Graph.EID]), e => e < 60);
        }
    }
}

public class SubgraphSamplerTests
{
    /// <summary>Asserts sg is the subgraph of g induced on nodes (in that order): exactly the edges among them.</summary>
    private static void AssertInduced(Graph g, Graph sg, int[] nodes)
    {
        Assert.Equal(nodes, Naive.Ints(sg.NData[Graph.NID]));
        var pos = new Dictionary<int, int>();
        for (var i = 0; i < nodes.Length; i++) pos[nodes[i]] = i;
        var (gs, gd) = g.AllEdges();
        var expected = Naive.Ints(gs).Zip(Naive.Ints(gd)).Select((p, e) => (p, e)).Where(x => pos.ContainsKey(x.p.First) && pos.ContainsKey(x.p.Second)).Select(x => x.e).Order().ToArray();
        Assert.Equal(expected, Naive.Ints(sg.EData[Graph.EID]).Order());
        var (ss, sd) = sg.AllEdges();
        var eids = Naive.Ints(sg.EData[Graph.EID]);
        for (var e = 0; e < eids.Length; e++)
        {
            Assert.Equal(Naive.Ints(gs)[eids[e]], nodes[Naive.Ints(ss)[e]]);
            Assert.Equal(Naive.Ints(gd)[eids[e]], nodes[Naive.Ints(sd)[e]]);
        }
    }

    /// <summary>
    /// Without libmetis5 (CI installs it; a bare machine may not have it) the METIS tests check what the user then
    /// gets instead: the typed error that names the package. True when METIS is missing and that was checked.
    /// </summary>
    private static bool MissingMetisIsNamed(Action call)
    {
        if (Metis.IsAvailable) return false;
        var e = Assert.Throws<DllNotFoundException>(call);
        Assert.Contains("libmetis5", e.Message, StringComparison.Ordinal);
        return true;
    }

    [Fact]
    public void MetisPartitionsCoverEveryNodeInBalancedParts()
    {
        var g = Generators.Grid2D(30, 30);
        if (MissingMetisIsNamed(() => Metis.PartitionAssignment(g, 6))) return;
        var part = Metis.PartitionAssignment(g, 6).ToArray<int>();
        Assert.Equal(900, part.Length);
        Assert.All(part, p => Assert.InRange(p, 0, 5));
        var sizes = part.GroupBy(p => p).Select(x => x.Count()).ToArray();
        Assert.Equal(6, sizes.Length);
        // METIS's default tolerance is 3% imbalance; allow a node or two of rounding.
        Assert.All(sizes, s => Assert.InRange(s, 140, 900 / 6 * 1.03 + 2));
        // A grid cut into 6 parts cuts far fewer edges than a random split would (about 5/6 of them).
        var (s, d) = g.AllEdges();
        var cut = Naive.Ints(s).Zip(Naive.Ints(d)).Count(p => part[p.First] != part[p.Second]);
        Assert.True(cut < g.NumEdges() / 5, $"{cut} of {g.NumEdges()} edges cut");
        Assert.Equal(part, Metis.PartitionAssignment(g, 6).ToArray<int>());
        var recursive = Metis.PartitionAssignment(g, 4, mode: MetisMode.Recursive, balanceEdges: true).ToArray<int>();
        Assert.Equal(4, recursive.Distinct().Count());
    }

    [Fact]
    public void ClusterGcnBatchesAreSubgraphsInducedOnTheirParts()
    {
        var g = Generators.BarabasiAlbert(600, 3, new Generator(1));
        if (MissingMetisIsNamed(() => new ClusterGcnSampler(g, 10))) return;
        g.NData["feat"] = Tensor.Randn([600, 4], generator: new Generator(2));
        var sampler = new ClusterGcnSampler(g, 10, prefetchNdata: ["feat"]);
        var covered = new List<int>();
        for (var p = 0; p < 10; p++) covered.AddRange(sampler.PartitionNodes(p).ToArray());
        Assert.Equal(Enumerable.Range(0, 600), covered.Order());
        using var loader = new DataLoader<Graph>(g, Enumerable.Range(0, 10).ToArray(), sampler, batchSize: 3, shuffle: true, seed: 4);
        foreach (var sg in loader)
        {
            var nodes = Naive.Ints(sg.NData[Graph.NID]);
            AssertInduced(g, sg, nodes);
            Assert.Equal(nodes.SelectMany(v => g.NData["feat"].ToArray<float>().Skip(v * 4).Take(4)), sg.NData["feat"].ToArray<float>());
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(g, SeedBatch.Of((int[])[10])));
    }

    [Fact]
    public void ClusterGcnTakesAGivenAssignmentAndChecksIt()
    {
        var g = Generators.Path(10);
        var sampler = new ClusterGcnSampler(g, 2, partitionAssignment: (int[])[0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
        var sg = sampler.Sample(g, SeedBatch.Of((int[])[1]));
        AssertInduced(g, sg, [5, 6, 7, 8, 9]);
        Assert.Throws<ArgumentException>(() => new ClusterGcnSampler(g, 2, partitionAssignment: (int[])[0, 2, 0, 0, 0, 1, 1, 1, 1, 1]));
        Assert.Throws<ArgumentException>(() => new ClusterGcnSampler(g, 2, partitionAssignment: (int[])[0, 1]));
    }

    [Theory]
    [InlineData(SaintMode.Node)]
    [InlineData(SaintMode.Edge)]
    [InlineData(SaintMode.Walk)]
    public void SaintSubgraphsAreInducedOnDistinctSortedNodes(SaintMode mode)
    {
        var g = Generators.BarabasiAlbert(500, 3, new Generator(5));
        var sampler = new SaintSampler(mode, mode == SaintMode.Walk ? 20 : 100, walkLength: 3);
        using var loader = new DataLoader<Graph>(g, Enumerable.Range(0, 5).ToArray(), sampler, batchSize: 1, seed: 6);
        foreach (var sg in loader)
        {
            var nodes = Naive.Ints(sg.NData[Graph.NID]);
            Assert.True(nodes.Length > 0);
            Assert.Equal(nodes.Order().Distinct(), nodes);
            AssertInduced(g, sg, nodes);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new SaintSampler(SaintMode.Walk, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SaintSampler(SaintMode.Node, 0));
    }

    [Fact]
    public void SaintNodeDrawsFollowOutDegree()
    {
        // A star 0 → 1..4 plus 5 → 0: out-degrees 4, 0, 0, 0, 0, 1 (clamped to 1): node 0 weighs 4 of 9.
        var g = Graph.Create([0, 0, 0, 0, 5], [1, 2, 3, 4, 0]);
        var sampler = new SaintSampler(SaintMode.Node, 1);
        var counts = new long[6];
        using var loader = new DataLoader<Graph>(g, Enumerable.Range(0, 9000).ToArray(), sampler, batchSize: 1, seed: 7);
        foreach (var sg in loader) counts[Naive.Ints(sg.NData[Graph.NID])[0]]++;
        Dgl.Tests.Sampling.Stats.AssertFits(counts, [4 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0], "SAINT node draws");
    }

    [Fact]
    public void ShadowSubgraphStartsWithTheSeedsAndIsInducedOnTheSampledHops()
    {
        var g = Generators.BarabasiAlbert(500, 3, new Generator(8));
        g.NData["feat"] = Tensor.Zeros([500, 2]);
        var sampler = new ShaDowKHopSampler([3, 2], prefetchNodeFeats: ["feat"]);
        int[] seeds = [10, 20, 30];
        var (input, output, sg) = sampler.Sample(g, SeedBatch.Of(seeds, 3));
        var nodes = Naive.Ints(input);
        Assert.Equal(seeds, Naive.Ints(output));
        Assert.Equal(seeds, nodes.Take(3));
        AssertInduced(g, sg, nodes);
        // Every node is within two in-hops of a seed.
        var (gs, gd) = g.AllEdges();
        var hop1 = seeds.ToHashSet();
        hop1.UnionWith(Naive.Ints(gs).Where((_, e) => seeds.Contains(Naive.Ints(gd)[e])));
        var hop2 = hop1.ToHashSet();
        hop2.UnionWith(Naive.Ints(gs).Where((_, e) => hop1.Contains(Naive.Ints(gd)[e])));
        Assert.All(nodes, v => Assert.Contains(v, hop2));
        // The output hop adds at most 3·2 nodes, the input hop at most (3 + 6)·3.
        Assert.True(nodes.Length <= 3 + 3 * 2 + (3 + 6) * 3);
    }
}
