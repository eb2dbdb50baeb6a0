using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Dgl.Tensors;
using Dgl.Tensors.Kernels;

namespace Dgl.Sampling;

/// <summary>The edges picked for each row (seed) of a CSR: row <c>i</c>'s picks are entries
/// <c>Offsets[i] .. Offsets[i+1]</c> of <see cref="Neighbors"/> (the CSR column: the neighbour node) and
/// <see cref="EdgeIds"/>.</summary>
internal sealed class RowPicks(int[] offsets, int[] neighbors, int[] edgeIds)
{
    public int[] Offsets { get; } = offsets;

    public int[] Neighbors { get; } = neighbors;

    public int[] EdgeIds { get; } = edgeIds;

    public int Count => Neighbors.Length;
}

/// <summary>Edge ids excluded from sampling: a sorted array searched by bisection, or a bit set when there are many.</summary>
internal sealed class ExcludedEdges
{
    private readonly int[]? _sorted;
    private readonly ulong[]? _bits;

    private ExcludedEdges(int[]? sorted, ulong[]? bits)
    {
        _sorted = sorted;
        _bits = bits;
    }

    /// <summary>The set of <paramref name="ids"/> (checked against <paramref name="numEdges"/>), or null when empty.</summary>
    public static ExcludedEdges? Create(ReadOnlySpan<int> ids, int numEdges, string relation)
    {
        if (ids.IsEmpty) return null;
        Graph.CheckIds(ids, numEdges, "excluded edge", $"relation {relation}");
        if ((long)ids.Length * 32 >= numEdges)
        {
            var bits = new ulong[(numEdges + 63) >> 6];
            foreach (var e in ids) bits[e >> 6] |= 1UL << e;
            return new ExcludedEdges(null, bits);
        }
        var sorted = ids.ToArray();
        Array.Sort(sorted);
        return new ExcludedEdges(sorted, null);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Contains(int eid) =>
        _bits is { } b ? (b[eid >> 6] & (1UL << eid)) != 0 : Array.BinarySearch(_sorted!, eid) >= 0;
}

/// <summary>Keeps the first (lowest-position) error reported from parallel loops, to throw it after the loop
/// (an exception thrown inside a parallel body would arrive wrapped, and which one wins would depend on timing).</summary>
internal sealed class FirstError
{
    private readonly Lock _lock = new();
    private long _position = long.MaxValue;
    private Exception? _error;

    public void Report(long position, Func<Exception> make)
    {
        lock (_lock)
        {
            if (position >= _position) return;
            _position = position;
            _error = make();
        }
    }

    public void ThrowIfAny()
    {
        if (_error is { } e) throw e;
    }
}

/// <summary>
/// Row-wise sampling of a CSR (DGL's <c>CSRRowWiseSampling</c> / <c>CSRRowWiseTopk</c>): for each requested row,
/// choose edges uniformly, by weight, or by top weight, with or without replacement, skipping zero-weight and
/// excluded edges. Two passes over the rows in parallel: count each row's picks (its eligible edges, when weights or
/// exclusions make that a question), prefix-sum, then write each row's picks into its slice. Row <c>i</c> draws from
/// <c>RandomStream(key, i)</c>, so the picks do not depend on the thread count.
/// </summary>
/// <remarks>
/// Without replacement, uniform choices use Floyd's algorithm (k draws, no shuffle of the row) and weighted choices
/// the Efraimidis–Spirakis keys <c>log(u)/w</c> (the k largest keys are a sample with the law of k successive weighted
/// draws without replacement, DGL's semantics). With replacement, uniform picks are k draws and weighted picks a
/// bisection in the row's prefix sums. A row's picks are written in row (CSR) order. No allocation per edge or row:
/// scratch buffers are per chunk of rows.
/// </remarks>
internal static class RowSampling
{
    private const int RowGrain = 512;

    // The public argument the weights come from, for exception messages.
    private static readonly string ProbParam = "prob";

