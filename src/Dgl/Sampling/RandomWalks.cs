using Dgl.Tensors;
using Dgl.Tensors.Kernels;

namespace Dgl.Sampling;

/// <summary>
/// Random walk traces (DGL's return of <c>random_walk(..., return_eids=True)</c>): row <c>i</c> of
/// <see cref="Traces"/> is the walk from seed <c>i</c> (the seed, then one node per step; -1 after the walk ends),
/// row <c>i</c> of <see cref="EdgeIds"/> the edge taken at each step (-1 after the end), and <see cref="Types"/> the
/// node type index of each trace position.
/// </summary>
/// <param name="Traces">int32 [seeds, steps + 1].</param>
/// <param name="EdgeIds">int32 [seeds, steps].</param>
/// <param name="Types">int32 [steps + 1]: node type index (in <c>NodeTypes</c> order) at each position.</param>
public sealed record RandomWalkTraces(Tensor Traces, Tensor EdgeIds, Tensor Types);

public static partial class GraphSampling
{
    /// <summary>
    /// Random walks from each of <paramref name="nodes"/> along out-edges (DGL's <c>dgl.sampling.random_walk</c>):
    /// <paramref name="length"/> steps on a graph with one edge type, or one step per entry of
    /// <paramref name="metapath"/> along that edge type. A walk stops early (padding its trace with -1) at a node
    /// without a suitable out-edge, or — with a restart probability — after a step with that probability.
    /// </summary>
    /// <param name="g">The graph.</param>
    /// <param name="nodes">Start nodes (of the metapath's first source type).</param>
    /// <param name="metapath">Edge types to follow, one per step; consecutive types must chain (each starts where the
    /// previous ends). Default: the graph's only edge type, <paramref name="length"/> times.</param>
    /// <param name="length">Steps, when no metapath is given.</param>
    /// <param name="prob">Edge feature of unnormalised transition probabilities (uniform where an edge type lacks it).</param>
    /// <param name="restartProb">Probability of stopping after each step (DGL's scalar <c>restart_prob</c>).</param>
    /// <param name="restartProbs">Per-step stopping probabilities (DGL's tensor <c>restart_prob</c>; one per step).</param>
    /// <param name="generator">Source of the random key.</param>
    /// <exception cref="ArgumentException">No metapath and no length, or both; a metapath that does not chain;
    /// restart probabilities of the wrong length or outside [0, 1].</exception>
    /// <example>
    /// <code>
    /// var g = Generators.Cycle(5, bidirected: false);
    /// var walks = g.RandomWalk([0, 2], length: 3);
    /// // walks.Traces = [[0, 1, 2, 3], [2, 3, 4, 0]]
    /// </code>
    /// </example>
    public static RandomWalkTraces RandomWalk(
        this Graph g,
        IdArray nodes,
        IReadOnlyList<EdgeTypeKey>? metapath = null,
        int? length = null,
        string? prob = null,
        double restartProb = 0,
        IReadOnlyList<double>? restartProbs = null,
        Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        const string op = "RandomWalk";
        int[] path;
        if (metapath is null)
        {
            if (length is null)
                throw new ArgumentException($"{op}: give either a metapath or a length", nameof(length));
            ArgumentOutOfRangeException.ThrowIfNegative(length.Value, nameof(length));
            if (g.NumRelations != 1 || g.NodeTypes.Count != 1)
                throw new ArgumentException($"{op}: the graph has {g.NodeTypes.Count} node types and {g.NumRelations} edge types; give a metapath", nameof(metapath));
            path = new int[length.Value];
        }
        else
        {
            if (length is not null)
                throw new ArgumentException($"{op}: give a metapath or a length, not both (the metapath sets the length)", nameof(length));
            path = [.. metapath.Select(k => g.EdgeTypeIndex(k))];
            for (var i = 1; i < path.Length; i++)
            {
                if (g.RelationDstType(path[i - 1]) != g.RelationSrcType(path[i]))
                    throw new ArgumentException($"{op}: metapath step {i} {g.RelationType(path[i])} does not start where step {i - 1} {g.RelationType(path[i - 1])} ends", nameof(metapath));
            }
        }
        var restart = RestartPerStep(path.Length, restartProb, restartProbs, op);
        var startType = path.Length > 0 ? g.RelationSrcType(path[0]) : 0;
        Graph.CheckIds(nodes.AsSpan(), g.NumSrcNodes(startType), "start node", $"node type '{g.NodeTypes[startType]}'");
        var weights = new WeightReader?[g.NumRelations];
        if (prob is not null)
        {
            var any = false;
            foreach (var r in path.Distinct())
            {
                if (EdgeWeightColumn.Find(g, r, prob, op) is { } w)
                {
                    weights[r] = new WeightReader(w);
                    any = true;
                }
            }
            if (!any && path.Length > 0)
                throw new ArgumentException($"{op}: no edge type on the path has the feature '{prob}'", nameof(prob));
        }
        var (traces, eids) = Walk(g, nodes.Array, path, weights, restart, RandomStream.KeyFrom(generator));
        var types = new int[path.Length + 1];
        types[0] = startType;
        for (var i = 0; i < path.Length; i++) types[i + 1] = g.RelationDstType(path[i]);
        var n = nodes.Length;
        return new RandomWalkTraces(Tensor.FromArray(traces, [n, path.Length + 1]), Tensor.FromArray(eids, [n, path.Length]), Tensor.FromArray(types));
    }

