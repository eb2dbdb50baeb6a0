using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvTestSupport;

namespace Dgl.Tests.Nn.Conv;

using Graph = Dgl.Graph;

public class GatedGraphConvTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void MatchesStepwiseReference(int nEtypes)
    {
        var g = Random(6, 12, 2);
        var e = g.NumEdges();
        var types = Tensor.From(Enumerable.Range(0, e).Select(i => (long)(i * 5 % nEtypes)).ToArray());
        var conv = new GatedGraphConv(2, 3, nSteps: 2, nEtypes, dtype: DType.Float64, generator: new Generator(3));
        using (GradMode.NoGrad()) foreach (var l in conv.Linears) l.Bias!.CopyFrom(Rand(4, 3));
        var x = Rand(5, 6, 2);
        var y = D(conv.Forward(g, x, nEtypes == 1 ? null : types));

        var xs = D(x);
        var h = Enumerable.Range(0, 6).Select(v => new[] { xs[v * 2], xs[v * 2 + 1], 0.0 }).ToArray();
        var ts = types.ToArray<long>();
        var incoming = InEdges(g);
        for (var step = 0; step < 2; step++)
        {
            var next = new double[6][];
            for (var v = 0; v < 6; v++)
            {
                var a = new double[3];
                foreach (var (u, eid) in incoming[v])
                {
                    var lin = conv.Linears[(int)ts[eid] % conv.Linears.Count];
                    var w = D(lin.Weight);
                    var b = D(lin.Bias!);
                    for (var o = 0; o < 3; o++)
                    {
                        a[o] += b[o];
                        for (var i = 0; i < 3; i++) a[o] += w[o * 3 + i] * h[u][i];
                    }
                }
                next[v] = RecurrentTests.GruReference(conv.Gru, a, h[v]);
            }
            h = next;
        }
        Close(h.SelectMany(r => r).ToArray(), y, 1e-9);
    }

    [Fact]
    public void GradientsInitialisationAndErrors()
    {
        var g = Random(5, 6, 7);
        var types = Tensor.From(Enumerable.Range(0, g.NumEdges()).Select(i => (long)(i % 2)).ToArray());
        var conv = new GatedGraphConv(2, 2, 2, 2, dtype: DType.Float64, generator: new Generator(8));
        var x = Rand(9, 5, 2).RequireGrad();
        GradCheck.Assert(t => conv.Forward(g, t[0], types), [x, conv.Linears[0].Weight, conv.Linears[1].Bias!, conv.Gru.WeightHh]);
        Assert.Throws<ArgumentException>(() => new GatedGraphConv(4, 3, 1, 1));
        Assert.Throws<ArgumentNullException>(() => conv.Forward(g, x));
        Assert.Throws<ArgumentException>(() => conv.Forward(Block(), Tensor.Ones(5, 2), types));
        var big = new GatedGraphConv(10, 300, 1, 2, generator: new Generator(1));
        var std = Math.Sqrt(D(big.Linears[1].Weight).Select(v => v * v).Average());
        var expected = Math.Sqrt(2) * Math.Sqrt(2.0 / 600);
        Assert.InRange(std, 0.97 * expected, 1.03 * expected);
        Assert.All(D(big.Linears[0].Bias!), v => Assert.Equal(0, v));
        g.EData[Graph.ETYPE] = types;
        Close(D(conv.Forward(g, x, types)), D(((IGraphModule)conv).Forward(g, x)));
    }
}
