using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvFixtures;

namespace Dgl.Tests.Nn.Conv;

using Graph = Dgl.Graph;

/// <summary>SGConv, APPNPConv, TAGConv, ChebConv, GCN2Conv and EdgeWeightNorm against dense propagation in double.</summary>
public class PropagationConvTests
{
    /// <summary>Â x with Â[v, u] = Σ_{e=(u,v)} w_e · f(u) · g(v).</summary>
    private static double[,] Step(double[,] x, Func<int, double> coef) => Propagate(Src4, Dst4, 4, x, coef);

    private static readonly int[] InDeg = Degrees(Dst4, 4);
    private static readonly int[] OutDeg = Degrees(Src4, 4);

    /// <summary>D_in^−½ A D_in^−½ per edge.</summary>
    private static double SymIn(int e) => 1 / Math.Sqrt(InDeg[Src4[e]] * (double)InDeg[Dst4[e]]);

    /// <summary>D_in^−½ A D_out^−½ per edge.</summary>
    private static double SymInOut(int e) => 1 / Math.Sqrt(OutDeg[Src4[e]] * (double)InDeg[Dst4[e]]);

    /// <summary>EdgeWeightNorm("both") by hand: w_e / √(Σ out-weights of u · Σ in-weights of v).</summary>
    private static double[] NormBoth(double[] w, int[] src, int[] dst, int n, double eps = 0)
    {
        var outW = new double[n];
        var inW = new double[n];
        for (var e = 0; e < w.Length; e++)
        {
            outW[src[e]] += w[e];
            inW[dst[e]] += w[e];
        }
        return [.. w.Select((x, e) => x / Math.Sqrt(outW[src[e]] + eps) / Math.Sqrt(inW[dst[e]] + eps))];
    }

    private static double[,] AddBias(double[,] y, double[]? b)
    {
        if (b is null) return y;
        for (var i = 0; i < y.GetLength(0); i++)
            for (var j = 0; j < y.GetLength(1); j++) y[i, j] += b[j];
        return y;
    }

    private static double[,] Combine(double[,] a, double ca, double[,] b, double cb)
    {
        var y = new double[a.GetLength(0), a.GetLength(1)];
        for (var i = 0; i < y.GetLength(0); i++)
            for (var j = 0; j < y.GetLength(1); j++) y[i, j] = ca * a[i, j] + cb * b[i, j];
        return y;
    }

    // ---- EdgeWeightNorm ----

    [Fact]
    public void EdgeWeightNormBothRightAndNone()
    {
        var w = Tensor.Uniform([6], 0.5, 2, DType.Float64, new Generator(1));
        var wv = V(w);
        var both = V(new EdgeWeightNorm("both", eps: 0.1).Forward(Graph4(), w));
        var expected = NormBoth(wv, Src4, Dst4, 4, 0.1);
        for (var e = 0; e < 6; e++) Assert.Equal(expected[e], both[e], 12);
        var right = V(new EdgeWeightNorm("right").Forward(Graph4(), w));
        for (var e = 0; e < 6; e++)
            Assert.Equal(wv[e] / Enumerable.Range(0, 6).Where(k => Dst4[k] == Dst4[e]).Sum(k => wv[k]), right[e], 12);
        Assert.Equal(wv, V(new EdgeWeightNorm("none").Forward(Graph4(), w)));
        // On a block the degrees are the block's own: sources 0..4, destinations 0..2.
        var wb = Tensor.Uniform([7], 0.5, 2, DType.Float64, new Generator(2));
        var blockBoth = V(new EdgeWeightNorm().Forward(Block(), wb));
        var eb = NormBoth(V(wb), BlockSrc, BlockDst, 5);
        for (var e = 0; e < 7; e++) Assert.Equal(eb[e], blockBoth[e], 12);
        // On a bipartite relation (users → items) the sources' out-weights and the items' in-weights.
        var wp = Tensor.Uniform([BipSrc.Length], 0.5, 2, DType.Float64, new Generator(3));
        var bipBoth = V(new EdgeWeightNorm().Forward(Bipartite(), wp));
        var ep = NormBoth(V(wp), BipSrc, BipDst, 4);
        for (var e = 0; e < BipSrc.Length; e++) Assert.Equal(ep[e], bipBoth[e], 12);
        var bipRight = V(new EdgeWeightNorm("right").Forward(Bipartite(), wp));
        var wpv = V(wp);
        for (var e = 0; e < BipSrc.Length; e++)
            Assert.Equal(wpv[e] / Enumerable.Range(0, BipSrc.Length).Where(k => BipDst[k] == BipDst[e]).Sum(k => wpv[k]), bipRight[e], 12);
    }

