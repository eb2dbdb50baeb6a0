using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dgl.Sparse.Kernels;

// The type parameters the sparse kernels are specialised on. Each is a readonly struct with static abstract
// members, so a kernel written once as a generic loop is compiled by the JIT into one tight loop per
// (op, reducer, operand layout, edge-id mapping, register-block width) actually used, with every choice folded
// away: the DGL kernels' "one skeleton, op and reducer chosen once per call" in C# form.

/// <summary>A binary message op(lhs, rhs) over a source-node operand and an edge operand (or two any-side operands in SDDMM).</summary>
internal interface IEdgeOp
{
    static abstract bool UsesLhs { get; }

    static abstract bool UsesRhs { get; }

    static abstract T Apply<T>(T a, T b) where T : unmanaged, INumber<T>;

    static abstract Vector512<T> Apply<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged;

    /// <summary>acc + op(a, b); multiplication fuses into an FMA.</summary>
    static abstract Vector512<T> AddTo<T>(Vector512<T> acc, Vector512<T> a, Vector512<T> b) where T : unmanaged;
}

internal static class EdgeOp
{
    public readonly struct CopyLhs : IEdgeOp
    {
        public static bool UsesLhs => true;
        public static bool UsesRhs => false;
        public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a;
        public static Vector512<T> Apply<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged => a;
        public static Vector512<T> AddTo<T>(Vector512<T> acc, Vector512<T> a, Vector512<T> b) where T : unmanaged => acc + a;
    }

    public readonly struct CopyRhs : IEdgeOp
    {
        public static bool UsesLhs => false;
        public static bool UsesRhs => true;
        public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => b;
        public static Vector512<T> Apply<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged => b;
        public static Vector512<T> AddTo<T>(Vector512<T> acc, Vector512<T> a, Vector512<T> b) where T : unmanaged => acc + b;
    }

    public readonly struct Add : IEdgeOp
    {
        public static bool UsesLhs => true;
        public static bool UsesRhs => true;
        public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a + b;
        public static Vector512<T> Apply<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged => a + b;
        public static Vector512<T> AddTo<T>(Vector512<T> acc, Vector512<T> a, Vector512<T> b) where T : unmanaged => acc + (a + b);
    }

    public readonly struct Sub : IEdgeOp
    {
        public static bool UsesLhs => true;
        public static bool UsesRhs => true;
        public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a - b;
        public static Vector512<T> Apply<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged => a - b;
        public static Vector512<T> AddTo<T>(Vector512<T> acc, Vector512<T> a, Vector512<T> b) where T : unmanaged => acc + (a - b);
    }

    public readonly struct Mul : IEdgeOp
    {
        public static bool UsesLhs => true;
        public static bool UsesRhs => true;
        public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a * b;
        public static Vector512<T> Apply<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged => a * b;
        public static Vector512<T> AddTo<T>(Vector512<T> acc, Vector512<T> a, Vector512<T> b) where T : unmanaged => Simd.MulAdd(a, b, acc);
    }

    public readonly struct Div : IEdgeOp
    {
        public static bool UsesLhs => true;
        public static bool UsesRhs => true;
        public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a / b;
        public static Vector512<T> Apply<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged => a / b;
        public static Vector512<T> AddTo<T>(Vector512<T> acc, Vector512<T> a, Vector512<T> b) where T : unmanaged => acc + a / b;
    }
}

/// <summary>How messages combine at a destination. Mean is Sum followed by a division in the store.</summary>
internal interface IReducer
{
    /// <summary>True for max/min, which remember which entry won each element (for backward).</summary>
    static abstract bool TracksArg { get; }

    static abstract T Identity<T>() where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Lanes where message m replaces accumulator acc (max: m &gt; acc, so ties keep the first entry).</summary>
    static abstract Vector512<T> Wins<T>(Vector512<T> m, Vector512<T> acc) where T : unmanaged;

    /// <summary>Folds x (from entry k) into acc, for the scalar loop.</summary>
    static abstract void Combine<T>(ref T acc, ref int arg, T x, int k) where T : unmanaged, IFloatingPointIeee754<T>;
}

internal static class Reducer
{
    public readonly struct Sum : IReducer
    {
        public static bool TracksArg => false;
        public static T Identity<T>() where T : unmanaged, IFloatingPointIeee754<T> => T.Zero;

        public static Vector512<T> Wins<T>(Vector512<T> m, Vector512<T> acc) where T : unmanaged => default;

        public static void Combine<T>(ref T acc, ref int arg, T x, int k) where T : unmanaged, IFloatingPointIeee754<T> => acc += x;
    }

    public readonly struct Max : IReducer
    {
        public static bool TracksArg => true;
        public static T Identity<T>() where T : unmanaged, IFloatingPointIeee754<T> => T.NegativeInfinity;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Wins<T>(Vector512<T> m, Vector512<T> acc) where T : unmanaged => Vector512.GreaterThan(m, acc);

        public static void Combine<T>(ref T acc, ref int arg, T x, int k) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (x > acc) { acc = x; arg = k; }
        }
    }

    public readonly struct Min : IReducer
    {
        public static bool TracksArg => true;
        public static T Identity<T>() where T : unmanaged, IFloatingPointIeee754<T> => T.PositiveInfinity;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Wins<T>(Vector512<T> m, Vector512<T> acc) where T : unmanaged => Vector512.LessThan(m, acc);

        public static void Combine<T>(ref T acc, ref int arg, T x, int k) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (x < acc) { acc = x; arg = k; }
        }
    }
}

