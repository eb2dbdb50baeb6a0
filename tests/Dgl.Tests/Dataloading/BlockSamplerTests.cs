using Dgl.Dataloading;
using Dgl.Sampling;
using Dgl.Tests.Graph;
using Dgl.Tests.Sampling;

namespace Dgl.Tests.Dataloading;

using Graph = Dgl.Graph;

public class BlockSamplerTests
{
    internal static Graph FeatureGraph(int nodes = 300, int edges = 4000, int seed = 1)
    {
        var g = NeighborSamplingTests.TestGraph(nodes, edges, seed);
        g.NData["feat"] = Tensor.Randn([nodes, 5], generator: new Generator((ulong)seed));
        g.NData["label"] = Tensor.FromArray(Enumerable.Range(0, nodes).Select(v => (long)(v % 7)).ToArray());
        return g;
    }

    [Fact]
    public void NeighborSamplerBuildsAValidChainOfBlocksAndPrefetches()
    {
        var g = FeatureGraph();
        var sampler = new NeighborSampler([5, 4, 3], prefetchNodeFeats: ["feat"], prefetchLabels: ["label"], prefetchEdgeFeats: ["h"]);
        int[] seeds = [3, 17, 42, 99, 150, 151, 299];
        var batch = sampler.Sample(g, seeds, randomKey: 11);
        BlockChecks.AssertValid(g, batch, seeds, [5, 4, 3]);
        var input = Naive.Ints(batch.InputNodes);
        var feat = g.NData["feat"].ToArray<float>();
        Assert.Equal(input.SelectMany(v => feat.Skip(v * 5).Take(5)), batch.Blocks[0].SrcData["feat"].ToArray<float>());
        Assert.Equal(seeds.Select(v => (long)(v % 7)), batch.Blocks[^1].DstData["label"].ToArray<long>());
        foreach (var b in batch.Blocks) Assert.Equal(Naive.Ints(b.EData[Graph.EID]), Naive.RowOrigins(b.EData["h"]));
        // The same key gives the same blocks; another key other blocks.
        var again = sampler.Sample(g, seeds, randomKey: 11);
        Assert.Equal(input, Naive.Ints(again.InputNodes));
        Assert.NotEqual(input, Naive.Ints(sampler.Sample(g, seeds, randomKey: 12).InputNodes));
    }

    [Fact]
    public void WeightsAndMasksApplyAtEveryLayer()
    {
        var g = FeatureGraph();
        var w = g.EData["w"].ToArray<float>();
        var mask = g.EData["mask"].ToArray<bool>();
        int[] seeds = [1, 2, 3, 4, 5, 6, 7, 8];
        BlockChecks.AssertValid(g, new NeighborSampler([4, 4], prob: "w").Sample(g, seeds, 3), seeds, [4, 4], eligible: e => w[e] > 0);
        BlockChecks.AssertValid(g, new NeighborSampler([4, 4], mask: "mask").Sample(g, seeds, 3), seeds, [4, 4], eligible: e => mask[e]);
        Assert.Throws<ArgumentException>(() => new NeighborSampler([4], prob: "w", mask: "mask"));
    }