    /// <summary>Samples <paramref name="fanout"/> edges (all when negative) of each of <paramref name="rows"/>.</summary>
    /// <exception cref="ArgumentException">A negative or NaN weight on an edge the sampler looks at.</exception>
    public static RowPicks Sample(Csr csr, int[] rows, int fanout, bool replace, Tensor? weights, ExcludedEdges? excluded, ulong key, string op, string? weightName)
    {
        return weights?.DType switch
        {
            null => Sample(csr, rows, fanout, replace, default(UnitWeights), excluded, key, op, weightName),
            DType.Float32 => Sample(csr, rows, fanout, replace, new FloatWeights((float[])weights.Data, weights.Offset), excluded, key, op, weightName),
            DType.Float64 => Sample(csr, rows, fanout, replace, new DoubleWeights((double[])weights.Data, weights.Offset), excluded, key, op, weightName),
            _ => Sample(csr, rows, fanout, replace, new MaskWeights((bool[])weights.Data, weights.Offset), excluded, key, op, weightName),
        };
    }

    private static RowPicks Sample<TW>(Csr csr, int[] rows, int fanout, bool replace, TW w, ExcludedEdges? excluded, ulong key, string op, string? weightName)
        where TW : struct, IEdgeWeights
    {
        var n = rows.Length;
        var indPtr = csr.IndPtr;
        // Null when entry k is edge k (a graph whose COO is sorted by this CSR's rows): then an entry's edge id is
        // its position, and the sampler never reads (or makes) the id array.
        var eids = csr.PermutedEdgeIds;
        var plain = typeof(TW) == typeof(UnitWeights) && excluded is null;
        var identity = eids is null;
        var counts = new int[n + 1];
        // Each row's start and degree, read once here (the offsets are random reads into a large array).
        var rowStart = GC.AllocateUninitializedArray<long>(n);
        var rowDeg = GC.AllocateUninitializedArray<int>(n);
        var errors = new FirstError();
        // Visit the rows in (nearly) increasing order, so that the reads of the offsets and neighbour lists move
        // forward through memory (the hardware prefetcher follows) instead of jumping at random; each row still
        // draws from its own stream and writes its own slice, so the result is the same.
        var order = VisitOrder(rows, csr.NumRows);
        Parallelism.For(n, RowGrain, (s, e) =>
        {
            for (var k = s; k < e; k++)
            {
                var i = order is null ? k : order[k];
                if (k + PrefetchRows < e) Prefetch(indPtr, rows[order is null ? k + PrefetchRows : order[k + PrefetchRows]]);
                var lo = indPtr[rows[i]];
                var hi = indPtr[rows[i] + 1];
                rowStart[i] = lo;
                rowDeg[i] = (int)(hi - lo);
                var m = plain ? (int)(hi - lo) : CountEligible(w, excluded, eids, lo, hi, i, errors, op, weightName);
                counts[i + 1] = fanout < 0 ? m : m == 0 ? 0 : replace ? fanout : Math.Min(m, fanout);
            }
        });
        errors.ThrowIfAny();
        long total = 0;
        for (var i = 1; i <= n; i++)
        {
            total += counts[i];
            if (total > Array.MaxLength)
                throw new InvalidOperationException($"{op}: the sample would hold {total}+ edges, more than an array can");
            counts[i] = (int)total;
        }
        var offsets = counts;
        var nbr = GC.AllocateUninitializedArray<int>((int)total);
        var outEids = GC.AllocateUninitializedArray<int>((int)total);
        var indices = csr.Indices;
        Parallelism.For(n, RowGrain, (s, e) =>
        {
            var scratch = new Scratch();
            for (var k = s; k < e; k++)
            {
                var i = order is null ? k : order[k];
                if (k + PrefetchRows < e)
                {
                    // The row's neighbours (and edge ids) are the next cache misses: start them early.
                    var ahead = rowStart[order is null ? k + PrefetchRows : order[k + PrefetchRows]];
                    Prefetch(indices, ahead);
                    if (!identity) Prefetch(eids!, ahead);
                }
                var c = offsets[i + 1] - offsets[i];
                if (c == 0) continue;
                var lo = rowStart[i];
                var d = rowDeg[i];
                var outN = nbr.AsSpan(offsets[i], c);
                var outE = outEids.AsSpan(offsets[i], c);
                var rng = new RandomStream(key, i);
                if (plain)
                {
                    if (!replace && c == d)
                    {
                        indices.AsSpan((int)lo, d).CopyTo(outN);
                        if (identity) Iota(outE, (int)lo);
                        else eids!.AsSpan((int)lo, d).CopyTo(outE);
                        continue;
                    }
                    var pos = scratch.Ints(c);
                    if (replace) Draw(d, pos, ref rng);
                    else Floyd(d, pos, ref rng, ref scratch);
                    SortSmall(pos);
                    for (var j = 0; j < c; j++)
                    {
                        var at = lo + pos[j];
                        outN[j] = indices[at];
                        outE[j] = identity ? (int)at : eids![at];
                    }
                    continue;
                }
                // Eligible positions of the row (positive weight, not excluded), in row order.
                var elig = scratch.Eligible(d);
                var m = 0;
                for (var j = 0; j < d; j++)
                {
                    var eid = Eid(eids, lo + j);
                    if (w.Get(eid) > 0 && (excluded is null || !excluded.Contains(eid))) elig[m++] = j;
                }
                if (!replace && c == m)
                {
                    for (var j = 0; j < c; j++)
                    {
                        outN[j] = indices[lo + elig[j]];
                        outE[j] = Eid(eids, lo + elig[j]);
                    }
                    continue;
                }
                var picks = scratch.Ints(c);
                if (TW.IsUniform)
                {
                    if (replace) Draw(m, picks, ref rng);
                    else Floyd(m, picks, ref rng, ref scratch);
                    for (var j = 0; j < c; j++) picks[j] = elig[picks[j]];
                }
                else if (replace)
                {
                    WeightedWithReplacement(w, eids, lo, elig[..m], picks, ref rng, ref scratch);
                }
                else
                {
                    WeightedWithoutReplacement(w, eids, lo, elig[..m], picks, ref rng, ref scratch);
                }
                SortSmall(picks);
                for (var j = 0; j < c; j++)
                {
                    outN[j] = indices[lo + picks[j]];
                    outE[j] = Eid(eids, lo + picks[j]);
                }
            }
        });
        return new RowPicks(offsets, nbr, outEids);
    }

