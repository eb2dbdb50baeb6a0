using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvFixtures;

namespace Dgl.Tests.Nn.Conv;

using Graph = Dgl.Graph;

/// <summary>GATConv, GATv2Conv and DotGatConv against edge-by-edge attention computed in double.</summary>
public class AttentionConvTests
{
    /// <summary>Per-head projected features [n][h][f] of x·Wᵀ (+ b).</summary>
    private static double[][][] Heads(double[,] x, Linear fc, int heads, int outF)
    {
        var y = Linear(x, M(fc.Weight), fc.Bias is null ? null : V(fc.Bias));
        var r = new double[x.GetLength(0)][][];
        for (var i = 0; i < r.Length; i++)
        {
            r[i] = new double[heads][];
            for (var k = 0; k < heads; k++)
            {
                r[i][k] = new double[outF];
                for (var f = 0; f < outF; f++) r[i][k][f] = y[i, k * outF + f];
            }
        }
        return r;
    }

    /// <summary>α[e][k] = softmax over dst(e)'s in-edges of score(e, k); out[v][k] = Σ α ft_src[u][k].</summary>
    private static (double[][][] Out, double[][] Alpha) Attend(int[] src, int[] dst, int numDst, double[][][] ftSrc, int heads, int outF,
        Func<int, int, double> score)
    {
        var alpha = new double[src.Length][];
        for (var e = 0; e < src.Length; e++) alpha[e] = new double[heads];
        var output = new double[numDst][][];
        for (var v = 0; v < numDst; v++)
        {
            output[v] = new double[heads][];
            for (var k = 0; k < heads; k++)
            {
                output[v][k] = new double[outF];
                var edges = Enumerable.Range(0, src.Length).Where(e => dst[e] == v).ToArray();
                if (edges.Length == 0) continue;
                var max = edges.Max(e => score(e, k));
                var denom = edges.Sum(e => Math.Exp(score(e, k) - max));
                foreach (var e in edges)
                {
                    alpha[e][k] = Math.Exp(score(e, k) - max) / denom;
                    for (var f = 0; f < outF; f++) output[v][k][f] += alpha[e][k] * ftSrc[src[e]][k][f];
                }
            }
        }
        return (output, alpha);
    }

    private static double Leaky(double x, double slope) => x >= 0 ? x : slope * x;

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    private static void Close3(double[][][] expected, Tensor actual, double tol)
    {
        var a = V(actual);
        var i = 0;
        foreach (var row in expected)
            foreach (var head in row)
                foreach (var x in head)
                {
                    Assert.True(Math.Abs(x - a[i]) <= tol, $"element {i}: expected {x:R}, got {a[i]:R}");
                    i++;
                }
        Assert.Equal(i, a.Length);
    }

    private static double[] Row(Tensor t, int k) => V(t.Reshape(t.Size(1), -1)[k]);

    [Fact]
    public void GatHandComputedWithLinearResidualAndEdgeWeights()
    {
        const int inF = 3, outF = 2, heads = 2;
        var gat = new GATConv(inF, outF, heads, negativeSlope: 0.2, residual: true, activation: t => t.Elu(), dtype: DType.Float64, generator: new Generator(1));
        Assert.NotNull(gat.ResFc);
        using (GradMode.NoGrad()) gat.ResFc!.Bias!.CopyFrom(Tensor.Uniform([4], -1, 1, DType.Float64, new Generator(7)));
        var x = Randn(4, inF, 2);
        var ew = Tensor.Uniform([6], 0.5, 1.5, DType.Float64, new Generator(3));
        var (y, a) = gat.ForwardWithAttention(Graph4(), x, ew);
        var ft = Heads(M(x), gat.Fc!, heads, outF);
        var al = V(gat.AttnL);
        var ar = V(gat.AttnR);
        double El(int u, int k) => Dot(ft[u][k], al[(k * outF)..((k + 1) * outF)]);
        double Er(int v, int k) => Dot(ft[v][k], ar[(k * outF)..((k + 1) * outF)]);
        var w = V(ew);
        // Edge weights scale the attention after the softmax (DGL multiplies edata["a"] by them).
        var (_, alpha) = Attend(Src4, Dst4, 4, ft, heads, outF, (e, k) => Leaky(El(Src4[e], k) + Er(Dst4[e], k), 0.2));
        var res = Linear(M(x), M(gat.ResFc.Weight), V(gat.ResFc.Bias));
        var expected = new double[4][][];
        for (var v = 0; v < 4; v++)
        {
            expected[v] = new double[heads][];
            for (var k = 0; k < heads; k++)
            {
                expected[v][k] = new double[outF];
                for (var e = 0; e < 6; e++)
                    if (Dst4[e] == v)
                        for (var f = 0; f < outF; f++) expected[v][k][f] += alpha[e][k] * w[e] * ft[Src4[e]][k][f];
                for (var f = 0; f < outF; f++)
                {
                    var z = expected[v][k][f] + res[v, k * outF + f];
                    expected[v][k][f] = z > 0 ? z : Math.Exp(z) - 1;
                }
            }
        }
        Close3(expected, y, 1e-12);
        Assert.Equal([6, heads, 1], a.Shape.ToArray());
        var av = V(a);
        for (var e = 0; e < 6; e++)
            for (var k = 0; k < heads; k++) Assert.Equal(alpha[e][k] * w[e], av[e * heads + k], 12);
    }

