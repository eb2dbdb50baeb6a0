using System.Collections;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Dgl.Sampling;
using Dgl.Tensors;

namespace Dgl.Dataloading;

/// <summary>
/// Iterates mini-batches of a graph's node or edge ids through a sampler (DGL's <c>dgl.dataloading.DataLoader</c>):
/// each epoch (each enumeration) cuts the ids — shuffled or not — into batches of <see cref="BatchSize"/> and hands
/// each batch to the sampler, on the enumerating thread (<see cref="NumWorkers"/> = 0) or on background worker
/// threads that run ahead of the consumer.
/// </summary>
/// <remarks>
/// <para><b>Determinism.</b> The shuffle of epoch <c>e</c> and every random choice of batch <c>b</c> derive from
/// (<see cref="Seed"/>, e, b) alone, so the same seed yields the same batches, bit for bit, with 0, 1 or 8
/// workers. <see cref="Epoch"/> counts enumerations (set it to replay an epoch); <see cref="GetBatch"/> computes
/// one batch directly.</para>
/// <para><b>Workers.</b> With workers, a dispatcher hands batch numbers, in order, to the workers and to a bounded
/// channel of pending results (capacity <c>NumWorkers × PrefetchFactor</c>); the consumer takes results from that
/// channel in order, so batches arrive in order however the workers finish, and no more than the capacity are
/// sampled ahead. Breaking out of a <c>foreach</c>, cancelling, or disposing the loader stops the workers.
/// Enumerate with <c>foreach</c>, <see cref="Enumerate"/> (with a token) or <c>await foreach</c>.
/// An exception in a worker surfaces when the consumer reaches that batch.</para>
/// <para><b>Typed ids.</b> Given ids per node (or edge) type, the loader concatenates them in dictionary order,
/// shuffles them together, and hands each batch over as a dictionary holding the types present in it.</para>
/// </remarks>
/// <typeparam name="TBatch">What the sampler makes of a batch (<see cref="BlockBatch"/>, a subgraph, …).</typeparam>
/// <example>
/// <code>
/// var sampler = new NeighborSampler([15, 10, 5], prefetchNodeFeats: ["feat"], prefetchLabels: ["label"]);
/// using var loader = new DataLoader&lt;BlockBatch&gt;(g, trainIds, sampler, batchSize: 1024, shuffle: true, numWorkers: 1, seed: 42);
/// for (var epoch = 0; epoch &lt; 10; epoch++)
///     foreach (var batch in loader) Train(batch.Blocks);
/// </code>
/// </example>
public sealed class DataLoader<TBatch> : IEnumerable<TBatch>, IDisposable
{
    private readonly Graph _graph;
    private readonly ISampler<TBatch> _sampler;
    private readonly int[] _ids;
    private readonly int[]? _typeOf;
    private readonly string[]? _nodeTypes;
    private readonly CanonicalEdgeType[]? _edgeTypes;
    private readonly CancellationTokenSource _disposed = new();
    private int _epoch;

    /// <summary>A loader over untyped ids: a homogeneous graph's node (or edge) ids, or plain indices.</summary>
    /// <param name="graph">The graph the sampler samples.</param>
    /// <param name="indices">The ids to batch (int32/int64 tensor, array, or bool mask).</param>
    /// <param name="sampler">Turns a batch of ids into a <typeparamref name="TBatch"/>.</param>
    /// <param name="batchSize">Ids per batch (at least 1; DGL's default is 1).</param>
    /// <param name="shuffle">Shuffle the ids anew each epoch.</param>
    /// <param name="dropLast">Drop the last batch when it is smaller than <paramref name="batchSize"/>.</param>
    /// <param name="seed">Seed of the shuffles and of the sampling; default: a value drawn from <see cref="Generator.Default"/>.</param>
    /// <param name="numWorkers">Background sampling threads (0: sample on the enumerating thread).</param>
    /// <param name="prefetchFactor">Batches each worker may run ahead of the consumer (at least 1).</param>
    public DataLoader(Graph graph, IdArray indices, ISampler<TBatch> sampler, int batchSize = 1, bool shuffle = false, bool dropLast = false, ulong? seed = null, int numWorkers = 0, int prefetchFactor = 2)
        : this(graph, sampler, indices.Array, null, null, null, batchSize, shuffle, dropLast, seed, numWorkers, prefetchFactor)
    {
    }

