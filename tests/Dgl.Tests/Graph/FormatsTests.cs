using Dgl.Tensors.Kernels;

namespace Dgl.Tests.Graph;

using Graph = Dgl.Graph;

public class FormatsTests
{
    [Theory]
    [InlineData(10, 40, 1)]
    [InlineData(1000, 5000, 2)]
    [InlineData(3000, 200_000, 3)]   // above the serial threshold: exercises the parallel counting sort
    [InlineData(50, 0, 4)]
    public void CsrAndCscMatchDictionaryOfLists(int n, int m, int seed)
    {
        var (src, dst) = Naive.RandomEdges(n, n, m, seed, isolatedTail: 3);
        var g = Graph.Create(src, dst, numNodes: n);
        Naive.AssertCsr(g.OutCsr(), Naive.Rows(n, src, dst), n);
        Naive.AssertCsr(g.InCsr(), Naive.Rows(n, dst, src), n);
    }

    [Theory]
    [InlineData(1, 1000, 1)]
    [InlineData(77, 20_000, 2)]
    [InlineData(1000, 300_000, 3)]
    [InlineData(65_537, 400_000, 4)]
    public void DirectAndPartitionedBuildsMatchDictionaryOfLists(int n, int m, int seed)
    {
        var (rows, cols) = Naive.RandomEdges(n, 50, m, seed);
        // Skew: a quarter of the edges on row 0, as a hub in a power-law graph.
        for (var e = 0; e < m; e += 4) rows[e] = 0;
        var expected = Naive.Rows(n, rows, cols);
        Naive.AssertCsr(CsrBuilder.DirectBuild(n, 50, rows, cols), expected, 50);
        Naive.AssertCsr(CsrBuilder.PartitionedBuild(n, 50, rows, cols), expected, 50);
    }

    [Fact]
    public void LargeGraphUsesPartitionedBuildAndMatchesReference()
    {
        var (src, dst) = Naive.RandomEdges(300_000, 300_000, 1_200_000, 6, isolatedTail: 1000);
        var g = Graph.Create(src, dst, 300_000);
        Naive.AssertCsr(g.OutCsr(), Naive.Rows(300_000, src, dst), 300_000);
    }

    [Fact]
    public void BipartiteRelationHasRectangularFormats()
    {
        var (src, dst) = Naive.RandomEdges(7, 3, 30, 5);
        var g = Graph.CreateHetero(
            new Dictionary<CanonicalEdgeType, (IdArray, IdArray)> { [("a", "r", "b")] = (src, dst) },
            new Dictionary<string, int>(StringComparer.Ordinal) { ["a"] = 7, ["b"] = 3 });
        Naive.AssertCsr(g.OutCsr("r"), Naive.Rows(7, src, dst), 3);
        Naive.AssertCsr(g.InCsr("r"), Naive.Rows(3, dst, src), 7);
    }

