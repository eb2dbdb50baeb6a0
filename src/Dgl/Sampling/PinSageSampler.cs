using Dgl.Tensors;

namespace Dgl.Sampling;

/// <summary>
/// Picks each seed's most visited nodes along random walks (DGL's <c>dgl.sampling.RandomWalkNeighborSampler</c>):
/// from every seed, <c>numRandomWalks</c> walks of up to <c>numTraversals</c> rounds of the metapath, each round
/// ended early with probability <c>terminationProb</c>; the nodes reached at the end of each round are counted, and
/// each seed's <c>numNeighbors</c> most counted nodes become its neighbours.
/// </summary>
/// <remarks>
/// The result is a graph over every node of the metapath's node type with edges neighbour → seed and the visit
/// counts in <c>EData[weightColumn]</c> (int64), grouped by seed in order, most visited first (ties: the larger node
/// id first, as DGL). The seed itself is counted when a walk returns to it.
/// </remarks>
public class RandomWalkNeighborSampler
{
    private readonly Graph _g;
    private readonly int[] _path;
    private readonly double[] _restart;

    /// <summary>Creates the sampler.</summary>
    /// <param name="g">The graph to walk.</param>
    /// <param name="numTraversals">Rounds of the metapath per walk (at least 1).</param>
    /// <param name="terminationProb">Probability of ending a walk after each round.</param>
    /// <param name="numRandomWalks">Walks per seed (at least 1).</param>
    /// <param name="numNeighbors">Neighbours kept per seed (at least 1).</param>
    /// <param name="metapath">Edge types of one round; must start and end at the same node type. Default: the graph's
    /// only edge type (a graph with one node type and one edge type).</param>
    /// <param name="weightColumn">Edge feature of the result that holds the visit counts.</param>
    /// <exception cref="ArgumentException">No metapath for a heterogeneous graph, or one that does not return to its start type.</exception>
    public RandomWalkNeighborSampler(Graph g, int numTraversals, double terminationProb, int numRandomWalks, int numNeighbors, IReadOnlyList<EdgeTypeKey>? metapath = null, string weightColumn = "weights")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(weightColumn);
        ArgumentOutOfRangeException.ThrowIfLessThan(numTraversals, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numRandomWalks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numNeighbors, 1);
        if (!(terminationProb >= 0 && terminationProb <= 1))
            throw new ArgumentOutOfRangeException(nameof(terminationProb), $"RandomWalkNeighborSampler: terminationProb = {terminationProb} must lie in [0, 1]");
        if (metapath is null)
        {
            if (g.NodeTypes.Count != 1 || g.NumRelations != 1)
                throw new ArgumentException($"RandomWalkNeighborSampler: the graph has {g.NodeTypes.Count} node types and {g.NumRelations} edge types; give a metapath", nameof(metapath));
            metapath = [g.RelationType(0)];
        }
        if (metapath.Count == 0) throw new ArgumentException("RandomWalkNeighborSampler: the metapath is empty", nameof(metapath));
        var hops = metapath.Select(k => g.EdgeTypeIndex(k)).ToArray();
        for (var i = 1; i < hops.Length; i++)
        {
            if (g.RelationDstType(hops[i - 1]) != g.RelationSrcType(hops[i]))
                throw new ArgumentException($"RandomWalkNeighborSampler: metapath step {i} {g.RelationType(hops[i])} does not start where step {i - 1} ends", nameof(metapath));
        }
        var start = g.RelationSrcType(hops[0]);
        if (g.RelationDstType(hops[^1]) != start)
            throw new ArgumentException($"RandomWalkNeighborSampler: the metapath must start and end at the same node type; it starts at '{g.NodeTypes[start]}' and ends at '{g.NodeTypes[g.RelationDstType(hops[^1])]}'", nameof(metapath));
        _g = g;
        NodeType = g.NodeTypes[start];
        MetapathHops = hops.Length;
        NumTraversals = numTraversals;
        NumRandomWalks = numRandomWalks;
        NumNeighbors = numNeighbors;
        WeightColumn = weightColumn;
        _path = [.. Enumerable.Range(0, numTraversals).SelectMany(_ => hops)];
        // Stop with terminationProb after each full round but the last (DGL's restart_prob[hops::hops]).
        _restart = new double[_path.Length];
        for (var i = hops.Length; i < _restart.Length; i += hops.Length) _restart[i - 1] = terminationProb;
    }

    /// <summary>The node type of the seeds and neighbours.</summary>
    public string NodeType { get; }

    /// <summary>Edge types per round.</summary>
    public int MetapathHops { get; }

    /// <summary>Rounds per walk.</summary>
    public int NumTraversals { get; }

    /// <summary>Walks per seed.</summary>
    public int NumRandomWalks { get; }

    /// <summary>Neighbours kept per seed.</summary>
    public int NumNeighbors { get; }

    /// <summary>The edge feature holding the visit counts.</summary>
    public string WeightColumn { get; }

    /// <summary>The neighbour graph of <paramref name="seeds"/> (DGL's <c>sampler(seeds)</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A seed out of range.</exception>
    public Graph Sample(IdArray seeds, Generator? generator = null)
    {
        var t = _g.NodeTypeIndex(NodeType);
        Graph.CheckIds(seeds.AsSpan(), _g.NumSrcNodes(t), "seed node", $"node type '{NodeType}'");
        return SampleCore(seeds.Array, RandomStream.KeyFrom(generator));
    }

    internal Graph SampleCore(int[] seeds, ulong key)
    {
        var walks = NumRandomWalks;
        var starts = new int[seeds.Length * walks];
        for (var i = 0; i < seeds.Length; i++) starts.AsSpan(i * walks, walks).Fill(seeds[i]);
        var weights = new WeightReader?[_g.NumRelations];
        var (traces, _) = GraphSampling.Walk(_g, starts, _path, weights, _restart, key);
        var width = _path.Length + 1;
        var perSeed = walks * NumTraversals;
        var src = new List<int>();
        var dst = new List<int>();
        var counts = new List<long>();
        var visited = new int[perSeed];
        var ranked = new List<(int Count, int Node)>();
        for (var i = 0; i < seeds.Length; i++)
        {
            // The node at the end of each round of each walk of seed i.
            var m = 0;
            for (var w = 0; w < walks; w++)
            {
                var row = (i * walks + w) * width;
                for (var k = 1; k <= NumTraversals; k++) visited[m++] = traces[row + k * MetapathHops];
            }
            Array.Sort(visited);
            ranked.Clear();
            for (var a = 0; a < m;)
            {
                var b = a;
                while (b < m && visited[b] == visited[a]) b++;
                if (visited[a] >= 0) ranked.Add((b - a, visited[a]));
                a = b;
            }
            // Most visited first; ties: the larger id first (DGL sorts (count, id) pairs descending).
            ranked.Sort((x, y) => x.Count != y.Count ? y.Count.CompareTo(x.Count) : y.Node.CompareTo(x.Node));
            for (var j = 0; j < Math.Min(NumNeighbors, ranked.Count); j++)
            {
                src.Add(ranked[j].Node);
                dst.Add(seeds[i]);
                counts.Add(ranked[j].Count);
            }
        }
        var t = _g.NodeTypeIndex(NodeType);
        var g = Graph.CreateHetero(
            new Dictionary<CanonicalEdgeType, (IdArray, IdArray)> { [new CanonicalEdgeType(NodeType, Graph.DefaultEdgeType, NodeType)] = (src.ToArray(), dst.ToArray()) },
            new Dictionary<string, int>(StringComparer.Ordinal) { [NodeType] = _g.NumSrcNodes(t) });
        g.EData[WeightColumn] = Tensor.FromArray(counts.ToArray());
        return g;
    }
}

