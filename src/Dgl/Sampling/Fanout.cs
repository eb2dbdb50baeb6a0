namespace Dgl.Sampling;

/// <summary>Which edges of a node a sampler follows.</summary>
public enum EdgeDirection
{
    /// <summary>In-edges: sample the predecessors whose messages flow into the node (DGL's <c>edge_dir='in'</c>, the default).</summary>
    In,

    /// <summary>Out-edges: sample the successors (DGL's <c>edge_dir='out'</c>).</summary>
    Out,
}

/// <summary>
/// How many edges to sample per node: one count for every edge type (converts from <c>int</c>), or one per edge
/// type (converts from a <see cref="Dictionary{TKey, TValue}"/>, or <see cref="PerEdgeType"/>), as DGL's
/// <c>fanout</c> argument. -1 means every edge (with non-zero probability).
/// </summary>
public readonly struct Fanout : IEquatable<Fanout>
{
    // The public argument this value is passed as, for exception messages.
    private static readonly string ParamName = "fanout";

    private readonly int _all;
    private readonly IReadOnlyDictionary<EdgeTypeKey, int>? _perType;

    private Fanout(int all, IReadOnlyDictionary<EdgeTypeKey, int>? perType)
    {
        _all = all;
        _perType = perType;
    }

    /// <summary>The same count for every edge type.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Below -1.</exception>
    public static Fanout All(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, -1);
        return new Fanout(count, null);
    }

    /// <summary>A count per edge type; every edge type of the graph must be listed (as DGL requires).</summary>
    public static Fanout PerEdgeType(IReadOnlyDictionary<EdgeTypeKey, int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        foreach (var (k, v) in counts)
            if (v < -1) throw new ArgumentOutOfRangeException(nameof(counts), $"Fanout: edge type {k} has fanout {v}; use -1 for all edges or a count >= 0");
        return new Fanout(0, counts);
    }

    /// <summary>The same count for every edge type.</summary>
    public static implicit operator Fanout(int count) => All(count);

    /// <summary>A count per edge type.</summary>
    public static implicit operator Fanout(Dictionary<EdgeTypeKey, int> counts) => PerEdgeType(counts);

    /// <summary>The count for every edge type, or null when per type.</summary>
    public int? Uniform => _perType is null ? _all : null;

    /// <summary>The count of each relation of <paramref name="g"/>, in relation order.</summary>
    /// <exception cref="ArgumentException">A per-type fanout misses a relation of the graph, or names one it does not have.</exception>
    internal int[] Resolve(Graph g, string op)
    {
        var result = new int[g.NumRelations];
        if (_perType is null)
        {
            Array.Fill(result, _all);
            return result;
        }
        var set = new bool[result.Length];
        foreach (var (k, v) in _perType)
        {
            var r = g.EdgeTypeIndex(k);
            result[r] = v;
            set[r] = true;
        }
        var missing = Enumerable.Range(0, result.Length).Where(r => !set[r]).Select(r => g.RelationType(r).ToString()).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"{op}: the fanout must be given for every edge type when given per type; missing {string.Join(", ", missing)}", ParamName);
        return result;
    }

    /// <inheritdoc/>
    public bool Equals(Fanout other) => _all == other._all && ReferenceEquals(_perType, other._perType);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Fanout f && Equals(f);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_all, _perType);

    /// <summary>Equality.</summary>
    public static bool operator ==(Fanout left, Fanout right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Fanout left, Fanout right) => !left.Equals(right);

    /// <summary>The count, or the per-type counts.</summary>
    public override string ToString() =>
        _perType is null ? _all.ToString(System.Globalization.CultureInfo.InvariantCulture) : "{" + string.Join(", ", _perType.Select(kv => $"{kv.Key}: {kv.Value}")) + "}";
}
