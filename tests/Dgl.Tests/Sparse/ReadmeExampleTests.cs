using Dgl.Nn;
using Dgl.Ops;
using static Dgl.Tests.Sparse.SparseReference;

namespace Dgl.Tests.Sparse;

/// <summary>The README's "A taste of the API" block (with the analyzers' string comparers), with what its comments claim checked.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void The_readme_example_runs_and_its_paths_agree()
    {
        var g = Dgl.Graph.Create(src: new[] { 0, 1, 2, 3 }, dst: new[] { 1, 2, 3, 0 });
        g.NData["h"] = Tensor.Randn(new Shape(4, 8), generator: new Generator(0));
        g.EData["w"] = Tensor.Ones(4, 1);

        g.UpdateAll(Fn.UMulE("h", "w", "m"), Fn.Sum("m", "h_new"));

        g.UpdateAll(
            Fn.Message(edges => new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["m"] = edges.Src["h"] * edges.Data["w"] }),
            Fn.Reduce(nodes => new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["h_udf"] = nodes.Mailbox["m"].Sum(1) }));

        Tensor agg = SparseOps.GSpMM(g, "mul", "sum", g.NData["h"], g.EData["w"]);
        Tensor att = SparseOps.EdgeSoftmax(g, SparseOps.GSDDMM(g, "dot", g.NData["h"], g.NData["h"]));

        var conv = new GraphConv(8, 2, activation: t => t.Relu(), allowZeroInDegree: true);
        Tensor y = conv.Forward(g, g.NData["h"]);
        y.Sum().Backward();

        // On the cycle, node v's only in-edge comes from v − 1 with weight 1: every aggregation is h shifted by one row.
        var h = Values(g.NData["h"]);
        var shifted = new double[32];
        for (var v = 0; v < 4; v++) for (var j = 0; j < 8; j++) shifted[v * 8 + j] = h[(v + 3) % 4 * 8 + j];
        Close(shifted, g.NData["h_new"], 0, 0, "builtin");
        Close(shifted, g.NData["h_udf"], 1e-6, 1e-6, "UDF");
        Close(shifted, agg, 0, 0, "gspmm");
        // One in-edge per node: each attention weight is 1.
        Assert.Equal([4, 1], att.Shape.ToArray());
        Close([1, 1, 1, 1], att, 1e-7, 1e-7, "edge softmax");
        var grad = conv.Weight?.Grad;
        Assert.NotNull(grad);
        Assert.Equal([8, 2], grad.Shape.ToArray());
    }
}
