using Dgl.Tensors;

namespace Dgl;

/// <summary>
/// Read-only features of a batch of nodes or edges, gathered from a frame on first access (and kept for the rest of
/// the call): <c>edges.Src["h"]</c> is row <c>src[i]</c> of the source frame's <c>"h"</c> for each edge i.
/// Gathers are autograd ops, so gradients flow back to the frame's tensors.
/// </summary>
public sealed class FeatureView
{
    private readonly Frame? _frame;
    private readonly int[]? _rows;
    private readonly Tensor? _rowIndex;
    private readonly IReadOnlyDictionary<string, Tensor>? _values;
    private readonly Dictionary<string, Tensor> _cache = new(StringComparer.Ordinal);
    private readonly string _owner;

    /// <summary>Rows <paramref name="rows"/> of <paramref name="frame"/> (all rows, in order, when null).</summary>
    internal FeatureView(Frame frame, int[]? rows, string owner)
    {
        _frame = frame;
        _rows = rows;
        _rowIndex = rows is null ? null : Tensor.FromArray(rows);
        _owner = owner;
    }

    /// <summary>A view over tensors computed elsewhere (a mailbox).</summary>
    internal FeatureView(IReadOnlyDictionary<string, Tensor> values, string owner)
    {
        _values = values;
        _owner = owner;
    }

    /// <summary>The feature names available.</summary>
    public IEnumerable<string> Keys => _values?.Keys ?? _frame!.Keys;

    /// <summary>Whether feature <paramref name="key"/> is available.</summary>
    public bool ContainsKey(string key) => _values?.ContainsKey(key) ?? _frame!.ContainsKey(key);

    /// <summary>Feature <paramref name="key"/> for the batch: one row per node or edge of the batch.</summary>
    /// <exception cref="KeyNotFoundException">No such feature (the message lists the names present).</exception>
    public Tensor this[string key]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(key);
            if (_values is not null)
            {
                if (_values.TryGetValue(key, out var v)) return v;
                throw new KeyNotFoundException($"no '{key}' in the {_owner}; present: {List(_values.Keys)}");
            }
            if (_cache.TryGetValue(key, out var cached)) return cached;
            if (!_frame!.TryGetValue(key, out var column))
                throw new KeyNotFoundException($"no feature '{key}' on the {_owner}; present: {List(_frame.Keys)}");
            var value = _rowIndex is null ? column : column.IndexSelect(0, _rowIndex);
            _cache[key] = value;
            return value;
        }
    }

    /// <summary>The rows this view reads (null: all, in order).</summary>
    internal int[]? Rows => _rows;

    private static string List(IEnumerable<string> keys)
    {
        var list = string.Join(", ", keys.Select(k => $"'{k}'"));
        return list.Length == 0 ? "none" : list;
    }
}

/// <summary>
/// A batch of edges handed to a user-defined message or edge function (DGL's <c>EdgeBatch</c>): the features of
/// each edge's source (<see cref="Src"/>), destination (<see cref="Dst"/>) and of the edge itself (<see cref="Data"/>),
/// row i for edge i of the batch.
/// </summary>
public sealed class EdgeBatch
{
    private readonly int[] _src;
    private readonly int[] _dst;
    private readonly int[] _eids;

    internal EdgeBatch(CanonicalEdgeType type, int[] src, int[] dst, int[] eids, FeatureView srcData, FeatureView dstData, FeatureView edgeData)
    {
        CanonicalEdgeType = type;
        _src = src;
        _dst = dst;
        _eids = eids;
        Src = srcData;
        Dst = dstData;
        Data = edgeData;
    }

    /// <summary>Source-node features, one row per edge.</summary>
    public FeatureView Src { get; }

    /// <summary>Destination-node features, one row per edge.</summary>
    public FeatureView Dst { get; }

    /// <summary>Edge features, one row per edge.</summary>
    public FeatureView Data { get; }

    /// <summary>Number of edges in the batch.</summary>
    public int BatchSize => _eids.Length;

    /// <summary>The relation the edges belong to.</summary>
    public CanonicalEdgeType CanonicalEdgeType { get; }

    /// <summary>Source node, destination node and edge id of each edge (int32), as DGL's <c>edges.edges()</c>.</summary>
    public (Tensor Src, Tensor Dst, Tensor EdgeIds) Edges() => (Tensor.From<int>(_src), Tensor.From<int>(_dst), Tensor.From<int>(_eids));
}

/// <summary>
/// A batch of nodes handed to a user-defined reduce or node function (DGL's <c>NodeBatch</c>). In a reduce, the
/// nodes of one batch all have the same in-degree d and <see cref="Mailbox"/>[m] has shape [nodes, d, …]: the
/// messages in the order of the node's in-edges (by edge id).
/// </summary>
public sealed class NodeBatch
{
    private readonly int[] _nodes;

    internal NodeBatch(string ntype, int[] nodes, FeatureView data, FeatureView? mailbox)
    {
        NodeType = ntype;
        _nodes = nodes;
        Data = data;
        Mailbox = mailbox ?? new FeatureView(new Dictionary<string, Tensor>(StringComparer.Ordinal), "mailbox (only a reduce function has messages)");
    }

    /// <summary>Node features, one row per node of the batch.</summary>
    public FeatureView Data { get; }

    /// <summary>Received messages by name, [nodes, in-degree, …] (empty outside a reduce).</summary>
    public FeatureView Mailbox { get; }

    /// <summary>Number of nodes in the batch.</summary>
    public int BatchSize => _nodes.Length;

    /// <summary>The node type.</summary>
    public string NodeType { get; }

    /// <summary>The ids of the batch's nodes (int32), as DGL's <c>nodes.nodes()</c>.</summary>
    public Tensor Nodes() => Tensor.From<int>(_nodes);
}
