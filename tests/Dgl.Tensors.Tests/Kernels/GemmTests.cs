using Dgl.Tensors.Kernels;

// Namespace Dgl.Tensors.Tests rather than …Tests.Kernels: a nested "Kernels" namespace would shadow
// Dgl.Tensors.Kernels for the tests that write Kernels.Parallelism.
namespace Dgl.Tensors.Tests;

/// <summary>Tests that change <see cref="Parallelism.MaxThreads"/> or the GEMM vector width run alone.</summary>
[CollectionDefinition("Gemm", DisableParallelization = true)]
public sealed class GemmCollection
{
}

/// <summary>
/// <see cref="Gemm"/> against a naive double loop: every transpose combination, sizes on both sides of the tile,
/// slab, block and panel boundaries, padded strides, α/β cases, empty sizes, every vector width, determinism across
/// thread counts, and the argument checks.
/// </summary>
[Collection("Gemm")]
public class GemmTests
{
    /// <summary>One problem: stored A (with its stride padding), stored B, initial C, and the parameters.</summary>
    private sealed record Problem(bool TransA, bool TransB, int M, int N, int K, int Lda, int Ldb, int Ldc,
        double[] A, double[] B, double[] C0, double Alpha, double Beta);

    private static Problem Make(bool ta, bool tb, int m, int n, int k, int seed, int pad = 0, double alpha = 1, double beta = 0)
    {
        var rng = new Random(seed);
        var (aRows, aCols) = ta ? (k, m) : (m, k);
        var (bRows, bCols) = tb ? (n, k) : (k, n);
        var (lda, ldb, ldc) = (aCols + pad, bCols + pad, n + pad);
        // Padding holds NaN: a kernel that reads past a row's end poisons its result.
        var a = Fill(rng, aRows, aCols, lda, double.NaN);
        var b = Fill(rng, bRows, bCols, ldb, double.NaN);
        var c0 = Fill(rng, m, n, ldc, -7.25);
        return new Problem(ta, tb, m, n, k, Math.Max(1, lda), Math.Max(1, ldb), Math.Max(1, ldc), a, b, c0, alpha, beta);
    }

    private static double[] Fill(Random rng, int rows, int cols, int ld, double padding)
    {
        var v = new double[rows == 0 ? 0 : (rows - 1) * ld + cols];
        for (var i = 0; i < v.Length; i++)
            v[i] = i % ld < cols ? Math.Round(rng.NextDouble() * 2 - 1, 4) : padding;
        return v;
    }

    /// <summary>Naive reference in double, with the scale of Σ|α·a·b| + |β·c| for each element's tolerance.</summary>
    private static (double[] Value, double[] Scale) Reference(Problem p)
    {
        var value = (double[])p.C0.Clone();
        var scale = new double[p.C0.Length];
        for (var i = 0; i < p.M; i++)
            for (var j = 0; j < p.N; j++)
            {
                double s = 0, abs = 0;
                for (var q = 0; q < p.K; q++)
                {
                    var x = p.TransA ? p.A[q * p.Lda + i] : p.A[i * p.Lda + q];
                    var y = p.TransB ? p.B[j * p.Ldb + q] : p.B[q * p.Ldb + j];
                    s += x * y;
                    abs += Math.Abs(x * y);
                }
                var ci = i * p.Ldc + j;
                var old = p.Beta == 0 ? 0 : p.Beta * p.C0[ci];
                value[ci] = p.Alpha * s + old;
                scale[ci] = Math.Abs(p.Alpha) * abs + Math.Abs(old);
            }
        return (value, scale);
    }

    private static float[] RunSingle(Problem p, float[]? c = null)
    {
        c ??= p.C0.Select(x => (float)x).ToArray();
        Gemm.Sgemm(p.TransA, p.TransB, p.M, p.N, p.K, (float)p.Alpha, p.A.Select(x => (float)x).ToArray(), p.Lda,
            p.B.Select(x => (float)x).ToArray(), p.Ldb, (float)p.Beta, c, p.Ldc);
        return c;
    }