    [Fact]
    public void EdgeWeightNormRejectsBadWeightsAndIsDifferentiable()
    {
        var norm = new EdgeWeightNorm();
        Assert.Throws<ArgumentException>(() => norm.Forward(Graph4(), Tensor.From([1.0, 2, 0, 1, 1, 1])));
        Assert.Throws<TensorShapeException>(() => norm.Forward(Graph4(), Tensor.Ones([6, 2], DType.Float64)));
        Assert.Throws<TensorShapeException>(() => norm.Forward(Graph4(), Tensor.Ones([5], DType.Float64)));
        Assert.Throws<ArgumentException>(() => new EdgeWeightNorm("left"));
        var w = Tensor.Uniform([6], 0.5, 2, DType.Float64, new Generator(3)).RequireGrad();
        GradCheck.Assert(t => norm.Forward(Graph4(), t[0]), [w]);
        GradCheck.Assert(t => new EdgeWeightNorm("right", 0.5).Forward(Graph4(), t[0]), [w]);
    }

    // ---- SGConv ----

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SgConvHandComputed(int k)
    {
        var conv = new SGConv(3, 2, k, dtype: DType.Float64, generator: new Generator(1));
        using (GradMode.NoGrad()) conv.Fc.Bias!.CopyFrom(Tensor.Uniform([2], -1, 1, DType.Float64, new Generator(2)));
        var x = Randn(4, 3, 3);
        var h = M(x);
        for (var i = 0; i < k; i++) h = Step(h, SymIn);
        Close(Linear(h, M(conv.Fc.Weight), V(conv.Fc.Bias)), conv.Forward(Graph4(), x), 1e-12);

        var w = Tensor.Uniform([6], 0.5, 2, DType.Float64, new Generator(4));
        var nw = NormBoth(V(w), Src4, Dst4, 4);
        var hw = M(x);
        for (var i = 0; i < k; i++) hw = Step(hw, e => nw[e]);
        Close(Linear(hw, M(conv.Fc.Weight), V(conv.Fc.Bias)), conv.Forward(Graph4(), x, w), 1e-12);
    }

    [Fact]
    public void SgConvCachesGradAndInit()
    {
        var conv = new SGConv(3, 2, 2, cached: true, dtype: DType.Float64, generator: new Generator(1));
        var x = Randn(4, 3, 3);
        var y1 = V(conv.Forward(Graph4(), x));
        // Cached: other features give the same propagated input.
        Assert.Equal(y1, V(conv.Forward(Graph4(), Randn(4, 3, 9))));
        conv.ClearCache();
        Assert.NotEqual(y1, V(conv.Forward(Graph4(), Randn(4, 3, 9))));

        var g = new SGConv(3, 2, 2, norm: t => t * 2, dtype: DType.Float64, generator: new Generator(2));
        var xg = Randn(4, 3, 4).RequireGrad();
        GradCheckModule(g, () => g.Forward(Graph4(), xg), xg);

        var big = new SGConv(200, 300, generator: new Generator(3));
        big.ResetParameters(new Generator(4));
        AssertUniform(big.Fc.Weight, Math.Sqrt(6.0 / 500));
        Assert.All(V(big.Fc.Bias!), b => Assert.Equal(0, b));
        AssertZeroInDegreeError(() => new SGConv(3, 2).Forward(WithIsolatedNode(), Randn(5, 3, 1, DType.Float32)));
        Assert.Equal([5, 2], new SGConv(3, 2, allowZeroInDegree: true).Forward(WithIsolatedNode(), Randn(5, 3, 1, DType.Float32)).Shape.ToArray());
        Assert.Throws<ArgumentException>(() => new SGConv(3, 2).Forward(Block(), Randn(5, 3, 1, DType.Float32)));
    }

    // ---- APPNPConv ----

