using Dgl.Tensors.IO;

namespace Dgl.Data.Tests.Datasets;

public class PlanetoidFilesTests
{
    [DataTheory("planetoid")]
    [InlineData("cora", 2708, 10556, 1433, 7, 140, 0)]
    [InlineData("citeseer", 3327, 9228, 3703, 6, 120, 124)]
    public void ProcessingMatchesDglCounts(string name, int nodes, int edges, int feats, int classes, int train, int selfLoops)
    {
        var folder = TestData.PathOf($"planetoid/{name}");
        var d = PlanetoidFiles.Load(folder, name);
        Assert.Equal((nodes, edges, feats, classes), (d.NumNodes, d.Src.Length, d.NumFeatures, d.NumClasses));
        Assert.Equal((train, 500, 1000), (d.Train.Length, d.Val.Length, d.Test.Length));
        Assert.Equal(selfLoops, d.Src.Where((s, i) => s == d.Dst[i]).Count());
        // Symmetric: every edge has its reverse.
        var set = new HashSet<(int, int)>(d.Src.Select((s, i) => (s, d.Dst[i])));
        Assert.All(set, e => Assert.Contains((e.Item2, e.Item1), set));

        // Independent reference: node test.index[i] carries tx row i, node v < len(allx) carries allx row v,
        // each row divided by its sum; labels are the one-hot argmax.
        var tx = (ScipySparseMatrix)Pickle.Load(PlanetoidFiles.PathOf(folder, name, "tx"))!;
        var allx = (ScipySparseMatrix)Pickle.Load(PlanetoidFiles.PathOf(folder, name, "allx"))!;
        var ty = ((NpyArray)Pickle.Load(PlanetoidFiles.PathOf(folder, name, "ty"))!).Tensor!;
        var testIndex = File.ReadAllLines(PlanetoidFiles.PathOf(folder, name, "test.index")).Select(int.Parse).ToArray();
        var txDense = tx.ToDense().ToArray<float>();
        var allxDense = allx.ToDense().ToArray<float>();
        void CheckRow(int node, float[] dense, int row)
        {
            var raw = dense.AsSpan(row * feats, feats).ToArray();
            var sum = raw.Sum(v => (double)v);
            for (var j = 0; j < feats; j++)
                Assert.Equal(sum == 0 ? 0 : raw[j] / sum, d.Features[(long)node * feats + j], 6);
        }
        foreach (var i in new[] { 0, 1, 17, 999 }) CheckRow(testIndex[i], txDense, i);
        foreach (var v in new[] { 0, 5, 140, allx.Rows - 1 }) CheckRow(v, allxDense, v);
        for (var i = 0; i < testIndex.Length; i += 37)
            Assert.Equal(Array.IndexOf(ty[i].ToArray<int>(), 1), d.Labels[testIndex[i]]);
        // CiteSeer's 15 ids in the test range without a row are zero rows with label 0.
        var missing = Enumerable.Range(allx.Rows, nodes - allx.Rows).Except(testIndex).ToArray();
        Assert.Equal(name == "citeseer" ? 15 : 0, missing.Length);
        Assert.All(missing, v => Assert.True(d.Features.AsSpan(v * feats, feats).IndexOfAnyExcept(0f) < 0));
    }

    [DataFact("planetoid/pubmed")]
    public void PubmedWithoutAllxNamesTheMissingFile()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => PlanetoidFiles.Load(TestData.PathOf("planetoid/pubmed"), "pubmed"));
        Assert.Contains("ind.pubmed.allx", ex.Message, StringComparison.Ordinal);
    }
}
