using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl;

/// <summary>
/// Compiles message passing on one relation into sparse ops. A builtin message with a builtin reducer that only
/// reads source-node and edge features becomes one g-SpMM (the messages are never materialised); a builtin message
/// that reads destination features, or a dot, is one g-SDDMM then a g-SpMM over the per-edge messages (as in DGL);
/// user-defined functions see batches, reduce UDFs one batch per in-degree bucket.
/// </summary>
internal static class MessagePassingEngine
{
    /// <summary>The edges a call runs over: a whole relation, or a subset of its edges (positions in the subset are
    /// the "edge ids" the kernels see; edge features are gathered to that order).</summary>
    internal sealed class EdgeScope
    {
        private readonly Tensor? _eidTensor;
        private EdgeIndex? _index;
        private (int[] Src, int[] Dst)? _coo;

        public EdgeScope(Graph g, int relation, int[]? eids)
        {
            Graph = g;
            Relation = relation;
            Eids = eids;
            _eidTensor = eids is null ? null : Tensor.FromArray(eids);
            SrcType = g.RelationSrcType(relation);
            DstType = g.RelationDstType(relation);
            NumSrc = g.NumSrcNodes(SrcType);
            NumDst = g.NumDstNodes(DstType);
            NumEdges = eids?.Length ?? g.RelationAdjacency(relation).NumEdges;
        }

        public Graph Graph { get; }

        public int Relation { get; }

        /// <summary>Edge ids of the subset (null: every edge, in id order).</summary>
        public int[]? Eids { get; }

        public int SrcType { get; }

        public int DstType { get; }

        public int NumSrc { get; }

        public int NumDst { get; }

        public int NumEdges { get; }

        public Frame SrcFrame => Graph.SrcFrame(SrcType);

        public Frame DstFrame => Graph.DstFrame(DstType);

        public Frame EdgeFrame => Graph.EdgeFrame(Relation);

        public string DstTypeName => Graph.NodeTypes[DstType];

        /// <summary>The structure the kernels walk: the relation's in-edge CSC (its out-edge CSR built only if backward
        /// needs it), or, for a subset, the subset's own edges.</summary>
        public EdgeIndex Index
        {
            get
            {
                if (_index is not null) return _index;
                if (Eids is null)
                {
                    var adj = Graph.RelationAdjacency(Relation);
                    _index = EdgeIndex.FromInCsr(adj.In, () => adj.Out);
                }
                else
                {
                    var (s, d) = Coo;
                    _index = EdgeIndex.FromCoo(s, d, NumSrc, NumDst);
                }
                return _index;
            }
        }

        /// <summary>Source and destination of each edge of the scope, in scope order.</summary>
        public (int[] Src, int[] Dst) Coo
        {
            get
            {
                if (_coo is { } c) return c;
                var (src, dst) = Graph.Coo(Relation);
                if (Eids is null)
                {
                    _coo = (src, dst);
                }
                else
                {
                    var s = new int[Eids.Length];
                    var d = new int[Eids.Length];
                    for (var i = 0; i < Eids.Length; i++)
                    {
                        s[i] = src[Eids[i]];
                        d[i] = dst[Eids[i]];
                    }
                    _coo = (s, d);
                }
                return _coo.Value;
            }
        }

        /// <summary>Edge ids of the scope's edges (all edges: 0..E-1).</summary>
        public int[] EdgeIds => Eids ?? Iota(NumEdges);

        /// <summary>Feature <paramref name="field"/> of the operand on <paramref name="target"/>, one row per node or scope edge.</summary>
        public Tensor Operand(Target target, string field, string what)
        {
            var frame = target switch { Target.Src => SrcFrame, Target.Dst => DstFrame, _ => EdgeFrame };
            if (!frame.TryGetValue(field, out var t))
                throw new KeyNotFoundException($"{what} reads feature '{field}' from the {frame.Owner}, which has no such feature; present: {string.Join(", ", frame.Keys.Select(k => $"'{k}'"))}");
            return target == Target.Edge && _eidTensor is not null ? t.IndexSelect(0, _eidTensor) : t;
        }

