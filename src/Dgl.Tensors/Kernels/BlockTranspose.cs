using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dgl.Tensors.Kernels;

/// <summary>In-register AVX block transposes shared by the copy kernels (transpose/permute) and GEMM packing.
/// Callers check <c>Avx.IsSupported</c>.</summary>
internal static class BlockTranspose
{
    /// <summary>Transposes an 8×8 block of 4-byte words: source rows are 8 consecutive words (stride sj), destination rows likewise (stride dq).
    /// The words move through float registers by shuffles only, so any bit pattern survives.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose8x8(ref float s, nint sj, ref float d, nint dq)
    {
        var r0 = Vector256.LoadUnsafe(ref s);
        var r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, sj));
        var r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 2 * sj));
        var r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 3 * sj));
        var r4 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 4 * sj));
        var r5 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 5 * sj));
        var r6 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 6 * sj));
        var r7 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 7 * sj));
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref d);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, dq));
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, 2 * dq));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, 3 * dq));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 4 * dq));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 5 * dq));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 6 * dq));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 7 * dq));
    }

    /// <summary>Transposes a 4×4 block of 8-byte words (see <see cref="Transpose8x8"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose4x4(ref double s, nint sj, ref double d, nint dq)
    {
        var r0 = Vector256.LoadUnsafe(ref s);
        var r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, sj));
        var r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 2 * sj));
        var r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 3 * sj));
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        Avx.Permute2x128(t0, t2, 0x20).StoreUnsafe(ref d);
        Avx.Permute2x128(t1, t3, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, dq));
        Avx.Permute2x128(t0, t2, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 2 * dq));
        Avx.Permute2x128(t1, t3, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 3 * dq));
    }
}