    /// <summary>
    /// node2vec random walks (Grover and Leskovec 2016; DGL's <c>dgl.sampling.node2vec_random_walk</c>) of
    /// <paramref name="walkLength"/> steps on a graph with one edge type. After arriving at v from t, the next node x
    /// is drawn with weight 1/p when x = t (return), 1 when x has an edge to t (stay close), 1/q otherwise (explore),
    /// times the edge's <paramref name="prob"/>, by rejection sampling as DGL does. The first step is plain.
    /// </summary>
    /// <param name="g">A graph with one node type and one edge type.</param>
    /// <param name="nodes">Start nodes.</param>
    /// <param name="p">Return parameter (&gt; 0).</param>
    /// <param name="q">In-out parameter (&gt; 0).</param>
    /// <param name="walkLength">Steps.</param>
    /// <param name="prob">Edge feature of unnormalised transition probabilities.</param>
    /// <param name="generator">Source of the random key.</param>
    /// <returns>Traces [seeds, walkLength + 1] and edge ids [seeds, walkLength] (-1 after a dead end); the types are all 0.</returns>
    public static RandomWalkTraces Node2VecRandomWalk(this Graph g, IdArray nodes, double p, double q, int walkLength, string? prob = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        const string op = "Node2VecRandomWalk";
        if (!(p > 0)) throw new ArgumentOutOfRangeException(nameof(p), $"{op}: p = {p} must be positive");
        if (!(q > 0)) throw new ArgumentOutOfRangeException(nameof(q), $"{op}: q = {q} must be positive");
        ArgumentOutOfRangeException.ThrowIfNegative(walkLength);
        if (g.NumRelations != 1 || g.NodeTypes.Count != 1)
            throw new ArgumentException($"{op}: node2vec walks need a graph with one node type and one edge type; this one has {g.NodeTypes.Count} and {g.NumRelations}", nameof(g));
        Graph.CheckIds(nodes.AsSpan(), g.NumSrcNodes(0), "start node", $"the graph with {g.NumSrcNodes(0)} nodes");
        WeightReader? weights = null;
        if (prob is not null)
            weights = new WeightReader(EdgeWeightColumn.Find(g, 0, prob, op) ?? throw new ArgumentException($"{op}: the graph has no edge feature '{prob}'", nameof(prob)));
        var csr = g.OutCsr(0);
        var seeds = nodes.Array;
        var n = seeds.Length;
        var width = walkLength + 1;
        var traces = new int[n * width];
        var eids = new int[n * walkLength];
        var key = RandomStream.KeyFrom(generator);
        var maxProb = Math.Max(Math.Max(1 / p, 1), 1 / q);
        var prob0 = 1 / p / maxProb;
        var prob1 = 1 / maxProb;
        var prob2 = 1 / q / maxProb;
        var errors = new FirstError();
        Parallelism.For(n, 64, (s, e) =>
        {
            for (var i = s; i < e; i++)
            {
                var rng = new RandomStream(key, i);
                var trace = traces.AsSpan(i * width, width);
                var edges = eids.AsSpan(i * walkLength, walkLength);
                trace.Fill(-1);
                edges.Fill(-1);
                var cur = seeds[i];
                trace[0] = cur;
                for (var step = 0; step < walkLength; step++)
                {
                    var lo = csr.IndPtr[cur];
                    var d = (int)(csr.IndPtr[cur + 1] - lo);
                    int idx;
                    while (true)
                    {
                        idx = Choose(csr, lo, d, weights, ref rng, i, errors, op, prob);
                        if (idx < 0 || step == 0) break;
                        var r = rng.NextDouble();
                        var next = csr.Indices[lo + idx];
                        var pre = trace[step - 1];
                        if (next == pre ? r < prob0 : CsrLookup.Contains(csr, next, pre) ? r < prob1 : r < prob2) break;
                    }
                    if (idx < 0) break;
                    cur = csr.Indices[lo + idx];
                    trace[step + 1] = cur;
                    edges[step] = csr.EdgeIds[lo + idx];
                }
            }
        });
        errors.ThrowIfAny();
        return new RandomWalkTraces(Tensor.FromArray(traces, [n, width]), Tensor.FromArray(eids, [n, walkLength]), Tensor.Zeros([width], DType.Int32));
    }

