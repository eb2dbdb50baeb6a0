using System.Numerics;
using System.Runtime.Intrinsics;

namespace Dgl.Tensors.Kernels;

/// <summary>General matrix multiply on row-major matrices: C = α·op(A)·op(B) + β·C.</summary>
/// <remarks>
/// <para>op(X) is X or Xᵀ. A is m×k after op, B is k×n after op, C is m×n; lda/ldb/ldc are the row strides of the
/// matrices as stored (at least their stored widths). Transposes are handled by the packing routines, never by a
/// transposed copy. When β is 0, C is not read (it may hold garbage, NaN included); when k is 0 or α is 0, A and B
/// are not read and C becomes β·C. C must not overlap A or B.</para>
/// <para>Implementation: packed panels, cache blocking and a register-blocked FMA micro-kernel at the widest
/// accelerated vector width (Vector512, else Vector256, else Vector128); see <c>GemmDriver</c>. Each element of C
/// accumulates over k in a fixed order that depends on the shape alone, so results are bit-identical for any
/// <see cref="Parallelism.MaxThreads"/>.</para>
/// </remarks>
public static class Gemm
{
    private static volatile int s_vectorBits;

    /// <summary>
    /// Forces a vector width (512, 256 or 128 bits; 0 picks the widest accelerated one) so that tests reach the
    /// narrower kernels on a machine that has the wider ones.
    /// </summary>
    internal static int VectorBitsOverride
    {
        get => s_vectorBits;
        set => s_vectorBits = value is 0 or 128 or 256 or 512 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "gemm: vector width must be 0, 128, 256 or 512 bits");
    }

    /// <summary>The vector width, in bits, that the kernels use.</summary>
    internal static int VectorBits => s_vectorBits != 0 ? s_vectorBits
        : Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;

    /// <summary>float32 GEMM: C = α·op(A)·op(B) + β·C.</summary>
    /// <param name="transA">Use Aᵀ: A is stored k×m.</param>
    /// <param name="transB">Use Bᵀ: B is stored n×k.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row-major with row stride <paramref name="lda"/>.</param>
    /// <param name="lda">Row stride of A as stored.</param>
    /// <param name="b">B, row-major with row stride <paramref name="ldb"/>.</param>
    /// <param name="ldb">Row stride of B as stored.</param>
    /// <param name="beta">Scale of the old C (0: C is only written).</param>
    /// <param name="c">C, row-major with row stride <paramref name="ldc"/>.</param>
    /// <param name="ldc">Row stride of C.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative or a stride is below the stored width.</exception>
    /// <exception cref="ArgumentException">A buffer is too short for its matrix.</exception>
    public static unsafe void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c)
        {
            Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    /// <summary>float64 GEMM: C = α·op(A)·op(B) + β·C (parameters as in <see cref="Sgemm"/>).</summary>
    /// <param name="transA">Use Aᵀ: A is stored k×m.</param>
    /// <param name="transB">Use Bᵀ: B is stored n×k.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row-major with row stride <paramref name="lda"/>.</param>
    /// <param name="lda">Row stride of A as stored.</param>
    /// <param name="b">B, row-major with row stride <paramref name="ldb"/>.</param>
    /// <param name="ldb">Row stride of B as stored.</param>
    /// <param name="beta">Scale of the old C (0: C is only written).</param>
    /// <param name="c">C, row-major with row stride <paramref name="ldc"/>.</param>
    /// <param name="ldc">Row stride of C.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative or a stride is below the stored width.</exception>
    /// <exception cref="ArgumentException">A buffer is too short for its matrix.</exception>
    public static unsafe void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        fixed (double* pa = a, pb = b, pc = c)
        {
            Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    private static unsafe void Run<T>(bool transA, bool transB, int m, int n, int k, T alpha, T* a, nint lda,
        T* b, nint ldb, T beta, T* c, nint ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k == 0 || alpha == T.Zero)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        switch (VectorBits)
        {
            case 512:
                GemmDriver<T, Vector512<T>, GemmVector512<T>>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                break;
            case 256:
                GemmDriver<T, Vector256<T>, GemmVector256<T>>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                break;
            default:
                GemmDriver<T, Vector128<T>, GemmVector128<T>>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                break;
        }
    }

    /// <summary>C = β·C without reading C when β is 0 (the empty-product case).</summary>
    private static unsafe void ScaleC<T>(int m, int n, T beta, T* c, nint ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (beta == T.One) return;
        for (var i = 0; i < m; i++)
        {
            var row = new Span<T>(c + i * ldc, n);
            if (beta == T.Zero) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    /// <summary>Checks dimensions and buffer lengths, naming the offending value.</summary>
    internal static void Validate(bool transA, bool transB, int m, int n, int k, int aLen, int lda, int bLen, int ldb, int cLen, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        var (aRows, aCols) = transA ? (k, m) : (m, k);
        var (bRows, bCols) = transB ? (n, k) : (k, n);
        CheckMatrix("A", aRows, aCols, aLen, lda);
        CheckMatrix("B", bRows, bCols, bLen, ldb);
        CheckMatrix("C", m, n, cLen, ldc);
    }

    private static void CheckMatrix(string name, int rows, int cols, int length, int ld)
    {
        if (rows == 0 || cols == 0) return;
        if (ld < cols)
            throw new ArgumentOutOfRangeException($"ld{name.ToLowerInvariant()}", $"gemm: row stride of {name} is {ld}; it must be at least the column count {cols}");
        var need = (long)(rows - 1) * ld + cols;
        if (length < need)
            throw new ArgumentException($"gemm: {name} is {rows}×{cols} with row stride {ld} and needs {need} elements; the buffer has {length}", name);
    }
}
