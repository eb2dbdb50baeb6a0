using Dgl.Sampling;
using Dgl.Tensors.Kernels;

namespace Dgl;

/// <summary>
/// The bulk steps the random graph generators share: a parallel LSD radix sort of 64-bit pair keys, de-duplication,
/// dropping a random excess, and turning sorted pair keys into COO lists sorted by destination (so that the in-CSR
/// of the graph shares them and costs nothing to build). Every parallel step is chunked by size, never by thread
/// count, so outputs are identical on any number of threads.
/// </summary>
internal static class GeneratorKernels
{
    private const int DigitBits = 11;
    private const int Buckets = 1 << DigitBits;
    private const int SortChunk = 1 << 18;

    /// <summary>Sorts <paramref name="keys"/>[0..n) ascending; keys must be below 2^<paramref name="keyBits"/>.</summary>
    public static void RadixSort(ulong[] keys, int n, int keyBits)
    {
        if (n < 2) return;
        if (n <= 1 << 14)
        {
            Array.Sort(keys, 0, n);
            return;
        }
        var chunks = (n + SortChunk - 1) / SortChunk;
        var hist = new int[chunks * Buckets];
        var src = keys;
        var dst = GC.AllocateUninitializedArray<ulong>(n);
        for (var shift = 0; shift < keyBits; shift += DigitBits)
        {
            Array.Clear(hist);
            var sh = shift;
            var from = src;
            Parallelism.ForChunks(chunks, c =>
            {
                var h = hist.AsSpan(c * Buckets, Buckets);
                var end = Math.Min(n, (c + 1) * SortChunk);
                for (var i = c * SortChunk; i < end; i++) h[(int)(from[i] >> sh) & (Buckets - 1)]++;
            });
            // A digit that is the same for every key would move nothing: skip the scatter.
            var constant = false;
            for (var b = 0; b < Buckets && !constant; b++)
            {
                long total = 0;
                for (var c = 0; c < chunks; c++) total += hist[c * Buckets + b];
                if (total == n) constant = true;
                else if (total > 0) break;
            }
            if (constant) continue;
            var running = 0;
            for (var b = 0; b < Buckets; b++)
            {
                for (var c = 0; c < chunks; c++)
                {
                    var count = hist[c * Buckets + b];
                    hist[c * Buckets + b] = running;
                    running += count;
                }
            }
            var to = dst;
            Parallelism.ForChunks(chunks, c =>
            {
                var cur = hist.AsSpan(c * Buckets, Buckets);
                var end = Math.Min(n, (c + 1) * SortChunk);
                for (var i = c * SortChunk; i < end; i++)
                {
                    var k = from[i];
                    to[cur[(int)(k >> sh) & (Buckets - 1)]++] = k;
                }
            });
            (src, dst) = (dst, src);
        }
        if (!ReferenceEquals(src, keys)) Array.Copy(src, keys, n);
    }

    /// <summary>Removes repeats from sorted keys[0..n) in place; returns the new count.</summary>
    public static int UniqueSorted(ulong[] keys, int n)
    {
        if (n == 0) return 0;
        var w = 1;
        for (var i = 1; i < n; i++)
        {
            if (keys[i] != keys[w - 1]) keys[w++] = keys[i];
        }
        return w;
    }

    /// <summary>Removes <paramref name="excess"/> keys chosen uniformly at random (seeded by <paramref name="seed"/>)
    /// from keys[0..n), keeping the order of the rest; returns the new count.</summary>
    public static int DropRandom(ulong[] keys, int n, int excess, ulong seed)
    {
        if (excess <= 0) return n;
        var drop = new bool[n];
        var rng = new RandomStream(seed);
        // Rejection: fine while the excess is a small share of n (the generators top up by a few percent).
        for (var dropped = 0; dropped < excess;)
        {
            var i = rng.NextInt(n);
            if (drop[i]) continue;
            drop[i] = true;
            dropped++;
        }
        var w = 0;
        for (var i = 0; i < n; i++) if (!drop[i]) keys[w++] = keys[i];
        return w;
    }

    /// <summary>
    /// Exactly <paramref name="target"/> distinct keys from a source of random keys: draws batches of candidates
    /// (<paramref name="draw"/>(first, count, output) fills keys for draw indices first.. first+count-1, writing
    /// <see cref="ulong.MaxValue"/> for a rejected draw), sorts, de-duplicates, tops up until there are enough, and
    /// drops a random excess. Returns them sorted.
    /// </summary>
    public static ulong[] DistinctKeys(long target, int keyBits, ulong seed, Action<long, int, ulong[], int> draw, double firstOversample = 1.02)
    {
        var capacity = (int)Math.Min(Array.MaxLength, (long)(target * firstOversample) + 1024);
        var keys = GC.AllocateUninitializedArray<ulong>(capacity);
        var count = 0;
        long drawn = 0;
        var want = capacity;
        for (var round = 0; ; round++)
        {
            if (count + want > keys.Length) Array.Resize(ref keys, count + want);
            Fill(draw, drawn, want, keys, count);
            drawn += want;
            // Rejected draws carry ulong.MaxValue: squeeze them out, then sort the old and new keys together.
            var total = count;
            for (var i = count; i < count + want; i++) if (keys[i] != ulong.MaxValue) keys[total++] = keys[i];
            RadixSort(keys, total, keyBits);
            count = UniqueSorted(keys, total);
            if (count >= target) break;
            // Top up by the shortfall plus the duplicate rate seen so far, and a margin.
            var yield = Math.Max(0.05, (double)count / drawn);
            want = (int)Math.Min(Array.MaxLength - (long)count, (long)((target - count) / yield * 1.1) + 1024);
            if (round > 64)
                throw new InvalidOperationException($"the generator could not find {target} distinct edges after {drawn} draws (found {count}); ask for fewer edges");
        }
        count = DropRandom(keys, count, (int)(count - target), RandomStream.Derive(seed, -1));
        if (keys.Length != count) Array.Resize(ref keys, count);
        return keys;
    }

