using System.Numerics;
using Dgl.Ops;
using Dgl.Tensors.Kernels;

namespace Dgl.Sparse.Kernels;

/// <summary>
/// Backward of a max/min g-SpMM: each output element's gradient goes to the one entry that won it (recorded in
/// the forward's arg array), to the lhs row of that entry's column and/or the rhs row of its edge.
/// </summary>
/// <remarks>Many destinations can route to one lhs row, so the lhs scatter is split across threads by output
/// column ranges, never by rows: each element of dLhs is then accumulated by one thread in row order, which keeps
/// the result independent of the thread count. An edge belongs to one destination, so the rhs writes never collide.</remarks>
internal static class SpmmArgBackwardKernel
{
    private const int ColumnsPerChunk = 16;

    /// <summary>
    /// dLhs [g.NumCols, OutLen] and dRhs [edges, OutLen] must be zeroed (either may be empty when not wanted);
    /// grad and arg are [g.NumRows, OutLen].
    /// </summary>
    public static void Run<T>(SparseRows g, FeatureBroadcast shape, BinaryOp op, T[] lhs, int lhsOffset, T[] rhs, int rhsOffset,
        T[] grad, int gradOffset, int[] arg, T[] dLhs, int dLhsOffset, T[] dRhs, int dRhsOffset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var len = shape.OutLength;
        if (len == 0 || g.NumRows == 0) return;
        var chunks = (len + ColumnsPerChunk - 1) / ColumnsPerChunk;
        var li = shape.LhsIndex;
        var ri = shape.RhsIndex;
        var lLen = shape.LhsLength;
        var rLen = shape.RhsLength;
        var wantL = dLhs.Length > 0;
        var wantR = dRhs.Length > 0;
        var work = (long)g.NumRows * len;
        Action<int> body = c =>
        {
            var j0 = c * ColumnsPerChunk;
            var j1 = Math.Min(len, j0 + ColumnsPerChunk);
            for (var r = 0; r < g.NumRows; r++)
            {
                var row = (long)r * len;
                for (var j = j0; j < j1; j++)
                {
                    var k = arg[row + j];
                    if (k < 0) continue;
                    var gv = grad[gradOffset + row + j];
                    var e = g.EdgeIds is null ? k : g.EdgeIds[k];
                    var x = op is BinaryOp.Mul or BinaryOp.Div ? lhs[lhsOffset + (long)g.Indices![k] * lLen + li![j]] : T.Zero;
                    var y = op is BinaryOp.Mul or BinaryOp.Div ? rhs[rhsOffset + (long)e * rLen + ri![j]] : T.Zero;
                    if (wantL)
                    {
                        var u = g.Indices![k];
                        var d = op switch
                        {
                            BinaryOp.Mul => gv * y,
                            BinaryOp.Div => gv / y,
                            _ => gv,
                        };
                        dLhs[dLhsOffset + (long)u * len + j] += d;
                    }
                    if (wantR)
                    {
                        dRhs[dRhsOffset + (long)e * len + j] = op switch
                        {
                            BinaryOp.Sub => -gv,
                            BinaryOp.Mul => gv * x,
                            BinaryOp.Div => -gv * x / (y * y),
                            _ => gv,
                        };
                    }
                }
            }
        };
        if (chunks == 1 || work < RowPartition.SerialWork)
        {
            for (var c = 0; c < chunks; c++) body(c);
            return;
        }
        Parallelism.ForChunks(chunks, body);
    }
}
