using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dgl.Tensors.Kernels;

/// <summary>
/// Sum reductions in a fixed order. TensorPrimitives.Sum groups elements by the data's memory alignment, so its
/// rounding can change from run to run; these kernels group by position only, so the same input always gives
/// the same bits.
/// </summary>
public static class Reduce
{
    /// <summary>Elements per chunk when a long sum is split across threads (fixed, so results do not depend on threads).</summary>
    internal const int SumChunk = 1 << 16;

    /// <summary>At most this many row blocks (each summed into its own partial row) when columns are summed over many rows.</summary>
    private const int MaxRowBlocks = 32;

    /// <summary>Σ x, with four vector accumulators combined in a fixed order.</summary>
    public static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, INumber<T>
    {
        ref var p = ref MemoryMarshal.GetReference(x);
        var n = x.Length;
        var i = 0;
        var w = Vector512<T>.Count;
        var acc = T.Zero;
        if (Vector512.IsHardwareAccelerated && n >= 4 * w)
        {
            Vector512<T> a0 = Vector512<T>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (; i <= n - 4 * w; i += 4 * w)
            {
                a0 += Vector512.LoadUnsafe(ref p, (nuint)i);
                a1 += Vector512.LoadUnsafe(ref p, (nuint)(i + w));
                a2 += Vector512.LoadUnsafe(ref p, (nuint)(i + 2 * w));
                a3 += Vector512.LoadUnsafe(ref p, (nuint)(i + 3 * w));
            }
            for (; i <= n - w; i += w) a0 += Vector512.LoadUnsafe(ref p, (nuint)i);
            acc = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        else if (Vector256.IsHardwareAccelerated && n >= 4 * Vector256<T>.Count)
        {
            var w2 = Vector256<T>.Count;
            Vector256<T> a0 = Vector256<T>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (; i <= n - 4 * w2; i += 4 * w2)
            {
                a0 += Vector256.LoadUnsafe(ref p, (nuint)i);
                a1 += Vector256.LoadUnsafe(ref p, (nuint)(i + w2));
                a2 += Vector256.LoadUnsafe(ref p, (nuint)(i + 2 * w2));
                a3 += Vector256.LoadUnsafe(ref p, (nuint)(i + 3 * w2));
            }
            for (; i <= n - w2; i += w2) a0 += Vector256.LoadUnsafe(ref p, (nuint)i);
            acc = Vector256.Sum((a0 + a1) + (a2 + a3));
        }
        for (; i < n; i++) acc += Unsafe.Add(ref p, i);
        return acc;
    }

    /// <summary>
    /// Sums x viewed as [outer, len, inner] over the middle axis into y [outer, inner]. Each output element adds its
    /// inputs in index order, within fixed row blocks when there are many rows (the blocks' partial sums then added in
    /// block order); the grouping depends on the shape only, never on the thread count.
    /// </summary>
    internal static void SumAxis<T>(Tensor x, int outer, int len, int inner, Tensor y) where T : unmanaged, INumber<T>
    {
        if (inner == 1)
        {
            if (outer == 1 && len > SumChunk)
            {
                // One long sum: fixed-size chunks in parallel, partial sums combined in chunk order.
                var chunks = (len + SumChunk - 1) / SumChunk;
                var partial = new T[chunks];
                Parallelism.ForChunks(chunks, c =>
                {
                    var start = c * SumChunk;
                    partial[c] = Sum<T>(x.Span<T>().Slice(start, Math.Min(SumChunk, len - start)));
                });
                var total = T.Zero;
                foreach (var p in partial) total += p;
                y.Span<T>()[0] = total;
                return;
            }
            Parallelism.For(outer, Math.Max(1, Parallelism.ElementwiseGrain / Math.Max(1, len)), (s, e) =>
            {
                var src = x.Span<T>();
                var dst = y.Span<T>();
                for (var o = s; o < e; o++) dst[o] = Sum<T>(src.Slice(o * len, len));
            });
            return;
        }
        // Many rows: sum fixed blocks of rows into partial rows, then add the partials in block order. Each block streams
        // whole rows (column ranges would read a page-sized piece of every row and defeat the prefetchers). Whether
        // and how rows are blocked depends on the shape only, so the bits do not depend on the thread count.
        var rowsPerBlock = Math.Max(Math.Max(1, SumChunk / inner), (len + MaxRowBlocks - 1) / MaxRowBlocks);
        var blocks = (len + rowsPerBlock - 1) / rowsPerBlock;
        if (blocks > 1)
        {
            if (outer >= Parallelism.MaxThreads)
            {
                Parallelism.For(outer, 1, (s, e) =>
                {
                    var partial = GC.AllocateUninitializedArray<T>(blocks * inner);
                    for (var o = s; o < e; o++)
                    {
                        for (var b = 0; b < blocks; b++) SumBlock<T>(x, o, b, len, inner, rowsPerBlock, partial);
                        CombineBlocks<T>(partial, blocks, inner, y.Span<T>().Slice(o * inner, inner));
                    }
                });
                return;
            }
            var shared = GC.AllocateUninitializedArray<T>(blocks * inner);
            for (var o = 0; o < outer; o++)
            {
                var oo = o;
                Parallelism.ForChunks(blocks, b => SumBlock<T>(x, oo, b, len, inner, rowsPerBlock, shared));
                CombineBlocks<T>(shared, blocks, inner, y.Span<T>().Slice(o * inner, inner));
            }
            return;
        }
        // Few rows (one, or at most SumChunk elements per outer slice): whole slices per thread, columns in row order.
        Parallelism.For(outer, Math.Max(1, Parallelism.ElementwiseGrain / Math.Max(1, len * inner)), (s, e) =>
        {
            for (var o = s; o < e; o++) SumRows<T>(x.Span<T>().Slice(o * len * inner, len * inner), len, inner, y.Span<T>().Slice(o * inner, inner));
        });
    }

    /// <summary>Row block <paramref name="b"/> of outer slice <paramref name="o"/>, summed into partial row b.</summary>
    private static void SumBlock<T>(Tensor x, int o, int b, int len, int inner, int rowsPerBlock, T[] partial) where T : unmanaged, INumber<T>
    {
        var r0 = b * rowsPerBlock;
        var rows = Math.Min(rowsPerBlock, len - r0);
        SumRows<T>(x.Span<T>().Slice(((o * len) + r0) * inner, rows * inner), rows, inner, partial.AsSpan(b * inner, inner));
    }

    /// <summary>dst = partial row 0 + partial row 1 + … in block order.</summary>
    private static void CombineBlocks<T>(T[] partial, int blocks, int inner, Span<T> dst) where T : unmanaged, INumber<T>
    {
        partial.AsSpan(0, inner).CopyTo(dst);
        for (var b = 1; b < blocks; b++)
            System.Numerics.Tensors.TensorPrimitives.Add(dst, partial.AsSpan(b * inner, inner), dst);
    }

    /// <summary>
    /// y[c] = Σ_k x[k, c] for every column c of a [len, inner] block, added in row order. Four rows are added
    /// to each loaded vector of y before it is stored again (((y + x₀) + x₁) + x₂) + x₃, the same order as one row
    /// at a time), so y goes through memory once per four rows instead of once per row.
    /// </summary>
    private static void SumRows<T>(ReadOnlySpan<T> x, int len, int inner, Span<T> y) where T : unmanaged, INumber<T>
    {
        var w = inner;
        var dst = y[..w];
        x[..w].CopyTo(dst);
        ref var d = ref MemoryMarshal.GetReference(dst);
        ref var xs = ref MemoryMarshal.GetReference(x);
        var k = 1;
        for (; k + 3 < len; k += 4)
        {
            ref var r0 = ref Unsafe.Add(ref xs, (nint)k * inner);
            ref var r1 = ref Unsafe.Add(ref r0, inner);
            ref var r2 = ref Unsafe.Add(ref r1, inner);
            ref var r3 = ref Unsafe.Add(ref r2, inner);
            var j = 0;
            if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
            {
                var vw = Vector512<T>.Count;
                for (; j <= w - vw; j += vw)
                {
                    var v = Vector512.LoadUnsafe(ref d, (nuint)j);
                    v += Vector512.LoadUnsafe(ref r0, (nuint)j);
                    v += Vector512.LoadUnsafe(ref r1, (nuint)j);
                    v += Vector512.LoadUnsafe(ref r2, (nuint)j);
                    v += Vector512.LoadUnsafe(ref r3, (nuint)j);
                    v.StoreUnsafe(ref d, (nuint)j);
                }
            }
            for (; j < w; j++)
                Unsafe.Add(ref d, j) = Unsafe.Add(ref d, j) + Unsafe.Add(ref r0, j) + Unsafe.Add(ref r1, j) + Unsafe.Add(ref r2, j) + Unsafe.Add(ref r3, j);
        }
        for (; k < len; k++)
            System.Numerics.Tensors.TensorPrimitives.Add(dst, x.Slice(k * inner, w), dst);
    }
}
