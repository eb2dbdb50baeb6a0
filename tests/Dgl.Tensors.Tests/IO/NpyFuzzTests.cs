using System.IO.Compression;
using Dgl.Tensors.IO;

namespace Dgl.Tensors.Tests.IO;

/// <summary>
/// Seeded mutations (truncation, bit flips, splices, forged digits) of real and NumPy-written files: each must
/// parse or raise <see cref="DataFormatException"/>, never another exception, a hang or a huge allocation.
/// </summary>
public class NpyFuzzTests
{
    internal static IEnumerable<byte[]> Mutants(byte[] original, int count, int seed)
    {
        var rng = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var b = (byte[])original.Clone();
            switch (rng.Next(5))
            {
                case 0:
                    yield return b[..rng.Next(b.Length)];
                    break;
                case 1:
                    for (var k = rng.Next(1, 9); k > 0; k--) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                    yield return b;
                    break;
                case 2:
                {
                    // Splice: copy a run of the file over another place (moves headers into data and back).
                    var len = rng.Next(1, Math.Min(64, b.Length));
                    var from = rng.Next(b.Length - len);
                    var to = rng.Next(b.Length - len);
                    Array.Copy(original, from, b, to, len);
                    yield return b;
                    break;
                }
                case 3:
                {
                    // Forge numbers: overwrite a digit in the first 200 bytes with a run of 9s (huge shapes and lengths).
                    var limit = Math.Min(200, b.Length);
                    var at = rng.Next(limit);
                    for (var k = 0; k < rng.Next(1, 12) && at + k < limit; k++) b[at + k] = (byte)'9';
                    yield return b;
                    break;
                }
                default:
                {
                    var at = rng.Next(b.Length);
                    var extra = new byte[rng.Next(1, 32)];
                    rng.NextBytes(extra);
                    yield return [.. b[..at], .. extra, .. b[at..]];
                    break;
                }
            }
        }
    }

    internal static void ExpectParseOrFormatError(byte[] bytes, int index, Action<byte[]> parse)
    {
        try
        {
            parse(bytes);
        }
        catch (DataFormatException)
        {
        }
        catch (Exception ex)
        {
            Assert.Fail($"mutant {index} ({bytes.Length} bytes) raised {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
        }
    }

    [Fact]
    public void MutatedNpyFiles()
    {
        var seeds = new[] { NpyTests.BigEndianF8, NpyTests.FortranI2, NpyTests.Float16, NpyTests.Unicode, NpyTests.Fortran3d, NpyTests.Version2, NpyTests.Bool, NpyTests.BigU4 };
        var index = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var (s, si) in seeds.Select((s, i) => (s, i)))
        {
            foreach (var m in Mutants(Convert.FromBase64String(s), 600, 1000 + si))
            {
                ExpectParseOrFormatError(m, index++, b =>
                {
                    using var ms = new MemoryStream(b);
                    Npy.Read(ms, "fuzz.npy", b.Length);
                });
                ExpectParseOrFormatError(m, index++, b =>
                {
                    using var ms = new MemoryStream(b);
                    Npy.Read(ms, "fuzz.npy", null);
                });
            }
        }
        // 9600 parses of files under 300 bytes: anything near a gigabyte means a forged length was trusted.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1L << 30);
    }

    [Fact]
    public void MutatedNpzArchives()
    {
        var bytes = new List<byte[]> { Convert.FromBase64String(NpzTests.NpzDeflated), Convert.FromBase64String(NpzTests.NpzStored) };
        var index = 0;
        foreach (var (s, si) in bytes.Select((s, i) => (s, i)))
            foreach (var m in Mutants(s, 1500, 2000 + si))
                ExpectParseOrFormatError(m, index++, ReadEverything);
    }

    [NpyDataFact("gnn-benchmark-npz/cora.npz")]
    public void MutatedShchurCora()
    {
        var original = File.ReadAllBytes(NpyTestData.PathOf("gnn-benchmark-npz/cora.npz"));
        var index = 0;
        foreach (var m in Mutants(original, 300, 3000))
            ExpectParseOrFormatError(m, index++, b =>
            {
                ReadEverything(b);
                using var r = new NpzReader(new MemoryStream(b), "cora.npz");
                r.ReadCsr("adj");
                r.ReadCsr("attr");
            });
    }

    private static void ReadEverything(byte[] b)
    {
        using var r = new NpzReader(new MemoryStream(b), "fuzz.npz");
        foreach (var k in r.Keys) r.ReadArray(k);
    }
}
