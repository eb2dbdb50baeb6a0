using System.Runtime.CompilerServices;

namespace Dgl.Sampling;

/// <summary>
/// A counter-based stream of random numbers (SplitMix64) for sampling kernels: a stream is named by a 64-bit key,
/// and keys for sub-streams are derived from (key, index) by <see cref="Derive(ulong, long)"/>. A kernel that works
/// on seed <c>i</c> of a batch draws from <c>new RandomStream(Derive(batchKey, i))</c>, so what it picks depends on
/// the batch key and the seed's position only — never on which thread ran it or in what order.
/// </summary>
/// <remarks>A mutable struct: pass it by <c>ref</c> (a copy replays the same numbers).</remarks>
internal struct RandomStream
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    /// <summary>The stream named <paramref name="key"/>.</summary>
    public RandomStream(ulong key) => _state = key;

    /// <summary>The stream named by <see cref="Derive(ulong, long)"/>(<paramref name="key"/>, <paramref name="index"/>).</summary>
    public RandomStream(ulong key, long index) => _state = Derive(key, index);

    /// <summary>The key of sub-stream <paramref name="index"/> of the stream named <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Derive(ulong key, long index) => Mix(key ^ Mix(((ulong)index * Gamma) + 0x632BE59BD9B4E019UL));

    /// <summary>The key of sub-stream (<paramref name="a"/>, <paramref name="b"/>).</summary>
    public static ulong Derive(ulong key, long a, long b) => Derive(Derive(key, a), b);

    /// <summary>A key drawn from a tensor generator (the default one when null): one value of its stream.</summary>
    public static ulong KeyFrom(Dgl.Tensors.Generator? generator) => (generator ?? Dgl.Tensors.Generator.Default).NextUInt64();

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        _state += Gamma;
        return Mix(_state);
    }

    /// <summary>An integer uniform in [0, <paramref name="bound"/>) (bound &gt; 0), by a 64×64→128-bit multiply.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextInt(int bound) => (int)Math.BigMul(NextUInt64(), (ulong)bound, out _);

    /// <summary>An integer uniform in [0, <paramref name="bound"/>) (bound &gt; 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long NextLong(long bound) => (long)Math.BigMul(NextUInt64(), (ulong)bound, out _);

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in (0, 1] (safe to take the logarithm of).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDoubleNonZero() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    /// <summary>A standard normal value (Box–Muller; uses two draws).</summary>
    public double NextNormal()
    {
        var u1 = NextDoubleNonZero();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Value <paramref name="index"/> of the stream named <paramref name="key"/> as a uniform double in [0, 1)
    /// (a pure function: per-node variates that every seed of a batch sees alike, as LABOR needs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double UniformAt(ulong key, long index) => (Derive(key, index) >> 11) * (1.0 / (1UL << 53));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