    private static double[] RunDouble(Problem p)
    {
        var c = (double[])p.C0.Clone();
        Gemm.Dgemm(p.TransA, p.TransB, p.M, p.N, p.K, p.Alpha, p.A, p.Lda, p.B, p.Ldb, p.Beta, c, p.Ldc);
        return c;
    }

    private static void AssertMatches(Problem p, IReadOnlyList<double> actual, double rtol)
    {
        var (expected, scale) = Reference(p);
        for (var i = 0; i < expected.Length; i++)
        {
            var inC = i % p.Ldc < p.N;
            if (!inC)
            {
                // Padding between rows of C is never written.
                Assert.True(actual[i] == p.C0[i] || (double.IsNaN(actual[i]) && double.IsNaN(p.C0[i])),
                    $"{Describe(p)}: padding element {i} changed from {p.C0[i]} to {actual[i]}");
                continue;
            }
            var tol = rtol * scale[i] + 1e-30;
            if (!(Math.Abs(actual[i] - expected[i]) <= tol))
                Assert.Fail($"{Describe(p)}: C[{i / p.Ldc},{i % p.Ldc}] = {actual[i]}, expected {expected[i]} (tolerance {tol})");
        }
    }

    private static string Describe(Problem p) =>
        $"{(p.TransA ? "Aᵀ" : "A")}·{(p.TransB ? "Bᵀ" : "B")} m={p.M} n={p.N} k={p.K} lda={p.Lda} ldb={p.Ldb} ldc={p.Ldc} α={p.Alpha} β={p.Beta}";

    private static readonly (bool, bool)[] Transposes = [(false, false), (true, false), (false, true), (true, true)];

    // Sizes on both sides of the tile height (8/6/4), vector width (16/8/4/2), sliver width (48/16/8), the small-path
    // threshold and the A block (128 rows).
    private static readonly int[] Sizes = [1, 7, 8, 9, 15, 16, 17, 31, 33, 47, 48, 49, 95, 129];

    public static TheoryData<int, int> SizePairs()
    {
        var data = new TheoryData<int, int>();
        for (var i = 0; i < Sizes.Length; i++) data.Add(Sizes[i], Sizes[(i * 5 + 3) % Sizes.Length]);
        return data;
    }

    [Theory]
    [MemberData(nameof(SizePairs))]
    public void Sgemm_matches_reference_for_odd_sizes_and_all_transposes(int m, int n)
    {
        foreach (var k in new[] { 1, 5, 16, 33, 130 })
        {
            foreach (var (ta, tb) in Transposes)
            {
                var p = Make(ta, tb, m, n, k, seed: m * 1000 + n * 10 + k);
                AssertMatches(p, RunSingle(p).Select(x => (double)x).ToArray(), 2e-6);
            }
        }
    }

    public static TheoryData<int, int, int> BlockedShapes() => new()
    {
        { 200, 300, 64 },    // blocked path, one slab, several A blocks and slivers
        { 129, 97, 513 },    // two k-slabs (513 > 512): the second accumulates onto the first
        { 150, 49, 1100 },   // three slabs, narrow n: op(A) read in place
        { 9, 1030, 1100 },   // B panel over budget: several k panels whose tasks wait for each other
        { 5, 3500, 600 },    // one slab already over the panel budget: n split into column panels
        { 257, 16, 700 },    // n = one vector
        { 3000, 2, 900 },    // n far below a vector
    };

    [Theory]
    [MemberData(nameof(BlockedShapes))]
    public void Sgemm_matches_reference_across_blocks_and_panels(int m, int n, int k)
    {
        foreach (var (ta, tb) in Transposes)
        {
            var p = Make(ta, tb, m, n, k, seed: m + n + k, pad: 3, alpha: 0.5, beta: 0.25);
            AssertMatches(p, RunSingle(p).Select(x => (double)x).ToArray(), 1e-5);
        }
    }

    public static TheoryData<int, int, int> VectorShapes() => new()
    {
        { 1, 1, 1 },
        { 1, 1, 700 },      // a dot product longer than a slab
        { 37, 1, 15 },      // n = 1, k shorter than a vector: only the scalar tail
        { 301, 1, 33 },     // n = 1, rows in groups of four plus a ragged group
        { 1, 37, 17 },
        { 1, 2500, 40 },    // m = 1 wider than one output block of the sweep
        { 2500, 1, 40 },
    };