    /// <summary>A loader over node ids per node type (see the untyped constructor for the other parameters).</summary>
    public DataLoader(Graph graph, IReadOnlyDictionary<string, IdArray> indices, ISampler<TBatch> sampler, int batchSize = 1, bool shuffle = false, bool dropLast = false, ulong? seed = null, int numWorkers = 0, int prefetchFactor = 2)
        : this(graph, sampler, Concat(indices?.Values, out var typeOf), typeOf, CheckNodeTypes(graph, indices), null, batchSize, shuffle, dropLast, seed, numWorkers, prefetchFactor)
    {
    }

    /// <summary>A loader over edge ids per edge type (see the untyped constructor for the other parameters).</summary>
    public DataLoader(Graph graph, IReadOnlyDictionary<EdgeTypeKey, IdArray> indices, ISampler<TBatch> sampler, int batchSize = 1, bool shuffle = false, bool dropLast = false, ulong? seed = null, int numWorkers = 0, int prefetchFactor = 2)
        : this(graph, sampler, Concat(indices?.Values, out var typeOf), typeOf, null, CheckEdgeTypes(graph, indices), batchSize, shuffle, dropLast, seed, numWorkers, prefetchFactor)
    {
    }

    private DataLoader(Graph graph, ISampler<TBatch> sampler, int[] ids, int[]? typeOf, string[]? nodeTypes, CanonicalEdgeType[]? edgeTypes, int batchSize, bool shuffle, bool dropLast, ulong? seed, int numWorkers, int prefetchFactor)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(numWorkers);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetchFactor, 1);
        _graph = graph;
        _sampler = sampler;
        _ids = ids;
        _typeOf = typeOf;
        _nodeTypes = nodeTypes;
        _edgeTypes = edgeTypes;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Seed = seed ?? Generator.Default.NextUInt64();
        NumWorkers = numWorkers;
        PrefetchFactor = prefetchFactor;
        // No CreateFormats here: the graph builds each format once on first use, thread-safely, and a sampler needs
        // only some of them (in-edge sampling never needs the out-CSR, which would double the structure's memory).
    }

    /// <summary>The graph being sampled.</summary>
    public Graph Graph => _graph;

    /// <summary>The sampler.</summary>
    public ISampler<TBatch> Sampler => _sampler;

    /// <summary>Ids per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch shuffles the ids.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a last, smaller batch is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>The seed every shuffle and batch derives from.</summary>
    public ulong Seed { get; }

    /// <summary>Background sampling threads (0: none).</summary>
    public int NumWorkers { get; }

    /// <summary>Batches each worker may run ahead.</summary>
    public int PrefetchFactor { get; }

    /// <summary>
    /// Run a full blocking garbage collection each time the enumeration moves to the next batch, after letting go of
    /// the previous one (default false). .NET frees a dead tensor only when the GC runs, and it runs for large arrays
    /// only when its budget — which grows to about a gigabyte on big graphs — is spent, so a training loop otherwise
    /// holds the dead activations, gradients and gathered features of the steps before alongside the live ones
    /// (PyTorch frees them at once, by reference counting). At the step boundary nearly everything of the last step is
    /// dead, and the collection costs a few milliseconds: turn this on when memory is tight. Batches are the same
    /// either way. With workers, the batches sampled ahead (and a worker's last one) stay reachable, so this frees
    /// less than with sampling on the calling thread.
    /// </summary>
    public bool CollectBetweenBatches { get; set; }

    /// <summary>The number of ids.</summary>
    public int NumIds => _ids.Length;

    /// <summary>Batches per epoch (DGL's <c>len(dataloader)</c>).</summary>
    public int Count => DropLast ? _ids.Length / BatchSize : (_ids.Length + BatchSize - 1) / BatchSize;

    /// <summary>The epoch the next enumeration runs (starts at 0, grows by one per enumeration).</summary>
    public int Epoch
    {
        get => Volatile.Read(ref _epoch);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Volatile.Write(ref _epoch, value);
        }
    }

    /// <summary>Enumerates the next epoch's batches.</summary>
    public IEnumerator<TBatch> GetEnumerator() => Enumerate(CancellationToken.None).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Enumerates the next epoch's batches; cancelling the token stops the workers and throws
    /// <see cref="OperationCanceledException"/> from the enumeration.</summary>
    public IEnumerable<TBatch> Enumerate(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        var epoch = Interlocked.Increment(ref _epoch) - 1;
        return Run(new EpochPlan(this, epoch), cancellationToken);
    }

    /// <summary>
    /// Enumerates the next epoch's batches asynchronously (<c>await foreach (var b in loader)</c>). The loader does not
    /// implement <see cref="IAsyncEnumerable{T}"/> itself, so that LINQ on it stays unambiguous; use
    /// <see cref="AsAsyncEnumerable"/> where the interface is needed.
    /// </summary>
    public IAsyncEnumerator<TBatch> GetAsyncEnumerator(CancellationToken cancellationToken = default) => RunAsync(cancellationToken);

    /// <summary>The next epoch's batches as an <see cref="IAsyncEnumerable{T}"/>.</summary>
    public IAsyncEnumerable<TBatch> AsAsyncEnumerable() => new AsyncView(this);

    private async IAsyncEnumerator<TBatch> RunAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        var epoch = Interlocked.Increment(ref _epoch) - 1;
        var plan = new EpochPlan(this, epoch);
        if (NumWorkers == 0)
        {
            for (var b = 0; b < plan.Count; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return Sample(plan, b);
            }
            yield break;
        }
        using var pipeline = new Pipeline(this, plan, cancellationToken);
        for (var b = 0; b < plan.Count; b++) yield return await pipeline.NextAsync().ConfigureAwait(false);
    }

    /// <summary>Batch <paramref name="index"/> of epoch <paramref name="epoch"/>, sampled on the calling thread
    /// (the same batch an enumeration of that epoch yields).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is not below <see cref="Count"/>.</exception>
    public TBatch GetBatch(int epoch, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (index < 0 || index >= Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"DataLoader: batch {index} does not exist; an epoch has {Count} batches");
        return Sample(new EpochPlan(this, epoch), index);
    }

    /// <summary>The seeds of batch <paramref name="index"/> of epoch <paramref name="epoch"/>, without sampling.</summary>
    public SeedBatch GetSeeds(int epoch, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (index < 0 || index >= Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"DataLoader: batch {index} does not exist; an epoch has {Count} batches");
        return new EpochPlan(this, epoch).Seeds(index);
    }

    /// <summary>Stops every running worker; later enumerations throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed.IsCancellationRequested) return;
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private IEnumerable<TBatch> Run(EpochPlan plan, CancellationToken cancellationToken) => new EpochBatches(this, plan, cancellationToken);

    private TBatch Sample(EpochPlan plan, int b) => _sampler.Sample(_graph, plan.Seeds(b));

    private static int[] Concat(IEnumerable<IdArray>? parts, out int[] typeOf)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var arrays = parts.Select(p => p.Array).ToArray();
        var ids = new int[arrays.Sum(a => a.Length)];
        typeOf = new int[ids.Length];
        var o = 0;
        for (var t = 0; t < arrays.Length; t++)
        {
            arrays[t].CopyTo(ids, o);
            typeOf.AsSpan(o, arrays[t].Length).Fill(t);
            o += arrays[t].Length;
        }
        return ids;
    }

    private static string[] CheckNodeTypes(Graph graph, IReadOnlyDictionary<string, IdArray>? indices)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(indices);
        foreach (var t in indices.Keys) graph.NodeTypeIndex(t);
        return [.. indices.Keys];
    }

    private static CanonicalEdgeType[] CheckEdgeTypes(Graph graph, IReadOnlyDictionary<EdgeTypeKey, IdArray>? indices)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(indices);
        return [.. indices.Keys.Select(k => graph.ToCanonicalEdgeType(k))];
    }

    /// <summary>One epoch's batches; each enumeration starts its own workers (when there are any).</summary>
    private sealed class EpochBatches(DataLoader<TBatch> loader, EpochPlan plan, CancellationToken cancellationToken) : IEnumerable<TBatch>
    {
        public IEnumerator<TBatch> GetEnumerator() => new BatchEnumerator(loader, plan, cancellationToken);

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// Hands out an epoch's batches, sampled on the calling thread or taken from the workers. Written out rather than
    /// as an iterator so that <see cref="MoveNext"/> lets go of the previous batch before it makes the next one:
    /// with <see cref="CollectBetweenBatches"/> the previous batch is then garbage when the collection runs.
    /// </summary>
    private sealed class BatchEnumerator : IEnumerator<TBatch>
    {
        private readonly DataLoader<TBatch> _loader;
        private readonly EpochPlan _plan;
        private readonly CancellationToken _cancellationToken;
        private Pipeline? _pipeline;
        private TBatch? _current;
        private int _next;

        public BatchEnumerator(DataLoader<TBatch> loader, EpochPlan plan, CancellationToken cancellationToken)
        {
            _loader = loader;
            _plan = plan;
            _cancellationToken = cancellationToken;
        }

        public TBatch Current => _current!;

        object? IEnumerator.Current => _current;

        public bool MoveNext()
        {
            _current = default;
            if (_next >= _plan.Count)
            {
                Dispose();
                return false;
            }
            if (_loader.CollectBetweenBatches) TensorMemory.Collect();
            if (_loader.NumWorkers == 0)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                _current = _loader.Sample(_plan, _next);
            }
            else
            {
                _pipeline ??= new Pipeline(_loader, _plan, _cancellationToken);
                _current = _pipeline.Next();
            }
            _next++;
            return true;
        }

        public void Reset() => throw new NotSupportedException("DataLoader: enumerate the loader again for another epoch");

        public void Dispose()
        {
            _pipeline?.Dispose();
            _pipeline = null;
        }
    }

    private sealed class AsyncView(DataLoader<TBatch> loader) : IAsyncEnumerable<TBatch>
    {
        public IAsyncEnumerator<TBatch> GetAsyncEnumerator(CancellationToken cancellationToken = default) => loader.RunAsync(cancellationToken);
    }

    /// <summary>One epoch's order of the ids and the keys of its batches.</summary>
    private sealed class EpochPlan
    {
        private readonly DataLoader<TBatch> _loader;
        private readonly int[]? _order;
        private readonly ulong _epochKey;
        private readonly int _epoch;

        public EpochPlan(DataLoader<TBatch> loader, int epoch)
        {
            _loader = loader;
            _epoch = epoch;
            _epochKey = RandomStream.Derive(loader.Seed, epoch);
            Count = loader.Count;
            if (loader.Shuffle)
            {
                var n = loader._ids.Length;
                var order = new int[n];
                for (var i = 0; i < n; i++) order[i] = i;
                var rng = new RandomStream(_epochKey, -1);
                for (var i = n - 1; i > 0; i--)
                {
                    var j = rng.NextInt(i + 1);
                    (order[i], order[j]) = (order[j], order[i]);
                }
                _order = order;
            }
        }

        public int Count { get; }

        public SeedBatch Seeds(int b)
        {
            var loader = _loader;
            var start = b * loader.BatchSize;
            var end = Math.Min(loader._ids.Length, start + loader.BatchSize);
            var len = end - start;
            var key = RandomStream.Derive(_epochKey, b);
            if (loader._typeOf is null)
            {
                var ids = new int[len];
                for (var i = 0; i < len; i++) ids[i] = loader._ids[_order?[start + i] ?? start + i];
                return SeedBatch.Create(ids, null, null, key, b, _epoch, _epochKey);
            }
            // Group by type (stable), types in dictionary order; only the types present.
            var numTypes = loader._nodeTypes?.Length ?? loader._edgeTypes!.Length;
            var lists = new List<int>[numTypes];
            for (var i = 0; i < len; i++)
            {
                var p = _order?[start + i] ?? start + i;
                var t = loader._typeOf[p];
                (lists[t] ??= []).Add(loader._ids[p]);
            }
            if (loader._nodeTypes is { } nts)
            {
                var d = new Dictionary<string, int[]>(StringComparer.Ordinal);
                for (var t = 0; t < numTypes; t++) if (lists[t] is { } l) d[nts[t]] = [.. l];
                return SeedBatch.Create(null, d, null, key, b, _epoch, _epochKey);
            }
            var e = new Dictionary<CanonicalEdgeType, int[]>();
            for (var t = 0; t < numTypes; t++) if (lists[t] is { } l) e[loader._edgeTypes![t]] = [.. l];
            return SeedBatch.Create(null, null, e, key, b, _epoch, _epochKey);
        }
    }

    /// <summary>The worker threads of one enumeration and the ordered, bounded channel of their results.</summary>
    private sealed class Pipeline : IDisposable
    {
        private readonly DataLoader<TBatch> _loader;
        private readonly EpochPlan _plan;
        private readonly CancellationTokenSource _cts;
        private readonly Channel<TaskCompletionSource<TBatch>> _results;
        private readonly Channel<(int Index, TaskCompletionSource<TBatch> Result)> _jobs;
        private readonly Thread[] _workers;
        private readonly Task _dispatcher;

        public Pipeline(DataLoader<TBatch> loader, EpochPlan plan, CancellationToken cancellationToken)
        {
            _loader = loader;
            _plan = plan;
            _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, loader._disposed.Token);
            _results = Channel.CreateBounded<TaskCompletionSource<TBatch>>(new BoundedChannelOptions(loader.NumWorkers * loader.PrefetchFactor)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _jobs = Channel.CreateUnbounded<(int, TaskCompletionSource<TBatch>)>(new UnboundedChannelOptions { SingleWriter = true });
            _workers = new Thread[loader.NumWorkers];
            for (var w = 0; w < _workers.Length; w++)
            {
                _workers[w] = new Thread(Work) { IsBackground = true, Name = $"DataLoader worker {w}" };
                _workers[w].Start();
            }
            _dispatcher = Task.Run(DispatchAsync);
        }

        /// <summary>The next batch in order (blocks until it is sampled).</summary>
        public TBatch Next()
        {
            var token = _cts.Token;
            token.ThrowIfCancellationRequested();
            if (!_results.Reader.TryRead(out var next))
            {
                if (!_results.Reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult() || !_results.Reader.TryRead(out next))
                    throw new InvalidOperationException("DataLoader: the batch pipeline ended early");
            }
            return next.Task.GetAwaiter().GetResult();
        }

        /// <summary>The next batch in order.</summary>
        public async ValueTask<TBatch> NextAsync()
        {
            _cts.Token.ThrowIfCancellationRequested();
            var next = await _results.Reader.ReadAsync(_cts.Token).ConfigureAwait(false);
            return await next.Task.ConfigureAwait(false);
        }

        /// <summary>Announces each batch to the consumer (bounded: waits while the consumer is that far behind),
        /// then to the workers.</summary>
        private async Task DispatchAsync()
        {
            var token = _cts.Token;
            try
            {
                for (var b = 0; b < _plan.Count; b++)
                {
                    var result = new TaskCompletionSource<TBatch>(TaskCreationOptions.RunContinuationsAsynchronously);
                    await _results.Writer.WriteAsync(result, token).ConfigureAwait(false);
                    _jobs.Writer.TryWrite((b, result));
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped: the consumer is gone or cancelled.
            }
            finally
            {
                _jobs.Writer.TryComplete();
                _results.Writer.TryComplete();
            }
        }

        private void Work()
        {
            var token = _cts.Token;
            try
            {
                while (_jobs.Reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult())
                {
                    while (_jobs.Reader.TryRead(out var job))
                    {
                        if (token.IsCancellationRequested)
                        {
                            job.Result.TrySetCanceled(token);
                            continue;
                        }
                        try
                        {
                            job.Result.TrySetResult(_loader.Sample(_plan, job.Index));
                        }
                        catch (Exception e)
                        {
                            job.Result.TrySetException(e);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        public void Dispose()
        {
            _cts.Cancel();
            _jobs.Writer.TryComplete();
            foreach (var w in _workers) w.Join();
            try
            {
                _dispatcher.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
            _cts.Dispose();
        }
    }
}
