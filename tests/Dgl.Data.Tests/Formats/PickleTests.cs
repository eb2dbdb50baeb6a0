using System.Numerics;
using System.Text;
using Dgl.Tensors.IO;

namespace Dgl.Data.Tests.Formats;

public class PickleTests
{
    private static Dictionary<object, object?> Dict(object? v) => Assert.IsType<Dictionary<object, object?>>(v);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void ReadsEveryProtocolCPythonWrites(int protocol)
    {
        var d = Dict(Pickle.Load(Convert.FromBase64String(PickleFixtures.Protocols[protocol]), $"protocol{protocol}.pkl"));
        var a = Assert.IsType<NpyArray>(d["a"]).Tensor!;
        Assert.Equal([2, 3], a.Shape.ToArray());
        Assert.Equal([0f, 1, 2, 3, 4, 5], a.ToArray<float>());
        var b = Assert.IsType<NpyArray>(d["b"]).Tensor!;   // big-endian int64
        Assert.Equal([1L, 2, 3, 4], b.ToArray<long>());
        var f = Assert.IsType<NpyArray>(d["f"]).Tensor!;   // Fortran order
        Assert.Equal([0, 1, 2, 3, 4, 5], f.ToArray<int>());
        Assert.Equal(2.5, d["s"]);
        Assert.Equal(-7L, d["i"]);
        var od = Dict(d["od"]);
        Assert.Equal(["x", "y"], od.Keys);
        Assert.Equal(1L, od["x"]);
        Assert.Equal([1.5, null, true], Assert.IsType<List<object?>>(od["y"]));
        Assert.Equal([1L, 2L], Assert.IsType<HashSet<object>>(d["set"]).Order());
        Assert.Equal(["q"], Assert.IsType<HashSet<object>>(d["fs"]));
        Assert.Equal([4L], Assert.IsType<List<object?>>(Dict(d["dd"])[3L]));
        var t = Assert.IsType<PickleTuple>(d["t"]);
        Assert.Equal(new PickleTuple([1L, new PickleTuple([2L, "z"])]), t);
        Assert.Equal(BigInteger.Pow(2, 70), d["big"]);
        Assert.Equal(-(1L << 40), d["neg"]);
        Assert.Equal(new byte[] { 0, 255 }, d["by"]);
        Assert.Equal("Ä€", d["u"]);
    }

    [Fact]
    public void ReadsLegacyAndZipTorchFiles()
    {
        foreach (var (name, b64) in new[] { ("legacy.pt", PickleFixtures.TorchLegacy), ("zip.pt", PickleFixtures.TorchZip) })
        {
            var d = Dict(TorchFile.Load(Convert.FromBase64String(b64), name));
            var w = Assert.IsType<Tensor>(d["w"]);
            Assert.Equal(DType.Float32, w.DType);
            Assert.Equal([2, 3], w.Shape.ToArray());
            Assert.Equal([0f, 1, 2, 3, 4, 5], w.ToArray<float>());
            Assert.Equal([1L, 2, 3], Assert.IsType<Tensor>(d["i"]).ToArray<long>());
            // arange(12).reshape(3,4).t(): a strided view, gathered to row-major [4, 3].
            var t = Assert.IsType<Tensor>(d["t"]);
            Assert.Equal([4, 3], t.Shape.ToArray());
            Assert.Equal([0L, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], t.ToArray<long>());
            Assert.Equal([0.5f, -2f], Assert.IsType<Tensor>(d["h"]).ToArray<float>());
            Assert.Equal([true, false], Assert.IsType<Tensor>(d["bl"]).ToArray<bool>());
            Assert.Equal([3, 4, 5, 6], Assert.IsType<Tensor>(d["sl"]).ToArray<int>());   // offset into the storage
            Assert.Equal([1.5f], Assert.IsType<Tensor>(d["bf"]).ToArray<float>());
            Assert.Equal([200], Assert.IsType<Tensor>(d["u8"]).ToArray<int>());
        }
    }

