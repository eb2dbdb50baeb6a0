using Dgl.Tensors;
using Dgl.Tensors.Kernels;

namespace Dgl.Sampling;

/// <summary>
/// The random variates of layer-neighbour (LABOR) sampling: one uniform <c>r_t</c> per node <c>t</c>, shared by every
/// seed of a batch, so that seeds with common neighbours tend to pick the same ones. With two seeds and a
/// contribution <c>κ</c> in [0, 1], <c>r_t = Φ(cos(πκ/2)·z₀(t) + sin(πκ/2)·z₁(t))</c> with standard normals from
/// each seed — a smooth path from the first seed's variates (κ = 0) to the second's (κ = 1), which is how
/// <c>batch_dependency</c> makes consecutive batches' samples overlap (DGL's <c>continuous_seed</c>).
/// </summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)]
internal readonly struct LaborVariates(ulong seed0, ulong seed1, double contribution)
{
    private readonly double _c0 = Math.Cos(Math.PI * contribution / 2);
    private readonly double _c1 = Math.Sin(Math.PI * contribution / 2);

    /// <summary>r_t for node <paramref name="t"/>.</summary>
    public double At(int t)
    {
        if (seed0 == seed1) return RandomStream.UniformAt(seed0, t);
        var z0 = new RandomStream(seed0, t).NextNormal();
        var z1 = new RandomStream(seed1, t).NextNormal();
        return VecMath.NormalCdf(_c0 * z0 + _c1 * z1);
    }
}

/// <summary>
/// LABOR sampling of a CSR (Balın and Çatalyürek, "Layer-Neighbor Sampling — Defusing Neighborhood Explosion in
/// GNNs", NeurIPS 2023; DGL's <c>CSRLaborPick</c>): edge <c>t → s</c> is kept when <c>r_t ≤ min(1, c_s·π_t)</c>,
/// where <c>c_s</c> is chosen so that seed s keeps about fanout edges in expectation with the variance of sampling
/// fanout without replacement, and <c>π_t</c> is 1 (LABOR-0), the edge weight (weighted), or importance
/// probabilities refined over <c>importanceSampling</c> fixed-point iterations (LABOR-i; LABOR-* when negative).
/// </summary>
internal static class LaborSampling
{
    private const double Eps = 1e-4;

