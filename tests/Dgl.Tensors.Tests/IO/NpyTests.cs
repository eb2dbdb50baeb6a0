using System.Text;
using Dgl.Tensors.IO;

namespace Dgl.Tensors.Tests.IO;

/// <summary>
/// The reader against files NumPy 1.24 wrote (<c>np.lib.format.write_array</c>, embedded below as base64), and the
/// writer against NumPy's bytes for the same arrays.
/// </summary>
public class NpyTests
{
    // np.arange(6).reshape(2,3)*1.5 as '>f8'
    internal const string BigEndianF8 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAD/4AAAAAAAAQAgAAAAAAABAEgAAAAAAAEAYAAAAAAAAQB4AAAAAAAA=";
    // np.array([[1,-2],[3,-4]], '>i4')
    internal const string BigEndianI4 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPmk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAB/////gAAAAP////8";
    // np.asfortranarray([[1,-2],[3,-4],[5,-6]], '<i2')
    internal const string FortranI2 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGkyJywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMywgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAMABQD+//z/+v8=";
    // [0.5, -2.0, 65504.0, 1e-3] as '<f2'
    internal const string Float16 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAOADA/3sZFA==";
    // [0, 255, 7] as 'u1'
    internal const string Uint8 = "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoA/wc=";
    // [-128, 127, 0] as 'i1'
    internal const string Int8 = "k05VTVBZAQB2AHsnZGVzY3InOiAnfGkxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqAfwA=";
    // ['Case_Based', 'Theory', 'Ä€'] as '<U10'
    internal const string Unicode = "k05VTVBZAQB2AHsnZGVzY3InOiAnPFUxMCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIApDAAAAYQAAAHMAAABlAAAAXwAAAEIAAABhAAAAcwAAAGUAAABkAAAAVAAAAGgAAABlAAAAbwAAAHIAAAB5AAAAAAAAAAAAAAAAAAAAAAAAAMQAAACsIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    // [b'csr'] as '|S3'
    internal const string ByteString = "k05VTVBZAQB2AHsnZGVzY3InOiAnfFMzJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIApjc3I=";
    // [True, False, True]
    internal const string Bool = "k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=";
    // np.asfortranarray(np.arange(24, dtype='<i8').reshape(2,3,4))
    internal const string Fortran3d = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMywgNCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAwAAAAAAAAABAAAAAAAAAAQAAAAAAAAAAgAAAAAAAAAFAAAAAAAAAABAAAAAAAAAA0AAAAAAAAABQAAAAAAAAARAAAAAAAAAAkAAAAAAAAAFQAAAAAAAAACAAAAAAAAAA4AAAAAAAAABgAAAAAAAAASAAAAAAAAAAoAAAAAAAAAFgAAAAAAAAADAAAAAAAAAA8AAAAAAAAABwAAAAAAAAATAAAAAAAAAAsAAAAAAAAAFwAAAAAAAAA=";
    // [1, 4000000000] as '>u4'
    internal const string BigU4 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPnU0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAB7msoAA==";
    // np.array(3.25, '<f4') (rank 0)
    internal const string Scalar = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAFBA";
    // np.zeros((0, 3), '<f4')
    internal const string Empty = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDAsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=";
    // np.arange(5, dtype='<i4') written with version=(2, 0)
    internal const string Version2 = "k05VTVBZAgB0AAAAeydkZXNjcic6ICc8aTQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoNSwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAQAAAAIAAAADAAAABAAAAA==";
    // np.save of np.arange(6, dtype='<f4').reshape(2,3)
    internal const string NumpySavedF4 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEAAAEBAAACAQAAAoEA=";
    // np.save of np.array(['x', 'yz'])
    internal const string NumpySavedU2 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPFUyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAp4AAAAAAAAAHkAAAB6AAAA";
    // np.save of np.asfortranarray(np.arange(6, dtype='<i8').reshape(2,3))
    internal const string NumpySavedFortranI8 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAMAAAAAAAAAAQAAAAAAAAAEAAAAAAAAAAIAAAAAAAAABQAAAAAAAAA=";

    internal static NpyArray Parse(string base64) => Parse(Convert.FromBase64String(base64));

    internal static NpyArray Parse(byte[] bytes)
    {
        using var ms = new MemoryStream(bytes);
        return Npy.Read(ms, "test.npy", bytes.Length);
    }

