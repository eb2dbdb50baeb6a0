namespace Dgl;

/// <summary>
/// A node pair (u, v) packed into one 64-bit key, and the equality comparer that hash sets and dictionaries of such
/// keys must use.
/// </summary>
/// <remarks>
/// <see cref="long.GetHashCode"/> folds the two halves with XOR, which for a packed pair is u ^ v: the pairs of a graph
/// with N nodes then share at most ~2N hash codes, and a set of E edges degrades to chains of E/N entries (building
/// ogbl-ddi's 2.1M-edge set took a minute). <see cref="Comparer"/> mixes all 64 bits multiplicatively instead.
/// </remarks>
public static class EdgeKey
{
    /// <summary>The key of (u, v): u in the high 32 bits, v in the low 32.</summary>
    public static long Of(int u, int v) => ((long)u << 32) | (uint)v;

    /// <summary>Equality on keys with a well-mixed hash (Fibonacci hashing of the 64-bit key).</summary>
    public static IEqualityComparer<long> Comparer { get; } = new MixingComparer();

    private sealed class MixingComparer : IEqualityComparer<long>
    {
        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long obj) => (int)(((ulong)obj * 0x9E3779B97F4A7C15UL) >> 32);
    }
}