/// <summary>
/// PinSAGE's neighbour sampler (Ying et al. 2018; DGL's <c>dgl.sampling.PinSAGESampler</c>): on a bipartite-style
/// graph of items and, say, users, walks item → user → item and keeps each item's most visited items.
/// </summary>
public sealed class PinSageSampler : RandomWalkNeighborSampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="g">A graph with node types <paramref name="ntype"/> and <paramref name="otherType"/> and an edge type each way between them.</param>
    /// <param name="ntype">The node type of seeds and neighbours.</param>
    /// <param name="otherType">The node type walked through.</param>
    /// <param name="numTraversals">Round trips per walk.</param>
    /// <param name="terminationProb">Probability of ending a walk after each round trip.</param>
    /// <param name="numRandomWalks">Walks per seed.</param>
    /// <param name="numNeighbors">Neighbours kept per seed.</param>
    /// <param name="weightColumn">Edge feature of the result holding the visit counts.</param>
    /// <exception cref="ArgumentException">No edge type from ntype to otherType, or none back.</exception>
    public PinSageSampler(Graph g, string ntype, string otherType, int numTraversals, double terminationProb, int numRandomWalks, int numNeighbors, string weightColumn = "weights")
        : base(g, numTraversals, terminationProb, numRandomWalks, numNeighbors, Metapath(g, ntype, otherType), weightColumn)
    {
    }

    private static EdgeTypeKey[] Metapath(Graph g, string ntype, string otherType)
    {
        ArgumentNullException.ThrowIfNull(g);
        var forward = g.CanonicalEdgeTypes.FirstOrDefault(t => t.SrcType == ntype && t.DstType == otherType);
        var backward = g.CanonicalEdgeTypes.FirstOrDefault(t => t.SrcType == otherType && t.DstType == ntype);
        if (forward == default)
            throw new ArgumentException($"PinSageSampler: the graph has no edge type from '{ntype}' to '{otherType}'", nameof(otherType));
        if (backward == default)
            throw new ArgumentException($"PinSageSampler: the graph has no edge type from '{otherType}' back to '{ntype}'", nameof(otherType));
        return [forward, backward];
    }
}
