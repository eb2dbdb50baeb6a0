using Dgl.Ops;

namespace Dgl.Tests.Sparse;

/// <summary>
/// A small directed multigraph for kernel tests, kept as COO lists in a shuffled edge order (so the CSC's edge ids
/// are a real permutation), with its in-edge CSC and out-edge CSR built here by plain loops. Every graph has
/// self-loops, repeated edges, nodes without in-edges and nodes without any edge.
/// </summary>
internal sealed class TestGraph
{
    public required int NumSrc { get; init; }
    public required int NumDst { get; init; }
    public required int[] Src { get; init; }
    public required int[] Dst { get; init; }
    public required Csr InCsr { get; init; }
    public required Csr OutCsr { get; init; }

    public int NumEdges => Src.Length;

    /// <param name="sortedByDst">Edge ids in destination order (the CSC's edge ids are then the identity).</param>
    public static TestGraph Random(int numSrc, int numDst, int numEdges, int seed, bool sortedByDst = false, bool sortedBySrc = false)
    {
        var rng = new Random(seed);
        var src = new List<int>();
        var dst = new List<int>();
        // Leave the last source and the last two destinations without edges (isolated / zero in-degree), and
        // destination 1 with only a self-loop-free single edge so degree-1 rows exist too.
        var srcRange = Math.Max(1, numSrc - 1);
        var dstRange = Math.Max(1, numDst - 2);
        for (var i = 0; i < Math.Min(3, Math.Min(srcRange, dstRange)); i++) { src.Add(i); dst.Add(i); }  // self-loops
        src.Add(0); dst.Add(Math.Min(2, dstRange - 1));                                                // multi-edge pair
        src.Add(0); dst.Add(Math.Min(2, dstRange - 1));
        while (src.Count < numEdges)
        {
            src.Add(rng.Next(srcRange));
            dst.Add(rng.Next(dstRange));
        }
        var order = Enumerable.Range(0, src.Count).ToArray();
        if (sortedByDst) order = [.. order.OrderBy(e => dst[e]).ThenBy(e => e)];
        else if (sortedBySrc) order = [.. order.OrderBy(e => src[e]).ThenBy(e => dst[e]).ThenBy(e => e)];
        else rng.Shuffle(order);
        var s = order.Select(e => src[e]).ToArray();
        var d = order.Select(e => dst[e]).ToArray();
        return new TestGraph
        {
            NumSrc = numSrc, NumDst = numDst, Src = s, Dst = d,
            InCsr = Build(numDst, numSrc, d, s), OutCsr = Build(numSrc, numDst, s, d),
        };
    }

    /// <summary>CSR with rows from <paramref name="rowIds"/>, entries in edge order within a row.</summary>
    private static Csr Build(int rows, int cols, int[] rowIds, int[] colIds)
    {
        var ptr = new long[rows + 1];
        var entries = new List<(int Col, int Edge)>[rows];
        for (var r = 0; r < rows; r++) entries[r] = [];
        for (var e = 0; e < rowIds.Length; e++) entries[rowIds[e]].Add((colIds[e], e));
        var idx = new List<int>();
        var eid = new List<int>();
        for (var r = 0; r < rows; r++)
        {
            foreach (var (c, e) in entries[r]) { idx.Add(c); eid.Add(e); }
            ptr[r + 1] = idx.Count;
        }
        return new Csr(rows, cols, ptr, [.. idx], [.. eid]);
    }

    /// <summary>In-edges of v in CSC order (the order the kernels combine them, which decides max/min ties).</summary>
    public List<int> InEdges(int v)
    {
        var list = new List<int>();
        for (var k = InCsr.IndPtr[v]; k < InCsr.IndPtr[v + 1]; k++) list.Add(InCsr.EdgeIds[k]);
        return list;
    }

    public List<int> OutEdges(int u)
    {
        var list = new List<int>();
        for (var k = OutCsr.IndPtr[u]; k < OutCsr.IndPtr[u + 1]; k++) list.Add(OutCsr.EdgeIds[k]);
        return list;
    }
}

/// <summary>Naive double-precision references for the sparse ops, written without the library's broadcasting code.</summary>
internal static class SparseReference
{
    public static double[] Values(Tensor t)
    {
        var v = new double[t.NumElements];
        if (t.DType == DType.Float32) { var s = t.AsSpan<float>(); for (var i = 0; i < v.Length; i++) v[i] = s[i]; }
        else { var s = t.AsSpan<double>(); for (var i = 0; i < v.Length; i++) v[i] = s[i]; }
        return v;
    }

    public static int Product(int[] s) => s.Aggregate(1, (a, b) => a * b);

    /// <summary>DGL's rule: pad the shorter feature shape with leading 1s, then take the larger of each pair.</summary>
    public static int[] Broadcast(int[] a, int[] b)
    {
        var r = Math.Max(a.Length, b.Length);
        var o = new int[r];
        for (var i = 0; i < r; i++)
        {
            var da = i < r - a.Length ? 1 : a[i - (r - a.Length)];
            var db = i < r - b.Length ? 1 : b[i - (r - b.Length)];
            o[i] = Math.Max(da, db);
        }
        return o;
    }

