using Dgl.Dataloading;
using Dgl.Tests.Graph;

namespace Dgl.Tests.Dataloading;

using Graph = Dgl.Graph;

public class DataLoaderTests
{
    /// <summary>Everything a batch holds, as plain arrays, for exact comparison.</summary>
    private static List<int[]> Fingerprint(BlockBatch b)
    {
        var parts = new List<int[]> { Naive.Ints(b.InputNodes), Naive.Ints(b.OutputNodes) };
        foreach (var block in b.Blocks)
        {
            parts.Add(Naive.Ints(block.SrcData[Graph.NID]));
            parts.Add(Naive.Ints(block.EData[Graph.EID]));
            var (s, d) = block.AllEdges();
            parts.Add(Naive.Ints(s));
            parts.Add(Naive.Ints(d));
        }
        parts.Add([.. b.Blocks[0].SrcData["feat"].ToArray<float>().Select(BitConverter.SingleToInt32Bits)]);
        return parts;
    }

    private static (Graph G, int[] Train) Setup()
    {
        var g = BlockSamplerTests.FeatureGraph(2000, 30_000, 3);
        var train = Enumerable.Range(0, 2000).Where(v => v % 3 != 1).ToArray();
        return (g, train);
    }

    private static NeighborSampler Sampler() => new([6, 4], prefetchNodeFeats: ["feat"], prefetchLabels: ["label"]);

    [Fact]
    public void SameSeedGivesIdenticalBatchesWithZeroOneOrFourWorkers()
    {
        var (g, train) = Setup();
        List<List<int[]>> Run(int workers)
        {
            using var loader = new DataLoader<BlockBatch>(g, train, Sampler(), batchSize: 100, shuffle: true, seed: 42, numWorkers: workers);
            var epochs = new List<List<int[]>>();
            for (var e = 0; e < 2; e++) epochs.AddRange(loader.Select(Fingerprint));
            return epochs;
        }
        var zero = Run(0);
        Assert.Equal(2 * 14, zero.Count);
        var one = Run(1);
        var four = Run(4);
        for (var i = 0; i < zero.Count; i++)
        {
            Assert.Equal(zero[i], one[i]);
            Assert.Equal(zero[i], four[i]);
        }
        using var other = new DataLoader<BlockBatch>(g, train, Sampler(), batchSize: 100, shuffle: true, seed: 43);
        Assert.NotEqual(zero[0][1], Naive.Ints(other.First().OutputNodes));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void CollectBetweenBatchesFreesThePreviousBatchAndKeepsTheBatchesTheSame(int workers)
    {
        var (g, train) = Setup();
        using var plain = new DataLoader<BlockBatch>(g, train, Sampler(), batchSize: 300, shuffle: true, seed: 8, numWorkers: workers);
        using var collecting = new DataLoader<BlockBatch>(g, train, Sampler(), batchSize: 300, shuffle: true, seed: 8, numWorkers: workers) { CollectBetweenBatches = true };
        Assert.Equal(plain.Select(Fingerprint).ToList(), collecting.Select(Fingerprint).ToList());
        if (workers > 0) return;   // with workers, the batches in flight stay reachable from the pipeline

        using var e = collecting.GetEnumerator();
        var first = FirstBatchWeakly(e);
        Assert.True(e.MoveNext());
        // The enumerator let go of batch 0 before collecting: only the weak reference was left.
        Assert.False(first.IsAlive, "the loader still held the previous batch when it collected");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference FirstBatchWeakly(IEnumerator<BlockBatch> e)
    {
        Assert.True(e.MoveNext());
        return new WeakReference(e.Current);
    }

    [Fact]
    public void GetBatchMatchesTheEnumeratedBatch()
    {
        var (g, train) = Setup();
        using var loader = new DataLoader<BlockBatch>(g, train, Sampler(), batchSize: 128, shuffle: true, seed: 5, numWorkers: 2);
        var enumerated = loader.Select(Fingerprint).ToList();
        for (var b = 0; b < loader.Count; b += 4) Assert.Equal(enumerated[b], Fingerprint(loader.GetBatch(0, b)));
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.GetBatch(0, loader.Count));
    }

    [Fact]
    public void EachEpochShufflesAnewAndCoversEveryIdOnce()
    {
        var (g, train) = Setup();
        using var loader = new DataLoader<BlockBatch>(g, train, Sampler(), batchSize: 300, shuffle: true, seed: 7);
        var epoch0 = loader.SelectMany(b => Naive.Ints(b.OutputNodes)).ToArray();
        var epoch1 = loader.SelectMany(b => Naive.Ints(b.OutputNodes)).ToArray();
        Assert.Equal(train, epoch0.Order());
        Assert.Equal(train, epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
        Assert.Equal(2, loader.Epoch);
        loader.Epoch = 0;
        Assert.Equal(epoch0, loader.SelectMany(b => Naive.Ints(b.OutputNodes)).ToArray());
        using var ordered = new DataLoader<BlockBatch>(g, train, Sampler(), batchSize: 300);
        Assert.Equal(train, ordered.SelectMany(b => Naive.Ints(b.OutputNodes)).ToArray());
    }

    [Fact]
    public void DropLastDropsTheShortBatch()
    {
        var (g, train) = Setup();
        using var keep = new DataLoader<BlockBatch>(g, train, Sampler(), batchSize: 500);
        using var drop = new DataLoader<BlockBatch>(g, train, Sampler(), batchSize: 500, dropLast: true);
        Assert.Equal((train.Length + 499) / 500, keep.Count);
        Assert.Equal(train.Length / 500, drop.Count);
        Assert.Equal(train.Length % 500, keep.Last().OutputNodes.NumElements);
        Assert.All(drop, b => Assert.Equal(500, b.OutputNodes.NumElements));
    }

    [Fact]
    public async Task AsyncEnumerationYieldsTheSameBatches()
    {
        var (g, train) = Setup();
        using var sync = new DataLoader<BlockBatch>(g, train, Sampler(), batchSize: 200, shuffle: true, seed: 9, numWorkers: 2);
        using var async = new DataLoader<BlockBatch>(g, train, Sampler(), batchSize: 200, shuffle: true, seed: 9, numWorkers: 2);
        var expected = sync.Select(Fingerprint).ToList();
        var i = 0;
        await foreach (var b in async)
        {
            Assert.Equal(expected[i++], Fingerprint(b));
        }
        Assert.Equal(expected.Count, i);
    }

    [Fact]
    public void BatchesArriveInOrderWhateverTheWorkersTake()
    {
        var g = Generators.Path(10);
        var ids = Enumerable.Range(0, 1000).ToArray();
        using var loader = new DataLoader<int>(g, ids, new SlowIndexSampler(), batchSize: 10, numWorkers: 4, prefetchFactor: 3);
        Assert.Equal(Enumerable.Range(0, 100), loader.ToArray());
        Assert.Equal(Enumerable.Range(0, 100), loader.ToArray());
    }

    [Fact]
    public void AWorkerExceptionSurfacesAtItsBatch()
    {
        var g = Generators.Path(10);
        var ids = Enumerable.Range(0, 100).ToArray();
        using var loader = new DataLoader<int>(g, ids, new SlowIndexSampler(failAt: 3), batchSize: 10, numWorkers: 3);
        var seen = new List<int>();
        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var b in loader) seen.Add(b);
        });
        Assert.Equal([0, 1, 2], seen);
        Assert.Contains("batch 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CancellationAndDisposalStopTheWorkers()
    {
        var g = Generators.Path(10);
        var ids = Enumerable.Range(0, 1000).ToArray();
        using var loader = new DataLoader<int>(g, ids, new SlowIndexSampler(), batchSize: 10, numWorkers: 2);
        using (var cts = new CancellationTokenSource())
        {
            var seen = 0;
            Assert.ThrowsAny<OperationCanceledException>(() =>
            {
                foreach (var b in loader.Enumerate(cts.Token))
                {
                    if (++seen == 3) cts.Cancel();
                }
            });
            Assert.Equal(3, seen);
        }
        // Breaking out early releases the workers; the loader still works afterwards.
        foreach (var b in loader)
        {
            if (b == 2) break;
        }
        Assert.Equal(100, loader.Count());
        loader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loader.First());
    }

