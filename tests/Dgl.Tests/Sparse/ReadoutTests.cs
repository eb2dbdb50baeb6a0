using Dgl.Ops;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Sparse.SparseReference;

namespace Dgl.Tests.Sparse;

public class ReadoutTests
{
    /// <summary>Three graphs of 4, 2 and 5 nodes (the second without edges), batched.</summary>
    private static (Dgl.Graph Batched, int[] Nodes, int[] Edges) Batch()
    {
        var g1 = Dgl.Graph.Create([0, 1, 2, 3, 0], [1, 2, 3, 0, 2], 4);
        var g2 = Dgl.Graph.Create(Array.Empty<int>(), Array.Empty<int>(), 2);
        var g3 = Dgl.Graph.Create([0, 1, 2, 3], [4, 4, 4, 4], 5);
        return (Dgl.Graph.Batch([g1, g2, g3]), [4, 2, 5], [5, 0, 4]);
    }

    [Fact]
    public void Node_and_edge_readouts_match_naive_per_graph_reductions()
    {
        var (bg, nodes, edges) = Batch();
        var x = Random([11, 3], DType.Float64, 1);
        var w = Random([11, 1], DType.Float64, 2);
        var ex = Random([9, 2], DType.Float64, 3);
        bg.NData["x"] = x;
        bg.NData["w"] = w;
        bg.EData["x"] = ex;
        foreach (var op in new[] { ReduceOp.Sum, ReduceOp.Mean, ReduceOp.Max, ReduceOp.Min })
        {
            Close(Naive(Values(x), 3, nodes, op, Values(w)), Readout.ReadoutNodes(bg, "x", "w", op), 1e-12, 1e-12, $"nodes {op}");
            Close(Naive(Values(ex), 2, edges, op, null), Readout.ReadoutEdges(bg, "x", null, op), 1e-12, 1e-12, $"edges {op}");
        }
        Close(Naive(Values(x), 3, nodes, ReduceOp.Sum, null), Readout.SumNodes(bg, "x"), 1e-12, 1e-12, "sum_nodes");
        Close(Naive(Values(x), 3, nodes, ReduceOp.Mean, null), Readout.MeanNodes(bg, "x"), 1e-12, 1e-12, "mean_nodes");
        Close(Naive(Values(x), 3, nodes, ReduceOp.Max, null), Readout.MaxNodes(bg, "x"), 1e-12, 1e-12, "max_nodes");
        Close(Naive(Values(ex), 2, edges, ReduceOp.Mean, null), Readout.MeanEdges(bg, "x"), 1e-12, 1e-12, "mean_edges");
        Assert.Equal([3, 3], Readout.SumNodes(bg, "x").Shape.ToArray());
    }

    [Fact]
    public void Broadcast_and_softmax_work_per_graph_and_pass_gradcheck()
    {
        var (bg, nodes, _) = Batch();
        var hg = Random([3, 2], DType.Float64, 4);
        var b = Values(Readout.BroadcastNodes(bg, hg));
        var hv = Values(hg);
        var node = 0;
        for (var g = 0; g < 3; g++)
            for (var i = 0; i < nodes[g]; i++, node++)
                for (var j = 0; j < 2; j++) Assert.Equal(hv[g * 2 + j], b[node * 2 + j]);
        Assert.Equal([9, 2], Readout.BroadcastEdges(bg, hg).Shape.ToArray());

        var x = Random([11, 2], DType.Float64, 5, -2, 2);
        bg.NData["x"] = x;
        var sm = Values(Readout.SoftmaxNodes(bg, "x"));
        var xv = Values(x);
        var start = 0;
        foreach (var n in nodes)
        {
            for (var j = 0; j < 2; j++)
            {
                var s = Enumerable.Range(start, n).Sum(i => Math.Exp(xv[i * 2 + j]));
                for (var i = start; i < start + n; i++) Assert.Equal(Math.Exp(xv[i * 2 + j]) / s, sm[i * 2 + j], 12);
            }
            start += n;
        }
        GradCheck.Assert(t => Readout.BroadcastNodes(bg, t[0]), [hg.RequireGrad()]);
        x.RequireGrad();
        GradCheck.Assert(t =>
        {
            using var scope = bg.LocalScope();
            bg.NData["x"] = t[0];
            return Readout.SoftmaxNodes(bg, "x") + Readout.MaxNodes(bg, "x").Sum();
        }, [x]);
    }

    [Fact]
    public void TopK_ranks_within_each_graph_and_pads_small_graphs_with_zeros()
    {
        var (bg, nodes, _) = Batch();
        var x = Random([11, 3], DType.Float64, 6);
        bg.NData["x"] = x;
        var xv = Values(x);
        const int k = 3;
        foreach (var descending in new[] { true, false })
        {
            var (vals, idx) = Readout.TopKNodes(bg, "x", k, descending, sortBy: 1);
            Assert.Equal([3, k, 3], vals.Shape.ToArray());
            Assert.Equal([3, k], idx.Shape.ToArray());
            var v = Values(vals);
            var ix = idx.ToArray<long>();
            var start = 0;
            for (var g = 0; g < 3; g++)
            {
                var order = Enumerable.Range(0, nodes[g]).OrderBy(i => descending ? -xv[(start + i) * 3 + 1] : xv[(start + i) * 3 + 1]).ToArray();
                for (var j = 0; j < k; j++)
                {
                    if (j < nodes[g])
                    {
                        Assert.Equal(order[j], ix[g * k + j]);
                        for (var c = 0; c < 3; c++) Assert.Equal(xv[(start + order[j]) * 3 + c], v[(g * k + j) * 3 + c]);
                    }
                    else
                    {
                        Assert.Equal(j, ix[g * k + j]);
                        for (var c = 0; c < 3; c++) Assert.Equal(0, v[(g * k + j) * 3 + c]);
                    }
                }
                start += nodes[g];
            }
            // Column-wise: every column ranked on its own.
            var (cv, ci) = Readout.TopKNodes(bg, "x", k, descending);
            Assert.Equal([3, k, 3], ci.Shape.ToArray());
            var cvv = Values(cv);
            start = 0;
            for (var g = 0; g < 3; g++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var sorted = Enumerable.Range(0, nodes[g]).Select(i => xv[(start + i) * 3 + c]).OrderBy(t => descending ? -t : t).ToArray();
                    for (var j = 0; j < k; j++) Assert.Equal(j < sorted.Length ? sorted[j] : 0, cvv[(g * k + j) * 3 + c]);
                }
                start += nodes[g];
            }
        }
        x.RequireGrad();
        GradCheck.Assert(t =>
        {
            using var scope = bg.LocalScope();
            bg.NData["x"] = t[0];
            return Readout.TopKNodes(bg, "x", 2, sortBy: 0).Values;
        }, [x]);
    }

    private static double[] Naive(double[] x, int width, int[] counts, ReduceOp op, double[]? w)
    {
        var res = new double[counts.Length * width];
        var start = 0;
        for (var g = 0; g < counts.Length; g++)
        {
            for (var j = 0; j < width; j++)
            {
                if (counts[g] == 0) continue;
                var vals = Enumerable.Range(start, counts[g]).Select(i => x[i * width + j] * (w?[i] ?? 1)).ToList();
                res[g * width + j] = op switch { ReduceOp.Sum => vals.Sum(), ReduceOp.Mean => vals.Average(), ReduceOp.Max => vals.Max(), _ => vals.Min() };
            }
            start += counts[g];
        }
        return res;
    }
}
