using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Dgl.Ops;
using Dgl.Tensors.Kernels;

namespace Dgl.Sparse.Kernels;

/// <summary>
/// Both gradients of a sum/mean g-SpMM with mul or div in one pass over the reversed graph: for every source u and
/// each out-edge e = (u, v),
/// dlhs[u] += ∂op/∂lhs(g[v], rhs[e]) and drhs[e] = ∂op/∂rhs(lhs[u], g[v], rhs[e]) (summed over the lanes a broadcast
/// rhs element covers).
/// </summary>
/// <remarks>
/// The unfused backward gathers the output gradient once for dlhs (g-SpMM over the reversed graph) and the source
/// features once more for drhs (g-SDDMM); here lhs[u] stays in registers for the whole row, so each edge costs one
/// gathered g row plus its few rhs elements, about what the forward costs. Each dlhs row is accumulated by one thread
/// in entry order and each drhs row is written by the one thread that owns its source, so the result does not depend
/// on the thread count. Handles rows up to eight vectors where lhs is not broadcast and either the rhs row is the
/// output row or each rhs element covers whole consecutive vectors of it (edge weights [E, 1], per-head weights
/// [E, H, 1] with head width a multiple of the vector); other shapes take the unfused path.
/// <para>The rhs reads and drhs writes go through the reversed graph's edge ids, a permutation of the forward's
/// order in general, so each entry adds one or two random lines to its gathered g row. They are prefetched with that
/// row, and read with loads no wider than the row: with a 64-byte masked load, a 16-byte row of head weights also
/// waited for the line after it, which nothing prefetched (H = 4, D = 32 on the uniform graph took 490–670 ms that
/// way against 372–443 now), and the pass had lost to moving the rhs rows into walk order and back. Measured on the 20M-edge graphs (uniform / R-MAT, kernels alone,
/// alternating rounds): H = 4, D = 32 in the loop 372–443 / 316 ms against 490–498 / 404 with the rows moved,
/// forward 225–310 / 160; w [E, 1] at F = 16 139–156 / 125 against 229–269 / 183 (forward 54–70 / 46), at F = 128
/// 262 on R-MAT against 330 (forward 141). Op level, w [E, 1] at F = 16 / 64 on the uniform graph: 187 / 214 ms
/// against 203–221 / 340–346 for the unfused pass that narrow rows took before. Every row is prefetched: without
/// it the narrow rows took 2.5–4× as long (an entry's arithmetic is long enough that the core does not keep many
/// gathers in flight on its own, unlike the forward's).</para>
/// </remarks>
internal static unsafe class SpmmBackwardKernel
{
    private const int MaxSlots = 8;
    private const int PrefetchDistance = SpmmKernel.PrefetchDistance;

    [StructLayout(LayoutKind.Auto)]
    private readonly struct Args<T> where T : unmanaged
    {
        public readonly long* IndPtr;
        public readonly int* Indices;
        public readonly int* EdgeIds;
        public readonly T* X;
        public readonly T* Y;
        public readonly T* G;
        public readonly T* DX;
        public readonly T* DY;
        public readonly int* ROff;
        public readonly Vector512<T>* RIdx;
        public readonly int OutLen, RhsLen, TailCount;
        public readonly Vector512<T> TailMask, RRowMask;

        public Args(long* indPtr, int* indices, int* edgeIds, T* x, T* y, T* g, T* dx, T* dy, int* rOff, Vector512<T>* rIdx,
            VectorPlan<T> plan)
        {
            IndPtr = indPtr; Indices = indices; EdgeIds = edgeIds; X = x; Y = y; G = g; DX = dx; DY = dy;
            ROff = rOff; RIdx = rIdx;
            OutLen = plan.OutLength; RhsLen = plan.Shape.RhsLength; TailCount = plan.TailCount;
            TailMask = plan.TailMask; RRowMask = plan.Rhs.RowMask;
        }
    }

