using Dgl.Tensors.Kernels;
using Xunit;

namespace Dgl.Tensors.Tests;

/// <summary>
/// <see cref="Parallelism"/> over its worker pool: every chunk runs exactly once whichever thread takes it, a chunk's
/// exception comes out as itself, and kernels started from several threads at once, or from inside a chunk, still
/// complete (they fall back to the thread pool or run inline).
/// </summary>
public class ParallelismTests
{
    private static readonly int Threads = Math.Max(2, Parallelism.MaxThreads);

    private static void WithThreads(int threads, Action body)
    {
        var saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;
            body();
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void ForChunksRunsEveryChunkOnce()
    {
        WithThreads(Threads, () =>
        {
            // Many jobs in a row, with a pause longer than the workers' spin now and then, so that they are caught
            // spinning, asleep and waking up between jobs.
            for (var round = 0; round < 2000; round++)
            {
                if (round % 50 == 0) Thread.Sleep(2);
                var chunks = 2 + round % 37;
                var hits = new int[chunks];
                Parallelism.ForChunks(chunks, c => Interlocked.Increment(ref hits[c]));
                Assert.All(hits, h => Assert.Equal(1, h));
            }
        });
    }

    [Fact]
    public void ForCoversTheRangeWithoutOverlap()
    {
        WithThreads(Threads, () =>
        {
            foreach (var (count, grain) in new[] { (10, 1), (1000, 7), (65_537, 1 << 12), (3, 1) })
            {
                var hits = new int[count];
                Parallelism.For(count, grain, (s, e) =>
                {
                    for (var i = s; i < e; i++) Interlocked.Increment(ref hits[i]);
                });
                Assert.All(hits, h => Assert.Equal(1, h));
            }
        });
    }

    [Fact]
    public void PoolWorkersTakeChunks()
    {
        // A worker that never woke would leave every chunk to the caller; with chunks that wait for each other the
        // caller alone could not finish them: the caller's chunk waits until another thread has started one. The pool
        // is called directly (tests in other classes run kernels at the same time, so it may be busy for a moment).
        var caller = Environment.CurrentManagedThreadId;
        var others = 0;
        var started = new ManualResetEventSlim();
        void Body(int c)
        {
            if (Environment.CurrentManagedThreadId != caller)
            {
                Interlocked.Increment(ref others);
                started.Set();
            }
            else
            {
                Assert.True(started.Wait(TimeSpan.FromSeconds(30)), "no worker took a chunk");
            }
        }
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!WorkerPool.Shared.TryRun(2, 2, Body))
        {
            Assert.True(DateTime.UtcNow < deadline, "the pool stayed busy for a minute");
            Thread.Sleep(1);
        }
        // The worker may have taken both chunks before the caller took one.
        Assert.InRange(others, 1, 2);
    }

    [Fact]
    public void ChunkExceptionComesOutUnwrapped()
    {
        WithThreads(Threads, () =>
        {
            var ran = new int[8];
            var e = Assert.Throws<InvalidOperationException>(() => Parallelism.ForChunks(8, c =>
            {
                Interlocked.Increment(ref ran[c]);
                if (c == 5) throw new InvalidOperationException("chunk 5 failed");
            }));
            Assert.Equal("chunk 5 failed", e.Message);
            Assert.All(ran, r => Assert.Equal(1, r));
            // The pool is free again afterwards.
            var hits = new int[4];
            Parallelism.ForChunks(4, c => hits[c]++);
            Assert.All(hits, h => Assert.Equal(1, h));
        });
    }

    [Fact]
    public void OffThePoolEveryChunkStillRunsAfterOneThrows()
    {
        // A kernel started inside a chunk finds the pool taken and runs on the thread pool (Parallel.For, which on
        // its own stops starting chunks after an exception); the contract must be the pool's.
        WithThreads(Threads, () =>
        {
            var ran = new int[2][];
            var messages = new string?[2];
            Parallelism.ForChunks(2, outer =>
            {
                ran[outer] = new int[64];
                var inner = ran[outer];
                try
                {
                    Parallelism.ForChunks(64, c =>
                    {
                        Interlocked.Increment(ref inner[c]);
                        if (c == 3) throw new InvalidOperationException($"chunk {c} of {outer} failed");
                    });
                }
                catch (InvalidOperationException e)
                {
                    messages[outer] = e.Message;
                }
            });
            for (var outer = 0; outer < 2; outer++)
            {
                Assert.Equal($"chunk 3 of {outer} failed", messages[outer]);
                Assert.All(ran[outer], r => Assert.Equal(1, r));
            }
        });
    }

    [Fact]
    public void NestedAndConcurrentKernelsComplete()
    {
        WithThreads(Threads, () =>
        {
            var totals = new long[4];
            var callers = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                for (var round = 0; round < 200; round++)
                {
                    var inner = new long[6];
                    // Each chunk starts a kernel of its own (the pool is taken: it runs on the thread pool).
                    Parallelism.ForChunks(6, c => Parallelism.For(100, 10, (s, e) => Interlocked.Add(ref inner[c], e - s)));
                    totals[t] += inner.Sum();
                }
            })).ToList();
            callers.ForEach(c => c.Start());
            callers.ForEach(c => Assert.True(c.Join(TimeSpan.FromMinutes(2)), "a caller did not finish"));
            Assert.All(totals, s => Assert.Equal(200L * 6 * 100, s));
        });
    }

    [Fact]
    public void KernelResultsDoNotDependOnTheThreadCount()
    {
        var x = Tensor.Uniform([3001, 70], -1, 1, generator: new Generator(5));
        float[] Run() => (x.Relu() * 3 + x).Sum(0).ToArray<float>();
        float[]? one = null;
        WithThreads(1, () => one = Run());
        foreach (var threads in new[] { 2, 3 })
            WithThreads(threads, () => Assert.Equal(one, Run()));
    }
}
