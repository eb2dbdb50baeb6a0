using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl;

/// <summary>How <see cref="Graph.MultiUpdateAll"/> combines the results of several relations at one node type.</summary>
public enum CrossReducer
{
    /// <summary>Elementwise sum.</summary>
    Sum,

    /// <summary>Elementwise mean over the relations that reach the node type.</summary>
    Mean,

    /// <summary>Elementwise maximum.</summary>
    Max,

    /// <summary>Elementwise minimum.</summary>
    Min,

    /// <summary>Stacked along a new dimension 1, in relation order.</summary>
    Stack,
}

// Message passing on the graph (DGL's update_all, apply_edges, apply_nodes, send_and_recv, pull, multi_update_all).
// Builtin message/reduce pairs compile to one fused sparse kernel (see MessagePassingEngine); user-defined functions
// get EdgeBatch / NodeBatch views. Everything here is differentiable through the ops it calls.
public sealed partial class Graph
{
    /// <summary>
    /// Sends messages along every edge of a relation and reduces them at the destination nodes, writing the result
    /// to the destination features (DGL's <c>update_all</c>): h_v = reduce_{(u,v,e)} message(u, v, e). With builtins,
    /// <c>UpdateAll(Fn.UMulE("h", "w", "m"), Fn.Sum("m", "h"))</c> is one fused g-SpMM. Destinations without
    /// incoming edges get 0. On a block, sources read the source frames and results go to the destination frames.
    /// </summary>
    /// <param name="message">A builtin from <see cref="Fn"/>, or a UDF (<see cref="Fn.Message"/>).</param>
    /// <param name="reduce">A builtin reducer from <see cref="Fn"/>, or a UDF over in-degree buckets (<see cref="Fn.Reduce"/>).</param>
    /// <param name="applyNode">Optional UDF run on every destination node afterwards; its results are written too.</param>
    /// <param name="etype">The relation (may be omitted when the graph has one).</param>
    /// <exception cref="KeyNotFoundException">A feature or message the functions read does not exist.</exception>
    /// <exception cref="TensorShapeException">A UDF returned a tensor whose first dimension is not its batch size, or features do not broadcast.</exception>
    /// <example>
    /// <code>
    /// g.NData["h"] = x;
    /// g.EData["w"] = w;                                          // [E, 1]
    /// g.UpdateAll(Fn.UMulE("h", "w", "m"), Fn.Sum("m", "h"));    // h_v = Σ_u w_uv · h_u
    /// </code>
    /// </example>
    public void UpdateAll(MessageFunction message, ReduceFunction reduce, NodeFunction? applyNode = null, EdgeTypeKey? etype = null)
    {
        var scope = new MessagePassingEngine.EdgeScope(this, EdgeTypeIndex(etype), null);
        var values = MessagePassingEngine.Reduced(scope, message, reduce);
        MessagePassingEngine.Write(scope.DstFrame, null, values);
        if (applyNode is not null) ApplyToDst(scope, null, applyNode);
    }

    /// <summary>
    /// Computes new edge features from the edges' endpoints and features (DGL's <c>apply_edges</c>): a builtin
    /// (<c>Fn.UDotV("q", "k", "score")</c>, one g-SDDMM) or a UDF. With <paramref name="edges"/>, only those edges are
    /// computed and written; a feature that did not exist starts at 0 on the other edges.
    /// </summary>
    /// <param name="func">A builtin message from <see cref="Fn"/> (its output name is the new edge feature) or a UDF.</param>
    /// <param name="edges">Edge ids to update (all when null).</param>
    /// <param name="etype">The relation (may be omitted when the graph has one).</param>
    public void ApplyEdges(MessageFunction func, IdArray? edges = null, EdgeTypeKey? etype = null)
    {
        ArgumentNullException.ThrowIfNull(func);
        var r = EdgeTypeIndex(etype);
        var eids = edges is { } e ? MessagePassingEngine.Unique(e, RelationAdjacency(r).NumEdges, "edge") : null;
        var scope = new MessagePassingEngine.EdgeScope(this, r, eids);
        MessagePassingEngine.Write(EdgeFrame(r), eids, MessagePassingEngine.Messages(scope, func, "edge function"));
    }

