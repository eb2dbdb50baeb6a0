using System.Runtime.CompilerServices;
using Dgl.Tensors.Kernels;

namespace Dgl.Sparse.Kernels;

/// <summary>
/// What a sparse kernel needs of a CSR: row offsets, column ids (null when the op never reads them, as in segment
/// reductions) and edge ids (null when entry k is edge k, so edge features stream in order).
/// </summary>
internal readonly struct SparseRows
{
    public SparseRows(int numRows, int numCols, long[] indPtr, int[]? indices, int[]? edgeIds)
    {
        NumRows = numRows;
        NumCols = numCols;
        IndPtr = indPtr;
        Indices = indices;
        EdgeIds = edgeIds;
    }

    public int NumRows { get; }

    public int NumCols { get; }

    public long[] IndPtr { get; }

    public int[]? Indices { get; }

    /// <summary>Edge id of each entry; null means entry k is edge k.</summary>
    public int[]? EdgeIds { get; }

    public long NumEntries => IndPtr[NumRows];

    /// <summary>The kernel view of a validated <see cref="Csr"/>.</summary>
    public static SparseRows Of(Csr csr)
    {
        var info = CsrInfo.Get(csr);
        return new SparseRows(csr.NumRows, csr.NumCols, csr.IndPtr, csr.Indices, info.IdentityEdgeIds ? null : csr.PermutedEdgeIds);
    }

    /// <summary>Segments [offsets[i], offsets[i+1]) of a row-major array: rows without column ids, entry k = element k.</summary>
    public static SparseRows Segments(long[] offsets) => new(offsets.Length - 1, 0, offsets, null, null);
}

/// <summary>
/// Facts about a <see cref="Csr"/> computed once and kept as long as the Csr lives: that it is well formed (a kernel
/// reads features through its ids with raw pointers, so every id is checked before the first kernel runs), whether
/// its edge ids are the identity, and its transpose.
/// </summary>
internal sealed class CsrInfo
{
    private static readonly ConditionalWeakTable<Csr, CsrInfo> s_table = new();
    private Csr? _transpose;

    private CsrInfo(bool identity) => IdentityEdgeIds = identity;

    /// <summary>Entry k is edge k for every k.</summary>
    public bool IdentityEdgeIds { get; }

    /// <summary>The validated facts for <paramref name="csr"/>.</summary>
    /// <exception cref="ArgumentException">An offset, column id or edge id is out of range, or edge ids repeat.</exception>
    public static CsrInfo Get(Csr csr)
    {
        ArgumentNullException.ThrowIfNull(csr);
        if (s_table.TryGetValue(csr, out var info)) return info;
        info = Validate(csr);
        return s_table.GetValue(csr, _ => info);
    }

    /// <summary>The same edges with rows and columns swapped (edge ids kept), built once per Csr.</summary>
    public static Csr Transpose(Csr csr)
    {
        var info = Get(csr);
        var t = info._transpose;
        if (t is not null) return t;
        t = Transposed(csr);
        info._transpose = t;
        var tInfo = new CsrInfo(info.IdentityEdgeIds && t.EdgeIdsAreIdentity) { _transpose = csr };
        s_table.AddOrUpdate(t, tInfo);
        return t;
    }

    /// <summary>Records that <paramref name="b"/> is the transpose of <paramref name="a"/> (the graph keeps both).</summary>
    /// <exception cref="ArgumentException">The shapes or entry counts do not match a transpose.</exception>
    public static void RegisterTranspose(Csr a, Csr b)
    {
        if (a.NumRows != b.NumCols || a.NumCols != b.NumRows || a.NumEntries != b.NumEntries)
            throw new ArgumentException($"the reverse adjacency ({b.NumRows}×{b.NumCols}, {b.NumEntries} entries) is not the transpose of the adjacency ({a.NumRows}×{a.NumCols}, {a.NumEntries} entries)", nameof(b));
        var ia = Get(a);
        var ib = Get(b);
        ia._transpose ??= b;
        ib._transpose ??= a;
    }

