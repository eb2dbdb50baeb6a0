using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dgl.Tensors.Kernels;

/// <summary>
/// Transposing copies for GEMM packing: dst[c·ds + r] = src[r·ss + c]. Packing a row-major A into column-major
/// slivers, or a transposed B into row-major ones, is this copy; done element by element it costs more than the
/// multiplication for small and narrow products, so 8×8 (float) and 4×4 (double) blocks go through AVX registers.
/// </summary>
internal static unsafe class GemmTranspose
{
    /// <summary>Copies the <paramref name="rows"/>×<paramref name="cols"/> block at <paramref name="src"/> (row stride
    /// <paramref name="ss"/>) transposed to <paramref name="dst"/> (row stride <paramref name="ds"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Copy<T>(T* src, nint ss, int rows, int cols, T* dst, nint ds)
        where T : unmanaged
    {
        var r0 = 0;
        var c0 = 0;
        if (Avx.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            var tb = typeof(T) == typeof(float) ? 8 : 4;
            var fullRows = rows / tb * tb;
            var fullCols = cols / tb * tb;
            // Column blocks outside, row blocks inside: the destination rows being written stay in L1 while every
            // source row advances sequentially.
            for (var c = 0; c < fullCols; c += tb)
            {
                for (var r = 0; r < fullRows; r += tb)
                {
                    if (typeof(T) == typeof(float)) BlockTranspose.Transpose8x8(ref *(float*)(src + r * ss + c), ss, ref *(float*)(dst + c * ds + r), ds);
                    else BlockTranspose.Transpose4x4(ref *(double*)(src + r * ss + c), ss, ref *(double*)(dst + c * ds + r), ds);
                }
            }
            // The ragged right edge of columns, for the full row blocks; the ragged rows below are done for all
            // columns by the scalar loop.
            for (var r = 0; r < fullRows; r++)
                for (var c = fullCols; c < cols; c++) dst[c * ds + r] = src[r * ss + c];
            r0 = fullRows;
            c0 = 0;
        }
        for (var r = r0; r < rows; r++)
        {
            var s = src + r * ss;
            for (var c = c0; c < cols; c++) dst[c * ds + r] = s[c];
        }
    }
}
