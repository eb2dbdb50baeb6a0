namespace Dgl.Tensors.Kernels;

/// <summary>
/// How many threads kernels may use, and a parallel-for that does not split work too small to pay for a thread.
/// </summary>
/// <remarks>
/// <see cref="For"/> cuts work by thread count, so its body must compute each output element the same way
/// wherever the chunk boundaries fall (elementwise work, row-wise work). Reductions that combine partial results
/// use <see cref="ForChunks"/> with a chunking fixed by the problem size and combine the chunks in order, so that
/// results are bit-identical whatever <see cref="MaxThreads"/> is. The chunks run on the caller and on dedicated
/// workers (<see cref="WorkerPool"/>), which spin for 100 µs after each kernel before they sleep.
/// </remarks>
public static class Parallelism
{
    private static int s_maxThreads = InitialThreads();

    /// <summary>
    /// The most threads one kernel uses (default: the <c>DGL_NUM_THREADS</c> environment variable, else the
    /// processor count). Set to 1 for single-threaded runs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a value below 1.</exception>
    public static int MaxThreads
    {
        get => s_maxThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            s_maxThreads = value;
        }
    }

    private static int InitialThreads()
    {
        var env = Environment.GetEnvironmentVariable("DGL_NUM_THREADS");
        return int.TryParse(env, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : Environment.ProcessorCount;
    }

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, <paramref name="count"/>) in contiguous chunks of at
    /// least <paramref name="grain"/> items; inline when there is a single chunk or a single thread.
    /// </summary>
    public static void For(int count, int grain, Action<int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0) return;
        grain = Math.Max(1, grain);
        var threads = s_maxThreads;
        if (threads == 1 || count <= grain)
        {
            body(0, count);
            return;
        }
        var chunks = (int)Math.Min(threads, (count + (long)grain - 1) / grain);
        if (chunks <= 1)
        {
            body(0, count);
            return;
        }
        Run(chunks, threads, c => body((int)((long)count * c / chunks), (int)((long)count * (c + 1) / chunks)));
    }

    /// <summary>
    /// Runs <paramref name="body"/>(chunk) for chunk in [0, <paramref name="chunks"/>), in parallel when there are
    /// several threads. Callers choose the chunking so that results do not depend on the thread count.
    /// </summary>
    public static void ForChunks(int chunks, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (chunks <= 0) return;
        if (chunks == 1 || s_maxThreads == 1)
        {
            for (var c = 0; c < chunks; c++) body(c);
            return;
        }
        Run(chunks, s_maxThreads, body);
    }

    /// <summary>
    /// The chunks on the worker pool; where it is taken (another thread's kernel, or a kernel called from inside a
    /// chunk), on the thread pool. Either way every chunk runs, also after one throws, and the exception comes out as
    /// itself (the first one caught, when several chunks throw), not wrapped.
    /// </summary>
    private static void Run(int chunks, int threads, Action<int> body)
    {
        if (WorkerPool.Shared.TryRun(chunks, threads, body)) return;
        // Parallel.For stops starting chunks after an exception; catching inside keeps the pool's contract.
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? error = null;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
        {
            try
            {
                body(c);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref error, System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e), null);
            }
        });
        error?.Throw();
    }

    /// <summary>Grain (elements per chunk) below which elementwise kernels stay on one thread.</summary>
    internal const int ElementwiseGrain = 1 << 16;
}
