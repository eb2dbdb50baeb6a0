using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Dgl.Tensors.Kernels;

namespace Dgl.Sparse.Kernels;

/// <summary>
/// Softmax of edge scores over the entries of each row (a destination's in-edges over a CSC, a source's out-edges
/// over a CSR, a segment's elements), independently for each of H heads, fused into one pass per row:
/// y_e = exp(x_e − max_row x) / Σ_row exp(x − max_row x).
/// </summary>
/// <remarks>Each row's scores are read three times while they sit in L1 (max, exponentials, normalisation). When entry
/// k is edge k and H divides the vector width (the common H = 1, 2, 4, 8), a row's scores are one contiguous run that
/// is processed as packed vectors (several edges per vector, lane l holding head l mod H) and the per-head results are
/// folded across lanes at the end; otherwise each edge's heads are the lanes of one (partial) vector. Rows are
/// independent and each is reduced in a fixed order, so results do not depend on the thread count.</remarks>
internal static unsafe class EdgeSoftmaxKernel
{
    /// <summary>y = softmax over each row's entries of x; x and y are [edges, heads].</summary>
    public static void Forward<T>(in SparseRows g, int heads, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (heads == 0 || g.NumEntries == 0) return;
        var bounds = RowPartition.ForKernel(g.IndPtr, g.NumRows, Math.Max(1, 3 * heads / Vector512<T>.Count));
        fixed (long* pPtr = g.IndPtr)
        fixed (int* pEid = g.EdgeIds)
        fixed (T* px = x, py = y)
        {
            var a = new Args<T>(pPtr, pEid, px, null, py, heads, g.NumEntries);
            var packed = Packs<T>(g, heads);
            Action<int> run = packed ? c => PackedForward(a, bounds[c], bounds[c + 1]) : c => ForwardRows(a, bounds[c], bounds[c + 1]);
            if (bounds.Length == 2) run(0);
            else Parallelism.ForChunks(bounds.Length - 1, c => run(c));
        }
    }

    /// <summary>dx = y ⊙ (dy − Σ_row y ⊙ dy), the softmax Jacobian applied per row and head.</summary>
    public static void Backward<T>(in SparseRows g, int heads, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (heads == 0 || g.NumEntries == 0) return;
        var bounds = RowPartition.ForKernel(g.IndPtr, g.NumRows, Math.Max(1, 2 * heads / Vector512<T>.Count));
        fixed (long* pPtr = g.IndPtr)
        fixed (int* pEid = g.EdgeIds)
        fixed (T* py = y, pg = dy, pd = dx)
        {
            var a = new Args<T>(pPtr, pEid, py, pg, pd, heads, g.NumEntries);
            var packed = Packs<T>(g, heads);
            Action<int> run = packed ? c => PackedBackward(a, bounds[c], bounds[c + 1]) : c => BackwardRows(a, bounds[c], bounds[c + 1]);
            if (bounds.Length == 2) run(0);
            else Parallelism.ForChunks(bounds.Length - 1, c => run(c));
        }
    }

    [StructLayout(LayoutKind.Auto)]
    private readonly struct Args<T> where T : unmanaged
    {
        public readonly long* IndPtr;
        public readonly int* EdgeIds;
        public readonly T* X;
        public readonly T* G;
        public readonly T* Y;
        public readonly int Heads;
        public readonly int Slots;
        public readonly int TailCount;
        public readonly Vector512<T> TailMask;
        public readonly long LastEntry;

        public Args(long* indPtr, int* edgeIds, T* x, T* g, T* y, int heads, long nnz)
        {
            IndPtr = indPtr; EdgeIds = edgeIds; X = x; G = g; Y = y; Heads = heads;
            var v = Vector512<T>.Count;
            Slots = (heads + v - 1) / v;
            TailCount = heads - (Slots - 1) * v;
            TailMask = Simd.LaneMask<T>(TailCount);
            LastEntry = nnz - 1;
        }

        public long Edge(long k) => EdgeIds is null ? k : EdgeIds[k];

        public Vector512<T> Load(T* p, bool partial) => partial ? Simd.LoadPartial(p, TailMask, TailCount) : Vector512.Load(p);

        public void Store(T* p, Vector512<T> v, bool partial)
        {
            if (partial) Simd.StorePartial(p, v, TailMask, TailCount);
            else v.Store(p);
        }
    }

    private static bool Packs<T>(in SparseRows g, int heads) where T : unmanaged =>
        g.EdgeIds is null && Vector512<T>.Count % heads == 0;