    [Fact]
    public void GatAttentionSumsToOnePerDestinationAndBiasIsAdded()
    {
        var gat = new GATConv(3, 2, 3, dtype: DType.Float64, generator: new Generator(4));
        using (GradMode.NoGrad()) gat.Bias!.CopyFrom(Tensor.Uniform([6], -1, 1, DType.Float64, new Generator(5)));
        var x = Randn(4, 3, 6);
        var (y, a) = gat.ForwardWithAttention(Graph4(), x);
        var av = V(a);
        for (var v = 0; v < 4; v++)
            for (var k = 0; k < 3; k++)
                Assert.Equal(1.0, Enumerable.Range(0, 6).Where(e => Dst4[e] == v).Sum(e => av[e * 3 + k]), 12);
        var ft = Heads(M(x), gat.Fc!, 3, 2);
        var b = V(gat.Bias);
        var yv = V(y);
        for (var v = 0; v < 4; v++)
            for (var k = 0; k < 3; k++)
                for (var f = 0; f < 2; f++)
                {
                    var s = b[k * 2 + f];
                    for (var e = 0; e < 6; e++) if (Dst4[e] == v) s += av[e * 3 + k] * ft[Src4[e]][k][f];
                    Assert.Equal(s, yv[(v * 3 + k) * 2 + f], 12);
                }
    }

    [Fact]
    public void GatShapesOnGraphBlockAndBipartite()
    {
        var gat = new GATConv(6, 4, 3, generator: new Generator(0));
        Assert.Equal([4, 3, 4], gat.Forward(Graph4(), Randn(4, 6, 1, DType.Float32)).Shape.ToArray());
        Assert.Equal([3, 3, 4], gat.Forward(Block(), Randn(5, 6, 2, DType.Float32)).Shape.ToArray());
        var pair = new GATConv((6, 5), 4, 3, residual: true, generator: new Generator(0));
        var (y, a) = pair.ForwardWithAttention(Bipartite(), (Randn(4, 6, 3, DType.Float32), Randn(3, 5, 4, DType.Float32)));
        Assert.Equal([3, 3, 4], y.Shape.ToArray());
        Assert.Equal([6, 3, 1], a.Shape.ToArray());
        Assert.Throws<TensorShapeException>(() => pair.Forward(Block(), Randn(5, 6, 5, DType.Float32)));
    }

    [Fact]
    public void GatBlockMatchesTheGraphItCameFrom()
    {
        // A block whose destinations are the first 3 sources computes what the full graph computes at those nodes.
        var gat = new GATConv(3, 2, 2, residual: true, dtype: DType.Float64, generator: new Generator(3));
        var x = Randn(5, 3, 8);
        var full = Graph.Create(BlockSrc, BlockDst, 5);
        gat.AllowZeroInDegree = true;   // nodes 3 and 4 of the full graph have no in-edges
        var yFull = gat.ForwardWithAttention(full, x).Output;
        var yBlock = gat.Forward(Block(), x);
        Close(M(yFull.Reshape(5, -1).Slice(0, 3)), yBlock.Reshape(3, -1), 1e-12);
    }

    [Fact]
    public void GatGradCheck()
    {
        var gat = new GATConv(3, 2, 2, residual: true, activation: t => t.Tanh(), dtype: DType.Float64, generator: new Generator(5));
        var x = Randn(4, 3, 9).RequireGrad();
        var ew = Tensor.Uniform([6], 0.5, 1.5, DType.Float64, new Generator(3)).RequireGrad();
        GradCheckModule(gat, () => gat.Forward(Graph4(), x, ew), x, ew);
        var identity = new GATConv(4, 2, 2, residual: true, dtype: DType.Float64, generator: new Generator(6));
        Assert.Null(identity.ResFc);
        var xb = Randn(5, 4, 10).RequireGrad();
        GradCheckModule(identity, () => identity.Forward(Block(), xb), xb);
    }

