using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Dgl.Ops;
using Dgl.Tensors.Kernels;

namespace Dgl.Sparse.Kernels;

/// <summary>
/// Generalised SDDMM: for every edge e = (u, v), out[e] = op(lhs[target_l(e)], rhs[target_r(e)]), where each
/// operand lives on the source node, the edge or the destination node.
/// </summary>
/// <remarks>
/// Walks the edges either row by row over a CSR/CSC (the row-side operand row stays in L1 for the whole row, the
/// column side is gathered and prefetched ahead) or in edge order over a COO. Every output row is written by one
/// thread exactly once, so the result does not depend on the thread count. Elementwise ops run slot by slot with the
/// same vector layouts as g-SpMM; dot reduces each output group's last dimension with vector FMAs and a fixed-order
/// horizontal sum.
/// </remarks>
internal static unsafe class SddmmKernel
{
    private const int PrefetchDistance = SpmmKernel.PrefetchDistance;

    [StructLayout(LayoutKind.Auto)]
    private readonly struct Args<T> where T : unmanaged
    {
        public readonly long* IndPtr;
        public readonly int* Indices;
        public readonly int* EdgeIds;
        public readonly int* CooSrc;
        public readonly int* CooDst;
        public readonly T* Lhs;
        public readonly T* Rhs;
        public readonly T* Out;
        public readonly int* LOff;
        public readonly int* ROff;
        public readonly Vector512<T>* LIdx;
        public readonly Vector512<T>* RIdx;
        public readonly int LTarget, RTarget;
        public readonly bool RowsAreDst;
        public readonly long LastEntry;
        public readonly int LhsLen, RhsLen, OutLen, Slots, TailCount, DotLen;
        public readonly bool HasTail;
        public readonly Vector512<T> TailMask, LRowMask, RRowMask, DotMask;
        public readonly int DotTail;

        public Args(long* indPtr, int* indices, int* edgeIds, int* cooSrc, int* cooDst, T* lhs, T* rhs, T* output,
            int* lOff, int* rOff, Vector512<T>* lIdx, Vector512<T>* rIdx, Target lt, Target rt, bool rowsAreDst, long nnz,
            FeatureBroadcast shape, VectorPlan<T> plan)
        {
            IndPtr = indPtr; Indices = indices; EdgeIds = edgeIds; CooSrc = cooSrc; CooDst = cooDst;
            Lhs = lhs; Rhs = rhs; Out = output; LOff = lOff; ROff = rOff; LIdx = lIdx; RIdx = rIdx;
            LTarget = (int)lt; RTarget = (int)rt; RowsAreDst = rowsAreDst; LastEntry = Math.Max(0, nnz - 1);
            LhsLen = shape.LhsLength; RhsLen = shape.RhsLength; OutLen = shape.OutLength; Slots = plan.Slots;
            TailCount = plan.TailCount; HasTail = plan.HasTail; TailMask = plan.TailMask;
            LRowMask = plan.Lhs.RowMask; RRowMask = plan.Rhs.RowMask;
            DotLen = shape.DotLength;
            var v = Vector512<T>.Count;
            DotTail = DotLen % v;
            DotMask = Simd.LaneMask<T>(DotTail);
        }
    }

