using System.Collections.Concurrent;
using Dgl.Tensors.Kernels;

namespace Dgl.Sampling;

/// <summary>
/// Relabels the picked neighbours of a block in parallel, with the result a sequential pass would give (DGL's
/// <c>to_block</c> order): the destination nodes keep ids 0..numDst-1, and every other node gets the next id at its
/// first appearance in the pick sequence.
/// </summary>
/// <remarks>
/// <para>Over a dense slot array per node type (pooled, all -1 between uses, so a use costs the nodes it touches):
/// (1) the destination nodes take their ids; (2) in parallel, each new node records its first position in the
/// sequence by an atomic maximum of the code <c>-(2 + position)</c>; (3) each chunk counts the positions that are
/// their node's first; (4) a prefix sum over the chunks (fixed size, never by thread count) numbers the new nodes in
/// sequence order, each chunk writing its own; (5) in parallel, every pick reads its node's id. Positions, hence ids,
/// do not depend on how the chunks were scheduled.</para>
/// <para>A sequential relabelling is memory-latency bound (one slot miss per pick); this spreads the misses over the
/// threads.</para>
/// </remarks>
internal static class Relabel
{
    private const int Chunk = 1 << 14;
    private const int MaxPooled = 8;
    private static readonly ConcurrentBag<int[]> s_pool = [];

    /// <summary>
    /// New ids of <paramref name="sequence"/> (the picks of every relation with this source type, concatenated in
    /// relation order) with <paramref name="dst"/> first; returns the source nodes (old ids, new-id order).
    /// </summary>
    /// <exception cref="ArgumentException">A destination node is listed twice.</exception>
    public static int[] Run(int universe, int[] dst, IReadOnlyList<int[]> sequence, IReadOnlyList<int[]> output, string op, string ntype)
    {
        var slot = Rent(universe);
        var numDst = dst.Length;
        var newNodes = Array.Empty<int>();
        var clean = false;
        try
        {
            for (var i = 0; i < numDst; i++)
            {
                if (slot[dst[i]] >= 0)
                {
                    throw SamplingErrors.Argument("nodes", $"{op}: seed node {dst[i]} of type '{ntype}' is listed twice; seeds of a block must be distinct");
                }
                slot[dst[i]] = i;
            }
            if (Sequential(universe, sequence))
            {
                newNodes = SequentialPass(slot, numDst, sequence, output);
            }
            else
            {
                newNodes = ParallelPasses(slot, numDst, sequence, output);
            }
            var src = GC.AllocateUninitializedArray<int>(numDst + newNodes.Length);
            dst.CopyTo(src, 0);
            newNodes.CopyTo(src, numDst);
            foreach (var v in src) slot[v] = -1;
            clean = true;
            return src;
        }
        finally
        {
            // Only a fully cleaned slot array goes back to the pool (an exception may leave marks anywhere).
            if (clean) Return(slot);
        }
    }

    /// <summary>
    /// One pass on one thread when the parallel passes would not pay: each parallel pass reads the slot of every
    /// pick, four passes in all, so on few threads with a slot array larger than the core's cache (every read a miss)
    /// the single sequential pass wins.
    /// </summary>
    private static bool Sequential(int universe, IReadOnlyList<int[]> sequence)
    {
        long picks = 0;
        foreach (var part in sequence) picks += part.Length;
        if (picks < 2 * Chunk) return true;
        return Parallelism.MaxThreads < 4 && (long)universe * sizeof(int) > 2 << 20;
    }

    private static int[] SequentialPass(int[] slot, int numDst, IReadOnlyList<int[]> sequence, IReadOnlyList<int[]> output)
    {
        var fresh = new List<int>();
        var next = numDst;
        for (var part = 0; part < sequence.Count; part++)
        {
            var seq = sequence[part];
            var outp = output[part];
            for (var p = 0; p < seq.Length; p++)
            {
                var v = seq[p];
                var id = slot[v];
                if (id < 0)
                {
                    id = next++;
                    slot[v] = id;
                    fresh.Add(v);
                }
                outp[p] = id;
            }
        }
        return [.. fresh];
    }

    private static int[] ParallelPasses(int[] slot, int numDst, IReadOnlyList<int[]> sequence, IReadOnlyList<int[]> output)
    {
        {
            // Chunks of each part of the sequence (fixed size: the numbering does not depend on the thread count).
            var chunks = new List<(int Part, int Start, int End, long Offset)>();
            long offset = 0;
            for (var part = 0; part < sequence.Count; part++)
            {
                var n = sequence[part].Length;
                for (var s = 0; s < n; s += Chunk) chunks.Add((part, s, Math.Min(n, s + Chunk), offset + s));
                offset += n;
            }
            // (2) First positions: slot[v] = max over picks p of v of -(2 + p), i.e. -(2 + first p).
            Parallelism.ForChunks(chunks.Count, c =>
            {
                var (part, s, e, off) = chunks[c];
                var seq = sequence[part];
                for (var p = s; p < e; p++)
                {
                    var v = seq[p];
                    var code = (int)(-2 - (off + p - s));
                    var cur = Volatile.Read(ref slot[v]);
                    while (cur == -1 || (cur < -1 && code > cur))
                    {
                        var seen = Interlocked.CompareExchange(ref slot[v], code, cur);
                        if (seen == cur) break;
                        cur = seen;
                    }
                }
            });
            // (3) New nodes per chunk.
            var counts = new int[chunks.Count + 1];
            Parallelism.ForChunks(chunks.Count, c =>
            {
                var (part, s, e, off) = chunks[c];
                var seq = sequence[part];
                var k = 0;
                for (var p = s; p < e; p++) if (slot[seq[p]] == (int)(-2 - (off + p - s))) k++;
                counts[c + 1] = k;
            });
            for (var c = 0; c < chunks.Count; c++) counts[c + 1] += counts[c];
            var result = GC.AllocateUninitializedArray<int>(counts[chunks.Count]);
            // (4) Number them in sequence order.
            Parallelism.ForChunks(chunks.Count, c =>
            {
                var (part, s, e, off) = chunks[c];
                var seq = sequence[part];
                var next = counts[c];
                for (var p = s; p < e; p++)
                {
                    var v = seq[p];
                    if (slot[v] != (int)(-2 - (off + p - s))) continue;
                    result[next] = v;
                    slot[v] = numDst + next;
                    next++;
                }
            });
            // (5) Every pick's id.
            Parallelism.ForChunks(chunks.Count, c =>
            {
                var (part, s, e, _) = chunks[c];
                var seq = sequence[part];
                var outp = output[part];
                for (var p = s; p < e; p++) outp[p] = slot[seq[p]];
            });
            return result;
        }
    }

    private static int[] Rent(int universe)
    {
        for (var attempt = 0; attempt < 4 && s_pool.TryTake(out var a); attempt++)
        {
            if (a.Length >= universe) return a;
            if (s_pool.Count < MaxPooled) s_pool.Add(a);
        }
        var fresh = GC.AllocateUninitializedArray<int>(Math.Max(universe, 1));
        fresh.AsSpan().Fill(-1);
        return fresh;
    }

    private static void Return(int[] slot)
    {
        if (s_pool.Count < MaxPooled) s_pool.Add(slot);
    }
}
