using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dgl.Tensors.Kernels;

/// <summary>
/// The vector operations a GEMM micro-kernel needs at one vector width, with the tile height that fills that
/// width's register file. One struct per width (512/256/128 bits) so the JIT specialises the kernel for each.
/// </summary>
internal unsafe interface IGemmVector<TVec, T>
    where TVec : struct
    where T : unmanaged
{
    /// <summary>Elements per vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>Tile rows (MR): rows of op(A) broadcast against each loaded row of op(B).</summary>
    static abstract int Rows { get; }

    /// <summary>Most vectors per tile row (NR = MaxVectors·Lanes), bounded by the accumulator registers.</summary>
    static abstract int MaxVectors { get; }

    static abstract TVec Load(T* p);

    static abstract void Store(T* p, TVec v);

    static abstract TVec Broadcast(T x);

    /// <summary>a·b + c with one rounding.</summary>
    static abstract TVec Fma(TVec a, TVec b, TVec c);

    static abstract TVec Multiply(TVec a, TVec b);

    /// <summary>Sum of the lanes, in the fixed order of the platform's reduction for this width.</summary>
    static abstract T Sum(TVec v);
}

/// <summary>AVX-512: 32 registers hold an 8×3-vector accumulator tile, 3 rows of op(B) and a broadcast.</summary>
internal readonly unsafe struct GemmVector512<T> : IGemmVector<Vector512<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Lanes => Vector512<T>.Count;

    public static int Rows => 8;

    public static int MaxVectors => 3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(T* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* p, Vector512<T> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T x) => Vector512.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector512<T> v) => Vector512.Sum(v);
}

/// <summary>AVX2: 16 registers hold a 6×2-vector accumulator tile, 2 rows of op(B) and a broadcast.</summary>
internal readonly unsafe struct GemmVector256<T> : IGemmVector<Vector256<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Lanes => Vector256<T>.Count;

    public static int Rows => 6;

    public static int MaxVectors => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(T* p) => Vector256.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* p, Vector256<T> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T x) => Vector256.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> a, Vector256<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256<T> v) => Vector256.Sum(v);
}

/// <summary>SSE/NEON: a 4×2-vector accumulator tile fits the 16 registers of the smallest target.</summary>
internal readonly unsafe struct GemmVector128<T> : IGemmVector<Vector128<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Lanes => Vector128<T>.Count;

    public static int Rows => 4;

    public static int MaxVectors => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(T* p) => Vector128.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* p, Vector128<T> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Broadcast(T x) => Vector128.Create(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Fma(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> a, Vector128<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector128<T> v) => Vector128.Sum(v);
}

/// <summary>How a finished tile meets C.</summary>
internal enum GemmStore
{
    /// <summary>C = α·acc (β = 0 on the first k-slab: C is not read, so it may hold garbage).</summary>
    Overwrite,

    /// <summary>C = α·acc + C (β = 1 on the first k-slab, and every later k-slab).</summary>
    Accumulate,

    /// <summary>C = α·acc + β·C (other β on the first k-slab).</summary>
    Scale,
}

/// <summary>Vectors per tile row, a type so that the JIT drops the unused accumulators.</summary>
internal interface IGemmWidth
{
    static abstract int Vectors { get; }
}

internal readonly struct GemmWidth1 : IGemmWidth
{
    public static int Vectors => 1;
}

internal readonly struct GemmWidth2 : IGemmWidth
{
    public static int Vectors => 2;
}

internal readonly struct GemmWidth3 : IGemmWidth
{
    public static int Vectors => 3;
}