    [Fact]
    public void TypedIndicesBatchAsDictionariesOfThePresentTypes()
    {
        var g = Graph.CreateHetero(new Dictionary<CanonicalEdgeType, (IdArray, IdArray)>
        {
            [("user", "follows", "user")] = Naive.RandomEdges(50, 50, 300, 61),
            [("user", "plays", "game")] = Naive.RandomEdges(50, 20, 200, 62),
        });
        var indices = new Dictionary<string, IdArray>(StringComparer.Ordinal) { ["user"] = Enumerable.Range(0, 50).ToArray(), ["game"] = Enumerable.Range(0, 20).ToArray() };
        using var loader = new DataLoader<BlockBatch>(g, indices, new NeighborSampler([2]), batchSize: 16, shuffle: true, seed: 3, numWorkers: 1);
        var users = new List<int>();
        var games = new List<int>();
        foreach (var b in loader)
        {
            Assert.True(b.OutputNodesByType["user"].NumElements + b.OutputNodesByType["game"].NumElements <= 16);
            users.AddRange(Naive.Ints(b.OutputNodesByType["user"]));
            games.AddRange(Naive.Ints(b.OutputNodesByType["game"]));
        }
        Assert.Equal(Enumerable.Range(0, 50), users.Order());
        Assert.Equal(Enumerable.Range(0, 20), games.Order());
        Assert.Throws<ArgumentException>(() => new DataLoader<BlockBatch>(g, new Dictionary<string, IdArray>(StringComparer.Ordinal) { ["shop"] = (int[])[0] }, new NeighborSampler([2])));
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        var g = Generators.Path(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader<int>(g, (int[])[0], new SlowIndexSampler(), batchSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader<int>(g, (int[])[0], new SlowIndexSampler(), numWorkers: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader<int>(g, (int[])[0], new SlowIndexSampler(), prefetchFactor: 0));
    }

    /// <summary>Returns the batch index after a delay that varies by batch (so workers finish out of order).</summary>
    private sealed class SlowIndexSampler(int failAt = -1) : ISampler<int>
    {
        public int Sample(Graph graph, SeedBatch seeds)
        {
            Thread.Sleep((seeds.Index * 7) % 5);
            if (seeds.Index == failAt) throw new InvalidOperationException($"batch {seeds.Index} failed on purpose");
            Assert.Equal(seeds.Index * seeds.Ids!.Length, seeds.Ids[0]);
            return seeds.Index;
        }
    }
}