    /// <summary>
    /// Computes new node features with a UDF (DGL's <c>apply_nodes</c>); with <paramref name="nodes"/>, only those
    /// nodes are computed and written.
    /// </summary>
    /// <param name="func">The node function.</param>
    /// <param name="nodes">Node ids to update (all when null).</param>
    /// <param name="ntype">The node type (may be omitted when the graph has one). On a block, the destination side.</param>
    public void ApplyNodes(NodeFunction func, IdArray? nodes = null, string? ntype = null)
    {
        ArgumentNullException.ThrowIfNull(func);
        var t = NodeTypeIndex(ntype);
        var frame = IsBlock ? DstFrame(t) : SrcFrame(t);
        var ids = nodes is { } n ? MessagePassingEngine.Unique(n, frame.NumRows, "node") : null;
        MessagePassingEngine.Write(frame, ids, MessagePassingEngine.ApplyNodes(frame, NodeTypes[t], ids, func));
    }

    /// <summary>
    /// Sends messages along the given edges only and reduces them at their destinations (DGL's
    /// <c>send_and_recv</c>): only the destinations of those edges are written; other nodes keep their features
    /// (a new feature starts at 0 there).
    /// </summary>
    /// <param name="edges">Edge ids to send along.</param>
    /// <param name="message">The message function.</param>
    /// <param name="reduce">The reduce function.</param>
    /// <param name="applyNode">Optional UDF run on the receiving nodes afterwards.</param>
    /// <param name="etype">The relation (may be omitted when the graph has one).</param>
    public void SendAndRecv(IdArray edges, MessageFunction message, ReduceFunction reduce, NodeFunction? applyNode = null, EdgeTypeKey? etype = null)
    {
        var r = EdgeTypeIndex(etype);
        var eids = MessagePassingEngine.Unique(edges, RelationAdjacency(r).NumEdges, "edge");
        if (eids.Length == 0) return;
        var scope = new MessagePassingEngine.EdgeScope(this, r, eids);
        var receivers = MessagePassingEngine.Unique(scope.Coo.Dst, scope.NumDst, "node");
        var values = MessagePassingEngine.Reduced(scope, message, reduce);
        MessagePassingEngine.Write(scope.DstFrame, receivers, Rows(values, receivers));
        if (applyNode is not null) ApplyToDst(scope, receivers, applyNode);
    }

    /// <summary>
    /// Pulls messages from the in-edges of the given nodes and reduces them there (DGL's <c>pull</c>): exactly those
    /// nodes are written (0 for those without in-edges); other nodes keep their features.
    /// </summary>
    /// <param name="nodes">Destination node ids to update.</param>
    /// <param name="message">The message function.</param>
    /// <param name="reduce">The reduce function.</param>
    /// <param name="applyNode">Optional UDF run on those nodes afterwards.</param>
    /// <param name="etype">The relation (may be omitted when the graph has one).</param>
    public void Pull(IdArray nodes, MessageFunction message, ReduceFunction reduce, NodeFunction? applyNode = null, EdgeTypeKey? etype = null)
    {
        var r = EdgeTypeIndex(etype);
        var dstType = RelationDstType(r);
        var targets = MessagePassingEngine.Unique(nodes, NumDstNodes(dstType), "node");
        if (targets.Length == 0) return;
        var inCsr = InCsr(r);
        var eids = new List<int>();
        foreach (var v in targets)
            for (var k = inCsr.IndPtr[v]; k < inCsr.IndPtr[v + 1]; k++) eids.Add(inCsr.EdgeIds[k]);
        var scope = new MessagePassingEngine.EdgeScope(this, r, [.. eids]);
        var values = MessagePassingEngine.Reduced(scope, message, reduce);
        MessagePassingEngine.Write(scope.DstFrame, targets, Rows(values, targets));
        if (applyNode is not null) ApplyToDst(scope, targets, applyNode);
    }