    /// <summary>Combines each lane with the lanes that hold the same head (lane l mod H), so every lane ends up with its
    /// head's total: log2(width / H) permute steps, in a fixed order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fold<T>(Vector512<T> v, int heads, bool max) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var step = Vector512<T>.Count / 2; step >= heads; step /= 2)
        {
            var other = Simd.Permute(v, XorIndex<T>(step));
            v = max ? Vector512.Max(v, other) : v + other;
        }
        return v;
    }

    /// <summary>Index vector l → l xor step.</summary>
    private static Vector512<T> XorIndex<T>(int step) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return (Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) ^ Vector512.Create(step)).As<int, T>();
        return (Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7) ^ Vector512.Create((long)step)).As<long, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedForward<T>(in Args<T> a, int r0, int r1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = Vector512<T>.Count;
        var h = a.Heads;
        var negInf = Vector512.Create(T.NegativeInfinity);
        for (var r = r0; r < r1; r++)
        {
            var start = a.IndPtr[r] * h;
            var count = (a.IndPtr[r + 1] - a.IndPtr[r]) * h;
            if (count == 0) continue;
            var x = a.X + start;
            var y = a.Y + start;
            var full = count - count % v;
            var tail = (int)(count - full);
            var mask = Simd.LaneMask<T>(tail);
            var mx = negInf;
            for (long i = 0; i < full; i += v) mx = Vector512.Max(mx, Vector512.Load(x + i));
            if (tail != 0) mx = Vector512.Max(mx, Vector512.ConditionalSelect(mask, Simd.LoadPartial(x + full, mask, tail), negInf));
            mx = Fold(mx, h, max: true);
            var sum = Vector512<T>.Zero;
            for (long i = 0; i < full; i += v)
            {
                var t = Simd.Exp(Vector512.Load(x + i) - mx);
                sum += t;
                Vector512.Store(t, y + i);
            }
            if (tail != 0)
            {
                var t = Vector512.ConditionalSelect(mask, Simd.Exp(Simd.LoadPartial(x + full, mask, tail) - mx), Vector512<T>.Zero);
                sum += t;
                Simd.StorePartial(y + full, t, mask, tail);
            }
            sum = Fold(sum, h, max: false);
            for (long i = 0; i < full; i += v) Vector512.Store(Vector512.Load(y + i) / sum, y + i);
            if (tail != 0) Simd.StorePartial(y + full, Simd.LoadPartial(y + full, mask, tail) / sum, mask, tail);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedBackward<T>(in Args<T> a, int r0, int r1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = Vector512<T>.Count;
        var h = a.Heads;
        for (var r = r0; r < r1; r++)
        {
            var start = a.IndPtr[r] * h;
            var count = (a.IndPtr[r + 1] - a.IndPtr[r]) * h;
            if (count == 0) continue;
            var y = a.X + start;
            var g = a.G + start;
            var dx = a.Y + start;
            var full = count - count % v;
            var tail = (int)(count - full);
            var mask = Simd.LaneMask<T>(tail);
            var dot = Vector512<T>.Zero;
            for (long i = 0; i < full; i += v) dot = Simd.MulAdd(Vector512.Load(y + i), Vector512.Load(g + i), dot);
            if (tail != 0) dot = Simd.MulAdd(Simd.LoadPartial(y + full, mask, tail), Simd.LoadPartial(g + full, mask, tail), dot);
            dot = Fold(dot, h, max: false);
            for (long i = 0; i < full; i += v) Vector512.Store(Vector512.Load(y + i) * (Vector512.Load(g + i) - dot), dx + i);
            if (tail != 0)
                Simd.StorePartial(dx + full, Simd.LoadPartial(y + full, mask, tail) * (Simd.LoadPartial(g + full, mask, tail) - dot), mask, tail);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRows<T>(in Args<T> a, int r0, int r1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = Vector512<T>.Count;
        var h = a.Heads;
        var mapped = a.EdgeIds is not null;
        var pf = SpmmKernel.PrefetchDistance;
        for (var r = r0; r < r1; r++)
        {
            var k0 = a.IndPtr[r];
            var k1 = a.IndPtr[r + 1];
            if (k0 == k1) continue;
            for (var s = 0; s < a.Slots; s++)
            {
                var partial = s == a.Slots - 1 && a.TailCount != v;
                var off = s * v;
                var max = Vector512.Create(T.NegativeInfinity);
                for (var k = k0; k < k1; k++)
                {
                    if (mapped && s == 0) Simd.Prefetch(a.X + a.Edge(Math.Min(k + pf, a.LastEntry)) * h);
                    max = Vector512.Max(max, a.Load(a.X + a.Edge(k) * h + off, partial));
                }
                var sum = Vector512<T>.Zero;
                for (var k = k0; k < k1; k++)
                {
                    var e = a.Edge(k) * h + off;
                    var t = Simd.Exp(a.Load(a.X + e, partial) - max);
                    sum += t;
                    a.Store(a.Y + e, t, partial);
                }
                for (var k = k0; k < k1; k++)
                {
                    var e = a.Edge(k) * h + off;
                    a.Store(a.Y + e, a.Load(a.Y + e, partial) / sum, partial);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRows<T>(in Args<T> a, int r0, int r1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = Vector512<T>.Count;
        var h = a.Heads;
        for (var r = r0; r < r1; r++)
        {
            var k0 = a.IndPtr[r];
            var k1 = a.IndPtr[r + 1];
            if (k0 == k1) continue;
            for (var s = 0; s < a.Slots; s++)
            {
                var partial = s == a.Slots - 1 && a.TailCount != v;
                var off = s * v;
                var dot = Vector512<T>.Zero;
                for (var k = k0; k < k1; k++)
                {
                    var e = a.Edge(k) * h + off;
                    dot = Simd.MulAdd(a.Load(a.X + e, partial), a.Load(a.G + e, partial), dot);
                }
                for (var k = k0; k < k1; k++)
                {
                    var e = a.Edge(k) * h + off;
                    var yv = a.Load(a.X + e, partial);
                    a.Store(a.Y + e, yv * (a.Load(a.G + e, partial) - dot), partial);
                }
            }
        }
    }
}
