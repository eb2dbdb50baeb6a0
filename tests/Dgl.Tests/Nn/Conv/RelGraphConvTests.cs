using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvTestSupport;

namespace Dgl.Tests.Nn.Conv;

using Graph = Dgl.Graph;

public class RelGraphConvTests
{
    // Edge types of the 4-node graph's six edges.
    private static readonly long[] Types4 = [0, 1, 0, 1, 1, 0];

    [Fact]
    public void HandComputedTwoRelationsOnFourNodes()
    {
        // in = out = 1, W_0 = 2, W_1 = −1 (per relation), self-loop weight 10, bias 0.5, norm 1 everywhere.
        var conv = new RelGraphConv(1, 1, 2, dtype: DType.Float64);
        conv.LinearR.Weight.AsSpan<double>()[0] = 2;
        conv.LinearR.Weight.AsSpan<double>()[1] = -1;
        conv.LoopWeight!.AsSpan<double>()[0] = 10;
        conv.HBias!.AsSpan<double>()[0] = 0.5;
        var x = Tensor.From(new double[] { 1, 2, 3, 4 }, new Shape(4, 1));
        var h = D(conv.Forward(Four(), x, Tensor.From(Types4)));
        // node 0 ← 2 (type 0), 3 (type 1): 2·3 − 4 = 2; node 1 ← 0 (type 0): 2; node 2 ← 1 (type 1), 0 (type 1), 2 (type 0): −2 − 1 + 6 = 3; node 3: none.
        Close([2 + 10 + 0.5, 2 + 20 + 0.5, 3 + 30 + 0.5, 0 + 40 + 0.5], h);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("basis")]
    [InlineData("bdd")]
    public void MatchesPerEdgeReferenceWithNormAndSelfLoop(string? regularizer)
    {
        var g = Random(9, 30, 3);
        var e = g.NumEdges();
        var rng = new Random(4);
        var types = Tensor.From(Enumerable.Range(0, e).Select(_ => (long)rng.Next(3)).ToArray());
        var conv = new RelGraphConv(4, 6, 3, regularizer, numBases: 2, dtype: DType.Float64, generator: new Generator(5));
        using (GradMode.NoGrad()) conv.HBias!.CopyFrom(Rand(6, 6));
        var x = Rand(7, 9, 4);
        var norm = Tensor.Uniform(new Shape(e, 1), 0.1, 1, DType.Float64, new Generator(8));
        var h = D(conv.Forward(g, x, types, norm));

        var w = D(regularizer == "bdd" ? BlockDiagonal(conv) : conv.LinearR.GetWeight());   // [3, 4, 6]
        var loop = D(conv.LoopWeight!);
        var bias = D(conv.HBias!);
        var xs = D(x);
        var ts = types.ToArray<long>();
        var ns = D(norm);
        var expected = new double[9 * 6];
        foreach (var (v, list) in InEdges(g).Select((l, v) => (v, l)))
        {
            for (var o = 0; o < 6; o++)
            {
                var s = bias[o];
                foreach (var (u, eid) in list)
                    for (var i = 0; i < 4; i++) s += ns[eid] * xs[u * 4 + i] * w[(ts[eid] * 4 + i) * 6 + o];
                for (var i = 0; i < 4; i++) s += xs[v * 4 + i] * loop[i * 6 + o];
                expected[v * 6 + o] = s;
            }
        }
        Close(expected, h, 1e-9, regularizer ?? "none");
    }

    private static Tensor BlockDiagonal(RelGraphConv conv)
    {
        // bdd: W_t is block diagonal with 2 blocks of 2 × 3.
        var raw = D(conv.LinearR.Weight);   // [3, 2·2·3]
        var full = new double[3 * 4 * 6];
        for (var t = 0; t < 3; t++)
            for (var b = 0; b < 2; b++)
                for (var i = 0; i < 2; i++)
                    for (var o = 0; o < 3; o++)
                        full[(t * 4 + b * 2 + i) * 6 + b * 3 + o] = raw[t * 12 + (b * 2 + i) * 3 + o];
        return Tensor.From(full, new Shape(3, 4, 6));
    }

    [Fact]
    public void NodeIdInputEqualsOneHotFeatures()
    {
        var g = Random(6, 12, 9);
        var types = Tensor.From(Enumerable.Range(0, g.NumEdges()).Select(i => (long)(i % 4)).ToArray());
        var conv = new RelGraphConv(6, 3, 4, "basis", 2, dtype: DType.Float64, generator: new Generator(1));
        var ids = Tensor.Arange(6, DType.Int64);
        var oneHot = Tensor.Eye(6, dtype: DType.Float64);
        Close(D(conv.Forward(g, oneHot, types)), D(conv.Forward(g, ids, types)), 1e-12);
        // A permutation of ids picks the matching rows of W.
        var perm = Tensor.From(new long[] { 3, 1, 0, 5, 2, 4 });
        Close(D(conv.Forward(g, oneHot.IndexSelect(0, perm), types)), D(conv.Forward(g, perm, types)), 1e-12);
        Assert.Throws<ArgumentOutOfRangeException>(() => conv.Forward(g, Tensor.From(new long[] { 0, 1, 2, 3, 4, 6 }), types));
    }

