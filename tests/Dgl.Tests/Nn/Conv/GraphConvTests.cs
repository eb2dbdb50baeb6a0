using Dgl.Nn;
using static Dgl.Tests.Nn.Conv.ConvFixtures;

namespace Dgl.Tests.Nn.Conv;

using Graph = Dgl.Graph;

public class GraphConvTests
{
    /// <summary>h_v = Σ_{(u,v)} e_uv / c_uv · (x_u W) + b, computed edge by edge in double.</summary>
    private static double[,] Reference(int[] src, int[] dst, int numSrc, int numDst, double[,] x, double[,] w, double[]? b,
        string norm, double[]? edgeWeight)
    {
        var outDeg = Degrees(src, numSrc);
        var inDeg = Degrees(dst, numDst);
        double Coef(int e)
        {
            var c = edgeWeight?[e] ?? 1.0;
            var du = Math.Max(1, outDeg[src[e]]);
            var dv = Math.Max(1, inDeg[dst[e]]);
            return norm switch
            {
                "both" => c / Math.Sqrt(du) / Math.Sqrt(dv),
                "right" => c / dv,
                "left" => c / du,
                _ => c,
            };
        }
        var y = MatMul(Propagate(src, dst, numDst, x, Coef), w);
        if (b is not null)
            for (var i = 0; i < y.GetLength(0); i++)
                for (var j = 0; j < y.GetLength(1); j++) y[i, j] += b[j];
        return y;
    }

    [Theory]
    [InlineData("both", 5, 3)]
    [InlineData("right", 3, 5)]
    [InlineData("left", 5, 3)]
    [InlineData("none", 3, 5)]
    public void HandComputedOnFourNodes(string norm, int inF, int outF)
    {
        var conv = new GraphConv(inF, outF, norm, dtype: DType.Float64, generator: new Generator(1));
        using (GradModeOff()) conv.Bias!.CopyFrom(Tensor.Uniform([outF], -1, 1, DType.Float64, new Generator(2)));
        var x = Randn(4, inF, 3);
        var y = conv.Forward(Graph4(), x);
        Close(Reference(Src4, Dst4, 4, 4, M(x), M(conv.Weight!), V(conv.Bias), norm, null), y, 1e-12);
    }

    [Fact]
    public void HandComputedNormBothByHand()
    {
        // x = [1, 2, 3, 4] (one feature), W = [[1]], no bias: h_v = Σ_u x_u / √(dout(u)·din(v)).
        var conv = new GraphConv(1, 1, bias: false, dtype: DType.Float64);
        using (GradModeOff()) conv.Weight!.FillInPlace(1);
        var y = V(conv.Forward(Graph4(), Tensor.From([1.0, 2, 3, 4], [4, 1])));
        // node 0 ← 2 (dout 2), 3 (dout 1); din 2.   node 1 ← 0 (dout 2); din 1.
        // node 2 ← 1 (dout 1), 0 (dout 2); din 2.   node 3 ← 2 (dout 2); din 1.
        Assert.Equal(3 / Math.Sqrt(4) + 4 / Math.Sqrt(2), y[0], 12);
        Assert.Equal(1 / Math.Sqrt(2), y[1], 12);
        Assert.Equal(2 / Math.Sqrt(2) + 1 / Math.Sqrt(4), y[2], 12);
        Assert.Equal(3 / Math.Sqrt(2), y[3], 12);
    }

