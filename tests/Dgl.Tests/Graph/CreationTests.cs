namespace Dgl.Tests.Graph;

using Graph = Dgl.Graph;

public class CreationTests
{
    [Fact]
    public void HomogeneousCountsInferredFromLargestId()
    {
        var g = Graph.Create([0, 0, 0, 1], [1, 2, 3, 3]);
        Assert.Equal(4, g.NumNodes());
        Assert.Equal(4, g.NumEdges());
        Assert.True(g.IsHomogeneous);
        Assert.False(g.IsBlock);
        Assert.Equal(["_N"], g.NodeTypes);
        Assert.Equal(["_E"], g.EdgeTypes);
        Assert.Equal([new CanonicalEdgeType("_N", "_E", "_N")], g.CanonicalEdgeTypes);
        var (src, dst) = g.AllEdges();
        Assert.Equal([0, 0, 0, 1], Naive.Ints(src));
        Assert.Equal([1, 2, 3, 3], Naive.Ints(dst));
    }

    [Fact]
    public void ExplicitCountKeepsIsolatedNodes()
    {
        var g = Graph.Create([0, 1], [1, 0], numNodes: 8);
        Assert.Equal(8, g.NumNodes());
        Assert.Equal([1, 1, 0, 0, 0, 0, 0, 0], Naive.Ints(g.InDegrees()));
    }

    [Fact]
    public void ZeroEdgeGraph()
    {
        var g = Graph.Create(Array.Empty<int>(), Array.Empty<int>(), numNodes: 3);
        Assert.Equal(3, g.NumNodes());
        Assert.Equal(0, g.NumEdges());
        Assert.Equal([0, 0, 0], Naive.Ints(g.OutDegrees()));
        Assert.Equal(0, Graph.Create(Array.Empty<int>(), Array.Empty<int>()).NumNodes());
        Assert.Equal(4, g.OutCsr().IndPtr.Length);
    }

    [Fact]
    public void AcceptsInt64TensorsAndInt32TensorsAndLongArrays()
    {
        var a = Graph.Create(Tensor.From(new long[] { 2, 0 }), Tensor.From(new long[] { 1, 2 }));
        var b = Graph.Create(Tensor.From(new[] { 2, 0 }), Tensor.From(new[] { 1, 2 }));
        var c = Graph.Create(new long[] { 2, 0 }, new long[] { 1, 2 });
        foreach (var g in new[] { a, b, c })
        {
            Assert.Equal(3, g.NumNodes());
            Assert.Equal([2, 0], Naive.Ints(g.AllEdges().Src));
        }
    }

    [Fact]
    public void InputArraysAreCopied()
    {
        int[] src = [0, 1];
        int[] dst = [1, 2];
        var g = Graph.Create(src, dst);
        src[0] = 2;
        Assert.Equal([0, 1], Naive.Ints(g.AllEdges().Src));
    }

