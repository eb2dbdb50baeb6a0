using Dgl.Tensors.Autograd;

namespace Dgl.Tests.Nn.Conv;

using Graph = Dgl.Graph;

/// <summary>
/// Graphs and independent references for the convolution tests: a hand-sized 4-node graph, a block, a uni-bipartite
/// heterograph, and dense double-precision arithmetic over edge lists (no library op involved).
/// </summary>
internal static class ConvFixtures
{
    /// <summary>Edges of the 4-node test graph: 0→1, 1→2, 2→0, 3→0, 2→3, 0→2. In-degrees 2, 1, 2, 1; out-degrees 2, 1, 2, 1.</summary>
    public static readonly int[] Src4 = [0, 1, 2, 3, 2, 0];

    /// <summary>Destinations of <see cref="Src4"/>.</summary>
    public static readonly int[] Dst4 = [1, 2, 0, 0, 3, 2];

    public static Graph Graph4() => Graph.Create(Src4, Dst4, 4);

    /// <summary>A block: 5 source nodes, 3 destination nodes (the first 3 sources), every destination with in-edges.</summary>
    public static readonly int[] BlockSrc = [0, 3, 4, 1, 2, 4, 0];

    /// <summary>Destinations of <see cref="BlockSrc"/>.</summary>
    public static readonly int[] BlockDst = [0, 0, 1, 1, 2, 2, 2];

    public static Graph Block() => Graph.CreateBlock(BlockSrc, BlockDst, 5, 3);

    /// <summary>A uni-bipartite graph: 4 users play 3 games, every game played.</summary>
    public static readonly int[] BipSrc = [0, 1, 3, 2, 0, 1];

    /// <summary>Destinations (games) of <see cref="BipSrc"/>.</summary>
    public static readonly int[] BipDst = [0, 0, 1, 2, 2, 1];

    public static Graph Bipartite() => Graph.CreateHetero(
        new Dictionary<CanonicalEdgeType, (IdArray, IdArray)> { [("user", "plays", "game")] = (BipSrc, BipDst) },
        new Dictionary<string, int>(StringComparer.Ordinal) { ["user"] = 4, ["game"] = 3 });

    /// <summary>4-node graph plus an isolated node 4 (no in-edges).</summary>
    public static Graph WithIsolatedNode() => Graph.Create(Src4, Dst4, 5);

    public static Tensor Randn(int rows, int cols, ulong seed, DType dtype = DType.Float64) =>
        Tensor.Randn([rows, cols], dtype, new Generator(seed));

    /// <summary>A 2-D tensor as a double matrix.</summary>
    public static double[,] M(Tensor t)
    {
        Assert.Equal(2, t.Rank);
        var d = t.To(DType.Float64).ToArray<double>();
        var m = new double[t.Size(0), t.Size(1)];
        for (var i = 0; i < t.Size(0); i++)
            for (var j = 0; j < t.Size(1); j++) m[i, j] = d[i * t.Size(1) + j];
        return m;
    }

    public static double[] V(Tensor t) => t.To(DType.Float64).ToArray<double>();

    public static double[,] MatMul(double[,] a, double[,] b)
    {
        var (n, k, m) = (a.GetLength(0), a.GetLength(1), b.GetLength(1));
        Assert.Equal(k, b.GetLength(0));
        var c = new double[n, m];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < m; j++)
            {
                var s = 0.0;
                for (var t = 0; t < k; t++) s += a[i, t] * b[t, j];
                c[i, j] = s;
            }
        return c;
    }

    /// <summary>x·Wᵀ + b for a Linear-layout weight [out, in].</summary>
    public static double[,] Linear(double[,] x, double[,] w, double[]? b = null)
    {
        var (n, inF, outF) = (x.GetLength(0), x.GetLength(1), w.GetLength(0));
        var y = new double[n, outF];
        for (var i = 0; i < n; i++)
            for (var o = 0; o < outF; o++)
            {
                var s = b?[o] ?? 0;
                for (var t = 0; t < inF; t++) s += x[i, t] * w[o, t];
                y[i, o] = s;
            }
        return y;
    }

    public static int[] Degrees(int[] ids, int n)
    {
        var d = new int[n];
        foreach (var i in ids) d[i]++;
        return d;
    }

    /// <summary>out[v] = Σ over edges e = (u, v) of coef(e) · x[u].</summary>
    public static double[,] Propagate(int[] src, int[] dst, int numDst, double[,] x, Func<int, double> coef)
    {
        var y = new double[numDst, x.GetLength(1)];
        for (var e = 0; e < src.Length; e++)
            for (var j = 0; j < x.GetLength(1); j++) y[dst[e], j] += coef(e) * x[src[e], j];
        return y;
    }

    public static void Close(double[,] expected, Tensor actual, double tol)
    {
        Assert.Equal([expected.GetLength(0), expected.GetLength(1)], actual.Shape.ToArray()[..2]);
        var a = V(actual);
        var cols = expected.GetLength(1);
        for (var i = 0; i < expected.GetLength(0); i++)
            for (var j = 0; j < cols; j++)
                Assert.True(Math.Abs(expected[i, j] - a[i * cols + j]) <= tol,
                    $"element [{i}, {j}]: expected {expected[i, j]:R}, got {a[i * cols + j]:R}");
    }

    /// <summary>GradCheck over the module's parameters and the given inputs (all float64, requiring grad).</summary>
    public static void GradCheckModule(Dgl.Nn.Module module, Func<Tensor> forward, params Tensor[] inputs)
    {
        var all = inputs.Concat(module.Parameters()).ToArray();
        foreach (var t in all) Assert.Equal(DType.Float64, t.DType);
        GradCheck.Assert(_ => forward(), all, atol: 1e-6, rtol: 1e-4);
    }

    /// <summary>Asserts U(−bound, bound) statistics: every value inside, the extremes near ±bound, the std near bound/√3.</summary>
    public static void AssertUniform(Tensor t, double bound)
    {
        var v = V(t);
        Assert.True(v.Length >= 1000, "too few values for a statistical check");
        Assert.All(v, x => Assert.InRange(x, -bound, bound));
        Assert.True(v.Max() > 0.95 * bound && v.Min() < -0.95 * bound, $"extremes {v.Min()}..{v.Max()} do not reach ±{bound}");
        AssertStd(v, bound / Math.Sqrt(3));
    }

    /// <summary>Asserts N(0, std²) statistics: mean near 0, std near <paramref name="std"/> (within 6%).</summary>
    public static void AssertNormal(Tensor t, double std)
    {
        var v = V(t);
        Assert.True(v.Length >= 1000, "too few values for a statistical check");
        Assert.InRange(v.Average(), -4 * std / Math.Sqrt(v.Length), 4 * std / Math.Sqrt(v.Length));
        AssertStd(v, std);
    }

    private static void AssertStd(double[] v, double std)
    {
        var mean = v.Average();
        var s = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
        Assert.InRange(s, 0.94 * std, 1.06 * std);
    }

    public static void AssertZeroInDegreeError(Action run)
    {
        var ex = Assert.Throws<ArgumentException>(run);
        Assert.Contains("There are 0-in-degree nodes in the graph, output for those nodes will be invalid", ex.Message, StringComparison.Ordinal);
        Assert.Contains("allowZeroInDegree", ex.Message, StringComparison.Ordinal);
    }
}