    [Fact]
    public void AppnpHandComputed()
    {
        const double alpha = 0.2;
        var x = Randn(4, 3, 5);
        var h = M(x);
        for (var i = 0; i < 4; i++) h = Combine(Step(h, SymInOut), 1 - alpha, M(x), alpha);
        Close(h, new APPNPConv(4, alpha).Forward(Graph4(), x), 1e-12);

        var w = Tensor.Uniform([6], 0.5, 2, DType.Float64, new Generator(6));
        var nw = NormBoth(V(w), Src4, Dst4, 4);
        var hw = M(x);
        for (var i = 0; i < 3; i++) hw = Combine(Step(hw, e => nw[e]), 1 - alpha, M(x), alpha);
        Close(hw, new APPNPConv(3, alpha).Forward(Graph4(), x, w), 1e-12);
    }

    [Fact]
    public void AppnpEdgeDropGradAndShapes()
    {
        var x = Randn(4, 3, 5).RequireGrad();
        var w = Tensor.Uniform([6], 0.5, 2, DType.Float64, new Generator(6)).RequireGrad();
        GradCheck.Assert(t => new APPNPConv(3, 0.1).Forward(Graph4(), t[0], t[1]), [x, w]);
        // Any trailing shape.
        Assert.Equal([4, 2, 3], new APPNPConv(2, 0.1).Forward(Graph4(), Tensor.Randn([4, 2, 3])).Shape.ToArray());
        var drop = new APPNPConv(2, 0.1, edgeDrop: 0.5, generator: new Generator(1));
        var plain = V(new APPNPConv(2, 0.1).Forward(Graph4(), x));
        Assert.NotEqual(plain, V(drop.Forward(Graph4(), x)));
        drop.Eval();
        Assert.Equal(plain, V(drop.Forward(Graph4(), x)));
        Assert.Throws<ArgumentException>(() => new APPNPConv(2, 0.1).Forward(Block(), Randn(5, 3, 1)));
    }