/// <summary>
/// The register-blocked micro-kernel: an MR×(NV·lanes) tile of C from kc steps of rank-1 updates. Each step loads
/// NV vectors of a row of op(B) and broadcasts MR elements of a column of op(A) against them; every accumulator
/// lane is one element of C summed over p = 0..kc-1 in order with fused multiply-adds, so an element's value does not
/// depend on which tile, kernel width or thread computed it.
/// </summary>
/// <remarks>
/// A is addressed as a[r·ars + p·aps] so the same kernel reads packed slivers (ars = 1, aps = MR), row-major A
/// (ars = lda, aps = 1) and transposed A (ars = 1, aps = lda) in place; rows past <c>rows</c> re-read the last valid
/// row (never out of bounds) and are not stored. B is addressed as b[p·bps + j] and must be readable for the whole
/// NV·lanes width of every step (packing pads the last sliver with zeros).
/// </remarks>
internal static unsafe class GemmMicroKernel<T, TVec, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVec : struct
    where TOps : IGemmVector<TVec, T>
{
    /// <summary>
    /// Runs the tile with <paramref name="vectors"/> vectors per row (1 ≤ vectors ≤ MaxVectors) and stores its
    /// <paramref name="rows"/>×<paramref name="cols"/> corner at c[r·ldc + j·cs] (cs is 1 except when the caller
    /// computes Cᵀ).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(int vectors, T* a, nint ars, nint aps, T* b, nint bps, nint kc, T* c, nint ldc, nint cs,
        int rows, int cols, T alpha, T beta, GemmStore mode)
    {
        if (vectors == 3 && TOps.MaxVectors >= 3) Tile<GemmWidth3>(a, ars, aps, b, bps, kc, c, ldc, cs, rows, cols, alpha, beta, mode);
        else if (vectors == 2) Tile<GemmWidth2>(a, ars, aps, b, bps, kc, c, ldc, cs, rows, cols, alpha, beta, mode);
        else Tile<GemmWidth1>(a, ars, aps, b, bps, kc, c, ldc, cs, rows, cols, alpha, beta, mode);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Tile<TW>(T* a, nint ars, nint aps, T* b, nint bps, nint kc, T* c, nint ldc, nint cs,
        int rows, int cols, T alpha, T beta, GemmStore mode)
        where TW : IGemmWidth
    {
        var mr = TOps.Rows;
        var nv = TW.Vectors;
        var w = TOps.Lanes;
        var last = rows - 1;
        nint o1 = Math.Min(1, last) * ars, o2 = Math.Min(2, last) * ars, o3 = Math.Min(3, last) * ars;
        nint o4 = Math.Min(4, last) * ars, o5 = Math.Min(5, last) * ars, o6 = Math.Min(6, last) * ars, o7 = Math.Min(7, last) * ars;
        TVec c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        TVec c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        TVec c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        TVec c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (nint p = 0; p < kc; p++)
        {
            var b0 = TOps.Load(b);
            var b1 = nv > 1 ? TOps.Load(b + w) : default;
            var b2 = nv > 2 ? TOps.Load(b + 2 * w) : default;
            var x = TOps.Broadcast(a[0]);
            c00 = TOps.Fma(x, b0, c00);
            if (nv > 1) c01 = TOps.Fma(x, b1, c01);
            if (nv > 2) c02 = TOps.Fma(x, b2, c02);
            if (mr > 1)
            {
                x = TOps.Broadcast(a[o1]);
                c10 = TOps.Fma(x, b0, c10);
                if (nv > 1) c11 = TOps.Fma(x, b1, c11);
                if (nv > 2) c12 = TOps.Fma(x, b2, c12);
            }
            if (mr > 2)
            {
                x = TOps.Broadcast(a[o2]);
                c20 = TOps.Fma(x, b0, c20);
                if (nv > 1) c21 = TOps.Fma(x, b1, c21);
                if (nv > 2) c22 = TOps.Fma(x, b2, c22);
            }
            if (mr > 3)
            {
                x = TOps.Broadcast(a[o3]);
                c30 = TOps.Fma(x, b0, c30);
                if (nv > 1) c31 = TOps.Fma(x, b1, c31);
                if (nv > 2) c32 = TOps.Fma(x, b2, c32);
            }
            if (mr > 4)
            {
                x = TOps.Broadcast(a[o4]);
                c40 = TOps.Fma(x, b0, c40);
                if (nv > 1) c41 = TOps.Fma(x, b1, c41);
                if (nv > 2) c42 = TOps.Fma(x, b2, c42);
            }
            if (mr > 5)
            {
                x = TOps.Broadcast(a[o5]);
                c50 = TOps.Fma(x, b0, c50);
                if (nv > 1) c51 = TOps.Fma(x, b1, c51);
                if (nv > 2) c52 = TOps.Fma(x, b2, c52);
            }
            if (mr > 6)
            {
                x = TOps.Broadcast(a[o6]);
                c60 = TOps.Fma(x, b0, c60);
                if (nv > 1) c61 = TOps.Fma(x, b1, c61);
                if (nv > 2) c62 = TOps.Fma(x, b2, c62);
            }
            if (mr > 7)
            {
                x = TOps.Broadcast(a[o7]);
                c70 = TOps.Fma(x, b0, c70);
                if (nv > 1) c71 = TOps.Fma(x, b1, c71);
                if (nv > 2) c72 = TOps.Fma(x, b2, c72);
            }
            a += aps;
            b += bps;
        }

        if (rows == mr && cols == nv * w && cs == 1)
        {
            var al = TOps.Broadcast(alpha);
            var be = TOps.Broadcast(beta);
            Row<TW>(c, c00, c01, c02, al, be, mode);
            if (mr > 1) Row<TW>(c + ldc, c10, c11, c12, al, be, mode);
            if (mr > 2) Row<TW>(c + 2 * ldc, c20, c21, c22, al, be, mode);
            if (mr > 3) Row<TW>(c + 3 * ldc, c30, c31, c32, al, be, mode);
            if (mr > 4) Row<TW>(c + 4 * ldc, c40, c41, c42, al, be, mode);
            if (mr > 5) Row<TW>(c + 5 * ldc, c50, c51, c52, al, be, mode);
            if (mr > 6) Row<TW>(c + 6 * ldc, c60, c61, c62, al, be, mode);
            if (mr > 7) Row<TW>(c + 7 * ldc, c70, c71, c72, al, be, mode);
            return;
        }

        // A ragged tile at the bottom or right edge of C, or a tile of Cᵀ: spill the accumulators and store element
        // by element, with the same fused operations as the vector path so that the bits match.
        const int MaxTile = 8 * 3 * 64;
        var tmp = stackalloc byte[MaxTile];
        var t = (T*)tmp;
        var stride = nv * w;
        Spill<TW>(t, c00, c01, c02);
        if (mr > 1) Spill<TW>(t + stride, c10, c11, c12);
        if (mr > 2) Spill<TW>(t + 2 * stride, c20, c21, c22);
        if (mr > 3) Spill<TW>(t + 3 * stride, c30, c31, c32);
        if (mr > 4) Spill<TW>(t + 4 * stride, c40, c41, c42);
        if (mr > 5) Spill<TW>(t + 5 * stride, c50, c51, c52);
        if (mr > 6) Spill<TW>(t + 6 * stride, c60, c61, c62);
        if (mr > 7) Spill<TW>(t + 7 * stride, c70, c71, c72);
        StoreRagged(t, stride, c, ldc, cs, rows, cols, alpha, beta, mode);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TW>(T* c, TVec x0, TVec x1, TVec x2, TVec alpha, TVec beta, GemmStore mode)
        where TW : IGemmWidth
    {
        Put(c, x0, alpha, beta, mode);
        if (TW.Vectors > 1) Put(c + TOps.Lanes, x1, alpha, beta, mode);
        if (TW.Vectors > 2) Put(c + 2 * TOps.Lanes, x2, alpha, beta, mode);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(T* c, TVec acc, TVec alpha, TVec beta, GemmStore mode)
    {
        if (mode == GemmStore.Overwrite) TOps.Store(c, TOps.Multiply(alpha, acc));
        else if (mode == GemmStore.Accumulate) TOps.Store(c, TOps.Fma(alpha, acc, TOps.Load(c)));
        else TOps.Store(c, TOps.Fma(alpha, acc, TOps.Multiply(beta, TOps.Load(c))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Spill<TW>(T* t, TVec x0, TVec x1, TVec x2)
        where TW : IGemmWidth
    {
        TOps.Store(t, x0);
        if (TW.Vectors > 1) TOps.Store(t + TOps.Lanes, x1);
        if (TW.Vectors > 2) TOps.Store(t + 2 * TOps.Lanes, x2);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreRagged(T* t, int stride, T* c, nint ldc, nint cs, int rows, int cols, T alpha, T beta, GemmStore mode)
    {
        for (var r = 0; r < rows; r++)
        {
            var src = t + r * stride;
            var dst = c + r * ldc;
            for (var j = 0; j < cols; j++)
            {
                ref var x = ref dst[j * cs];
                x = mode switch
                {
                    GemmStore.Overwrite => alpha * src[j],
                    GemmStore.Accumulate => T.FusedMultiplyAdd(alpha, src[j], x),
                    _ => T.FusedMultiplyAdd(alpha, src[j], beta * x),
                };
            }
        }
    }
}
