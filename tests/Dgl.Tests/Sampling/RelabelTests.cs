using Dgl.Sampling;
using Dgl.Tensors.Kernels;

namespace Dgl.Tests.Sampling;

public class RelabelTests
{
    /// <summary>First-appearance numbering with the destinations first, by a dictionary.</summary>
    private static (int[] Src, int[][] Ids) Reference(int[] dst, int[][] parts)
    {
        var map = new Dictionary<int, int>();
        var src = new List<int>();
        foreach (var v in dst)
        {
            map[v] = src.Count;
            src.Add(v);
        }
        var ids = parts.Select(p => p.Select(v =>
        {
            if (!map.TryGetValue(v, out var id))
            {
                id = map[v] = src.Count;
                src.Add(v);
            }
            return id;
        }).ToArray()).ToArray();
        return ([.. src], ids);
    }

    [Theory]
    [InlineData(1000, 1, 2)]          // small universe: the parallel passes
    [InlineData(1000, 4, 4)]
    [InlineData(3_000_000, 1, 2)]     // a universe beyond the cache on few threads: the sequential pass
    [InlineData(3_000_000, 3, 4)]     // the same with more threads: parallel again
    public void ParallelAndSequentialRelabellingMatchFirstAppearanceOrder(int universe, int parts, int threads)
    {
        var rng = new Random(universe + parts);
        var dst = Enumerable.Range(0, universe).OrderBy(_ => rng.Next()).Take(500).ToArray();
        var seqs = Enumerable.Range(0, parts).Select(_ => Enumerable.Range(0, 60_000).Select(_ => rng.Next(Math.Min(universe, 20_000))).ToArray()).ToArray();
        var outputs = seqs.Select(s => new int[s.Length]).ToArray();
        var saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;
            var src = Relabel.Run(universe, dst, seqs, outputs, "test", "_N");
            var (refSrc, refIds) = Reference(dst, seqs);
            Assert.Equal(refSrc, src);
            for (var p = 0; p < parts; p++) Assert.Equal(refIds[p], outputs[p]);
            // The pooled slot array came back clean: a second run gives the same answer.
            var again = seqs.Select(s => new int[s.Length]).ToArray();
            Assert.Equal(refSrc, Relabel.Run(universe, dst, seqs, again, "test", "_N"));
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
        Assert.Throws<ArgumentException>(() => Relabel.Run(universe, [1, 2, 1], seqs, outputs, "test", "_N"));
    }
}
