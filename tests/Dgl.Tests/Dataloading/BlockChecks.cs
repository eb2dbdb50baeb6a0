using Dgl.Dataloading;
using Dgl.Tests.Graph;

namespace Dgl.Tests.Dataloading;

using Graph = Dgl.Graph;

/// <summary>Independent checks of sampled blocks against the graph they came from.</summary>
internal static class BlockChecks
{
    /// <summary>
    /// Asserts the block list is a valid message-flow chain for a graph with one node type and one edge type:
    /// destination nodes first among source nodes, each block's destinations = the next block's sources, the last
    /// block's destinations = the seeds, every edge the graph edge its EID names, at most <paramref name="fanouts"/>[l]
    /// distinct in-edges per destination (exactly min(fanout, eligible in-degree) when <paramref name="exact"/>).
    /// </summary>
    public static void AssertValid(Graph g, BlockBatch batch, int[] seeds, int[] fanouts, bool exact = true, bool reversed = false, Func<int, bool>? eligible = null)
    {
        var (gs, gd) = g.AllEdges();
        var (gsrc, gdst) = (Naive.Ints(gs), Naive.Ints(gd));
        if (reversed) (gsrc, gdst) = (gdst, gsrc);
        var inDeg = new int[g.NumNodes()];
        for (var e = 0; e < gdst.Length; e++) if (eligible?.Invoke(e) ?? true) inDeg[gdst[e]]++;
        var blocks = batch.Blocks;
        Assert.Equal(fanouts.Length, blocks.Count);
        Assert.Equal(seeds, Naive.Ints(batch.OutputNodes));
        Assert.Equal(seeds, Naive.Ints(blocks[^1].DstData[Graph.NID]));
        Assert.Equal(Naive.Ints(blocks[0].SrcData[Graph.NID]), Naive.Ints(batch.InputNodes));
        for (var l = 0; l < blocks.Count; l++)
        {
            var b = blocks[l];
            Assert.True(b.IsBlock);
            var src = Naive.Ints(b.SrcData[Graph.NID]);
            var dst = Naive.Ints(b.DstData[Graph.NID]);
            Assert.Equal(dst, src.Take(dst.Length));
            Assert.Equal(src.Length, src.Distinct().Count());
            if (l + 1 < blocks.Count) Assert.Equal(Naive.Ints(blocks[l + 1].SrcData[Graph.NID]), dst);
            var (bs, bd) = b.AllEdges();
            var (bsrc, bdst) = (Naive.Ints(bs), Naive.Ints(bd));
            var eids = Naive.Ints(b.EData[Graph.EID]);
            var perDst = new Dictionary<int, List<int>>();
            for (var e = 0; e < eids.Length; e++)
            {
                Assert.Equal(gsrc[eids[e]], src[bsrc[e]]);
                Assert.Equal(gdst[eids[e]], dst[bdst[e]]);
                Assert.True(eligible?.Invoke(eids[e]) ?? true, $"edge {eids[e]} is not eligible but was sampled");
                (perDst.TryGetValue(bdst[e], out var list) ? list : perDst[bdst[e]] = []).Add(eids[e]);
            }
            for (var v = 0; v < dst.Length; v++)
            {
                var picked = perDst.GetValueOrDefault(v) ?? [];
                Assert.Equal(picked.Count, picked.Distinct().Count());
                var want = fanouts[l] < 0 ? inDeg[dst[v]] : Math.Min(fanouts[l], inDeg[dst[v]]);
                if (exact) Assert.Equal(want, picked.Count);
                else Assert.True(picked.Count <= inDeg[dst[v]]);
            }
            // Every source node but the destination prefix is the source of some edge.
            var used = bsrc.ToHashSet();
            for (var i = dst.Length; i < src.Length; i++) Assert.Contains(i, used);
        }
    }
}