    /// <summary>The picks and, when importance sampling or weights are used, each pick's importance weight
    /// (<c>w/p</c>, normalised to mean 1 per seed so that a mean aggregation stays unbiased).</summary>
    public static (RowPicks Picks, float[]? Importances) Sample(Csr csr, int[] rows, int fanout, Tensor? weights, ExcludedEdges? excluded, int importanceSampling, LaborVariates variates, string op, string? weightName)
    {
        var n = rows.Length;
        var indPtr = csr.IndPtr;
        var indices = csr.Indices;
        var eids = csr.PermutedEdgeIds;   // null: entry j is edge j
        var weighted = weights is not null;
        var a = weighted ? new EntryWeights(weights!, csr) : null;   // A[j]: the weight of CSR entry j
        if (weighted) a!.Check(rows, op, weightName);
        if (fanout < 0) return TakeAll(csr, rows, a, excluded);

        var iterations = importanceSampling >= 0 && weighted ? importanceSampling + 1 : importanceSampling;
        var cs = new double[n];
        var ds = new double[n];
        var maxDegree = 1;
        for (var i = 0; i < n; i++)
        {
            var lo = indPtr[rows[i]];
            var hi = indPtr[rows[i] + 1];
            maxDegree = Math.Max(maxDegree, (int)(hi - lo));
            double d = hi - lo;
            if (weighted)
            {
                d = 0;
                for (var j = lo; j < hi; j++) d += a![j];
            }
            cs[i] = fanout / d;
            ds[i] = d;
        }

        // Importance probabilities π_t per neighbour (LABOR-i), keyed through a dense relabelling of the neighbours.
        using var hopIds = iterations != 0 ? new IdMap(csr.NumCols, 1024) : null;
        double[]? hop = null;
        if (iterations != 0)
            hop = ImportanceProbabilities(csr, rows, fanout, a, cs, ds, maxDegree, iterations, weighted, hopIds!);
        var useHop = (iterations - (weighted ? 1 : 0)) != 0;

        // Pass 1: count the kept edges of each row; pass 2: write them (r_t is a pure function of t, so both agree).
        var counts = new int[n + 1];
        Parallelism.For(n, 256, (s, e) =>
        {
            for (var i = s; i < e; i++)
            {
                var c = 0;
                for (var j = indPtr[rows[i]]; j < indPtr[rows[i] + 1]; j++)
                    if (Keep(j, i)) c++;
                counts[i + 1] = c;
            }
        });
        for (var i = 0; i < n; i++) counts[i + 1] += counts[i];
        var total = counts[n];
        var nbr = new int[total];
        var outEids = new int[total];
        var importances = iterations != 0 ? new float[total] : null;
        Parallelism.For(n, 256, (s, e) =>
        {
            for (var i = s; i < e; i++)
            {
                var o = counts[i];
                double norm = 0;
                for (var j = indPtr[rows[i]]; j < indPtr[rows[i] + 1]; j++)
                {
                    if (!Keep(j, i)) continue;
                    nbr[o] = indices[j];
                    outEids[o] = eids is null ? (int)j : eids[j];
                    if (importances is not null)
                    {
                        var w = weighted ? a![j] : 1;
                        var weight = w / P(j, i);
                        importances[o] = (float)weight;
                        norm += weight;
                    }
                    o++;
                }
                if (importances is not null && o > counts[i])
                {
                    // Scale to mean 1 over the row, so that a mean aggregation of weighted messages is unbiased.
                    var f = (o - counts[i]) / norm;
                    for (var k = counts[i]; k < o; k++) importances[k] = (float)(importances[k] * f);
                }
            }
        });
        return (new RowPicks(counts, nbr, outEids), importances);

        double P(long j, int i)
        {
            var pi = useHop ? hop![hopIds!.Find(indices[j])] : weighted ? a![j] : 1;
            return Math.Min(1, cs[i] * pi);
        }

        bool Keep(long j, int i)
        {
            if (excluded is not null && excluded.Contains(eids is null ? (int)j : eids[j])) return false;
            if (weighted && !(a![j] > 0)) return false;
            return variates.At(indices[j]) <= P(j, i);
        }
    }

    /// <summary>Fanout -1: every eligible edge, importance 1.</summary>
    private static (RowPicks, float[]?) TakeAll(Csr csr, int[] rows, EntryWeights? a, ExcludedEdges? excluded)
    {
        var nbr = new List<int>();
        var eids = new List<int>();
        var offsets = new int[rows.Length + 1];
        for (var i = 0; i < rows.Length; i++)
        {
            for (var j = csr.IndPtr[rows[i]]; j < csr.IndPtr[rows[i] + 1]; j++)
            {
                if (excluded is not null && excluded.Contains(csr.EdgeId(j))) continue;
                if (a is not null && !(a[j] > 0)) continue;
                nbr.Add(csr.Indices[j]);
                eids.Add(csr.EdgeId(j));
            }
            offsets[i + 1] = nbr.Count;
        }
        return (new RowPicks(offsets, [.. nbr], [.. eids]), a is null ? null : Enumerable.Repeat(1f, nbr.Count).ToArray());
    }

    /// <summary>The weight of each CSR entry (A[j] = weight of edge EdgeIds[j]), read from the feature on demand.</summary>
    private sealed class EntryWeights(Tensor weights, Csr csr)
    {
        private readonly float[]? _f = weights.DType == DType.Float32 ? (float[])weights.Data : null;
        private readonly double[]? _d = weights.DType == DType.Float64 ? (double[])weights.Data : null;
        private readonly bool[]? _b = weights.DType == DType.Bool ? (bool[])weights.Data : null;
        private readonly int _offset = weights.Offset;
        private readonly int[]? _eids = csr.PermutedEdgeIds;

