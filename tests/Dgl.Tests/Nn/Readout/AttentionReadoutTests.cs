using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvTestSupport;

namespace Dgl.Tests.Nn.Readout;

using Graph = Dgl.Graph;

public class AttentionReadoutTests
{
    private static readonly int[] Counts = [3, 1, 4];

    private static Graph Batched() => Graph.Batch([
        Graph.Create([0, 1], [1, 2], 3),
        Graph.Create([0], [0], 1),
        Graph.Create([0, 1, 2], [1, 2, 3], 4),
    ]);

    private static IEnumerable<(int Graph, int Start, int Count)> Segments()
    {
        var start = 0;
        for (var b = 0; b < Counts.Length; b++)
        {
            yield return (b, start, Counts[b]);
            start += Counts[b];
        }
    }

    [Fact]
    public void SortPoolingHandComputed()
    {
        // Graph 0: three nodes; graph 1: one node (padded with a zero row for k = 2).
        var g = Graph.Batch([Graph.Create([0, 1], [1, 2], 3), Graph.Create([], [], 1)]);
        var x = Tensor.From(new double[,] { { 5, 1 }, { 0, 2 }, { 9, -1 }, { 3, 4 } });
        // Sorted rows: (1,5), (0,2), (−1,9), (3,4); graph 0 by max descending: node 2 (9), node 0 (5).
        Close([-1, 9, 1, 5, 3, 4, 0, 0], D(new SortPooling(2).Forward(g, x)));
        var big = new SortPooling(3).Forward(Batched(), Rand(1, 8, 2));
        Assert.Equal(new Shape(3, 6), big.Shape);
        GradCheck.Assert(t => new SortPooling(2).Forward(Batched(), t[0]), [Rand(2, 8, 3).RequireGrad()]);
    }

    [Fact]
    public void GlobalAttentionPoolingMatchesPerGraphSoftmax()
    {
        var gate = new Linear(3, 1, dtype: DType.Float64, generator: new Generator(1));
        var feat = new Linear(3, 2, dtype: DType.Float64, generator: new Generator(2));
        var pool = new GlobalAttentionPooling(gate, feat);
        var x = Rand(3, 8, 3);
        var (r, attention) = pool.ForwardWithAttention(Batched(), x);
        var gs = D(gate.Forward(x));
        var fs = D(feat.Forward(x));
        var rs = D(r);
        var att = D(attention);
        foreach (var (b, start, count) in Segments())
        {
            var max = gs.Skip(start).Take(count).Max();
            var z = gs.Skip(start).Take(count).Sum(v => Math.Exp(v - max));
            for (var o = 0; o < 2; o++)
            {
                var expected = Enumerable.Range(start, count).Sum(k => Math.Exp(gs[k] - max) / z * fs[k * 2 + o]);
                Assert.Equal(expected, rs[b * 2 + o], 12);
            }
            Assert.Equal(1.0, att.Skip(start).Take(count).Sum(), 12);
        }
        GradCheck.Assert(t => pool.Forward(Batched(), t[0]), [x.RequireGrad(), gate.Weight, feat.Bias!]);
        Assert.Throws<TensorShapeException>(() => new GlobalAttentionPooling(new Linear(3, 2, dtype: DType.Float64)).Forward(Batched(), x));
    }

    [Fact]
    public void WeightAndSumMatchesFormula()
    {
        var ws = new WeightAndSum(3, DType.Float64, new Generator(4));
        var x = Rand(5, 8, 3);
        var lin = (Linear)ws.AtomWeighting[0];
        var w = D(lin.Weight);
        var b = D(lin.Bias!)[0];
        var xs = D(x);
        var r = D(ws.Forward(Batched(), x));
        foreach (var (g, start, count) in Segments())
            for (var f = 0; f < 3; f++)
            {
                var expected = Enumerable.Range(start, count).Sum(k =>
                    xs[k * 3 + f] / (1 + Math.Exp(-(b + w[0] * xs[k * 3] + w[1] * xs[k * 3 + 1] + w[2] * xs[k * 3 + 2]))));
                Assert.Equal(expected, r[g * 3 + f], 12);
            }
        Assert.Equal(["atom_weighting.0.weight", "atom_weighting.0.bias"], ws.StateDict().Keys.ToArray());
        GradCheck.Assert(t => ws.Forward(Batched(), t[0]), [x.RequireGrad(), lin.Weight]);
    }

    [Fact]
    public void Set2SetMatchesIterationByHand()
    {
        var s2s = new Set2Set(2, nIters: 2, nLayers: 1, DType.Float64, new Generator(6));
        var x = Rand(7, 8, 2);
        var r = D(s2s.Forward(Batched(), x));
        Assert.Equal(3 * 4, r.Length);
        // Reference: the LSTM by the module's own cell equations (checked against PyTorch's in RecurrentTests),
        // the attention and sums per graph in double.
        var xs = D(x);
        var cell = new LSTMCell(4, 2, dtype: DType.Float64);
        cell.LoadStateDict(new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["weight_ih"] = s2s.Lstm.StateDict()["weight_ih_l0"], ["weight_hh"] = s2s.Lstm.StateDict()["weight_hh_l0"],
            ["bias_ih"] = s2s.Lstm.StateDict()["bias_ih_l0"], ["bias_hh"] = s2s.Lstm.StateDict()["bias_hh_l0"],
        });
        var qStar = Tensor.Zeros(new Shape(3, 4), DType.Float64);
        (Tensor, Tensor)? state = null;
        for (var t = 0; t < 2; t++)
        {
            var (h, c) = cell.Forward(qStar, state);
            state = (h, c);
            var q = D(h);
            var next = new double[3 * 4];
            foreach (var (b, start, count) in Segments())
            {
                var e = Enumerable.Range(start, count).Select(k => xs[k * 2] * q[b * 2] + xs[k * 2 + 1] * q[b * 2 + 1]).ToArray();
                var max = e.Max();
                var z = e.Sum(v => Math.Exp(v - max));
                next[b * 4] = q[b * 2];
                next[b * 4 + 1] = q[b * 2 + 1];
                for (var f = 0; f < 2; f++) next[b * 4 + 2 + f] = Enumerable.Range(0, count).Sum(i => Math.Exp(e[i] - max) / z * xs[(start + i) * 2 + f]);
            }
            qStar = Tensor.From(next, new Shape(3, 4));
        }
        Close(D(qStar), r, 1e-10);
        var two = new Set2Set(2, 2, 2, DType.Float64, new Generator(8));
        GradCheck.Assert(t => two.Forward(Batched(), t[0]), [x.RequireGrad(), .. two.Parameters().Take(3)]);
    }
}