    [Fact]
    public void GatResetParametersIsXavierNormalWithReluGain()
    {
        var gat = new GATConv(200, 60, 20, generator: new Generator(1));
        gat.ResetParameters(new Generator(2));
        var gain = Math.Sqrt(2);
        AssertNormal(gat.Fc!.Weight, gain * Math.Sqrt(2.0 / (200 + 1200)));
        // attn_l is [1, heads, out]: fan_in = heads·out, fan_out = out.
        AssertNormal(gat.AttnL, gain * Math.Sqrt(2.0 / (1200 + 60)));
        AssertNormal(gat.AttnR, gain * Math.Sqrt(2.0 / (1200 + 60)));
        Assert.All(V(gat.Bias!), b => Assert.Equal(0, b));
    }

    [Fact]
    public void GatDropoutOnlyInTraining()
    {
        var gat = new GATConv(3, 2, 2, featDrop: 0.5, attnDrop: 0.5, dtype: DType.Float64, generator: new Generator(1));
        var plain = new GATConv(3, 2, 2, dtype: DType.Float64, generator: new Generator(1));
        var x = Randn(4, 3, 2);
        var trained = V(gat.Forward(Graph4(), x));
        gat.Eval();
        Assert.Equal(V(plain.Forward(Graph4(), x)), V(gat.Forward(Graph4(), x)));
        Assert.NotEqual(V(plain.Forward(Graph4(), x)), trained);
    }

    [Fact]
    public void GatZeroInDegree()
    {
        var x = Randn(5, 3, 1, DType.Float32);
        AssertZeroInDegreeError(() => new GATConv(3, 2, 2).Forward(WithIsolatedNode(), x));
        var y = new GATConv(3, 2, 2, allowZeroInDegree: true, bias: false).Forward(WithIsolatedNode(), x);
        Assert.All(V(y[4]), v => Assert.Equal(0, v));
    }

