using System.Numerics;
using System.Runtime.InteropServices;
using Dgl.Tensors.Kernels;

namespace Dgl.Sparse.Kernels;

/// <summary>
/// One GEMM per segment of rows, each with its own weight matrix (per-relation weights in RGCN-style layers).
/// Each call is the shared GEMM kernel on contiguous slices, so per-element summation order is the GEMM's own
/// (fixed, independent of threads).
/// </summary>
internal static class SegmentGemmKernel
{
    /// <summary>y[seg r] = x[seg r] · w[r]; x [N, k], w [R, k, n], y [N, n].</summary>
    public static void Forward<T>(long[] offsets, ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> y, int k, int n)
        where T : unmanaged, INumber<T>
    {
        for (var r = 0; r + 1 < offsets.Length; r++)
        {
            var m = (int)(offsets[r + 1] - offsets[r]);
            if (m == 0) continue;
            var s = (int)offsets[r];
            Gemm(false, false, m, n, k, x.Slice(s * k, m * k), k, w.Slice(r * k * n, k * n), n, y.Slice(s * n, m * n), n);
        }
    }

    /// <summary>dx[seg r] = dy[seg r] · w[r]ᵀ.</summary>
    public static void BackwardInput<T>(long[] offsets, ReadOnlySpan<T> dy, ReadOnlySpan<T> w, Span<T> dx, int k, int n)
        where T : unmanaged, INumber<T>
    {
        for (var r = 0; r + 1 < offsets.Length; r++)
        {
            var m = (int)(offsets[r + 1] - offsets[r]);
            if (m == 0) continue;
            var s = (int)offsets[r];
            Gemm(false, true, m, k, n, dy.Slice(s * n, m * n), n, w.Slice(r * k * n, k * n), n, dx.Slice(s * k, m * k), k);
        }
    }

    /// <summary>dw[r] = x[seg r]ᵀ · dy[seg r] (zero for an empty segment).</summary>
    public static void BackwardWeight<T>(long[] offsets, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dw, int k, int n)
        where T : unmanaged, INumber<T>
    {
        for (var r = 0; r + 1 < offsets.Length; r++)
        {
            var m = (int)(offsets[r + 1] - offsets[r]);
            var slice = dw.Slice(r * k * n, k * n);
            if (m == 0)
            {
                slice.Clear();
                continue;
            }
            var s = (int)offsets[r];
            Gemm(true, false, k, n, m, x.Slice(s * k, m * k), k, dy.Slice(s * n, m * n), n, slice, n);
        }
    }

    private static void Gemm<T>(bool ta, bool tb, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        Span<T> c, int ldc) where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float))
            Dgl.Tensors.Kernels.Gemm.Sgemm(ta, tb, m, n, k, 1f, MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb,
                0f, MemoryMarshal.Cast<T, float>(c), ldc);
        else
            Dgl.Tensors.Kernels.Gemm.Dgemm(ta, tb, m, n, k, 1.0, MemoryMarshal.Cast<T, double>(a), lda, MemoryMarshal.Cast<T, double>(b), ldb,
                0.0, MemoryMarshal.Cast<T, double>(c), ldc);
    }

    /// <summary>Stable counting sort of rows by type: offsets per type and perm[p] = the row at sorted position p.</summary>
    public static (long[] Offsets, int[] Perm) SortByType<TI>(ReadOnlySpan<TI> types, int numTypes) where TI : unmanaged, IBinaryInteger<TI>
    {
        var offsets = new long[numTypes + 1];
        foreach (var t in types) offsets[int.CreateTruncating(t) + 1]++;
        for (var r = 0; r < numTypes; r++) offsets[r + 1] += offsets[r];
        var next = new long[numTypes];
        Array.Copy(offsets, next, numTypes);
        var perm = new int[types.Length];
        for (var i = 0; i < types.Length; i++) perm[next[int.CreateTruncating(types[i])]++] = i;
        return (offsets, perm);
    }

    /// <summary>dst[p] = src[perm[p]] row by row (rows of <paramref name="width"/> elements), in parallel.</summary>
    public static void GatherRows<T>(ReadOnlySpan<T> src, int[] perm, Span<T> dst, int width) where T : unmanaged =>
        MoveRows(src, perm, dst, width, gather: true);

    /// <summary>dst[perm[p]] = src[p] row by row, in parallel (perm is a permutation: no row is written twice).</summary>
    public static void ScatterRows<T>(ReadOnlySpan<T> src, int[] perm, Span<T> dst, int width) where T : unmanaged =>
        MoveRows(src, perm, dst, width, gather: false);

    private static unsafe void MoveRows<T>(ReadOnlySpan<T> src, int[] perm, Span<T> dst, int width, bool gather) where T : unmanaged
    {
        Debug.Assert((gather ? dst.Length : src.Length) >= (long)perm.Length * width);
        fixed (T* ps = src, pd = dst)
        {
            T* s = ps, d = pd;
            Parallelism.For(perm.Length, RowGrain<T>(width), (p0, p1) =>
            {
                var bytes = (long)width * sizeof(T);
                for (var p = p0; p < p1; p++)
                {
                    long from = gather ? perm[p] : p, to = gather ? p : perm[p];
                    Buffer.MemoryCopy(s + from * width, d + to * width, bytes, bytes);
                }
            });
        }
    }

    /// <summary>Rows per parallel chunk: about 64 KiB of copying, so that small inputs stay on one thread.</summary>
    private static unsafe int RowGrain<T>(int width) where T : unmanaged => Math.Max(64, (64 << 10) / Math.Max(1, width * sizeof(T)));
}