    /// <summary>Element of a (front-padded, broadcast) operand row read by output element <paramref name="j"/>.</summary>
    public static int Read(int j, int[] outShape, int[] operand)
    {
        var idx = new int[outShape.Length];
        for (var d = outShape.Length - 1; d >= 0; d--) { idx[d] = j % outShape[d]; j /= outShape[d]; }
        var pad = outShape.Length - operand.Length;
        var flat = 0;
        for (var d = 0; d < operand.Length; d++) flat = flat * operand[d] + (operand[d] == 1 ? 0 : idx[d + pad]);
        return flat;
    }

    public static double Apply(BinaryOp op, double a, double b) => op switch
    {
        BinaryOp.CopyLhs => a,
        BinaryOp.CopyRhs => b,
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        BinaryOp.Div => a / b,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>g-SpMM by definition: for each destination, reduce op(x[u], y[e]) over its in-edges.</summary>
    public static (int[] Shape, double[] Values) Spmm(TestGraph g, BinaryOp op, ReduceOp reduce, double[]? x, int[] xs, double[]? y, int[] ys)
    {
        var outShape = op == BinaryOp.CopyLhs ? xs : op == BinaryOp.CopyRhs ? ys : Broadcast(xs, ys);
        var len = Product(outShape);
        var xl = Product(xs);
        var yl = Product(ys);
        var res = new double[g.NumDst * len];
        for (var v = 0; v < g.NumDst; v++)
        {
            var edges = g.InEdges(v);
            for (var j = 0; j < len; j++)
            {
                if (edges.Count == 0) { res[v * len + j] = 0; continue; }
                var acc = reduce switch { ReduceOp.Max => double.NegativeInfinity, ReduceOp.Min => double.PositiveInfinity, _ => 0.0 };
                foreach (var e in edges)
                {
                    var a = x is null ? 0 : x[g.Src[e] * xl + Read(j, outShape, xs)];
                    var b = y is null ? 0 : y[e * yl + Read(j, outShape, ys)];
                    var m = Apply(op, a, b);
                    acc = reduce switch { ReduceOp.Max => Math.Max(acc, m), ReduceOp.Min => Math.Min(acc, m), _ => acc + m };
                }
                res[v * len + j] = reduce == ReduceOp.Mean ? acc / edges.Count : acc;
            }
        }
        return (outShape, res);
    }

    /// <summary>g-SDDMM by definition: per edge, op of the two operands' rows at their targets.</summary>
    public static (int[] Shape, double[] Values) Sddmm(TestGraph g, BinaryOp op, double[]? x, int[] xs, Target xt, double[]? y, int[] ys, Target yt)
    {
        int Row(Target t, int e) => t == Target.Src ? g.Src[e] : t == Target.Dst ? g.Dst[e] : e;
        var xl = Product(xs);
        var yl = Product(ys);
        if (op == BinaryOp.Dot)
        {
            var k = xs[^1];
            var groupShape = Broadcast(xs[..^1], ys[..^1]);
            var groups = Product(groupShape);
            var r = new double[g.NumEdges * groups];
            for (var e = 0; e < g.NumEdges; e++)
            {
                for (var j = 0; j < groups; j++)
                {
                    var lg = Read(j, groupShape, xs[..^1]);
                    var rg = Read(j, groupShape, ys[..^1]);
                    var s = 0.0;
                    for (var d = 0; d < k; d++) s += x![Row(xt, e) * xl + lg * k + d] * y![Row(yt, e) * yl + rg * k + d];
                    r[e * groups + j] = s;
                }
            }
            return ([.. groupShape, 1], r);
        }
        var outShape = op == BinaryOp.CopyLhs ? xs : op == BinaryOp.CopyRhs ? ys : Broadcast(xs, ys);
        var len = Product(outShape);
        var res = new double[g.NumEdges * len];
        for (var e = 0; e < g.NumEdges; e++)
        {
            for (var j = 0; j < len; j++)
            {
                var a = x is null ? 0 : x[Row(xt, e) * xl + Read(j, outShape, xs)];
                var b = y is null ? 0 : y[Row(yt, e) * yl + Read(j, outShape, ys)];
                res[e * len + j] = Apply(op, a, b);
            }
        }
        return (outShape, res);
    }

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, naming the first offender.</summary>
    public static void Close(double[] expected, Tensor actual, double rtol, double atol, string what) =>
        Close(expected, Values(actual), rtol, atol, what);

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, naming the first offender.</summary>
    public static void Close(double[] expected, double[] a, double rtol, double atol, string what)
    {
        Assert.Equal(expected.Length, a.Length);
        for (var i = 0; i < a.Length; i++)
        {
            var diff = Math.Abs(a[i] - expected[i]);
            if (!(diff <= atol + rtol * Math.Abs(expected[i])))
                Assert.Fail($"{what}: element {i} is {a[i]:G9}, expected {expected[i]:G9} (diff {diff:G3})");
        }
    }

    public static Tensor Random(int[] shape, DType dtype, int seed, double low = -1, double high = 1) =>
        Tensor.Uniform(new Shape(shape), low, high, dtype, new Generator((ulong)seed));
}
