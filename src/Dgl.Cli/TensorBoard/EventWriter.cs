using System.Buffers.Binary;
using Google.Protobuf;

namespace Dgl.Cli.TensorBoard;

/// <summary>
/// Writes TensorBoard scalar summaries: a file <c>events.out.tfevents.{time}.{host}</c> of TFRecords (length,
/// masked CRC-32C of the length, data, masked CRC-32C of the data), each holding a serialized
/// <c>tensorflow.Event</c>. The messages are encoded by hand with Google.Protobuf's <see cref="CodedOutputStream"/>,
/// following <c>event.proto</c> / <c>summary.proto</c>: Event{1: double wall_time, 2: int64 step, 3: string
/// file_version | 5: Summary summary}, Summary{1: repeated Value value}, Value{1: string tag, 2: float simple_value}.
/// </summary>
internal sealed class EventWriter : IDisposable
{
    private readonly FileStream _stream;

    /// <summary>Creates a new event file in <paramref name="folder"/> and writes the version record.</summary>
    public EventWriter(string folder)
    {
        Directory.CreateDirectory(folder);
        var now = DateTimeOffset.UtcNow;
        Path = System.IO.Path.Combine(folder, $"events.out.tfevents.{now.ToUnixTimeSeconds()}.{Environment.MachineName}.dgl");
        _stream = new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.Read);
        WriteRecord(EncodeEvent(now.ToUnixTimeMilliseconds() / 1000.0, 0, fileVersion: "brain.Event:2", null));
        _stream.Flush();
    }

    /// <summary>The event file.</summary>
    public string Path { get; }

    /// <summary>Writes one Event holding the scalars <paramref name="values"/> at <paramref name="step"/>, and flushes.</summary>
    public void AddScalars(long step, IEnumerable<KeyValuePair<string, double>> values)
    {
        var wall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        WriteRecord(EncodeEvent(wall, step, null, values.Where(v => double.IsFinite(v.Value)).ToList()));
        _stream.Flush();
    }

    /// <summary>The bytes of an Event message.</summary>
    internal static byte[] EncodeEvent(double wallTime, long step, string? fileVersion, IReadOnlyList<KeyValuePair<string, double>>? scalars)
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms);
        o.WriteTag(1, WireFormat.WireType.Fixed64);
        o.WriteDouble(wallTime);
        if (step != 0)
        {
            o.WriteTag(2, WireFormat.WireType.Varint);
            o.WriteInt64(step);
        }
        if (fileVersion is not null)
        {
            o.WriteTag(3, WireFormat.WireType.LengthDelimited);
            o.WriteString(fileVersion);
        }
        if (scalars is not null)
        {
            o.WriteTag(5, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(EncodeSummary(scalars)));
        }
        o.Flush();
        return ms.ToArray();
    }

    private static byte[] EncodeSummary(IReadOnlyList<KeyValuePair<string, double>> scalars)
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms);
        foreach (var (tag, value) in scalars)
        {
            using var vs = new MemoryStream();
            var v = new CodedOutputStream(vs);
            v.WriteTag(1, WireFormat.WireType.LengthDelimited);
            v.WriteString(tag);
            v.WriteTag(2, WireFormat.WireType.Fixed32);
            v.WriteFloat((float)value);
            v.Flush();
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(vs.ToArray()));
        }
        o.Flush();
        return ms.ToArray();
    }

    /// <summary>The TFRecord framing of <paramref name="data"/>.</summary>
    internal static byte[] Frame(ReadOnlySpan<byte> data)
    {
        var record = new byte[8 + 4 + data.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(record, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), Crc32C.Masked(record.AsSpan(0, 8)));
        data.CopyTo(record.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12 + data.Length), Crc32C.Masked(data));
        return record;
    }

    private void WriteRecord(byte[] data) => _stream.Write(Frame(data));

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();
}
