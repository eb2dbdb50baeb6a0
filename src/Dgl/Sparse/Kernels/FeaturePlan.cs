using System.Runtime.Intrinsics;
using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Sparse.Kernels;

/// <summary>
/// How the per-node / per-edge feature shapes of two operands combine (DGL's broadcasting rule): the shapes
/// without their first (node or edge) dimension are padded with leading 1s to equal rank and broadcast NumPy-style.
/// <see cref="BinaryOp.Dot"/> requires equal last dimensions, reduces over them and keeps them as size 1.
/// </summary>
/// <remarks>For every output element (or, for dot, every output group) the plan records which element of each
/// operand's row it reads; the vector layouts below and the scalar fallback are both built from those maps.</remarks>
internal sealed class FeatureBroadcast
{
    private FeatureBroadcast(int[] outShape, int lhsLength, int rhsLength, int[]? lhsIndex, int[]? rhsIndex, int dotLength)
    {
        OutShape = outShape;
        LhsLength = lhsLength;
        RhsLength = rhsLength;
        LhsIndex = lhsIndex;
        RhsIndex = rhsIndex;
        DotLength = dotLength;
        var n = 1;
        foreach (var d in outShape) n *= d;
        OutLength = n;
    }

    /// <summary>Output feature shape.</summary>
    public int[] OutShape { get; }

    /// <summary>Elements per output row.</summary>
    public int OutLength { get; }

    /// <summary>Elements per left-operand row (0 when unused).</summary>
    public int LhsLength { get; }

    /// <summary>Elements per right-operand row (0 when unused).</summary>
    public int RhsLength { get; }

    /// <summary>Output element j reads lhs row element LhsIndex[j] (for dot: the group's first element); null when unused.</summary>
    public int[]? LhsIndex { get; }

    /// <summary>Output element j reads rhs row element RhsIndex[j]; null when unused.</summary>
    public int[]? RhsIndex { get; }

    /// <summary>Length of the reduced last dimension for dot (0 otherwise).</summary>
    public int DotLength { get; }

    /// <summary>True when no output element reads a broadcast operand element (both rows are the output row).</summary>
    public bool IsElementwise =>
        (LhsIndex is null || LhsLength == OutLength) && (RhsIndex is null || RhsLength == OutLength) && DotLength == 0;

    /// <summary>Plans <paramref name="op"/> over operands with feature shapes <paramref name="lhs"/> and <paramref name="rhs"/>
    /// (null when the op does not read that operand).</summary>
    /// <exception cref="TensorShapeException">The shapes do not broadcast; the message names <paramref name="opName"/> and both shapes.</exception>
    public static FeatureBroadcast Create(string opName, BinaryOp op, int[]? lhs, int[]? rhs)
    {
        switch (op)
        {
            case BinaryOp.CopyLhs:
                return new FeatureBroadcast(lhs!, Product(lhs!), 0, Iota(Product(lhs!)), null, 0);
            case BinaryOp.CopyRhs:
                return new FeatureBroadcast(rhs!, 0, Product(rhs!), null, Iota(Product(rhs!)), 0);
        }
        ArgumentNullException.ThrowIfNull(lhs);
        ArgumentNullException.ThrowIfNull(rhs);
        var dot = op == BinaryOp.Dot;
        if (dot)
        {
            if (lhs.Length == 0 || rhs.Length == 0 || lhs[^1] != rhs[^1])
                throw new TensorShapeException($"{opName}: dot needs equal last feature dimensions; got feature shapes {Fmt(lhs)} and {Fmt(rhs)}");
        }
        var rank = Math.Max(lhs.Length, rhs.Length);
        var pl = Pad(lhs, rank);
        var pr = Pad(rhs, rank);
        var outShape = new int[rank];
        for (var d = 0; d < rank; d++)
        {
            if (pl[d] != pr[d] && pl[d] != 1 && pr[d] != 1)
                throw new TensorShapeException($"{opName}: feature shapes {Fmt(lhs)} and {Fmt(rhs)} cannot be broadcast (aligned from the right, dimension {d}: {pl[d]} vs {pr[d]})");
            outShape[d] = Math.Max(pl[d], pr[d]);
        }
        if (!dot)
        {
            return new FeatureBroadcast(outShape, Product(lhs), Product(rhs), Map(outShape, pl, 1), Map(outShape, pr, 1), 0);
        }
        // Dot: the output keeps every dimension but the last, which becomes 1; groups index the leading dims.
        var k = outShape[^1];
        var groupShape = outShape[..^1];
        var lg = pl[..^1];
        var rg = pr[..^1];
        var result = (int[])outShape.Clone();
        result[^1] = 1;
        return new FeatureBroadcast(result, Product(lhs), Product(rhs), Map(groupShape, lg, k), Map(groupShape, rg, k), k);
    }