    [Fact]
    public void EdgeWeightsActivationAndExternalWeight()
    {
        var ew = Tensor.Uniform([6], 0.5, 2, DType.Float64, new Generator(4));
        var conv = new GraphConv(3, 2, "both", weight: false, activation: t => t.Relu(), dtype: DType.Float64);
        var w = Randn(3, 2, 5);
        var x = Randn(4, 3, 6);
        var y = conv.Forward(Graph4(), x, ew, w);
        var expected = Reference(Src4, Dst4, 4, 4, M(x), M(w), V(conv.Bias!), "both", V(ew));
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 2; j++) expected[i, j] = Math.Max(0, expected[i, j]);
        Close(expected, y, 1e-12);
        var own = new GraphConv(3, 2, dtype: DType.Float64);
        var ex = Assert.Throws<ArgumentException>(() => own.Forward(Graph4(), x, null, w));
        Assert.Contains("weight: false", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapesOnGraphBlockAndBipartite()
    {
        var conv = new GraphConv(6, 4, generator: new Generator(0));
        Assert.Equal([4, 4], conv.Forward(Graph4(), Randn(4, 6, 1, DType.Float32)).Shape.ToArray());
        Assert.Equal([4, 3, 4], conv.Forward(Graph4(), Tensor.Randn([4, 3, 6], generator: new Generator(1))).Shape.ToArray());
        var yb = conv.Forward(Block(), Randn(5, 6, 2, DType.Float32));
        Assert.Equal([3, 4], yb.Shape.ToArray());
        var yp = conv.Forward(Bipartite(), (Randn(4, 6, 3, DType.Float32), Randn(3, 6, 4, DType.Float32)));
        Assert.Equal([3, 4], yp.Shape.ToArray());
    }

    [Fact]
    public void BlockAndBipartiteMatchReference()
    {
        var conv = new GraphConv(3, 2, dtype: DType.Float64, generator: new Generator(9));
        var xs = Randn(5, 3, 10);
        Close(Reference(BlockSrc, BlockDst, 5, 3, M(xs), M(conv.Weight!), V(conv.Bias!), "both", null), conv.Forward(Block(), xs), 1e-12);
        var xu = Randn(4, 3, 11);
        Close(Reference(BipSrc, BipDst, 4, 3, M(xu), M(conv.Weight!), V(conv.Bias!), "both", null),
            conv.Forward(Bipartite(), (xu, Randn(3, 3, 12))), 1e-12);
    }

    [Theory]
    [InlineData("both", 5, 3)]
    [InlineData("left", 3, 5)]
    public void GradCheckThroughModule(string norm, int inF, int outF)
    {
        var conv = new GraphConv(inF, outF, norm, activation: t => t.Tanh(), dtype: DType.Float64, generator: new Generator(3));
        var x = Randn(4, inF, 4).RequireGrad();
        var ew = Tensor.Uniform([6], 0.5, 2, DType.Float64, new Generator(5)).RequireGrad();
        GradCheckModule(conv, () => conv.Forward(Graph4(), x, ew), x, ew);
        var xb = Randn(5, inF, 6).RequireGrad();
        GradCheckModule(conv, () => conv.Forward(Block(), xb), xb);
    }

    [Fact]
    public void ResetParametersIsXavierUniformAndZeroBias()
    {
        var conv = new GraphConv(200, 300, generator: new Generator(8));
        using (GradModeOff()) conv.Bias!.FillInPlace(3);
        conv.ResetParameters(new Generator(9));
        AssertUniform(conv.Weight!, Math.Sqrt(6.0 / (200 + 300)));
        Assert.All(V(conv.Bias), b => Assert.Equal(0, b));
    }

    [Fact]
    public void ZeroInDegreeRaisesUnlessAllowed()
    {
        var g = WithIsolatedNode();
        var x = Randn(5, 3, 1, DType.Float32);
        AssertZeroInDegreeError(() => new GraphConv(3, 2).Forward(g, x));
        var y = new GraphConv(3, 2, allowZeroInDegree: true).Forward(g, x);
        Assert.Equal([5, 2], y.Shape.ToArray());
    }

    [Fact]
    public void InvalidNormIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new GraphConv(3, 2, "sym"));
        Assert.Contains("\"sym\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EdgeWeightNormBothGivesTheDefaultNormalisation()
    {
        var g = Graph4();
        var x = Randn(4, 3, 7);
        var a = new GraphConv(3, 2, "both", dtype: DType.Float64, generator: new Generator(1));
        var b = new GraphConv(3, 2, "none", dtype: DType.Float64, generator: new Generator(1));
        var w = new EdgeWeightNorm("both").Forward(g, Tensor.Ones([6], DType.Float64));
        Close(M(a.Forward(g, x)), b.Forward(g, x, w), 1e-12);
    }

    [Fact]
    public void SparseFeaturesGiveTheDenseResultAndGradient()
    {
        var g = Graph4();
        var dense = Tensor.From([0.0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 3, 0.5, 0, 0, 0, 0, 0, 0, 1], [4, 5]);
        var conv = new GraphConv(5, 2, dtype: DType.Float64, generator: new Generator(2));
        var y1 = conv.Forward(g, dense);
        y1.Sum().Backward();
        var g1 = V(conv.Weight!.Grad!);
        conv.ZeroGrad();
        var y2 = conv.Forward(g, SparseFeatures.FromDense(dense));
        y2.Sum().Backward();
        Close(M(y1), y2, 1e-12);
        Assert.Equal(g1, V(conv.Weight!.Grad!), new ToleranceComparer(1e-12));
    }

    private static IDisposable GradModeOff() => Dgl.Tensors.Autograd.GradMode.NoGrad();
}

/// <summary>Compares doubles within an absolute tolerance.</summary>
internal sealed class ToleranceComparer(double tol) : IEqualityComparer<double>
{
    public bool Equals(double x, double y) => Math.Abs(x - y) <= tol;

    public int GetHashCode(double obj) => 0;
}