    /// <summary>
    /// Runs the kernel over the edges of <paramref name="g"/> (rows are sources, or destinations when
    /// <paramref name="rowsAreDst"/>), or over a COO when <paramref name="cooSrc"/> is not empty (then g's IndPtr is
    /// unused and edge e is (cooSrc[e], cooDst[e])). Output is [edges, OutLength].
    /// </summary>
    public static void Run<T>(in SparseRows g, bool rowsAreDst, ReadOnlySpan<int> cooSrc, ReadOnlySpan<int> cooDst,
        FeatureBroadcast shape, BinaryOp op, Target lhsTarget, Target rhsTarget,
        ReadOnlySpan<T> lhs, ReadOnlySpan<T> rhs, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (shape.OutLength == 0) return;
        var coo = cooSrc.Length > 0;
        var numEdges = coo ? cooSrc.Length : g.NumEntries;
        if (numEdges == 0) return;
        if (op == BinaryOp.Dot && !coo && SddmmDotKernel.TryRun(g, rowsAreDst, shape, lhsTarget, rhsTarget, lhs, rhs, output)) return;
        var plan = VectorPlan<T>.Create(op == BinaryOp.Dot ? DotAsCopy(shape) : shape);
        fixed (long* pPtr = g.IndPtr)
        fixed (int* pIdx = g.Indices, pEid = g.EdgeIds, pS = cooSrc, pD = cooDst, pLo = plan.Lhs.SlotOffset, pRo = plan.Rhs.SlotOffset)
        fixed (int* pLg = shape.LhsIndex, pRg = shape.RhsIndex)
        fixed (T* pL = lhs, pR = rhs, pO = output)
        fixed (Vector512<T>* pLi = plan.Lhs.SlotIndex, pRi = plan.Rhs.SlotIndex)
        {
            // Dot reads group offsets straight from the broadcast maps; elementwise ops read slot layouts.
            var dot = op == BinaryOp.Dot;
            var a = new Args<T>(pPtr, pIdx, pEid, pS, pD, pL, pR, pO, dot ? pLg : pLo, dot ? pRg : pRo, pLi, pRi,
                lhsTarget, rhsTarget, rowsAreDst, numEdges, shape, plan);
            var identity = g.EdgeIds is null;
            var vectorized = dot || plan.Vectorized;
            if (!vectorized)
            {
                ScalarOp(a, shape, op, g, coo, identity, (int)numEdges);
                return;
            }
            switch (op)
            {
                case BinaryOp.CopyLhs: ByLhs<T, EdgeOp.CopyLhs>(a, plan, g, coo, identity, (int)numEdges); break;
                case BinaryOp.CopyRhs: ByLhs<T, EdgeOp.CopyRhs>(a, plan, g, coo, identity, (int)numEdges); break;
                case BinaryOp.Add: ByLhs<T, EdgeOp.Add>(a, plan, g, coo, identity, (int)numEdges); break;
                case BinaryOp.Sub: ByLhs<T, EdgeOp.Sub>(a, plan, g, coo, identity, (int)numEdges); break;
                case BinaryOp.Mul: ByLhs<T, EdgeOp.Mul>(a, plan, g, coo, identity, (int)numEdges); break;
                case BinaryOp.Div: ByLhs<T, EdgeOp.Div>(a, plan, g, coo, identity, (int)numEdges); break;
                default: Drive<T, DotOp, Loader.None, Loader.None>(a, g, coo, identity, (int)numEdges); break;
            }
        }
    }

    /// <summary>A stand-in plan for dot (its slots are never used; dot walks groups itself).</summary>
    private static FeatureBroadcast DotAsCopy(FeatureBroadcast shape) =>
        FeatureBroadcast.Create("sddmm", BinaryOp.CopyLhs, [1], null);

    private static void ByLhs<T, TOp>(in Args<T> a, VectorPlan<T> plan, in SparseRows g, bool coo, bool identity, int numEdges)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp
    {
        switch (plan.Lhs.Mode)
        {
            case LoadMode.None: ByRhs<T, TOp, Loader.None>(a, plan, g, coo, identity, numEdges); break;
            case LoadMode.Broadcast: ByRhs<T, TOp, Loader.Broadcast>(a, plan, g, coo, identity, numEdges); break;
            case LoadMode.Contiguous: ByRhs<T, TOp, Loader.Contiguous>(a, plan, g, coo, identity, numEdges); break;
            case LoadMode.Full: ByRhs<T, TOp, Loader.Full>(a, plan, g, coo, identity, numEdges); break;
            case LoadMode.Permute: ByRhs<T, TOp, Loader.Permute>(a, plan, g, coo, identity, numEdges); break;
            default: ByRhs<T, TOp, Loader.Scalar>(a, plan, g, coo, identity, numEdges); break;
        }
    }