    /// <summary>True when <see cref="Run"/> handles this op and layout.</summary>
    public static bool Supports<T>(FeatureBroadcast shape, BinaryOp op) where T : unmanaged
    {
        if (op is not (BinaryOp.Mul or BinaryOp.Div)) return false;
        var plan = VectorPlan<T>.Create(shape);
        if (!plan.Vectorized || plan.Slots == 0 || plan.Slots > MaxSlots || plan.Lhs.Mode != LoadMode.Contiguous) return false;
        return plan.Rhs.Mode switch
        {
            LoadMode.Contiguous => plan.Rhs.SlotOffset[0] == 0 && shape.RhsLength == shape.OutLength,
            LoadMode.Broadcast or LoadMode.Permute or LoadMode.Scalar => SlotsPerElement<T>(shape, plan.Slots) > 0,
            _ => false,
        };
    }

    /// <summary>
    /// For a broadcast rhs: the s in {1, 2, 4, 8} such that output vector i reads only rhs element i / s and the rhs
    /// row has exactly ceil(slots / s) elements (so drhs is a sum of whole vectors per element), or 0 when there is none.
    /// </summary>
    private static int SlotsPerElement<T>(FeatureBroadcast shape, int slots) where T : unmanaged
    {
        var v = Vector512<T>.Count;
        var ri = shape.RhsIndex!;
        foreach (var s in (ReadOnlySpan<int>)[1, 2, 4, 8])
        {
            if (shape.RhsLength != (slots + s - 1) / s) continue;
            var ok = true;
            for (var j = 0; j < shape.OutLength && ok; j++) ok = ri[j] == j / v / s;
            if (ok) return s;
        }
        return 0;
    }

