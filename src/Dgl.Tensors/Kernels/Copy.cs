using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dgl.Tensors.Kernels;

/// <summary>
/// Data-movement kernels (transpose/permute, concatenation, strided row copies, flips) that work on any dtype by
/// moving elements as raw 1-, 4- or 8-byte words: a copy never needs to know whether the bits are a float or an int.
/// </summary>
/// <remarks>
/// Every kernel walks its output in order and reads the source where it lies, so each output element is written
/// exactly once; the split across threads is by output range and cannot change any value.
/// </remarks>
internal static class CopyKernels
{
    /// <summary>Tile edge for the blocked transpose: a 32×32 tile of 8-byte words is 8 KiB, comfortably in L1.</summary>
    private const int Tile = 32;

    /// <summary>A reference to the first byte of <paramref name="t"/>'s elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ref byte RawRef(Tensor t) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(t.Data), (nint)t.Offset * t.DType.ElementSize());

    /// <summary><paramref name="t"/>'s elements reinterpreted as words <typeparamref name="TWord"/> of the same size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Span<TWord> Raw<TWord>(Tensor t) where TWord : unmanaged
    {
        Debug.Assert(Unsafe.SizeOf<TWord>() == t.DType.ElementSize());
        return MemoryMarshal.CreateSpan(ref Unsafe.As<byte, TWord>(ref RawRef(t)), t.NumElements);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Strided runs
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// For r in [0, count): dst[dstOffset + r·dstStride ..][..run] = src[srcOffset + r·srcStride ..][..run]
    /// (element offsets). The work is split by output elements, so one long run is shared between threads too.
    /// </summary>
    public static void CopyRuns(Tensor src, int srcOffset, int srcStride, Tensor dst, int dstOffset, int dstStride, int run, int count)
    {
        Debug.Assert(src.DType == dst.DType);
        if (run == 0 || count == 0) return;
        switch (src.DType.ElementSize())
        {
            case 1: CopyRuns<byte>(src, srcOffset, srcStride, dst, dstOffset, dstStride, run, count); break;
            case 4: CopyRuns<uint>(src, srcOffset, srcStride, dst, dstOffset, dstStride, run, count); break;
            default: CopyRuns<ulong>(src, srcOffset, srcStride, dst, dstOffset, dstStride, run, count); break;
        }
    }

    private static void CopyRuns<TWord>(Tensor src, int srcOffset, int srcStride, Tensor dst, int dstOffset, int dstStride, int run, int count)
        where TWord : unmanaged
    {
        var total = (long)run * count;
        if (run < LongRun || total <= Parallelism.ElementwiseGrain || Parallelism.MaxThreads == 1)
        {
            // Short runs: whole runs per thread, addressed by reference (no per-run span bounds).
            Parallelism.For(count, Math.Max(1, Parallelism.ElementwiseGrain / run), (s, e) =>
            {
                ref var from = ref Unsafe.Add(ref MemoryMarshal.GetReference(Raw<TWord>(src)), srcOffset);
                ref var to = ref Unsafe.Add(ref MemoryMarshal.GetReference(Raw<TWord>(dst)), dstOffset);
                for (var r = s; r < e; r++)
                    CopyWords(ref Unsafe.Add(ref to, (nint)r * dstStride), ref Unsafe.Add(ref from, (nint)r * srcStride), run);
            });
            return;
        }
        // Long runs: split by output elements, so that even one run is shared between threads.
        var chunks = (int)Math.Min(Parallelism.MaxThreads * 4L, (total + Parallelism.ElementwiseGrain - 1) / Parallelism.ElementwiseGrain);
        Parallelism.ForChunks(chunks, c =>
        {
            var s = Raw<TWord>(src);
            var d = Raw<TWord>(dst);
            var start = total * c / chunks;
            var end = total * (c + 1) / chunks;
            while (start < end)
            {
                var r = (int)(start / run);
                var col = (int)(start - (long)r * run);
                var len = (int)Math.Min(run - col, end - start);
                s.Slice(srcOffset + r * srcStride + col, len).CopyTo(d.Slice(dstOffset + r * dstStride + col, len));
                start += len;
            }
        });
    }

    /// <summary>Runs at least this long (in elements) are split between threads; shorter ones are copied whole.</summary>
    private const int LongRun = 1 << 12;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyWords<TWord>(ref TWord dst, ref TWord src, int count) where TWord : unmanaged =>
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<TWord, byte>(ref dst), ref Unsafe.As<TWord, byte>(ref src), (uint)(count * Unsafe.SizeOf<TWord>()));