    /// <summary>
    /// Message passing on several relations at once (DGL's <c>multi_update_all</c>): each relation runs its own
    /// (message, reduce) pair, and results that land on the same node type and feature name are combined by
    /// <paramref name="crossReducer"/> (in relation order, for <see cref="CrossReducer.Stack"/>).
    /// </summary>
    /// <param name="perRelation">For each relation, its message and reduce functions.</param>
    /// <param name="crossReducer">How results of different relations are combined.</param>
    /// <param name="applyNode">Optional UDF run afterwards on every node type that received results.</param>
    /// <example>
    /// <code>
    /// g.MultiUpdateAll(new Dictionary&lt;EdgeTypeKey, (MessageFunction, ReduceFunction)&gt;
    /// {
    ///     ["follows"] = (Fn.CopyU("h", "m"), Fn.Mean("m", "h")),
    ///     ["plays"] = (Fn.CopyU("h", "m"), Fn.Sum("m", "h")),
    /// }, CrossReducer.Sum);
    /// </code>
    /// </example>
    public void MultiUpdateAll(IReadOnlyDictionary<EdgeTypeKey, (MessageFunction Message, ReduceFunction Reduce)> perRelation,
        CrossReducer crossReducer, NodeFunction? applyNode = null)
    {
        ArgumentNullException.ThrowIfNull(perRelation);
        var byDst = new SortedDictionary<int, List<(int Relation, Dictionary<string, Tensor> Values)>>();
        foreach (var (key, (message, reduce)) in perRelation.Select(kv => (kv.Key, kv.Value)).OrderBy(kv => EdgeTypeIndex(kv.Key)))
        {
            var r = EdgeTypeIndex(key);
            var scope = new MessagePassingEngine.EdgeScope(this, r, null);
            var values = MessagePassingEngine.Reduced(scope, message, reduce);
            if (!byDst.TryGetValue(scope.DstType, out var list)) byDst[scope.DstType] = list = [];
            list.Add((r, values));
        }
        foreach (var (dstType, results) in byDst)
        {
            var merged = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var field in results.SelectMany(x => x.Values.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                var parts = results.Where(x => x.Values.ContainsKey(field)).Select(x => x.Values[field]).ToList();
                merged[field] = Cross(parts, crossReducer, field);
            }
            var frame = DstFrame(dstType);
            MessagePassingEngine.Write(frame, null, merged);
            if (applyNode is not null)
                MessagePassingEngine.Write(frame, null, MessagePassingEngine.ApplyNodes(frame, NodeTypes[dstType], null, applyNode));
        }
    }

    private static Tensor Cross(List<Tensor> parts, CrossReducer reducer, string field)
    {
        for (var i = 1; i < parts.Count; i++)
        {
            if (parts[i].Shape != parts[0].Shape)
                throw new TensorShapeException($"multi_update_all: feature '{field}' has shape {parts[0].Shape} from one relation and {parts[i].Shape} from another; cross-reducing needs equal shapes");
        }
        if (reducer == CrossReducer.Stack) return Tensor.Stack(parts, 1);
        var acc = parts[0];
        for (var i = 1; i < parts.Count; i++)
        {
            acc = reducer switch
            {
                CrossReducer.Max => Tensor.Where(acc.Ge(parts[i]), acc, parts[i]),
                CrossReducer.Min => Tensor.Where(acc.Le(parts[i]), acc, parts[i]),
                _ => acc + parts[i],
            };
        }
        return reducer == CrossReducer.Mean && parts.Count > 1 ? acc / parts.Count : acc;
    }

    private static Dictionary<string, Tensor> Rows(Dictionary<string, Tensor> values, int[] rows)
    {
        var index = Tensor.FromArray(rows);
        return values.ToDictionary(kv => kv.Key, kv => kv.Value.IndexSelect(0, index), StringComparer.Ordinal);
    }

    private void ApplyToDst(MessagePassingEngine.EdgeScope scope, int[]? nodes, NodeFunction applyNode) =>
        MessagePassingEngine.Write(scope.DstFrame, nodes, MessagePassingEngine.ApplyNodes(scope.DstFrame, NodeTypes[scope.DstType], nodes, applyNode));
}
