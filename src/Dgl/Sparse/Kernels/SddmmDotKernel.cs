using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Dgl.Ops;
using Dgl.Tensors.Kernels;

namespace Dgl.Sparse.Kernels;

/// <summary>
/// g-SDDMM dot of a node feature on the walk's row side with one on its column side (u_dot_v over the in-edge CSR,
/// or over the out-edge CSR), both [H, D] with no broadcasting: out[e, h] = Σ_d a[row, h, d] · b[col, h, d].
/// </summary>
/// <remarks>
/// The general dot path reduces each entry's groups through a runtime-sized transpose tree on the stack; this one is
/// unrolled for H in {1, 2, 4, 8} heads of D a multiple of the vector width (at most eight vectors per row): the row
/// operand stays in registers for the whole row, each entry gathers one prefetched column row, multiplies it into
/// per-head vectors and reduces four heads at a time with horizontal adds. That is about the work of a g-SpMM
/// forward, which is what it now costs (the general path was 2–4.7× that on the 20M-edge graphs, H = 4, D = 32).
/// Float32 heads of half a vector (D = 8; 2, 4, 8 or 16 heads) go two to a vector and are reduced per 8-lane half
/// (8 heads of 8 on the uniform 20M-edge graph: 840 → 160–180 ms, about a copy_u g-SpMM of the same width).
/// Column rows are always prefetched: unlike the g-SpMM, whose short per-entry loop lets the core keep many narrow
/// gathers in flight on its own, an entry here is a product and a reduction, and without the prefetch the core waits
/// on each row however narrow (uniform graph, 1 head of 16: 350–380 → 115 ms; 2 of 16: 500 → 150; 4 of 8: 320 → 120).
/// Sums run in a fixed order per entry, so results do not depend on the thread count.
/// </remarks>
internal static unsafe class SddmmDotKernel
{
    private const int PrefetchDistance = SpmmKernel.PrefetchDistance;

    /// <summary>
    /// Runs the dot when the shapes and targets are the ones this kernel handles and returns true; returns false
    /// (having done nothing) otherwise.
    /// </summary>
    public static bool TryRun<T>(in SparseRows g, bool rowsAreDst, FeatureBroadcast shape, Target lhsTarget, Target rhsTarget,
        ReadOnlySpan<T> lhs, ReadOnlySpan<T> rhs, Span<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = Vector512<T>.Count;
        var heads = shape.OutLength;
        var d = shape.DotLength;
        if (!Vector512.IsHardwareAccelerated || g.Indices is null || d == 0) return false;
        // Heads of half a vector (float32 D = 8, as in 8 heads of 8): two heads per vector.
        var half = typeof(T) == typeof(float) && Avx.IsSupported && d * 2 == v;
        if (half)
        {
            if (heads is not (2 or 4 or 8 or 16)) return false;
        }
        else
        {
            if (d % v != 0 || heads is not (1 or 2 or 4 or 8)) return false;
            var vectorsPerHead = d / v;
            if (vectorsPerHead is not (1 or 2 or 4 or 8) || heads * vectorsPerHead > 8) return false;
        }
        if (shape.LhsLength != heads * d || shape.RhsLength != heads * d) return false;
        for (var j = 0; j < heads; j++)
            if (shape.LhsIndex![j] != j * d || shape.RhsIndex![j] != j * d) return false;
        var rowTarget = rowsAreDst ? Target.Dst : Target.Src;
        var colTarget = rowsAreDst ? Target.Src : Target.Dst;
        // A product commutes exactly, so which operand is lhs does not matter: only which one lies on the row side.
        bool lhsOnRow;
        if (lhsTarget == rowTarget && rhsTarget == colTarget) lhsOnRow = true;
        else if (lhsTarget == colTarget && rhsTarget == rowTarget) lhsOnRow = false;
        else return false;
        var rowOperand = lhsOnRow ? lhs : rhs;
        var colOperand = lhsOnRow ? rhs : lhs;
        if (g.NumEntries == 0) return true;

        var slots = heads * d / v;
        var bounds = RowPartition.ForKernel(g.IndPtr, g.NumRows, slots);
        fixed (long* pPtr = g.IndPtr)
        fixed (int* pIdx = g.Indices, pEid = g.EdgeIds)
        fixed (T* pRow = rowOperand, pCol = colOperand, pOut = output)
        {
            var a = new Args<T>(pPtr, pIdx, pEid, pRow, pCol, pOut, heads * d, heads, g.NumEntries - 1);
            var identity = g.EdgeIds is null;
            // Half heads: one "head" of the unrolled rows is a vector holding two heads.
            var groups = half ? slots : heads;
            switch (half ? 1 : d / v)
            {
                case 1: ByGroups<T, Width.W1>(a, groups, half, identity, bounds); break;
                case 2: ByGroups<T, Width.W2>(a, groups, half, identity, bounds); break;
                case 4: ByGroups<T, Width.W4>(a, groups, half, identity, bounds); break;
                default: ByGroups<T, Width.W8>(a, groups, half, identity, bounds); break;
            }
        }
        return true;
    }

