using Dgl.Tensors;
using Dgl.Tensors.Kernels;

namespace Dgl.Sampling;

public static partial class GraphSampling
{
    /// <summary>
    /// Node pairs <c>(u, v)</c> of <paramref name="etype"/>'s source and destination types with no edge
    /// <c>u → v</c> of that type (DGL's <c>dgl.sampling.global_uniform_negative_sampling</c>): draws
    /// <c>numSamples·(1 + redundancy)</c> uniform pairs, up to three tries each, keeps those that are not edges (nor
    /// self-loops when excluded), drops repeats unless <paramref name="replace"/>, and returns at most
    /// <paramref name="numSamples"/> of them — possibly fewer on a dense graph.
    /// </summary>
    /// <param name="g">The graph.</param>
    /// <param name="numSamples">Pairs wanted.</param>
    /// <param name="excludeSelfLoops">Never return <c>(v, v)</c> (when both ends have the same type; default).</param>
    /// <param name="replace">Allow the same pair twice.</param>
    /// <param name="etype">The edge type (may be omitted with one).</param>
    /// <param name="redundancy">Extra draws as a fraction of numSamples; default: DGL's estimate from the density, so
    /// that enough pairs survive with high probability.</param>
    /// <param name="generator">Source of the random key.</param>
    /// <returns>Source and destination ids (int32). Unlike DGL, which sorts the pairs and keeps the smallest when it
    /// drops repeats (a bias towards low ids), the pairs come in draw order, so any prefix is a uniform sample.</returns>
    public static (Tensor Src, Tensor Dst) GlobalUniformNegativeSampling(this Graph g, int numSamples, bool excludeSelfLoops = true, bool replace = false, EdgeTypeKey? etype = null, double? redundancy = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentOutOfRangeException.ThrowIfNegative(numSamples);
        var r = g.EdgeTypeIndex(etype);
        var (src, dst) = NegativePairs(g, r, numSamples, excludeSelfLoops, replace, redundancy, RandomStream.KeyFrom(generator));
        return (Tensor.FromArray(src), Tensor.FromArray(dst));
    }

    internal static (int[] Src, int[] Dst) NegativePairs(Graph g, int r, int numSamples, bool excludeSelfLoops, bool replace, double? redundancy, ulong key)
    {
        var numSrc = g.NumSrcNodes(g.RelationSrcType(r));
        var numDst = g.NumDstNodes(g.RelationDstType(r));
        if (numSamples == 0 || numSrc == 0 || numDst == 0) return ([], []);
        excludeSelfLoops &= g.RelationSrcType(r) == g.RelationDstType(r);
        var csr = g.OutCsr(r);
        var red = redundancy ?? Redundancy(numSamples, csr.NumEntries, (double)numSrc * numDst);
        if (!(red >= 0) || double.IsInfinity(red))
            throw new ArgumentOutOfRangeException(nameof(redundancy), $"GlobalUniformNegativeSampling: redundancy = {red} must be a non-negative number");
        var draws = (int)Math.Min(Array.MaxLength, (long)(numSamples * (1 + red)));
        var us = new int[draws];
        var vs = new int[draws];
        const int trials = 3;
        Parallelism.For(draws, 1 << 12, (s, e) =>
        {
            for (var i = s; i < e; i++)
            {
                var rng = new RandomStream(key, i);
                us[i] = -1;
                for (var t = 0; t < trials; t++)
                {
                    var u = rng.NextInt(numSrc);
                    var v = rng.NextInt(numDst);
                    if ((excludeSelfLoops && u == v) || CsrLookup.Contains(csr, u, v)) continue;
                    us[i] = u;
                    vs[i] = v;
                    break;
                }
            }
        });
        var keep = new List<int>(numSamples);
        var seen = replace ? null : new HashSet<long>(EdgeKey.Comparer);
        for (var i = 0; i < draws && keep.Count < numSamples; i++)
        {
            if (us[i] < 0) continue;
            if (seen is not null && !seen.Add(EdgeKey.Of(us[i], vs[i]))) continue;
            keep.Add(i);
        }
        return ([.. keep.Select(i => us[i])], [.. keep.Select(i => vs[i])]);
    }

    /// <summary>
    /// DGL's redundancy estimate: with edge density p_m, the number N of draws for which k̂ successes are 3 standard
    /// deviations (binomial, success 1 − p_m) away from the mean solves (1−p_m)²N² − (1−p_m)(2k̂ + 9p_m)N + k̂² = 0;
    /// the redundancy is N/k̂ − 1 for the larger root.
    /// </summary>
    internal static double Redundancy(int k, long numEdges, double numPairs)
    {
        const double r = 3;
        var pm = numEdges / numPairs;
        var pk = 1 - pm;
        if (pk <= 0) return 0;
        var a = pk * pk;
        var b = -pk * (2.0 * k + r * r * pm);
        var c = (double)k * k;
        var disc = Math.Max(0, b * b - 4 * a * c);
        var n = (-b + Math.Sqrt(disc)) / (2 * a);
        return Math.Max(0, n / k - 1);
    }
}
