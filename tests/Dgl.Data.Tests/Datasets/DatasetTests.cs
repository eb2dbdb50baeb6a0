namespace Dgl.Data.Tests.Datasets;

/// <summary>The public data sets against SOURCES.md counts and DGL's published statistics.</summary>
public class DatasetTests
{
    private static DownloadCache Cache() => new(TestData.TempFolder());

    private static int Count(Tensor mask) => mask.Bool().ToArray<bool>().Count(b => b);

    [DataFact("planetoid/cora")]
    public void Cora()
    {
        var cache = Cache();
        var ds = new CoraGraphDataset(TestData.PathOf("planetoid/cora"), cache: cache);
        var g = ds[0];
        Assert.Equal((2708, 10556), (g.NumNodes(), g.NumEdges()));
        Assert.Equal(7, ds.NumClasses);
        Assert.Equal([2708, 1433], g.NData["feat"].Shape.ToArray());
        Assert.Equal((140, 500, 1000), (Count(g.NData["train_mask"]), Count(g.NData["val_mask"]), Count(g.NData["test_mask"])));
        Assert.Equal(DType.Int64, g.NData["label"].DType);
        // The second load reads the processed cache and gives the same graph.
        var cached = Directory.GetFiles(cache.Root, "*.dglnet", SearchOption.AllDirectories);
        Assert.Single(cached);
        var again = new CoraGraphDataset(TestData.PathOf("planetoid/cora"), cache: cache)[0];
        Assert.Equal(g.NData["feat"].ToArray<float>(), again.NData["feat"].ToArray<float>());
        Assert.Equal(g.AllEdges("eid").Src.Int().ToArray<int>(), again.AllEdges("eid").Src.Int().ToArray<int>());
    }

    [DataFact("planetoid/citeseer")]
    public void Citeseer()
    {
        var ds = new CiteseerGraphDataset(TestData.PathOf("planetoid/citeseer"), cache: Cache());
        Assert.Equal((3327, 9228, 6), (ds[0].NumNodes(), ds[0].NumEdges(), ds.NumClasses!.Value));
        Assert.Equal(120, Count(ds[0].NData["train_mask"]));
    }

