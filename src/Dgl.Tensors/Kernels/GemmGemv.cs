using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Dgl.Tensors.Kernels;

// Matrix-vector products (m = 1 or n = 1). GEMM's tiles would use one lane in sixteen (or one row in eight) and its
// packing would copy a matrix that is read only once, so these stream the matrix operand once, in place, with one of
// two loops chosen by how it is stored:
//   dots:  y[i] = Σ_p M[i, p]·x[p]   rows of M are contiguous along k: vector dot products, lanes summed at the end
//   sweep: y[j] = Σ_p x[p]·M[p, j]   rows of M are contiguous along the output: each row scaled and added to y
// Both fix the order of every sum by the shape alone (the sweep is the GEMM kernel's own FMA chain over k), so the
// bits do not depend on the thread count.
internal static unsafe partial class GemmDriver<T, TVec, TOps>
{
    /// <summary>Outputs per block of the sweep: its accumulators (8 KiB of float) stay in L1 while the matrix
    /// streams through, a long contiguous run of each row at a time.</summary>
    private const int SweepBlock = 2048;

    /// <summary>Multiply-adds below which a matrix-vector product stays on one thread.</summary>
    private const long GemvParallelWork = 1L << 18;

    /// <summary>C = α·op(A)·op(B) + β·C for m = 1 or n = 1 (and k ≥ 1, α ≠ 0).</summary>
    public static void Gemv(bool transA, bool transB, int m, int n, int k, T alpha, T* a, nint lda, T* b, nint ldb,
        T beta, T* c, nint ldc, GemmStore first)
    {
        T* matrix, x;
        nint ld, xs, cs;
        int outputs;
        bool dots;
        if (n == 1)
        {
            // y[i] = Σ_p op(A)[i, p]·op(B)[p, 0]: A is the matrix, op(B)'s column the vector.
            matrix = a;
            (ld, outputs, cs) = (lda, m, ldc);
            x = b;
            xs = transB ? 1 : ldb;
            dots = !transA;
        }
        else
        {
            // y[j] = Σ_p op(A)[0, p]·op(B)[p, j]: B is the matrix, op(A)'s row the vector.
            matrix = b;
            (ld, outputs, cs) = (ldb, n, 1);
            x = a;
            xs = transA ? lda : 1;
            dots = transB;
        }

        T[]? rented = null;
        try
        {
            if (dots && xs != 1)
            {
                // Dot products load the vector a register at a time: gather a strided one first.
                rented = ArrayPool<T>.Shared.Rent(k);
                fixed (T* packed = rented)
                {
                    for (var p = 0; p < k; p++) packed[p] = x[p * xs];
                    RunGemv(dots, matrix, ld, outputs, packed, 1, k, alpha, beta, c, cs, first);
                }
            }
            else
            {
                RunGemv(dots, matrix, ld, outputs, x, xs, k, alpha, beta, c, cs, first);
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<T>.Shared.Return(rented);
        }
    }

    private static void RunGemv(bool dots, T* matrix, nint ld, int outputs, T* x, nint xs, int k, T alpha, T beta,
        T* c, nint cs, GemmStore first)
    {
        // Dots split by rows, the sweep by output blocks; either way each output is computed whole by one thread.
        var units = dots ? outputs : (outputs + SweepBlock - 1) / SweepBlock;
        var perUnit = (long)k * (dots ? 1 : SweepBlock);
        if (Parallelism.MaxThreads == 1 || units == 1 || perUnit * units < GemvParallelWork)
        {
            RunGemvRange(dots, matrix, ld, outputs, x, xs, k, alpha, beta, c, cs, first, 0, units);
            return;
        }
        var (mp, xp, cp) = ((nint)matrix, (nint)x, (nint)c);
        Parallelism.For(units, (int)Math.Max(1, GemvParallelWork / perUnit), (s, e) =>
            RunGemvRange(dots, (T*)mp, ld, outputs, (T*)xp, xs, k, alpha, beta, (T*)cp, cs, first, s, e));
    }

    private static void RunGemvRange(bool dots, T* matrix, nint ld, int outputs, T* x, nint xs, int k, T alpha, T beta,
        T* c, nint cs, GemmStore first, int start, int end)
    {
        if (dots)
        {
            Dots(matrix, ld, start, end, x, k, alpha, beta, c, cs, first);
            return;
        }
        for (var u = start; u < end; u++)
        {
            var j0 = u * SweepBlock;
            Sweep(matrix + j0, ld, Math.Min(SweepBlock, outputs - j0), x, xs, k, alpha, beta, c + j0 * cs, cs, first);
        }
    }

    /// <summary>y[i] = Σ_p M[i, p]·x[p] for rows [start, end), four rows at a time, stored into C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dots(T* matrix, nint ld, int start, int end, T* x, int k, T alpha, T beta, T* c, nint cs, GemmStore first)
    {
        var w = TOps.Lanes;
        var body = k / w * w;
        for (var i = start; i < end; i += 4)
        {
            // A short last group re-reads its last row (never out of bounds) and stores only its own rows.
            var last = Math.Min(4, end - i) - 1;
            var r0 = matrix + i * ld;
            var r1 = matrix + (i + Math.Min(1, last)) * ld;
            var r2 = matrix + (i + Math.Min(2, last)) * ld;
            var r3 = matrix + (i + last) * ld;
            TVec a0 = default, a1 = default, a2 = default, a3 = default;
            for (var p = 0; p < body; p += w)
            {
                var xv = TOps.Load(x + p);
                a0 = TOps.Fma(TOps.Load(r0 + p), xv, a0);
                a1 = TOps.Fma(TOps.Load(r1 + p), xv, a1);
                a2 = TOps.Fma(TOps.Load(r2 + p), xv, a2);
                a3 = TOps.Fma(TOps.Load(r3 + p), xv, a3);
            }
            T s0 = TOps.Sum(a0), s1 = TOps.Sum(a1), s2 = TOps.Sum(a2), s3 = TOps.Sum(a3);
            for (var p = body; p < k; p++)
            {
                s0 = T.FusedMultiplyAdd(r0[p], x[p], s0);
                s1 = T.FusedMultiplyAdd(r1[p], x[p], s1);
                s2 = T.FusedMultiplyAdd(r2[p], x[p], s2);
                s3 = T.FusedMultiplyAdd(r3[p], x[p], s3);
            }
            Put(c + i * cs, s0, alpha, beta, first);
            if (last >= 1) Put(c + (i + 1) * cs, s1, alpha, beta, first);
            if (last >= 2) Put(c + (i + 2) * cs, s2, alpha, beta, first);
            if (last >= 3) Put(c + (i + 3) * cs, s3, alpha, beta, first);
        }
    }

    /// <summary>y[j] = Σ_p x[p]·M[p, j] for j &lt; <paramref name="count"/> (≤ SweepBlock), stored into C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Sweep(T* matrix, nint ld, int count, T* x, nint xs, int k, T alpha, T beta, T* c, nint cs, GemmStore first)
    {
        var w = TOps.Lanes;
        var body = count / w * w;
        var y = stackalloc T[SweepBlock];
        for (var p = 0; p < k; p++)
        {
            var row = matrix + p * ld;
            var xp = x[p * xs];
            var xv = TOps.Broadcast(xp);
            if (p == 0)
            {
                for (var j = 0; j < body; j += w) TOps.Store(y + j, TOps.Multiply(xv, TOps.Load(row + j)));
                for (var j = body; j < count; j++) y[j] = xp * row[j];
            }
            else
            {
                for (var j = 0; j < body; j += w) TOps.Store(y + j, TOps.Fma(xv, TOps.Load(row + j), TOps.Load(y + j)));
                for (var j = body; j < count; j++) y[j] = T.FusedMultiplyAdd(xp, row[j], y[j]);
            }
        }
        for (var j = 0; j < count; j++) Put(c + j * cs, y[j], alpha, beta, first);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(T* c, T sum, T alpha, T beta, GemmStore mode) => *c = mode switch
    {
        GemmStore.Overwrite => alpha * sum,
        GemmStore.Accumulate => T.FusedMultiplyAdd(alpha, sum, *c),
        _ => T.FusedMultiplyAdd(alpha, sum, beta * *c),
    };
}
