using System.Buffers.Binary;
using System.Numerics;

namespace Dgl.Cli.TensorBoard;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord files use it, and TensorFlow's masking of it.
/// Eight bytes at a time through <see cref="BitOperations.Crc32C(uint, ulong)"/> (the SSE4.2 instruction where present).
/// </summary>
internal static class Crc32C
{
    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        var i = 0;
        for (; i + 8 <= data.Length; i += 8) crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        for (; i < data.Length; i++) crc = BitOperations.Crc32C(crc, data[i]);
        return ~crc;
    }

    /// <summary>TensorFlow's masked CRC: rotate right by 15 bits and add 0xa282ead8 (so CRCs of CRCs stay well distributed).</summary>
    public static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);

    /// <summary>The masked CRC-32C of <paramref name="data"/>.</summary>
    public static uint Masked(ReadOnlySpan<byte> data) => Mask(Compute(data));
}
