using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Dgl.Ops;
using Dgl.Tensors.Kernels;

namespace Dgl.Sparse.Kernels;

/// <summary>
/// Generalised SpMM: out[r] = reduce over entries k of row r of op(lhs[Indices[k]], rhs[edge(k)]).
/// </summary>
/// <remarks>
/// <para>Destination-centric: each output row is produced by one thread, reading its entries in order, so the
/// result has the same bits for any thread count and needs no atomics. Rows are split into chunks of equal
/// (entries + rows) so that power-law rows do not leave a thread idle.</para>
/// <para>Streams: the row's column ids (sequential), the gathered lhs rows (random, the cost that matters), the edge
/// operand (sequential when edge ids are the identity, gathered otherwise). Gathered rows of 256 bytes and more are
/// prefetched a fixed number of entries ahead, across row boundaries, one line per vector slot; narrower rows are
/// left to the hardware (see <see cref="WorthPrefetching"/>). The output row is cut into vector slots and
/// accumulated in registers, up to eight slots per pass over the row's entries (wider rows take several passes whose
/// gathers hit L1/L2), so nothing is stored until a row is done.</para>
/// <para>The loop is written so that the JIT folds each gathered load into the add or FMA that uses it (statement-level
/// branches on compile-time flags, no conditional expressions: those make temporaries that stop the folding), and the
/// row loops run fully optimised from the first call, since each chunk is one call and would otherwise run OSR code.
/// Per-edge instruction count decides how many gathers the core keeps in flight, so it decides the speed even though
/// the kernel is memory-bound.</para>
/// </remarks>
internal static unsafe class SpmmKernel
{
    /// <summary>Entries ahead whose lhs rows are prefetched.</summary>
    internal const int PrefetchDistance = 16;

    private const int MaxBlock = 8;

    /// <summary>The pointers and sizes one call works on (pinned by the caller for the duration of the call).</summary>
    [StructLayout(LayoutKind.Auto)]
    private readonly struct Args<T> where T : unmanaged
    {
        public readonly long* IndPtr;
        public readonly int* Indices;
        public readonly int* EdgeIds;
        public readonly T* Lhs;
        public readonly T* Rhs;
        public readonly T* Out;
        public readonly int* Arg;
        public readonly int* LOff;
        public readonly int* ROff;
        public readonly Vector512<T>* LIdx;
        public readonly Vector512<T>* RIdx;
        public readonly long LastEntry;
        public readonly int LhsLen, RhsLen, OutLen, Slots, TailCount;
        public readonly bool HasTail, Mean, PrefetchL, PrefetchR;
        public readonly Vector512<T> TailMask, LRowMask, RRowMask;

        public Args(long* indPtr, int* indices, int* edgeIds, T* lhs, T* rhs, T* output, int* arg, int* lOff, int* rOff,
            Vector512<T>* lIdx, Vector512<T>* rIdx, long nnz, VectorPlan<T> plan, bool mean)
        {
            IndPtr = indPtr; Indices = indices; EdgeIds = edgeIds; Lhs = lhs; Rhs = rhs; Out = output; Arg = arg;
            LOff = lOff; ROff = rOff; LIdx = lIdx; RIdx = rIdx; LastEntry = Math.Max(0, nnz - 1);
            LhsLen = plan.Shape.LhsLength; RhsLen = plan.Shape.RhsLength; OutLen = plan.OutLength; Slots = plan.Slots;
            TailCount = plan.TailCount; HasTail = plan.HasTail; Mean = mean; TailMask = plan.TailMask;
            LRowMask = plan.Lhs.RowMask; RRowMask = plan.Rhs.RowMask;
            PrefetchL = WorthPrefetching(LhsLen * sizeof(T));
            // A per-edge operand read through edge ids (the reversed graph of a backward) is a random access however
            // narrow: once the lhs rows are prefetched, the core waits on it instead, so it is prefetched with them
            // (an [E, 1] weight over the reversed 20M-edge uniform graph, F = 64: 313 -> 193 ms; alone, at F = 16,
            // prefetching it cost 2x).
            PrefetchR = edgeIds is not null && (PrefetchL || WorthPrefetching(RhsLen * sizeof(T)));
        }
    }

