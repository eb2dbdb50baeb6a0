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

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Bool)]
    public unsafe void LargeTensorsStartOnACacheLineAndAreNotViews(DType dtype)
    {
        // Just past the large-object threshold (tensors this large are aligned; the GC never moves them), and not a
        // multiple of a line.
        var n = checked((int)(Tensor.AlignFromBytes / dtype.ElementSize()) + 3);
        var shape = new Shape(n);
        var made = new List<Tensor> { Tensor.Zeros(shape, dtype), Tensor.Ones(shape, dtype) };
        if (dtype.IsFloatingPoint()) made.Add(Tensor.Rand(shape, dtype).Exp());
        foreach (var t in made)
        {
            fixed (byte* p = &System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(t.Data))
            {
                var first = (long)(p + (long)t.Offset * dtype.ElementSize());
                Assert.True(first % 64 == 0, $"tensor {made.IndexOf(t)} of {dtype}: storage at {(long)p % 64} mod 64, offset {t.Offset}, length {t.Data.Length}");
            }
            Assert.False(t.IsView, "a new tensor is not a view");
            Assert.True(t.Slice(0, 10).IsView, "a slice of it is");
            Assert.True(t.Slice(1, t.Size(0)).IsView, "a slice dropping the first element is");
        }
        // The padding never shows: the sum counts exactly n ones, and a clone copies into its own aligned start.
        Assert.Equal(n, Tensor.Ones(shape, DType.Float64).Sum().ToDouble());
        var r = Tensor.Rand(shape, DType.Float64);
        Assert.Equal(r.ToArray<double>(), r.Clone().ToArray<double>());
        Assert.Equal(r.ToArray<double>(), r.Pow(1).ToArray<double>());
        // Small tensors are left as the runtime places them (the GC may move them) and are not views either.
        Assert.False(Tensor.Zeros(new Shape(100), dtype).IsView);
    }
}