    [Fact]
    public void GatSparseFeaturesMatchDense()
    {
        var dense = Tensor.From([0.0, 1, 0, 2, 0, 0, 0, 0, 3, 0.5, 0, 0], [4, 3]);
        var gat = new GATConv(3, 2, 2, dtype: DType.Float64, generator: new Generator(2));
        var y1 = gat.Forward(Graph4(), dense);
        var y2 = gat.Forward(Graph4(), SparseFeatures.FromDense(dense));
        Close(M(y1.Reshape(4, -1)), y2.Reshape(4, -1), 1e-12);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GatV2HandComputed(bool shareWeights)
    {
        const int inF = 3, outF = 2, heads = 2;
        var conv = new GATv2Conv(inF, outF, heads, negativeSlope: 0.1, residual: true, shareWeights: shareWeights,
            dtype: DType.Float64, generator: new Generator(2));
        using (GradMode.NoGrad())
        {
            conv.FcSrc.Bias!.CopyFrom(Tensor.Uniform([4], -1, 1, DType.Float64, new Generator(3)));
            conv.FcDst.Bias!.CopyFrom(Tensor.Uniform([4], -1, 1, DType.Float64, new Generator(4)));
        }
        var x = Randn(4, inF, 5);
        var (y, a) = conv.ForwardWithAttention(Graph4(), x);
        var fs = Heads(M(x), conv.FcSrc, heads, outF);
        var fd = Heads(M(x), conv.FcDst, heads, outF);
        var attn = V(conv.Attn);
        double Score(int e, int k)
        {
            var s = 0.0;
            for (var f = 0; f < outF; f++) s += attn[k * outF + f] * Leaky(fs[Src4[e]][k][f] + fd[Dst4[e]][k][f], 0.1);
            return s;
        }
        var (expected, alpha) = Attend(Src4, Dst4, 4, fs, heads, outF, Score);
        var res = Linear(M(x), M(conv.ResFc!.Weight), V(conv.ResFc.Bias!));
        for (var v = 0; v < 4; v++)
            for (var k = 0; k < heads; k++)
                for (var f = 0; f < outF; f++) expected[v][k][f] += res[v, k * outF + f];
        Close3(expected, y, 1e-12);
        var av = V(a);
        for (var e = 0; e < 6; e++)
            for (var k = 0; k < heads; k++) Assert.Equal(alpha[e][k], av[e * heads + k], 12);
    }

    [Fact]
    public void GatV2ShapesGradAndInit()
    {
        var conv = new GATv2Conv(6, 4, 3, generator: new Generator(0));
        Assert.Equal([4, 3, 4], conv.Forward(Graph4(), Randn(4, 6, 1, DType.Float32)).Shape.ToArray());
        Assert.Equal([3, 3, 4], conv.Forward(Block(), Randn(5, 6, 2, DType.Float32)).Shape.ToArray());
        var pair = new GATv2Conv((6, 5), 4, 3, generator: new Generator(0));
        Assert.Equal([3, 3, 4], pair.Forward(Bipartite(), (Randn(4, 6, 3, DType.Float32), Randn(3, 5, 4, DType.Float32))).Shape.ToArray());

        var g64 = new GATv2Conv(3, 2, 2, residual: true, activation: t => t.Tanh(), dtype: DType.Float64, generator: new Generator(5));
        var x = Randn(4, 3, 9).RequireGrad();
        GradCheckModule(g64, () => g64.Forward(Graph4(), x), x);
        var xb = Randn(5, 3, 10).RequireGrad();
        GradCheckModule(g64, () => g64.Forward(Block(), xb), xb);

        var big = new GATv2Conv(200, 60, 20, generator: new Generator(1));
        big.ResetParameters(new Generator(2));
        AssertNormal(big.FcSrc.Weight, Math.Sqrt(2) * Math.Sqrt(2.0 / (200 + 1200)));
        AssertNormal(big.Attn, Math.Sqrt(2) * Math.Sqrt(2.0 / (1200 + 60)));
        Assert.All(V(big.FcDst.Bias!), b => Assert.Equal(0, b));
        AssertZeroInDegreeError(() => conv.Forward(WithIsolatedNode(), Randn(5, 6, 1, DType.Float32)));
    }

    [Fact]
    public void GatV2AndDotGatRunOnZeroInDegreeNodesWhenAllowed()
    {
        // Allowed, the isolated node 4 gets no attention output (no residual, no output bias: 0), and nodes 0..3 get what
        // the same layer gives on the graph without node 4.
        var x = Randn(5, 3, 12);
        var v2 = new GATv2Conv(3, 2, 2, allowZeroInDegree: true, dtype: DType.Float64, generator: new Generator(3));
        var dot = new DotGatConv(3, 2, 2, allowZeroInDegree: true, dtype: DType.Float64, generator: new Generator(4));
        foreach (var run in new Func<Graph, Tensor, Tensor>[] { v2.Forward, dot.Forward })
        {
            var y = run(WithIsolatedNode(), x).Reshape(5, -1);
            Assert.All(V(y[4]), v => Assert.Equal(0, v));
            Close(M(run(Graph4(), x.Slice(0, 4)).Reshape(4, -1)), y.Slice(0, 4), 1e-12);
        }
    }

    [Fact]
    public void DotGatHandComputed()
    {
        const int inF = 3, outF = 2, heads = 2;
        var conv = new DotGatConv(inF, outF, heads, dtype: DType.Float64, generator: new Generator(2));
        var x = Randn(4, inF, 5);
        var (y, a) = conv.ForwardWithAttention(Graph4(), x);
        var ft = Heads(M(x), conv.Fc!, heads, outF);
        var (expected, alpha) = Attend(Src4, Dst4, 4, ft, heads, outF, (e, k) => Dot(ft[Src4[e]][k], ft[Dst4[e]][k]) / Math.Sqrt(outF));
        Close3(expected, y, 1e-12);
        var av = V(a);
        for (var e = 0; e < 6; e++)
            for (var k = 0; k < heads; k++) Assert.Equal(alpha[e][k], av[e * heads + k], 12);
    }

    [Fact]
    public void DotGatShapesGradAndInit()
    {
        var conv = new DotGatConv(6, 4, 3, generator: new Generator(0));
        Assert.Equal([4, 3, 4], conv.Forward(Graph4(), Randn(4, 6, 1, DType.Float32)).Shape.ToArray());
        Assert.Equal([3, 3, 4], conv.Forward(Block(), Randn(5, 6, 2, DType.Float32)).Shape.ToArray());
        var pair = new DotGatConv((6, 5), 4, 3, generator: new Generator(0));
        Assert.Equal([3, 3, 4], pair.Forward(Bipartite(), (Randn(4, 6, 3, DType.Float32), Randn(3, 5, 4, DType.Float32))).Shape.ToArray());

        var g64 = new DotGatConv(3, 2, 2, dtype: DType.Float64, generator: new Generator(5));
        var x = Randn(4, 3, 9).RequireGrad();
        GradCheckModule(g64, () => g64.Forward(Graph4(), x), x);
        var p64 = new DotGatConv((3, 4), 2, 2, dtype: DType.Float64, generator: new Generator(6));
        var xs = Randn(4, 3, 10).RequireGrad();
        var xd = Randn(3, 4, 11).RequireGrad();
        GradCheckModule(p64, () => p64.Forward(Bipartite(), (xs, xd)), xs, xd);

        var big = new DotGatConv(400, 10, 10, generator: new Generator(1));
        big.ResetParameters(new Generator(2));
        AssertUniform(big.Fc!.Weight, 1 / Math.Sqrt(400));
        AssertZeroInDegreeError(() => conv.Forward(WithIsolatedNode(), Randn(5, 6, 1, DType.Float32)));
    }
}