    private static int[] Pad(int[] s, int rank)
    {
        var p = new int[rank];
        for (var i = 0; i < rank; i++) p[i] = i < rank - s.Length ? 1 : s[i - (rank - s.Length)];
        return p;
    }

    /// <summary>For each element of <paramref name="outShape"/>, the flat index (times <paramref name="scale"/>) of the
    /// element of a <paramref name="operand"/>-shaped row it reads.</summary>
    private static int[] Map(int[] outShape, int[] operand, int scale)
    {
        var n = Product(outShape);
        var map = new int[n];
        var rank = outShape.Length;
        var idx = new int[rank];
        for (var j = 0; j < n; j++)
        {
            var flat = 0;
            for (var d = 0; d < rank; d++) flat = flat * operand[d] + (operand[d] == 1 ? 0 : idx[d]);
            map[j] = flat * scale;
            for (var d = rank - 1; d >= 0; d--)
            {
                if (++idx[d] < outShape[d]) break;
                idx[d] = 0;
            }
        }
        return map;
    }

    private static int[] Iota(int n)
    {
        var a = new int[n];
        for (var i = 0; i < n; i++) a[i] = i;
        return a;
    }

    internal static int Product(ReadOnlySpan<int> s)
    {
        var n = 1;
        foreach (var d in s) n *= d;
        return n;
    }

    internal static string Fmt(int[] s) => "[" + string.Join(", ", s) + "]";
}

/// <summary>How the vector kernels read one operand (cheapest first).</summary>
internal enum LoadMode
{
    /// <summary>Not read.</summary>
    None,

    /// <summary>One element for the whole output row, broadcast once per entry (edge weights [E, 1]).</summary>
    Broadcast,

    /// <summary>Slot i reads the run starting at offset + i·width (the operand row is the output row).</summary>
    Contiguous,

    /// <summary>Slot i reads a contiguous run at its own offset.</summary>
    Full,

    /// <summary>The operand row fits in one vector, loaded once per entry; each slot permutes its lanes out of it
    /// (per-head weights [E, H, 1] with any head width).</summary>
    Permute,

    /// <summary>Slot i repeats one element of its own (a long operand row broadcast along the last dimension).</summary>
    Scalar,
}

/// <summary>
/// One operand's reads, slot by slot: an output row is cut into slots of one vector each (the last may be partial),
/// and <see cref="Mode"/> says how each slot's lanes are found in the operand's row.
/// </summary>
internal sealed class OperandLayout<T> where T : unmanaged
{
    public LoadMode Mode { get; init; }

    /// <summary>Elements per operand row.</summary>
    public int Length { get; init; }

    /// <summary>Per slot: the first element read (Contiguous, Full) or the element repeated (Broadcast, Scalar).</summary>
    public int[] SlotOffset { get; init; } = [];

    /// <summary>Per slot, for Permute: which lane of the row each output lane takes.</summary>
    public Vector512<T>[] SlotIndex { get; init; } = [];

    /// <summary>Mask of the operand row's lanes (Permute loads the row with it).</summary>
    public Vector512<T> RowMask { get; init; }