        public double this[long j]
        {
            get
            {
                var e = _offset + Eid(j);
                return _f is not null ? _f[e] : _d is not null ? _d[e] : _b![e] ? 1 : 0;
            }
        }

        private int Eid(long j) => _eids is null ? (int)j : _eids[j];

        /// <summary>Fails on a negative or NaN weight among the rows' edges (the ones the sampler reads).</summary>
        public void Check(int[] rows, string op, string? name)
        {
            foreach (var r in rows)
            {
                for (var j = csr.IndPtr[r]; j < csr.IndPtr[r + 1]; j++)
                {
                    var x = this[j];
                    if (!(x >= 0))
                        throw SamplingErrors.Argument("prob", $"{op}: edge {Eid(j)} has probability {x} in feature '{name}'; probabilities must be non-negative numbers");
                }
            }
        }
    }

    /// <summary>
    /// The fixed-point iterations of LABOR-i (DGL's <c>compute_importance_sampling_probabilities</c>): alternately
    /// set each neighbour's π_t from the c_s of the seeds that reach it (Eq. 18) and each seed's c_s so that its
    /// estimator's variance matches sampling fanout without replacement (Eq. 22), until the expected number of
    /// sampled neighbours stops shrinking. Updates <paramref name="cs"/>; returns π per relabelled neighbour.
    /// </summary>
    private static double[] ImportanceProbabilities(Csr csr, int[] rows, int fanout, EntryWeights? a, double[] cs, double[] ds, int maxDegree, int iterations, bool weighted, IdMap hopIds)
    {
        var indPtr = csr.IndPtr;
        var indices = csr.Indices;
        for (var i = 0; i < rows.Length; i++)
            for (var j = indPtr[rows[i]]; j < indPtr[rows[i] + 1]; j++) hopIds.Insert(indices[j]);
        var m = hopIds.Count;
        var hop = new double[m];
        var hop2 = new double[m];
        var hopEmpty = true;
        var ps = new double[maxDegree + 1];
        var prevExpected = (double)maxDegree * rows.Length;
        for (var it = 0; it < iterations || iterations < 0; it++)
        {
            if (!weighted || it > 0)
            {
                Array.Fill(hop2, double.NegativeInfinity);
                for (var i = 0; i < rows.Length; i++)
                {
                    for (var j = indPtr[rows[i]]; j < indPtr[rows[i] + 1]; j++)
                    {
                        var ct = cs[i] * (weighted && it == 1 ? a![j] : 1);
                        var h = hopIds.Find(indices[j]);
                        hop2[h] = Math.Max(hop2[h], ct);
                    }
                }
                if (hopEmpty)
                {
                    Array.Copy(hop2, hop, m);
                    hopEmpty = false;
                }
                else
                {
                    for (var h = 0; h < m; h++) hop[h] *= hop2[h];
                }
            }
            for (var i = 0; i < rows.Length; i++)
            {
                var lo = indPtr[rows[i]];
                var d = (int)(indPtr[rows[i] + 1] - lo);
                if (d == 0) continue;
                var k = Math.Min(fanout, d);
                for (var j = 0; j < d; j++) ps[j] = hopEmpty ? a![lo + j] : hop[hopIds.Find(indices[lo + j])];
                var target = ds[i] * ds[i] / k;
                if (weighted)
                {
                    target -= ds[i] * ds[i] / d;
                    for (var j = 0; j < d; j++) target += a![lo + j] * a[lo + j];
                }
                var c = cs[i];
                double v1;
                var guard = 0;
                do
                {
                    v1 = 0;
                    for (var j = 0; j < d; j++)
                    {
                        if (weighted) v1 += a![lo + j] > 0 ? a[lo + j] * a[lo + j] / Math.Min(1, c * ps[j]) : 0;
                        else v1 += 1 / Math.Min(1, c * ps[j]);
                    }
                    c *= v1 / target;
                }
                while (Math.Min(v1, target) / Math.Max(v1, target) < 1 - Eps && ++guard < 1000);
                cs[i] = c;
            }
            if (!weighted || it > 0)
            {
                double expected = 0;
                for (var h = 0; h < m; h++) expected += Math.Min(1, hop[h]);
                if (expected / prevExpected >= 1 - Eps) break;
                prevExpected = expected;
            }
        }
        return hop;
    }
}

