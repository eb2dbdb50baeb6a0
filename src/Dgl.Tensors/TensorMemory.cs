namespace Dgl.Tensors;

/// <summary>
/// A process-wide bound on how much dead tensor memory may pile up between collections, for programs whose peak
/// memory matters more than a little speed (mini-batch training on a graph that nearly fills the machine).
/// </summary>
/// <remarks>
/// <para>PyTorch frees a tensor the moment its last reference goes, by reference counting. .NET frees it when the GC
/// runs, and for arrays of a few MB and up it runs only once its own budget is spent — a budget that grows with the
/// live heap, so next to a 1.5 GB graph it lets hundreds of MB of dead activations and gradients stay resident, and
/// keeps the freed pages for reuse afterwards. With <see cref="CollectAfterBytes"/> set, every tensor allocation of
/// 1 MiB or more counts towards it, and once that many bytes were allocated since the last full collection, a
/// blocking full collection runs (non-compacting: live tensors do not move).</para>
/// <para>The price is time: each collection is a few ms, and the memory it frees is handed back and faulted in again
/// when reused. Measured on the GraphSAGE mini-batch bench on the full synthetic ogbn-products graph (2 cores), with
/// the loader collecting between batches: off, peak RSS 1.61× the graph's raw bytes at 119 ms per step; 400 MB,
/// 1.43× at 188 ms per step.</para>
/// </remarks>
public static class TensorMemory
{
    private const long CountedBytes = 1 << 20;
    private static long s_sinceCollection;
    private static int s_gen2;
    private static long s_budget;

    /// <summary>
    /// Bytes of large tensor buffers (1 MiB and up) after which a full blocking collection runs; 0 (the default)
    /// leaves collections to the GC.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative value.</exception>
    public static long CollectAfterBytes
    {
        get => Volatile.Read(ref s_budget);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Volatile.Write(ref s_budget, value);
        }
    }

    /// <summary>Counts a new tensor buffer of <paramref name="bytes"/> towards the budget (collects when it is spent).</summary>
    internal static void OnAllocate(long bytes)
    {
        var budget = Volatile.Read(ref s_budget);
        if (budget <= 0 || bytes < CountedBytes) return;
        var gen2 = GC.CollectionCount(2);
        if (gen2 != Volatile.Read(ref s_gen2))
        {
            // A full collection ran since (ours, the GC's own or a caller's): start counting afresh.
            Volatile.Write(ref s_gen2, gen2);
            Interlocked.Exchange(ref s_sinceCollection, 0);
        }
        if (Interlocked.Add(ref s_sinceCollection, bytes) < budget) return;
        Interlocked.Exchange(ref s_sinceCollection, 0);
        Collect();
        Volatile.Write(ref s_gen2, GC.CollectionCount(2));
    }

    /// <summary>
    /// A full blocking collection that does not compact (live tensors stay where they are): what frees dead tensors
    /// at a step boundary. Cheap when the live heap is a few big arrays of plain numbers, which the GC does not scan.
    /// </summary>
    public static void Collect() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
}
