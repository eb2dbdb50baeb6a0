using Dgl.Tensors.IO;

namespace Dgl.Data.Tests.Datasets;

/// <summary>Data set processing into graph records, against SOURCES.md counts, DGL's published statistics and
/// independent recounts.</summary>
public class RecordsTests
{
    private static int Edges(GraphRecord g) => g.Relations.Sum(r => r.Src.Length);

    private static Tensor N(GraphRecord g, string key, int ntype = 0) => g.NodeData[ntype].First(kv => kv.Key == key).Value;

    [DataFact("tu/MUTAG")]
    public void TuMutag()
    {
        var (graphs, labels, classes) = Records.Tu(TuFormat.Read(TestData.PathOf("tu/MUTAG"), "MUTAG"));
        Assert.Equal(188, graphs.Count);
        Assert.Equal(3371, graphs.Sum(g => (int)g.NumNodes[0]));
        Assert.Equal(7442, graphs.Sum(Edges));
        Assert.Equal(2, classes);
        Assert.Equal(63, labels.ToArray<long>().Count(l => l == 0));   // -1 sorts first
        Assert.All(graphs, g => Assert.InRange(N(g, "node_labels").ToArray<long>().Max(), 0, 6));
        Assert.Equal(7442, graphs.Sum(g => g.EdgeData[0].First(kv => kv.Key == "edge_labels").Value.NumElements));
    }

    [DataFact("gin_dgcnn_format/MUTAG/MUTAG.txt")]
    public void GinMutagWithSelfLoopsAndDegrees()
    {
        var raw = GinFormat.Read(TestData.PathOf("gin_dgcnn_format/MUTAG/MUTAG.txt"));
        var (graphs, labels, classes) = Records.Gin(raw, selfLoop: true, degreeAsNodeLabel: false);
        Assert.Equal(2, classes);
        Assert.Equal(7442 + 3371, graphs.Sum(Edges));
        // The first graph's label (2 in the file) is class 0: labels are mapped in order of first appearance.
        Assert.Equal(0, labels.ToArray<long>()[0]);
        Assert.Equal(125, labels.ToArray<long>().Count(l => l == 0));
        var attr = N(graphs[0], "attr");
        Assert.Equal(7, attr.Size(1));                                    // one-hot of 7 tags
        Assert.All(Enumerable.Range(0, attr.Size(0)), v => Assert.Equal(1f, attr[v].ToArray<float>().Sum()));
        var deg = Records.Gin(raw, selfLoop: false, degreeAsNodeLabel: true).Graphs;
        var g0 = raw[0];
        Assert.Equal(Enumerable.Range(0, g0.NumNodes).Select(v => (long)g0.Dst.Count(d => d == v)), N(deg[0], "label").ToArray<long>());
    }

    [DataFact("ogb/ogbg_molbace")]
    public void OgbMolbaceGraphsCarryInverseEdgesAndFeatures()
    {
        var raw = OgbRaw.ReadGraph(TestData.PathOf("ogb/ogbg_molbace/raw"), perGraphLocalIds: true);
        var graphs = Records.OgbGraphs(raw, addInverse: true);
        Assert.Equal(1513, graphs.Count);
        Assert.Equal(2 * 55768, graphs.Sum(Edges));
        var g = graphs[0];
        var r = g.Relations[0];
        Assert.Equal((r.Src[0], r.Dst[0]), (r.Dst[1], r.Src[1]));
        var ef = g.EdgeData[0][0].Value;
        Assert.Equal([r.Src.Length, 3], ef.Shape.ToArray());
        Assert.Equal(ef[0].ToArray<long>(), ef[1].ToArray<long>());
        Assert.Equal([(int)g.NumNodes[0], 9], N(g, "feat").Shape.ToArray());
    }

    [DataFact("karate/deepwalk_example_graphs_karate.adjlist")]
    public void KarateClub()
    {
        var g = Records.Karate(TestData.PathOf("karate/deepwalk_example_graphs_karate.adjlist"));
        Assert.Equal(156, Edges(g));
        var label = N(g, "label").ToArray<long>();
        Assert.Equal(17, label.Count(l => l == 0));
        Assert.Equal(0, label[0]);      // Mr. Hi
        Assert.Equal(1, label[33]);     // the Officer
    }

    [DataFact("gnn-benchmark-npz/cora.npz")]
    public void GnnBenchmarkCoraIsBidirected()
    {
        var path = TestData.PathOf("gnn-benchmark-npz/cora.npz");
        var g = Records.GnnBenchmark(path);
        using var npz = new NpzReader(path);
        var (r, c) = npz.ReadCsr("adj").ToCooArrays();
        var pairs = new HashSet<(int, int)>();
        for (var k = 0; k < r.Length; k++) { pairs.Add((r[k], c[k])); pairs.Add((c[k], r[k])); }
        Assert.Equal(2708, g.NumNodes[0]);
        Assert.Equal(pairs.Count, Edges(g));
        Assert.Equal([2708, 1433], N(g, "feat").Shape.ToArray());
        Assert.Equal(DType.Int64, N(g, "label").DType);
    }

    [DataFact("rgcn_aifb/aifb_stripped.nt.gz")]
    public void RdfAifbHeterograph()
    {
        var d = RdfEntities.Build(RdfReader.Read(TestData.PathOf("rgcn_aifb/aifb_stripped.nt.gz")), new RdfEntities.AifbRules(), TestData.PathOf("rgcn_aifb"), true);
        var g = Records.Rdf(d);
        Assert.Equal(7262, g.NumNodes.Sum());
        Assert.Equal(48810, Edges(g));
        var t = Array.IndexOf(g.NodeTypes, "Personen");
        Assert.Equal(140, N(g, "train_mask", t).ToArray<bool>().Count(b => b));
        Assert.Equal(36, N(g, "test_mask", t).ToArray<bool>().Count(b => b));
        Assert.All(g.Relations, rel => Assert.Equal(rel.Src.Length, rel.Dst.Length));
    }