    private static void Fill(Action<long, int, ulong[], int> draw, long first, int count, ulong[] keys, int offset)
    {
        const int chunk = 1 << 16;
        var chunks = (count + chunk - 1) / chunk;
        Parallelism.ForChunks(chunks, c =>
        {
            var start = c * chunk;
            draw(first + start, Math.Min(chunk, count - start), keys, offset + start);
        });
    }

    /// <summary>
    /// The COO lists of a symmetric graph from sorted keys <c>a·n + b</c> of its node pairs (a &lt; b): edges
    /// <c>a→b</c> and <c>b→a</c> for every pair, sorted by destination and, within a destination, by source.
    /// </summary>
    public static (int[] Src, int[] Dst) SymmetricCoo(ulong[] pairs, int n)
    {
        var p = pairs.Length;
        var nn = (ulong)n;
        // Entries of row v: sources a < v (pairs (a, v), a transpose: a stable counting sort of the pairs by b keeps a
        // ascending) followed by sources b > v (the run of pairs (v, ·), already ascending).
        var rowsB = GC.AllocateUninitializedArray<int>(p);
        var colsA = GC.AllocateUninitializedArray<int>(p);
        Parallelism.For(p, Parallelism.ElementwiseGrain, (s, e) =>
        {
            for (var i = s; i < e; i++)
            {
                colsA[i] = (int)(pairs[i] / nn);
                rowsB[i] = (int)(pairs[i] % nn);
            }
        });
        var low = CsrBuilder.Build(n, n, rowsB, colsA);
        rowsB = null!;
        // runStart[v]: the first pair whose a is ≥ v (a is sorted).
        var runStart = new long[n + 1];
        Parallelism.For(p, Parallelism.ElementwiseGrain, (s, e) =>
        {
            var prev = s == 0 ? -1 : colsA[s - 1];
            for (var i = s; i < e; i++)
            {
                var a = colsA[i];
                while (prev < a) runStart[++prev] = i;
            }
        });
        for (var v = (p == 0 ? -1 : colsA[p - 1]) + 1; v <= n; v++) runStart[v] = p;
        colsA = null!;

        var m = checked(2 * p);
        var src = GC.AllocateUninitializedArray<int>(m);
        var dst = GC.AllocateUninitializedArray<int>(m);
        var lowPtr = low.IndPtr;
        var lowIdx = low.Indices;
        Parallelism.For(n, 1 << 12, (v0, v1) =>
        {
            for (var v = v0; v < v1; v++)
            {
                var o = lowPtr[v] + runStart[v];
                for (var k = lowPtr[v]; k < lowPtr[v + 1]; k++)
                {
                    src[o] = lowIdx[k];
                    dst[o++] = v;
                }
                for (var k = runStart[v]; k < runStart[v + 1]; k++)
                {
                    src[o] = (int)(pairs[k] % nn);
                    dst[o++] = v;
                }
            }
        });
        return (src, dst);
    }

    /// <summary>COO lists sorted by destination then source from sorted keys <c>dst·n + src</c>.</summary>
    public static (int[] Src, int[] Dst) CooFromDstKeys(ulong[] keys, int n)
    {
        var src = GC.AllocateUninitializedArray<int>(keys.Length);
        var dst = GC.AllocateUninitializedArray<int>(keys.Length);
        var nn = (ulong)n;
        Parallelism.For(keys.Length, Parallelism.ElementwiseGrain, (s, e) =>
        {
            for (var i = s; i < e; i++)
            {
                dst[i] = (int)(keys[i] / nn);
                src[i] = (int)(keys[i] % nn);
            }
        });
        return (src, dst);
    }

    /// <summary>A random permutation of 0..n-1 (Fisher–Yates on one stream).</summary>
    public static int[] Permutation(int n, ulong seed)
    {
        var perm = new int[n];
        for (var i = 0; i < n; i++) perm[i] = i;
        var rng = new RandomStream(seed);
        for (var i = n - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return perm;
    }

    /// <summary>Bits needed for keys below <paramref name="bound"/>.</summary>
    public static int BitsFor(ulong bound) => bound <= 1 ? 1 : 64 - System.Numerics.BitOperations.LeadingZeroCount(bound - 1);
}