    [Fact]
    public void ReadsBigEndianFloat64()
    {
        var t = Parse(BigEndianF8).Tensor!;
        Assert.Equal(DType.Float64, t.DType);
        Assert.Equal([2, 3], t.Shape.ToArray());
        Assert.Equal([0, 1.5, 3, 4.5, 6, 7.5], t.ToArray<double>());
        Assert.Equal([1, -2, 3, -4], Parse(BigEndianI4).Tensor!.ToArray<int>());
    }

    [Fact]
    public void ReadsFortranOrderAsRowMajor()
    {
        var a = Parse(FortranI2);
        Assert.True(a.FortranOrder);
        Assert.Equal(DType.Int32, a.Tensor!.DType);
        Assert.Equal([3, 2], a.Shape.ToArray());
        Assert.Equal([1, -2, 3, -4, 5, -6], a.Tensor.ToArray<int>());
        var c = Parse(Fortran3d).Tensor!;
        Assert.Equal([2, 3, 4], c.Shape.ToArray());
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (long)i), c.ToArray<long>());
    }

    [Fact]
    public void ConvertsNarrowTypes()
    {
        Assert.Equal([0.5f, -2f, 65504f, (float)(Half)0.001], Parse(Float16).Tensor!.ToArray<float>());
        Assert.Equal([0, 255, 7], Parse(Uint8).Tensor!.ToArray<int>());
        Assert.Equal([-128, 127, 0], Parse(Int8).Tensor!.ToArray<int>());
        var u4 = Parse(BigU4).Tensor!;
        Assert.Equal(DType.Int64, u4.DType);
        Assert.Equal([1L, 4000000000L], u4.ToArray<long>());
        Assert.Equal([true, false, true], Parse(Bool).Tensor!.ToArray<bool>());
    }

    [Fact]
    public void ReadsStrings()
    {
        var u = Parse(Unicode);
        Assert.True(u.IsStrings);
        Assert.Equal(["Case_Based", "Theory", "Ä€"], u.Strings!);
        Assert.Equal(["csr"], Parse(ByteString).Strings!);
        var ex = Assert.Throws<DataFormatException>(() => u.ToTensor("names.npy"));
        Assert.Contains("<U10", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadsScalarsEmptyArraysAndVersion2()
    {
        var s = Parse(Scalar).Tensor!;
        Assert.Equal(0, s.Rank);
        Assert.Equal(3.25f, s.Item<float>());
        var e = Parse(Empty).Tensor!;
        Assert.Equal([0, 3], e.Shape.ToArray());
        Assert.Equal([0, 1, 2, 3, 4], Parse(Version2).Tensor!.ToArray<int>());
    }

    [Fact]
    public void WriterProducesNumPysBytes()
    {
        Assert.Equal(Convert.FromBase64String(NumpySavedF4), Bytes(s => Npy.Write(s, Tensor.Arange(0, 6, DType.Float32).Reshape(2, 3))));
        Assert.Equal(Convert.FromBase64String(NumpySavedU2), Bytes(s => Npy.Write(s, ["x", "yz"])));
        Assert.Equal(Convert.FromBase64String(NumpySavedFortranI8), Bytes(s => Npy.Write(s, Tensor.Arange(0, 6).Reshape(2, 3), fortranOrder: true)));
    }

    private static byte[] Bytes(Action<Stream> write)
    {
        using var ms = new MemoryStream();
        write(ms);
        return ms.ToArray();
    }

    [Theory]
    [InlineData(DType.Float32, false)]
    [InlineData(DType.Float64, true)]
    [InlineData(DType.Int32, true)]
    [InlineData(DType.Int64, false)]
    [InlineData(DType.Bool, true)]
    public void SaveLoadRoundTripsBits(DType dtype, bool fortran)
    {
        var src = Tensor.Randn([3, 4, 5], DType.Float64, new Generator(7)).Mul(1000).To(dtype);
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"npy-{Guid.NewGuid():N}.npy");
        try
        {
            Npy.Save(path, src, fortranOrder: fortran);
            var back = Npy.LoadArray(path);
            Assert.Equal(fortran, back.FortranOrder);
            Assert.Equal(src.Shape, back.Tensor!.Shape);
            Assert.Equal(dtype, back.Tensor.DType);
            Assert.Equal(Reference.Values(src), Reference.Values(back.Tensor));
            // NumPy requires the data to start on a 64-byte boundary.
            var bytes = File.ReadAllBytes(path);
            var headerLength = BitConverter.ToUInt16(bytes, 8);
            Assert.Equal(0, (10 + headerLength) % 64);
            Assert.Equal((byte)'\n', bytes[10 + headerLength - 1]);
            Assert.Empty(Directory.GetFiles(System.IO.Path.GetTempPath(), $".{System.IO.Path.GetFileName(path)}*"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BadMagicNamesTheFile()
    {
        var bytes = Convert.FromBase64String(NumpySavedF4);
        bytes[1] = (byte)'X';
        var ex = Assert.Throws<DataFormatException>(() => Parse(bytes));
        Assert.Contains("test.npy", ex.Message, StringComparison.Ordinal);
        Assert.Contains("magic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedDataNamesSizes()
    {
        var bytes = Convert.FromBase64String(NumpySavedF4);
        var ex = Assert.Throws<DataFormatException>(() => Parse(bytes[..^3]));
        Assert.Contains("24 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("21 bytes", ex.Message, StringComparison.Ordinal);
        // Without a known length the reader finds the end of the stream instead.
        using var ms = new MemoryStream(bytes[..^3]);
        var ex2 = Assert.Throws<DataFormatException>(() => Npy.Read(ms, "stream", null));
        Assert.Contains("end of data", ex2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeaderErrorsAreReported()
    {
        Assert.Contains("structured", Assert.Throws<DataFormatException>(() => Parse(WithHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"))).Message, StringComparison.Ordinal);
        Assert.Contains("'<c8'", Assert.Throws<DataFormatException>(() => Parse(WithHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"))).Message, StringComparison.Ordinal);
        Assert.Contains("'|O'", Assert.Throws<DataFormatException>(() => Parse(WithHeader("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"))).Message, StringComparison.Ordinal);
        Assert.Contains("'shape'", Assert.Throws<DataFormatException>(() => Parse(WithHeader("{'descr': '<f4', 'fortran_order': False, }"))).Message, StringComparison.Ordinal);
        Assert.Contains("True or False", Assert.Throws<DataFormatException>(() => Parse(WithHeader("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }"))).Message, StringComparison.Ordinal);
        // Python 2 long literals in the shape are accepted.
        Assert.Equal([2], Parse(WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }", new byte[8])).Shape.ToArray());
    }

    [Fact]
    public void ForgedShapeDoesNotAllocate()
    {
        // Claims 10^9 × 1000 int64 values (8 TB) but holds 8 bytes: rejected before any allocation.
        var bytes = WithHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (1000000000, 1000), }", new byte[8]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<DataFormatException>(() => Parse(bytes));
        var forged = WithHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (1000000, 1000), }", new byte[8]);
        var ex = Assert.Throws<DataFormatException>(() => Parse(forged));
        Assert.Contains("8000000000 bytes", ex.Message, StringComparison.Ordinal);
        // A stream of unknown length is read in chunks first: a forged 800 MB payload fails at the end of the data.
        using var ms = new MemoryStream(WithHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (100000000,), }", new byte[64]));
        Assert.Throws<DataFormatException>(() => Npy.Read(ms, "stream", null));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "the reader allocated for a forged length");
    }

    [Fact]
    public void TrailingBytesInAFileAreAnError()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"npy-{Guid.NewGuid():N}.npy");
        try
        {
            File.WriteAllBytes(path, [.. Convert.FromBase64String(NumpySavedF4), 1, 2, 3]);
            var ex = Assert.Throws<DataFormatException>(() => Npy.Load(path));
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.Contains("3 bytes follow", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Uint64AboveInt64IsRefused()
    {
        var data = new byte[8];
        Array.Fill(data, (byte)0xFF);
        var ex = Assert.Throws<DataFormatException>(() => Parse(WithHeader("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", data)));
        Assert.Contains("18446744073709551615", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A version-1.0 file with the given header text and payload.</summary>
    internal static byte[] WithHeader(string header, byte[]? payload = null)
    {
        var h = Encoding.Latin1.GetBytes(header + "\n");
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)h.Length, (byte)(h.Length >> 8) };
        bytes.AddRange(h);
        bytes.AddRange(payload ?? new byte[4]);
        return [.. bytes];
    }
}
