using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvFixtures;

namespace Dgl.Tests.Nn.Conv;

using Graph = Dgl.Graph;

public class SAGEConvTests
{
    /// <summary>A naive LSTM in double over one sequence of rows; returns the last hidden state.</summary>
    internal static double[] NaiveLstm(List<double[]> seq, double[,] wih, double[,] whh, double[]? bih, double[]? bhh)
    {
        var hidden = whh.GetLength(1);
        var h = new double[hidden];
        var c = new double[hidden];
        static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
        foreach (var x in seq)
        {
            var gates = new double[4 * hidden];
            for (var r = 0; r < 4 * hidden; r++)
            {
                var s = (bih?[r] ?? 0) + (bhh?[r] ?? 0);
                for (var k = 0; k < x.Length; k++) s += wih[r, k] * x[k];
                for (var k = 0; k < hidden; k++) s += whh[r, k] * h[k];
                gates[r] = s;
            }
            var hn = new double[hidden];
            for (var j = 0; j < hidden; j++)
            {
                var i = Sigmoid(gates[j]);
                var f = Sigmoid(gates[hidden + j]);
                var g = Math.Tanh(gates[2 * hidden + j]);
                var o = Sigmoid(gates[3 * hidden + j]);
                c[j] = f * c[j] + i * g;
                hn[j] = o * Math.Tanh(c[j]);
            }
            h = hn;
        }
        return h;
    }

    private static double[,] Reference(SAGEConv conv, int[] src, int[] dst, int numDst, double[,] xs, double[,] xd, double[]? ew)
    {
        var d = xs.GetLength(1);
        var neigh = new double[numDst, d];
        var inDeg = Degrees(dst, numDst);
        double[,]? pooled = null;
        if (conv.AggregatorType == "pool")
        {
            pooled = Linear(xs, M(conv.FcPool!.Weight), V(conv.FcPool.Bias!));
            for (var i = 0; i < pooled.GetLength(0); i++)
                for (var j = 0; j < d; j++) pooled[i, j] = Math.Max(0, pooled[i, j]);
        }
        for (var v = 0; v < numDst; v++)
        {
            var edges = Enumerable.Range(0, src.Length).Where(e => dst[e] == v).ToArray();
            for (var j = 0; j < d; j++)
            {
                double Msg(int e) => (conv.AggregatorType == "pool" ? pooled![src[e], j] : xs[src[e], j]) * (ew?[e] ?? 1);
                neigh[v, j] = conv.AggregatorType switch
                {
                    "mean" => edges.Length == 0 ? 0 : edges.Sum(Msg) / edges.Length,
                    "gcn" => (edges.Sum(Msg) + xd[v, j]) / (inDeg[v] + 1),
                    "pool" => edges.Length == 0 ? 0 : edges.Max(Msg),
                    _ => 0,
                };
            }
            if (conv.AggregatorType == "lstm" && edges.Length > 0)
            {
                var seq = edges.Select(e => Enumerable.Range(0, d).Select(j => xs[src[e], j] * (ew?[e] ?? 1)).ToArray()).ToList();
                var lstm = conv.Lstm!;
                var h = NaiveLstm(seq, M(lstm.WeightIh), M(lstm.WeightHh), V(lstm.BiasIh!), V(lstm.BiasHh!));
                for (var j = 0; j < d; j++) neigh[v, j] = h[j];
            }
        }
        var y = Linear(neigh, M(conv.FcNeigh.Weight));
        if (conv.AggregatorType == "gcn")
        {
            var b = conv.Bias is null ? null : V(conv.Bias);
            for (var i = 0; i < numDst; i++)
                for (var o = 0; o < y.GetLength(1); o++) y[i, o] += b?[o] ?? 0;
            return y;
        }
        var self = Linear(xd, M(conv.FcSelf!.Weight), conv.FcSelf.Bias is null ? null : V(conv.FcSelf.Bias));
        for (var i = 0; i < numDst; i++)
            for (var o = 0; o < y.GetLength(1); o++) y[i, o] += self[i, o];
        return y;
    }

