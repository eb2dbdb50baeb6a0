using Dgl.Tensors.IO;

namespace Dgl.Data.Tests;

/// <summary>Seeded mutations of a file (truncation, bit flips, splices, forged digits, insertions) for fuzz tests.</summary>
internal static class Fuzz
{
    public static IEnumerable<byte[]> Mutants(byte[] original, int count, int seed)
    {
        var rng = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var b = (byte[])original.Clone();
            if (b.Length == 0) { yield return b; continue; }
            switch (rng.Next(6))
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
                    var len = rng.Next(1, Math.Max(2, Math.Min(256, b.Length)));
                    var from = rng.Next(Math.Max(1, b.Length - len));
                    var to = rng.Next(Math.Max(1, b.Length - len));
                    Array.Copy(original, from, b, to, Math.Min(len, b.Length - Math.Max(from, to)));
                    yield return b;
                    break;
                }
                case 3:
                {
                    var at = rng.Next(b.Length);
                    for (var k = 0; k < rng.Next(1, 14) && at + k < b.Length; k++) b[at + k] = (byte)'9';
                    yield return b;
                    break;
                }
                case 4:
                {
                    // Replace a byte with a structural character of text formats.
                    var chars = "\n\r\t ,-.#%\"'[](){}:;eE+0\\<>_@^";
                    for (var k = rng.Next(1, 5); k > 0; k--) b[rng.Next(b.Length)] = (byte)chars[rng.Next(chars.Length)];
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

    /// <summary>Runs <paramref name="parse"/> on each mutant: it must succeed or raise <see cref="DataFormatException"/>.</summary>
    public static int Run(byte[] original, int count, int seed, Action<byte[]> parse)
    {
        var index = 0;
        var failures = 0;
        foreach (var m in Mutants(original, count, seed))
        {
            try
            {
                parse(m);
            }
            catch (DataFormatException)
            {
                failures++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"mutant {index} (seed {seed}, {m.Length} bytes) raised {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }
            index++;
        }
        return failures;
    }
}