    /// <summary>
    /// A permutation of the positions of <paramref name="rows"/> that visits them by increasing row bucket (a counting
    /// sort on the top 12 bits of the row id; stable), or null when there are too few rows to matter.
    /// </summary>
    private static int[]? VisitOrder(int[] rows, int numRows)
    {
        var n = rows.Length;
        if (n < 4096 || numRows < 1 << 16) return null;
        var shift = Math.Max(0, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)numRows) - 12);
        var buckets = (numRows >> shift) + 1;
        var start = new int[buckets + 1];
        foreach (var r in rows) start[(r >> shift) + 1]++;
        for (var b = 0; b < buckets; b++) start[b + 1] += start[b];
        var order = GC.AllocateUninitializedArray<int>(n);
        for (var i = 0; i < n; i++) order[start[rows[i] >> shift]++] = i;
        return order;
    }

    /// <summary>Rows this far ahead are prefetched: enough to cover a DRAM miss with the work of the rows between.</summary>
    private const int PrefetchRows = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch<T>(T[] array, long index) where T : unmanaged
    {
        if (Sse.IsSupported && (ulong)index < (ulong)array.Length)
            Sse.Prefetch0(Unsafe.AsPointer(ref array[index]));
    }

    /// <summary>Edge id of CSR entry <paramref name="k"/>; <paramref name="eids"/> null means the identity.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Eid(int[]? eids, long k) => eids is null ? (int)k : eids[k];

    private static void Iota(Span<int> span, int start)
    {
        for (var j = 0; j < span.Length; j++) span[j] = start + j;
    }

    /// <summary>
    /// For each of <paramref name="rows"/>, its <paramref name="k"/> edges of largest weight (smallest when
    /// <paramref name="ascending"/>; all when k is negative or at least the degree), best first, ties by row order.
    /// </summary>
    public static RowPicks TopK(Csr csr, int[] rows, int k, Tensor weights, bool ascending)
    {
        var n = rows.Length;
        var indPtr = csr.IndPtr;
        var counts = new int[n + 1];
        for (var i = 0; i < n; i++)
        {
            var d = (int)(indPtr[rows[i] + 1] - indPtr[rows[i]]);
            counts[i + 1] = checked(counts[i] + (k < 0 ? d : Math.Min(k, d)));
        }
        var total = counts[n];
        var nbr = GC.AllocateUninitializedArray<int>(total);
        var outEids = GC.AllocateUninitializedArray<int>(total);
        var w = weights.DType == DType.Float64 ? weights : weights.To(DType.Float64);
        var wd = (double[])w.Data;
        var wo = w.Offset;
        Parallelism.For(n, RowGrain, (s, e) =>
        {
            var order = new List<int>();
            for (var i = s; i < e; i++)
            {
                var c = counts[i + 1] - counts[i];
                if (c == 0) continue;
                var lo = (int)indPtr[rows[i]];
                var d = (int)(indPtr[rows[i] + 1] - lo);
                order.Clear();
                for (var j = 0; j < d; j++) order.Add(j);
                // Stable: ties keep row order. NaN weights rank last either way.
                order.Sort((a, b) =>
                {
                    var x = wd[wo + csr.EdgeId(lo + a)];
                    var y = wd[wo + csr.EdgeId(lo + b)];
                    var byWeight = double.IsNaN(x) || double.IsNaN(y)
                        ? double.IsNaN(x).CompareTo(double.IsNaN(y))
                        : ascending ? x.CompareTo(y) : y.CompareTo(x);
                    return byWeight != 0 ? byWeight : a.CompareTo(b);
                });
                for (var j = 0; j < c; j++)
                {
                    nbr[counts[i] + j] = csr.Indices[lo + order[j]];
                    outEids[counts[i] + j] = csr.EdgeId(lo + order[j]);
                }
            }
        });
        return new RowPicks(counts, nbr, outEids);
    }

    private static int CountEligible<TW>(TW w, ExcludedEdges? excluded, int[]? eids, long lo, long hi, int row, FirstError errors, string op, string? weightName)
        where TW : struct, IEdgeWeights
    {
        var m = 0;
        for (var k = lo; k < hi; k++)
        {
            var eid = Eid(eids, k);
            var x = w.Get(eid);
            if (!(x >= 0))
            {
                errors.Report(row, () => new ArgumentException($"{op}: edge {eid} has probability {x} in feature '{weightName}'; probabilities must be non-negative numbers", ProbParam));
                return 0;
            }
            if (x > 0 && (excluded is null || !excluded.Contains(eid))) m++;
        }
        return m;
    }

    /// <summary>picks.Length independent uniform draws from [0, m).</summary>
    private static void Draw(int m, Span<int> picks, ref RandomStream rng)
    {
        for (var j = 0; j < picks.Length; j++) picks[j] = rng.NextInt(m);
    }

    /// <summary>Floyd's algorithm: picks.Length distinct values from [0, m), each subset equally likely.</summary>
    private static void Floyd(int m, Span<int> picks, ref RandomStream rng, ref Scratch scratch)
    {
        var c = picks.Length;
        if (c <= 32)
        {
            for (int j = m - c, f = 0; j < m; j++, f++)
            {
                var t = rng.NextInt(j + 1);
                picks[f] = picks[..f].Contains(t) ? j : t;
            }
            return;
        }
        var bits = scratch.Bits(m);
        for (int j = m - c, f = 0; j < m; j++, f++)
        {
            var t = rng.NextInt(j + 1);
            if ((bits[t >> 6] & (1UL << t)) != 0) t = j;
            bits[t >> 6] |= 1UL << t;
            picks[f] = t;
        }
        foreach (var p in picks) bits[p >> 6] = 0;
    }

    /// <summary>Weighted draws with replacement: bisection in the prefix sums of the eligible edges' weights.</summary>
    private static void WeightedWithReplacement<TW>(TW w, int[]? eids, long lo, ReadOnlySpan<int> elig, Span<int> picks, ref RandomStream rng, ref Scratch scratch)
        where TW : struct, IEdgeWeights
    {
        var prefix = scratch.Doubles(elig.Length);
        double total = 0;
        for (var j = 0; j < elig.Length; j++) prefix[j] = total += w.Get(Eid(eids, lo + elig[j]));
        for (var p = 0; p < picks.Length; p++)
        {
            var x = rng.NextDouble() * total;
            int a = 0, b = elig.Length - 1;
            while (a < b)
            {
                var mid = (a + b) >> 1;
                if (prefix[mid] > x) b = mid;
                else a = mid + 1;
            }
            picks[p] = elig[a];
        }
    }

    /// <summary>Weighted sampling without replacement: the picks.Length eligible edges with the largest keys
    /// log(u)/w (Efraimidis–Spirakis), found with a min-heap of that size.</summary>
    private static void WeightedWithoutReplacement<TW>(TW w, int[]? eids, long lo, ReadOnlySpan<int> elig, Span<int> picks, ref RandomStream rng, ref Scratch scratch)
        where TW : struct, IEdgeWeights
    {
        var c = picks.Length;
        var heap = scratch.Doubles(c);
        var size = 0;
        foreach (var k in elig)
        {
            var key = Math.Log(rng.NextDoubleNonZero()) / w.Get(Eid(eids, lo + k));
            if (size < c)
            {
                // Sift up.
                var h = size++;
                while (h > 0)
                {
                    var parent = (h - 1) >> 1;
                    if (heap[parent] <= key) break;
                    heap[h] = heap[parent];
                    picks[h] = picks[parent];
                    h = parent;
                }
                heap[h] = key;
                picks[h] = k;
            }
            else if (key > heap[0])
            {
                // Replace the smallest and sift down.
                var h = 0;
                while (true)
                {
                    var child = 2 * h + 1;
                    if (child >= c) break;
                    if (child + 1 < c && heap[child + 1] < heap[child]) child++;
                    if (heap[child] >= key) break;
                    heap[h] = heap[child];
                    picks[h] = picks[child];
                    h = child;
                }
                heap[h] = key;
                picks[h] = k;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SortSmall(Span<int> a)
    {
        if (a.Length > 24)
        {
            a.Sort();
            return;
        }
        for (var i = 1; i < a.Length; i++)
        {
            var x = a[i];
            var j = i - 1;
            while (j >= 0 && a[j] > x)
            {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = x;
        }
    }

    /// <summary>Per-chunk scratch buffers, grown on demand (never per edge).</summary>
    private struct Scratch
    {
        private int[]? _ints;
        private int[]? _eligible;
        private double[]? _doubles;
        private ulong[]? _bits;

        public Span<int> Ints(int n) => Grow(ref _ints, n).AsSpan(0, n);

        public Span<int> Eligible(int n) => Grow(ref _eligible, n).AsSpan(0, n);

        public Span<double> Doubles(int n) => Grow(ref _doubles, n).AsSpan(0, n);

        /// <summary>A zeroed bit set of at least n bits (callers clear the bits they set).</summary>
        public Span<ulong> Bits(int n) => Grow(ref _bits, (n + 63) >> 6).AsSpan(0, (n + 63) >> 6);

        private static T[] Grow<T>(ref T[]? a, int n)
        {
            if (a is null || a.Length < n) a = new T[Math.Max(n, a is null ? 64 : (int)Math.Min(Array.MaxLength, 2L * a.Length))];
            return a;
        }
    }
}