    [Fact]
    public void ResultDoesNotDependOnThreadCount()
    {
        var (src, dst) = Naive.RandomEdges(5000, 5000, 300_000, 11);
        var saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 1;
            var one = Graph.Create(src, dst, 5000).InCsr();
            Parallelism.MaxThreads = 4;
            var four = Graph.Create(src, dst, 5000).InCsr();
            Assert.Equal(one.IndPtr, four.IndPtr);
            Assert.Equal(one.Indices, four.Indices);
            Assert.Equal(one.EdgeIds, four.EdgeIds);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void SortedSourcesShareTheColumnArray()
    {
        int[] src = [0, 0, 1, 3, 3, 3];
        int[] dst = [2, 1, 0, 3, 1, 1];
        var g = Graph.Create(src, dst, numNodes: 5);
        var csr = g.OutCsr();
        Assert.Same(g.Coo(0).Dst, csr.Indices);
        Assert.True(csr.EdgeIdsAreIdentity);
        Assert.Null(csr.PermutedEdgeIds);
        // COO + CSR (shared indices, identity edge ids not stored: offsets only) + CSC (ids, edge ids, offsets).
        g.InCsr();
        Assert.Equal(6 * 8 + 6 * 8 + (6 * 8 + 6 * 8), g.StructureBytes());
        // Reading the edge ids makes the identity array, which then counts.
        Naive.AssertCsr(csr, Naive.Rows(5, src, dst), 5);
        Assert.Equal([0, 1, 2, 3, 4, 5], csr.EdgeIds);
        Assert.Equal(6 * 8 + (6 * 4 + 6 * 8) + (6 * 8 + 6 * 8), g.StructureBytes());
    }

    [Fact]
    public void FormatsKeepsOnlyTheListedFormatsAndRebuildsOthersOnDemand()
    {
        var (src, dst) = Naive.RandomEdges(50, 50, 400, 5);
        var g = Graph.Create(src, dst, 50);
        g.NData["x"] = Tensor.Arange(50, DType.Float32);
        Assert.Equal(["coo"], g.Formats().Created);
        Assert.Equal(["csr", "csc"], g.Formats().NotCreated);

        var csc = g.Formats("csc");
        Assert.Equal(["csc"], csc.Formats().Created);
        Assert.Same(g.NData["x"], csc.NData["x"]);
        Assert.Same(g.InCsr(), csc.InCsr());   // the CSC was built once, on the original relation, and is shared
        // Unsorted edges: CSC offsets + column ids + edge ids, and no COO.
        Assert.Equal(51 * 8 + 400 * 4 + 400 * 4, csc.StructureBytes());
        Naive.AssertCsr(csc.InCsr(), Naive.Rows(50, dst, src), 50);
        // A dropped format comes back from the kept one, equal to the original.
        Assert.Equal(src, Naive.Ints(csc.AllEdges().Src));
        Assert.Equal(dst, Naive.Ints(csc.AllEdges().Dst));
        Assert.Equal(["coo", "csc"], csc.Formats().Created);
        // The original keeps its formats.
        Assert.Equal(["coo", "csc"], g.Formats().Created);
    }

    [Fact]
    public void FormatsBuildsAListedFormatWhenNoneExistsAndRejectsUnknownNames()
    {
        var g = Graph.Create([0, 1, 2], [1, 2, 0]);
        var csr = g.Formats("csr");
        Assert.Equal(["csr"], csr.Formats().Created);
        Naive.AssertCsr(csr.OutCsr(), Naive.Rows(3, [0, 1, 2], [1, 2, 0]), 3);
        var e = Assert.Throws<ArgumentException>(() => g.Formats("csc", "dense"));
        Assert.Contains("\"dense\"", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => g.Formats(Array.Empty<string>()));
    }

    [Fact]
    public void GivenEdgeIdsAreCheckedForIdentityOnce()
    {
        int[] identity = [0, 1, 2];
        var a = new Csr(2, 3, [0, 2, 3], [2, 1, 0], identity);
        Assert.True(a.EdgeIdsAreIdentity);
        Assert.Null(a.PermutedEdgeIds);
        Assert.Same(identity, a.EdgeIds);
        int[] permuted = [1, 0, 2];
        var b = new Csr(2, 3, [0, 2, 3], [2, 1, 0], permuted);
        Assert.False(b.EdgeIdsAreIdentity);
        Assert.Same(permuted, b.PermutedEdgeIds);
        Assert.Equal([1, 0, 2], Enumerable.Range(0, 3).Select(k => b.EdgeId(k)));
        var c = new Csr(2, 3, [0, 2, 3], [2, 1, 0], edgeIds: null);
        Assert.Equal([0, 1, 2], Enumerable.Range(0, 3).Select(k => c.EdgeId(k)));
        var bad = Assert.Throws<ArgumentException>(() => new Csr(2, 3, [0, 2, 3], [2, 1, 0], [0, 1]));
        Assert.Contains("edgeIds has 2", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatsAreBuiltOnceUnderConcurrentAccess()
    {
        var (src, dst) = Naive.RandomEdges(2000, 2000, 100_000, 3);
        var g = Graph.Create(src, dst);
        var seen = new Csr[16];
        Parallel.For(0, seen.Length, i => seen[i] = i % 2 == 0 ? g.InCsr() : g.OutCsr());
        for (var i = 2; i < seen.Length; i++) Assert.Same(seen[i % 2], seen[i]);
    }

    [Fact]
    public void RelationFromInCsrRebuildsCooAndOutCsr()
    {
        var (src, dst) = Naive.RandomEdges(40, 30, 300, 9);
        var csc = Graph.Create(src, dst, 40).InCsr();
        // A CSC over 30 destination rows made by the builder: edge ids are original positions.
        var built = Graph.CreateBlock(src, dst, 40, 30).InCsr();
        var adj = Adjacency.FromInCsr(40, built);
        Assert.False(adj.HasCoo);
        Assert.Equal(src, adj.Coo.Src);
        Assert.Equal(dst, adj.Coo.Dst);
        Naive.AssertCsr(adj.Out, Naive.Rows(40, src, dst), 30);
        Assert.Equal(40, csc.NumRows);
    }

    [Fact]
    public void RelationFromCscWithIdentityEdgeIdsSharesIndices()
    {
        // rows = destinations: 0 <- {2, 1}, 1 <- {}, 2 <- {0}
        var csc = new Csr(3, 3, [0, 2, 2, 3], [2, 1, 0], [0, 1, 2]);
        var adj = Adjacency.FromInCsr(3, csc);
        Assert.Same(csc.Indices, adj.Coo.Src);
        Assert.Equal([0, 0, 2], adj.Coo.Dst);
    }

    [Fact]
    public void ReverseSharesFormats()
    {
        var (src, dst) = Naive.RandomEdges(100, 100, 1000, 2);
        var g = Graph.Create(src, dst);
        var r = g.Reverse();
        Assert.Same(g.InCsr(), r.OutCsr());
        Assert.Same(g.OutCsr(), r.InCsr());
        Assert.Equal(Naive.Ints(g.AllEdges().Dst), Naive.Ints(r.AllEdges().Src));
    }

    [Fact]
    public void AdjSparseExportsCopies()
    {
        var g = Graph.Create([1, 0, 1], [0, 2, 2]);
        var coo = g.AdjSparse("coo");
        Assert.Equal([1, 0, 1], Naive.Ints(coo[0]));
        Assert.Equal([0, 2, 2], Naive.Ints(coo[1]));
        var csr = g.AdjSparse("csr");
        Assert.Equal(DType.Int64, csr[0].DType);
        Assert.Equal([0L, 1, 3, 3], csr[0].ToArray<long>());
        Assert.Equal([2, 0, 2], Naive.Ints(csr[1]));
        Assert.Equal([1, 0, 2], Naive.Ints(csr[2]));
        var csc = g.AdjSparse("csc");
        Assert.Equal([0L, 1, 1, 3], csc[0].ToArray<long>());
        Assert.Equal([1, 0, 1], Naive.Ints(csc[1]));
        Assert.Equal([0, 1, 2], Naive.Ints(csc[2]));
        csr[1].AsSpan<int>()[0] = 99;
        Assert.Equal(2, g.OutCsr().Indices[0]);
        Assert.Throws<ArgumentException>(() => g.AdjSparse("dense"));
    }
}
