using System.IO.Compression;
using System.Text;
using Dgl.Tensors.IO;

namespace Dgl.Tensors.Tests.IO;

public class NpzTests
{
    // np.savez_compressed(f, a=np.arange(4, dtype='<i8'), b=np.array([[1.5, 2.5]], '<f4'), names=np.array(['x', 'yz']))
    internal const string NpzDeflated = "UEsDBBQAAAAIAAAAIQDDw9rRTwAAAKAAAAAFABQAYS5ucHkBABAAoAAAAAAAAABPAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TaaGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GiY6mjoKtQoUAC4GKGCE0kxQmhlKAwBQSwMEFAAAAAgAAAAhAH9omXBOAAAAiAAAAAUAFABiLm5weQEAEACIAAAAAAAAAE4AAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmoq6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkahjoKRpo6CrUKZAMuBoYD9gwMCg4AUEsDBBQAAAAIAAAAIQBYQvGhTQAAAJAAAAAJABQAbmFtZXMubnB5AQAQAJAAAAAAAAAATQAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuE2qkrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOpo6CrUKFACuCgYIqATiKiAGAFBLAQIUAxQAAAAIAAAAIQDDw9rRTwAAAKAAAAAFAAAAAAAAAAAAAACAAQAAAABhLm5weVBLAQIUAxQAAAAIAAAAIQB/aJlwTgAAAIgAAAAFAAAAAAAAAAAAAACAAYYAAABiLm5weVBLAQIUAxQAAAAIAAAAIQBYQvGhTQAAAJAAAAAJAAAAAAAAAAAAAACAAQsBAABuYW1lcy5ucHlQSwUGAAAAAAMAAwCdAAAAkwEAAAAA";
    // np.savez(f, np.arange(3, dtype='<f8'))
    internal const string NpzStored = "UEsDBBQAAAAAAAAAIQAkIeErmAAAAJgAAAAJABQAYXJyXzAubnB5AQAQAJgAAAAAAAAAmAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAAAAAAAAAAAAAAAAA8D8AAAAAAAAAQFBLAQIUAxQAAAAAAAAAIQAkIeErmAAAAJgAAAAJAAAAAAAAAAAAAACAAQAAAABhcnJfMC5ucHlQSwUGAAAAAAEAAQA3AAAA0wAAAAAA";

    private static NpzReader Open(byte[] bytes) => new(new MemoryStream(bytes), "test.npz");

    [Fact]
    public void ReadsNumPyArchives()
    {
        using (var r = Open(Convert.FromBase64String(NpzDeflated)))
        {
            Assert.Equal(["a", "b", "names"], r.Keys);
            Assert.Equal([0L, 1, 2, 3], r.Read("a").ToArray<long>());
            var b = r.Read("b");
            Assert.Equal([1, 2], b.Shape.ToArray());
            Assert.Equal([1.5f, 2.5f], b.ToArray<float>());
            Assert.Equal(["x", "yz"], r.ReadStrings("names"));
            var ex = Assert.Throws<KeyNotFoundException>(() => r.Read("c"));
            Assert.Contains("'names'", ex.Message, StringComparison.Ordinal);
        }
        using var s = Open(Convert.FromBase64String(NpzStored));
        Assert.Equal([0.0, 1, 2], s.Read("arr_0").ToArray<double>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriterRoundTrips(bool compressed)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"npz-{Guid.NewGuid():N}.npz");
        try
        {
            var x = Tensor.Randn([17, 5], generator: new Generator(3));
            var m = ScipySparseMatrix.CreateCsr(3, 4, Tensor.From<long>([0, 2, 2, 3]), Tensor.From([1, 3, 0]), Tensor.From([1f, 2f, 3f]));
            using (var w = new NpzWriter(path, compressed))
            {
                w.Add("x", x);
                w.Add("mask", Tensor.From([true, false]));
                w.Add("names", ["alpha", "β"]);
                w.AddCsr("adj", m);
                Assert.Throws<ArgumentException>(() => w.Add("x", x));
                w.Commit();
            }
            var all = Npz.Load(path);
            Assert.Equal(x.ToArray<float>(), all["x"].Tensor!.ToArray<float>());
            Assert.Equal([true, false], all["mask"].Tensor!.ToArray<bool>());
            Assert.Equal(["alpha", "β"], all["names"].Strings!);
            using var r = new NpzReader(path);
            var back = r.ReadCsr("adj");
            Assert.Equal([0f, 1, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0], back.ToDense().ToArray<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AbandonedWriterLeavesNoFile()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"npz-{Guid.NewGuid():N}.npz");
        using (var w = new NpzWriter(path))
            w.Add("x", Tensor.Zeros(2));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(System.IO.Path.GetTempPath(), $".{System.IO.Path.GetFileName(path)}*"));
    }