    [DataFact("planetoid/cora")]
    public void ReadsPlanetoidCoraPickles()
    {
        var x = Assert.IsType<ScipySparseMatrix>(Pickle.Load(TestData.PathOf("planetoid/cora/ind.cora.x")));
        Assert.Equal((SparseFormat.Csr, 140, 1433, 2647, DType.Float32), (x.Format, x.Rows, x.Cols, x.Nnz, x.Data.DType));
        var allx = Assert.IsType<ScipySparseMatrix>(Pickle.Load(TestData.PathOf("planetoid/cora/ind.cora.allx")));
        Assert.Equal((1708, 1433), (allx.Rows, allx.Cols));
        var y = Assert.IsType<NpyArray>(Pickle.Load(TestData.PathOf("planetoid/cora/ind.cora.y"))).Tensor!;
        Assert.Equal((DType.Int32, 140, 7), (y.DType, y.Size(0), y.Size(1)));
        // One-hot rows, 20 training nodes per class.
        var perClass = new int[7];
        for (var i = 0; i < 140; i++)
        {
            var row = y[i].ToArray<int>();
            Assert.Equal(1, row.Sum());
            perClass[Array.IndexOf(row, 1)]++;
        }
        Assert.All(perClass, c => Assert.Equal(20, c));
        var graph = Dict(Pickle.Load(TestData.PathOf("planetoid/cora/ind.cora.graph")));
        Assert.Equal(2708, graph.Count);
        Assert.Equal(10858, graph.Values.Sum(v => Assert.IsType<List<object?>>(v).Count));
    }

    [DataFact("planetoid/citeseer")]
    public void ReadsPlanetoidCiteseerPickles()
    {
        var allx = Assert.IsType<ScipySparseMatrix>(Pickle.Load(TestData.PathOf("planetoid/citeseer/ind.citeseer.allx")));
        Assert.Equal((2312, 3703), (allx.Rows, allx.Cols));
        Assert.Equal(3327, Dict(Pickle.Load(TestData.PathOf("planetoid/citeseer/ind.citeseer.graph"))).Count);
    }

    [DataFact("ogb/ogbl_ddi/split/target/valid.pt")]
    public void ReadsOgbSplitFiles()
    {
        var valid = Dict(TorchFile.Load(TestData.PathOf("ogb/ogbl_ddi/split/target/valid.pt")));
        var edge = Assert.IsType<NpyArray>(valid["edge"]).Tensor!;
        Assert.Equal((DType.Int64, 133489, 2), (edge.DType, edge.Size(0), edge.Size(1)));
        Assert.Equal(101882, Assert.IsType<NpyArray>(valid["edge_neg"]).Tensor!.Size(0));
        var test = Dict(TorchFile.Load(TestData.PathOf("ogb/ogbl_ddi/split/target/test.pt")));
        Assert.Equal(133489, Assert.IsType<NpyArray>(test["edge"]).Tensor!.Size(0));
        Assert.Equal(95599, Assert.IsType<NpyArray>(test["edge_neg"]).Tensor!.Size(0));
        var ids = edge.ToArray<long>();
        Assert.All(ids, v => Assert.InRange(v, 0, 4266));
    }

    // ---- malicious pickles, hand-built ----

    private static byte[] P(string text) => Encoding.Latin1.GetBytes(text);

    public static TheoryData<string, string> MaliciousPickles() => new()
    {
        // protocol 0: os.system('echo pwned') via GLOBAL + REDUCE
        { "cos\nsystem\n(S'echo pwned'\ntR.", "os.system" },
        // protocol 2: builtins.eval
        { "\u0080\u0002cbuiltins\neval\nX\u0004\u0000\u0000\u00001+1\u0085R.", "builtins.eval" },
        // protocol 4: STACK_GLOBAL subprocess.Popen
        { "\u0080\u0004\u008c\nsubprocess\u008c\u0005Popen\u0093]\u0085R.", "subprocess.Popen" },
        // posix.system, the name os.system pickles under on Linux
        { "cposix\nsystem\n(S'id'\ntR.", "posix.system" },
        // INST
        { "(S'ls'\nios\nsystem\n.", "os.system" },
        // OBJ with a refused class
        { "(cnt\nsystem\nS'dir'\no.", "nt.system" },
        // NEWOBJ on a refused class
        { "\u0080\u0002csubprocess\nPopen\n)\u0081.", "subprocess.Popen" },
        // getattr(builtins, 'eval') chains
        { "\u0080\u0002c__builtin__\ngetattr\n.", "__builtin__.getattr" },
        // a refused global hidden as a defaultdict factory
        { "\u0080\u0002ccollections\ndefaultdict\ncos\nsystem\n\u0085R.", "os.system" },
        // copyreg._reconstructor smuggling a refused class
        { "ccopy_reg\n_reconstructor\n(cos\nsystem\nc__builtin__\nobject\nNtR.", "os.system" },
    };

