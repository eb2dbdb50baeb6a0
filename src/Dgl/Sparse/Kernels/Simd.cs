using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dgl.Sparse.Kernels;

/// <summary>
/// Vector512 helpers the sparse kernels share, generic over float and double. Each has an AVX-512 path and a
/// portable one (the portable one keeps results identical, only slower), so kernels never test the CPU themselves.
/// </summary>
/// <remarks>
/// Index and mask vectors are carried as <c>Vector512&lt;T&gt;</c> bit patterns whose lanes have T's width
/// (int32 lanes for float, int64 lanes for double), so one lane of an index vector lines up with one lane of data.
/// </remarks>
internal static unsafe class Simd
{
    /// <summary>True when the kernels can use AVX-512 masked loads, stores and permutes.</summary>
    public static bool HasAvx512 => Avx512F.IsSupported;

    /// <summary>A vector whose first <paramref name="count"/> lanes are all ones (the rest zero).</summary>
    public static Vector512<T> LaneMask<T>(int count) where T : unmanaged
    {
        var lanes = Vector512<T>.Count;
        if (typeof(T) == typeof(float))
        {
            var m = Vector512.LessThan(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(count));
            return m.As<int, T>();
        }
        Debug.Assert(typeof(T) == typeof(double) && lanes == 8);
        var md = Vector512.LessThan(Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7), Vector512.Create((long)count));
        return md.As<long, T>();
    }

    /// <summary>An index vector (lane-width integers as T bits) holding <paramref name="value"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> IndexSplat<T>(long value) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector512.Create((int)value).As<int, T>();
        return Vector512.Create(value).As<long, T>();
    }

    /// <summary>An index vector from per-lane integers (lanes past <paramref name="lanes"/>.Length get 0).</summary>
    public static Vector512<T> IndexVector<T>(ReadOnlySpan<int> lanes) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Span<int> buf = stackalloc int[16];
            buf.Clear();
            lanes.CopyTo(buf);
            return Vector512.Create<int>(buf).As<int, T>();
        }
        Span<long> lb = stackalloc long[8];
        lb.Clear();
        for (var i = 0; i < lanes.Length; i++) lb[i] = lanes[i];
        return Vector512.Create<long>(lb).As<long, T>();
    }

    /// <summary>Loads the first <paramref name="count"/> lanes from <paramref name="p"/> (the rest are zero)
    /// without touching memory past them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadPartial<T>(T* p, Vector512<T> mask, int count) where T : unmanaged
    {
        if (Avx512F.IsSupported)
        {
            // A 64-byte masked load of a short row at a random place (a per-edge row of 4 head weights) was measured
            // to wait for the line after the row as well, which nothing prefetched: the fused g-SpMM backward took
            // 1.3-1.5x as long. Rows of exactly 16 or 32 bytes take a load of that width, other short rows a masked
            // load no wider.
            var bytes = count * sizeof(T);
            if (bytes == 16) return Vector128.Load((byte*)p).ToVector256().ToVector512().As<byte, T>();
            if (bytes == 32) return Vector256.Load((byte*)p).ToVector512().As<byte, T>();
            if (bytes < 16 && Avx512F.VL.IsSupported)
            {
                if (typeof(T) == typeof(float)) return Avx512F.VL.MaskLoad((float*)p, mask.AsSingle().GetLower().GetLower(), Vector128<float>.Zero).ToVector256().ToVector512().As<float, T>();
                if (typeof(T) == typeof(double)) return Avx512F.VL.MaskLoad((double*)p, mask.AsDouble().GetLower().GetLower(), Vector128<double>.Zero).ToVector256().ToVector512().As<double, T>();
            }
            if (bytes < 32 && Avx512F.VL.IsSupported)
            {
                if (typeof(T) == typeof(float)) return Avx512F.VL.MaskLoad((float*)p, mask.AsSingle().GetLower(), Vector256<float>.Zero).ToVector512().As<float, T>();
                if (typeof(T) == typeof(double)) return Avx512F.VL.MaskLoad((double*)p, mask.AsDouble().GetLower(), Vector256<double>.Zero).ToVector512().As<double, T>();
            }
            if (typeof(T) == typeof(float)) return Avx512F.MaskLoad((float*)p, mask.AsSingle(), Vector512<float>.Zero).As<float, T>();
            if (typeof(T) == typeof(double)) return Avx512F.MaskLoad((double*)p, mask.AsDouble(), Vector512<double>.Zero).As<double, T>();
        }
        return LoadPartialPortable(p, count);
    }

    private static Vector512<T> LoadPartialPortable<T>(T* p, int count) where T : unmanaged
    {
        var v = Vector512<T>.Zero;
        for (var i = 0; i < count; i++) v = v.WithElement(i, p[i]);
        return v;
    }

    /// <summary>Stores the first <paramref name="count"/> lanes of <paramref name="v"/> at <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePartial<T>(T* p, Vector512<T> v, Vector512<T> mask, int count) where T : unmanaged
    {
        if (Avx512F.IsSupported)
        {
            if (typeof(T) == typeof(float)) { Avx512F.MaskStore((float*)p, mask.AsSingle(), v.AsSingle()); return; }
            if (typeof(T) == typeof(double)) { Avx512F.MaskStore((double*)p, mask.AsDouble(), v.AsDouble()); return; }
        }
        for (var i = 0; i < count; i++) p[i] = v.GetElement(i);
    }

    /// <summary>Lane i of the result is lane idx[i] of <paramref name="v"/> (idx holds lane-width integers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Permute<T>(Vector512<T> v, Vector512<T> idx) where T : unmanaged
    {
        if (Avx512F.IsSupported)
        {
            if (typeof(T) == typeof(float)) return Avx512F.PermuteVar16x32(v.AsSingle(), idx.AsInt32()).As<float, T>();
            if (typeof(T) == typeof(double)) return Avx512F.PermuteVar8x64(v.AsDouble(), idx.AsInt64()).As<double, T>();
        }
        return PermutePortable(v, idx);
    }

    private static Vector512<T> PermutePortable<T>(Vector512<T> v, Vector512<T> idx) where T : unmanaged
    {
        var r = Vector512<T>.Zero;
        for (var i = 0; i < Vector512<T>.Count; i++)
        {
            var j = typeof(T) == typeof(float) ? idx.AsInt32().GetElement(i) : (int)idx.AsInt64().GetElement(i);
            r = r.WithElement(i, v.GetElement(j & (Vector512<T>.Count - 1)));
        }
        return r;
    }

    /// <summary>Lane i of the result is lane idx[i] of x when idx[i] &lt; width, else lane idx[i] − width of y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Permute2<T>(Vector512<T> x, Vector512<T> idx, Vector512<T> y) where T : unmanaged
    {
        if (Avx512F.IsSupported)
        {
            if (typeof(T) == typeof(float)) return Avx512F.PermuteVar16x32x2(x.AsSingle(), idx.AsInt32(), y.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double)) return Avx512F.PermuteVar8x64x2(x.AsDouble(), idx.AsInt64(), y.AsDouble()).As<double, T>();
        }
        return Permute2Portable(x, idx, y);
    }

    private static Vector512<T> Permute2Portable<T>(Vector512<T> x, Vector512<T> idx, Vector512<T> y) where T : unmanaged
    {
        var n = Vector512<T>.Count;
        var r = Vector512<T>.Zero;
        for (var i = 0; i < n; i++)
        {
            var j = (typeof(T) == typeof(float) ? idx.AsInt32().GetElement(i) : (int)idx.AsInt64().GetElement(i)) & (2 * n - 1);
            r = r.WithElement(i, j < n ? x.GetElement(j) : y.GetElement(j - n));
        }
        return r;
    }

    /// <summary>a·b + c, fused where the hardware can.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MulAdd<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        return a * b + c;
    }

    /// <summary>e^v lane-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp<T>(Vector512<T> v) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector512.Exp(v.AsSingle()).As<float, T>();
        return Vector512.Exp(v.AsDouble()).As<double, T>();
    }

    /// <summary>
    /// Writes the lane sums of the first <paramref name="count"/> (1–8) vectors to o[0..count): for float32 and 4 or
    /// 8 vectors four sums at a time (18 instructions instead of 4 separate reductions of ~10 each), else one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreLaneSums<T>(T* o, int count, Vector512<T> h0, Vector512<T> h1, Vector512<T> h2, Vector512<T> h3,
        Vector512<T> h4, Vector512<T> h5, Vector512<T> h6, Vector512<T> h7) where T : unmanaged
    {
        if (typeof(T) == typeof(float) && (count == 4 || count == 8) && Avx.IsSupported)
        {
            Vector128.Store(Sum4(h0.AsSingle(), h1.AsSingle(), h2.AsSingle(), h3.AsSingle()), (float*)o);
            if (count == 8) Vector128.Store(Sum4(h4.AsSingle(), h5.AsSingle(), h6.AsSingle(), h7.AsSingle()), (float*)o + 4);
            return;
        }
        o[0] = Vector512.Sum(h0);
        if (count > 1) o[1] = Vector512.Sum(h1);
        if (count > 2) o[2] = Vector512.Sum(h2);
        if (count > 3) o[3] = Vector512.Sum(h3);
        if (count > 4) o[4] = Vector512.Sum(h4);
        if (count > 5) o[5] = Vector512.Sum(h5);
        if (count > 6) o[6] = Vector512.Sum(h6);
        if (count > 7) o[7] = Vector512.Sum(h7);
    }

    /// <summary>The lane sums of four vectors, as one vector [Σa, Σb, Σc, Σd] (halves added, then pairwise adds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        var ab = Avx.HorizontalAdd(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper());
        var cd = Avx.HorizontalAdd(c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());
        var all = Avx.HorizontalAdd(ab, cd);
        return all.GetLower() + all.GetUpper();
    }

    /// <summary>
    /// The sums of the 8-lane halves of two vectors, [Σa.lo, Σa.hi, Σb.lo, Σb.hi]: pairwise adds within each half,
    /// then pairs of pairs, then the two 128-bit lanes (a fixed order). Needs AVX.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> HalfSums4(Vector512<float> a, Vector512<float> b)
    {
        var q = Avx.HorizontalAdd(Avx.HorizontalAdd(a.GetLower(), a.GetUpper()), Avx.HorizontalAdd(b.GetLower(), b.GetUpper()));
        return q.GetLower() + q.GetUpper();
    }

    /// <summary>
    /// The sums of the 8-lane halves of four vectors, [Σa.lo, Σa.hi, Σb.lo, …, Σd.hi], in the order of
    /// <see cref="HalfSums4"/>. Needs AVX.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfSums8(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        var ab = Avx.HorizontalAdd(Avx.HorizontalAdd(a.GetLower(), a.GetUpper()), Avx.HorizontalAdd(b.GetLower(), b.GetUpper()));
        var cd = Avx.HorizontalAdd(Avx.HorizontalAdd(c.GetLower(), c.GetUpper()), Avx.HorizontalAdd(d.GetLower(), d.GetUpper()));
        return Avx.Permute2x128(ab, cd, 0x20) + Avx.Permute2x128(ab, cd, 0x31);
    }

    /// <summary>Brings the cache line holding <paramref name="p"/> towards L1 (a hint; never faults).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(void* p)
    {
        if (Sse.IsSupported) Sse.Prefetch0(p);
    }

    /// <summary>
    /// Prefetches a row of <paramref name="slots"/> (1–8) 64-byte vector slots, unrolled: one line per slot plus the
    /// line its end may spill into when the row is not line-aligned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PrefetchSlots(byte* p, int slots)
    {
        Prefetch(p);
        if (slots > 1) Prefetch(p + 64);
        if (slots > 2) Prefetch(p + 128);
        if (slots > 3) Prefetch(p + 192);
        if (slots > 4) Prefetch(p + 256);
        if (slots > 5) Prefetch(p + 320);
        if (slots > 6) Prefetch(p + 384);
        if (slots > 7) Prefetch(p + 448);
        Prefetch(p + slots * 64 - 1);
    }

    /// <summary>Prefetches every cache line that [p, p + bytes) touches (bytes &gt; 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PrefetchLines(byte* p, int bytes)
    {
        if (!Sse.IsSupported) return;
        var line = (byte*)((nint)p & ~(nint)63);
        var end = p + bytes;
        do
        {
            Sse.Prefetch0(line);
            line += 64;
        }
        while (line < end);
    }

    /// <summary>Writes the index lanes of <paramref name="bits"/> (lane-width integers) to <paramref name="dst"/> as int32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreIndices<T>(int* dst, Vector512<T> bits, int count) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            var v = bits.AsInt32();
            if (count == 16) v.Store(dst);
            else for (var i = 0; i < count; i++) dst[i] = v.GetElement(i);
            return;
        }
        var l = bits.AsInt64();
        for (var i = 0; i < count; i++) dst[i] = (int)l.GetElement(i);
    }
}