    // ------------------------------------------------------------------------------------------------------------
    // Concatenation
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Concatenates <paramref name="inputs"/> into <paramref name="output"/>, every tensor viewed as
    /// [outer, len_i·inner]: output row o is input 0's row o, then input 1's row o, and so on. One pass over the
    /// output, split by output range.
    /// </summary>
    /// <param name="inputs">The tensors, all of the output's dtype.</param>
    /// <param name="runs">len_i·inner for each input (elements per outer row).</param>
    /// <param name="outer">Number of outer rows.</param>
    /// <param name="output">The destination, outer·Σruns elements.</param>
    public static void Concat(Tensor[] inputs, int[] runs, int outer, Tensor output)
    {
        switch (output.DType.ElementSize())
        {
            case 1: Concat<byte>(inputs, runs, outer, output); break;
            case 4: Concat<uint>(inputs, runs, outer, output); break;
            default: Concat<ulong>(inputs, runs, outer, output); break;
        }
    }

    private static void Concat<TWord>(Tensor[] inputs, int[] runs, int outer, Tensor output) where TWord : unmanaged
    {
        // starts[i]: where input i's run begins inside an output row.
        var starts = new int[runs.Length + 1];
        for (var i = 0; i < runs.Length; i++) starts[i + 1] = starts[i] + runs[i];
        var rowLen = starts[^1];
        var total = (long)rowLen * outer;
        if (total == 0) return;
        if (outer > 1 && rowLen < LongRun)
        {
            // Many short rows (cat along an inner dimension): whole output rows per thread, each row assembled
            // from every input's run. Arrays are reinterpreted as words of the same size (float[] as uint[]).
            var arrays = new Array[inputs.Length];
            var offsets = new int[inputs.Length];
            for (var i = 0; i < inputs.Length; i++)
            {
                arrays[i] = inputs[i].Data;
                offsets[i] = inputs[i].Offset;
            }
            Parallelism.For(outer, Math.Max(1, Parallelism.ElementwiseGrain / rowLen), (s, e) =>
            {
                ref var to = ref MemoryMarshal.GetReference(Raw<TWord>(output));
                for (var o = s; o < e; o++)
                {
                    ref var row = ref Unsafe.Add(ref to, (nint)o * rowLen);
                    for (var i = 0; i < arrays.Length; i++)
                    {
                        var run = runs[i];
                        if (run == 0) continue;
                        ref var from = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Unsafe.As<TWord[]>(arrays[i])), offsets[i] + (nint)o * run);
                        CopyWords(ref Unsafe.Add(ref row, starts[i]), ref from, run);
                    }
                }
            });
            return;
        }
        var chunks = total <= Parallelism.ElementwiseGrain ? 1
            : (int)Math.Min(Parallelism.MaxThreads * 4L, (total + Parallelism.ElementwiseGrain - 1) / Parallelism.ElementwiseGrain);
        Parallelism.ForChunks(chunks, c =>
        {
            var d = Raw<TWord>(output);
            var pos = total * c / chunks;
            var end = total * (c + 1) / chunks;
            var o = (int)(pos / rowLen);
            var col = (int)(pos - (long)o * rowLen);
            // The input whose run holds column col (the last one starting at or before it).
            var i = Array.BinarySearch(starts, col);
            i = i >= 0 ? i : ~i - 1;
            while (pos < end)
            {
                while (i < runs.Length && col >= starts[i + 1]) i++;
                if (i == runs.Length)
                {
                    o++;
                    col = 0;
                    i = 0;
                    continue;
                }
                var within = col - starts[i];
                var len = (int)Math.Min(runs[i] - within, end - pos);
                Raw<TWord>(inputs[i]).Slice(o * runs[i] + within, len).CopyTo(d.Slice((int)pos, len));
                pos += len;
                col += len;
            }
        });
    }

    // ------------------------------------------------------------------------------------------------------------
    // Permutation (transpose)
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// output = input with its dimensions reordered: output dimension k is input dimension <paramref name="perm"/>[k].
    /// </summary>
    /// <remarks>
    /// Size-1 dimensions are dropped and dimensions that stay neighbours are merged first, so [B, N, F] → [N, B, F]
    /// becomes a copy of contiguous F-runs and [N, F] → [F, N] (or [A, B, C] → [C, A, B]) a single 2-D transpose.
    /// When the input's last dimension keeps its place the copy moves whole runs; otherwise it is a blocked
    /// transpose of the two dimensions that are innermost in the input and in the output, so that both reads
    /// and writes stay inside a tile that fits the L1 cache.
    /// </remarks>
    public static void Permute(Tensor input, int[] perm, Tensor output)
    {
        if (input.NumElements == 0) return;
        var (dims, p) = MergePermutation(input.Shape.Dims, perm);
        switch (input.DType.ElementSize())
        {
            case 1: Permute<byte>(input, dims, p, output); break;
            case 4: Permute<uint>(input, dims, p, output); break;
            default: Permute<ulong>(input, dims, p, output); break;
        }
    }

    /// <summary>Drops size-1 dimensions and merges input dimensions that stay adjacent and in order in the output.</summary>
    internal static (int[] Dims, int[] Perm) MergePermutation(int[] inDims, int[] perm)
    {
        // Keep dimensions of size > 1 and renumber them.
        var keep = new int[inDims.Length];
        var kept = 0;
        for (var d = 0; d < inDims.Length; d++) keep[d] = inDims[d] == 1 ? -1 : kept++;
        var outOrder = new List<int>(kept);
        foreach (var d in perm) if (keep[d] >= 0) outOrder.Add(keep[d]);
        var sizes = new int[kept];
        for (var d = 0; d < inDims.Length; d++) if (keep[d] >= 0) sizes[keep[d]] = inDims[d];

        // Group runs of output dims that are consecutive input dims.
        var groups = new List<(int First, int Last)>();
        foreach (var d in outOrder)
        {
            if (groups.Count > 0 && groups[^1].Last + 1 == d) groups[^1] = (groups[^1].First, d);
            else groups.Add((d, d));
        }
        // Number the groups by their position in the input.
        var byInput = groups.Select((g, k) => (g.First, k)).OrderBy(x => x.First).ToArray();
        var newIndexOfGroup = new int[groups.Count];
        for (var j = 0; j < byInput.Length; j++) newIndexOfGroup[byInput[j].k] = j;
        var dims = new int[groups.Count];
        var p = new int[groups.Count];
        for (var k = 0; k < groups.Count; k++)
        {
            var size = 1;
            for (var d = groups[k].First; d <= groups[k].Last; d++) size *= sizes[d];
            dims[newIndexOfGroup[k]] = size;
            p[k] = newIndexOfGroup[k];
        }
        return (dims, p);
    }

    private static void Permute<TWord>(Tensor input, int[] dims, int[] perm, Tensor output) where TWord : unmanaged
    {
        var r = dims.Length;
        if (r <= 1)
        {
            Raw<TWord>(input).CopyTo(Raw<TWord>(output));
            return;
        }
        var inStrides = new int[r];
        inStrides[r - 1] = 1;
        for (var d = r - 2; d >= 0; d--) inStrides[d] = inStrides[d + 1] * dims[d + 1];
        var outDims = new int[r];
        var srcStrides = new int[r];   // stride in the input of each output dimension
        for (var k = 0; k < r; k++)
        {
            outDims[k] = dims[perm[k]];
            srcStrides[k] = inStrides[perm[k]];
        }
        var outStrides = new int[r];
        outStrides[r - 1] = 1;
        for (var k = r - 2; k >= 0; k--) outStrides[k] = outStrides[k + 1] * outDims[k + 1];

        if (perm[r - 1] == r - 1)
        {
            // The innermost dimension is unchanged (merging makes this rare: only with at least 3 groups):
            // copy runs of it, walking the other output dimensions in order.
            var run = outDims[r - 1];
            var rows = input.NumElements / run;
            var outer = outDims[..^1];
            var strides = srcStrides[..^1];
            Parallelism.For(rows, Math.Max(1, Parallelism.ElementwiseGrain / run), (s, e) =>
            {
                var src = Raw<TWord>(input);
                var dst = Raw<TWord>(output);
                var cursor = new StridedCursor(outer, strides, s);
                for (var row = s; row < e; row++, cursor.MoveNext())
                    src.Slice(cursor.Offset, run).CopyTo(dst.Slice(row * run, run));
            });
            return;
        }

        // Blocked transpose between q (the output dimension that is the input's innermost, read with stride 1) and
        // the output's innermost dimension j (written with stride 1, read with stride srcStrides[j]).
        var q = Array.IndexOf(perm, r - 1);
        var j = r - 1;
        var rest = new List<int>();
        for (var k = 0; k < r; k++) if (k != q && k != j) rest.Add(k);
        var restDims = rest.Select(k => outDims[k]).ToArray();
        var restSrc = rest.Select(k => srcStrides[k]).ToArray();
        var restDst = rest.Select(k => outStrides[k]).ToArray();
        var blocks = 1;
        foreach (var d in restDims) blocks *= d;
        var nq = outDims[q];
        var nj = outDims[j];
        var sj = srcStrides[j];
        var dq = outStrides[q];
        var tilesQ = (nq + Tile - 1) / Tile;
        var units = blocks * tilesQ;
        var unitElems = Math.Max(1, Tile * nj);
        Parallelism.For(units, Math.Max(1, Parallelism.ElementwiseGrain / unitElems), (s, e) =>
        {
            ref var src = ref MemoryMarshal.GetReference(Raw<TWord>(input));
            ref var dst = ref MemoryMarshal.GetReference(Raw<TWord>(output));
            var block = s / tilesQ;
            var srcCursor = new StridedCursor(restDims, restSrc, block);
            var dstCursor = new StridedCursor(restDims, restDst, block);
            for (var u = s; u < e; u++)
            {
                var b = u / tilesQ;
                while (block < b)
                {
                    block++;
                    srcCursor.MoveNext();
                    dstCursor.MoveNext();
                }
                var q0 = (u - b * tilesQ) * Tile;
                var q1 = Math.Min(nq, q0 + Tile);
                for (var j0 = 0; j0 < nj; j0 += Tile)
                {
                    var j1 = Math.Min(nj, j0 + Tile);
                    TransposeTile(ref Unsafe.Add(ref src, srcCursor.Offset), sj, ref Unsafe.Add(ref dst, dstCursor.Offset), dq, q0, q1, j0, j1);
                }
            }
        });
    }

    /// <summary>dst[iq·dq + ij] = src[iq + ij·sj] for iq in [q0, q1), ij in [j0, j1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeTile<TWord>(ref TWord src, int sj, ref TWord dst, int dq, int q0, int q1, int j0, int j1) where TWord : unmanaged
    {
        if (Avx.IsSupported && (typeof(TWord) == typeof(uint) || typeof(TWord) == typeof(ulong)))
        {
            // In-register transposes of 8×8 (4-byte) or 4×4 (8-byte) blocks; the ragged edges go scalar.
            var b = typeof(TWord) == typeof(uint) ? 8 : 4;
            var qEnd = q0 + (q1 - q0) / b * b;
            var jEnd = j0 + (j1 - j0) / b * b;
            for (var iq = q0; iq < qEnd; iq += b)
            {
                for (var ij = j0; ij < jEnd; ij += b)
                {
                    ref var s = ref Unsafe.Add(ref src, iq + (nint)ij * sj);
                    ref var d = ref Unsafe.Add(ref dst, (nint)iq * dq + ij);
                    if (typeof(TWord) == typeof(uint)) BlockTranspose.Transpose8x8(ref Unsafe.As<TWord, float>(ref s), sj, ref Unsafe.As<TWord, float>(ref d), dq);
                    else BlockTranspose.Transpose4x4(ref Unsafe.As<TWord, double>(ref s), sj, ref Unsafe.As<TWord, double>(ref d), dq);
                }
            }
            if (jEnd < j1) TransposeScalar(ref src, sj, ref dst, dq, q0, qEnd, jEnd, j1);
            if (qEnd < q1) TransposeScalar(ref src, sj, ref dst, dq, qEnd, q1, j0, j1);
            return;
        }
        TransposeScalar(ref src, sj, ref dst, dq, q0, q1, j0, j1);
    }

    private static void TransposeScalar<TWord>(ref TWord src, int sj, ref TWord dst, int dq, int q0, int q1, int j0, int j1) where TWord : unmanaged
    {
        for (var iq = q0; iq < q1; iq++)
        {
            ref var d = ref Unsafe.Add(ref dst, (nint)iq * dq);
            ref var s = ref Unsafe.Add(ref src, iq);
            var ij = j0;
            for (; ij <= j1 - 4; ij += 4)
            {
                Unsafe.Add(ref d, ij) = Unsafe.Add(ref s, (nint)ij * sj);
                Unsafe.Add(ref d, ij + 1) = Unsafe.Add(ref s, (nint)(ij + 1) * sj);
                Unsafe.Add(ref d, ij + 2) = Unsafe.Add(ref s, (nint)(ij + 2) * sj);
                Unsafe.Add(ref d, ij + 3) = Unsafe.Add(ref s, (nint)(ij + 3) * sj);
            }
            for (; ij < j1; ij++) Unsafe.Add(ref d, ij) = Unsafe.Add(ref s, (nint)ij * sj);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Flip
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>output = input reversed along the dimensions marked in <paramref name="flip"/>.</summary>
    public static void Flip(Tensor input, bool[] flip, Tensor output)
    {
        if (input.NumElements == 0) return;
        // Merge neighbouring dimensions that are both flipped or both kept (reversing [a, b] in both is reversing a·b).
        var dims = new List<int>();
        var flags = new List<bool>();
        var inDims = input.Shape.Dims;
        for (var d = 0; d < inDims.Length; d++)
        {
            if (inDims[d] == 1) continue;
            if (dims.Count > 0 && flags[^1] == flip[d]) dims[^1] *= inDims[d];
            else
            {
                dims.Add(inDims[d]);
                flags.Add(flip[d]);
            }
        }
        if (dims.Count == 0)
        {
            dims.Add(1);
            flags.Add(false);
        }
        switch (input.DType.ElementSize())
        {
            case 1: Flip<byte>(input, [.. dims], [.. flags], output); break;
            case 4: Flip<uint>(input, [.. dims], [.. flags], output); break;
            default: Flip<ulong>(input, [.. dims], [.. flags], output); break;
        }
    }

    private static void Flip<TWord>(Tensor input, int[] dims, bool[] flip, Tensor output) where TWord : unmanaged
    {
        var r = dims.Length;
        var run = dims[r - 1];
        var lastFlipped = flip[r - 1];
        var outer = dims[..^1];
        var strides = new int[r - 1];
        var baseOffset = 0;
        var stride = run;
        for (var d = r - 2; d >= 0; d--)
        {
            // A flipped dimension is read from its far end backwards.
            strides[d] = flip[d] ? -stride : stride;
            if (flip[d]) baseOffset += (dims[d] - 1) * stride;
            stride *= dims[d];
        }
        var rows = input.NumElements / run;
        Parallelism.For(rows, Math.Max(1, Parallelism.ElementwiseGrain / run), (s, e) =>
        {
            var src = Raw<TWord>(input);
            var dst = Raw<TWord>(output);
            var cursor = new StridedCursor(outer, strides, s);
            for (var row = s; row < e; row++, cursor.MoveNext())
            {
                var from = src.Slice(baseOffset + cursor.Offset, run);
                var to = dst.Slice(row * run, run);
                from.CopyTo(to);
                if (lastFlipped) to.Reverse();
            }
        });
    }
}

/// <summary>
/// Walks the rows of a strided layout in row-major order, keeping the source offset up to date with one add per
/// step (no division per row).
/// </summary>
internal struct StridedCursor
{
    private readonly int[] _dims;
    private readonly int[] _strides;
    private readonly int[] _index;

    /// <summary>Positions the cursor at row <paramref name="row"/> of the layout with sizes <paramref name="dims"/>.</summary>
    public StridedCursor(int[] dims, int[] strides, int row)
    {
        _dims = dims;
        _strides = strides;
        _index = new int[dims.Length];
        Offset = 0;
        for (var d = dims.Length - 1; d >= 0; d--)
        {
            var i = row % dims[d];
            row /= dims[d];
            _index[d] = i;
            Offset += i * strides[d];
        }
    }

    /// <summary>The source offset of the current row.</summary>
    public int Offset { get; private set; }

    /// <summary>Advances to the next row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MoveNext()
    {
        for (var d = _dims.Length - 1; d >= 0; d--)
        {
            Offset += _strides[d];
            if (++_index[d] < _dims[d]) return;
            Offset -= _strides[d] * _dims[d];
            _index[d] = 0;
        }
    }
}