    [Theory]
    [InlineData("mean", 5, 3)]
    [InlineData("mean", 3, 5)]
    [InlineData("gcn", 5, 3)]
    [InlineData("gcn", 3, 5)]
    [InlineData("pool", 3, 4)]
    [InlineData("lstm", 3, 4)]
    public void HandComputedOnFourNodesWithEdgeWeights(string aggregator, int inF, int outF)
    {
        var conv = new SAGEConv(inF, outF, aggregator, dtype: DType.Float64, generator: new Generator(1));
        if (conv.Bias is not null)
            using (GradMode.NoGrad()) conv.Bias.CopyFrom(Tensor.Uniform([outF], -1, 1, DType.Float64, new Generator(2)));
        var x = Randn(4, inF, 3);
        var ew = Tensor.Uniform([6], 0.5, 2, DType.Float64, new Generator(4));
        Close(Reference(conv, Src4, Dst4, 4, M(x), M(x), null), conv.Forward(Graph4(), x), 1e-12);
        Close(Reference(conv, Src4, Dst4, 4, M(x), M(x), V(ew)), conv.Forward(Graph4(), x, ew), 1e-12);
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("gcn")]
    [InlineData("pool")]
    [InlineData("lstm")]
    public void BlockAndBipartiteMatchReference(string aggregator)
    {
        var conv = new SAGEConv(3, 2, aggregator, dtype: DType.Float64, generator: new Generator(5));
        var xs = Randn(5, 3, 6);
        var xsM = M(xs);
        var xdM = new double[3, 3];
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++) xdM[i, j] = xsM[i, j];
        var yb = conv.Forward(Block(), xs);
        Assert.Equal([3, 2], yb.Shape.ToArray());
        Close(Reference(conv, BlockSrc, BlockDst, 3, xsM, xdM, null), yb, 1e-12);
        var xu = Randn(4, 3, 7);
        var xg = Randn(3, 3, 8);
        var yp = conv.Forward(Bipartite(), (xu, xg));
        Assert.Equal([3, 2], yp.Shape.ToArray());
        Close(Reference(conv, BipSrc, BipDst, 3, M(xu), M(xg), null), yp, 1e-12);
    }

    [Fact]
    public void DifferentSourceAndDestinationSizes()
    {
        var conv = new SAGEConv((4, 3), 2, "mean", generator: new Generator(0));
        Assert.Equal([3, 2], conv.Forward(Bipartite(), (Randn(4, 4, 1, DType.Float32), Randn(3, 3, 2, DType.Float32))).Shape.ToArray());
        var gcn = new SAGEConv((4, 3), 2, "gcn");
        Assert.Throws<TensorShapeException>(() => gcn.Forward(Bipartite(), (Randn(4, 4, 1, DType.Float32), Randn(3, 3, 2, DType.Float32))));
    }

    [Theory]
    [InlineData("mean", 4, 3)]
    [InlineData("gcn", 3, 4)]
    [InlineData("pool", 3, 2)]
    [InlineData("lstm", 2, 3)]
    public void GradCheckThroughModule(string aggregator, int inF, int outF)
    {
        var conv = new SAGEConv(inF, outF, aggregator, activation: t => t.Tanh(), dtype: DType.Float64, generator: new Generator(7));
        var x = Randn(4, inF, 8).RequireGrad();
        var ew = Tensor.Uniform([6], 0.5, 2, DType.Float64, new Generator(9)).RequireGrad();
        GradCheckModule(conv, () => conv.Forward(Graph4(), x, ew), x, ew);
        var xb = Randn(5, inF, 10).RequireGrad();
        GradCheckModule(conv, () => conv.Forward(Block(), xb), xb);
    }

    [Fact]
    public void NodesWithoutInEdgesAggregateToZero()
    {
        foreach (var agg in new[] { "mean", "pool", "lstm" })
        {
            var conv = new SAGEConv(3, 2, agg, dtype: DType.Float64, generator: new Generator(1));
            var x = Randn(5, 3, 2);
            var y = conv.Forward(WithIsolatedNode(), x);
            // Node 4 has no in-edge: only the self term remains.
            var self = Linear(M(x), M(conv.FcSelf!.Weight), V(conv.FcSelf.Bias!));
            Assert.Equal(self[4, 0], y.Item<double>(4, 0), 12);
            Assert.Equal(self[4, 1], y.Item<double>(4, 1), 12);
        }
    }

    [Fact]
    public void ResetParametersFollowsDgl()
    {
        var gain = Math.Sqrt(2);
        var pool = new SAGEConv(100, 40, "pool", generator: new Generator(1));
        pool.ResetParameters(new Generator(2));
        AssertUniform(pool.FcPool!.Weight, gain * Math.Sqrt(6.0 / 200));
        AssertUniform(pool.FcSelf!.Weight, gain * Math.Sqrt(6.0 / 140));
        AssertUniform(pool.FcNeigh.Weight, gain * Math.Sqrt(6.0 / 140));
        Assert.All(V(pool.FcSelf.Bias!), b => Assert.InRange(b, -0.1, 0.1));
        var gcn = new SAGEConv(100, 40, "gcn", generator: new Generator(3));
        Assert.Null(gcn.FcSelf);
        Assert.All(V(gcn.Bias!), b => Assert.Equal(0, b));
        var lstm = new SAGEConv(40, 10, "lstm", generator: new Generator(4));
        AssertUniform(lstm.Lstm!.WeightHh, 1 / Math.Sqrt(40));
    }

    [Fact]
    public void InvalidAggregatorIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SAGEConv(3, 2, "sum"));
        Assert.Contains("'sum'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("gcn")]
    [InlineData("pool")]
    public void SparseFeaturesMatchDense(string aggregator)
    {
        var dense = Tensor.From([0.0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 3, 0.5, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0], [5, 5]);
        var conv = new SAGEConv(5, 2, aggregator, dtype: DType.Float64, generator: new Generator(2));
        Close(M(conv.Forward(WithIsolatedNode(), dense)), conv.Forward(WithIsolatedNode(), SparseFeatures.FromDense(dense)), 1e-12);
        Close(M(conv.Forward(Block(), dense)), conv.Forward(Block(), SparseFeatures.FromDense(dense)), 1e-12);
    }
}

