using Dgl.Sparse.Kernels;

namespace Dgl.Tests.Sparse;

public class EdgePermuteTests
{
    /// <summary>Gather and scatter of rows between edge-id order and entry order, against a naive loop, for row sizes
    /// that move as one scalar or vector (4–64 bytes) and ones that move element by element.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(5)]
    public void Gather_and_scatter_match_a_naive_permutation(int rowLength)
    {
        const int count = 1000;
        var rng = new Random(rowLength);
        var eids = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(eids);
        var f = Enumerable.Range(0, count * rowLength).Select(_ => (float)rng.NextDouble()).ToArray();
        var d = f.Select(x => (double)x + 0.25).ToArray();

        var gf = new float[f.Length];
        EdgePermute.Run<float>(f, gf, eids, rowLength, gather: true);
        var gd = new double[d.Length];
        EdgePermute.Run<double>(d, gd, eids, rowLength, gather: true);
        for (var k = 0; k < count; k++)
        {
            for (var j = 0; j < rowLength; j++)
            {
                Assert.Equal(f[eids[k] * rowLength + j], gf[k * rowLength + j]);
                Assert.Equal(d[eids[k] * rowLength + j], gd[k * rowLength + j]);
            }
        }

        // Scattering the gathered rows back restores the original order.
        var sf = new float[f.Length];
        EdgePermute.Run<float>(gf, sf, eids, rowLength, gather: false);
        Assert.Equal(f, sf);
        var sd = new double[d.Length];
        EdgePermute.Run<double>(gd, sd, eids, rowLength, gather: false);
        Assert.Equal(d, sd);
    }
}
