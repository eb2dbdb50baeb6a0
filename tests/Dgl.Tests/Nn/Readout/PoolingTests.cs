using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvTestSupport;

namespace Dgl.Tests.Nn.Readout;

using Graph = Dgl.Graph;

public class PoolingTests
{
    private static Graph Batched() => Graph.Batch([
        Graph.Create([0, 1], [1, 2], 3),
        Graph.Create([0], [0], 1),
        Graph.Create([], [], 0),
        Graph.Create([0, 1, 2], [1, 2, 3], 4),
    ]);

    [Fact]
    public void SumAvgMaxMatchPerGraphLoops()
    {
        var g = Batched();
        var x = Rand(1, 8, 3);
        var xs = D(x);
        int[] counts = [3, 1, 0, 4];
        var sum = D(new SumPooling().Forward(g, x));
        var avg = D(new AvgPooling().Forward(g, x));
        var max = D(new MaxPooling().Forward(g, x));
        Assert.Equal(4 * 3, sum.Length);
        var start = 0;
        for (var b = 0; b < 4; b++)
        {
            for (var f = 0; f < 3; f++)
            {
                var col = Enumerable.Range(start, counts[b]).Select(k => xs[k * 3 + f]).ToArray();
                Assert.Equal(col.Sum(), sum[b * 3 + f], 12);
                Assert.Equal(col.Length == 0 ? 0 : col.Average(), avg[b * 3 + f], 12);
                Assert.Equal(col.Length == 0 ? 0 : col.Max(), max[b * 3 + f], 12);
            }
            start += counts[b];
        }
    }

    [Fact]
    public void SingleGraphGivesOneRowAndGradientsCheck()
    {
        var g = Four();
        var x = Rand(2, 4, 2).RequireGrad();
        Assert.Equal(new Shape(1, 2), new SumPooling().Forward(g, x).Shape);
        var bg = Batched();
        var xb = Rand(3, 8, 2).RequireGrad();
        GradCheck.Assert(t => new SumPooling().Forward(bg, t[0]), [xb]);
        GradCheck.Assert(t => new AvgPooling().Forward(bg, t[0]), [xb]);
        GradCheck.Assert(t => new MaxPooling().Forward(bg, t[0]), [xb]);
        var e = Assert.Throws<TensorShapeException>(() => new SumPooling().Forward(bg, x));
        Assert.Contains("8 nodes in 4 graph(s)", e.Message, StringComparison.Ordinal);
    }
}
