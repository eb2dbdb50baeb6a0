namespace Dgl.Data.Tests;

public class AdapterTests
{
    [Fact]
    public void AsNodePredDatasetSplitsSeededAndDisjoint()
    {
        var source = new CitationLikeDataset(seed: 1);
        var a = new AsNodePredDataset(source, (0.6, 0.2, 0.2), seed: 5);
        var b = new AsNodePredDataset(source, (0.6, 0.2, 0.2), seed: 5);
        var n = source[0].NumNodes();
        Assert.Equal((int)(n * 0.6), a.TrainIdx.NumElements);
        Assert.Equal((int)(n * 0.2), a.ValIdx.NumElements);
        Assert.Equal(n, a.TrainIdx.NumElements + a.ValIdx.NumElements + a.TestIdx.NumElements);
        Assert.Equal(a.TrainIdx.ToArray<int>(), b.TrainIdx.ToArray<int>());
        Assert.Empty(a.TrainIdx.ToArray<int>().Intersect(a.TestIdx.ToArray<int>()));
        Assert.NotEqual(a.TrainIdx.ToArray<int>(), new AsNodePredDataset(source, (0.6, 0.2, 0.2), seed: 6).TrainIdx.ToArray<int>());
        // The source graph keeps its own masks.
        Assert.Equal(140, source[0].NData["train_mask"].ToArray<bool>().Count(x => x));
        var kept = new AsNodePredDataset(source);
        Assert.Equal(140, kept.TrainIdx.NumElements);
        Assert.Throws<ArgumentException>(() => new AsNodePredDataset(new BAShapeDataset()));
    }

    [Fact]
    public void AsLinkPredDatasetSplitsEdgesAndDrawsTrueNegatives()
    {
        var source = new CitationLikeDataset(seed: 2);
        var g = source[0];
        var lp = new AsLinkPredDataset(source, (0.8, 0.1, 0.1), negRatio: 2, seed: 3);
        var m = g.NumEdges();
        var nVal = (int)(m * 0.1);
        Assert.Equal((int)(m * 0.8), lp.TrainGraph.NumEdges());
        Assert.Equal(nVal, lp.ValEdges.Positive.Src.NumElements);
        Assert.Equal(m - (int)(m * 0.8) - nVal, lp.TestEdges.Positive.Src.NumElements);
        Assert.Equal(2 * nVal, lp.ValEdges.Negative.Src.NumElements);
        Assert.Equal(g.NumNodes(), lp.TrainGraph.NumNodes());
        Assert.True(lp.TrainGraph.NData.ContainsKey("feat"));
        var (s, d) = g.AllEdges("eid");
        var edges = new HashSet<(int, int)>(s.Int().ToArray<int>().Zip(d.Int().ToArray<int>()));
        var negS = lp.TestEdges.Negative.Src.ToArray<int>();
        var negD = lp.TestEdges.Negative.Dst.ToArray<int>();
        for (var k = 0; k < negS.Length; k++)
        {
            Assert.NotEqual(negS[k], negD[k]);
            Assert.DoesNotContain((negS[k], negD[k]), edges);
        }
        // Positives are real edges and the three positive sets partition the edges.
        var val = lp.ValEdges.Positive.Src.ToArray<int>().Zip(lp.ValEdges.Positive.Dst.ToArray<int>()).ToList();
        Assert.All(val, e => Assert.Contains(e, edges));
        var (ts, td) = lp.TrainGraph.AllEdges("eid");
        Assert.Equal(m, ts.NumElements + val.Count + lp.TestEdges.Positive.Src.NumElements);
    }

    [Fact]
    public void AsGraphPredDatasetAndLoader()
    {
        var mini = new MiniGCDataset(60, 10, 16, seed: 4);
        var split = new AsGraphPredDataset(mini, (0.5, 0.25, 0.25), seed: 1);
        Assert.Equal((30, 15, 15), (split.TrainIdx.Count, split.ValIdx.Count, split.TestIdx.Count));
        Assert.Equal(60, split.TrainIdx.Concat(split.ValIdx).Concat(split.TestIdx).Distinct().Count());
        Assert.Throws<ArgumentException>(() => new AsGraphPredDataset(mini));

        var loader = new GraphDataLoader(mini, batchSize: 16, shuffle: true, seed: 7, indices: split.TrainIdx);
        Assert.Equal(2, loader.Count);
        var batches = loader.ToList();
        Assert.Equal([16, 14], batches.Select(b => b.Graph.BatchSize));
        Assert.All(batches, b => Assert.Equal(b.Graph.BatchSize, b.Labels.Size(0)));
        // Each batched graph holds exactly its members' nodes, and labels line up with them.
        var members = batches.SelectMany(b => Enumerable.Range(0, b.Graph.BatchSize).Select(i => (b.Graph.BatchNumNodes().ToArray<int>()[i], b.Labels.ToArray<long>()[i]))).ToList();
        Assert.Equal(split.TrainIdx.Select(i => (mini[i].Graph.NumNodes(), mini[i].Label.Item<long>())).Order(), members.Order());
        Assert.All(batches, b => Assert.Equal(b.Graph.BatchNumNodes().ToArray<int>().Sum(), b.Graph.NumNodes()));
        // Passes differ, but a loader with the same seed repeats the same sequence of passes.
        var firstPass = batches.SelectMany(b => b.Labels.ToArray<long>()).ToArray();
        var secondPass = loader.SelectMany(b => b.Labels.ToArray<long>()).ToArray();
        Assert.Equal(30, secondPass.Length);
        var again = new GraphDataLoader(mini, batchSize: 16, shuffle: true, seed: 7, indices: split.TrainIdx);
        Assert.Equal(firstPass, again.SelectMany(b => b.Labels.ToArray<long>()).ToArray());
        Assert.Equal(secondPass, again.SelectMany(b => b.Labels.ToArray<long>()).ToArray());
        var firstOrder = batches.SelectMany(b => Enumerable.Range(0, b.Graph.BatchSize).Select(i => b.Graph.BatchNumNodes().ToArray<int>()[i])).ToArray();
        var secondOrder = loader.SelectMany(b => b.Graph.BatchNumNodes().ToArray<int>()).ToArray();
        Assert.NotEqual(firstOrder.Zip(firstPass), secondOrder.Zip(secondPass));
        var dropped = new GraphDataLoader(mini, batchSize: 16, dropLast: true);
        Assert.Equal(3, dropped.Count);
        Assert.Equal(3, dropped.Count());
    }
}
