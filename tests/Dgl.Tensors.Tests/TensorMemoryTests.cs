namespace Dgl.Tensors.Tests;

public class TensorMemoryTests
{
    [Fact]
    public void CollectsOnceTheBudgetOfLargeBuffersIsSpent()
    {
        var saved = TensorMemory.CollectAfterBytes;
        try
        {
            TensorMemory.CollectAfterBytes = 8L << 20;
            var before = GC.CollectionCount(2);
            // Five 2 MiB tensors = 10 MiB > 8 MiB: at least one full collection (small tensors do not count).
            for (var i = 0; i < 5; i++) GC.KeepAlive(Tensor.Zeros(new Shape(512 * 1024), DType.Float32));
            Assert.True(GC.CollectionCount(2) > before, "no full collection after 10 MiB of 2 MiB tensors with an 8 MiB budget");
            TensorMemory.CollectAfterBytes = 0;
            Assert.Throws<ArgumentOutOfRangeException>(() => TensorMemory.CollectAfterBytes = -1);
        }
        finally
        {
            TensorMemory.CollectAfterBytes = saved;
        }
    }
}