/// <summary>How one operand's row is read into the vector slots of an output row (see <see cref="LoadMode"/>).</summary>
/// <remarks>Contiguous and Broadcast receive the row already advanced to the block's base offset. Each read is a
/// single expression so that the JIT can fold it into the instruction that uses it.</remarks>
internal unsafe interface ILoader
{
    /// <summary>True for modes that read the row at the block's base offset (the caller advances the pointer).</summary>
    static abstract bool UsesBase { get; }

    /// <summary>Per-entry work shared by all slots (broadcast the element, or load the whole short row).</summary>
    static abstract Vector512<T> Prepare<T>(T* row, Vector512<T> rowMask, int rowLength) where T : unmanaged;

    /// <summary>The operand's values for full slot <paramref name="slot"/> of the block.</summary>
    static abstract Vector512<T> Load<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index) where T : unmanaged;

    /// <summary>The same for the partial last slot (only its first <paramref name="tailCount"/> lanes are read).</summary>
    static abstract Vector512<T> LoadTail<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index,
        Vector512<T> tailMask, int tailCount) where T : unmanaged;
}

internal static unsafe class Loader
{
    public readonly struct None : ILoader
    {
        public static bool UsesBase => false;
        public static Vector512<T> Prepare<T>(T* row, Vector512<T> rowMask, int rowLength) where T : unmanaged => default;
        public static Vector512<T> Load<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index) where T : unmanaged => default;
        public static Vector512<T> LoadTail<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index,
            Vector512<T> tailMask, int tailCount) where T : unmanaged => default;
    }

    public readonly struct Broadcast : ILoader
    {
        public static bool UsesBase => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Prepare<T>(T* row, Vector512<T> rowMask, int rowLength) where T : unmanaged => Vector512.Create(*row);

        public static Vector512<T> Load<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index) where T : unmanaged => prepared;

        public static Vector512<T> LoadTail<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index,
            Vector512<T> tailMask, int tailCount) where T : unmanaged => prepared;
    }

    public readonly struct Contiguous : ILoader
    {
        public static bool UsesBase => true;
        public static Vector512<T> Prepare<T>(T* row, Vector512<T> rowMask, int rowLength) where T : unmanaged => default;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Load<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index) where T : unmanaged =>
            Vector512.Load(row + slot * Vector512<T>.Count);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> LoadTail<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index,
            Vector512<T> tailMask, int tailCount) where T : unmanaged =>
            Simd.LoadPartial(row + slot * Vector512<T>.Count, tailMask, tailCount);
    }

    public readonly struct Full : ILoader
    {
        public static bool UsesBase => false;
        public static Vector512<T> Prepare<T>(T* row, Vector512<T> rowMask, int rowLength) where T : unmanaged => default;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Load<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index) where T : unmanaged =>
            Vector512.Load(row + offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> LoadTail<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index,
            Vector512<T> tailMask, int tailCount) where T : unmanaged => Simd.LoadPartial(row + offset, tailMask, tailCount);
    }

    public readonly struct Permute : ILoader
    {
        public static bool UsesBase => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Prepare<T>(T* row, Vector512<T> rowMask, int rowLength) where T : unmanaged =>
            Simd.LoadPartial(row, rowMask, rowLength);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Load<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index) where T : unmanaged =>
            Simd.Permute(prepared, index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> LoadTail<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index,
            Vector512<T> tailMask, int tailCount) where T : unmanaged => Simd.Permute(prepared, index);
    }

    public readonly struct Scalar : ILoader
    {
        public static bool UsesBase => false;
        public static Vector512<T> Prepare<T>(T* row, Vector512<T> rowMask, int rowLength) where T : unmanaged => default;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Load<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index) where T : unmanaged =>
            Vector512.Create(row[offset]);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> LoadTail<T>(T* row, Vector512<T> prepared, int slot, int offset, Vector512<T> index,
            Vector512<T> tailMask, int tailCount) where T : unmanaged => Vector512.Create(row[offset]);
    }
}

/// <summary>Maps a CSR entry position to the edge id that indexes edge features.</summary>
internal unsafe interface IEdgeMap
{
    static abstract long Edge(long k, int* edgeIds);
}

internal static unsafe class EdgeMap
{
    /// <summary>Entry k is edge k (CSR built from dst-sorted COO, segment rows): edge features stream in order.</summary>
    public readonly struct Identity : IEdgeMap
    {
        public static long Edge(long k, int* edgeIds) => k;
    }

    /// <summary>Entry k is edge edgeIds[k].</summary>
    public readonly struct Mapped : IEdgeMap
    {
        public static long Edge(long k, int* edgeIds) => edgeIds[k];
    }
}

/// <summary>A compile-time count of vector accumulators (register block width).</summary>
internal interface IWidth
{
    static abstract int N { get; }
}

internal static class Width
{
    public readonly struct W1 : IWidth { public static int N => 1; }
    public readonly struct W2 : IWidth { public static int N => 2; }
    public readonly struct W3 : IWidth { public static int N => 3; }
    public readonly struct W4 : IWidth { public static int N => 4; }
    public readonly struct W5 : IWidth { public static int N => 5; }
    public readonly struct W6 : IWidth { public static int N => 6; }
    public readonly struct W7 : IWidth { public static int N => 7; }
    public readonly struct W8 : IWidth { public static int N => 8; }
}

/// <summary>A compile-time boolean.</summary>
internal interface IFlag
{
    static abstract bool Value { get; }
}

internal static class Flag
{
    public readonly struct Yes : IFlag { public static bool Value => true; }
    public readonly struct No : IFlag { public static bool Value => false; }
}
