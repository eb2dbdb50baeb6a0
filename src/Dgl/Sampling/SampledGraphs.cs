using Dgl.Tensors;

namespace Dgl.Sampling;

/// <summary>
/// Turns the edges picked per seed into graphs: a frontier (every node of the graph, only the picked edges; what
/// <c>dgl.sampling.sample_neighbors</c> returns) or directly a block (what <c>dgl.to_block(frontier, seeds)</c> makes
/// of it, without building the frontier first). Both keep DGL's orders: edges relation by relation, seed by seed,
/// each seed's picks in row order; block source nodes are the seeds, then each new neighbour at its first appearance.
/// </summary>
internal static class SampledGraphs
{
    /// <summary>Seeds of a graph with one node type, checked against its node count.</summary>
    public static int[][] Seeds(Graph g, IdArray nodes, string op)
    {
        if (g.NodeTypes.Count != 1)
            throw new ArgumentException($"{op}: the graph has {g.NodeTypes.Count} node types ({string.Join(", ", g.NodeTypes.Select(t => $"'{t}'"))}); pass a dictionary from node type to ids", nameof(nodes));
        Graph.CheckIds(nodes.AsSpan(), g.NumSrcNodes(0), "seed node", $"the graph with {g.NumSrcNodes(0)} nodes");
        return [nodes.Array];
    }

