using System.Runtime.Intrinsics;
using Dgl.Tensors.Kernels;

namespace Dgl.Sparse.Kernels;

/// <summary>
/// Moves short per-edge rows between edge-id order and a walk's entry order (a CSR whose edge ids are a permutation):
/// one tight gather or scatter whose misses overlap, for kernels that would otherwise read or write each entry's row
/// through its edge id inside their entry loop.
/// </summary>
internal static unsafe class EdgePermute
{
    /// <summary>
    /// Rows of <paramref name="rowLength"/> elements: to[k] = from[eids[k]] (gather) or to[eids[k]] = from[k]
    /// (scatter), for every entry k; a permutation, so the chunks write disjoint rows. Rows of 4, 8, 16, 32 or 64 bytes
    /// move as one scalar or vector each, others element by element.
    /// </summary>
    public static void Run<T>(ReadOnlySpan<T> from, Span<T> to, int[] eids, int rowLength, bool gather) where T : unmanaged
    {
        fixed (T* pf = from, pt = to)
        fixed (int* pe = eids)
        {
            switch (rowLength * sizeof(T))
            {
                case 4: Rows<int>(pf, pt, pe, eids.Length, gather); break;
                case 8: Rows<long>(pf, pt, pe, eids.Length, gather); break;
                case 16: Rows<Vector128<byte>>(pf, pt, pe, eids.Length, gather); break;
                case 32: Rows<Vector256<byte>>(pf, pt, pe, eids.Length, gather); break;
                case 64: Rows<Vector512<byte>>(pf, pt, pe, eids.Length, gather); break;
                default: Elements(pf, pt, pe, eids.Length, rowLength, gather); break;
            }
        }
    }

    private const int Chunks = 64;

    /// <summary>The permutation with rows of <paramref name="rowLength"/> elements copied one by one.</summary>
    private static void Elements<T>(T* from, T* to, int* eids, int count, int rowLength, bool gather) where T : unmanaged
    {
        long rl = rowLength;
        Parallelism.ForChunks(Chunks, c =>
        {
            long k0 = (long)count * c / Chunks, k1 = (long)count * (c + 1) / Chunks;
            for (var k = k0; k < k1; k++)
            {
                var src = gather ? from + eids[k] * rl : from + k * rl;
                var dst = gather ? to + k * rl : to + eids[k] * rl;
                for (long j = 0; j < rl; j++) dst[j] = src[j];
            }
        });
    }

    /// <summary>The permutation with rows of one <typeparamref name="TU"/>.</summary>
    private static void Rows<TU>(void* from, void* to, int* eids, int count, bool gather) where TU : unmanaged
    {
        var f = (TU*)from;
        var t = (TU*)to;
        Parallelism.ForChunks(Chunks, c =>
        {
            long k0 = (long)count * c / Chunks, k1 = (long)count * (c + 1) / Chunks;
            if (gather)
            {
                for (var k = k0; k < k1; k++) t[k] = f[eids[k]];
            }
            else
            {
                for (var k = k0; k < k1; k++) t[eids[k]] = f[k];
            }
        });
    }
}