    [DataFact("planetoid/pubmed")]
    public void PubmedOfflineNamesTheMissingFile()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => new PubmedGraphDataset(TestData.PathOf("planetoid/pubmed"), cache: Cache()));
        Assert.Contains("ind.pubmed.allx", ex.Message, StringComparison.Ordinal);
    }

    [DataFact("gnn-benchmark-npz/cora.npz")]
    public void GnnBenchmarkNpz()
    {
        var ds = new GnnBenchmarkDataset("cora", TestData.PathOf("gnn-benchmark-npz"), cache: Cache());
        Assert.Equal(2708, ds[0].NumNodes());
        Assert.Equal(7, ds.NumClasses);
        var offline = Assert.Throws<FileNotFoundException>(() => new AmazonCoBuyComputerDataset(TestData.PathOf("gnn-benchmark-npz"), cache: Cache()));
        Assert.Contains("amazon_co_buy_computer.npz", offline.Message, StringComparison.Ordinal);
    }

    [DataFact("karate")]
    public void KarateClub()
    {
        var ds = new KarateClubDataset(TestData.PathOf("karate"));
        Assert.Equal((34, 156, 2), (ds[0].NumNodes(), ds[0].NumEdges(), ds.NumClasses!.Value));
    }

    [DataTheory("tu")]
    [InlineData("MUTAG", 188, 2)]
    [InlineData("ENZYMES", 600, 6)]
    public void TU(string name, int graphs, int classes)
    {
        var ds = new TUDataset(name, TestData.PathOf("tu"), cache: Cache());
        Assert.Equal((graphs, classes), (ds.Count, ds.NumClasses!.Value));
        var (g, label) = ds[0];
        Assert.Equal(0, label.Rank);
        Assert.True(g.NData.ContainsKey("node_labels"));
        if (name == "ENZYMES") Assert.Equal(18, g.NData["node_attr"].Size(1));
    }

    [DataFact("gin_dgcnn_format/MUTAG")]
    public void GIN()
    {
        var ds = new GINDataset("MUTAG", selfLoop: true, rawDir: TestData.PathOf("gin_dgcnn_format"), cache: Cache());
        Assert.Equal((188, 2), (ds.Count, ds.NumClasses!.Value));
        Assert.Equal(3371 + 7442, ds.Graphs.Sum(g => g.NumEdges()));
        var (train, test) = ds.Fold(1);
        Assert.Equal((170, 18), (train.Length, test.Length));
    }

    [DataFact("ogb/ogbg_molbace")]
    public void OgbGraphProp()
    {
        var ds = new OgbGraphPropPredDataset("ogbg-molbace", TestData.PathOf("ogb"), cache: Cache());
        Assert.Equal(1513, ds.Count);
        Assert.Equal(2 * 55768, ds.Graphs.Sum(g => g.NumEdges()));
        Assert.Equal((1210, 151, 152), (ds.GetIdxSplit()["train"].Length, ds.GetIdxSplit()["valid"].Length, ds.GetIdxSplit()["test"].Length));
        Assert.Equal("rocauc", ds.EvalMetric);
        Assert.Equal([1513, 1], ds.Labels.Shape.ToArray());
        var esol = new OgbGraphPropPredDataset("ogbg-molesol", TestData.PathOf("ogb"), cache: Cache());
        Assert.Null(esol.NumClasses);
        Assert.Equal(DType.Float32, esol.Labels.DType);
    }

    [DataFact("ogb/ogbl_ddi")]
    public void OgbLinkProp()
    {
        var ds = new OgbLinkPropPredDataset("ogbl-ddi", TestData.PathOf("ogb"), cache: Cache());
        Assert.Equal((4267, 2 * 1067911), (ds[0].NumNodes(), ds[0].NumEdges()));
        var split = ds.GetEdgeSplit();
        Assert.Equal(1067911, split["train"]["edge"].Size(0));
        Assert.Equal(133489, split["valid"]["edge"].Size(0));
        Assert.Equal(101882, split["valid"]["edge_neg"].Size(0));
        Assert.Equal(95599, split["test"]["edge_neg"].Size(0));
        var lp = new AsLinkPredDataset(ds);
        Assert.Equal(133489, lp.ValEdges.Positive.Src.NumElements);
    }

    [DataFact("rgcn_aifb")]
    public void Aifb()
    {
        var ds = new AifbDataset(TestData.PathOf("rgcn_aifb"), cache: Cache());
        var g = ds[0];
        Assert.Equal("Personen", ds.PredictCategory);
        Assert.Equal(7262, g.NodeTypes.Sum(t => g.NumNodes(t)));
        Assert.Equal(48810, g.CanonicalEdgeTypes.Sum(t => g.NumEdges(t)));
        Assert.Equal(140, Count(g.Nodes["Personen"].Data["train_mask"]));
        Assert.Equal(4, ds.NumClasses);
    }

    [DataFact("rgcn_mutag")]
    public void Mutag()
    {
        var ds = new MutagDataset(TestData.PathOf("rgcn_mutag"), cache: Cache());
        var g = ds[0];
        Assert.Equal(27163, g.NodeTypes.Sum(t => g.NumNodes(t)));
        Assert.Equal(148100, g.CanonicalEdgeTypes.Sum(t => g.NumEdges(t)));
        Assert.Equal(68, Count(g.Nodes["d"].Data["test_mask"]));
    }

    [Fact]
    public void CsvDatasetFolder()
    {
        var dir = TestData.TempFolder();
        File.WriteAllText(Path.Combine(dir, "meta.yaml"), "dataset_name: tiny\nnode_data:\n- file_name: n.csv\nedge_data:\n- file_name: e.csv\ngraph_data:\n  file_name: g.csv\n");
        File.WriteAllText(Path.Combine(dir, "n.csv"), "graph_id,node_id,feat\n0,0,\"1,2\"\n0,1,\"3,4\"\n1,0,\"5,6\"\n");
        File.WriteAllText(Path.Combine(dir, "e.csv"), "graph_id,src_id,dst_id\n0,0,1\n1,0,0\n");
        File.WriteAllText(Path.Combine(dir, "g.csv"), "graph_id,label\n0,1\n1,0\n");
        var ds = new CSVDataset(dir, cache: Cache());
        Assert.Equal(2, ds.Count);
        Assert.Equal([1L, 0], ds.Labels!.ToArray<long>());
        Assert.Equal([1f, 2, 3, 4], ds[0].NData["feat"].ToArray<float>());
        Assert.Equal(1, ds[1].NumEdges());
    }

    [Fact]
    public void SyntheticSets()
    {
        var ba = new BAShapeDataset();
        Assert.Equal((700, 4110), (ba[0].NumNodes(), ba[0].NumEdges()));
        Assert.Equal(871, new TreeCycleDataset()[0].NumNodes());
        var mini = new MiniGCDataset(80, 10, 20, seed: 1);
        Assert.Equal((80, 8), (mini.Count, mini.NumClasses!.Value));
        var sbm = new SBMMixtureDataset(3, 100, 2, seed: 2);
        Assert.Equal(3, sbm.Count);
        Assert.Equal(
            new SBMMixtureDataset(3, 100, 2, seed: 2)[1].AllEdges("eid").Src.Int().ToArray<int>(),
            sbm[1].AllEdges("eid").Src.Int().ToArray<int>());
    }

    [Fact]
    public void CitationLikeIsLearnableFarAboveChance()
    {
        var ds = new CitationLikeDataset(seed: 3);
        var g = ds[0];
        Assert.Equal((2708, 7), (g.NumNodes(), ds.NumClasses!.Value));
        // An independent check that the task is learnable: two rounds of neighbour averaging (SGC without weights)
        // then the nearest class centroid of the 140 training nodes.
        var n = g.NumNodes();
        var f = g.NData["feat"].Size(1);
        var x = g.NData["feat"].ToArray<float>().Select(v => (double)v).ToArray();
        var (src, dst) = g.AllEdges("eid");
        var s = src.Int().ToArray<int>();
        var d = dst.Int().ToArray<int>();
        var deg = new double[n];
        foreach (var v in d) deg[v]++;
        for (var round = 0; round < 2; round++)
        {
            var y = (double[])x.Clone();   // self-loop
            for (var e = 0; e < s.Length; e++)
                for (var j = 0; j < f; j++) y[d[e] * f + j] += x[s[e] * f + j];
            for (var v = 0; v < n; v++)
                for (var j = 0; j < f; j++) y[v * f + j] /= deg[v] + 1;
            x = y;
        }
        var label = g.NData["label"].ToArray<long>();
        var train = g.NData["train_mask"].ToArray<bool>();
        var test = g.NData["test_mask"].ToArray<bool>();
        var centroid = new double[7 * f];
        for (var v = 0; v < n; v++)
            if (train[v]) for (var j = 0; j < f; j++) centroid[label[v] * f + j] += x[v * f + j] / 20;
        int correct = 0, total = 0;
        for (var v = 0; v < n; v++)
        {
            if (!test[v]) continue;
            var best = Enumerable.Range(0, 7).MinBy(c => Enumerable.Range(0, f).Sum(j => Math.Pow(x[v * f + j] - centroid[c * f + j], 2)));
            if (best == label[v]) correct++;
            total++;
        }
        Assert.True(correct / (double)total > 0.6, $"accuracy {correct / (double)total:F3}; chance is 1/7");
    }
}