    // ---- TAGConv ----

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void TagConvHandComputed(int k)
    {
        var conv = new TAGConv(3, 2, k, activation: t => t.Relu(), dtype: DType.Float64, generator: new Generator(1));
        var x = Randn(4, 3, 7);
        var hops = new List<double[,]> { M(x) };
        for (var i = 0; i < k; i++) hops.Add(Step(hops[^1], SymIn));
        var cat = new double[4, 3 * (k + 1)];
        for (var h = 0; h <= k; h++)
            for (var i = 0; i < 4; i++)
                for (var j = 0; j < 3; j++) cat[i, h * 3 + j] = hops[h][i, j];
        var y = Linear(cat, M(conv.Lin.Weight), V(conv.Lin.Bias!));
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 2; j++) y[i, j] = Math.Max(0, y[i, j]);
        Close(y, conv.Forward(Graph4(), x), 1e-12);
    }

    [Fact]
    public void TagConvEdgeWeightsGradInitAndHomogeneousOnly()
    {
        var conv = new TAGConv(3, 2, 2, dtype: DType.Float64, generator: new Generator(1));
        var x = Randn(4, 3, 8).RequireGrad();
        var w = Tensor.Uniform([6], 0.5, 2, DType.Float64, new Generator(6)).RequireGrad();
        GradCheckModule(conv, () => conv.Forward(Graph4(), x, w), x, w);
        var big = new TAGConv(100, 300, 2, generator: new Generator(2));
        big.ResetParameters(new Generator(3));
        AssertNormal(big.Lin.Weight, Math.Sqrt(2) * Math.Sqrt(2.0 / (300 + 300)));
        Assert.Throws<ArgumentException>(() => conv.Forward(Block(), Randn(5, 3, 1)));
        Assert.Throws<ArgumentException>(() => conv.Forward(Bipartite(), Randn(4, 3, 1)));
    }

    // ---- ChebConv ----

    [Theory]
    [InlineData(1, 2.0)]
    [InlineData(2, 2.0)]
    [InlineData(4, 1.5)]
    public void ChebConvHandComputed(int k, double lambdaMax)
    {
        var conv = new ChebConv(3, 2, k, dtype: DType.Float64, generator: new Generator(1));
        var x = Randn(4, 3, 9);
        // L̂ x = (2/λ)(x − Âx) − x with Â = D_in^−½ A D_in^−½.
        double[,] LHat(double[,] v) => Combine(Combine(v, 1, Step(v, SymIn), -1), 2 / lambdaMax, v, -1);
        var terms = new List<double[,]> { M(x) };
        if (k > 1) terms.Add(LHat(terms[0]));
        for (var i = 2; i < k; i++) terms.Add(Combine(LHat(terms[^1]), 2, terms[^2], -1));
        var cat = new double[4, 3 * k];
        for (var t = 0; t < k; t++)
            for (var i = 0; i < 4; i++)
                for (var j = 0; j < 3; j++) cat[i, t * 3 + j] = terms[t][i, j];
        var y = Linear(cat, M(conv.Linear.Weight), V(conv.Linear.Bias!));
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 2; j++) y[i, j] = Math.Max(0, y[i, j]);   // ReLU by default
        Close(y, conv.Forward(Graph4(), x, [lambdaMax]), 1e-12);
    }

    [Fact]
    public void ChebConvBatchLambdaGradAndNoActivation()
    {
        var conv = new ChebConv(3, 2, 3, ChebConv.NoActivation, dtype: DType.Float64, generator: new Generator(1));
        var x = Randn(4, 3, 2).RequireGrad();
        GradCheckModule(conv, () => conv.Forward(Graph4(), x, [1.7]), x);
        Assert.Throws<ArgumentException>(() => conv.Forward(Graph4(), x, [1.0, 2.0]));
        // The Laplacian needs sources = destinations: a block is refused, as in DGL (which has no block path here).
        var onBlock = Assert.Throws<ArgumentException>(() => conv.Forward(Block(), Randn(5, 3, 4), [2.0]));
        Assert.Contains("sources and destinations are the same nodes", onBlock.Message, StringComparison.Ordinal);
        // A batch of two copies with different λ_max gives each copy its own result.
        var batch = Graph.Batch([Graph4(), Graph4()]);
        var xs = Randn(4, 3, 3);
        var y = conv.Forward(batch, Tensor.Cat([xs, xs]), [2.0, 1.5]);
        Close(M(conv.Forward(Graph4(), xs, [2.0])), y.Slice(0, 4), 1e-12);
        Close(M(conv.Forward(Graph4(), xs, [1.5])), y.Slice(4, 8), 1e-12);
        var big = new ChebConv(100, 50, 3, generator: new Generator(2));
        big.ResetParameters(new Generator(3));
        AssertUniform(big.Linear.Weight, 1 / Math.Sqrt(300));
    }

    [Fact]
    public void LaplacianLambdaMaxMatchesKnownSpectra()
    {
        // Complete graph K5 (both directions): L = I − A/4 has eigenvalues 0 and 5/4.
        var src = new List<int>();
        var dst = new List<int>();
        for (var i = 0; i < 5; i++)
            for (var j = 0; j < 5; j++)
                if (i != j)
                {
                    src.Add(i);
                    dst.Add(j);
                }
        Assert.Equal(1.25, ChebConv.LaplacianLambdaMax(Graph.Create(src.ToArray(), dst.ToArray()))[0], 8);
        // Even cycle C8 (bipartite): λ_max = 2; odd cycle C7: 1 − cos(6π/7).
        static Graph Cycle(int n) => Graph.Create(
            Enumerable.Range(0, n).Concat(Enumerable.Range(0, n)).ToArray(),
            Enumerable.Range(0, n).Select(i => (i + 1) % n).Concat(Enumerable.Range(0, n).Select(i => (i + n - 1) % n)).ToArray());
        Assert.Equal(2.0, ChebConv.LaplacianLambdaMax(Cycle(8))[0], 8);
        Assert.Equal(1 - Math.Cos(6 * Math.PI / 7), ChebConv.LaplacianLambdaMax(Cycle(7))[0], 8);
        var both = ChebConv.LaplacianLambdaMax(Graph.Batch([Cycle(8), Cycle(7)]));
        Assert.Equal(2, both.Length);
        Assert.Equal(1 - Math.Cos(6 * Math.PI / 7), both[1], 8);
    }

    // ---- GCN2Conv ----

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gcn2HandComputed(bool project)
    {
        const double alpha = 0.3, lambda = 0.8;
        const int layer = 2;
        var conv = new GCN2Conv(3, layer, alpha, lambda, projectInitialFeatures: project, activation: t => t.Relu(),
            dtype: DType.Float64, generator: new Generator(1));
        using (GradMode.NoGrad()) conv.Bias!.CopyFrom(Tensor.Uniform([3], -1, 1, DType.Float64, new Generator(2)));
        var x = Randn(4, 3, 3);
        var x0 = Randn(4, 3, 4);
        var beta = Math.Log(lambda / layer + 1);
        Assert.Equal(beta, conv.Beta, 15);
        var h = Combine(Step(M(x), SymIn), 1 - alpha, M(x0), 0);
        var h0 = Combine(M(x0), alpha, M(x0), 0);
        var sum = Combine(h, 1, h0, 1);
        var proj = project ? MatMul(sum, M(conv.Weight1)) : Combine(MatMul(h, M(conv.Weight1)), 1, MatMul(h0, M(conv.Weight2!)), 1);
        var y = AddBias(Combine(sum, 1 - beta, proj, beta), V(conv.Bias));
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 3; j++) y[i, j] = Math.Max(0, y[i, j]);
        Close(y, conv.Forward(Graph4(), x, x0), 1e-12);
    }

    [Fact]
    public void Gcn2GradInitAndZeroInDegree()
    {
        var conv = new GCN2Conv(3, 1, projectInitialFeatures: false, dtype: DType.Float64, generator: new Generator(1));
        var x = Randn(4, 3, 5).RequireGrad();
        var x0 = Randn(4, 3, 6).RequireGrad();
        var w = Tensor.Uniform([6], 0.5, 2, DType.Float64, new Generator(6)).RequireGrad();
        GradCheckModule(conv, () => conv.Forward(Graph4(), x, x0, w), x, x0, w);
        var big = new GCN2Conv(64, 1, projectInitialFeatures: false, generator: new Generator(2));
        big.ResetParameters(new Generator(3));
        AssertNormal(big.Weight1, 1);
        AssertNormal(big.Weight2!, 1);
        Assert.All(V(big.Bias!), b => Assert.Equal(0, b));
        AssertZeroInDegreeError(() => new GCN2Conv(3, 1).Forward(WithIsolatedNode(), Randn(5, 3, 1, DType.Float32), Randn(5, 3, 2, DType.Float32)));
    }

    [Fact]
    public void Gcn2AllowedZeroInDegreeAndBlocks()
    {
        const double alpha = 0.2;
        var conv = new GCN2Conv(3, 2, alpha, allowZeroInDegree: true, dtype: DType.Float64, generator: new Generator(7));
        using (GradMode.NoGrad()) conv.Bias!.CopyFrom(Tensor.Uniform([3], -1, 1, DType.Float64, new Generator(8)));
        var x = Randn(5, 3, 9);
        var x0 = Randn(5, 3, 10);
        // Allowed, the isolated node 4 propagates nothing: its row is the layer applied to α·x0[4] alone; nodes 0..3
        // get what the graph without node 4 gives them.
        var y = conv.Forward(WithIsolatedNode(), x, x0);
        Close(M(conv.Forward(Graph4(), x.Slice(0, 4), x0.Slice(0, 4))), y.Slice(0, 4), 1e-12);
        var s = Combine(M(x0.Slice(4, 5)), alpha, M(x0.Slice(4, 5)), 0);
        var row4 = AddBias(Combine(s, 1 - conv.Beta, MatMul(s, M(conv.Weight1)), conv.Beta), V(conv.Bias));
        Close(row4, y.Slice(4, 5), 1e-12);

        // A block: with edge weights (normalised on both sides, as EdgeWeightNorm("both")) its destinations get what
        // the same edges give on a homogeneous graph of its 5 source nodes; without them the sources' in-degrees that
        // DGL's normalisation needs do not exist in a block, and the layer says so.
        var w = Tensor.Uniform([BlockSrc.Length], 0.5, 2, DType.Float64, new Generator(11));
        var full = Graph.Create(BlockSrc, BlockDst, 5);
        Close(M(conv.Forward(full, x, x0, w).Slice(0, 3)), conv.Forward(Block(), x, x0, w), 1e-12);
        var e = Assert.Throws<ArgumentException>(() => conv.Forward(Block(), x, x0));
        Assert.Contains("5 sources and 3 destinations", e.Message, StringComparison.Ordinal);
    }
}