    [Theory]
    [MemberData(nameof(MaliciousPickles))]
    public void RefusesGlobalsOutsideTheAllowList(string pickle, string global)
    {
        var ex = Assert.Throws<UnsafePickleException>(() => Pickle.Load(P(pickle), "evil.pkl"));
        Assert.Equal(global, ex.Global);
        Assert.Contains($"'{global}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("evil.pkl", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> MalformedPickles() => new()
    {
        { "", "no STOP" },
        { "(lp0\n", "no STOP" },
        { "\u0080\u0002X\u00ff\u00ff\u00ff\u007f.", "longer than" },                // forged 2 GB unicode length
        { "\u0080\u0004\u008e\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u007f.", "longer than" },   // forged BINBYTES8
        { "\u0080\u0002h\u0007.", "never stored" },                                  // BINGET of a missing memo slot
        { "\u0080\u0002a.", "underflow" },                                           // APPEND with an empty stack
        { "\u0080\u0002]K\u0001s.", "underflow" },                                   // SETITEM with one value
        { "\u0080\u0002K\u0001K\u0002a.", "expected a list" },                        // APPEND to an int
        { "\u0080\u0002]]s.", "underflow" },
        { "\u0080\u0002}]K\u0001s.", "unhashable" },                                 // a list as a dict key
        { "\u0080\u0002t.", "MARK" },                                                // TUPLE without MARK
        { "\u0080\u0002\u0082\u0001.", "extension-registry" },
        { "\u0080\u0002K\u0001b.", "underflow" },
        { "\u0080\u0002]K\u0001b.", "BUILD on" },                                   // BUILD on a list
        { "\u0080\u0009.", "protocol 9" },
        { "\u0080\u0002\u00ff.", "opcode 0xFF" },
        { "\u0080\u0002K\u0001.K\u0002", "follow" },                                // bytes after STOP
        { "\u0080\u0002Q.", "underflow" },                                           // BINPERSID with nothing
        { "\u0080\u0002N\u0085Q.", "persistent id" },                                // persistent id without a loader
    };

    [Theory]
    [MemberData(nameof(MalformedPickles))]
    public void MalformedPicklesRaiseDataFormatErrors(string pickle, string expected)
    {
        var ex = Assert.ThrowsAny<DataFormatException>(() => Pickle.Load(P(pickle), "bad.pkl"));
        Assert.IsNotType<UnsafePickleException>(ex);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeeplyNestedTuplesAreRefused()
    {
        var sb = new StringBuilder("\u0080\u0002N");
        for (var i = 0; i < 100_000; i++) sb.Append('\u0085');   // TUPLE1, 100k times
        sb.Append('.');
        var ex = Assert.Throws<DataFormatException>(() => Pickle.Load(P(sb.ToString()), "deep.pkl"));
        Assert.Contains("nested", ex.Message, StringComparison.Ordinal);
        // 500 levels are within the limit.
        var ok = new StringBuilder("\u0080\u0002N");
        for (var i = 0; i < 500; i++) ok.Append('\u0085');
        Assert.Equal(500, Depth(Pickle.Load(P(ok.Append('.').ToString()), "ok.pkl")));
    }

    private static int Depth(object? v)
    {
        var d = 0;
        while (v is PickleTuple t) { d++; v = t[0]; }
        return d;
    }

    [Fact]
    public void ForgedNumpyArrayStateIsRefused()
    {
        // _reconstruct(ndarray, (0,), 'b') then BUILD with shape (1000000000,) of int64 but 8 bytes of data.
        var pkl = "\u0080\u0002cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\u0000\u0085U\u0001b\u0087R"
            + "(K\u0001J\u0000\u00ca\u009a\u003b\u0085cnumpy\ndtype\nU\u0002i8K\u0000K\u0001\u0087R(K\u0003U\u0001<NNNJ\u00ff\u00ff\u00ff\u00ffJ\u00ff\u00ff\u00ff\u00ffK\u0000tb\u0089U\u0008\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000tb.";
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<DataFormatException>(() => Pickle.Load(P(pkl), "forged.pkl"));
        Assert.Contains("8000000000 bytes", ex.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
        // An object array (dtype O8) is refused: it would need arbitrary pickled objects.
        var obj = pkl.Replace("U\u0002i8", "U\u0002O8", StringComparison.Ordinal);
        Assert.Contains("object", Assert.Throws<DataFormatException>(() => Pickle.Load(P(obj), "obj.pkl")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TorchFilesWithForgedStoragesAreRefused()
    {
        var legacy = Convert.FromBase64String(PickleFixtures.TorchLegacy);
        // Truncating the storage data at the end must fail with a named error, not an index exception.
        var ex = Assert.Throws<DataFormatException>(() => TorchFile.Load(legacy[..^5], "cut.pt"));
        Assert.Contains("cut.pt", ex.Message, StringComparison.Ordinal);
        Assert.Throws<DataFormatException>(() => TorchFile.Load(Encoding.ASCII.GetBytes("not a torch file"), "x.pt"));
    }
}