    /// <summary>
    /// Runs the kernel. <paramref name="lhs"/> is [g.NumCols, LhsLen] (unused by copy_rhs), <paramref name="rhs"/> is
    /// [edges, RhsLen] (unused by copy_lhs), <paramref name="output"/> [g.NumRows, OutLen]; <paramref name="arg"/>
    /// [g.NumRows, OutLen] receives, for max/min, the entry position that won each element (−1 for empty rows).
    /// </summary>
    public static void Run<T>(in SparseRows g, FeatureBroadcast shape, BinaryOp op, ReduceOp reduce,
        ReadOnlySpan<T> lhs, ReadOnlySpan<T> rhs, Span<T> output, Span<int> arg)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(op != BinaryOp.Dot);
        if (g.NumRows == 0 || shape.OutLength == 0) return;
        var plan = VectorPlan<T>.Create(shape);
        var bounds = RowPartition.ForKernel(g.IndPtr, g.NumRows, Math.Max(1, shape.OutLength / Vector512<T>.Count));
        var lOff = plan.Lhs.SlotOffset;
        var rOff = plan.Rhs.SlotOffset;
        var lIdx = plan.Lhs.SlotIndex;
        var rIdx = plan.Rhs.SlotIndex;
        fixed (long* pPtr = g.IndPtr)
        fixed (int* pIdx = g.Indices, pEid = g.EdgeIds, pArg = arg, pLo = lOff, pRo = rOff)
        fixed (T* pL = lhs, pR = rhs, pO = output)
        fixed (Vector512<T>* pLi = lIdx, pRi = rIdx)
        {
            var a = new Args<T>(pPtr, pIdx, pEid, pL, pR, pO, pArg, pLo, pRo, pLi, pRi, g.NumEntries, plan, reduce == ReduceOp.Mean);
            var identity = g.EdgeIds is null;
            if (!plan.Vectorized)
            {
                RunScalar(a, shape, op, reduce, identity, bounds);
                return;
            }
            switch (op)
            {
                case BinaryOp.CopyLhs: ByReduce<T, EdgeOp.CopyLhs>(a, plan, reduce, identity, bounds); break;
                case BinaryOp.CopyRhs: ByReduce<T, EdgeOp.CopyRhs>(a, plan, reduce, identity, bounds); break;
                case BinaryOp.Add: ByReduce<T, EdgeOp.Add>(a, plan, reduce, identity, bounds); break;
                case BinaryOp.Sub: ByReduce<T, EdgeOp.Sub>(a, plan, reduce, identity, bounds); break;
                case BinaryOp.Mul: ByReduce<T, EdgeOp.Mul>(a, plan, reduce, identity, bounds); break;
                case BinaryOp.Div: ByReduce<T, EdgeOp.Div>(a, plan, reduce, identity, bounds); break;
                default: throw new ArgumentOutOfRangeException(nameof(op), op, "g-SpMM supports copy_lhs, copy_rhs, add, sub, mul, div");
            }
        }
    }

    /// <summary>
    /// Whether gathering rows of this many bytes gains from software prefetch. Measured on the 20M-edge uniform and
    /// R-MAT graphs (2 threads): a 64-byte row loses (the hardware keeps up and the prefetch costs issue slots), a
    /// 512-byte row gains 20-35%, a 256-byte row gains on both graphs (copy_u F = 64 on R-MAT: 126 -> 106-109 ms
    /// against the C program's 88-113, which prefetches too; an earlier measurement that it lost on power-law
    /// graphs, whose hub rows stay cached, did not hold up in paired runs).
    /// </summary>
    internal static bool WorthPrefetching(int rowBytes) => rowBytes >= 256;

    // ---- dispatch: each level turns one runtime choice into a type argument ----

    private static void ByReduce<T, TOp>(in Args<T> a, VectorPlan<T> plan, ReduceOp reduce, bool identity, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp
    {
        switch (reduce)
        {
            case ReduceOp.Sum or ReduceOp.Mean: ByLhs<T, TOp, Reducer.Sum>(a, plan, identity, bounds); break;
            case ReduceOp.Max: ByLhs<T, TOp, Reducer.Max>(a, plan, identity, bounds); break;
            default: ByLhs<T, TOp, Reducer.Min>(a, plan, identity, bounds); break;
        }
    }

    private static void ByLhs<T, TOp, TRed>(in Args<T> a, VectorPlan<T> plan, bool identity, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TRed : struct, IReducer
    {
        switch (plan.Lhs.Mode)
        {
            case LoadMode.None: ByRhs<T, TOp, TRed, Loader.None>(a, plan, identity, bounds); break;
            case LoadMode.Broadcast: ByRhs<T, TOp, TRed, Loader.Broadcast>(a, plan, identity, bounds); break;
            case LoadMode.Contiguous: ByRhs<T, TOp, TRed, Loader.Contiguous>(a, plan, identity, bounds); break;
            case LoadMode.Full: ByRhs<T, TOp, TRed, Loader.Full>(a, plan, identity, bounds); break;
            case LoadMode.Permute: ByRhs<T, TOp, TRed, Loader.Permute>(a, plan, identity, bounds); break;
            default: ByRhs<T, TOp, TRed, Loader.Scalar>(a, plan, identity, bounds); break;
        }
    }

    private static void ByRhs<T, TOp, TRed, TL>(in Args<T> a, VectorPlan<T> plan, bool identity, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TRed : struct, IReducer where TL : struct, ILoader
    {
        switch (plan.Rhs.Mode)
        {
            case LoadMode.None: ByEdges<T, TOp, TRed, TL, Loader.None>(a, identity, bounds); break;
            case LoadMode.Broadcast: ByEdges<T, TOp, TRed, TL, Loader.Broadcast>(a, identity, bounds); break;
            case LoadMode.Contiguous: ByEdges<T, TOp, TRed, TL, Loader.Contiguous>(a, identity, bounds); break;
            case LoadMode.Full: ByEdges<T, TOp, TRed, TL, Loader.Full>(a, identity, bounds); break;
            case LoadMode.Permute: ByEdges<T, TOp, TRed, TL, Loader.Permute>(a, identity, bounds); break;
            default: ByEdges<T, TOp, TRed, TL, Loader.Scalar>(a, identity, bounds); break;
        }
    }

    private static void ByEdges<T, TOp, TRed, TL, TR>(in Args<T> a, bool identity, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TRed : struct, IReducer
        where TL : struct, ILoader where TR : struct, ILoader
    {
        // Copy ops never read edge ids, so they share the identity instantiation.
        if (identity || typeof(TR) == typeof(Loader.None)) Parallel<T, TOp, TRed, TL, TR, EdgeMap.Identity>(a, bounds);
        else Parallel<T, TOp, TRed, TL, TR, EdgeMap.Mapped>(a, bounds);
    }

    private static void Parallel<T, TOp, TRed, TL, TR, TE>(Args<T> a, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TRed : struct, IReducer
        where TL : struct, ILoader where TR : struct, ILoader where TE : struct, IEdgeMap
    {
        var chunks = bounds.Length - 1;
        if (chunks == 1)
        {
            Rows<T, TOp, TRed, TL, TR, TE>(a, bounds[0], bounds[1]);
            return;
        }
        Parallelism.ForChunks(chunks, c => Rows<T, TOp, TRed, TL, TR, TE>(a, bounds[c], bounds[c + 1]));
    }

    /// <summary>Rows [r0, r1): one register block per row when the row fits in eight vectors (the common case,
    /// handled entirely inside one specialised loop), else several blocks per row. Rows whose entries reach within
    /// the prefetch distance of the end run without prefetching (so the look-ahead never reads past the ids).</summary>
    private static void Rows<T, TOp, TRed, TL, TR, TE>(in Args<T> a, int r0, int r1)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TRed : struct, IReducer
        where TL : struct, ILoader where TR : struct, ILoader where TE : struct, IEdgeMap
    {
        if (OneSlotSumApplies<T, TRed, TL, TR>(a))
        {
            OneSlotSum<T, TOp, TR, TE>(a, r0, r1);
            return;
        }
        var safeEnd = r0;
        if (a.PrefetchL || a.PrefetchR)
        {
            var limit = a.LastEntry + 1 - PrefetchDistance;
            int lo = r0, hi = r1;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (a.IndPtr[mid + 1] <= limit) lo = mid + 1;
                else hi = mid;
            }
            safeEnd = lo;
        }
        if (a.Slots <= MaxBlock)
        {
            if (safeEnd > r0) Block<T, TOp, TRed, TL, TR, TE, Flag.Yes>(a, r0, safeEnd, 0, a.Slots, a.HasTail);
            if (r1 > safeEnd) Block<T, TOp, TRed, TL, TR, TE, Flag.No>(a, safeEnd, r1, 0, a.Slots, a.HasTail);
            return;
        }
        var lastBlock = (a.Slots - 1) / MaxBlock;
        for (var r = r0; r < r1; r++)
        {
            for (var b = 0; b <= lastBlock; b++)
            {
                var s0 = b * MaxBlock;
                var width = Math.Min(MaxBlock, a.Slots - s0);
                var tail = b == lastBlock && a.HasTail;
                if (r < safeEnd) Block<T, TOp, TRed, TL, TR, TE, Flag.Yes>(a, r, r + 1, s0, width, tail);
                else Block<T, TOp, TRed, TL, TR, TE, Flag.No>(a, r, r + 1, s0, width, tail);
            }
        }
    }

    /// <summary>Whether <see cref="OneSlotSum"/> computes this call: a sum of whole one-vector lhs rows (F = 16 in
    /// float32), each taken as it is or times a per-edge scalar, with nothing prefetched.</summary>
    private static bool OneSlotSumApplies<T, TRed, TL, TR>(in Args<T> a)
        where T : unmanaged where TRed : struct, IReducer where TL : struct, ILoader where TR : struct, ILoader =>
        typeof(TRed) == typeof(Reducer.Sum) && typeof(TL) == typeof(Loader.Contiguous)
        && (typeof(TR) == typeof(Loader.None) || typeof(TR) == typeof(Loader.Broadcast))
        && a.Slots == 1 && !a.HasTail && !a.PrefetchL && !a.PrefetchR;

    /// <summary>
    /// Rows [r0, r1) of the commonest narrow case (copy_u or a weighted sum into 16 floats) as one plain loop. The
    /// general block computes the same with one more instruction per entry (its row pointer is formed by an lea of its
    /// own instead of inside the add's address), and with 64-byte rows the entry loop is that short: this loop ran
    /// 15–25% faster on the 20M-edge uniform graph, level with the C roofline's.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneSlotSum<T, TOp, TR, TE>(in Args<T> a, int r0, int r1)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TR : struct, ILoader where TE : struct, IEdgeMap
    {
        var indPtr = a.IndPtr;
        var idx = a.Indices;
        var eids = a.EdgeIds;
        var lhs = a.Lhs + a.LOff[0];
        var rhs = a.Rhs + (typeof(TR) == typeof(Loader.None) ? 0 : a.ROff[0]);
        long lLen = a.LhsLen;
        long rLen = a.RhsLen;
        long outLen = a.OutLen;
        var output = a.Out;
        var mean = a.Mean;
        var k1 = indPtr[r0];
        for (var r = r0; r < r1; r++)
        {
            var k0 = k1;
            k1 = indPtr[r + 1];
            var c = Vector512<T>.Zero;
            if (typeof(TR) == typeof(Loader.None))
            {
                for (var k = k0; k < k1; k++) c += Vector512.Load(lhs + idx[k] * lLen);
            }
            else if (rLen == 1)
            {
                // One weight per edge: read it by edge id (the entry index itself when ids are the identity), with no
                // multiply per entry. Measured on the transposed 20M-edge graph (permuted ids, F = 16): 88 ms vs 104–127.
                for (var k = k0; k < k1; k++) c = TOp.AddTo(c, Vector512.Load(lhs + idx[k] * lLen), Vector512.Create(rhs[TE.Edge(k, eids)]));
            }
            else
            {
                for (var k = k0; k < k1; k++) c = TOp.AddTo(c, Vector512.Load(lhs + idx[k] * lLen), Vector512.Create(rhs[TE.Edge(k, eids) * rLen]));
            }
            if (mean && k1 > k0) c /= Vector512.Create(T.CreateTruncating(k1 - k0));
            Vector512.Store(c, output + r * outLen);
        }
    }

    private static void Block<T, TOp, TRed, TL, TR, TE, TPf>(in Args<T> a, int r0, int r1, int s0, int width, bool tail)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TRed : struct, IReducer
        where TL : struct, ILoader where TR : struct, ILoader where TE : struct, IEdgeMap where TPf : struct, IFlag
    {
        switch (width, tail)
        {
            case (8, false): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W8, Flag.No>(a, r0, r1, s0); break;
            case (8, true): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W8, Flag.Yes>(a, r0, r1, s0); break;
            case (7, false): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W7, Flag.No>(a, r0, r1, s0); break;
            case (7, true): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W7, Flag.Yes>(a, r0, r1, s0); break;
            case (6, false): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W6, Flag.No>(a, r0, r1, s0); break;
            case (6, true): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W6, Flag.Yes>(a, r0, r1, s0); break;
            case (5, false): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W5, Flag.No>(a, r0, r1, s0); break;
            case (5, true): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W5, Flag.Yes>(a, r0, r1, s0); break;
            case (4, false): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W4, Flag.No>(a, r0, r1, s0); break;
            case (4, true): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W4, Flag.Yes>(a, r0, r1, s0); break;
            case (3, false): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W3, Flag.No>(a, r0, r1, s0); break;
            case (3, true): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W3, Flag.Yes>(a, r0, r1, s0); break;
            case (2, false): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W2, Flag.No>(a, r0, r1, s0); break;
            case (2, true): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W2, Flag.Yes>(a, r0, r1, s0); break;
            case (1, false): Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W1, Flag.No>(a, r0, r1, s0); break;
            default: Block<T, TOp, TRed, TL, TR, TE, TPf, Width.W1, Flag.Yes>(a, r0, r1, s0); break;
        }
    }

    /// <summary>Rows [r0, r1), TW slots starting at slot s0, accumulated in registers over each row's entries.
    /// Slot i is partial only when TTail holds and it is the block's last slot.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<T, TOp, TRed, TL, TR, TE, TPf, TW, TTail>(in Args<T> a, int r0, int r1, int s0)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TRed : struct, IReducer
        where TL : struct, ILoader where TR : struct, ILoader where TE : struct, IEdgeMap
        where TPf : struct, IFlag where TW : struct, IWidth where TTail : struct, IFlag
    {
        var usesL = typeof(TL) != typeof(Loader.None);
        var usesR = typeof(TR) != typeof(Loader.None);
        var offL = typeof(TL) == typeof(Loader.Full) || typeof(TL) == typeof(Loader.Scalar);
        var offR = typeof(TR) == typeof(Loader.Full) || typeof(TR) == typeof(Loader.Scalar);
        var permL = typeof(TL) == typeof(Loader.Permute);
        var permR = typeof(TR) == typeof(Loader.Permute);
        var prepL = permL || typeof(TL) == typeof(Loader.Broadcast);
        var prepR = permR || typeof(TR) == typeof(Loader.Broadcast);
        var arg = TRed.TracksArg;
        var n = TW.N;
        var tail = TTail.Value;
        var prefetch = TPf.Value;

        // Everything the loop reads goes into locals first, so that it stays in registers. Only the layouts that
        // need per-slot offsets or permutes load them; the others are dead code the JIT drops.
        int lo0 = offL ? a.LOff[s0] : 0, lo1 = offL && n > 1 ? a.LOff[s0 + 1] : 0, lo2 = offL && n > 2 ? a.LOff[s0 + 2] : 0, lo3 = offL && n > 3 ? a.LOff[s0 + 3] : 0;
        int lo4 = offL && n > 4 ? a.LOff[s0 + 4] : 0, lo5 = offL && n > 5 ? a.LOff[s0 + 5] : 0, lo6 = offL && n > 6 ? a.LOff[s0 + 6] : 0, lo7 = offL && n > 7 ? a.LOff[s0 + 7] : 0;
        int ro0 = offR ? a.ROff[s0] : 0, ro1 = offR && n > 1 ? a.ROff[s0 + 1] : 0, ro2 = offR && n > 2 ? a.ROff[s0 + 2] : 0, ro3 = offR && n > 3 ? a.ROff[s0 + 3] : 0;
        int ro4 = offR && n > 4 ? a.ROff[s0 + 4] : 0, ro5 = offR && n > 5 ? a.ROff[s0 + 5] : 0, ro6 = offR && n > 6 ? a.ROff[s0 + 6] : 0, ro7 = offR && n > 7 ? a.ROff[s0 + 7] : 0;
        Vector512<T> li0 = permL ? a.LIdx[s0] : default, li1 = permL && n > 1 ? a.LIdx[s0 + 1] : default, li2 = permL && n > 2 ? a.LIdx[s0 + 2] : default, li3 = permL && n > 3 ? a.LIdx[s0 + 3] : default;
        Vector512<T> li4 = permL && n > 4 ? a.LIdx[s0 + 4] : default, li5 = permL && n > 5 ? a.LIdx[s0 + 5] : default, li6 = permL && n > 6 ? a.LIdx[s0 + 6] : default, li7 = permL && n > 7 ? a.LIdx[s0 + 7] : default;
        Vector512<T> ri0 = permR ? a.RIdx[s0] : default, ri1 = permR && n > 1 ? a.RIdx[s0 + 1] : default, ri2 = permR && n > 2 ? a.RIdx[s0 + 2] : default, ri3 = permR && n > 3 ? a.RIdx[s0 + 3] : default;
        Vector512<T> ri4 = permR && n > 4 ? a.RIdx[s0 + 4] : default, ri5 = permR && n > 5 ? a.RIdx[s0 + 5] : default, ri6 = permR && n > 6 ? a.RIdx[s0 + 6] : default, ri7 = permR && n > 7 ? a.RIdx[s0 + 7] : default;
        var tm = a.TailMask;
        var tc = a.TailCount;
        var lrm = a.LRowMask;
        var rrm = a.RRowMask;
        var init = Vector512.Create(TRed.Identity<T>());
        var none = Simd.IndexSplat<T>(-1);
        var v = Vector512<T>.Count;

        var indPtr = a.IndPtr;
        var idx = a.Indices;
        var eids = a.EdgeIds;
        long lLen = a.LhsLen;
        long rLen = a.RhsLen;
        // Contiguous and broadcast operands are read from the block's base offset on.
        var lhs = a.Lhs + (TL.UsesBase ? a.LOff[s0] : 0);
        var rhs = a.Rhs + (TR.UsesBase ? a.ROff[s0] : 0);
        var lBytes = a.LhsLen * sizeof(T);
        var rBytes = a.RhsLen * sizeof(T);
        long outLen = a.OutLen;
        var mean = a.Mean;
        var prefetchL = usesL && a.PrefetchL;
        var prefetchR = usesR && typeof(TE) == typeof(EdgeMap.Mapped) && a.PrefetchR;
        var outBase = a.Out + (long)s0 * v;
        var argBase = arg ? a.Arg + (long)s0 * v : null;

        for (var r = r0; r < r1; r++)
        {
            var k0 = indPtr[r];
            var k1 = indPtr[r + 1];
            var outRow = outBase + (long)r * outLen;
            var argRow = arg ? argBase + (long)r * outLen : null;
            Vector512<T> c0 = init, c1 = init, c2 = init, c3 = init, c4 = init, c5 = init, c6 = init, c7 = init;
            Vector512<T> g0 = none, g1 = none, g2 = none, g3 = none, g4 = none, g5 = none, g6 = none, g7 = none;
            for (var k = k0; k < k1; k++)
            {
                if (prefetch)
                {
                    if (prefetchL) Prefetch<T, TL, TW>(lhs + idx[k + PrefetchDistance] * lLen, lBytes);
                    if (prefetchR) Prefetch<T, TR, TW>(rhs + eids[k + PrefetchDistance] * rLen, rBytes);
                }
                var lr = LhsRow<T, TL>(lhs, idx, k, lLen);
                var rr = RhsRow<T, TR, TE>(rhs, eids, k, rLen);
                Vector512<T> lp = default, rp = default, kv = default;
                if (prepL) lp = TL.Prepare(lr, lrm, a.LhsLen);
                if (prepR) rp = TR.Prepare(rr, rrm, a.RhsLen);
                if (arg) kv = Simd.IndexSplat<T>(k);
                {
                    if (tail && n == 1)
                    {
                        if (arg) { var x = TL.LoadTail(lr, lp, 0, lo0, li0, tm, tc); var y = TR.LoadTail(rr, rp, 0, ro0, ri0, tm, tc); g0 = FoldArg<T, TOp, TRed>(c0, g0, x, y, kv); c0 = Fold<T, TOp, TRed>(c0, x, y); }
                        else c0 = TOp.AddTo(c0, TL.LoadTail(lr, lp, 0, lo0, li0, tm, tc), TR.LoadTail(rr, rp, 0, ro0, ri0, tm, tc));
                    }
                    else
                    {
                        if (arg) { var x = TL.Load(lr, lp, 0, lo0, li0); var y = TR.Load(rr, rp, 0, ro0, ri0); g0 = FoldArg<T, TOp, TRed>(c0, g0, x, y, kv); c0 = Fold<T, TOp, TRed>(c0, x, y); }
                        else c0 = TOp.AddTo(c0, TL.Load(lr, lp, 0, lo0, li0), TR.Load(rr, rp, 0, ro0, ri0));
                    }
                }
                if (n > 1)
                {
                    if (tail && n == 2)
                    {
                        if (arg) { var x = TL.LoadTail(lr, lp, 1, lo1, li1, tm, tc); var y = TR.LoadTail(rr, rp, 1, ro1, ri1, tm, tc); g1 = FoldArg<T, TOp, TRed>(c1, g1, x, y, kv); c1 = Fold<T, TOp, TRed>(c1, x, y); }
                        else c1 = TOp.AddTo(c1, TL.LoadTail(lr, lp, 1, lo1, li1, tm, tc), TR.LoadTail(rr, rp, 1, ro1, ri1, tm, tc));
                    }
                    else
                    {
                        if (arg) { var x = TL.Load(lr, lp, 1, lo1, li1); var y = TR.Load(rr, rp, 1, ro1, ri1); g1 = FoldArg<T, TOp, TRed>(c1, g1, x, y, kv); c1 = Fold<T, TOp, TRed>(c1, x, y); }
                        else c1 = TOp.AddTo(c1, TL.Load(lr, lp, 1, lo1, li1), TR.Load(rr, rp, 1, ro1, ri1));
                    }
                }
                if (n > 2)
                {
                    if (tail && n == 3)
                    {
                        if (arg) { var x = TL.LoadTail(lr, lp, 2, lo2, li2, tm, tc); var y = TR.LoadTail(rr, rp, 2, ro2, ri2, tm, tc); g2 = FoldArg<T, TOp, TRed>(c2, g2, x, y, kv); c2 = Fold<T, TOp, TRed>(c2, x, y); }
                        else c2 = TOp.AddTo(c2, TL.LoadTail(lr, lp, 2, lo2, li2, tm, tc), TR.LoadTail(rr, rp, 2, ro2, ri2, tm, tc));
                    }
                    else
                    {
                        if (arg) { var x = TL.Load(lr, lp, 2, lo2, li2); var y = TR.Load(rr, rp, 2, ro2, ri2); g2 = FoldArg<T, TOp, TRed>(c2, g2, x, y, kv); c2 = Fold<T, TOp, TRed>(c2, x, y); }
                        else c2 = TOp.AddTo(c2, TL.Load(lr, lp, 2, lo2, li2), TR.Load(rr, rp, 2, ro2, ri2));
                    }
                }
                if (n > 3)
                {
                    if (tail && n == 4)
                    {
                        if (arg) { var x = TL.LoadTail(lr, lp, 3, lo3, li3, tm, tc); var y = TR.LoadTail(rr, rp, 3, ro3, ri3, tm, tc); g3 = FoldArg<T, TOp, TRed>(c3, g3, x, y, kv); c3 = Fold<T, TOp, TRed>(c3, x, y); }
                        else c3 = TOp.AddTo(c3, TL.LoadTail(lr, lp, 3, lo3, li3, tm, tc), TR.LoadTail(rr, rp, 3, ro3, ri3, tm, tc));
                    }
                    else
                    {
                        if (arg) { var x = TL.Load(lr, lp, 3, lo3, li3); var y = TR.Load(rr, rp, 3, ro3, ri3); g3 = FoldArg<T, TOp, TRed>(c3, g3, x, y, kv); c3 = Fold<T, TOp, TRed>(c3, x, y); }
                        else c3 = TOp.AddTo(c3, TL.Load(lr, lp, 3, lo3, li3), TR.Load(rr, rp, 3, ro3, ri3));
                    }
                }
                if (n > 4)
                {
                    if (tail && n == 5)
                    {
                        if (arg) { var x = TL.LoadTail(lr, lp, 4, lo4, li4, tm, tc); var y = TR.LoadTail(rr, rp, 4, ro4, ri4, tm, tc); g4 = FoldArg<T, TOp, TRed>(c4, g4, x, y, kv); c4 = Fold<T, TOp, TRed>(c4, x, y); }
                        else c4 = TOp.AddTo(c4, TL.LoadTail(lr, lp, 4, lo4, li4, tm, tc), TR.LoadTail(rr, rp, 4, ro4, ri4, tm, tc));
                    }
                    else
                    {
                        if (arg) { var x = TL.Load(lr, lp, 4, lo4, li4); var y = TR.Load(rr, rp, 4, ro4, ri4); g4 = FoldArg<T, TOp, TRed>(c4, g4, x, y, kv); c4 = Fold<T, TOp, TRed>(c4, x, y); }
                        else c4 = TOp.AddTo(c4, TL.Load(lr, lp, 4, lo4, li4), TR.Load(rr, rp, 4, ro4, ri4));
                    }
                }
                if (n > 5)
                {
                    if (tail && n == 6)
                    {
                        if (arg) { var x = TL.LoadTail(lr, lp, 5, lo5, li5, tm, tc); var y = TR.LoadTail(rr, rp, 5, ro5, ri5, tm, tc); g5 = FoldArg<T, TOp, TRed>(c5, g5, x, y, kv); c5 = Fold<T, TOp, TRed>(c5, x, y); }
                        else c5 = TOp.AddTo(c5, TL.LoadTail(lr, lp, 5, lo5, li5, tm, tc), TR.LoadTail(rr, rp, 5, ro5, ri5, tm, tc));
                    }
                    else
                    {
                        if (arg) { var x = TL.Load(lr, lp, 5, lo5, li5); var y = TR.Load(rr, rp, 5, ro5, ri5); g5 = FoldArg<T, TOp, TRed>(c5, g5, x, y, kv); c5 = Fold<T, TOp, TRed>(c5, x, y); }
                        else c5 = TOp.AddTo(c5, TL.Load(lr, lp, 5, lo5, li5), TR.Load(rr, rp, 5, ro5, ri5));
                    }
                }
                if (n > 6)
                {
                    if (tail && n == 7)
                    {
                        if (arg) { var x = TL.LoadTail(lr, lp, 6, lo6, li6, tm, tc); var y = TR.LoadTail(rr, rp, 6, ro6, ri6, tm, tc); g6 = FoldArg<T, TOp, TRed>(c6, g6, x, y, kv); c6 = Fold<T, TOp, TRed>(c6, x, y); }
                        else c6 = TOp.AddTo(c6, TL.LoadTail(lr, lp, 6, lo6, li6, tm, tc), TR.LoadTail(rr, rp, 6, ro6, ri6, tm, tc));
                    }
                    else
                    {
                        if (arg) { var x = TL.Load(lr, lp, 6, lo6, li6); var y = TR.Load(rr, rp, 6, ro6, ri6); g6 = FoldArg<T, TOp, TRed>(c6, g6, x, y, kv); c6 = Fold<T, TOp, TRed>(c6, x, y); }
                        else c6 = TOp.AddTo(c6, TL.Load(lr, lp, 6, lo6, li6), TR.Load(rr, rp, 6, ro6, ri6));
                    }
                }
                if (n > 7)
                {
                    if (tail && n == 8)
                    {
                        if (arg) { var x = TL.LoadTail(lr, lp, 7, lo7, li7, tm, tc); var y = TR.LoadTail(rr, rp, 7, ro7, ri7, tm, tc); g7 = FoldArg<T, TOp, TRed>(c7, g7, x, y, kv); c7 = Fold<T, TOp, TRed>(c7, x, y); }
                        else c7 = TOp.AddTo(c7, TL.LoadTail(lr, lp, 7, lo7, li7, tm, tc), TR.LoadTail(rr, rp, 7, ro7, ri7, tm, tc));
                    }
                    else
                    {
                        if (arg) { var x = TL.Load(lr, lp, 7, lo7, li7); var y = TR.Load(rr, rp, 7, ro7, ri7); g7 = FoldArg<T, TOp, TRed>(c7, g7, x, y, kv); c7 = Fold<T, TOp, TRed>(c7, x, y); }
                        else c7 = TOp.AddTo(c7, TL.Load(lr, lp, 7, lo7, li7), TR.Load(rr, rp, 7, ro7, ri7));
                    }
                }
            }
            if (k0 == k1)
            {
                // No entries: 0 from every reducer (max/min would otherwise leave their ∓∞ identity); args stay −1.
                c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = Vector512<T>.Zero;
            }
            else if (mean)
            {
                var deg = Vector512.Create(T.CreateTruncating(k1 - k0));
                c0 /= deg; c1 /= deg; c2 /= deg; c3 /= deg; c4 /= deg; c5 /= deg; c6 /= deg; c7 /= deg;
            }
            Store<T, TRed>(outRow, argRow, 0, c0, g0, tail && n == 1, tm, tc);
            if (n > 1) Store<T, TRed>(outRow, argRow, v, c1, g1, tail && n == 2, tm, tc);
            if (n > 2) Store<T, TRed>(outRow, argRow, 2 * v, c2, g2, tail && n == 3, tm, tc);
            if (n > 3) Store<T, TRed>(outRow, argRow, 3 * v, c3, g3, tail && n == 4, tm, tc);
            if (n > 4) Store<T, TRed>(outRow, argRow, 4 * v, c4, g4, tail && n == 5, tm, tc);
            if (n > 5) Store<T, TRed>(outRow, argRow, 5 * v, c5, g5, tail && n == 6, tm, tc);
            if (n > 6) Store<T, TRed>(outRow, argRow, 6 * v, c6, g6, tail && n == 7, tm, tc);
            if (n > 7) Store<T, TRed>(outRow, argRow, 7 * v, c7, g7, tail && n == 8, tm, tc);
        }
    }

    /// <summary>Brings a future entry's operand row towards L1: for a contiguous operand the block's own slots
    /// (one line per slot plus the line its end may spill into, unrolled), else every line of the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch<T, TLoader, TW>(T* row, int rowBytes) where T : unmanaged where TLoader : struct, ILoader where TW : struct, IWidth
    {
        if (typeof(TLoader) != typeof(Loader.Contiguous))
        {
            Simd.PrefetchLines((byte*)row, rowBytes);
            return;
        }
        Simd.PrefetchSlots((byte*)row, TW.N);
    }

    // Row pointers as single-return helpers (no conditional expressions): a value that flows through a
    // conditional becomes a temporary, and the JIT then stops folding the loads into the arithmetic.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T* LhsRow<T, TL>(T* lhs, int* idx, long k, long len) where T : unmanaged where TL : struct, ILoader
    {
        if (typeof(TL) == typeof(Loader.None)) return lhs;
        return lhs + idx[k] * len;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T* RhsRow<T, TR, TE>(T* rhs, int* eids, long k, long len) where T : unmanaged where TR : struct, ILoader where TE : struct, IEdgeMap
    {
        if (typeof(TR) == typeof(Loader.None)) return rhs;
        return rhs + TE.Edge(k, eids) * len;
    }

    /// <summary>The accumulator after folding in op(x, y).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fold<T, TOp, TRed>(Vector512<T> acc, Vector512<T> x, Vector512<T> y)
        where T : unmanaged where TOp : struct, IEdgeOp where TRed : struct, IReducer
    {
        if (typeof(TRed) == typeof(Reducer.Sum)) return TOp.AddTo(acc, x, y);
        var m = TOp.Apply(x, y);
        return Vector512.ConditionalSelect(TRed.Wins(m, acc), m, acc);
    }

    /// <summary>The winning entries after folding in op(x, y) from entry kv (computed before the accumulator moves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> FoldArg<T, TOp, TRed>(Vector512<T> acc, Vector512<T> arg, Vector512<T> x, Vector512<T> y, Vector512<T> kv)
        where T : unmanaged where TOp : struct, IEdgeOp where TRed : struct, IReducer =>
        Vector512.ConditionalSelect(TRed.Wins(TOp.Apply(x, y), acc), kv, arg);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T, TRed>(T* outRow, int* argRow, int offset, Vector512<T> c, Vector512<T> g, bool partial, Vector512<T> tm, int tc)
        where T : unmanaged where TRed : struct, IReducer
    {
        if (partial) Simd.StorePartial(outRow + offset, c, tm, tc);
        else c.Store(outRow + offset);
        if (TRed.TracksArg) Simd.StoreIndices(argRow + offset, g, partial ? tc : Vector512<T>.Count);
    }

    // ---- scalar loop for broadcasts no vector layout fits (an operand row longer than one vector read out of order) ----

    private static void RunScalar<T>(Args<T> a, FeatureBroadcast shape, BinaryOp op, ReduceOp reduce, bool identity, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: ScalarByReduce<T, EdgeOp.Add>(a, shape, reduce, identity, bounds); break;
            case BinaryOp.Sub: ScalarByReduce<T, EdgeOp.Sub>(a, shape, reduce, identity, bounds); break;
            case BinaryOp.Mul: ScalarByReduce<T, EdgeOp.Mul>(a, shape, reduce, identity, bounds); break;
            case BinaryOp.Div: ScalarByReduce<T, EdgeOp.Div>(a, shape, reduce, identity, bounds); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "copy ops always have a vector layout");
        }
    }

    private static void ScalarByReduce<T, TOp>(Args<T> a, FeatureBroadcast shape, ReduceOp reduce, bool identity, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp
    {
        switch (reduce)
        {
            case ReduceOp.Sum or ReduceOp.Mean: ScalarParallel<T, TOp, Reducer.Sum>(a, shape, identity, bounds); break;
            case ReduceOp.Max: ScalarParallel<T, TOp, Reducer.Max>(a, shape, identity, bounds); break;
            default: ScalarParallel<T, TOp, Reducer.Min>(a, shape, identity, bounds); break;
        }
    }

    private static void ScalarParallel<T, TOp, TRed>(Args<T> a, FeatureBroadcast shape, bool identity, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IEdgeOp where TRed : struct, IReducer
    {
        var li = shape.LhsIndex!;
        var ri = shape.RhsIndex!;
        Parallelism.ForChunks(bounds.Length - 1, c =>
        {
            fixed (int* pli = li, pri = ri)
            {
                var len = a.OutLen;
                for (var r = bounds[c]; r < bounds[c + 1]; r++)
                {
                    var k0 = a.IndPtr[r];
                    var k1 = a.IndPtr[r + 1];
                    var o = a.Out + (long)r * len;
                    var g = TRed.TracksArg ? a.Arg + (long)r * len : null;
                    if (k0 == k1)
                    {
                        new Span<T>(o, len).Clear();
                        if (TRed.TracksArg) new Span<int>(g, len).Fill(-1);
                        continue;
                    }
                    for (var j = 0; j < len; j++)
                    {
                        var acc = TRed.Identity<T>();
                        var arg = -1;
                        for (var k = k0; k < k1; k++)
                        {
                            var lr = a.Lhs + (long)a.Indices[k] * a.LhsLen;
                            var e = identity ? k : a.EdgeIds[k];
                            var rr = a.Rhs + e * a.RhsLen;
                            TRed.Combine(ref acc, ref arg, TOp.Apply(lr[pli[j]], rr[pri[j]]), (int)k);
                        }
                        o[j] = a.Mean ? acc / T.CreateTruncating(k1 - k0) : acc;
                        if (TRed.TracksArg) g[j] = arg;
                    }
                }
            }
        });
    }
}