    private static void ByRhs<T, TOp, TL>(in Args<T> a, VectorPlan<T> plan, in SparseRows g, bool coo, bool identity, int numEdges)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TL : struct, ILoader
    {
        switch (plan.Rhs.Mode)
        {
            case LoadMode.None: Drive<T, TOp, TL, Loader.None>(a, g, coo, identity, numEdges); break;
            case LoadMode.Broadcast: Drive<T, TOp, TL, Loader.Broadcast>(a, g, coo, identity, numEdges); break;
            case LoadMode.Contiguous: Drive<T, TOp, TL, Loader.Contiguous>(a, g, coo, identity, numEdges); break;
            case LoadMode.Full: Drive<T, TOp, TL, Loader.Full>(a, g, coo, identity, numEdges); break;
            case LoadMode.Permute: Drive<T, TOp, TL, Loader.Permute>(a, g, coo, identity, numEdges); break;
            default: Drive<T, TOp, TL, Loader.Scalar>(a, g, coo, identity, numEdges); break;
        }
    }

    private static void Drive<T, TOp, TL, TR>(Args<T> a, in SparseRows g, bool coo, bool identity, int numEdges)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TL : struct, ILoader where TR : struct, ILoader
    {
        // Where each operand's row comes from, relative to the walk: the CSR row, the entry's column, or the edge.
        // (Over a COO, "row" is the source and "column" the destination.)
        var rowTarget = coo ? Target.Src : a.RowsAreDst ? Target.Dst : Target.Src;
        switch (SideOf(a.LTarget, rowTarget))
        {
            case 0: DriveR<T, TOp, TL, TR, Side.Row>(a, g, coo, identity, numEdges, rowTarget); break;
            case 1: DriveR<T, TOp, TL, TR, Side.Col>(a, g, coo, identity, numEdges, rowTarget); break;
            default: DriveR<T, TOp, TL, TR, Side.Edge>(a, g, coo, identity, numEdges, rowTarget); break;
        }
    }

    private static int SideOf(int target, Target rowTarget) =>
        target == (int)Target.Edge ? 2 : target == (int)rowTarget ? 0 : 1;

    private static void DriveR<T, TOp, TL, TR, TLS>(in Args<T> a, in SparseRows g, bool coo, bool identity, int numEdges, Target rowTarget)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TL : struct, ILoader where TR : struct, ILoader
        where TLS : struct, ISide
    {
        switch (SideOf(a.RTarget, rowTarget))
        {
            case 0: Walk<T, TOp, TL, TR, TLS, Side.Row>(a, g, coo, identity, numEdges); break;
            case 1: Walk<T, TOp, TL, TR, TLS, Side.Col>(a, g, coo, identity, numEdges); break;
            default: Walk<T, TOp, TL, TR, TLS, Side.Edge>(a, g, coo, identity, numEdges); break;
        }
    }

