namespace Dgl.Data.Tests.Storage;

public class GraphSerializationTests
{
    private static string TempFile() => Path.Combine(TestData.TempFolder(), "graphs.bin");

    [Fact]
    public void HomogeneousGraphsRoundTripBitExact()
    {
        var g1 = Graph.Create([0, 1, 2, 2], [1, 2, 0, 0], numNodes: 5);
        g1.NData["feat"] = Tensor.Randn([5, 3], generator: new Generator(1));
        g1.NData["mask"] = Tensor.From([true, false, true, true, false]);
        g1.EData["w"] = Tensor.Randn([4], DType.Float64, new Generator(2));
        var g2 = Graph.Create(Array.Empty<int>(), Array.Empty<int>(), numNodes: 2);
        var path = TempFile();
        GraphSerialization.SaveGraphs(path, [g1, g2], new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["labels"] = Tensor.From<long>([3, 4]) });
        var (graphs, labels) = GraphSerialization.LoadGraphs(path);
        Assert.Equal(2, graphs.Count);
        var h = graphs[0];
        Assert.Equal((5, 4), (h.NumNodes(), h.NumEdges()));
        var (s, d) = h.AllEdges("eid");
        Assert.Equal([0, 1, 2, 2], s.Int().ToArray<int>());
        Assert.Equal([1, 2, 0, 0], d.Int().ToArray<int>());
        GraphFileTests.AssertBits(g1.NData["feat"], h.NData["feat"]);
        GraphFileTests.AssertBits(g1.NData["mask"], h.NData["mask"]);
        GraphFileTests.AssertBits(g1.EData["w"], h.EData["w"]);
        Assert.Equal((2, 0), (graphs[1].NumNodes(), graphs[1].NumEdges()));
        Assert.Equal([3L, 4], labels["labels"].ToArray<long>());
        var (only, _) = GraphSerialization.LoadGraphs(path, [1]);
        Assert.Equal(2, only[0].NumNodes());
        Assert.Equal(2, GraphSerialization.GraphCount(path));
    }

    [Fact]
    public void HeterogeneousGraphsRoundTrip()
    {
        var g = Graph.CreateHetero(new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
        {
            [("user", "follows", "user")] = (new[] { 0, 1 }, new[] { 1, 2 }),
            [("user", "plays", "game")] = (new[] { 0, 2, 2 }, new[] { 1, 0, 1 }),
        }, new Dictionary<string, int>(StringComparer.Ordinal) { ["game"] = 3 });
        g.Nodes["user"].Data["age"] = Tensor.From<long>([20, 30, 40]);
        g.Nodes["game"].Data["h"] = Tensor.Randn([3, 2], generator: new Generator(3));
        g.Edges["plays"].Data["hours"] = Tensor.From([1.5f, 2.5f, 3.5f]);
        var path = TempFile();
        GraphSerialization.SaveGraphs(path, g);
        var h = GraphSerialization.LoadGraphs(path).Graphs[0];
        Assert.Equal(g.NodeTypes, h.NodeTypes);
        Assert.Equal(g.CanonicalEdgeTypes, h.CanonicalEdgeTypes);
        Assert.Equal(3, h.NumNodes("game"));
        foreach (var ct in g.CanonicalEdgeTypes)
        {
            Assert.Equal(g.AllEdges("eid", ct).Src.Int().ToArray<int>(), h.AllEdges("eid", ct).Src.Int().ToArray<int>());
            Assert.Equal(g.AllEdges("eid", ct).Dst.Int().ToArray<int>(), h.AllEdges("eid", ct).Dst.Int().ToArray<int>());
        }
        GraphFileTests.AssertBits(g.Nodes["user"].Data["age"], h.Nodes["user"].Data["age"]);
        GraphFileTests.AssertBits(g.Nodes["game"].Data["h"], h.Nodes["game"].Data["h"]);
        GraphFileTests.AssertBits(g.Edges["plays"].Data["hours"], h.Edges["plays"].Data["hours"]);
    }
}
