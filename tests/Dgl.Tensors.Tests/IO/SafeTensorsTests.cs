using System.Text;
using Dgl.Tensors.IO;

namespace Dgl.Tensors.Tests.IO;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"dgl-st-{Guid.NewGuid():N}");

    public SafeTensorsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>A file built from the spec: 8-byte little-endian length, the header, then the data.</summary>
    private static byte[] Build(string header, params byte[][] data)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes((ulong)h.Length));
        bytes.AddRange(h);
        foreach (var d in data) bytes.AddRange(d);
        return [.. bytes];
    }

    private static byte[] F32(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    // ---- byte-exact output, compared with the reference implementation's own test vectors ----

    [Fact]
    public void WritesTheReferenceBytesForOneTensor()
    {
        var t = Tensor.From([0f, 1, 2, 3, 4, 5], [1, 2, 3]);
        var bytes = SafeTensors.Serialize(new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["attn.0"] = t });
        byte[] expected =
        [
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void PadsTheHeaderWithSpacesToEightBytes()
    {
        var t = Tensor.From([0f, 1, 2, 3, 4, 5], [1, 1, 2, 3]);
        var bytes = SafeTensors.Serialize(new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["attn0"] = t });
        byte[] expected =
        [
            72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
            121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
            91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
            115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
            32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
            160, 64,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void WritesTheReferenceBytesForEmptyFilesAndMetadata()
    {
        Assert.Equal([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32], SafeTensors.Serialize(new Dictionary<string, Tensor>(StringComparer.Ordinal)));
        byte[] withMeta =
        [
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
            95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
            116, 34, 125, 125, 32, 32, 32, 32, 32,
        ];
        Assert.Equal(withMeta, SafeTensors.Serialize(new Dictionary<string, Tensor>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal) { ["framework"] = "pt" }));
    }

    [Fact]
    public void OrdersTensorsByDescendingDTypeThenName()
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["b_f32"] = Tensor.From([1f]),
            ["mask"] = Tensor.From([true, false]),
            ["a_f32"] = Tensor.From([2f]),
            ["ids"] = Tensor.From([3L]),
            ["d"] = Tensor.From([4.0]),
            ["n"] = Tensor.From([5]),
        };
        var bytes = SafeTensors.Serialize(tensors);
        var n = (int)BitConverter.ToUInt64(bytes, 0);
        var header = Encoding.UTF8.GetString(bytes, 8, n).TrimEnd(' ');
        Assert.Equal(
            "{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}," +
            "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]}," +
            "\"a_f32\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}," +
            "\"b_f32\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[20,24]}," +
            "\"n\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[24,28]}," +
            "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[28,30]}}",
            header);
        Assert.Equal(0, n % 8);
        Assert.Equal(8 + n + 30, bytes.Length);
        Assert.Equal(BitConverter.GetBytes(3L), bytes[(8 + n)..(8 + n + 8)]);
        Assert.Equal([1, 0], bytes[^2..]);
    }

    [Fact]
    public void EscapesJsonStringsAsSerdeJson()
    {
        var bytes = SafeTensors.Serialize(new Dictionary<string, Tensor>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal) { ["k\"\\\n\u0001é"] = "v" });
        var n = (int)BitConverter.ToUInt64(bytes, 0);
        Assert.Equal("{\"__metadata__\":{\"k\\\"\\\\\\n\\u0001é\":\"v\"}}", Encoding.UTF8.GetString(bytes, 8, n).TrimEnd(' '));
    }

    // ---- reading ----

    [Fact]
    public void ReadsAHandBuiltFileInAnyHeaderOrder()
    {
        // Header keys out of offset order, one tensor per supported dtype, a scalar and an empty tensor.
        var header = "{\"z\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
                     "\"__metadata__\":{\"format\":\"pt\"}," +
                     "\"a\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}," +
                     "\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[36,39]}," +
                     "\"e\":{\"dtype\":\"F64\",\"shape\":[0,4],\"data_offsets\":[16,16]}," +
                     "\"d\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[16,24]}," +
                     "\"i\":{\"dtype\":\"I32\",\"shape\":[3],\"data_offsets\":[24,36]}}";
        var bytes = Build(header, F32(1.5f, -2f), BitConverter.GetBytes(-7L), BitConverter.GetBytes(0.25),
            [.. BitConverter.GetBytes(1), .. BitConverter.GetBytes(2), .. BitConverter.GetBytes(-3)], [1, 0, 2]);
        var path = PathOf("hand.safetensors");
        File.WriteAllBytes(path, bytes);
        var content = SafeTensors.Read(path);
        Assert.Equal("pt", content.Metadata["format"]);
        var t = content.Tensors;
        Assert.Equal(["z", "a", "e", "d", "i", "m"], t.Keys.ToArray());
        Assert.Equal([1.5f, -2f], t["z"].ToArray<float>());
        Assert.Equal(0, t["a"].Rank);
        Assert.Equal(-7L, t["a"].Item<long>());
        Assert.Equal([0, 4], t["e"].Shape.ToArray());
        Assert.Equal(DType.Float64, t["e"].DType);
        Assert.Equal(0.25, t["d"].Item<double>(0, 0));
        Assert.Equal([1, 2, -3], t["i"].ToArray<int>());
        Assert.Equal([true, false, true], t["m"].ToArray<bool>());
    }

    [Fact]
    public void RoundTripsEveryDTypeThroughAFile()
    {
        var gen = new Generator(1);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["layer.weight"] = Tensor.Randn([3, 4], generator: gen),
            ["layer.bias"] = Tensor.Randn([4], DType.Float64, gen),
            ["ids"] = Tensor.RandInt(-5, 5, [7], generator: gen),
            ["ids32"] = Tensor.RandInt(-5, 5, [2, 2], DType.Int32, gen),
            ["mask"] = Tensor.From([true, false, true]),
            ["scalar"] = Tensor.Scalar(3.5),
            ["empty"] = Tensor.Zeros([0, 3]),
            ["ünïcode ☃"] = Tensor.Ones(1),
        };
        var path = PathOf("rt.safetensors");
        SafeTensors.Save(tensors, path, new Dictionary<string, string>(StringComparer.Ordinal) { ["epoch"] = "3" });
        var content = SafeTensors.Read(path);
        Assert.Equal("3", content.Metadata["epoch"]);
        Assert.Equal(tensors.Count, content.Tensors.Count);
        foreach (var (name, t) in tensors)
        {
            var back = content.Tensors[name];
            Assert.Equal(t.DType, back.DType);
            Assert.Equal(t.Shape, back.Shape);
            Assert.Equal(Reference.Values(t), Reference.Values(back));
        }
        Assert.Equal(File.ReadAllBytes(path), SafeTensors.Serialize(tensors, new Dictionary<string, string>(StringComparer.Ordinal) { ["epoch"] = "3" }));
        Assert.Single(Directory.GetFiles(_dir));   // no temporary left behind
    }

    [Fact]
    public void SaveReplacesAnExistingFileAndWritesViews()
    {
        var path = PathOf("replace.safetensors");
        File.WriteAllText(path, "old contents");
        var big = Tensor.Arange(0, 12, DType.Float32).Reshape(3, 4);
        SafeTensors.Save(new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["row"] = big[1] }, path);
        Assert.Equal([4f, 5, 6, 7], SafeTensors.Load(path)["row"].ToArray<float>());
    }

    [Fact]
    public void RejectsReservedAndEmptyNames()
    {
        Assert.Throws<ArgumentException>(() => SafeTensors.Serialize(new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["__metadata__"] = Tensor.Ones(1) }));
        Assert.Throws<ArgumentException>(() => SafeTensors.Serialize(new Dictionary<string, Tensor>(StringComparer.Ordinal) { [""] = Tensor.Ones(1) }));
    }

    // ---- corrupt files: every error names the file and the problem ----

    private const string Good = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    public static TheoryData<string, string> CorruptCases()
    {
        static string H(string header, int dataBytes) => Convert.ToBase64String(Build(header, new byte[dataBytes]));
        return new TheoryData<string, string>
        {
            { Convert.ToBase64String(new byte[5]), "8-byte header length" },
            { Convert.ToBase64String([.. BitConverter.GetBytes(200_000_000UL), .. new byte[8]]), "limit" },
            { Convert.ToBase64String([.. BitConverter.GetBytes(1000UL), .. Encoding.UTF8.GetBytes(Good)]), "truncated" },
            { Convert.ToBase64String([.. BitConverter.GetBytes(2UL), 0xC3, 0x28]), "UTF-8" },
            { H("[\"a\"]   ", 0), "does not start with '{'" },
            { H("{\"a\":  ", 0), "not valid JSON" },
            { H("{\"a\":{\"dtype\":\"X9\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "unknown dtype 'X9'" },
            { H("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4), "dtype F16" },
            { H("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlapping tensor 'a'" },
            { H("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20), "gap" },
            { H("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "end is before the beginning" },
            { H("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "span 8 bytes" },
            { H(Good, 4), "truncated" },
            { H(Good, 12), "end exactly at the end of the file" },
            { H("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "non-negative integer" },
            { H("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "data_offsets" },
            { H("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "twice" },
            { H("{\"__metadata__\":{\"k\":1}}", 0), "must be strings" },
            { H("{\"a\":{\"dtype\":\"F32\",\"shape\":[2000000000,2000000000],\"data_offsets\":[0,8]}}", 8), "more elements" },
        };
    }

    [Theory]
    [MemberData(nameof(CorruptCases))]
    public void CorruptFilesRaiseNamingFileAndProblem(string base64, string problem)
    {
        var path = PathOf("bad.safetensors");
        File.WriteAllBytes(path, Convert.FromBase64String(base64));
        var ex = Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Load(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(PathOf("nope.safetensors")));
        Assert.Contains("nope.safetensors", ex.Message, StringComparison.Ordinal);
    }
}
