using Dgl.Sparse.Kernels;
using Dgl.Tensors;

namespace Dgl.Ops;

/// <summary>Kernel calls on tensors without autograd, and the shape helpers the sparse ops' forward and backward share.</summary>
internal static class SparseCore
{
    /// <summary>The feature shape: every dimension but the first.</summary>
    public static int[] Feat(Tensor t) => t.Rank == 0 ? [] : t.Shape.ToArray()[1..];

    public static void CheckFloat(string op, Tensor t, string what)
    {
        if (!t.DType.IsFloatingPoint())
            throw new TensorDTypeException($"{op}: {what} has dtype {t.DType.Name()}; expected float32 or float64");
        if (t.Rank == 0)
            throw new TensorShapeException($"{op}: {what} is a scalar (shape []); expected a first dimension over nodes or edges");
    }

    /// <summary>g-SpMM forward: a fresh [rows, out…] tensor, and for max/min the winning entry of each element.</summary>
    public static Tensor Spmm(in SparseRows g, FeatureBroadcast shape, BinaryOp op, ReduceOp reduce, Tensor? lhs, Tensor? rhs,
        DType dtype, out int[]? arg)
    {
        var y = Tensor.Uninitialized(Shape.Wrap([g.NumRows, .. shape.OutShape]), dtype);
        arg = reduce is ReduceOp.Max or ReduceOp.Min ? GC.AllocateUninitializedArray<int>(g.NumRows * shape.OutLength) : null;
        if (dtype == DType.Float32)
            SpmmKernel.Run(g, shape, op, reduce, lhs is null ? default : lhs.Span<float>(), rhs is null ? default : rhs.Span<float>(), y.Span<float>(), arg);
        else
            SpmmKernel.Run(g, shape, op, reduce, lhs is null ? default : lhs.Span<double>(), rhs is null ? default : rhs.Span<double>(), y.Span<double>(), arg);
        return y;
    }

    /// <summary>g-SpMM without arg output, planning the broadcast itself (backward passes).</summary>
    public static Tensor Spmm(in SparseRows g, BinaryOp op, Tensor? lhs, Tensor? rhs, DType dtype)
    {
        var shape = FeatureBroadcast.Create("gspmm", op, lhs is null ? null : Feat(lhs), rhs is null ? null : Feat(rhs));
        return Spmm(g, shape, op, ReduceOp.Sum, lhs, rhs, dtype, out _);
    }

    /// <summary>g-SDDMM forward: a fresh [edges, out…] tensor.</summary>
    public static Tensor Sddmm(EdgeIndex index, FeatureBroadcast shape, BinaryOp op, Tensor? lhs, Tensor? rhs,
        Target lhsTarget, Target rhsTarget, DType dtype)
    {
        var y = Tensor.Uninitialized(Shape.Wrap([checked((int)index.NumEdges), .. shape.OutShape]), dtype);
        var (rows, rowsAreDst) = index.CooSrc is null ? index.Walk : (default, true);
        ReadOnlySpan<int> cs = index.CooSrc;
        ReadOnlySpan<int> cd = index.CooDst;
        if (dtype == DType.Float32)
            SddmmKernel.Run(rows, rowsAreDst, cs, cd, shape, op, lhsTarget, rhsTarget,
                lhs is null ? default : lhs.Span<float>(), rhs is null ? default : rhs.Span<float>(), y.Span<float>());
        else
            SddmmKernel.Run(rows, rowsAreDst, cs, cd, shape, op, lhsTarget, rhsTarget,
                lhs is null ? default : lhs.Span<double>(), rhs is null ? default : rhs.Span<double>(), y.Span<double>());
        return y;
    }

    /// <summary>g-SDDMM planning the broadcast itself (backward passes).</summary>
    public static Tensor Sddmm(EdgeIndex index, BinaryOp op, Tensor? lhs, Tensor? rhs, Target lhsTarget, Target rhsTarget, DType dtype)
    {
        var shape = FeatureBroadcast.Create("gsddmm", op, lhs is null ? null : Feat(lhs), rhs is null ? null : Feat(rhs));
        return Sddmm(index, shape, op, lhs, rhs, lhsTarget, rhsTarget, dtype);
    }

    /// <summary>A view of <paramref name="t"/> with size-1 dimensions inserted after the first, so that its feature
    /// dimensions align from the right with a feature shape of rank <paramref name="featRank"/> (DGL's padding rule).</summary>
    public static Tensor Pad(Tensor t, int featRank)
    {
        var have = t.Rank - 1;
        if (have >= featRank) return t;
        var dims = new int[featRank + 1];
        dims[0] = t.Size(0);
        for (var i = 1; i <= featRank - have; i++) dims[i] = 1;
        for (var i = 0; i < have; i++) dims[featRank - have + 1 + i] = t.Size(i + 1);
        return t.ViewAs(Shape.Wrap(dims));
    }

    /// <summary>Sums a gradient computed in the broadcast output's feature shape back to an operand's shape.</summary>
    public static Tensor ReduceGrad(Tensor full, Shape target)
    {
        if (full.Shape == target) return full;
        var rank = full.Rank;
        var dims = new int[rank];
        dims[0] = target[0];
        var pad = rank - target.Rank;
        for (var i = 1; i < rank; i++) dims[i] = i <= pad ? 1 : target[i - pad];
        return full.SumToShape(Shape.Wrap(dims)).ViewAs(target);
    }

    /// <summary>g divided, row by row, by the row's entry count (at least 1): mean's backward.</summary>
    public static Tensor DivideByDegree(Tensor g, in SparseRows rows)
    {
        var n = rows.NumRows;
        var deg = Tensor.Uninitialized(Shape.Wrap(Ones(g.Rank, n)), g.DType);
        var ptr = rows.IndPtr;
        if (g.DType == DType.Float32)
        {
            var d = deg.Span<float>();
            for (var r = 0; r < n; r++) d[r] = Math.Max(1, ptr[r + 1] - ptr[r]);
        }
        else
        {
            var d = deg.Span<double>();
            for (var r = 0; r < n; r++) d[r] = Math.Max(1, ptr[r + 1] - ptr[r]);
        }
        return g.Div(deg);
    }

    private static int[] Ones(int rank, int first)
    {
        var dims = new int[rank];
        Array.Fill(dims, 1);
        dims[0] = first;
        return dims;
    }
}
