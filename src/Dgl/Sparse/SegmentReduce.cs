using Dgl.Tensors;

namespace Dgl.Ops;

// Segment reductions and softmax: consecutive runs of rows ("segments", e.g. the nodes of each graph in a batch)
// reduced to one row each. A segment structure is a CSC whose rows are the segments and whose entries are the
// elements in order, so these ops are the g-SpMM (copy_rhs) and edge-softmax kernels with identity edge ids, which
// stream the rows sequentially and never read column ids; backward comes with them.
public static partial class SparseOps
{
    /// <summary>
    /// Reduces each segment of rows: out[i] = reduce(x[offsets[i] .. offsets[i+1]]) (DGL's <c>segment_reduce</c>).
    /// An empty segment gives 0 for every reducer.
    /// </summary>
    /// <param name="offsets">Segment boundaries: offsets[0] = 0, non-decreasing, offsets[^1] = x.Size(0).</param>
    /// <param name="x">[N, …] float32 or float64.</param>
    /// <param name="reduce">sum, mean, max or min.</param>
    /// <returns>[offsets.Length − 1, …].</returns>
    /// <exception cref="ArgumentException">The offsets are not valid boundaries of x's rows.</exception>
    public static Tensor SegmentReduce(long[] offsets, Tensor x, ReduceOp reduce)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckOffsets("segment_reduce", offsets, x);
        return GSpMM(EdgeIndex.FromSegments(offsets), BinaryOp.CopyRhs, reduce, null, x, "segment_reduce");
    }

    /// <summary>Reduces segments given by their lengths (DGL's <c>seglen</c>): segment i has lengths[i] rows.</summary>
    /// <param name="lengths">int32 or int64 [S], non-negative, summing to x.Size(0).</param>
    /// <param name="x">[N, …].</param>
    /// <param name="reduce">sum, mean, max or min.</param>
    /// <returns>[S, …].</returns>
    public static Tensor SegmentReduce(Tensor lengths, Tensor x, ReduceOp reduce) =>
        SegmentReduce(OffsetsFromLengths("segment_reduce", lengths), x, reduce);

    /// <summary>Softmax over the rows of each segment, per column: y[k] = exp(x[k]) / Σ_{k' in seg(k)} exp(x[k']).</summary>
    /// <param name="offsets">Segment boundaries (see <see cref="SegmentReduce(long[], Tensor, ReduceOp)"/>).</param>
    /// <param name="x">[N, …].</param>
    /// <returns>Same shape as <paramref name="x"/>.</returns>
    public static Tensor SegmentSoftmax(long[] offsets, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckOffsets("segment_softmax", offsets, x);
        return Softmax(EdgeIndex.FromSegments(offsets), x, "segment_softmax");
    }

    /// <summary>Softmax over the rows of each segment, segments given by their lengths.</summary>
    /// <param name="lengths">int32 or int64 [S].</param>
    /// <param name="x">[N, …].</param>
    /// <returns>Same shape as <paramref name="x"/>.</returns>
    public static Tensor SegmentSoftmax(Tensor lengths, Tensor x) =>
        SegmentSoftmax(OffsetsFromLengths("segment_softmax", lengths), x);

    /// <summary>Offsets 0, l0, l0+l1, … from a length tensor.</summary>
    internal static long[] OffsetsFromLengths(string name, Tensor lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (!lengths.DType.IsInteger())
            throw new TensorDTypeException($"{name}: segment lengths have dtype {lengths.DType.Name()}; expected int32 or int64");
        if (lengths.Rank != 1)
            throw new TensorShapeException($"{name}: segment lengths have shape {lengths.Shape}; expected a 1-D tensor");
        var n = lengths.NumElements;
        var offsets = new long[n + 1];
        for (var i = 0; i < n; i++)
        {
            var l = (long)lengths.GetAsDouble(i);
            if (l < 0) throw new ArgumentException($"{name}: segment {i} has length {l}; lengths must be >= 0", nameof(lengths));
            offsets[i + 1] = offsets[i] + l;
        }
        return offsets;
    }

    private static void CheckOffsets(string name, long[] offsets, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        if (offsets.Length == 0 || offsets[0] != 0)
            throw new ArgumentException($"{name}: offsets must start with 0 (one more entry than segments); got {(offsets.Length == 0 ? "none" : offsets[0].ToString(System.Globalization.CultureInfo.InvariantCulture))}", nameof(offsets));
        for (var i = 0; i + 1 < offsets.Length; i++)
        {
            if (offsets[i + 1] < offsets[i])
                throw new ArgumentException($"{name}: offsets decrease at segment {i} ({offsets[i]} then {offsets[i + 1]})", nameof(offsets));
        }
        if (x.Rank == 0 || offsets[^1] != x.Size(0))
            throw new ArgumentException($"{name}: offsets end at {offsets[^1]} but x has shape {x.Shape}; the last offset must be its row count", nameof(offsets));
    }
}
