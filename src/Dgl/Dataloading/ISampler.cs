namespace Dgl.Dataloading;

/// <summary>
/// Something that turns a mini-batch of seeds into what a training step consumes (DGL's
/// <c>dgl.dataloading.Sampler</c>): blocks, subgraphs, pair graphs. <see cref="DataLoader{TBatch}"/> calls it from
/// its worker threads, so implementations must be safe to call concurrently (keep no per-call state) and must take
/// every random choice from <see cref="SeedBatch.RandomKey"/>.
/// </summary>
/// <typeparam name="TBatch">What one batch samples into.</typeparam>
public interface ISampler<out TBatch>
{
    /// <summary>Samples one batch from <paramref name="graph"/>.</summary>
    TBatch Sample(Graph graph, SeedBatch seeds);
}