    [Theory]
    [InlineData(SparseFormat.Csr)]
    [InlineData(SparseFormat.Csc)]
    [InlineData(SparseFormat.Coo)]
    public void ScipySaveNpzLayoutRoundTrips(SparseFormat format)
    {
        // Dense reference:   [[0, 5, 0], [7, 0, 0]] with a duplicate (1, 0) entry of 1 added.
        var m = format switch
        {
            SparseFormat.Csr => ScipySparseMatrix.CreateCsr(2, 3, Tensor.From<long>([0, 1, 3]), Tensor.From([1, 0, 0]), Tensor.From([5.0, 7.0, 1.0])),
            SparseFormat.Csc => ScipySparseMatrix.CreateCsc(2, 3, Tensor.From([0, 2, 3, 3]), Tensor.From([1, 1, 0]), Tensor.From([7.0, 1.0, 5.0])),
            _ => ScipySparseMatrix.CreateCoo(2, 3, Tensor.From([0, 1, 1]), Tensor.From([1, 0, 0]), Tensor.From([5.0, 7.0, 1.0])),
        };
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"npz-{Guid.NewGuid():N}.npz");
        try
        {
            Npz.SaveSparse(path, m);
            var back = Npz.LoadSparse(path);
            Assert.Equal(format, back.Format);
            Assert.Equal([0, 5, 0, 8, 0, 0], back.ToDense().ToArray<double>());
            Assert.Equal([0, 5, 0, 8, 0, 0], back.ToCsr().ToDense().ToArray<double>());
            using var r = new NpzReader(path);
            Assert.Equal([m.FormatName], r.ReadStrings("format"));
            Assert.Equal([2L, 3], r.Read("shape").ToArray<long>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void InvalidSparsePartsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => ScipySparseMatrix.CreateCsr(2, 2, Tensor.From([0, 2, 1]), Tensor.From([0, 1]), Tensor.From([1f, 1f])));
        Assert.Throws<ArgumentException>(() => ScipySparseMatrix.CreateCsr(2, 2, Tensor.From([0, 1, 2]), Tensor.From([0, 2]), Tensor.From([1f, 1f])));
        Assert.Throws<ArgumentException>(() => ScipySparseMatrix.CreateCoo(2, 2, Tensor.From([0, -1]), Tensor.From([0, 1]), Tensor.From([1f, 1f])));
        var ex = Assert.Throws<ArgumentException>(() => ScipySparseMatrix.CreateCsr(2, 2, Tensor.From([1, 1, 2]), Tensor.From([0, 1]), Tensor.From([1f, 1f])));
        Assert.Contains("starts at 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotAZipIsADataFormatError()
    {
        var ex = Assert.Throws<DataFormatException>(() => Open(Encoding.ASCII.GetBytes("this is not a zip archive at all, just text")));
        Assert.Contains("test.npz", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForgedDeflatedEntryDoesNotAllocate()
    {
        // A deflated entry whose header claims 2·10^8 int64 values while the compressed data holds a few bytes.
        var npy = NpyTests.WithHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (200000000,), }", new byte[80]);
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var s = zip.CreateEntry("big.npy", CompressionLevel.Optimal).Open();
            s.Write(npy);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        using var r = Open(ms.ToArray());
        var ex = Assert.Throws<DataFormatException>(() => r.Read("big"));
        Assert.Contains("test.npz:big.npy", ex.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
    }

    [NpyDataFact("gnn-benchmark-npz/cora.npz")]
    public void ShchurCoraMatchesPublishedCounts()
    {
        using var r = new NpzReader(NpyTestData.PathOf("gnn-benchmark-npz/cora.npz"));
        var adj = r.ReadCsr("adj");
        Assert.Equal((2708, 2708, 5429), (adj.Rows, adj.Cols, adj.Nnz));
        Assert.Equal(DType.Float32, adj.Data.DType);
        var attr = r.ReadCsr("attr");
        Assert.Equal((2708, 1433, 49216), (attr.Rows, attr.Cols, attr.Nnz));
        var labels = r.Read("labels");
        Assert.Equal(DType.Int32, labels.DType);      // int8 on disk
        Assert.Equal(2708, labels.NumElements);
        Assert.Equal(7, labels.ToArray<int>().Distinct().Count());
        Assert.Equal(2708, r.ReadStrings("node_names").Length);
        Assert.Equal(7, r.ReadStrings("class_names").Length);
    }

    [NpyDataFact("gnn-benchmark-npz/citeseer.npz")]
    public void ShchurCiteseerMatchesPublishedCounts()
    {
        using var r = new NpzReader(NpyTestData.PathOf("gnn-benchmark-npz/citeseer.npz"));
        var adj = r.ReadCsr("adj");
        Assert.Equal((3312, 3312, 4715), (adj.Rows, adj.Cols, adj.Nnz));
        var (row, col) = adj.ToCooArrays();
        Assert.Equal(124, row.Where((u, k) => u == col[k]).Count());
        var attr = r.ReadCsr("attr");
        Assert.Equal((3312, 3703), (attr.Rows, attr.Cols));
        Assert.Equal(6, r.Read("labels").ToArray<int>().Distinct().Count());
    }
}