public class LSTMTests
{
    [Fact]
    public void MatchesNaiveRecurrenceBatchFirstAndTimeMajor()
    {
        var lstm = new LSTM(3, 4, batchFirst: true, dtype: DType.Float64, generator: new Generator(1));
        var x = Tensor.Randn([2, 5, 3], DType.Float64, new Generator(2));
        var (output, (h, c)) = lstm.Forward(x);
        Assert.Equal([2, 5, 4], output.Shape.ToArray());
        Assert.Equal([1, 2, 4], h.Shape.ToArray());
        Assert.Equal([1, 2, 4], c.Shape.ToArray());
        var xv = ConvFixtures.V(x);
        for (var b = 0; b < 2; b++)
        {
            for (var t = 1; t <= 5; t++)
            {
                var seq = Enumerable.Range(0, t).Select(s => xv.AsSpan((b * 5 + s) * 3, 3).ToArray()).ToList();
                var expected = SAGEConvTests.NaiveLstm(seq, ConvFixtures.M(lstm.WeightIh), ConvFixtures.M(lstm.WeightHh), ConvFixtures.V(lstm.BiasIh!), ConvFixtures.V(lstm.BiasHh!));
                for (var j = 0; j < 4; j++) Assert.Equal(expected[j], output.Item<double>(b, t - 1, j), 12);
                if (t == 5)
                    for (var j = 0; j < 4; j++) Assert.Equal(expected[j], h.Item<double>(0, b, j), 12);
            }
        }
        var timeMajor = new LSTM(3, 4, dtype: DType.Float64, generator: new Generator(1));
        var (o2, _) = timeMajor.Forward(x.Transpose(0, 1));
        Assert.Equal(ConvFixtures.V(output.Transpose(0, 1)), ConvFixtures.V(o2));
    }

    [Fact]
    public void GradCheckThroughTheRecurrence()
    {
        var lstm = new LSTM(2, 3, batchFirst: true, dtype: DType.Float64, generator: new Generator(3));
        var x = Tensor.Randn([2, 3, 2], DType.Float64, new Generator(4)).RequireGrad();
        var h0 = Tensor.Randn([1, 2, 3], DType.Float64, new Generator(5)).RequireGrad();
        var c0 = Tensor.Randn([1, 2, 3], DType.Float64, new Generator(6)).RequireGrad();
        ConvFixtures.GradCheckModule(lstm, () =>
        {
            var (o, (h, c)) = lstm.Forward(x, (h0, c0));
            return Tensor.Cat([o.Reshape(-1), h.Reshape(-1), c.Reshape(-1)]);
        }, x, h0, c0);
    }

    [Fact]
    public void InitialisationIsUniformOneOverSqrtHidden()
    {
        var lstm = new LSTM(30, 25, generator: new Generator(1));
        ConvFixtures.AssertUniform(lstm.WeightIh, 1 / Math.Sqrt(25));
        Assert.Equal(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"], lstm.NamedParameters().Select(p => p.Name).ToArray());
    }
}