    [Fact]
    public void FullNeighborSamplerTakesEveryInEdge()
    {
        var g = FeatureGraph(100, 600);
        int[] seeds = [0, 10, 20];
        BlockChecks.AssertValid(g, new MultiLayerFullNeighborSampler(2).Sample(g, seeds), seeds, [-1, -1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiLayerFullNeighborSampler(0));
        Assert.Throws<ArgumentException>(() => new NeighborSampler([]));
    }

    [Fact]
    public void OutDirectionSamplesSuccessorsAndReversesTheBlockEdges()
    {
        var g = FeatureGraph();
        int[] seeds = [5, 6, 7];
        var batch = new NeighborSampler([3, 2], EdgeDirection.Out).Sample(g, seeds, 4);
        BlockChecks.AssertValid(g, batch, seeds, [3, 2], reversed: true);
    }

    [Fact]
    public void PrefetchOfAMissingFeatureNamesIt()
    {
        var g = FeatureGraph();
        var ex = Assert.Throws<ArgumentException>(() => new NeighborSampler([2], prefetchNodeFeats: ["nope"]).Sample(g, [1], 1));
        Assert.Contains("'nope'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'feat'", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new NeighborSampler([2], prefetchLabels: ["nope"]).Sample(g, [1], 1));
        Assert.Throws<ArgumentException>(() => new NeighborSampler([2], prefetchEdgeFeats: ["nope"]).Sample(g, [1], 1));
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => new NeighborSampler([2]).Sample(g, [1, 300], 1));
        Assert.Contains("300", range.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeterogeneousBlocksRespectFanoutPerEdgeType()
    {
        var g = Graph.CreateHetero(new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
        {
            [("user", "follows", "user")] = Naive.RandomEdges(40, 40, 500, 51),
            [("user", "plays", "game")] = Naive.RandomEdges(40, 15, 300, 52),
            [("game", "played-by", "user")] = Naive.RandomEdges(15, 40, 300, 53),
        });
        var fan = new Dictionary<EdgeTypeKey, int> { ["follows"] = 2, ["plays"] = 3, ["played-by"] = 1 };
        var sampler = new NeighborSampler([fan, fan]);
        var seeds = new Dictionary<string, IdArray>(StringComparer.Ordinal) { ["user"] = (int[])[0, 1, 2], ["game"] = (int[])[3] };
        var batch = sampler.Sample(g, SeedBatch.OfNodes(seeds, 9));
        Assert.Equal([0, 1, 2], Naive.Ints(batch.OutputNodesByType["user"]));
        Assert.Equal([3], Naive.Ints(batch.OutputNodesByType["game"]));
        Assert.Throws<InvalidOperationException>(() => batch.InputNodes);
        foreach (var b in batch.Blocks)
        {
            foreach (var (etype, k) in fan)
            {
                var ct = g.ToCanonicalEdgeType(etype);
                var (gs, gd) = g.AllEdges(etype: etype);
                var srcIds = Naive.Ints(b.SrcNodes[ct.SrcType].Data[Graph.NID]);
                var dstIds = Naive.Ints(b.DstNodes[ct.DstType].Data[Graph.NID]);
                Assert.Equal(dstIds, srcIds.Take(dstIds.Length).ToArray() is var pre && ct.SrcType == ct.DstType ? pre : dstIds);
                var (bs, bd) = b.AllEdges(etype: etype);
                var eids = Naive.Ints(b.Edges[etype].Data[Graph.EID]);
                for (var e = 0; e < eids.Length; e++)
                {
                    Assert.Equal(Naive.Ints(gs)[eids[e]], srcIds[Naive.Ints(bs)[e]]);
                    Assert.Equal(Naive.Ints(gd)[eids[e]], dstIds[Naive.Ints(bd)[e]]);
                }
                for (var v = 0; v < dstIds.Length; v++)
                {
                    var indeg = Naive.Ints(gd).Count(x => x == dstIds[v]);
                    Assert.Equal(Math.Min(k, indeg), Naive.Ints(bd).Count(x => x == v));
                }
            }
        }
    }

    [Fact]
    public void LaborSamplerBuildsValidBlocksWithFanoutInExpectation()
    {
        var g = Generators.BarabasiAlbert(2000, 6, new Generator(2));
        g.NData["feat"] = Tensor.Zeros([2000, 2]);
        var seeds = Enumerable.Range(0, 2000).Where(v => v % 13 == 0).ToArray();
        var sampler = new LaborSampler([5, 5], prefetchNodeFeats: ["feat"]);
        var batch = sampler.Sample(g, seeds, 5);
        BlockChecks.AssertValid(g, batch, seeds, [5, 5], exact: false);
        // Each seed keeps each of its d in-edges with probability min(1, 5/d): the total is a sum of independent
        // Bernoullis; check it with a z-test at the two-sided 1e-3 level.
        var last = batch.Blocks[^1];
        var inDeg = Naive.Ints(g.InDegrees());
        double mean = 0, variance = 0;
        foreach (var v in seeds)
        {
            var p = Math.Min(1, 5.0 / inDeg[v]);
            mean += inDeg[v] * p;
            variance += inDeg[v] * p * (1 - p);
        }
        var z = (last.NumEdges() - mean) / Math.Sqrt(variance);
        Assert.True(Math.Abs(z) < 3.29, $"{last.NumEdges()} edges, expected {mean:F1} (z = {z:F2})");
        // LABOR samples fewer distinct inputs than independent neighbour sampling with the same fanouts.
        var plain = new NeighborSampler([5, 5]).Sample(g, seeds, 5);
        Assert.True(batch.InputNodes.NumElements < plain.InputNodes.NumElements);
    }

    [Fact]
    public void LaborBatchDependencySharesVariatesBetweenNeighbouringBatches()
    {
        var g = Generators.BarabasiAlbert(1000, 5, new Generator(3));
        var ids = Enumerable.Range(0, 1000).ToArray();
        var dependent = new LaborSampler([4], batchDependency: 4);
        // The same seeds as batches 0 and 1 of one epoch: with κ = 4 the variates move a quarter of the way from the
        // group's first seed to its second, so most picks agree; independent batches share only chance picks.
        SeedBatch Seeds(int index) => SeedBatch.Of(ids, randomKey: RandomStream.Derive(9, index), index: index, epochKey: 77);
        var a = Naive.Ints(dependent.Sample(g, Seeds(0)).Blocks[0].EData[Graph.EID]).ToHashSet();
        var b = Naive.Ints(dependent.Sample(g, Seeds(1)).Blocks[0].EData[Graph.EID]).ToHashSet();
        var independent = new LaborSampler([4]);
        var c = Naive.Ints(independent.Sample(g, Seeds(0)).Blocks[0].EData[Graph.EID]).ToHashSet();
        var d = Naive.Ints(independent.Sample(g, Seeds(1)).Blocks[0].EData[Graph.EID]).ToHashSet();
        double Jaccard(HashSet<int> x, HashSet<int> y) => x.Intersect(y).Count() / (double)x.Union(y).Count();
        Assert.True(Jaccard(a, b) > Jaccard(c, d) + 0.2, $"dependent {Jaccard(a, b):F2} vs independent {Jaccard(c, d):F2}");
    }
}
