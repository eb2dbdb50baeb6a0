using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dgl.Tensors.Kernels;

/// <summary>
/// Dropout's mask, drawn from a counter-based stream: element i keeps its value when 32 bits of the generator's
/// value number start + i/2 (the low half for even i, the high half for odd i) are at least p·2³². The mask is a
/// pure function of (seed, start, i), so it is the same for any thread count and chunking, and the vector path
/// (SplitMix64 on eight 64-bit lanes with AVX-512) gives the same bits as the scalar one.
/// </summary>
internal static class DropoutKernels
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>Elements per mask word.</summary>
    private const int WordBits = 64;

    /// <summary>The 32-bit threshold for drop probability <paramref name="p"/> in [0, 1): keep when bits ≥ threshold.</summary>
    public static uint Threshold(double p) => (uint)Math.Min(uint.MaxValue, Math.Round(p * 4294967296.0));

    /// <summary>
    /// y = x·scale where kept, 0 where dropped; when <paramref name="bits"/> is given, bit i of it records whether
    /// element i was kept (for backward). <paramref name="bits"/> has ceil(n/64) words. With <paramref name="relu"/>,
    /// an element counts as kept only when it is also positive: y = relu(x)·mask·scale, the same random draws, and
    /// the bits are then the whole backward (gradient·scale where set).
    /// </summary>
    public static void Forward<T>(Tensor x, Tensor y, Generator gen, long start, uint threshold, T scale, ulong[]? bits, bool relu = false)
        where T : unmanaged, IFloatingPoint<T>
    {
        var n = x.NumElements;
        var words = (n + WordBits - 1) / WordBits;
        // Chunks are whole mask words, so no two threads write the same word.
        Parallelism.For(words, Math.Max(1, Parallelism.ElementwiseGrain / WordBits), (ws, we) =>
        {
            var xs = x.Span<T>();
            var ys = y.Span<T>();
            var end = Math.Min(n, we * WordBits);
            for (var w = ws; w < we; w++)
            {
                var i0 = w * WordBits;
                var count = Math.Min(WordBits, end - i0);
                var word = count == WordBits && Avx512DQ.IsSupported
                    ? ForwardWordVector(xs.Slice(i0, WordBits), ys.Slice(i0, WordBits), gen.Seed, start + i0 / 2, threshold, scale, relu)
                    : ForwardWordScalar(xs.Slice(i0, count), ys.Slice(i0, count), gen, start + i0 / 2, threshold, scale, relu);
                if (bits is not null) bits[w] = word;
            }
        });
    }

    /// <summary>g_in = g·scale where bit i is set, else 0.</summary>
    public static void Backward<T>(Tensor grad, Tensor gradIn, ulong[] bits, T scale) where T : unmanaged, IFloatingPoint<T>
    {
        var n = grad.NumElements;
        var words = (n + WordBits - 1) / WordBits;
        Parallelism.For(words, Math.Max(1, Parallelism.ElementwiseGrain / WordBits), (ws, we) =>
        {
            var gs = grad.Span<T>();
            var os = gradIn.Span<T>();
            for (var w = ws; w < we; w++)
            {
                var i0 = w * WordBits;
                var count = Math.Min(WordBits, n - i0);
                var word = bits[w];
                if (count == WordBits && Vector512.IsHardwareAccelerated)
                {
                    ApplyBitsVector(gs.Slice(i0, WordBits), os.Slice(i0, WordBits), word, scale);
                }
                else
                {
                    for (var k = 0; k < count; k++) os[i0 + k] = ((word >> k) & 1) != 0 ? gs[i0 + k] * scale : T.Zero;
                }
            }
        });
    }

    /// <summary>32 random bits for element i, scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint BitsAt(Generator gen, long pairStart, int k)
    {
        var v = gen.At(pairStart + (k >> 1));
        return (k & 1) == 0 ? (uint)v : (uint)(v >> 32);
    }

    private static ulong ForwardWordScalar<T>(ReadOnlySpan<T> x, Span<T> y, Generator gen, long pairStart, uint threshold, T scale, bool relu)
        where T : unmanaged, IFloatingPoint<T>
    {
        ulong word = 0;
        for (var k = 0; k < x.Length; k++)
        {
            var keep = BitsAt(gen, pairStart, k) >= threshold && (!relu || x[k] > T.Zero);
            y[k] = keep ? x[k] * scale : T.Zero;
            if (keep) word |= 1UL << k;
        }
        return word;
    }

    /// <summary>SplitMix64 of value numbers index..index+7 (the generator's <c>At</c>, eight lanes at once).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Random8(ulong seed, long index)
    {
        var lanes = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
        var z = Vector512.Create(seed) + (Vector512.Create((ulong)(index + 1)) + lanes) * Vector512.Create(Gamma);
        z = (z ^ Vector512.ShiftRightLogical(z, 30)) * Vector512.Create(0xBF58476D1CE4E5B9UL);
        z = (z ^ Vector512.ShiftRightLogical(z, 27)) * Vector512.Create(0x94D049BB133111EBUL);
        return z ^ Vector512.ShiftRightLogical(z, 31);
    }

    private static ulong ForwardWordVector<T>(ReadOnlySpan<T> x, Span<T> y, ulong seed, long pairStart, uint threshold, T scale, bool relu)
        where T : unmanaged, IFloatingPoint<T>
    {
        // 64 elements use 32 values: four blocks of eight values, each giving 16 lanes of 32 bits.
        var th = Vector512.Create(threshold);
        var sv = Vector512.Create(scale);
        ulong word = 0;
        for (var b = 0; b < 4; b++)
        {
            var r = Random8(seed, pairStart + b * 8).AsUInt32();
            var keep = Vector512.GreaterThanOrEqual(r, th);
            if (typeof(T) == typeof(float))
            {
                var xv = Vector512.Create(x.Slice(b * 16, 16));
                var m = keep.As<uint, T>();
                if (relu) m &= Vector512.GreaterThan(xv, Vector512<T>.Zero);
                word |= (ulong)m.ExtractMostSignificantBits() << (16 * b);
                Vector512.ConditionalSelect(m, xv * sv, Vector512<T>.Zero).CopyTo(y.Slice(b * 16));
            }
            else
            {
                // Doubles: widen the 32-bit lane masks to 64-bit lanes, eight elements at a time.
                var (lo, hi) = Vector512.Widen(keep.AsInt32());
                var x0 = Vector512.Create(x.Slice(b * 16, 8));
                var x1 = Vector512.Create(x.Slice(b * 16 + 8, 8));
                var m0 = lo.As<long, T>();
                var m1 = hi.As<long, T>();
                if (relu)
                {
                    m0 &= Vector512.GreaterThan(x0, Vector512<T>.Zero);
                    m1 &= Vector512.GreaterThan(x1, Vector512<T>.Zero);
                }
                word |= ((ulong)m0.ExtractMostSignificantBits() | ((ulong)m1.ExtractMostSignificantBits() << 8)) << (16 * b);
                Vector512.ConditionalSelect(m0, x0 * sv, Vector512<T>.Zero).CopyTo(y.Slice(b * 16));
                Vector512.ConditionalSelect(m1, x1 * sv, Vector512<T>.Zero).CopyTo(y.Slice(b * 16 + 8));
            }
        }
        return word;
    }

    private static void ApplyBitsVector<T>(ReadOnlySpan<T> g, Span<T> o, ulong word, T scale) where T : unmanaged, IFloatingPoint<T>
    {
        var sv = Vector512.Create(scale);
        var w = Vector512<T>.Count;
        // Lane k of a block tests bit k: broadcast the block's bits and AND with one bit per lane.
        var laneBits = typeof(T) == typeof(float)
            ? Vector512.Create(1UL | (2UL << 32), 4UL | (8UL << 32), 16UL | (32UL << 32), 64UL | (128UL << 32),
                256UL | (512UL << 32), 1024UL | (2048UL << 32), 4096UL | (8192UL << 32), 16384UL | (32768UL << 32))
            : Vector512.Create(1UL, 2, 4, 8, 16, 32, 64, 128);
        for (var i = 0; i < WordBits; i += w)
        {
            var block = (word >> i) & ((1UL << w) - 1);
            var broadcast = typeof(T) == typeof(float)
                ? Vector512.Create((uint)block).AsUInt64()
                : Vector512.Create(block);
            var keep = typeof(T) == typeof(float)
                ? ~Vector512.Equals((broadcast & laneBits).AsUInt32(), Vector512<uint>.Zero).AsUInt64()
                : ~Vector512.Equals(broadcast & laneBits, Vector512<ulong>.Zero);
            var gv = Vector512.Create(g.Slice(i, w));
            Vector512.ConditionalSelect(keep.As<ulong, T>(), gv * sv, Vector512<T>.Zero).CopyTo(o.Slice(i));
        }
    }
}