    [Theory]
    [MemberData(nameof(VectorShapes))]
    public void Matrix_vector_products_match_reference(int m, int n, int k)
    {
        foreach (var (ta, tb) in Transposes)
        {
            foreach (var (alpha, beta) in new[] { (1.0, 0.0), (-1.5, 0.5), (2.0, 1.0) })
            {
                // Padded strides make the vector operand strided (gathered before dot products).
                var p = Make(ta, tb, m, n, k, seed: m + 3 * n + 7 * k, pad: 2, alpha: alpha, beta: beta);
                AssertMatches(p, RunSingle(p).Select(x => (double)x).ToArray(), 2e-6);
                AssertMatches(p, RunDouble(p), 1e-13);
            }
        }
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(2.5, 0.0)]
    [InlineData(1.0, 1.0)]
    [InlineData(-0.5, 0.75)]
    [InlineData(1.0, -1.0)]
    public void Sgemm_applies_alpha_and_beta(double alpha, double beta)
    {
        foreach (var (m, n, k) in new[] { (5, 7, 3), (40, 50, 60), (70, 60, 530) })
            foreach (var (ta, tb) in Transposes)
            {
                var p = Make(ta, tb, m, n, k, seed: 3, pad: 5, alpha: alpha, beta: beta);
                AssertMatches(p, RunSingle(p).Select(x => (double)x).ToArray(), 1e-5);
            }
    }

    [Theory]
    [InlineData(3, 4, 5)]
    [InlineData(100, 200, 300)]
    public void Beta_zero_overwrites_NaN_garbage_in_C(int m, int n, int k)
    {
        foreach (var (ta, tb) in Transposes)
        {
            var p = Make(ta, tb, m, n, k, seed: 11);
            var c = new float[m * n];
            Array.Fill(c, float.NaN);
            RunSingle(p, c);
            Assert.All(c, x => Assert.False(float.IsNaN(x)));
            AssertMatches(p, c.Select(x => (double)x).ToArray(), 1e-5);
        }
    }

    [Fact]
    public void Empty_k_scales_C_by_beta_and_alpha_zero_does_not_read_A_or_B()
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        Gemm.Sgemm(false, false, 2, 3, 0, 1f, [], 1, [], 3, 0.5f, c, 3);
        Assert.Equal(new float[] { 0.5f, 1, 1.5f, 2, 2.5f, 3 }, c);

