using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dgl.Tensors.Kernels;

namespace Dgl;

/// <summary>
/// Builds a <see cref="Csr"/> from COO lists by a stable counting sort: entries of a row keep edge-id order.
/// </summary>
/// <remarks>
/// <para>The edge range is cut into one chunk per thread; each chunk counts its rows into its own histogram, a
/// two-level prefix sum turns the histograms into per-chunk write cursors (chunk <c>t</c> writes after every
/// earlier chunk within each row), and the chunks scatter in parallel. The result is the unique stable order, so
/// it does not depend on the thread count. The histograms are <c>threads × rows</c> ints, the only scratch.</para>
/// <para>When the rows are already non-decreasing (a COO sorted by source, the common case for data sets and
/// generated graphs), nothing moves: the CSR's <see cref="Csr.Indices"/> is the COO's column array itself (shared,
/// both are immutable) and the edge ids are the identity, not stored: the CSR costs only its offsets.</para>
/// </remarks>
internal static class CsrBuilder
{
    /// <summary>Edges below which the build stays on one thread.</summary>
    private const int SerialEdges = 1 << 16;

    /// <summary>Edges from which the cache-partitioned build pays for its extra pass.</summary>
    private const int PartitionEdges = 1 << 20;

    /// <summary>Target edges per partition: a partition's rows, offsets and output stay in L2 while it is sorted.</summary>
    private const int EdgesPerPartition = 1 << 14;

    /// <summary>Rows per block of the parallel prefix sum.</summary>
    private const int ScanBlock = 1 << 15;

    /// <summary>
    /// Groups edge <c>e</c> under row <c>rows[e]</c> with column <c>cols[e]</c>. Ids must already be in range
    /// (the graph validates them once, on creation).
    /// </summary>
    public static Csr Build(int numRows, int numCols, int[] rows, int[] cols)
    {
        Debug.Assert(rows.Length == cols.Length);
        if (IsNonDecreasing(rows)) return FromSortedRows(numRows, numCols, rows, cols);
        return rows.Length >= PartitionEdges && numRows >= 64
            ? PartitionedBuild(numRows, numCols, rows, cols)
            : DirectBuild(numRows, numCols, rows, cols);
    }

    /// <summary>
    /// The plain counting sort: per-chunk row histograms, prefix sums into per-chunk cursors, one scatter pass.
    /// Every edge is a random write into the output, which is fine while the output fits in cache.
    /// </summary>
    internal static Csr DirectBuild(int numRows, int numCols, int[] rows, int[] cols)
    {
        var numEdges = rows.Length;
        var chunks = ChunkCount(numEdges);
        var hist = new int[chunks][];
        Parallelism.ForChunks(chunks, c =>
        {
            var h = new int[numRows];
            hist[c] = h;
            var (start, end) = ChunkRange(numEdges, chunks, c);
            ref var hr = ref MemoryMarshal.GetArrayDataReference(h);
            ref var rr = ref MemoryMarshal.GetArrayDataReference(rows);
            for (var e = start; e < end; e++) Unsafe.Add(ref hr, Unsafe.Add(ref rr, e))++;
        });

        var indPtr = new long[numRows + 1];
        PrefixToCursors(hist, indPtr, numRows);

        var indices = GC.AllocateUninitializedArray<int>(numEdges);
        var edgeIds = GC.AllocateUninitializedArray<int>(numEdges);
        Parallelism.ForChunks(chunks, c =>
        {
            var (start, end) = ChunkRange(numEdges, chunks, c);
            ref var cur = ref MemoryMarshal.GetArrayDataReference(hist[c]);
            ref var rr = ref MemoryMarshal.GetArrayDataReference(rows);
            ref var cr = ref MemoryMarshal.GetArrayDataReference(cols);
            ref var ir = ref MemoryMarshal.GetArrayDataReference(indices);
            ref var er = ref MemoryMarshal.GetArrayDataReference(edgeIds);
            for (var e = start; e < end; e++)
            {
                ref var p = ref Unsafe.Add(ref cur, Unsafe.Add(ref rr, e));
                Unsafe.Add(ref ir, p) = Unsafe.Add(ref cr, e);
                Unsafe.Add(ref er, p) = e;
                p++;
            }
        });
        return new Csr(numRows, numCols, indPtr, indices, edgeIds);
    }

