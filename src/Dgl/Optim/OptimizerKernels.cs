using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Dgl.Tensors;
using Dgl.Tensors.Kernels;

namespace Dgl.Optim;

/// <summary>
/// One SIMD width's operations, so that an update rule is written once and instantiated for Vector512, Vector256
/// and scalars (the JIT specialises each). Every path performs the same IEEE operations in the same order, so an
/// element's result does not depend on which path handled it.
/// </summary>
internal interface ISimd<TV, T> where T : unmanaged
{
    static abstract int Count { get; }

    static abstract TV Load(ref T p, int i);

    static abstract void Store(TV v, ref T p, int i);

    static abstract TV Splat(T x);

    static abstract TV Add(TV a, TV b);

    static abstract TV Sub(TV a, TV b);

    static abstract TV Mul(TV a, TV b);

    static abstract TV Div(TV a, TV b);

    static abstract TV Sqrt(TV a);

    static abstract TV Max(TV a, TV b);
}

internal readonly struct Simd512<T> : ISimd<Vector512<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(ref T p, int i) => Vector512.LoadUnsafe(ref p, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> v, ref T p, int i) => v.StoreUnsafe(ref p, (nuint)i);

    public static Vector512<T> Splat(T x) => Vector512.Create(x);

    public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;

    public static Vector512<T> Sub(Vector512<T> a, Vector512<T> b) => a - b;

    public static Vector512<T> Mul(Vector512<T> a, Vector512<T> b) => a * b;

    public static Vector512<T> Div(Vector512<T> a, Vector512<T> b) => a / b;

    public static Vector512<T> Sqrt(Vector512<T> a) => Vector512.Sqrt(a);

    public static Vector512<T> Max(Vector512<T> a, Vector512<T> b) => Vector512.Max(a, b);
}

internal readonly struct Simd256<T> : ISimd<Vector256<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(ref T p, int i) => Vector256.LoadUnsafe(ref p, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> v, ref T p, int i) => v.StoreUnsafe(ref p, (nuint)i);

    public static Vector256<T> Splat(T x) => Vector256.Create(x);

    public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;

    public static Vector256<T> Sub(Vector256<T> a, Vector256<T> b) => a - b;

    public static Vector256<T> Mul(Vector256<T> a, Vector256<T> b) => a * b;

    public static Vector256<T> Div(Vector256<T> a, Vector256<T> b) => a / b;

    public static Vector256<T> Sqrt(Vector256<T> a) => Vector256.Sqrt(a);

    public static Vector256<T> Max(Vector256<T> a, Vector256<T> b) => Vector256.Max(a, b);
}

internal readonly struct SimdScalar<T> : ISimd<T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load(ref T p, int i) => Unsafe.Add(ref p, i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T v, ref T p, int i) => Unsafe.Add(ref p, i) = v;

    public static T Splat(T x) => x;

    public static T Add(T a, T b) => a + b;

    public static T Sub(T a, T b) => a - b;

    public static T Mul(T a, T b) => a * b;

    public static T Div(T a, T b) => a / b;

    public static T Sqrt(T a) => T.Sqrt(a);

    public static T Max(T a, T b) => T.Max(a, b);
}

/// <summary>An update rule over [start, end) of a parameter's elements, written once for every SIMD width.</summary>
internal interface IUpdateRule<T> where T : unmanaged
{
    /// <summary>Updates elements from <paramref name="start"/> in whole vectors of <typeparamref name="TS"/>'s width; returns where it stopped.</summary>
    int Run<TV, TS>(int start, int end) where TS : ISimd<TV, T>;
}

/// <summary>Runs an update rule over a parameter: Vector512, then Vector256, then scalars for the tail; large parameters split across threads.</summary>
internal static class UpdateDriver
{
    /// <summary>Elements per thread below which a parameter is updated on one thread.</summary>
    private const int Grain = 1 << 16;

    public static void Run<T, TRule>(TRule rule, int n) where T : unmanaged, IFloatingPointIeee754<T> where TRule : struct, IUpdateRule<T>
    {
        if (n <= Grain || Parallelism.MaxThreads == 1) RunRange<T, TRule>(rule, 0, n);
        else RunParallel<T, TRule>(rule, n);
    }

    // Apart from Run because a lambda capturing the rule allocates its closure on entry to the method that declares it.
    private static void RunParallel<T, TRule>(TRule rule, int n) where T : unmanaged, IFloatingPointIeee754<T> where TRule : struct, IUpdateRule<T> =>
        // Elementwise, so splitting cannot change any result.
        Parallelism.For(n, Grain, (s, e) => RunRange<T, TRule>(rule, s, e));

    private static void RunRange<T, TRule>(TRule rule, int start, int end) where T : unmanaged, IFloatingPointIeee754<T> where TRule : struct, IUpdateRule<T>
    {
        var i = start;
        if (Vector512.IsHardwareAccelerated) i = rule.Run<Vector512<T>, Simd512<T>>(i, end);
        if (Vector256.IsHardwareAccelerated) i = rule.Run<Vector256<T>, Simd256<T>>(i, end);
        rule.Run<T, SimdScalar<T>>(i, end);
    }

    /// <summary>A reference to a tensor's first element.</summary>
    public static ref T Ref<T>(Tensor t) where T : unmanaged => ref MemoryMarshal.GetReference(t.Span<T>());
}