        c = [float.NaN, float.NaN, 7, 8];
        Gemm.Sgemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0f, c, 2);
        Assert.Equal(new float[] { 0, 0, 0, 0 }, c);

        var nanA = new float[] { float.NaN, float.NaN, float.NaN, float.NaN };
        c = [1, 2, 3, 4];
        Gemm.Sgemm(false, false, 2, 2, 2, 0f, nanA, 2, nanA, 2, 2f, c, 2);
        Assert.Equal(new float[] { 2, 4, 6, 8 }, c);
    }

    [Fact]
    public void Empty_m_or_n_leaves_C_alone()
    {
        var c = new float[] { 9 };
        Gemm.Sgemm(false, false, 0, 1, 4, 1f, [], 4, new float[4], 1, 0f, c, 1);
        Gemm.Sgemm(false, false, 1, 0, 4, 1f, new float[4], 4, [], 1, 0f, c, 1);
        Assert.Equal(9f, c[0]);
        Gemm.Dgemm(true, true, 0, 0, 0, 1.0, [], 1, [], 1, 0.0, [], 1);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(128)]
    public void Narrower_vector_widths_match_reference(int bits)
    {
        var saved = Gemm.VectorBitsOverride;
        try
        {
            Gemm.VectorBitsOverride = bits;
            foreach (var (m, n, k) in new[] { (1, 1, 1), (7, 9, 5), (13, 17, 31), (33, 20, 70), (150, 70, 530) })
                foreach (var (ta, tb) in Transposes)
                {
                    var p = Make(ta, tb, m, n, k, seed: bits + m, pad: 2, alpha: 1.5, beta: -0.5);
                    AssertMatches(p, RunSingle(p).Select(x => (double)x).ToArray(), 1e-5);
                    AssertMatches(p, RunDouble(p), 1e-13);
                }
        }
        finally
        {
            Gemm.VectorBitsOverride = saved;
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(9, 25, 17)]
    [InlineData(33, 8, 64)]
    [InlineData(130, 70, 300)]
    [InlineData(12, 1100, 600)]  // two k panels (the panel budget holds half as many doubles)
    public void Dgemm_matches_reference(int m, int n, int k)
    {
        foreach (var (ta, tb) in Transposes)
        {
            var p = Make(ta, tb, m, n, k, seed: 5 * m + n, pad: 1, alpha: 0.75, beta: 1.25);
            AssertMatches(p, RunDouble(p), 1e-13);
        }
    }

    [Theory]
    [InlineData(602, 256, 700, true, false)]    // dW = Xᵀ·dY: few rows, long k
    [InlineData(3000, 40, 602, false, true)]    // dX = dY·Wᵀ: tall, narrow
    [InlineData(1000, 300, 200, false, false)]  // tall-skinny forward
    [InlineData(64, 2000, 1100, false, false)]  // short-wide with k panels
    [InlineData(1433, 16, 700, true, false)]    // dW of a narrow layer: computed as Cᵀ
    [InlineData(20000, 1, 300, false, false)]   // matrix-vector: dot products split by rows
    [InlineData(1, 20000, 300, false, false)]   // vector-matrix: the sweep split by output blocks
    public void Results_are_bit_identical_for_any_thread_count(int m, int n, int k, bool ta, bool tb)
    {
        var p = Make(ta, tb, m, n, k, seed: 42, beta: 0.5);
        var saved = Parallelism.MaxThreads;
        try
        {
            var results = new List<float[]>();
            foreach (var threads in new[] { 1, 2, 3 })
            {
                Parallelism.MaxThreads = threads;
                results.Add(RunSingle(p));
            }
            Assert.Equal(results[0], results[1]);
            Assert.Equal(results[0], results[2]);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Theory]
    [InlineData(16, 3703, 505, true, false)]   // dW of SAGEConv(3703 → 16) on CiteSeer: the narrower last column panel
    [InlineData(16, 3703, 505, false, false)]  // splits into more tasks than the first (it crashed at 2 threads)
    public void Column_panels_of_unequal_width_match_reference_on_any_thread_count(int m, int n, int k, bool ta, bool tb)
    {
        var p = Make(ta, tb, m, n, k, seed: 7, beta: 0.5);
        var saved = Parallelism.MaxThreads;
        try
        {
            foreach (var threads in new[] { 1, 2, 3, 4 })
            {
                Parallelism.MaxThreads = threads;
                AssertMatches(p, RunSingle(p).Select(x => (double)x).ToArray(), 1e-5);
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void Too_short_buffers_and_strides_name_the_matrix()
    {
        var a = new float[6];
        var b = new float[6];
        var c = new float[4];
        var e = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 2, 2, 3, 1f, a.AsSpan(0, 5), 3, b, 2, 0f, c, 2));
        Assert.Contains("A is 2×3", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, true, 2, 2, 3, 1f, a, 3, b.AsSpan(0, 4), 3, 0f, c, 2));
        Assert.Contains("B is 2×3", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 3));
        Assert.Contains("C is 2×2 with row stride 3 and needs 5", e.Message, StringComparison.Ordinal);
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(true, false, 2, 2, 3, 1f, a, 1, b, 2, 0f, c, 2));
        Assert.Contains("row stride of A is 1", r.Message, StringComparison.Ordinal);
        r = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Dgemm(false, false, 2, 2, 3, 1.0, new double[6], 3, new double[6], 1, 0.0, new double[4], 2));
        Assert.Contains("row stride of B is 1", r.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, -1, 2, 3, 1f, a, 3, b, 2, 0f, c, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, 2, 2, -3, 1f, a, 3, b, 2, 0f, c, 2));
    }
}