    /// <summary>
    /// dx [rev.NumRows, OutLen] and dy [edges, RhsLen] from g [rev.NumCols, OutLen] (already divided by in-degree for
    /// mean), x [rev.NumRows, OutLen] and y [edges, RhsLen]; rev is the out-edge CSR (rows are sources).
    /// </summary>
    public static void Run<T>(in SparseRows rev, FeatureBroadcast shape, BinaryOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y,
        ReadOnlySpan<T> g, Span<T> dx, Span<T> dy) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(Supports<T>(shape, op));
        if (rev.NumRows == 0) return;
        var plan = VectorPlan<T>.Create(shape);
        var perElement = plan.Rhs.Mode == LoadMode.Contiguous ? 1 : SlotsPerElement<T>(shape, plan.Slots);
        var bounds = RowPartition.ForKernel(rev.IndPtr, rev.NumRows, Math.Max(1, 2 * plan.Slots));
        fixed (long* pPtr = rev.IndPtr)
        fixed (int* pIdx = rev.Indices, pEid = rev.EdgeIds, pRo = plan.Rhs.SlotOffset)
        fixed (T* px = x, py = y, pg = g, pdx = dx, pdy = dy)
        fixed (Vector512<T>* pRi = plan.Rhs.SlotIndex)
        {
            var a = new Args<T>(pPtr, pIdx, pEid, px, py, pg, pdx, pdy, pRo, pRi, plan);
            var identity = rev.EdgeIds is null;
            switch (op)
            {
                case BinaryOp.Mul: ByRhs<T, EdgeOp.Mul>(a, plan, perElement, identity, bounds); break;
                default: ByRhs<T, EdgeOp.Div>(a, plan, perElement, identity, bounds); break;
            }
        }
    }

    private static void ByRhs<T, TOp>(in Args<T> a, VectorPlan<T> plan, int perElement, bool identity, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp
    {
        switch (plan.Rhs.Mode)
        {
            case LoadMode.Contiguous: ByEdges<T, TOp, Loader.Contiguous>(a, plan, perElement, identity, bounds); break;
            case LoadMode.Broadcast: ByEdges<T, TOp, Loader.Broadcast>(a, plan, perElement, identity, bounds); break;
            case LoadMode.Permute: ByEdges<T, TOp, Loader.Permute>(a, plan, perElement, identity, bounds); break;
            default: ByEdges<T, TOp, Loader.Scalar>(a, plan, perElement, identity, bounds); break;
        }
    }

    private static void ByEdges<T, TOp, TR>(in Args<T> a, VectorPlan<T> plan, int perElement, bool identity, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TR : struct, ILoader
    {
        if (identity) ByPerElement<T, TOp, TR, EdgeMap.Identity>(a, plan, perElement, bounds);
        else ByPerElement<T, TOp, TR, EdgeMap.Mapped>(a, plan, perElement, bounds);
    }

    private static void ByPerElement<T, TOp, TR, TE>(in Args<T> a, VectorPlan<T> plan, int perElement, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TR : struct, ILoader where TE : struct, IEdgeMap
    {
        switch (perElement)
        {
            case 1: ByWidth<T, TOp, TR, TE, Width.W1>(a, plan, bounds); break;
            case 2: ByWidth<T, TOp, TR, TE, Width.W2>(a, plan, bounds); break;
            case 4: ByWidth<T, TOp, TR, TE, Width.W4>(a, plan, bounds); break;
            default: ByWidth<T, TOp, TR, TE, Width.W8>(a, plan, bounds); break;
        }
    }

    private static void ByWidth<T, TOp, TR, TE, TS>(in Args<T> a, VectorPlan<T> plan, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TR : struct, ILoader where TE : struct, IEdgeMap
        where TS : struct, IWidth
    {
        if (typeof(TOp) == typeof(EdgeOp.Mul) && typeof(TR) != typeof(Loader.Contiguous) && !plan.HasTail && plan.Slots % TS.N == 0)
        {
            switch (plan.Slots)
            {
                case 8: Chunks(a, bounds, &MulHeadRows<T, TE, Width.W8, TS, Flag.Yes>, &MulHeadRows<T, TE, Width.W8, TS, Flag.No>); return;
                case 4: Chunks(a, bounds, &MulHeadRows<T, TE, Width.W4, TS, Flag.Yes>, &MulHeadRows<T, TE, Width.W4, TS, Flag.No>); return;
                case 2: Chunks(a, bounds, &MulHeadRows<T, TE, Width.W2, TS, Flag.Yes>, &MulHeadRows<T, TE, Width.W2, TS, Flag.No>); return;
                case 1: Chunks(a, bounds, &MulHeadRows<T, TE, Width.W1, TS, Flag.Yes>, &MulHeadRows<T, TE, Width.W1, TS, Flag.No>); return;
            }
        }
        switch (plan.Slots, plan.HasTail)
        {
            case (8, false): Chunks<T, TOp, TR, TE, Width.W8, TS, Flag.No>(a, bounds); break;
            case (8, true): Chunks<T, TOp, TR, TE, Width.W8, TS, Flag.Yes>(a, bounds); break;
            case (7, false): Chunks<T, TOp, TR, TE, Width.W7, TS, Flag.No>(a, bounds); break;
            case (7, true): Chunks<T, TOp, TR, TE, Width.W7, TS, Flag.Yes>(a, bounds); break;
            case (6, false): Chunks<T, TOp, TR, TE, Width.W6, TS, Flag.No>(a, bounds); break;
            case (6, true): Chunks<T, TOp, TR, TE, Width.W6, TS, Flag.Yes>(a, bounds); break;
            case (5, false): Chunks<T, TOp, TR, TE, Width.W5, TS, Flag.No>(a, bounds); break;
            case (5, true): Chunks<T, TOp, TR, TE, Width.W5, TS, Flag.Yes>(a, bounds); break;
            case (4, false): Chunks<T, TOp, TR, TE, Width.W4, TS, Flag.No>(a, bounds); break;
            case (4, true): Chunks<T, TOp, TR, TE, Width.W4, TS, Flag.Yes>(a, bounds); break;
            case (3, false): Chunks<T, TOp, TR, TE, Width.W3, TS, Flag.No>(a, bounds); break;
            case (3, true): Chunks<T, TOp, TR, TE, Width.W3, TS, Flag.Yes>(a, bounds); break;
            case (2, false): Chunks<T, TOp, TR, TE, Width.W2, TS, Flag.No>(a, bounds); break;
            case (2, true): Chunks<T, TOp, TR, TE, Width.W2, TS, Flag.Yes>(a, bounds); break;
            case (1, false): Chunks<T, TOp, TR, TE, Width.W1, TS, Flag.No>(a, bounds); break;
            default: Chunks<T, TOp, TR, TE, Width.W1, TS, Flag.Yes>(a, bounds); break;
        }
    }

    private static void Chunks<T, TOp, TR, TE, TW, TS, TTail>(Args<T> a, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TR : struct, ILoader where TE : struct, IEdgeMap
        where TW : struct, IWidth where TS : struct, IWidth where TTail : struct, IFlag =>
        Chunks(a, bounds, &Rows<T, TOp, TR, TE, TW, TS, TTail, Flag.Yes>, &Rows<T, TOp, TR, TE, TW, TS, TTail, Flag.No>);

    /// <summary>Runs the row chunks in parallel, each with <paramref name="prefetching"/> except for the rows whose
    /// entries reach within the prefetch distance of the end, which take <paramref name="plain"/>.</summary>
    private static void Chunks<T>(Args<T> a, int[] bounds, delegate*<in Args<T>, int, int, void> prefetching,
        delegate*<in Args<T>, int, int, void> plain) where T : unmanaged
    {
        var nnz = a.IndPtr[bounds[^1]];
        Parallelism.ForChunks(bounds.Length - 1, c =>
        {
            var r0 = bounds[c];
            var r1 = bounds[c + 1];
            int lo = r0, hi = r1;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (a.IndPtr[mid + 1] + PrefetchDistance <= nnz) lo = mid + 1;
                else hi = mid;
            }
            var safe = lo;
            if (safe > r0) prefetching(a, r0, safe);
            if (r1 > safe) plain(a, safe, r1);
        });
    }

    /// <summary>
    /// <see cref="Rows"/> for the common product with a broadcast rhs (edge weights [E, 1], per-head weights
    /// [E, H, 1]) and no tail: slot j's weight is rhs element j / s, broadcast from memory, and head h's gradient is the
    /// lane sum of x ⊙ g over its s slots. The same arithmetic in the same order as <see cref="Rows"/>, in a loop with
    /// fewer live vectors (no permute indices, no prepared rhs row): on the 20M-edge R-MAT graph, H = 4, D = 32, this
    /// loop takes 245–248 ms where the general one took 287–306 (forward 155–164).
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MulHeadRows<T, TE, TW, TS, TPf>(in Args<T> a, int r0, int r1)
        where T : unmanaged, IFloatingPointIeee754<T> where TE : struct, IEdgeMap where TW : struct, IWidth where TS : struct, IWidth
        where TPf : struct, IFlag
    {
        var n = TW.N;
        var s = TS.N;
        var heads = n / s;
        var prefetch = TPf.Value;
        var indPtr = a.IndPtr;
        var idx = a.Indices;
        var eids = a.EdgeIds;
        long len = a.OutLen;
        long rLen = a.RhsLen;
        var rBytes = a.RhsLen * sizeof(T);
        T* xs = a.X, ys = a.Y, gs = a.G, dxs = a.DX, dys = a.DY;
        var v = Vector512<T>.Count;
        var zero = Vector512<T>.Zero;
        for (var r = r0; r < r1; r++)
        {
            var xr = xs + r * len;
            Vector512<T> x0 = Vector512.Load(xr), x1 = zero, x2 = zero, x3 = zero, x4 = zero, x5 = zero, x6 = zero, x7 = zero;
            if (n > 1) x1 = Vector512.Load(xr + v);
            if (n > 2) { x2 = Vector512.Load(xr + 2 * v); x3 = Vector512.Load(xr + 3 * v); }
            if (n > 4) { x4 = Vector512.Load(xr + 4 * v); x5 = Vector512.Load(xr + 5 * v); x6 = Vector512.Load(xr + 6 * v); x7 = Vector512.Load(xr + 7 * v); }
            Vector512<T> c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
            for (var k = indPtr[r]; k < indPtr[r + 1]; k++)
            {
                if (prefetch)
                {
                    PrefetchRow<T, TW>(gs + idx[k + PrefetchDistance] * len);
                    var ep = TE.Edge(k + PrefetchDistance, eids);
                    Simd.PrefetchLines((byte*)(ys + ep * rLen), rBytes);
                    Simd.PrefetchLines((byte*)(dys + ep * rLen), rBytes);
                }
                var e = TE.Edge(k, eids);
                var gr = gs + idx[k] * len;
                var yr = ys + e * rLen;
                // Slot j: dlhs += g ⊙ w[j / s]; the head's running x ⊙ g sum restarts at its first slot.
                var g0 = Vector512.Load(gr);
                var w0 = Vector512.Create(yr[0]);
                c0 = Simd.MulAdd(g0, w0, c0);
                var q0 = Simd.MulAdd(x0, g0, zero);
                Vector512<T> q1 = zero, q2 = zero, q3 = zero, q4 = zero, q5 = zero, q6 = zero, q7 = zero;
                if (n > 1)
                {
                    var g1 = Vector512.Load(gr + v);
                    c1 = Simd.MulAdd(g1, Vector512.Create(yr[1 / s]), c1);
                    q1 = Simd.MulAdd(x1, g1, 1 % s == 0 ? zero : q0);
                }
                if (n > 2)
                {
                    var g2 = Vector512.Load(gr + 2 * v);
                    var g3 = Vector512.Load(gr + 3 * v);
                    c2 = Simd.MulAdd(g2, Vector512.Create(yr[2 / s]), c2);
                    c3 = Simd.MulAdd(g3, Vector512.Create(yr[3 / s]), c3);
                    q2 = Simd.MulAdd(x2, g2, 2 % s == 0 ? zero : q1);
                    q3 = Simd.MulAdd(x3, g3, 3 % s == 0 ? zero : q2);
                }
                if (n > 4)
                {
                    var g4 = Vector512.Load(gr + 4 * v);
                    var g5 = Vector512.Load(gr + 5 * v);
                    var g6 = Vector512.Load(gr + 6 * v);
                    var g7 = Vector512.Load(gr + 7 * v);
                    c4 = Simd.MulAdd(g4, Vector512.Create(yr[4 / s]), c4);
                    c5 = Simd.MulAdd(g5, Vector512.Create(yr[5 / s]), c5);
                    c6 = Simd.MulAdd(g6, Vector512.Create(yr[6 / s]), c6);
                    c7 = Simd.MulAdd(g7, Vector512.Create(yr[7 / s]), c7);
                    q4 = Simd.MulAdd(x4, g4, 4 % s == 0 ? zero : q3);
                    q5 = Simd.MulAdd(x5, g5, 5 % s == 0 ? zero : q4);
                    q6 = Simd.MulAdd(x6, g6, 6 % s == 0 ? zero : q5);
                    q7 = Simd.MulAdd(x7, g7, 7 % s == 0 ? zero : q6);
                }
                var dyr = dys + e * rLen;
                StoreHeadSums(dyr, heads, s, q0, q1, q2, q3, q4, q5, q6, q7);
            }
            var dxr = dxs + r * len;
            Vector512.Store(c0, dxr);
            if (n > 1) Vector512.Store(c1, dxr + v);
            if (n > 2) { Vector512.Store(c2, dxr + 2 * v); Vector512.Store(c3, dxr + 3 * v); }
            if (n > 4) { Vector512.Store(c4, dxr + 4 * v); Vector512.Store(c5, dxr + 5 * v); Vector512.Store(c6, dxr + 6 * v); Vector512.Store(c7, dxr + 7 * v); }
        }
    }

    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<T, TOp, TR, TE, TW, TS, TTail, TPf>(in Args<T> a, int r0, int r1)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TR : struct, ILoader where TE : struct, IEdgeMap
        where TW : struct, IWidth where TS : struct, IWidth where TTail : struct, IFlag where TPf : struct, IFlag
    {
        var n = TW.N;
        // Output vectors per rhs element (broadcast rhs), and rhs elements per row.
        var s = TS.N;
        var heads = n / s;
        var tail = TTail.Value;
        var prefetch = TPf.Value;
        var offR = typeof(TR) == typeof(Loader.Full) || typeof(TR) == typeof(Loader.Scalar);
        var permR = typeof(TR) == typeof(Loader.Permute);
        var prepR = permR || typeof(TR) == typeof(Loader.Broadcast);
        var contiguousR = typeof(TR) == typeof(Loader.Contiguous);
        int ro0 = offR ? a.ROff[0] : 0, ro1 = offR && n > 1 ? a.ROff[1] : 0, ro2 = offR && n > 2 ? a.ROff[2] : 0, ro3 = offR && n > 3 ? a.ROff[3] : 0, ro4 = offR && n > 4 ? a.ROff[4] : 0, ro5 = offR && n > 5 ? a.ROff[5] : 0, ro6 = offR && n > 6 ? a.ROff[6] : 0, ro7 = offR && n > 7 ? a.ROff[7] : 0;
        Vector512<T> ri0 = permR ? a.RIdx[0] : default, ri1 = permR && n > 1 ? a.RIdx[1] : default, ri2 = permR && n > 2 ? a.RIdx[2] : default, ri3 = permR && n > 3 ? a.RIdx[3] : default, ri4 = permR && n > 4 ? a.RIdx[4] : default, ri5 = permR && n > 5 ? a.RIdx[5] : default, ri6 = permR && n > 6 ? a.RIdx[6] : default, ri7 = permR && n > 7 ? a.RIdx[7] : default;
        var tm = a.TailMask;
        var tc = a.TailCount;
        var rrm = a.RRowMask;
        var v = Vector512<T>.Count;
        var indPtr = a.IndPtr;
        var idx = a.Indices;
        var eids = a.EdgeIds;
        long len = a.OutLen;
        long rLen = a.RhsLen;
        var rBytes = a.RhsLen * sizeof(T);
        var yBase = a.Y + (TR.UsesBase ? a.ROff[0] : 0);
        var zero = Vector512<T>.Zero;

        for (var r = r0; r < r1; r++)
        {
            var k0 = indPtr[r];
            var k1 = indPtr[r + 1];
            Vector512<T> x0 = zero, x1 = zero, x2 = zero, x3 = zero, x4 = zero, x5 = zero, x6 = zero, x7 = zero;
            {
                var xr = a.X + r * len;
                x0 = tail && n == 1 ? Simd.LoadPartial(xr + 0 * v, tm, tc) : Vector512.Load(xr + 0 * v);
                if (n > 1) x1 = tail && n == 2 ? Simd.LoadPartial(xr + 1 * v, tm, tc) : Vector512.Load(xr + 1 * v);
                if (n > 2) x2 = tail && n == 3 ? Simd.LoadPartial(xr + 2 * v, tm, tc) : Vector512.Load(xr + 2 * v);
                if (n > 3) x3 = tail && n == 4 ? Simd.LoadPartial(xr + 3 * v, tm, tc) : Vector512.Load(xr + 3 * v);
                if (n > 4) x4 = tail && n == 5 ? Simd.LoadPartial(xr + 4 * v, tm, tc) : Vector512.Load(xr + 4 * v);
                if (n > 5) x5 = tail && n == 6 ? Simd.LoadPartial(xr + 5 * v, tm, tc) : Vector512.Load(xr + 5 * v);
                if (n > 6) x6 = tail && n == 7 ? Simd.LoadPartial(xr + 6 * v, tm, tc) : Vector512.Load(xr + 6 * v);
                if (n > 7) x7 = tail && n == 8 ? Simd.LoadPartial(xr + 7 * v, tm, tc) : Vector512.Load(xr + 7 * v);
            }
            Vector512<T> c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
            for (var k = k0; k < k1; k++)
            {
                if (prefetch)
                {
                    PrefetchRow<T, TW>(a.G + idx[k + PrefetchDistance] * len);
                    var ep = TE.Edge(k + PrefetchDistance, eids);
                    Simd.PrefetchLines((byte*)(a.Y + ep * rLen), rBytes);
                    Simd.PrefetchLines((byte*)(a.DY + ep * rLen), rBytes);
                }
                var e = TE.Edge(k, eids);
                var gr = a.G + idx[k] * len;
                var yr = yBase + e * rLen;
                var dyr = a.DY + e * rLen;
                Vector512<T> yp = default;
                if (prepR) yp = TR.Prepare(yr, rrm, a.RhsLen);
                // Slot i's rhs gradient adds into the running sum of its head (rhs element i / s), restarted at each
                // head's first slot; a head's sum is the running value after its last slot.
                var q0 = Slot<T, TOp, TR>(0, gr, yr, yp, ro0, ri0, x0, zero, tail && n == 1, dyr, tm, tc, ref c0);
                Vector512<T> q1 = zero, q2 = zero, q3 = zero, q4 = zero, q5 = zero, q6 = zero, q7 = zero;
                if (n > 1) q1 = Slot<T, TOp, TR>(1, gr, yr, yp, ro1, ri1, x1, 1 % s == 0 ? zero : q0, tail && n == 2, dyr, tm, tc, ref c1);
                if (n > 2) q2 = Slot<T, TOp, TR>(2, gr, yr, yp, ro2, ri2, x2, 2 % s == 0 ? zero : q1, tail && n == 3, dyr, tm, tc, ref c2);
                if (n > 3) q3 = Slot<T, TOp, TR>(3, gr, yr, yp, ro3, ri3, x3, 3 % s == 0 ? zero : q2, tail && n == 4, dyr, tm, tc, ref c3);
                if (n > 4) q4 = Slot<T, TOp, TR>(4, gr, yr, yp, ro4, ri4, x4, 4 % s == 0 ? zero : q3, tail && n == 5, dyr, tm, tc, ref c4);
                if (n > 5) q5 = Slot<T, TOp, TR>(5, gr, yr, yp, ro5, ri5, x5, 5 % s == 0 ? zero : q4, tail && n == 6, dyr, tm, tc, ref c5);
                if (n > 6) q6 = Slot<T, TOp, TR>(6, gr, yr, yp, ro6, ri6, x6, 6 % s == 0 ? zero : q5, tail && n == 7, dyr, tm, tc, ref c6);
                if (n > 7) q7 = Slot<T, TOp, TR>(7, gr, yr, yp, ro7, ri7, x7, 7 % s == 0 ? zero : q6, tail && n == 8, dyr, tm, tc, ref c7);

                // The heads' lane sums, four at a time (they were a sixth of the backward on the 20M-edge uniform
                // graph, H = 4, D = 32, as separate reductions).
                if (!contiguousR)
                {
                    StoreHeadSums(dyr, heads, s, q0, q1, q2, q3, q4, q5, q6, q7);
                }
            }
            var dxr = a.DX + r * len;
            StoreSlot(dxr + 0 * v, c0, tail && n == 1, tm, tc);
            if (n > 1) StoreSlot(dxr + 1 * v, c1, tail && n == 2, tm, tc);
            if (n > 2) StoreSlot(dxr + 2 * v, c2, tail && n == 3, tm, tc);
            if (n > 3) StoreSlot(dxr + 3 * v, c3, tail && n == 4, tm, tc);
            if (n > 4) StoreSlot(dxr + 4 * v, c4, tail && n == 5, tm, tc);
            if (n > 5) StoreSlot(dxr + 5 * v, c5, tail && n == 6, tm, tc);
            if (n > 6) StoreSlot(dxr + 6 * v, c6, tail && n == 7, tm, tc);
            if (n > 7) StoreSlot(dxr + 7 * v, c7, tail && n == 8, tm, tc);
        }
    }

    /// <summary>
    /// One output vector slot i of an entry: adds ∂/∂lhs to the row's dlhs accumulator <paramref name="c"/> and returns
    /// <paramref name="run"/> plus this slot's ∂/∂rhs (a broadcast rhs), or stores ∂/∂rhs into the edge's drhs row
    /// (an rhs as wide as the output) and returns zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Slot<T, TOp, TR>(int i, T* gr, T* yr, Vector512<T> yp, int ro, Vector512<T> ri, Vector512<T> x, Vector512<T> run,
        bool partial, T* dyr, Vector512<T> tm, int tc, ref Vector512<T> c)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TR : struct, ILoader
    {
        var v = Vector512<T>.Count;
        Vector512<T> gv, yv;
        if (partial)
        {
            gv = Simd.LoadPartial(gr + i * v, tm, tc);
            yv = TR.LoadTail(yr, yp, i, ro, ri, tm, tc);
        }
        else
        {
            gv = Vector512.Load(gr + i * v);
            yv = TR.Load(yr, yp, i, ro, ri);
        }
        c = LhsGrad<T, TOp>(c, gv, yv);
        if (typeof(TR) != typeof(Loader.Contiguous)) return RhsGradAcc<T, TOp>(run, x, gv, yv);
        StoreSlot(dyr + i * v, RhsGrad<T, TOp>(x, gv, yv), partial, tm, tc);
        return Vector512<T>.Zero;
    }

    /// <summary>Each head's rhs gradient: the lane sum of its running sum after its last slot (slots of <paramref name="s"/> per head).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreHeadSums<T>(T* dyr, int heads, int s, Vector512<T> q0, Vector512<T> q1, Vector512<T> q2, Vector512<T> q3,
        Vector512<T> q4, Vector512<T> q5, Vector512<T> q6, Vector512<T> q7) where T : unmanaged
    {
        var zero = Vector512<T>.Zero;
        if (s == 1) Simd.StoreLaneSums(dyr, heads, q0, q1, q2, q3, q4, q5, q6, q7);
        else if (s == 2) Simd.StoreLaneSums(dyr, heads, q1, q3, q5, q7, zero, zero, zero, zero);
        else if (s == 4) Simd.StoreLaneSums(dyr, heads, q3, q7, zero, zero, zero, zero, zero, zero);
        else Simd.StoreLaneSums(dyr, heads, q7, zero, zero, zero, zero, zero, zero, zero);
    }

    /// <summary>dlhs accumulation: ∂(a op b)/∂a · g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> LhsGrad<T, TOp>(Vector512<T> acc, Vector512<T> g, Vector512<T> y) where T : unmanaged where TOp : struct, IEdgeOp
    {
        if (typeof(TOp) == typeof(EdgeOp.Mul)) return Simd.MulAdd(g, y, acc);
        return acc + g / y;
    }

    /// <summary>acc + drhs per lane, for an rhs element broadcast over several lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> RhsGradAcc<T, TOp>(Vector512<T> acc, Vector512<T> x, Vector512<T> g, Vector512<T> y) where T : unmanaged where TOp : struct, IEdgeOp
    {
        if (typeof(TOp) == typeof(EdgeOp.Mul)) return Simd.MulAdd(x, g, acc);
        return acc - x * g / (y * y);
    }

    /// <summary>Prefetches a gathered output-gradient row: one line per vector slot, plus the line its end may spill into.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRow<T, TW>(T* row) where T : unmanaged where TW : struct, IWidth
    {
        Simd.PrefetchSlots((byte*)row, TW.N);
    }

    /// <summary>drhs per lane: ∂(a op b)/∂b · g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> RhsGrad<T, TOp>(Vector512<T> x, Vector512<T> g, Vector512<T> y) where T : unmanaged where TOp : struct, IEdgeOp
    {
        if (typeof(TOp) == typeof(EdgeOp.Mul)) return x * g;
        return -(x * g) / (y * y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSlot<T>(T* p, Vector512<T> value, bool partial, Vector512<T> tm, int tc) where T : unmanaged
    {
        if (partial) Simd.StorePartial(p, value, tm, tc);
        else Vector512.Store(value, p);
    }
}