    private static void Walk<T, TOp, TL, TR, TLS, TRS>(Args<T> a, in SparseRows g, bool coo, bool identity, int numEdges)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TL : struct, ILoader where TR : struct, ILoader
        where TLS : struct, ISide where TRS : struct, ISide
    {
        var perEntry = Math.Max(1L, a.OutLen * Math.Max(1, a.DotLen) / Vector512<T>.Count);
        if (coo)
        {
            var threads = Parallelism.MaxThreads;
            var work = (long)numEdges * perEntry;
            var chunks = threads == 1 || work < RowPartition.SerialWork ? 1 : (int)Math.Min(threads * 16L, Math.Max(1, work / (RowPartition.SerialWork / 2)));
            chunks = Math.Min(chunks, numEdges);
            Parallelism.ForChunks(chunks, c =>
            {
                var e0 = (int)((long)numEdges * c / chunks);
                var e1 = (int)((long)numEdges * (c + 1) / chunks);
                CooEdges<T, TOp, TL, TR, TLS, TRS>(a, e0, e1);
            });
            return;
        }
        var bounds = RowPartition.ForKernel(g.IndPtr, g.NumRows, perEntry);
        var chunksR = bounds.Length - 1;
        if (identity)
        {
            if (chunksR == 1) RowEdges<T, TOp, TL, TR, EdgeMap.Identity, TLS, TRS>(a, bounds[0], bounds[1]);
            else Parallelism.ForChunks(chunksR, c => RowEdges<T, TOp, TL, TR, EdgeMap.Identity, TLS, TRS>(a, bounds[c], bounds[c + 1]));
        }
        else
        {
            if (chunksR == 1) RowEdges<T, TOp, TL, TR, EdgeMap.Mapped, TLS, TRS>(a, bounds[0], bounds[1]);
            else Parallelism.ForChunks(chunksR, c => RowEdges<T, TOp, TL, TR, EdgeMap.Mapped, TLS, TRS>(a, bounds[c], bounds[c + 1]));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowEdges<T, TOp, TL, TR, TE, TLS, TRS>(in Args<T> a, int r0, int r1)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TL : struct, ILoader where TR : struct, ILoader
        where TE : struct, IEdgeMap where TLS : struct, ISide where TRS : struct, ISide
    {
        var usesL = a.LhsLen > 0;
        var usesR = a.RhsLen > 0;
        // Column-side rows are gathered, and so are edge rows when edge ids are not in entry order: prefetch those.
        var mapped = typeof(TE) == typeof(EdgeMap.Mapped);
        var pfL = usesL && (TLS.IsCol || (TLS.IsEdge && mapped));
        var pfR = usesR && (TRS.IsCol || (TRS.IsEdge && mapped));
        // Segment rows have no column ids; they are read only when an operand lives on the column side.
        var needCol = (usesL && TLS.IsCol) || (usesR && TRS.IsCol);
        long lLen = a.LhsLen;
        long rLen = a.RhsLen;
        long outLen = a.OutLen;
        var lBytes = a.LhsLen * sizeof(T);
        var rBytes = a.RhsLen * sizeof(T);
        var last = a.LastEntry;
        for (var r = r0; r < r1; r++)
        {
            var k1 = a.IndPtr[r + 1];
            for (var k = a.IndPtr[r]; k < k1; k++)
            {
                if (pfL || pfR)
                {
                    var kp = Math.Min(k + PrefetchDistance, last);
                    long cp = needCol ? a.Indices[kp] : 0;
                    var ep = TE.Edge(kp, a.EdgeIds);
                    if (pfL) Simd.PrefetchLines((byte*)(a.Lhs + TLS.Pick(r, cp, ep) * lLen), lBytes);
                    if (pfR) Simd.PrefetchLines((byte*)(a.Rhs + TRS.Pick(r, cp, ep) * rLen), rBytes);
                }
                long c = needCol ? a.Indices[k] : 0;
                var e = TE.Edge(k, a.EdgeIds);
                Entry<T, TOp, TL, TR>(a, a.Lhs + TLS.Pick(r, c, e) * lLen, a.Rhs + TRS.Pick(r, c, e) * rLen, a.Out + e * outLen);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CooEdges<T, TOp, TL, TR, TLS, TRS>(in Args<T> a, int e0, int e1)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TL : struct, ILoader where TR : struct, ILoader
        where TLS : struct, ISide where TRS : struct, ISide
    {
        long lLen = a.LhsLen;
        long rLen = a.RhsLen;
        long outLen = a.OutLen;
        var lBytes = a.LhsLen * sizeof(T);
        var rBytes = a.RhsLen * sizeof(T);
        var last = (int)a.LastEntry;
        for (var e = e0; e < e1; e++)
        {
            var ep = Math.Min(e + PrefetchDistance, last);
            if (lLen > 0 && !TLS.IsEdge) Simd.PrefetchLines((byte*)(a.Lhs + TLS.Pick(a.CooSrc[ep], a.CooDst[ep], ep) * lLen), lBytes);
            if (rLen > 0 && !TRS.IsEdge) Simd.PrefetchLines((byte*)(a.Rhs + TRS.Pick(a.CooSrc[ep], a.CooDst[ep], ep) * rLen), rBytes);
            long u = a.CooSrc[e];
            long v = a.CooDst[e];
            Entry<T, TOp, TL, TR>(a, a.Lhs + TLS.Pick(u, v, e) * lLen, a.Rhs + TRS.Pick(u, v, e) * rLen, a.Out + e * outLen);
        }
    }

    /// <summary>Which of (row, column, edge) an operand's row index is, as a type the JIT folds.</summary>
    private interface ISide
    {
        static abstract bool IsCol { get; }

        static abstract bool IsEdge { get; }

        static abstract long Pick(long row, long col, long edge);
    }

    private static class Side
    {
        public readonly struct Row : ISide
        {
            public static bool IsCol => false;
            public static bool IsEdge => false;
            public static long Pick(long row, long col, long edge) => row;
        }

        public readonly struct Col : ISide
        {
            public static bool IsCol => true;
            public static bool IsEdge => false;
            public static long Pick(long row, long col, long edge) => col;
        }

        public readonly struct Edge : ISide
        {
            public static bool IsCol => false;
            public static bool IsEdge => true;
            public static long Pick(long row, long col, long edge) => edge;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Entry<T, TOp, TL, TR>(in Args<T> a, T* lr, T* rr, T* o)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TL : struct, ILoader where TR : struct, ILoader
    {
        if (typeof(TOp) == typeof(DotOp))
        {
            DotGroups(a, lr, rr, o);
            return;
        }
        var v = Vector512<T>.Count;
        if (TL.UsesBase) lr += a.LOff[0];
        if (TR.UsesBase) rr += a.ROff[0];
        var lp = TL.Prepare(lr, a.LRowMask, a.LhsLen);
        var rp = TR.Prepare(rr, a.RRowMask, a.RhsLen);
        var full = a.HasTail ? a.Slots - 1 : a.Slots;
        var offL = typeof(TL) == typeof(Loader.Full) || typeof(TL) == typeof(Loader.Scalar);
        var offR = typeof(TR) == typeof(Loader.Full) || typeof(TR) == typeof(Loader.Scalar);
        var permL = typeof(TL) == typeof(Loader.Permute);
        var permR = typeof(TR) == typeof(Loader.Permute);
        for (var s = 0; s < full; s++)
        {
            var x = TL.Load(lr, lp, s, offL ? a.LOff[s] : 0, permL ? a.LIdx[s] : default);
            var y = TR.Load(rr, rp, s, offR ? a.ROff[s] : 0, permR ? a.RIdx[s] : default);
            TOp.Apply(x, y).Store(o + s * v);
        }
        if (a.HasTail)
        {
            var s = a.Slots - 1;
            var x = TL.LoadTail(lr, lp, s, offL ? a.LOff[s] : 0, permL ? a.LIdx[s] : default, a.TailMask, a.TailCount);
            var y = TR.LoadTail(rr, rp, s, offR ? a.ROff[s] : 0, permR ? a.RIdx[s] : default, a.TailMask, a.TailCount);
            Simd.StorePartial(o + s * v, TOp.Apply(x, y), a.TailMask, a.TailCount);
        }
    }

    /// <summary>
    /// out[j] = Σ_d lhs[LOff[j] + d] · rhs[ROff[j] + d] for every group j (one per head). Each group's products are
    /// accumulated in one vector; up to a vector's width of groups are then reduced together by a transpose-and-add
    /// tree (two-source permutes), which leaves group j's sum in lane j: about a third of the instructions of one
    /// horizontal sum per group. The order of additions is fixed, so results do not depend on the thread count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotGroups<T>(in Args<T> a, T* lr, T* rr, T* o) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = Vector512<T>.Count;
        var len = a.DotLen;
        var full = len - a.DotTail;
        var groups = a.OutLen;
        if (groups == 1)
        {
            o[0] = Vector512.Sum(GroupProducts(a, lr, rr, 0, full));
            return;
        }
        var buffer = default(GroupBuffer<T>);
        Span<Vector512<T>> acc = buffer;
        for (var j0 = 0; j0 < groups; j0 += v)
        {
            var n = Math.Min(v, groups - j0);
            for (var j = 0; j < n; j++) acc[j] = GroupProducts(a, lr, rr, j0 + j, full);
            // Pad to a power of two with zero vectors, then halve: each level packs two vectors of m groups × s lanes
            // into one of 2m groups × s/2 lanes (first halves + second halves).
            var count = 1;
            while (count < n) count *= 2;
            for (var j = n; j < count; j++) acc[j] = Vector512<T>.Zero;
            var level = 0;
            for (var s = v; s > 1; s /= 2, level++)
            {
                var (first, second) = TreeIndex<T>.Levels[level];
                var pairs = Math.Max(1, count / 2);
                for (var p = 0; p < pairs; p++)
                {
                    var x = acc[2 * p];
                    var y = count > 1 ? acc[2 * p + 1] : Vector512<T>.Zero;
                    acc[p] = Simd.Permute2(x, first, y) + Simd.Permute2(x, second, y);
                }
                count = pairs;
            }
            if (n == v) Vector512.Store(acc[0], o + j0);
            else Simd.StorePartial(o + j0, acc[0], Simd.LaneMask<T>(n), n);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> GroupProducts<T>(in Args<T> a, T* lr, T* rr, int j, int full) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = Vector512<T>.Count;
        var x = lr + a.LOff[j];
        var y = rr + a.ROff[j];
        var acc = Vector512<T>.Zero;
        for (var d = 0; d < full; d += v) acc = Simd.MulAdd(Vector512.Load(x + d), Vector512.Load(y + d), acc);
        if (a.DotTail != 0)
            acc = Simd.MulAdd(Simd.LoadPartial(x + full, a.DotMask, a.DotTail), Simd.LoadPartial(y + full, a.DotMask, a.DotTail), acc);
        return acc;
    }

    /// <summary>Room for one vector per group of a batch (a local, so the method stays inlinable).</summary>
    [InlineArray(16)]
    private struct GroupBuffer<T> where T : unmanaged
    {
        private Vector512<T> _element;
    }

    /// <summary>
    /// Index vectors of the reduction tree: at level L, inputs hold m = 2^L groups of s = width/m lanes each; output
    /// lane q (group g = q / (s/2), offset t) takes lanes g·s + t (first) and g·s + t + s/2 (second) of input
    /// g &lt; m ? x : y (group g mod m), as two-source permute indices.
    /// </summary>
    private static class TreeIndex<T> where T : unmanaged
    {
        public static readonly (Vector512<T> First, Vector512<T> Second)[] Levels = Build();

        private static (Vector512<T>, Vector512<T>)[] Build()
        {
            var v = Vector512<T>.Count;
            var levels = new List<(Vector512<T>, Vector512<T>)>();
            Span<int> first = stackalloc int[v];
            Span<int> second = stackalloc int[v];
            for (int m = 1, s = v; s > 1; m *= 2, s /= 2)
            {
                var half = s / 2;
                for (var q = 0; q < v; q++)
                {
                    var g = q / half;
                    var t = q % half;
                    var source = g < m ? 0 : v;
                    first[q] = source + (g % m) * s + t;
                    second[q] = first[q] + half;
                }
                levels.Add((Simd.IndexVector<T>(first), Simd.IndexVector<T>(second)));
            }
            return [.. levels];
        }
    }

    /// <summary>Marks the dot instantiation (its Apply is never used: dot goes through <see cref="DotGroups"/>).</summary>
    private readonly struct DotOp : IEdgeOp
    {
        public static bool UsesLhs => true;
        public static bool UsesRhs => true;
        public static TT Apply<TT>(TT a, TT b) where TT : unmanaged, INumber<TT> => a * b;
        public static Vector512<TT> Apply<TT>(Vector512<TT> a, Vector512<TT> b) where TT : unmanaged => a * b;
        public static Vector512<TT> AddTo<TT>(Vector512<TT> acc, Vector512<TT> a, Vector512<TT> b) where TT : unmanaged => Simd.MulAdd(a, b, acc);
    }

    // ---- scalar loop for broadcasts no vector layout fits ----

    private static void ScalarOp<T>(Args<T> a, FeatureBroadcast shape, BinaryOp op, in SparseRows g, bool coo, bool identity, int numEdges)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: ScalarDrive<T, EdgeOp.Add>(a, shape, g, coo, identity, numEdges); break;
            case BinaryOp.Sub: ScalarDrive<T, EdgeOp.Sub>(a, shape, g, coo, identity, numEdges); break;
            case BinaryOp.Mul: ScalarDrive<T, EdgeOp.Mul>(a, shape, g, coo, identity, numEdges); break;
            case BinaryOp.Div: ScalarDrive<T, EdgeOp.Div>(a, shape, g, coo, identity, numEdges); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "copy ops always have a vector layout");
        }
    }

    private static void ScalarDrive<T, TOp>(Args<T> a, FeatureBroadcast shape, in SparseRows g, bool coo, bool identity, int numEdges)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp
    {
        var li = shape.LhsIndex!;
        var ri = shape.RhsIndex!;
        if (coo)
        {
            Parallelism.For(numEdges, Math.Max(1, 4096 / Math.Max(1, a.OutLen)), (e0, e1) =>
            {
                for (var e = e0; e < e1; e++)
                {
                    var ids = (Src: (long)a.CooSrc[e], Edge: (long)e, Dst: (long)a.CooDst[e]);
                    ScalarEntry<T, TOp>(a, li, ri, Pick(ids, a.LTarget), Pick(ids, a.RTarget), e);
                }
            });
            return;
        }
        var bounds = RowPartition.ForKernel(g.IndPtr, g.NumRows, a.OutLen);
        Parallelism.ForChunks(bounds.Length - 1, c =>
        {
            for (var r = bounds[c]; r < bounds[c + 1]; r++)
            {
                for (var k = a.IndPtr[r]; k < a.IndPtr[r + 1]; k++)
                {
                    long col = a.Indices[k];
                    var e = identity ? k : a.EdgeIds[k];
                    var ids = a.RowsAreDst ? (Src: col, Edge: e, Dst: (long)r) : (Src: (long)r, Edge: e, Dst: col);
                    ScalarEntry<T, TOp>(a, li, ri, Pick(ids, a.LTarget), Pick(ids, a.RTarget), e);
                }
            }
        });
    }

    private static long Pick((long Src, long Edge, long Dst) ids, int target) =>
        target == (int)Target.Src ? ids.Src : target == (int)Target.Edge ? ids.Edge : ids.Dst;

    private static void ScalarEntry<T, TOp>(in Args<T> a, int[] li, int[] ri, long lrow, long rrow, long e)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp
    {
        var lr = a.Lhs + lrow * a.LhsLen;
        var rr = a.Rhs + rrow * a.RhsLen;
        var o = a.Out + e * a.OutLen;
        for (var j = 0; j < a.OutLen; j++) o[j] = TOp.Apply(lr[li[j]], rr[ri[j]]);
    }
}