public static partial class GraphSampling
{
    /// <summary>
    /// Layer-neighbour sampling (DGL's <c>dgl.sampling.sample_labors</c>; Balın and Çatalyürek, NeurIPS 2023): like
    /// <see cref="SampleNeighbors(Graph, IdArray, int, EdgeDirection, string?, bool, IdArray?, bool, bool, Generator?)"/>,
    /// each seed keeps about <paramref name="fanout"/> of its edges, but the coin of edge <c>t → s</c> is a variate
    /// <c>r_t</c> of the neighbour, shared by all seeds of the call — so seeds with common neighbours pick common
    /// ones, and a layer samples far fewer distinct nodes than independent sampling would. With
    /// <paramref name="importanceSampling"/> = 0 and no weights this is LABOR-0: edge kept when
    /// <c>r_t ≤ min(1, fanout / degree(s))</c>.
    /// </summary>
    /// <param name="g">A graph with one node type.</param>
    /// <param name="nodes">Seed nodes.</param>
    /// <param name="fanout">Expected edges per seed (-1: all).</param>
    /// <param name="edgeDir">In-edges (default) or out-edges.</param>
    /// <param name="prob">Edge feature of unnormalised probabilities (weighted LABOR; weight-0 edges never kept).</param>
    /// <param name="importanceSampling">Fixed-point iterations of importance sampling (0: LABOR-0; -1: until convergence).</param>
    /// <param name="randomSeed">The seed of the variates (default: drawn from <paramref name="generator"/>).</param>
    /// <param name="randomSeed2">A second seed to blend with (see <paramref name="seed2Contribution"/>).</param>
    /// <param name="seed2Contribution">How far (0 to 1) the variates move from the first seed's to the second's.</param>
    /// <param name="excludeEdges">Edge ids never kept.</param>
    /// <param name="copyNodeData">Share node features with the frontier.</param>
    /// <param name="copyEdgeData">Carry the kept edges' features.</param>
    /// <param name="generator">Source of the default seed.</param>
    /// <returns>The frontier (every node, the kept edges, <c>EData[EID]</c>) and, per relation, the kept edges'
    /// importance weights when weights or importance sampling are used (null otherwise); the frontier also holds
    /// them as <c>EData["edge_weights"]</c>.</returns>
    public static (Graph Frontier, IReadOnlyList<Tensor?> Importances) SampleLabors(
        this Graph g,
        IdArray nodes,
        int fanout,
        EdgeDirection edgeDir = EdgeDirection.In,
        string? prob = null,
        int importanceSampling = 0,
        ulong? randomSeed = null,
        ulong? randomSeed2 = null,
        double seed2Contribution = 0,
        IdArray? excludeEdges = null,
        bool copyNodeData = true,
        bool copyEdgeData = true,
        Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentOutOfRangeException.ThrowIfLessThan(fanout, -1);
        if (!(seed2Contribution >= 0 && seed2Contribution <= 1))
            throw new ArgumentOutOfRangeException(nameof(seed2Contribution), $"SampleLabors: seed2Contribution = {seed2Contribution} must lie in [0, 1]");
        var seeds = SampledGraphs.Seeds(g, nodes, "SampleLabors");
        var excluded = SampledGraphs.Excluded(g, excludeEdges, "SampleLabors");
        var s0 = randomSeed ?? RandomStream.KeyFrom(generator);
        var variates = new LaborVariates(s0, randomSeed2 ?? s0, seed2Contribution);
        var (picks, imp) = SampleLaborsCore(g, seeds, Fanout.All(fanout).Resolve(g, "SampleLabors"), edgeDir, prob, importanceSampling, variates, excluded);
        var frontier = SampledGraphs.Frontier(g, seeds, picks, edgeDir, copyNodeData, copyEdgeData, "edge_weights", imp);
        return (frontier, imp);
    }

