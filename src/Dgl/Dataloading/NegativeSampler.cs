using Dgl.Sampling;
using Dgl.Tensors;

namespace Dgl.Dataloading;

/// <summary>
/// Makes negative (non-)edges for link prediction from a batch of positive edges (DGL's
/// <c>dgl.dataloading.negative_sampler</c>): <see cref="Uniform"/> / <see cref="PerSourceUniform"/> (each positive
/// edge's source with k uniform destinations) and <see cref="GlobalUniform"/> (k uniform pairs per positive edge
/// that are not edges of the graph).
/// </summary>
public abstract class NegativeSampler
{
    private protected NegativeSampler(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        K = k;
    }

    /// <summary>Negatives per positive edge.</summary>
    public int K { get; }

    /// <summary>
    /// k uniformly random destinations (of the edge type's destination type) for each positive edge's source: the
    /// source repeated k times, destinations uniform — which may include true edges (DGL's <c>Uniform(k)</c>).
    /// </summary>
    public static NegativeSampler Uniform(int k) => new PerSourceUniformSampler(k);

    /// <summary>The same as <see cref="Uniform"/> (DGL's <c>PerSourceUniform(k)</c>; DGL defines Uniform as its alias).</summary>
    public static NegativeSampler PerSourceUniform(int k) => new PerSourceUniformSampler(k);

    /// <summary>
    /// k·(number of positive edges) pairs drawn uniformly over the whole graph that are not edges of the type
    /// (DGL's <c>GlobalUniform(k, exclude_self_loops, replace)</c>; see
    /// <see cref="GraphSampling.GlobalUniformNegativeSampling"/>, which may return fewer).
    /// </summary>
    public static NegativeSampler GlobalUniform(int k, bool excludeSelfLoops = true, bool replace = false) => new GlobalUniformSampler(k, excludeSelfLoops, replace);

    /// <summary>Negative pairs for edges <paramref name="eids"/> of <paramref name="etype"/> (DGL's <c>sampler(g, eids)</c>).</summary>
    public (Tensor Src, Tensor Dst) Sample(Graph g, IdArray eids, EdgeTypeKey? etype = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        var r = g.EdgeTypeIndex(etype);
        Graph.CheckIds(eids.AsSpan(), g.RelationAdjacency(r).NumEdges, "edge", $"relation {g.RelationType(r)}");
        var (s, d) = Generate(g, r, eids.Array, RandomStream.KeyFrom(generator));
        return (Tensor.FromArray(s), Tensor.FromArray(d));
    }

    /// <summary>Negative (source, destination) pairs for edges <paramref name="eids"/> of relation <paramref name="r"/>.</summary>
    internal abstract (int[] Src, int[] Dst) Generate(Graph g, int r, int[] eids, ulong key);

    private sealed class PerSourceUniformSampler(int k) : NegativeSampler(k)
    {
        internal override (int[] Src, int[] Dst) Generate(Graph g, int r, int[] eids, ulong key)
        {
            var (coo, _) = g.Coo(r);
            var numDst = g.NumDstNodes(g.RelationDstType(r));
            var src = new int[checked(eids.Length * K)];
            var dst = new int[src.Length];
            var rng = new RandomStream(key);
            for (var i = 0; i < eids.Length; i++)
            {
                for (var j = 0; j < K; j++)
                {
                    src[i * K + j] = coo[eids[i]];
                    dst[i * K + j] = numDst == 0 ? 0 : rng.NextInt(numDst);
                }
            }
            return (src, dst);
        }
    }

    private sealed class GlobalUniformSampler(int k, bool excludeSelfLoops, bool replace) : NegativeSampler(k)
    {
        internal override (int[] Src, int[] Dst) Generate(Graph g, int r, int[] eids, ulong key) =>
            GraphSampling.NegativePairs(g, r, checked(eids.Length * K), excludeSelfLoops, replace, null, key);
    }
}
