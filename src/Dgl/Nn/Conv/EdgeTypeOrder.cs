using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// A graph's edges sorted (stably) by edge type, built once per (graph, type tensor) so that per-type matrix products
/// run as one GEMM per type (<c>segment_mm</c>): the sorted position of every edge, its source node, the per-type
/// counts, and the in-edge CSC with edge ids renumbered to sorted positions (so messages computed in sorted order
/// aggregate without being scattered back).
/// </summary>
internal sealed class EdgeTypeOrder
{
    private EdgeTypeOrder(Csr source, Tensor types, Csr sorted, Tensor sortedSrc, Tensor sortedToEdge, Tensor sortedTypes, long[] lengths)
    {
        Source = source;
        Types = types;
        SortedCsr = sorted;
        SortedSrc = sortedSrc;
        SortedToEdge = sortedToEdge;
        SortedTypes = sortedTypes;
        Lengths = lengths;
    }

    /// <summary>The in-edge CSC this order was built from.</summary>
    public Csr Source { get; }

    /// <summary>The type tensor this order was built from.</summary>
    public Tensor Types { get; }

    /// <summary>The in-edge CSC with edge ids replaced by sorted positions.</summary>
    public Csr SortedCsr { get; }

    /// <summary>int32 [E]: the source node of the edge at each sorted position.</summary>
    public Tensor SortedSrc { get; }

    /// <summary>int32 [E]: the original edge id at each sorted position.</summary>
    public Tensor SortedToEdge { get; }

    /// <summary>int32 [E]: the type at each sorted position (non-decreasing).</summary>
    public Tensor SortedTypes { get; }

    /// <summary>Edges per type.</summary>
    public long[] Lengths { get; }

    /// <summary>Whether this order belongs to <paramref name="csr"/> and <paramref name="types"/> (same objects).</summary>
    public bool Matches(Csr csr, Tensor types) => ReferenceEquals(csr, Source) && ReferenceEquals(types, Types);

    /// <summary>Sorts <paramref name="csr"/>'s edges by <paramref name="types"/> (int32/int64 [E], values in 0..numTypes-1).</summary>
    /// <exception cref="TensorShapeException">The type tensor is not an integer [E] tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A type is outside 0..numTypes-1.</exception>
    public static EdgeTypeOrder Build(Csr csr, Tensor types, int numTypes, string module)
    {
        var e = csr.NumEntries;
        if (types.Rank != 1 || types.Size(0) != e || !types.DType.IsInteger())
            throw new TensorShapeException($"{module}: edge types have shape {types.Shape} and dtype {types.DType.Name()}; expected an int32/int64 tensor of the {e} edge types");
        var t = ReadTypes(types, numTypes, module, "edge");
        var lengths = new long[numTypes];
        foreach (var ti in t) lengths[ti]++;
        var next = new long[numTypes];
        for (var i = 1; i < numTypes; i++) next[i] = next[i - 1] + lengths[i - 1];
        var posOf = new int[e];
        var sortedToEdge = new int[e];
        var sortedTypes = new int[e];
        for (var eid = 0; eid < e; eid++)
        {
            var p = (int)next[t[eid]]++;
            posOf[eid] = p;
            sortedToEdge[p] = eid;
            sortedTypes[p] = t[eid];
        }
        var sortedSrc = new int[e];
        var edgeIds = new int[e];
        for (var k = 0; k < e; k++)
        {
            var p = posOf[csr.EdgeIds[k]];
            edgeIds[k] = p;
            sortedSrc[p] = csr.Indices[k];
        }
        var sorted = new Csr(csr.NumRows, csr.NumCols, csr.IndPtr, csr.Indices, edgeIds);
        return new EdgeTypeOrder(csr, types, sorted, Tensor.FromArray(sortedSrc), Tensor.FromArray(sortedToEdge), Tensor.FromArray(sortedTypes), lengths);
    }

    /// <summary>Reads an int32/int64 type vector, checking each value against <paramref name="numTypes"/>.</summary>
    public static int[] ReadTypes(Tensor types, int numTypes, string module, string what)
    {
        var n = types.Size(0);
        var t = new int[n];
        if (types.DType == DType.Int32)
        {
            var s = types.AsSpan<int>();
            for (var i = 0; i < n; i++) t[i] = s[i];
        }
        else if (types.DType == DType.Int64)
        {
            var s = types.AsSpan<long>();
            for (var i = 0; i < n; i++) t[i] = (ulong)s[i] < (ulong)numTypes ? (int)s[i] : -1;
        }
        else
        {
            throw new TensorDTypeException($"{module}: {what} types have dtype {types.DType.Name()}; expected int32 or int64");
        }
        for (var i = 0; i < n; i++)
        {
            if ((uint)t[i] >= (uint)numTypes)
                throw new ArgumentOutOfRangeException(nameof(types), $"{module}: {what} {i} has type {(types.DType == DType.Int32 ? t[i] : types.AsSpan<long>()[i])}; expected 0..{numTypes - 1}");
        }
        return t;
    }
}