    [StructLayout(LayoutKind.Auto)]
    private readonly struct Args<T>(long* indPtr, int* indices, int* edgeIds, T* row, T* col, T* output, int len, int heads,
        long lastEntry) where T : unmanaged
    {
        public readonly long* IndPtr = indPtr;
        public readonly int* Indices = indices;
        public readonly int* EdgeIds = edgeIds;
        public readonly T* Row = row;
        public readonly T* Col = col;
        public readonly T* Out = output;
        public readonly long Len = len;
        public readonly long Heads = heads;
        public readonly long LastEntry = lastEntry;
    }

    private static void ByGroups<T, TS>(in Args<T> a, int groups, bool half, bool identity, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TS : struct, IWidth
    {
        switch (groups)
        {
            case 1: ByHalf<T, TS, Width.W1>(a, half, identity, bounds); break;
            case 2: ByHalf<T, TS, Width.W2>(a, half, identity, bounds); break;
            case 4: ByHalf<T, TS, Width.W4>(a, half, identity, bounds); break;
            default: ByHalf<T, TS, Width.W8>(a, half, identity, bounds); break;
        }
    }

    private static void ByHalf<T, TS, TH>(in Args<T> a, bool half, bool identity, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TS : struct, IWidth where TH : struct, IWidth
    {
        if (half) ByEdges<T, TS, TH, Flag.Yes>(a, identity, bounds);
        else ByEdges<T, TS, TH, Flag.No>(a, identity, bounds);
    }

    private static void ByEdges<T, TS, TH, THalf>(Args<T> a, bool identity, int[] bounds)
        where T : unmanaged, IFloatingPointIeee754<T> where TS : struct, IWidth where TH : struct, IWidth where THalf : struct, IFlag
    {
        if (bounds.Length == 2)
        {
            if (identity) Rows<T, TS, TH, EdgeMap.Identity, THalf>(a, bounds[0], bounds[1]);
            else Rows<T, TS, TH, EdgeMap.Mapped, THalf>(a, bounds[0], bounds[1]);
            return;
        }
        if (identity) Parallelism.ForChunks(bounds.Length - 1, c => Rows<T, TS, TH, EdgeMap.Identity, THalf>(a, bounds[c], bounds[c + 1]));
        else Parallelism.ForChunks(bounds.Length - 1, c => Rows<T, TS, TH, EdgeMap.Mapped, THalf>(a, bounds[c], bounds[c + 1]));
    }

    /// <summary>
    /// Rows [r0, r1): TS vectors per head, TH heads (TS · TH ≤ 8 vectors per feature row); with THalf, float32 heads
    /// of half a vector, TH vectors of two heads each (TS is 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<T, TS, TH, TE, THalf>(in Args<T> a, int r0, int r1)
        where T : unmanaged, IFloatingPointIeee754<T> where TS : struct, IWidth where TH : struct, IWidth where TE : struct, IEdgeMap
        where THalf : struct, IFlag
    {
        var s = TS.N;
        var heads = TH.N;
        var n = s * heads;
        var half = THalf.Value;
        var v = Vector512<T>.Count;
        var len = a.Len;
        var zero = Vector512<T>.Zero;
        for (var r = r0; r < r1; r++)
        {
            var k0 = a.IndPtr[r];
            var k1 = a.IndPtr[r + 1];
            if (k0 == k1) continue;
            var xr = a.Row + r * len;
            Vector512<T> x0 = Vector512.Load(xr), x1 = zero, x2 = zero, x3 = zero, x4 = zero, x5 = zero, x6 = zero, x7 = zero;
            if (n > 1) x1 = Vector512.Load(xr + 1 * v);
            if (n > 2) x2 = Vector512.Load(xr + 2 * v);
            if (n > 3) x3 = Vector512.Load(xr + 3 * v);
            if (n > 4) x4 = Vector512.Load(xr + 4 * v);
            if (n > 5) x5 = Vector512.Load(xr + 5 * v);
            if (n > 6) x6 = Vector512.Load(xr + 6 * v);
            if (n > 7) x7 = Vector512.Load(xr + 7 * v);
            for (var k = k0; k < k1; k++)
            {
                Simd.PrefetchSlots((byte*)(a.Col + a.Indices[Math.Min(k + PrefetchDistance, a.LastEntry)] * len), n);
                var cr = a.Col + a.Indices[k] * len;
                // Products per vector, then each head's vectors added in order (p0 + p1, then + p2 + p3, ...).
                var p0 = Vector512.Load(cr) * x0;
                Vector512<T> p1 = zero, p2 = zero, p3 = zero, p4 = zero, p5 = zero, p6 = zero, p7 = zero;
                if (n > 1) p1 = Vector512.Load(cr + 1 * v) * x1;
                if (n > 2) p2 = Vector512.Load(cr + 2 * v) * x2;
                if (n > 3) p3 = Vector512.Load(cr + 3 * v) * x3;
                if (n > 4) p4 = Vector512.Load(cr + 4 * v) * x4;
                if (n > 5) p5 = Vector512.Load(cr + 5 * v) * x5;
                if (n > 6) p6 = Vector512.Load(cr + 6 * v) * x6;
                if (n > 7) p7 = Vector512.Load(cr + 7 * v) * x7;
                var o = a.Out + TE.Edge(k, a.EdgeIds) * a.Heads;
                if (half)
                {
                    // Two heads per vector: sums of the 8-lane halves.
                    var of = (float*)o;
                    if (n == 1)
                    {
                        of[0] = Vector256.Sum(p0.AsSingle().GetLower());
                        of[1] = Vector256.Sum(p0.AsSingle().GetUpper());
                    }
                    else if (n == 2)
                    {
                        Vector128.Store(Simd.HalfSums4(p0.AsSingle(), p1.AsSingle()), of);
                    }
                    else
                    {
                        Vector256.Store(Simd.HalfSums8(p0.AsSingle(), p1.AsSingle(), p2.AsSingle(), p3.AsSingle()), of);
                        if (n == 8) Vector256.Store(Simd.HalfSums8(p4.AsSingle(), p5.AsSingle(), p6.AsSingle(), p7.AsSingle()), of + 8);
                    }
                    continue;
                }
                Vector512<T> h0 = p0, h1 = p1, h2 = p2, h3 = p3, h4 = p4, h5 = p5, h6 = p6, h7 = p7;
                if (s == 2)
                {
                    h0 = p0 + p1; h1 = p2 + p3; h2 = p4 + p5; h3 = p6 + p7;
                }
                else if (s == 4)
                {
                    h0 = p0 + p1 + p2 + p3; h1 = p4 + p5 + p6 + p7;
                }
                else if (s == 8)
                {
                    h0 = p0 + p1 + p2 + p3 + p4 + p5 + p6 + p7;
                }
                Simd.StoreLaneSums(o, heads, h0, h1, h2, h3, h4, h5, h6, h7);
            }
        }
    }
}