    [Fact]
    public void DifferentLengthsAreRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Graph.Create([0, 1, 2], [1, 2]));
        Assert.Contains("src has 3 ids", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dst has 2", ex.Message, StringComparison.Ordinal);
        Assert.Equal("dst", ex.ParamName);
    }

    [Fact]
    public void NegativeIdIsRejectedWithItsPosition()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Graph.Create([0, -1], [1, 2]));
        Assert.Contains("src[1] = -1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IdAtOrAboveCountNamesIdAndCount()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Graph.Create([0, 1], [1, 5], numNodes: 5));
        Assert.Contains("dst[1] = 5", ex.Message, StringComparison.Ordinal);
        Assert.Contains("5 nodes", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Graph.Create([0], [1], numNodes: -1));
    }

    [Fact]
    public void Int64IdBeyond32BitsIsRejected()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Graph.Create(new long[] { 1L << 33 }, new long[] { 0 }));
        Assert.Contains(((1L << 33)).ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    private static Graph UserGame() => Graph.CreateHetero(new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
    {
        [("user", "plays", "game")] = ([0, 1, 1, 2], [0, 0, 2, 1]),
        [("user", "follows", "user")] = ([0, 1, 1], [1, 2, 2]),
    });

    [Fact]
    public void HeterogeneousTypesAreSortedAndCountsInferredPerType()
    {
        var g = UserGame();
        Assert.Equal(["game", "user"], g.NodeTypes);
        Assert.Equal([new CanonicalEdgeType("user", "follows", "user"), new CanonicalEdgeType("user", "plays", "game")], g.CanonicalEdgeTypes);
        Assert.Equal(["follows", "plays"], g.EdgeTypes);
        Assert.Equal(3, g.NumNodes("game"));
        Assert.Equal(3, g.NumNodes("user"));
        Assert.Equal(6, g.NumNodes());
        Assert.Equal(3, g.NumEdges("follows"));
        Assert.Equal(4, g.NumEdges(("user", "plays", "game")));
        Assert.Equal(7, g.NumEdges());
        Assert.False(g.IsHomogeneous);
        Assert.False(g.IsUnibipartite);
    }

    [Fact]
    public void HeterogeneousPartialCountsAndExtraTypes()
    {
        var g = Graph.CreateHetero(
            new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
            {
                [("user", "plays", "game")] = ([0, 1], [0, 0]),
                [("user", "rates", "movie")] = ([], []),
            },
            new Dictionary<string, int>(StringComparer.Ordinal) { ["game"] = 10, ["studio"] = 4 });
        Assert.Equal(["game", "movie", "studio", "user"], g.NodeTypes);
        Assert.Equal(10, g.NumNodes("game"));
        Assert.Equal(0, g.NumNodes("movie"));
        Assert.Equal(4, g.NumNodes("studio"));
        Assert.Equal(2, g.NumNodes("user"));
        Assert.Equal(0, g.NumEdges("rates"));
    }

    [Fact]
    public void HeterogeneousIdOutOfRangeNamesRelation()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Graph.CreateHetero(
            new Dictionary<CanonicalEdgeType, (IdArray, IdArray)> { [("user", "plays", "game")] = ([0, 1], [0, 3]) },
            new Dictionary<string, int>(StringComparer.Ordinal) { ["game"] = 3 }));
        Assert.Contains("('user', 'plays', 'game')", ex.Message, StringComparison.Ordinal);
        Assert.Contains("= 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("3 nodes", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Graph.CreateHetero(new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>()));
    }

    [Fact]
    public void UnknownTypesListValidOnes()
    {
        var g = UserGame();
        var n = Assert.Throws<ArgumentException>(() => g.NumNodes("movie"));
        Assert.Contains("'movie'", n.Message, StringComparison.Ordinal);
        Assert.Contains("'game', 'user'", n.Message, StringComparison.Ordinal);
        var e = Assert.Throws<ArgumentException>(() => g.NumEdges("likes"));
        Assert.Contains("('user', 'follows', 'user')", e.Message, StringComparison.Ordinal);
        Assert.Contains("('user', 'plays', 'game')", e.Message, StringComparison.Ordinal);
        var c = Assert.Throws<ArgumentException>(() => g.NumEdges(("user", "plays", "user")));
        Assert.Contains("('user', 'plays', 'user')", c.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => g.InDegrees());
    }

    [Fact]
    public void AmbiguousEdgeTypeNameNeedsCanonicalTriple()
    {
        var g = Graph.CreateHetero(new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
        {
            [("user", "plays", "game")] = ([0], [0]),
            [("player", "plays", "game")] = ([0, 0], [1, 1]),
        });
        var ex = Assert.Throws<ArgumentException>(() => g.NumEdges("plays"));
        Assert.Contains("ambiguous", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, g.NumEdges(("player", "plays", "game")));
        Assert.Equal(new CanonicalEdgeType("user", "plays", "game"), g.ToCanonicalEdgeType(("user", "plays", "game")));
    }

    [Fact]
    public void UnibipartiteSplitsSourceAndDestinationTypes()
    {
        var g = Graph.CreateHetero(new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
        {
            [("user", "plays", "game")] = ([0], [1]),
            [("developer", "develops", "game")] = ([1], [2]),
        });
        Assert.True(g.IsUnibipartite);
        Assert.Equal(["developer", "user"], g.SrcTypes);
        Assert.Equal(["game"], g.DstTypes);
        Assert.Equal(3, g.NumDstNodes("game"));
        Assert.Equal(3, g.NumDstNodes());
        Assert.Equal(3, g.NumSrcNodes()); // developer: 2, user: 1
    }

    [Fact]
    public void PrintsLikeDgl()
    {
        var g = Graph.Create([0, 1], [1, 2]);
        g.NData["h"] = Tensor.Ones(3, 4);
        Assert.Equal("Graph(num_nodes=3, num_edges=2,\n      ndata_schemes={'h': Scheme(shape=(4,), dtype=float32)}\n      edata_schemes={})", g.ToString());
        Assert.Equal("Graph(num_nodes={'game': 3, 'user': 3},\n      num_edges={('user', 'follows', 'user'): 3, ('user', 'plays', 'game'): 4},\n      metagraph=[('user', 'user', 'follows'), ('user', 'game', 'plays')])", UserGame().ToString());
        Assert.Equal("('a', 'b', 'c')", new CanonicalEdgeType("a", "b", "c").ToString());
    }

    [Fact]
    public void MetagraphHasOneEdgePerRelation()
    {
        var m = UserGame().Metagraph();
        Assert.Equal(2, m.NumNodes());
        var (s, d) = m.AllEdges();
        // node types [game, user]: follows is user->user (1->1), plays is user->game (1->0)
        Assert.Equal([1, 1], Naive.Ints(s));
        Assert.Equal([1, 0], Naive.Ints(d));
    }

    [Fact]
    public void BoolMaskConvertsToPositions()
    {
        IdArray ids = Tensor.From(new[] { true, false, true, true });
        Assert.Equal([0, 2, 3], ids.AsSpan().ToArray());
        Assert.Throws<TensorDTypeException>(() => (IdArray)Tensor.Ones(2));
    }
}
