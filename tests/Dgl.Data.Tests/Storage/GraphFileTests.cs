using System.Buffers.Binary;
using Dgl.Tensors.IO;

namespace Dgl.Data.Tests.Storage;

public class GraphFileTests
{
    private static GraphRecord Hetero(int seed)
    {
        var rng = new Random(seed);
        int[] Ids(int n, int max) => Enumerable.Range(0, n).Select(_ => rng.Next(max)).ToArray();
        var gen = new Generator((ulong)seed);
        return new GraphRecord(
            ["game", "user"], [5, 7],
            [new RelationRecord(1, "follows", 1, Ids(20, 7), Ids(20, 7)), new RelationRecord(1, "plays", 0, Ids(11, 7), Ids(11, 5))],
            [[new("h", Tensor.Randn([5, 3], generator: gen))], [new("feat", Tensor.Randn([7, 2, 2], DType.Float64, gen)), new("mask", Tensor.From([true, false, true, true, false, false, true]))]],
            [[new("w", Tensor.Rand([20], generator: gen))], [new("hours", Tensor.Arange(0, 11)), new("kind", Tensor.Arange(0, 11, DType.Int32))]]);
    }

    private static void AssertSame(GraphRecord a, GraphRecord b)
    {
        Assert.Equal(a.NodeTypes, b.NodeTypes);
        Assert.Equal(a.NumNodes, b.NumNodes);
        Assert.Equal(a.Relations.Length, b.Relations.Length);
        for (var k = 0; k < a.Relations.Length; k++)
        {
            Assert.Equal((a.Relations[k].SrcType, a.Relations[k].EdgeType, a.Relations[k].DstType), (b.Relations[k].SrcType, b.Relations[k].EdgeType, b.Relations[k].DstType));
            Assert.Equal(a.Relations[k].Src, b.Relations[k].Src);
            Assert.Equal(a.Relations[k].Dst, b.Relations[k].Dst);
        }
        foreach (var (da, db) in a.NodeData.Zip(b.NodeData).Concat(a.EdgeData.Zip(b.EdgeData)))
        {
            Assert.Equal([.. da.Select(kv => kv.Key)], db.Select(kv => kv.Key).ToArray());
            for (var i = 0; i < da.Count; i++) AssertBits(da[i].Value, db[i].Value);
        }
    }

    internal static void AssertBits(Tensor x, Tensor y)
    {
        Assert.Equal(x.DType, y.DType);
        Assert.Equal(x.Shape, y.Shape);
        switch (x.DType)
        {
            case DType.Float32: Assert.Equal(x.ToArray<float>().Select(BitConverter.SingleToInt32Bits), y.ToArray<float>().Select(BitConverter.SingleToInt32Bits)); break;
            case DType.Float64: Assert.Equal(x.ToArray<double>().Select(BitConverter.DoubleToInt64Bits), y.ToArray<double>().Select(BitConverter.DoubleToInt64Bits)); break;
            case DType.Int32: Assert.Equal(x.ToArray<int>(), y.ToArray<int>()); break;
            case DType.Int64: Assert.Equal(x.ToArray<long>(), y.ToArray<long>()); break;
            default: Assert.Equal(x.ToArray<bool>(), y.ToArray<bool>()); break;
        }
    }

    private static string TempFile() => Path.Combine(TestData.TempFolder(), "g.dglnet");

    [Fact]
    public void RoundTripsBitExactWithRandomAccess()
    {
        var graphs = Enumerable.Range(0, 5).Select(Hetero).ToList();
        var labels = new List<KeyValuePair<string, Tensor>> { new("labels", Tensor.Arange(0, 5)), new("y", Tensor.Randn([5, 2], generator: new Generator(9))) };
        var path = TempFile();
        GraphFile.Write(path, graphs, labels);
        Assert.Equal(0, new FileInfo(path).Length % 16);
        var (all, back) = GraphFile.Read(path);
        Assert.Equal(5, all.Count);
        for (var i = 0; i < 5; i++) AssertSame(graphs[i], all[i]);
        Assert.Equal(["labels", "y"], back.Select(kv => kv.Key).ToArray());
        AssertBits(labels[1].Value, back[1].Value);
        var (some, _) = GraphFile.Read(path, [3, 1]);
        AssertSame(graphs[3], some[0]);
        AssertSame(graphs[1], some[1]);
        Assert.Equal(5, GraphFile.Count(path));
        Assert.Throws<ArgumentOutOfRangeException>(() => GraphFile.Read(path, [5]));
    }

    [Fact]
    public void EmptyGraphsAndNoLabels()
    {
        var g = new GraphRecord(["_N"], [0], [new RelationRecord(0, "_E", 0, [], [])], [[]], [[]]);
        var path = TempFile();
        GraphFile.Write(path, [g, g], null);
        var (gs, labels) = GraphFile.Read(path);
        Assert.Equal(2, gs.Count);
        Assert.Empty(labels);
        AssertSame(g, gs[1]);
    }

    [Fact]
    public void NewerVersionIsAClearError()
    {
        var path = TempFile();
        GraphFile.Write(path, [Hetero(1)], null);
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 2);
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<DataFormatException>(() => GraphFile.Read(path));
        Assert.Contains("version 2 is newer", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForgedIdsAndCountsAreRefused()
    {
        var path = TempFile();
        var bad = new GraphRecord(["_N"], [3], [new RelationRecord(0, "_E", 0, [0, 1], [2, 3])], [[]], [[]]);
        GraphFile.Write(path, [bad], null);
        Assert.Contains("destination ids from 2 to 3", Assert.Throws<DataFormatException>(() => GraphFile.Read(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MutatedFilesFailWithDataFormatErrors()
    {
        var path = TempFile();
        GraphFile.Write(path, [Hetero(1), Hetero(2)], [new("labels", Tensor.Arange(0, 2))]);
        var original = File.ReadAllBytes(path);
        var target = TempFile();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Fuzz.Run(original, 800, 700, b => { File.WriteAllBytes(target, b); GraphFile.Read(target); });
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1L << 30);
    }
}