    [Fact]
    public void GradientsCheckForEveryParameterAndInput()
    {
        var g = Random(5, 9, 2);
        var e = g.NumEdges();
        var types = Tensor.From(Enumerable.Range(0, e).Select(i => (long)(i * 7 % 3)).ToArray());
        var x = Rand(3, 5, 3).RequireGrad();
        var norm = Tensor.Uniform(new Shape(e, 1), 0.2, 1, DType.Float64, new Generator(4)).RequireGrad();
        var basis = new RelGraphConv(3, 2, 3, "basis", 2, activation: t => t.Tanh(), layerNorm: true, dtype: DType.Float64, generator: new Generator(6));
        GradCheck.Assert(t => basis.Forward(g, t[0], types, t[1]),
            [x, norm, basis.LinearR.Weight, basis.LinearR.Coeff!, basis.LoopWeight!, basis.HBias!, basis.LayerNormWeight!.Weight!]);
        var bdd = new RelGraphConv(4, 2, 3, "bdd", 2, dtype: DType.Float64, generator: new Generator(7));
        var x4 = Rand(8, 5, 4).RequireGrad();
        GradCheck.Assert(t => bdd.Forward(g, t[0], types), [x4, bdd.LinearR.Weight, bdd.LoopWeight!]);
        var ids = new RelGraphConv(5, 2, 3, "basis", 2, dtype: DType.Float64, generator: new Generator(9));
        GradCheck.Assert(t => ids.Forward(g, Tensor.Arange(5, DType.Int32), types, t[0]), [norm, ids.LinearR.Weight, ids.LinearR.Coeff!, ids.LoopWeight!]);
    }

    [Fact]
    public void BlocksTypeChangesAndGraphModuleInterface()
    {
        var block = Block();
        var types = Tensor.From(new long[] { 0, 1, 1, 0, 1, 0, 0 });
        var conv = new RelGraphConv(4, 3, 2, dtype: DType.Float64, generator: new Generator(2));
        var h = conv.Forward(block, Rand(1, 5, 4), types);
        Assert.Equal(new Shape(3, 3), h.Shape);
        // A new type tensor on the same graph is sorted again (the cached order belongs to the old one).
        var x = Rand(2, 5, 4);
        var a = D(conv.Forward(block, x, types));
        var other = Tensor.From(new long[] { 1, 1, 1, 1, 1, 1, 1 });
        var b = D(conv.Forward(block, x, other));
        Assert.NotEqual(a, b);
        // IGraphModule reads g.EData[ETYPE], as ToHomogeneous stores it.
        var g = Four();
        g.EData[Graph.ETYPE] = Tensor.From(Types4);
        var x4 = Rand(3, 4, 4);
        Close(D(conv.Forward(g, x4, g.EData[Graph.ETYPE])), D(((IGraphModule)conv).Forward(g, x4)));
        Assert.Throws<ArgumentOutOfRangeException>(() => conv.Forward(g, x4, Tensor.From(new long[] { 0, 1, 2, 0, 0, 0 })));
        Assert.Throws<TensorShapeException>(() => conv.Forward(g, x4, Tensor.From(new long[] { 0, 1 })));
    }

    [Fact]
    public void ResetParametersRestoresDglInitialisation()
    {
        var conv = new RelGraphConv(400, 50, 5, "basis", 3, generator: new Generator(11));
        var w = D(conv.LinearR.Weight);
        var bound = 1 / Math.Sqrt(400);
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.InRange(w.Average(), -0.05 * bound, 0.05 * bound);
        Assert.InRange(w.Select(v => v * v).Average(), 0.95 * bound * bound / 3, 1.05 * bound * bound / 3);
        var loopBound = Math.Sqrt(2) * Math.Sqrt(6.0 / (400 + 50));
        var loop = D(conv.LoopWeight!);
        Assert.All(loop, v => Assert.InRange(v, -loopBound, loopBound));
        Assert.True(loop.Max() > 0.9 * loopBound);
        using (GradMode.NoGrad()) { conv.HBias!.FillInPlace(3); conv.LoopWeight!.FillInPlace(0); }
        conv.ResetParameters(new Generator(12));
        Assert.All(D(conv.HBias!), v => Assert.Equal(0, v));
        Assert.True(D(conv.LoopWeight!).Max() > 0.9 * loopBound);
        // PyTorch's state-dict order: the module's own parameters, then its children's.
        Assert.Equal(["h_bias", "loop_weight", "linear_r.W", "linear_r.coeff"], conv.StateDict().Keys.ToArray());
    }
}

public class TypedLinearTests
{
    [Fact]
    public void SortedAndUnsortedAgreeWithPerRowProducts()
    {
        var layer = new TypedLinear(3, 4, 3, "basis", 2, DType.Float64, new Generator(1));
        var x = Rand(2, 7, 3);
        var types = Tensor.From(new long[] { 2, 0, 1, 0, 2, 2, 1 });
        var w = D(layer.GetWeight());
        var xs = D(x);
        var t = types.ToArray<long>();
        var expected = new double[7 * 4];
        for (var i = 0; i < 7; i++)
            for (var o = 0; o < 4; o++)
                for (var k = 0; k < 3; k++) expected[i * 4 + o] += xs[i * 3 + k] * w[(t[i] * 3 + k) * 4 + o];
        Close(expected, D(layer.Forward(x, types)));
        var order = Enumerable.Range(0, 7).OrderBy(i => t[i]).ToArray();
        var sorted = layer.Forward(x.IndexSelect(0, Tensor.FromArray(order)), Tensor.From(order.Select(i => t[i]).ToArray()), sortedByType: true);
        Close(order.SelectMany(i => expected.Skip(i * 4).Take(4)).ToArray(), D(sorted));
        Assert.Throws<ArgumentException>(() => layer.Forward(x, types, sortedByType: true));
        Assert.Throws<ArgumentException>(() => new TypedLinear(3, 4, 2, "bdd", 2));
        Assert.Throws<ArgumentException>(() => new TypedLinear(3, 4, 2, "tucker", 2));
    }
}