    /// <summary>Seeds per node type (types left out get none), checked against each type's count.</summary>
    public static int[][] Seeds(Graph g, IReadOnlyDictionary<string, IdArray> nodes, string op)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Count == 0)
            throw new ArgumentException($"{op}: the dictionary of seed nodes is empty; give at least one node type (an empty id list is fine)", nameof(nodes));
        var result = new int[g.NodeTypes.Count][];
        foreach (var (ntype, ids) in nodes)
        {
            var t = g.NodeTypeIndex(ntype);
            Graph.CheckIds(ids.AsSpan(), g.NumSrcNodes(t), "seed node", $"node type '{ntype}' with {g.NumSrcNodes(t)} nodes");
            result[t] = ids.Array;
        }
        for (var t = 0; t < result.Length; t++) result[t] ??= [];
        return result;
    }

    /// <summary>Excluded edge ids of a graph with one relation.</summary>
    public static ExcludedEdges?[]? Excluded(Graph g, IdArray? edges, string op)
    {
        if (edges is not { } e) return null;
        if (g.NumRelations != 1)
            throw new ArgumentException($"{op}: the graph has {g.NumRelations} edge types; pass excluded edges as a dictionary from edge type to ids", nameof(edges));
        return [ExcludedEdges.Create(e.AsSpan(), g.RelationAdjacency(0).NumEdges, g.RelationType(0).ToString())];
    }

    /// <summary>Excluded edge ids per edge type.</summary>
    public static ExcludedEdges?[]? Excluded(Graph g, IReadOnlyDictionary<EdgeTypeKey, IdArray>? edges)
    {
        if (edges is null) return null;
        var result = new ExcludedEdges?[g.NumRelations];
        foreach (var (k, ids) in edges)
        {
            var r = g.EdgeTypeIndex(k);
            result[r] = ExcludedEdges.Create(ids.AsSpan(), g.RelationAdjacency(r).NumEdges, g.RelationType(r).ToString());
        }
        return result;
    }

    /// <summary>Excluded edge ids given per relation index (internal callers; null entries: none).</summary>
    public static ExcludedEdges?[]? Excluded(Graph g, int[]?[]? perRelation)
    {
        if (perRelation is null) return null;
        var result = new ExcludedEdges?[g.NumRelations];
        for (var r = 0; r < result.Length; r++)
            if (perRelation[r] is { } ids) result[r] = ExcludedEdges.Create(ids, g.RelationAdjacency(r).NumEdges, g.RelationType(r).ToString());
        return result;
    }

    /// <summary>
    /// Samples every relation: for relation r, the rows are the seeds of its destination type (in-edges) or source
    /// type (out-edges); relation r draws from the stream derived from (key, r).
    /// </summary>
    public static RowPicks?[] SampleRelations(Graph g, int[][] seeds, int[] fanouts, EdgeDirection dir, string? prob, bool replace, ExcludedEdges?[]? excluded, ulong key, string op)
    {
        if (g.IsBlock) throw new InvalidOperationException($"{op}: sampling the neighbours of a block is not supported; sample the original graph");
        var used = new bool[g.NumRelations];
        for (var r = 0; r < used.Length; r++) used[r] = seeds[RowType(g, r, dir)].Length > 0 && fanouts[r] != 0;
        var weights = EdgeWeightColumn.FindAll(g, prob, used, op);
        var picks = new RowPicks?[g.NumRelations];
        for (var r = 0; r < picks.Length; r++)
        {
            var rows = seeds[RowType(g, r, dir)];
            if (rows.Length == 0) continue;
            var csr = dir == EdgeDirection.In ? g.InCsr(r) : g.OutCsr(r);
            picks[r] = RowSampling.Sample(csr, rows, fanouts[r], replace, weights[r], excluded?[r], RandomStream.Derive(key, r), op, prob);
        }
        return picks;
    }

    /// <summary>The node type whose nodes are the rows of relation r's sampling.</summary>
    public static int RowType(Graph g, int r, EdgeDirection dir) => dir == EdgeDirection.In ? g.RelationDstType(r) : g.RelationSrcType(r);

    /// <summary>
    /// The frontier: all nodes, the picked edges (seed i's picks of relation r go from the picked neighbour to the
    /// seed for in-edges, from the seed to it for out-edges), <c>EData[EID]</c> = original edge ids, node features
    /// shared and edge features sliced lazily when asked. <paramref name="extra"/> adds per-relation edge features
    /// (null entries skipped).
    /// </summary>
    public static Graph Frontier(Graph g, int[][] seeds, RowPicks?[] picks, EdgeDirection dir, bool copyNodeData, bool copyEdgeData, string? extraName = null, Tensor?[]? extra = null)
    {
        var nt = g.NodeTypes.Count;
        var numNodes = new int[nt];
        for (var t = 0; t < nt; t++) numNodes[t] = g.NumSrcNodes(t);
        var rels = new (CanonicalEdgeType, Adjacency)[g.NumRelations];
        var edgeFrames = new Frame[rels.Length];
        for (var r = 0; r < rels.Length; r++)
        {
            var type = g.RelationType(r);
            var p = picks[r];
            int[] seedSide, nbrSide, eids;
            if (p is null)
            {
                seedSide = [];
                nbrSide = [];
                eids = [];
            }
            else
            {
                seedSide = ExpandRows(seeds[RowType(g, r, dir)], p.Offsets);
                nbrSide = p.Neighbors;
                eids = p.EdgeIds;
            }
            var (src, dst) = dir == EdgeDirection.In ? (nbrSide, seedSide) : (seedSide, nbrSide);
            rels[r] = (type, Adjacency.FromCoo(numNodes[g.RelationSrcType(r)], numNodes[g.RelationDstType(r)], src, dst));
            edgeFrames[r] = copyEdgeData ? g.EdgeFrame(r).Subframe(eids, Graph.EdgeOwner(type)) : new Frame(eids.Length, Graph.EdgeOwner(type));
            edgeFrames[r].SetTrusted(Graph.EID, Tensor.FromArray(eids));
            if (extra?[r] is { } x) edgeFrames[r].SetTrusted(extraName!, x);
        }
        var nodeFrames = new Frame[nt];
        for (var t = 0; t < nt; t++)
            nodeFrames[t] = copyNodeData ? g.SrcFrame(t).Clone() : new Frame(numNodes[t], $"nodes of type '{g.NodeTypes[t]}'");
        return Graph.Build([.. g.NodeTypes], numNodes, null, rels, isBlock: false, nodeFrames, null, edgeFrames);
    }

    /// <summary>
    /// The block of in-edge picks into <paramref name="dst"/> (per node type, each duplicate-free), as
    /// <c>dgl.to_block(frontier, dst)</c> makes it: destination nodes = dst; source nodes = dst, then every other
    /// picked neighbour at its first appearance (relations in order, seeds in order, picks in order);
    /// <c>SrcData/DstData[NID]</c> = original node ids, <c>EData[EID]</c> = original edge ids; node and edge
    /// features of <paramref name="g"/> carried as lazy row selections.
    /// </summary>
    public static Graph Block(Graph g, int[][] dst, RowPicks?[] picks, string op, string? extraName = null, Tensor?[]? extra = null)
    {
        var nt = g.NodeTypes.Count;
        var newSrc = new int[picks.Length][];
        for (var r = 0; r < picks.Length; r++) newSrc[r] = picks[r] is { } p ? GC.AllocateUninitializedArray<int>(p.Count) : [];
        var srcIds = new int[nt][];
        for (var t = 0; t < nt; t++)
        {
            var sequence = new List<int[]>();
            var output = new List<int[]>();
            for (var r = 0; r < picks.Length; r++)
            {
                if (g.RelationSrcType(r) != t || picks[r] is not { } p) continue;
                sequence.Add(p.Neighbors);
                output.Add(newSrc[r]);
            }
            srcIds[t] = Relabel.Run(g.NumSrcNodes(t), dst[t], sequence, output, op, g.NodeTypes[t]);
        }
        var numDst = dst.Select(a => a.Length).ToArray();
        var numSrc = srcIds.Select(a => a.Length).ToArray();
        var rels = new (CanonicalEdgeType, Adjacency)[picks.Length];
        var edgeFrames = new Frame[picks.Length];
        for (var r = 0; r < rels.Length; r++)
        {
            var type = g.RelationType(r);
            // The destination of seed i's picks is destination node i: no lookup needed.
            var (blockDst, eids) = picks[r] is { } p ? (ExpandRows(null, p.Offsets), p.EdgeIds) : ([], []);
            rels[r] = (type, Adjacency.FromCoo(numSrc[g.RelationSrcType(r)], numDst[g.RelationDstType(r)], newSrc[r], blockDst));
            edgeFrames[r] = g.EdgeFrame(r).Subframe(eids, Graph.EdgeOwner(type));
            edgeFrames[r].SetTrusted(Graph.EID, Tensor.FromArray(eids));
            if (extra?[r] is { } x) edgeFrames[r].SetTrusted(extraName!, x);
        }
        var srcFrames = new Frame[nt];
        var dstFrames = new Frame[nt];
        for (var t = 0; t < nt; t++)
        {
            srcFrames[t] = g.SrcFrame(t).Subframe(srcIds[t], $"source nodes of type '{g.NodeTypes[t]}'");
            srcFrames[t].SetTrusted(Graph.NID, Tensor.FromArray(srcIds[t]));
            var dstIds = (int[])dst[t].Clone();
            dstFrames[t] = g.SrcFrame(t).Subframe(dstIds, $"destination nodes of type '{g.NodeTypes[t]}'");
            dstFrames[t].SetTrusted(Graph.NID, Tensor.FromArray(dstIds));
        }
        return Graph.Build([.. g.NodeTypes], numSrc, numDst, rels, isBlock: true, srcFrames, dstFrames, edgeFrames);
    }

    /// <summary>Row i repeated offsets[i+1] − offsets[i] times (as <c>ids[i]</c>, or <c>i</c> when ids is null).</summary>
    public static int[] ExpandRows(int[]? ids, int[] offsets)
    {
        var n = offsets.Length - 1;
        var result = GC.AllocateUninitializedArray<int>(offsets[n]);
        Dgl.Tensors.Kernels.Parallelism.For(n, 1 << 13, (s, e) =>
        {
            for (var i = s; i < e; i++) result.AsSpan(offsets[i], offsets[i + 1] - offsets[i]).Fill(ids is null ? i : ids[i]);
        });
        return result;
    }
}
