using Dgl.Sampling;
using Dgl.Tensors;

namespace Dgl.Dataloading;

/// <summary>
/// One mini-batch of seed ids handed to a sampler: node ids, edge ids or plain indices (partition numbers,
/// iteration numbers), either of one kind (<see cref="Ids"/>) or per node type (<see cref="NodeIds"/>) or per edge
/// type (<see cref="EdgeIds"/>), plus the key every random choice of this batch derives from.
/// </summary>
/// <remarks>
/// <see cref="DataLoader{TBatch}"/> makes these; <see cref="RandomKey"/> is a function of (loader seed, epoch,
/// batch index), so a batch samples the same way whichever worker thread runs it.
/// </remarks>
public sealed class SeedBatch
{
    private SeedBatch(int[]? ids, IReadOnlyDictionary<string, int[]>? nodeIds, IReadOnlyDictionary<CanonicalEdgeType, int[]>? edgeIds, ulong randomKey, int index, int epoch, ulong epochKey)
    {
        EpochKey = epochKey;
        Ids = ids;
        NodeIds = nodeIds;
        EdgeIds = edgeIds;
        RandomKey = randomKey;
        Index = index;
        Epoch = epoch;
    }

    /// <summary>Seeds of a single kind (a homogeneous graph's nodes or edges, or plain indices); null when typed.</summary>
    public int[]? Ids { get; }

    /// <summary>Seed nodes per node type (only the types present in this batch); null otherwise.</summary>
    public IReadOnlyDictionary<string, int[]>? NodeIds { get; }

    /// <summary>Seed edges per canonical edge type (only the types present in this batch); null otherwise.</summary>
    public IReadOnlyDictionary<CanonicalEdgeType, int[]>? EdgeIds { get; }

    /// <summary>The key of this batch's random choices.</summary>
    public ulong RandomKey { get; }

    /// <summary>The key of the batch's epoch, for samplers whose batches share randomness (LABOR's batch
    /// dependency): a function of (loader seed, epoch) only.</summary>
    public ulong EpochKey { get; }

    /// <summary>The batch's position in its epoch.</summary>
    public int Index { get; }

    /// <summary>The epoch the batch belongs to.</summary>
    public int Epoch { get; }

    /// <summary>How many seeds the batch holds.</summary>
    public int Count => Ids?.Length ?? NodeIds?.Values.Sum(a => a.Length) ?? EdgeIds!.Values.Sum(a => a.Length);

    /// <summary>A batch of untyped seeds (for calling a sampler directly); the epoch key defaults to the batch key.</summary>
    public static SeedBatch Of(IdArray ids, ulong randomKey = 0, int index = 0, int epoch = 0, ulong? epochKey = null) =>
        new(ids.Array, null, null, randomKey, index, epoch, epochKey ?? randomKey);

    /// <summary>A batch of seed nodes per node type.</summary>
    public static SeedBatch OfNodes(IReadOnlyDictionary<string, IdArray> ids, ulong randomKey = 0, int index = 0, int epoch = 0, ulong? epochKey = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return new(null, ids.ToDictionary(kv => kv.Key, kv => kv.Value.Array, StringComparer.Ordinal), null, randomKey, index, epoch, epochKey ?? randomKey);
    }

    /// <summary>A batch of seed edges per edge type (names are resolved against <paramref name="g"/>).</summary>
    public static SeedBatch OfEdges(Graph g, IReadOnlyDictionary<EdgeTypeKey, IdArray> ids, ulong randomKey = 0, int index = 0, int epoch = 0, ulong? epochKey = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(ids);
        return new(null, null, ids.ToDictionary(kv => g.ToCanonicalEdgeType(kv.Key), kv => kv.Value.Array), randomKey, index, epoch, epochKey ?? randomKey);
    }

    internal static SeedBatch Create(int[]? ids, IReadOnlyDictionary<string, int[]>? nodeIds, IReadOnlyDictionary<CanonicalEdgeType, int[]>? edgeIds, ulong randomKey, int index, int epoch, ulong epochKey) =>
        new(ids, nodeIds, edgeIds, randomKey, index, epoch, epochKey);

    /// <summary>The batch's randomness as the samplers use it.</summary>
    internal BatchRandom Random => new(RandomKey, EpochKey, Index);

    /// <summary>Seed nodes per node type index of <paramref name="g"/> (untyped ids need a graph with one node type).</summary>
    /// <exception cref="ArgumentException">The batch holds edge ids, or untyped ids for a graph with several node types.</exception>
    internal int[][] NodesPerType(Graph g, string op)
    {
        if (EdgeIds is not null)
            throw SamplingErrors.Argument("seeds", $"{op}: this sampler takes seed nodes, but the batch holds edge ids per edge type; wrap the sampler with EdgePrediction.AsEdgePredictionSampler to sample from edges");
        if (Ids is { } ids) return Sampling.SampledGraphs.Seeds(g, IdArray.Wrap(ids), op);
        return Sampling.SampledGraphs.Seeds(g, NodeIds!.ToDictionary(kv => kv.Key, kv => IdArray.Wrap(kv.Value), StringComparer.Ordinal), op);
    }

    /// <summary>Seed edges per relation index of <paramref name="g"/> (null where none).</summary>
    internal int[]?[] EdgesPerRelation(Graph g, string op)
    {
        if (NodeIds is not null)
            throw SamplingErrors.Argument("seeds", $"{op}: this sampler takes seed edges, but the batch holds node ids per node type");
        var result = new int[]?[g.NumRelations];
        if (Ids is { } ids)
        {
            if (g.NumRelations != 1)
                throw SamplingErrors.Argument("seeds", $"{op}: the graph has {g.NumRelations} edge types; give seed edges per edge type");
            Graph.CheckIds(ids, g.RelationAdjacency(0).NumEdges, "seed edge", $"the graph with {g.RelationAdjacency(0).NumEdges} edges");
            result[0] = ids;
            return result;
        }
        foreach (var (t, e) in EdgeIds!)
        {
            var r = g.EdgeTypeIndex(t);
            Graph.CheckIds(e, g.RelationAdjacency(r).NumEdges, "seed edge", $"relation {t} with {g.RelationAdjacency(r).NumEdges} edges");
            result[r] = e;
        }
        return result;
    }

    /// <summary>The ids as a tensor (untyped batches only).</summary>
    internal Tensor IdsTensor(string op) =>
        Ids is { } ids ? Tensor.FromArray(ids) : throw SamplingErrors.Argument("seeds", $"{op}: this sampler takes untyped indices, but the batch holds ids per type");
}

/// <summary>A batch's random keys: its own, its epoch's, and its index in the epoch.</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)]
internal readonly record struct BatchRandom(ulong Key, ulong EpochKey, int Index);
