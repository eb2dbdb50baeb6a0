using Dgl.Nn;
using Dgl.Tensors.Autograd;
using static Dgl.Tests.Nn.Conv.ConvTestSupport;

namespace Dgl.Tests.Nn;

public class RecurrentTests
{
    private static double Sig(double v) => 1 / (1 + Math.Exp(-v));

    /// <summary>Row r of W·x + b (W [rows, cols] flattened).</summary>
    private static double Affine(double[] w, double[]? b, double[] x, int r, int cols)
    {
        var s = b?[r] ?? 0;
        for (var c = 0; c < cols; c++) s += w[r * cols + c] * x[c];
        return s;
    }

    /// <summary>PyTorch's GRU equations for one row, in double.</summary>
    internal static double[] GruReference(GRUCell cell, double[] x, double[] h)
    {
        var n = cell.HiddenSize;
        var wi = D(cell.WeightIh);
        var wh = D(cell.WeightHh);
        var bi = cell.BiasIh is null ? null : D(cell.BiasIh);
        var bh = cell.BiasHh is null ? null : D(cell.BiasHh);
        var result = new double[n];
        for (var k = 0; k < n; k++)
        {
            var r = Sig(Affine(wi, bi, x, k, x.Length) + Affine(wh, bh, h, k, n));
            var z = Sig(Affine(wi, bi, x, n + k, x.Length) + Affine(wh, bh, h, n + k, n));
            var c = Math.Tanh(Affine(wi, bi, x, 2 * n + k, x.Length) + r * Affine(wh, bh, h, 2 * n + k, n));
            result[k] = (1 - z) * c + z * h[k];
        }
        return result;
    }

    [Fact]
    public void GruCellMatchesPyTorchEquations()
    {
        var cell = new GRUCell(3, 4, dtype: DType.Float64, generator: new Generator(1));
        var x = Rand(2, 2, 3);
        var h = Rand(3, 2, 4);
        var y = D(cell.Forward(x, h));
        var xs = D(x);
        var hs = D(h);
        for (var b = 0; b < 2; b++)
            Close(GruReference(cell, xs[(b * 3)..(b * 3 + 3)], hs[(b * 4)..(b * 4 + 4)]), y[(b * 4)..(b * 4 + 4)]);
        GradCheck.Assert(t => cell.Forward(t[0], t[1]), [x.RequireGrad(), h.RequireGrad(), cell.WeightIh, cell.WeightHh, cell.BiasIh!, cell.BiasHh!]);
        Assert.Equal(["weight_ih", "weight_hh", "bias_ih", "bias_hh"], cell.StateDict().Keys.ToArray());
        var big = new GRUCell(10, 400, generator: new Generator(2));
        Assert.All(D(big.WeightIh), v => Assert.InRange(v, -0.05, 0.05));
        Assert.InRange(D(big.WeightHh).Select(v => v * v).Average(), 0.95 * 0.0025 / 3, 1.05 * 0.0025 / 3);
    }

    [Fact]
    public void LstmMatchesStepwiseReferenceBothDirectionsAndLayers()
    {
        var lstm = new LSTM(3, 2, numLayers: 2, batchFirst: true, bidirectional: true, dtype: DType.Float64, generator: new Generator(4));
        var x = Rand(5, 2, 4, 3);   // [B = 2, L = 4, I = 3]
        var (output, (hN, cN)) = lstm.Forward(x);
        Assert.Equal(new Shape(2, 4, 4), output.Shape);
        Assert.Equal(new Shape(4, 2, 2), hN.Shape);
        var p = lstm.StateDict();
        var xs = D(x);
        var outs = D(output);
        for (var b = 0; b < 2; b++)
        {
            var seq = Enumerable.Range(0, 4).Select(t => xs[((b * 4 + t) * 3)..((b * 4 + t) * 3 + 3)]).ToArray();
            for (var layer = 0; layer < 2; layer++)
            {
                var fwd = Run(p, $"_l{layer}", seq, reverse: false);
                var bwd = Run(p, $"_l{layer}_reverse", seq, reverse: true);
                seq = Enumerable.Range(0, 4).Select(t => fwd[t].Concat(bwd[t]).ToArray()).ToArray();
            }
            for (var t = 0; t < 4; t++) Close(seq[t], outs[((b * 4 + t) * 4)..((b * 4 + t) * 4 + 4)]);
        }
        Assert.Equal(16, lstm.StateDict().Count);
        Assert.True(lstm.StateDict().ContainsKey("weight_hh_l1_reverse"));
        var small = new LSTM(2, 2, dtype: DType.Float64, generator: new Generator(5));
        GradCheck.Assert(t => small.Forward(t[0]).Output, [Rand(6, 3, 2, 2).RequireGrad(), .. small.Parameters()]);
        var cell = new LSTMCell(2, 3, dtype: DType.Float64, generator: new Generator(6));
        GradCheck.Assert(t => cell.Forward(t[0], (t[1], t[2])).C, [Rand(7, 2, 2).RequireGrad(), Rand(8, 2, 3).RequireGrad(), Rand(9, 2, 3).RequireGrad(), cell.WeightIh]);
    }

    private static double[][] Run(IReadOnlyDictionary<string, Tensor> p, string suffix, double[][] seq, bool reverse)
    {
        var wi = D(p["weight_ih" + suffix]);
        var wh = D(p["weight_hh" + suffix]);
        var bi = D(p["bias_ih" + suffix]);
        var bh = D(p["bias_hh" + suffix]);
        var n = bh.Length / 4;
        var h = new double[n];
        var c = new double[n];
        var outs = new double[seq.Length][];
        for (var k = 0; k < seq.Length; k++)
        {
            var t = reverse ? seq.Length - 1 - k : k;
            var x = seq[t];
            var hNew = new double[n];
            var cNew = new double[n];
            for (var j = 0; j < n; j++)
            {
                var i = Sig(Affine(wi, bi, x, j, x.Length) + Affine(wh, bh, h, j, n));
                var f = Sig(Affine(wi, bi, x, n + j, x.Length) + Affine(wh, bh, h, n + j, n));
                var g = Math.Tanh(Affine(wi, bi, x, 2 * n + j, x.Length) + Affine(wh, bh, h, 2 * n + j, n));
                var o = Sig(Affine(wi, bi, x, 3 * n + j, x.Length) + Affine(wh, bh, h, 3 * n + j, n));
                cNew[j] = f * c[j] + i * g;
                hNew[j] = o * Math.Tanh(cNew[j]);
            }
            (h, c) = (hNew, cNew);
            outs[t] = h;
        }
        return outs;
    }
}