    /// <summary>
    /// A two-level counting sort for graphs larger than the cache. Pass 1 splits the edges by row range into
    /// partitions of about <see cref="EdgesPerPartition"/> edges: each chunk of edges writes into a few hundred
    /// sequential streams, which the write-combining buffers absorb, instead of one random cache miss per edge.
    /// Pass 2 sorts each partition by row with a small histogram, entirely in L2, writing the final arrays in
    /// place. Both passes are stable (chunks write in edge order), so the result is the same unique stable order.
    /// </summary>
    internal static Csr PartitionedBuild(int numRows, int numCols, int[] rows, int[] cols)
    {
        var numEdges = rows.Length;
        var rowBits = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(numRows - 1));
        var wanted = Math.Clamp(numEdges / EdgesPerPartition, 2, 4096);
        var partBits = Math.Min(rowBits, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)wanted - 1));
        var shift = rowBits - partBits;
        var parts = ((numRows - 1) >> shift) + 1;
        var chunks = ChunkCount(numEdges);

        // Pass 0: per-chunk partition sizes.
        var cursor = new int[chunks][];
        Parallelism.ForChunks(chunks, c =>
        {
            var h = new int[parts];
            var (start, end) = ChunkRange(numEdges, chunks, c);
            for (var e = start; e < end; e++) h[rows[e] >> shift]++;
            cursor[c] = h;
        });
        var partStart = new int[parts + 1];
        for (var b = 0; b < parts; b++)
        {
            var running = partStart[b];
            for (var c = 0; c < chunks; c++)
            {
                var count = cursor[c][b];
                cursor[c][b] = running;
                running += count;
            }
            partStart[b + 1] = running;
        }

        // Pass 1: scatter (row, column, edge id) into the partitions.
        var tmpRow = GC.AllocateUninitializedArray<int>(numEdges);
        var indices = GC.AllocateUninitializedArray<int>(numEdges);
        var edgeIds = GC.AllocateUninitializedArray<int>(numEdges);
        Parallelism.ForChunks(chunks, c =>
        {
            var (start, end) = ChunkRange(numEdges, chunks, c);
            ref var cur = ref MemoryMarshal.GetArrayDataReference(cursor[c]);
            ref var rr = ref MemoryMarshal.GetArrayDataReference(rows);
            ref var cr = ref MemoryMarshal.GetArrayDataReference(cols);
            ref var tr = ref MemoryMarshal.GetArrayDataReference(tmpRow);
            ref var ir = ref MemoryMarshal.GetArrayDataReference(indices);
            ref var er = ref MemoryMarshal.GetArrayDataReference(edgeIds);
            for (var e = start; e < end; e++)
            {
                var r = Unsafe.Add(ref rr, e);
                ref var p = ref Unsafe.Add(ref cur, r >> shift);
                Unsafe.Add(ref tr, p) = r;
                Unsafe.Add(ref ir, p) = Unsafe.Add(ref cr, e);
                Unsafe.Add(ref er, p) = e;
                p++;
            }
        });

        // Pass 2: each partition sorted by row in place, through a per-thread scratch copy.
        var indPtr = new long[numRows + 1];
        var scratch = new ThreadLocal<int[]>(() => [], trackAllValues: false);
        Parallelism.ForChunks(parts, b =>
        {
            var s = partStart[b];
            var n = partStart[b + 1] - s;
            var r0 = b << shift;
            var r1 = Math.Min(numRows, (b + 1) << shift);
            var buf = scratch.Value!;
            var need = 2 * n + (r1 - r0);
            if (buf.Length < need) scratch.Value = buf = GC.AllocateUninitializedArray<int>(Math.Max(need, buf.Length * 2));
            var span = buf.AsSpan();
            var cols2 = span.Slice(0, n);
            var ids2 = span.Slice(n, n);
            var hist = span.Slice(2 * n, r1 - r0);
            hist.Clear();
            indices.AsSpan(s, n).CopyTo(cols2);
            edgeIds.AsSpan(s, n).CopyTo(ids2);
            var rowSpan = tmpRow.AsSpan(s, n);
            foreach (var r in rowSpan) hist[r - r0]++;
            var running = s;
            for (var r = 0; r < hist.Length; r++)
            {
                indPtr[r0 + r] = running;
                var count = hist[r];
                hist[r] = running;
                running += count;
            }
            for (var k = 0; k < n; k++)
            {
                var p = hist[rowSpan[k] - r0]++;
                indices[p] = cols2[k];
                edgeIds[p] = ids2[k];
            }
        });
        scratch.Dispose();
        indPtr[numRows] = numEdges;
        return new Csr(numRows, numCols, indPtr, indices, edgeIds);
    }

    private static int ChunkCount(int numEdges) =>
        numEdges < SerialEdges ? 1 : Math.Max(1, Math.Min(Parallelism.MaxThreads, numEdges / SerialEdges));

    /// <summary>
    /// Fills <paramref name="indPtr"/> from the per-chunk row counts and turns each count into that chunk's first
    /// write position in the row. Rows are split into fixed blocks: block totals in parallel, a serial scan over
    /// the blocks, then each block's offsets in parallel.
    /// </summary>
    private static void PrefixToCursors(int[][] hist, long[] indPtr, int numRows)
    {
        var chunks = hist.Length;
        var blocks = (numRows + ScanBlock - 1) / ScanBlock;
        var blockStart = new long[blocks + 1];
        Parallelism.For(blocks, 1, (b0, b1) =>
        {
            for (var b = b0; b < b1; b++)
            {
                var r0 = b * ScanBlock;
                var r1 = Math.Min(numRows, r0 + ScanBlock);
                long total = 0;
                for (var c = 0; c < chunks; c++)
                {
                    var h = hist[c];
                    for (var r = r0; r < r1; r++) total += h[r];
                }
                blockStart[b + 1] = total;
            }
        });
        for (var b = 0; b < blocks; b++) blockStart[b + 1] += blockStart[b];
        Parallelism.For(blocks, 1, (b0, b1) =>
        {
            for (var b = b0; b < b1; b++)
            {
                var r0 = b * ScanBlock;
                var r1 = Math.Min(numRows, r0 + ScanBlock);
                var running = blockStart[b];
                for (var r = r0; r < r1; r++)
                {
                    indPtr[r] = running;
                    for (var c = 0; c < chunks; c++)
                    {
                        var count = hist[c][r];
                        hist[c][r] = (int)running;
                        running += count;
                    }
                }
            }
        });
        indPtr[numRows] = blockStart[blocks];
    }

    /// <summary>Rows already grouped: offsets from one parallel scan for row changes; columns shared; identity ids.</summary>
    private static Csr FromSortedRows(int numRows, int numCols, int[] rows, int[] cols)
    {
        var numEdges = rows.Length;
        var indPtr = new long[numRows + 1];
        // Edge i starts every row in (rows[i-1], rows[i]]; the chunk holding i writes those offsets.
        Parallelism.For(numEdges, Parallelism.ElementwiseGrain, (s, e) =>
        {
            var prev = s == 0 ? -1 : rows[s - 1];
            for (var i = s; i < e; i++)
            {
                var r = rows[i];
                while (prev < r) indPtr[++prev] = i;
            }
        });
        var last = numEdges == 0 ? -1 : rows[numEdges - 1];
        for (var r = last + 1; r <= numRows; r++) indPtr[r] = numEdges;
        return new Csr(numRows, numCols, indPtr, cols, edgeIds: null);
    }

    /// <summary>0, 1, …, n-1.</summary>
    public static int[] Identity(int n)
    {
        var ids = GC.AllocateUninitializedArray<int>(n);
        Parallelism.For(n, Parallelism.ElementwiseGrain, (s, e) =>
        {
            for (var i = s; i < e; i++) ids[i] = i;
        });
        return ids;
    }

    /// <summary>True when <c>a[i] &lt;= a[i+1]</c> everywhere (exits at the first descent).</summary>
    public static bool IsNonDecreasing(int[] a)
    {
        if (a.Length < 2) return true;
        // A quick serial probe catches unsorted input (the usual case for random graphs) at once.
        var probe = Math.Min(a.Length, 4096);
        for (var i = 1; i < probe; i++) if (a[i - 1] > a[i]) return false;
        var sorted = 1;
        Parallelism.For(a.Length - 1, Parallelism.ElementwiseGrain, (s, e) =>
        {
            for (var i = s; i < e; i++)
            {
                if (a[i] > a[i + 1])
                {
                    Volatile.Write(ref sorted, 0);
                    return;
                }
                if ((i & 0xFFFF) == 0 && Volatile.Read(ref sorted) == 0) return;
            }
        });
        return sorted == 1;
    }

    private static (int Start, int End) ChunkRange(int n, int chunks, int c) =>
        ((int)((long)n * c / chunks), (int)((long)n * (c + 1) / chunks));
}