    private static CsrInfo Validate(Csr csr)
    {
        var ptr = csr.IndPtr;
        if (ptr[0] != 0)
            throw new ArgumentException($"Csr: IndPtr[0] is {ptr[0]}; expected 0", nameof(csr));
        for (var r = 0; r < csr.NumRows; r++)
        {
            if (ptr[r + 1] < ptr[r])
                throw new ArgumentException($"Csr: IndPtr decreases at row {r} ({ptr[r]} then {ptr[r + 1]}); offsets must be non-decreasing", nameof(csr));
        }
        var cols = csr.Indices;
        var numCols = (uint)csr.NumCols;
        for (var k = 0; k < cols.Length; k++)
        {
            if ((uint)cols[k] >= numCols)
                throw new ArgumentException($"Csr: entry {k} has column id {cols[k]}; expected 0..{csr.NumCols - 1}", nameof(csr));
        }
        // Identity edge ids (entry k is edge k) need no check, and are not made.
        if (csr.PermutedEdgeIds is not { } ids) return new CsrInfo(true);
        var identity = true;
        var seen = new bool[ids.Length];
        for (var k = 0; k < ids.Length; k++)
        {
            var e = ids[k];
            if ((uint)e >= (uint)ids.Length)
                throw new ArgumentException($"Csr: entry {k} has edge id {e}; expected 0..{ids.Length - 1}", nameof(csr));
            if (seen[e])
                throw new ArgumentException($"Csr: edge id {e} appears twice (second time at entry {k}); edge ids must be a permutation of 0..{ids.Length - 1}", nameof(csr));
            seen[e] = true;
            identity &= e == k;
        }
        return new CsrInfo(identity);
    }

    /// <summary>Counting-sort transpose. Rows are cut into chunks whose per-column counts are laid out in chunk
    /// order, so each output row lists its entries in increasing original row whatever the chunking.</summary>
    private static Csr Transposed(Csr csr)
    {
        var n = csr.NumRows;
        var m = csr.NumCols;
        var ptr = csr.IndPtr;
        var cols = csr.Indices;
        var ids = csr.PermutedEdgeIds;
        var nnz = cols.Length;
        var chunks = nnz < (1 << 20) ? 1 : Math.Max(1, Math.Min(Parallelism.MaxThreads, 8));
        var bounds = RowPartition.Split(ptr, n, chunks);
        chunks = bounds.Length - 1;
        var counts = new int[chunks][];
        Parallelism.ForChunks(chunks, c =>
        {
            var cnt = new int[m];
            for (var k = ptr[bounds[c]]; k < ptr[bounds[c + 1]]; k++) cnt[cols[k]]++;
            counts[c] = cnt;
        });
        var tptr = new long[m + 1];
        long run = 0;
        for (var j = 0; j < m; j++)
        {
            tptr[j] = run;
            for (var c = 0; c < chunks; c++)
            {
                var x = counts[c][j];
                counts[c][j] = (int)(run - tptr[j]);
                run += x;
            }
        }
        tptr[m] = run;
        var tcols = GC.AllocateUninitializedArray<int>(nnz);
        var tids = GC.AllocateUninitializedArray<int>(nnz);
        Parallelism.ForChunks(chunks, c =>
        {
            var next = counts[c];
            for (var r = bounds[c]; r < bounds[c + 1]; r++)
            {
                for (var k = ptr[r]; k < ptr[r + 1]; k++)
                {
                    var j = cols[k];
                    var pos = tptr[j] + next[j]++;
                    tcols[pos] = r;
                    tids[pos] = ids is null ? (int)k : ids[k];
                }
            }
        });
        return new Csr(m, n, tptr, tcols, tids);
    }
}

/// <summary>Cuts rows into chunks of about equal work (entries + rows), so power-law graphs balance across threads.</summary>
internal static class RowPartition
{
    /// <summary>Work (entries plus rows) below which a kernel runs on the calling thread.</summary>
    public const long SerialWork = 1 << 15;

    /// <summary>Chunk boundaries (length chunks+1) for about <paramref name="chunks"/> chunks of equal work.</summary>
    public static int[] Split(long[] indPtr, int numRows, int chunks)
    {
        if (numRows == 0) return [0, 0];
        chunks = Math.Clamp(chunks, 1, numRows);
        var total = indPtr[numRows] + numRows;
        var bounds = new int[chunks + 1];
        bounds[chunks] = numRows;
        for (var c = 1; c < chunks; c++)
        {
            var target = total * c / chunks;
            // First row r with indPtr[r] + r >= target (work before row r).
            int lo = bounds[c - 1], hi = numRows;
            while (lo < hi)
            {
                var mid = (int)(((long)lo + hi) >> 1);
                if (indPtr[mid] + mid < target) lo = mid + 1;
                else hi = mid;
            }
            bounds[c] = lo;
        }
        return bounds;
    }

    /// <summary>Chunks for a kernel over these rows: one when the work is small, else several per thread so that
    /// work stealing evens out rows of very different degree.</summary>
    public static int[] ForKernel(long[] indPtr, int numRows, long workPerEntry = 1)
    {
        var work = (indPtr[numRows] + numRows) * Math.Max(1, workPerEntry);
        var threads = Parallelism.MaxThreads;
        if (threads == 1 || work < SerialWork) return [0, numRows];
        var chunks = (int)Math.Min(threads * 16L, Math.Max(1, work / (SerialWork / 2)));
        return Split(indPtr, numRows, chunks);
    }
}