    [Fact]
    public void SyntheticSetsHaveTheirPublishedSizes()
    {
        var ba = Records.BAShapes(300, 5, 80, 0.01, seed: 0);
        Assert.Equal((700, 4110), ((int)ba.NumNodes[0], Edges(ba)));                // DGL: 700 nodes, 4110 edges
        Assert.Equal(new long[] { 300, 160, 160, 80 }, N(ba, "label").ToArray<long>().GroupBy(x => x).OrderBy(x => x.Key).Select(x => (long)x.Count()).ToArray());
        var tc = Records.TreeCycles(8, 60, 6, 0.01, seed: 0);
        Assert.Equal(871, tc.NumNodes[0]);                                            // 511 + 60 × 6
        var (mini, labels) = Records.MiniGC(80, 10, 20, seed: 0);
        Assert.Equal(80, mini.Count);
        Assert.Equal(Enumerable.Range(0, 8).SelectMany(k => Enumerable.Repeat((long)k, 10)), labels.ToArray<long>());
        Assert.All(mini.Take(10), g => Assert.Equal(3 * g.NumNodes[0], Edges(g)));    // cycles: 2n edges + n self-loops
        var sbm = Records.SbmMixture(4, 200, 2, 2, 3, seed: 1);
        Assert.Equal(4, sbm.Count);
        Assert.All(sbm, g => Assert.Equal(200, g.NumNodes[0]));
        Assert.NotEqual(0, Edges(sbm[0]));
    }

    [Fact]
    public void CsvDatasetHomogeneousAndHeterogeneous()
    {
        var dir = TestData.TempFolder();
        File.WriteAllText(Path.Combine(dir, "meta.yaml"), """
            dataset_name: toy
            node_data:
            - file_name: nodes.csv
            edge_data:
            - file_name: edges.csv
            """);
        File.WriteAllText(Path.Combine(dir, "nodes.csv"), "node_id,label,train_mask,feat\n20,1,True,\"0.5, 1.5\"\n10,0,False,\"[2.0, 3.0]\"\n30,1,true,\"1,2\"\n");
        File.WriteAllText(Path.Combine(dir, "edges.csv"), "src_id,dst_id,weight\n10,20,0.5\n30,10,1.25\n");
        var (name, graphs, gdata) = Records.Csv(dir);
        Assert.Equal("toy", name);
        Assert.Single(graphs);
        Assert.Empty(gdata);
        var g = graphs[0];
        Assert.Equal(["_V"], g.NodeTypes);
        // Nodes are numbered by ascending id: 10 → 0, 20 → 1, 30 → 2.
        Assert.Equal([0L, 1, 1], N(g, "label").ToArray<long>());
        Assert.Equal([false, true, true], N(g, "train_mask").ToArray<bool>());
        Assert.Equal([2f, 3, 0.5f, 1.5f, 1, 2], N(g, "feat").ToArray<float>());
        Assert.Equal([0, 2], g.Relations[0].Src);
        Assert.Equal([1, 0], g.Relations[0].Dst);
        Assert.Equal([0.5f, 1.25f], g.EdgeData[0][0].Value.ToArray<float>());

        var het = TestData.TempFolder();
        File.WriteAllText(Path.Combine(het, "meta.yaml"), """
            dataset_name: shop
            separator: ','
            node_data:
            - file_name: users.csv
              ntype: user
            - file_name: items.csv
              ntype: item
            edge_data:
            - file_name: buys.csv
              etype: [user, buys, item]
            - file_name: follows.csv
              etype: [user, follows, user]
            graph_data:
              file_name: graphs.csv
            """);
        File.WriteAllText(Path.Combine(het, "users.csv"), "graph_id,node_id,age\n0,0,30\n0,1,40\n1,0,50\n");
        File.WriteAllText(Path.Combine(het, "items.csv"), "graph_id,node_id\n0,5\n1,7\n1,8\n");
        File.WriteAllText(Path.Combine(het, "buys.csv"), "graph_id,src_id,dst_id\n0,1,5\n1,0,8\n1,0,7\n");
        File.WriteAllText(Path.Combine(het, "follows.csv"), "graph_id,src_id,dst_id\n0,0,1\n");
        File.WriteAllText(Path.Combine(het, "graphs.csv"), "graph_id,label\n1,7\n0,3\n");
        var (_, hg, hdata) = Records.Csv(het);
        Assert.Equal(2, hg.Count);
        Assert.Equal([7L, 3L], hdata[0].Value.ToArray<long>());       // graph order follows graphs.csv
        Assert.Equal([2, 1], hdata[0].Value.Shape.ToArray());
        var g1 = hg[0];   // graph id 1
        Assert.Equal(new long[] { 1, 2 }, g1.NumNodes);
        Assert.Equal([0, 0], g1.Relations[0].Src);
        Assert.Equal([1, 0], g1.Relations[0].Dst);   // items 8 → 1, 7 → 0
        Assert.Empty(g1.Relations[1].Src);

        File.WriteAllText(Path.Combine(het, "follows.csv"), "graph_id,src_id,dst_id\n0,0,9\n");
        Assert.Contains("node id 9", Assert.Throws<DataFormatException>(() => Records.Csv(het)).Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(het, "meta.yaml"), "dataset_name: x\nversion: 2.0.0\nnode_data: []\nedge_data: []\n");
        Assert.Contains("'2.0.0'", Assert.Throws<DataFormatException>(() => Records.Csv(het)).Message, StringComparison.Ordinal);
    }
}