    public static readonly OperandLayout<T> Unused = new() { Mode = LoadMode.None };

    /// <summary>The layout for an operand whose output element j reads row element <paramref name="index"/>[j];
    /// null when no vector layout fits (the kernel then uses its scalar loop).</summary>
    public static OperandLayout<T>? Create(int[]? index, int length, int outLength)
    {
        if (index is null) return Unused;
        var v = Vector512<T>.Count;
        var slots = (outLength + v - 1) / v;
        bool contiguous = true, constant = true;
        var offsets = new int[slots];
        for (var s = 0; s < slots; s++)
        {
            var first = index[s * v];
            offsets[s] = first;
            var end = Math.Min(outLength, (s + 1) * v);
            for (var j = s * v + 1; j < end; j++)
            {
                if (index[j] != first + (j - s * v)) contiguous = false;
                if (index[j] != first) constant = false;
            }
        }
        var single = true;
        for (var s = 1; s < slots && single; s++) single = offsets[s] == offsets[0];
        if (constant && single) return new OperandLayout<T> { Mode = LoadMode.Broadcast, Length = length, SlotOffset = offsets };
        if (contiguous)
        {
            var consecutive = true;
            for (var s = 1; s < slots; s++) consecutive &= offsets[s] == offsets[0] + s * v;
            return new OperandLayout<T> { Mode = consecutive ? LoadMode.Contiguous : LoadMode.Full, Length = length, SlotOffset = offsets };
        }
        if (length > v)
            return constant ? new OperandLayout<T> { Mode = LoadMode.Scalar, Length = length, SlotOffset = offsets } : null;
        var idx = new Vector512<T>[slots];
        Span<int> lanes = stackalloc int[v];
        for (var s = 0; s < slots; s++)
        {
            lanes.Clear();
            var end = Math.Min(outLength, (s + 1) * v);
            for (var j = s * v; j < end; j++) lanes[j - s * v] = index[j];
            idx[s] = Simd.IndexVector<T>(lanes);
        }
        return new OperandLayout<T>
        {
            Mode = LoadMode.Permute, Length = length, SlotOffset = offsets, SlotIndex = idx, RowMask = Simd.LaneMask<T>(length),
        };
    }
}

/// <summary>The vector layout of an elementwise op over an output row: both operands' layouts and the tail slot.</summary>
internal sealed class VectorPlan<T> where T : unmanaged
{
    private VectorPlan(FeatureBroadcast shape, OperandLayout<T>? lhs, OperandLayout<T>? rhs)
    {
        Shape = shape;
        var v = Vector512<T>.Count;
        OutLength = shape.OutLength;
        Slots = (OutLength + v - 1) / v;
        TailCount = OutLength - (Slots - 1) * v;
        HasTail = OutLength > 0 && TailCount != v;
        TailMask = Simd.LaneMask<T>(TailCount);
        Lhs = lhs ?? OperandLayout<T>.Unused;
        Rhs = rhs ?? OperandLayout<T>.Unused;
        Vectorized = lhs is not null && rhs is not null;
    }

    public FeatureBroadcast Shape { get; }

    public int OutLength { get; }

    /// <summary>Vectors per output row.</summary>
    public int Slots { get; }

    /// <summary>Valid lanes of the last slot.</summary>
    public int TailCount { get; }

    /// <summary>True when the last slot is partial.</summary>
    public bool HasTail { get; }

    public Vector512<T> TailMask { get; }

    public OperandLayout<T> Lhs { get; }

    public OperandLayout<T> Rhs { get; }

    /// <summary>False when some operand needs the scalar loop.</summary>
    public bool Vectorized { get; }

    public static VectorPlan<T> Create(FeatureBroadcast shape)
    {
        var lhs = OperandLayout<T>.Create(shape.LhsIndex, shape.LhsLength, shape.OutLength);
        var rhs = OperandLayout<T>.Create(shape.RhsIndex, shape.RhsLength, shape.OutLength);
        return new VectorPlan<T>(shape, lhs, rhs);
    }
}