        public EdgeBatch EdgeBatch()
        {
            var (s, d) = Coo;
            var type = Graph.RelationType(Relation);
            return new EdgeBatch(type, s, d, EdgeIds,
                new FeatureView(SrcFrame, s, SrcFrame.Owner),
                new FeatureView(DstFrame, d, DstFrame.Owner),
                new FeatureView(EdgeFrame, Eids, EdgeFrame.Owner));
        }
    }

    /// <summary>New destination-node features computed by <paramref name="message"/> and <paramref name="reduce"/> over
    /// the scope: one [NumDst, …] tensor per written field (0 at nodes without messages).</summary>
    public static Dictionary<string, Tensor> Reduced(EdgeScope scope, MessageFunction message, ReduceFunction reduce)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(reduce);
        if (message is BuiltinMessage bm && reduce is BuiltinReduce br)
        {
            if (bm.OutField != br.MessageField)
                throw new KeyNotFoundException($"{br} reads message '{br.MessageField}' but {bm} writes message '{bm.OutField}'");
            var fused = Fused(scope, bm, br.Op);
            var value = fused ?? SparseOps.GSpMM(scope.Index, BinaryOp.CopyRhs, br.Op, null, BuiltinMessages(scope, bm), "update_all");
            return new Dictionary<string, Tensor>(StringComparer.Ordinal) { [br.OutField] = value };
        }
        var messages = Messages(scope, message, "message function");
        if (reduce is BuiltinReduce b)
        {
            if (!messages.TryGetValue(b.MessageField, out var m))
                throw new KeyNotFoundException($"{b} reads message '{b.MessageField}' but the message function produced {string.Join(", ", messages.Keys.Select(k => $"'{k}'"))}");
            return new Dictionary<string, Tensor>(StringComparer.Ordinal) { [b.OutField] = SparseOps.GSpMM(scope.Index, BinaryOp.CopyRhs, b.Op, null, m, "update_all") };
        }
        return BucketReduce(scope, messages, ((UdfReduce)reduce).Function);
    }

    /// <summary>Per-edge results of a message (or edge) function over the scope, each [NumEdges, …] in scope order.</summary>
    public static Dictionary<string, Tensor> Messages(EdgeScope scope, MessageFunction message, string what)
    {
        if (message is BuiltinMessage bm)
            return new Dictionary<string, Tensor>(StringComparer.Ordinal) { [bm.OutField] = BuiltinMessages(scope, bm) };
        var udf = ((UdfMessage)message).Function;
        var result = udf(scope.EdgeBatch()) ?? throw new InvalidOperationException($"the {what} returned null; return a dictionary of per-edge tensors");
        var copy = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in result)
        {
            if (v is null || v.Rank == 0 || v.Size(0) != scope.NumEdges)
                throw new TensorShapeException($"the {what} returned '{k}' with shape {(v is null ? "null" : v.Shape.ToString())}; expected a first dimension of {scope.NumEdges} (one row per edge of {scope.Graph.RelationType(scope.Relation)})");
            copy[k] = v;
        }
        return copy;
    }

    private static Tensor BuiltinMessages(EdgeScope scope, BuiltinMessage m)
    {
        var lhs = m.Op == BinaryOp.CopyRhs ? null : scope.Operand(m.LhsTarget, m.LhsField!, m.ToString());
        var rhs = m.Op == BinaryOp.CopyLhs ? null : scope.Operand(m.RhsTarget, m.RhsField!, m.ToString());
        return SparseOps.GSDDMM(scope.Index, m.Op, lhs, rhs, m.LhsTarget, m.RhsTarget, m.Name);
    }

    /// <summary>One g-SpMM for messages that read only source-node and edge features (g-SpMM's operands); null otherwise.</summary>
    private static Tensor? Fused(EdgeScope scope, BuiltinMessage m, ReduceOp reduce)
    {
        var index = scope.Index;
        switch (m.Op)
        {
            case BinaryOp.CopyLhs when m.LhsTarget == Target.Src:
                return SparseOps.GSpMM(index, BinaryOp.CopyLhs, reduce, scope.Operand(Target.Src, m.LhsField!, m.ToString()), null, m.Name);
            case BinaryOp.CopyRhs when m.RhsTarget == Target.Edge:
                return SparseOps.GSpMM(index, BinaryOp.CopyRhs, reduce, null, scope.Operand(Target.Edge, m.RhsField!, m.ToString()), m.Name);
            case BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div when m.LhsTarget == Target.Src && m.RhsTarget == Target.Edge:
                return SparseOps.GSpMM(index, m.Op, reduce, scope.Operand(Target.Src, m.LhsField!, m.ToString()), scope.Operand(Target.Edge, m.RhsField!, m.ToString()), m.Name);
            case BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div when m.LhsTarget == Target.Edge && m.RhsTarget == Target.Src:
            {
                // e op u with g-SpMM's (node, edge) operand order: e + u, e·u commute; e − u = (−u) + e; e / u = (1/u)·e.
                var u = scope.Operand(Target.Src, m.RhsField!, m.ToString());
                var e = scope.Operand(Target.Edge, m.LhsField!, m.ToString());
                return m.Op switch
                {
                    BinaryOp.Add or BinaryOp.Mul => SparseOps.GSpMM(index, m.Op, reduce, u, e, m.Name),
                    BinaryOp.Sub => SparseOps.GSpMM(index, BinaryOp.Add, reduce, u.Neg(), e, m.Name),
                    _ => SparseOps.GSpMM(index, BinaryOp.Mul, reduce, 1.0 / u, e, m.Name),
                };
            }
            default:
                return null;
        }
    }

    /// <summary>
    /// A user-defined reduce: destinations with messages are grouped by in-degree d, and each group's mailbox is
    /// [nodes, d, …] (messages in in-edge order). Results are scattered back to [NumDst, …]; nodes without messages
    /// get 0.
    /// </summary>
    private static Dictionary<string, Tensor> BucketReduce(EdgeScope scope, Dictionary<string, Tensor> messages, NodeFunction udf)
    {
        var rows = scope.Index.DstRows;
        var ptr = rows.IndPtr;
        var eids = rows.EdgeIds;
        var byDegree = new SortedDictionary<long, List<int>>();
        for (var v = 0; v < scope.NumDst; v++)
        {
            var d = ptr[v + 1] - ptr[v];
            if (d == 0) continue;
            if (!byDegree.TryGetValue(d, out var list)) byDegree[d] = list = [];
            list.Add(v);
        }
        var parts = new Dictionary<string, List<Tensor>>(StringComparer.Ordinal);
        var nodeOrder = new List<int>();
        string[]? keys = null;
        foreach (var (degree, nodes) in byDegree)
        {
            var d = (int)degree;
            var edgeIds = new int[nodes.Count * d];
            for (var i = 0; i < nodes.Count; i++)
            {
                var start = ptr[nodes[i]];
                for (var j = 0; j < d; j++) edgeIds[i * d + j] = eids is null ? (int)(start + j) : eids[start + j];
            }
            var index = Tensor.FromArray(edgeIds);
            var mailbox = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (k, m) in messages)
                mailbox[k] = m.IndexSelect(0, index).Reshape([nodes.Count, d, .. m.Shape.ToArray()[1..]]);
            var nodeArray = nodes.ToArray();
            var batch = new NodeBatch(scope.DstTypeName, nodeArray, new FeatureView(scope.DstFrame, nodeArray, scope.DstFrame.Owner),
                new FeatureView(mailbox, "mailbox"));
            var result = udf(batch) ?? throw new InvalidOperationException("the reduce function returned null; return a dictionary of per-node tensors");
            keys ??= [.. result.Keys];
            if (result.Count != keys.Length || keys.Any(k => !result.ContainsKey(k)))
                throw new InvalidOperationException($"the reduce function returned {{{string.Join(", ", result.Keys)}}} for in-degree {d} but {{{string.Join(", ", keys)}}} for another degree; it must return the same features for every bucket");
            foreach (var (k, t) in result)
            {
                if (t is null || t.Rank == 0 || t.Size(0) != nodes.Count)
                    throw new TensorShapeException($"the reduce function returned '{k}' with shape {(t is null ? "null" : t.Shape.ToString())} for a batch of {nodes.Count} nodes of in-degree {d}; expected a first dimension of {nodes.Count}");
                if (!parts.TryGetValue(k, out var list)) parts[k] = list = [];
                if (list.Count > 0 && !list[0].Shape.AsSpan()[1..].SequenceEqual(t.Shape.AsSpan()[1..]))
                    throw new TensorShapeException($"the reduce function returned '{k}' with shape {t.Shape} for in-degree {d} but rows of shape [{string.Join(", ", list[0].Shape.ToArray()[1..])}] for a smaller degree; every bucket must give the same row shape");
                list.Add(t);
            }
            nodeOrder.AddRange(nodes);
        }
        var output = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        if (keys is null) return output;
        var scatter = Tensor.FromArray(nodeOrder.ToArray());
        foreach (var (k, list) in parts)
        {
            var all = list.Count == 1 ? list[0] : Tensor.Cat(list, 0);
            output[k] = Tensor.Zeros(new Shape([scope.NumDst, .. all.Shape.ToArray()[1..]]), all.DType).IndexAdd(0, scatter, all);
        }
        return output;
    }

    /// <summary>Runs a node UDF on <paramref name="nodes"/> (all when null) of a frame and returns its results.</summary>
    public static Dictionary<string, Tensor> ApplyNodes(Frame frame, string ntype, int[]? nodes, NodeFunction udf)
    {
        var ids = nodes ?? Iota(frame.NumRows);
        var result = udf(new NodeBatch(ntype, ids, new FeatureView(frame, nodes, frame.Owner), null))
            ?? throw new InvalidOperationException("the node function returned null; return a dictionary of per-node tensors");
        var copy = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in result)
        {
            if (v is null || v.Rank == 0 || v.Size(0) != ids.Length)
                throw new TensorShapeException($"the node function returned '{k}' with shape {(v is null ? "null" : v.Shape.ToString())}; expected a first dimension of {ids.Length} (one row per node of type '{ntype}')");
            copy[k] = v;
        }
        return copy;
    }

    /// <summary>Writes <paramref name="values"/> into <paramref name="frame"/>: whole columns when <paramref name="rows"/>
    /// is null, else only those rows (other rows keep their values; a new feature starts at 0 there). Differentiable.</summary>
    public static void Write(Frame frame, int[]? rows, Dictionary<string, Tensor> values)
    {
        foreach (var (k, v) in values)
        {
            if (rows is null)
            {
                frame[k] = v;
                continue;
            }
            var rowShape = v.Shape.ToArray()[1..];
            Tensor full;
            if (frame.TryGetValue(k, out var existing))
            {
                if (!existing.Shape.AsSpan()[1..].SequenceEqual(rowShape) || existing.DType != v.DType)
                    throw new TensorShapeException($"cannot update feature '{k}' of the {frame.Owner} (rows of shape [{string.Join(", ", existing.Shape.ToArray()[1..])}], {existing.DType.Name()}) with rows of shape [{string.Join(", ", rowShape)}], {v.DType.Name()}");
                full = existing;
            }
            else
            {
                full = Tensor.Zeros(new Shape([frame.NumRows, .. rowShape]), v.DType);
            }
            var keepShape = new int[rowShape.Length + 1];
            Array.Fill(keepShape, 1);
            keepShape[0] = frame.NumRows;
            frame[k] = full * Mask(frame.NumRows, rows, keepShape, v.DType) + Tensor.Zeros(full.Shape, v.DType).IndexAdd(0, Tensor.FromArray(rows), v);
        }
    }

    private static Tensor Mask(int n, int[] rows, int[] shape, DType dtype)
    {
        var m = new double[n];
        Array.Fill(m, 1.0);
        foreach (var r in rows) m[r] = 0;
        return Tensor.FromArray(m, new Shape(shape)).To(dtype);
    }

    /// <summary>Distinct ids in first-seen order, each checked against <paramref name="count"/>.</summary>
    public static int[] Unique(IdArray ids, int count, string what)
    {
        var seen = new bool[count];
        var list = new List<int>(ids.Length);
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)count)
                throw new ArgumentOutOfRangeException(nameof(ids), $"{what} id {id} is out of range; expected 0..{count - 1}");
            if (!seen[id])
            {
                seen[id] = true;
                list.Add(id);
            }
        }
        return [.. list];
    }

    public static int[] Iota(int n)
    {
        var a = new int[n];
        for (var i = 0; i < n; i++) a[i] = i;
        return a;
    }
}
