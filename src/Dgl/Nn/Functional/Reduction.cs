using Dgl.Tensors;
using Dgl.Tensors.Kernels;

namespace Dgl.Nn;

/// <summary>How a loss combines its per-element values (PyTorch's <c>reduction</c> argument).</summary>
public enum Reduction
{
    /// <summary>No reduction: one loss per element (or per row for classification losses).</summary>
    None,

    /// <summary>The mean (for weighted classification losses: divided by the sum of the targets' weights).</summary>
    Mean,

    /// <summary>The sum.</summary>
    Sum,
}

/// <summary>Shared plumbing of the fused losses: fixed-size chunking and deterministic partial sums.</summary>
internal static class LossKernels
{
    /// <summary>Elements per chunk of work; fixed, so that partial sums (and so the loss bits) do not depend on the thread count.</summary>
    public const int ChunkElements = 1 << 14;

    /// <summary>Rows per chunk for rows of <paramref name="rowLength"/> elements.</summary>
    public static int RowsPerChunk(int rowLength) => Math.Max(1, ChunkElements / Math.Max(1, rowLength));

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, <paramref name="count"/>) in chunks of
    /// <paramref name="perChunk"/> and returns the sum of the values it returns, added in chunk order.
    /// </summary>
    public static double SumChunks(int count, int perChunk, Func<int, int, double> body)
    {
        if (count <= 0) return 0;
        var chunks = (count + perChunk - 1) / perChunk;
        if (chunks == 1) return body(0, count);
        var partial = new double[chunks];
        Parallelism.ForChunks(chunks, c =>
        {
            var s = c * perChunk;
            partial[c] = body(s, Math.Min(count, s + perChunk));
        });
        var total = 0.0;
        foreach (var p in partial) total += p;
        return total;
    }

    /// <summary>Runs <paramref name="body"/>(start, end) over [0, <paramref name="count"/>) in chunks of <paramref name="perChunk"/>.</summary>
    public static void ForChunks(int count, int perChunk, Action<int, int> body)
    {
        if (count <= 0) return;
        var chunks = (count + perChunk - 1) / perChunk;
        if (chunks == 1)
        {
            body(0, count);
            return;
        }
        Parallelism.ForChunks(chunks, c =>
        {
            var s = c * perChunk;
            body(s, Math.Min(count, s + perChunk));
        });
    }

    /// <summary>The reduced loss as a rank-0 tensor of <paramref name="dtype"/>.</summary>
    public static Tensor ScalarOf(double value, DType dtype) => Tensor.Scalar(value, dtype);

    /// <summary>The gradient factor of element <paramref name="i"/>: the output gradient (per element when unreduced) over the mean's divisor.</summary>
    public static double Scale<T>(ReadOnlySpan<T> grad, Reduction reduction, double divisor, int i) where T : unmanaged, System.Numerics.INumberBase<T>
        => reduction switch
        {
            Reduction.None => double.CreateTruncating(grad[i]),
            Reduction.Sum => double.CreateTruncating(grad[0]),
            _ => double.CreateTruncating(grad[0]) / divisor,
        };

    /// <summary>Checks that <paramref name="reduction"/> is a defined value.</summary>
    public static void CheckReduction(string op, Reduction reduction)
    {
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum))
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, $"{op}: reduction must be None, Mean or Sum");
    }
}