    /// <summary>
    /// Packs traces into one array of their valid nodes (DGL's <c>dgl.sampling.pack_traces</c>): the nodes of each
    /// trace up to its first -1, concatenated, with each trace's length and offset and each node's type.
    /// </summary>
    public static (Tensor Nodes, Tensor Types, Tensor Lengths, Tensor Offsets) PackTraces(Tensor traces, Tensor types)
    {
        ArgumentNullException.ThrowIfNull(traces);
        ArgumentNullException.ThrowIfNull(types);
        if (traces.Rank != 2) throw new TensorShapeException($"PackTraces: traces must be 2-D [seeds, length]; got shape {traces.Shape}");
        var t = traces.To(DType.Int32).ToArray<int>();
        var ty = types.To(DType.Int32).ToArray<int>();
        var (n, w) = (traces.Size(0), traces.Size(1));
        if (ty.Length != w) throw new TensorShapeException($"PackTraces: types has {ty.Length} entries but traces are {w} long");
        var nodes = new List<int>();
        var nodeTypes = new List<int>();
        var lengths = new int[n];
        var offsets = new int[n];
        for (var i = 0; i < n; i++)
        {
            offsets[i] = nodes.Count;
            var k = 0;
            while (k < w && t[i * w + k] >= 0)
            {
                nodes.Add(t[i * w + k]);
                nodeTypes.Add(ty[k]);
                k++;
            }
            lengths[i] = k;
        }
        return (Tensor.FromArray(nodes.ToArray()), Tensor.FromArray(nodeTypes.ToArray()), Tensor.FromArray(lengths), Tensor.FromArray(offsets));
    }

    internal static double[] RestartPerStep(int steps, double restartProb, IReadOnlyList<double>? restartProbs, string op)
    {
        if (restartProbs is not null && restartProb != 0)
            throw new ArgumentException($"{op}: give restartProb or restartProbs, not both", nameof(restartProbs));
        if (restartProbs is not null && restartProbs.Count != steps)
            throw new ArgumentException($"{op}: restartProbs has {restartProbs.Count} entries but the walk has {steps} steps; give one per step", nameof(restartProbs));
        var result = restartProbs is null ? Enumerable.Repeat(restartProb, steps).ToArray() : [.. restartProbs];
        foreach (var x in result)
            if (!(x >= 0 && x <= 1)) throw new ArgumentOutOfRangeException(restartProbs is null ? nameof(restartProb) : nameof(restartProbs), $"{op}: restart probability {x} must lie in [0, 1]");
        return result;
    }

    /// <summary>Walks along out-edges of relations <paramref name="path"/> (one per step) from each seed.</summary>
    internal static (int[] Traces, int[] EdgeIds) Walk(Graph g, int[] seeds, int[] path, WeightReader?[] weights, double[] restart, ulong key)
    {
        const string op = "RandomWalk";
        var n = seeds.Length;
        var steps = path.Length;
        var width = steps + 1;
        var csrs = path.Distinct().ToDictionary(r => r, g.OutCsr);
        var traces = new int[n * width];
        var eids = new int[n * steps];
        var errors = new FirstError();
        Parallelism.For(n, 64, (s, e) =>
        {
            for (var i = s; i < e; i++)
            {
                var rng = new RandomStream(key, i);
                var trace = traces.AsSpan(i * width, width);
                var edges = eids.AsSpan(i * steps, steps);
                trace.Fill(-1);
                edges.Fill(-1);
                var cur = seeds[i];
                trace[0] = cur;
                for (var step = 0; step < steps; step++)
                {
                    var r = path[step];
                    var csr = csrs[r];
                    var lo = csr.IndPtr[cur];
                    var idx = Choose(csr, lo, (int)(csr.IndPtr[cur + 1] - lo), weights[r], ref rng, i, errors, op, "prob");
                    if (idx < 0) break;
                    cur = csr.Indices[lo + idx];
                    trace[step + 1] = cur;
                    edges[step] = csr.EdgeIds[lo + idx];
                    // DGL's order: take the step, then stop with the restart probability.
                    if (restart[step] > 0 && rng.NextDouble() < restart[step]) break;
                }
            }
        });
        errors.ThrowIfAny();
        return (traces, eids);
    }

    /// <summary>One transition: an entry of the row [lo, lo + d), uniform or by weight; -1 when there is none (no
    /// edges, or all of weight 0).</summary>
    private static int Choose(Csr csr, long lo, int d, WeightReader? weights, ref RandomStream rng, int seed, FirstError errors, string op, string? name)
    {
        if (d == 0) return -1;
        if (weights is null) return rng.NextInt(d);
        double total = 0;
        for (var j = 0; j < d; j++)
        {
            var w = weights[csr.EdgeIds[lo + j]];
            if (!(w >= 0))
            {
                var eid = csr.EdgeIds[lo + j];
                errors.Report(seed, () => SamplingErrors.Argument("prob", $"{op}: edge {eid} has probability {w} in feature '{name}'; probabilities must be non-negative numbers"));
                return -1;
            }
            total += w;
        }
        if (total <= 0) return -1;
        var x = rng.NextDouble() * total;
        double acc = 0;
        var last = -1;
        for (var j = 0; j < d; j++)
        {
            var w = weights[csr.EdgeIds[lo + j]];
            if (w <= 0) continue;
            last = j;
            acc += w;
            if (x < acc) return j;
        }
        return last;
    }
}
