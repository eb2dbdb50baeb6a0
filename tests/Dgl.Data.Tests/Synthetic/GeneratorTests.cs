namespace Dgl.Data.Tests.Synthetic;

public class GeneratorTests
{
    [Fact]
    public void NetworkxFamiliesHaveTheirTextbookSizes()
    {
        Assert.Equal((7, 7), (Shapes.Cycle(7).NumNodes, Shapes.Cycle(7).Count));
        Assert.Equal((6, 5), (Shapes.Star(5).NumNodes, Shapes.Star(5).Count));
        Assert.Equal((8, 14), (Shapes.Wheel(8).NumNodes, Shapes.Wheel(8).Count));
        Assert.Equal((9, 6 * 5 / 2 + 3), (Shapes.Lollipop(6, 3).NumNodes, Shapes.Lollipop(6, 3).Count));
        Assert.Equal((16, 4 * 8), (Shapes.Hypercube(4).NumNodes, Shapes.Hypercube(4).Count));
        Assert.Equal((12, 3 * 3 + 4 * 2), (Shapes.Grid(3, 4).NumNodes, Shapes.Grid(3, 4).Count));
        Assert.Equal((6, 15), (Shapes.Complete(6).NumNodes, Shapes.Complete(6).Count));
        Assert.Equal((10, 15), (Shapes.CircularLadder(5).NumNodes, Shapes.CircularLadder(5).Count));
        Assert.Equal((511, 510), (Shapes.BalancedTree(2, 8).NumNodes, Shapes.BalancedTree(2, 8).Count));
        var ba = Shapes.BarabasiAlbert(300, 5, new Random(0));
        Assert.Equal((300, 5 + (300 - 6) * 5), (ba.NumNodes, ba.Count));
        // Every hypercube node has degree d; every wheel rim node degree 3.
        var h = Shapes.Hypercube(4).Directed();
        Assert.All(Enumerable.Range(0, 16), v => Assert.Equal(4, h.Src.Count(s => s == v)));
        var (src, dst) = Shapes.Cycle(4).Directed(selfLoops: true);
        Assert.Equal(12, src.Length);
        Assert.Equal(4, src.Where((s, i) => s == dst[i]).Count());
    }

    [Fact]
    public void StochasticBlockModelMatchesItsProbabilities()
    {
        // p = n makes every within-block pair an edge; q = 0 none across.
        var (full, community) = Generators.StochasticBlockModel(3, 10, 30, 0, new Random(1));
        Assert.Equal(3 * 45, full.Count);
        Assert.All(Enumerable.Range(0, full.Count), k => Assert.Equal(community[full.U[k]], community[full.V[k]]));
        // Expected counts within 5 standard deviations for p/n = 0.02, q/n = 0.002 on 2 × 500 nodes.
        var (g, c) = Generators.StochasticBlockModel(2, 500, 20, 2, new Random(2));
        var inside = Enumerable.Range(0, g.Count).Count(k => c[g.U[k]] == c[g.V[k]]);
        double expInside = 2 * 500.0 * 499 / 2 * 0.02, expAcross = 500.0 * 500 * 0.002;
        Assert.InRange(inside, expInside - 5 * Math.Sqrt(expInside), expInside + 5 * Math.Sqrt(expInside));
        Assert.InRange(g.Count - inside, expAcross - 5 * Math.Sqrt(expAcross), expAcross + 5 * Math.Sqrt(expAcross));
    }

    [Fact]
    public void CitationLikeGraphIsHomophilousSeededAndSplit()
    {
        var a = Generators.CitationLike(3000, 7, 600, 4, 0.8, seed: 11);
        var b = Generators.CitationLike(3000, 7, 600, 4, 0.8, seed: 11);
        Assert.Equal(a.Edges.U, b.Edges.U);
        Assert.Equal(a.Features, b.Features);
        Assert.Equal(6000, a.Edges.Count);
        var same = Enumerable.Range(0, a.Edges.Count).Count(k => a.Labels[a.Edges.U[k]] == a.Labels[a.Edges.V[k]]);
        Assert.InRange(same / (double)a.Edges.Count, 0.75, 0.9);   // 0.8 + 0.2/7 expected
        Assert.Equal(140, a.Train.Length);
        Assert.Equal((500, 1000), (a.Val.Length, a.Test.Length));
        Assert.Empty(a.Train.Intersect(a.Val).Concat(a.Val.Intersect(a.Test)).Concat(a.Train.Intersect(a.Test)));
        for (var n = 0; n < 10; n++)
            Assert.Equal(1f, a.Features.AsSpan(n * 600, 600).ToArray().Sum(), 4);
        Assert.NotEqual(a.Edges.U, Generators.CitationLike(3000, 7, 600, 4, 0.8, seed: 12).Edges.U);
    }
}