    /// <summary>
    /// <see cref="SampleLabors(Graph, IdArray, int, EdgeDirection, string?, int, ulong?, ulong?, double, IdArray?, bool, bool, Generator?)"/>
    /// for a graph with several node or edge types: seeds per node type, a fanout for every edge type or per edge
    /// type, excluded edges per edge type. All edge types share the variates of a node.
    /// </summary>
    public static (Graph Frontier, IReadOnlyList<Tensor?> Importances) SampleLabors(
        this Graph g,
        IReadOnlyDictionary<string, IdArray> nodes,
        Fanout fanout,
        EdgeDirection edgeDir = EdgeDirection.In,
        string? prob = null,
        int importanceSampling = 0,
        ulong? randomSeed = null,
        ulong? randomSeed2 = null,
        double seed2Contribution = 0,
        IReadOnlyDictionary<EdgeTypeKey, IdArray>? excludeEdges = null,
        bool copyNodeData = true,
        bool copyEdgeData = true,
        Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        if (!(seed2Contribution >= 0 && seed2Contribution <= 1))
            throw new ArgumentOutOfRangeException(nameof(seed2Contribution), $"SampleLabors: seed2Contribution = {seed2Contribution} must lie in [0, 1]");
        var seeds = SampledGraphs.Seeds(g, nodes, "SampleLabors");
        var excluded = SampledGraphs.Excluded(g, excludeEdges);
        var s0 = randomSeed ?? RandomStream.KeyFrom(generator);
        var variates = new LaborVariates(s0, randomSeed2 ?? s0, seed2Contribution);
        var (picks, imp) = SampleLaborsCore(g, seeds, fanout.Resolve(g, "SampleLabors"), edgeDir, prob, importanceSampling, variates, excluded);
        var frontier = SampledGraphs.Frontier(g, seeds, picks, edgeDir, copyNodeData, copyEdgeData, "edge_weights", imp);
        return (frontier, imp);
    }

    internal static (RowPicks?[] Picks, Tensor?[] Importances) SampleLaborsCore(Graph g, int[][] seeds, int[] fanouts, EdgeDirection dir, string? prob, int importanceSampling, LaborVariates variates, ExcludedEdges?[]? excluded)
    {
        const string op = "SampleLabors";
        if (g.IsBlock) throw new InvalidOperationException($"{op}: sampling the neighbours of a block is not supported");
        var used = new bool[g.NumRelations];
        for (var r = 0; r < used.Length; r++) used[r] = seeds[SampledGraphs.RowType(g, r, dir)].Length > 0 && fanouts[r] != 0;
        var weights = EdgeWeightColumn.FindAll(g, prob, used, op);
        var picks = new RowPicks?[g.NumRelations];
        var imp = new Tensor?[g.NumRelations];
        for (var r = 0; r < picks.Length; r++)
        {
            var rows = seeds[SampledGraphs.RowType(g, r, dir)];
            if (rows.Length == 0) continue;
            var csr = dir == EdgeDirection.In ? g.InCsr(r) : g.OutCsr(r);
            var (p, w) = LaborSampling.Sample(csr, rows, fanouts[r], weights[r], excluded?[r], importanceSampling, variates, op, prob);
            picks[r] = p;
            if (w is not null) imp[r] = Tensor.FromArray(w);
        }
        return (picks, imp);
    }
}
