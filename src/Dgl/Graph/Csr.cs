namespace Dgl;

/// <summary>
/// One relation's adjacency in compressed sparse row form: row <c>r</c>'s entries are
/// <c>Indices[IndPtr[r] .. IndPtr[r+1]]</c>, and entry <c>k</c> is edge <c>EdgeIds[k]</c> of the relation.
/// </summary>
/// <remarks>
/// A graph keeps two of these per relation, built lazily from its COO lists: the out-edge CSR (rows = source
/// nodes, indices = destination nodes) and the in-edge CSC (rows = destination nodes, indices = source nodes).
/// Sparse kernels read them directly. Offsets are 64-bit, ids 32-bit (shared/DESIGN.md). Immutable once built.
/// </remarks>
public sealed class Csr
{
    private int[]? _edgeIds;

    // 0: not yet known, 1: the edge ids are 0, 1, 2, …, 2: they are not.
    private int _identity;

    /// <summary>Wraps arrays the caller hands over (not copied).</summary>
    /// <param name="numRows">Rows.</param>
    /// <param name="numCols">Columns (the id range of <paramref name="indices"/>).</param>
    /// <param name="indPtr">Row offsets, numRows + 1 of them.</param>
    /// <param name="indices">Column id of each entry.</param>
    /// <param name="edgeIds">Edge id of each entry; null when entry k is edge k (a COO sorted by row), which is then
    /// never stored unless someone reads <see cref="EdgeIds"/>.</param>
    /// <exception cref="ArgumentException">The array lengths do not fit the counts.</exception>
    public Csr(int numRows, int numCols, long[] indPtr, int[] indices, int[]? edgeIds)
    {
        ArgumentNullException.ThrowIfNull(indPtr);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentOutOfRangeException.ThrowIfNegative(numRows);
        ArgumentOutOfRangeException.ThrowIfNegative(numCols);
        if (indPtr.Length != numRows + 1)
            throw new ArgumentException($"Csr: indPtr has {indPtr.Length} entries; expected numRows + 1 = {numRows + 1}", nameof(indPtr));
        if (edgeIds is not null && indices.Length != edgeIds.Length)
            throw new ArgumentException($"Csr: indices has {indices.Length} entries but edgeIds has {edgeIds.Length}", nameof(edgeIds));
        if (indPtr[numRows] != indices.Length)
            throw new ArgumentException($"Csr: indPtr ends at {indPtr[numRows]} but there are {indices.Length} entries", nameof(indPtr));
        NumRows = numRows;
        NumCols = numCols;
        IndPtr = indPtr;
        Indices = indices;
        _edgeIds = edgeIds;
        if (edgeIds is null) _identity = 1;
    }

    /// <summary>Number of rows.</summary>
    public int NumRows { get; }

    /// <summary>Number of columns (the id range of <see cref="Indices"/>).</summary>
    public int NumCols { get; }

    /// <summary>Row offsets, length <see cref="NumRows"/> + 1.</summary>
    public long[] IndPtr { get; }

    /// <summary>Column index of each entry, grouped by row.</summary>
    public int[] Indices { get; }

    /// <summary>Edge id (position in the relation's COO lists) of each entry. When they are the identity and were
    /// not given, the array is made on first read (4 bytes per edge); kernels that can do without it read
    /// <see cref="PermutedEdgeIds"/>.</summary>
    public int[] EdgeIds => _edgeIds ?? LazyInitializer.EnsureInitialized(ref _edgeIds, () => CsrBuilder.Identity(Indices.Length));

    /// <summary>Whether entry k is edge k for every k (checked once, by a scan, when the ids were given).</summary>
    public bool EdgeIdsAreIdentity
    {
        get
        {
            var state = Volatile.Read(ref _identity);
            if (state == 0)
            {
                state = IsIota(_edgeIds!) ? 1 : 2;
                Volatile.Write(ref _identity, state);
            }
            return state == 1;
        }
    }

    /// <summary>The edge ids, or null when they are the identity (entry k is edge k): what a kernel reads so that an
    /// identity never costs memory.</summary>
    public int[]? PermutedEdgeIds => EdgeIdsAreIdentity ? null : _edgeIds;

    /// <summary>Edge id of entry <paramref name="k"/>.</summary>
    public int EdgeId(long k) => PermutedEdgeIds is { } ids ? ids[k] : (int)k;

    /// <summary>Number of entries (edges).</summary>
    public int NumEntries => Indices.Length;

    /// <summary>Bytes this CSR holds (offsets, column ids, and the edge ids only if stored).</summary>
    internal long StoredBytes(ISet<Array> counted)
    {
        long bytes = 0;
        if (counted.Add(IndPtr)) bytes += IndPtr.LongLength * sizeof(long);
        if (counted.Add(Indices)) bytes += Indices.LongLength * sizeof(int);
        if (_edgeIds is { } e && counted.Add(e)) bytes += e.LongLength * sizeof(int);
        return bytes;
    }

    private static bool IsIota(int[] ids)
    {
        var ok = 1;
        Dgl.Tensors.Kernels.Parallelism.For(ids.Length, Dgl.Tensors.Kernels.Parallelism.ElementwiseGrain, (s, e) =>
        {
            for (var i = s; i < e; i++)
            {
                if (ids[i] != i)
                {
                    Volatile.Write(ref ok, 0);
                    return;
                }
                if ((i & 0xFFFF) == 0 && Volatile.Read(ref ok) == 0) return;
            }
        });
        return ok == 1;
    }
}
