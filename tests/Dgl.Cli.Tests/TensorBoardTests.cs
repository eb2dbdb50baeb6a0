using System.Buffers.Binary;
using System.Text;
using Dgl.Cli.TensorBoard;
using Google.Protobuf;

namespace Dgl.Cli.Tests;

/// <summary>CRC-32C against RFC 3720's vectors, TFRecord framing against a hand-computed record, and event files read back.</summary>
public class TensorBoardTests
{
    /// <summary>A bit-at-a-time CRC-32C (reflected 0x82F63B78): the reference, independent of the SSE4.2 path.</summary>
    private static uint BitwiseCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }

    [Fact]
    public void Crc32CMatchesTheRfc3720Vectors()
    {
        // RFC 3720, appendix B.4.
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
        // The common check value of CRC-32C.
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        var rng = new Random(1);
        for (var n = 0; n < 70; n++)
        {
            var data = new byte[n];
            rng.NextBytes(data);
            Assert.Equal(BitwiseCrc32C(data), Crc32C.Compute(data));
        }
    }

    [Fact]
    public void MaskIsTensorFlowsRotateAndAdd()
    {
        // mask(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8, computed by hand for crc = 0x8A9136AA:
        // crc >> 15 = 0x00011522, crc << 17 = 0x6D540000 → 0x6D551522; + 0xA282EAD8 = 0x0FD7FFFA (mod 2^32).
        Assert.Equal(0x0FD7FFFAu, Crc32C.Mask(0x8A9136AAu));
    }

    [Fact]
    public void RecordFramingOfAHandComputedExample()
    {
        var data = "abc"u8.ToArray();
        var record = EventWriter.Frame(data);
        Assert.Equal(8 + 4 + 3 + 4, record.Length);
        Assert.Equal(new byte[] { 3, 0, 0, 0, 0, 0, 0, 0 }, record[..8]);
        var lengthCrc = Crc32C.Mask(BitwiseCrc32C(record[..8]));
        Assert.Equal(lengthCrc, BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(8)));
        Assert.Equal(data, record[12..15]);
        // CRC-32C("abc") = 0x364B3FB7 (a published check value); masked by hand: (0x364B3FB7 >> 15 | 0x364B3FB7 << 17) + 0xA282EAD8.
        Assert.Equal(0x364B3FB7u, BitwiseCrc32C(data));
        var rotated = (0x364B3FB7u >> 15) | (0x364B3FB7u << 17);
        Assert.Equal(unchecked(rotated + 0xA282EAD8u), BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(15)));
    }

    /// <summary>One decoded Event: wall time, step, file version or scalar values.</summary>
    private sealed record Event(double WallTime, long Step, string? FileVersion, List<(string Tag, float Value)> Scalars);

    /// <summary>Reads every record of an event file, checking both CRCs, and decodes the Event messages.</summary>
    private static List<Event> ReadEvents(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<Event>();
        var at = 0;
        while (at < bytes.Length)
        {
            var len = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
            Assert.Equal(Crc32C.Mask(BitwiseCrc32C(bytes.AsSpan(at, 8))), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8)));
            var data = bytes.AsSpan(at + 12, len).ToArray();
            Assert.Equal(Crc32C.Mask(BitwiseCrc32C(data)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + len)));
            at += 12 + len + 4;
            events.Add(Decode(data));
        }
        return events;
    }

    private static Event Decode(byte[] data)
    {
        var input = new CodedInputStream(data);
        double wall = 0;
        long step = 0;
        string? version = null;
        var scalars = new List<(string, float)>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: wall = input.ReadDouble(); break;
                case 2: step = input.ReadInt64(); break;
                case 3: version = input.ReadString(); break;
                case 5:
                    var summary = new CodedInputStream(input.ReadBytes().ToByteArray());
                    uint st;
                    while ((st = summary.ReadTag()) != 0)
                    {
                        Assert.Equal(1, WireFormat.GetTagFieldNumber(st));
                        var value = new CodedInputStream(summary.ReadBytes().ToByteArray());
                        string name = "";
                        float v = float.NaN;
                        uint vt;
                        while ((vt = value.ReadTag()) != 0)
                        {
                            if (WireFormat.GetTagFieldNumber(vt) == 1) name = value.ReadString();
                            else if (WireFormat.GetTagFieldNumber(vt) == 2) v = value.ReadFloat();
                            else value.SkipLastField();
                        }
                        scalars.Add((name, v));
                    }
                    break;
                default: input.SkipLastField(); break;
            }
        }
        return new Event(wall, step, version, scalars);
    }

    [Fact]
    public void TrainingWritesScalarsThatReadBack()
    {
        var run = CliHarness.NewFolder("tb-run");
        var tb = CliHarness.NewFolder("tb");
        var (code, output, err) = CliHarness.Run("train", "--model", "mlp", "--epochs", "3", "--out", run, "--tensorboard", tb);
        Assert.True(code == 0, err + output);
        var file = Assert.Single(Directory.GetFiles(tb, "events.out.tfevents.*"));
        var events = ReadEvents(file);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.True(events[0].WallTime > 1.6e9);
        var perEpoch = events.Skip(1).Take(3).ToList();
        Assert.Equal([1L, 2, 3], perEpoch.Select(e => e.Step));
        var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))).RootElement.GetProperty("epochs");
        for (var i = 0; i < 3; i++)
        {
            var tags = perEpoch[i].Scalars.ToDictionary(s => s.Tag, s => s.Value, StringComparer.Ordinal);
            Assert.Equal(["loss/train", "accuracy/train", "accuracy/val", "lr"], perEpoch[i].Scalars.Select(s => s.Tag).ToArray());
            Assert.Equal((float)metrics[i].GetProperty("loss").GetDouble(), tags["loss/train"]);
            Assert.Equal((float)metrics[i].GetProperty("val_accuracy").GetDouble(), tags["accuracy/val"]);
            Assert.Equal(0.01f, tags["lr"]);
        }
        var last = events[^1];
        Assert.Contains(last.Scalars, s => s.Tag == "accuracy/test");
    }

    [Fact]
    public void EncodedEventMatchesHandEncodedBytes()
    {
        var bytes = EventWriter.EncodeEvent(1.5, 7, null, [new("a", 2.0)]);
        var expected = new List<byte> { 0x09 };
        expected.AddRange(BitConverter.GetBytes(1.5));
        expected.AddRange([0x10, 0x07]);            // step = 7
        // summary (field 5): Value{tag "a", simple_value 2.0f} = 0A 01 61 15 00 00 00 40 (8 bytes) wrapped as 0A 08 …
        expected.AddRange([0x2A, 0x0A, 0x0A, 0x08, 0x0A, 0x01, (byte)'a', 0x15, 0x00, 0x00, 0x00, 0x40]);
        Assert.Equal(expected.ToArray(), bytes);
        Assert.Equal("a", Encoding.ASCII.GetString([bytes[^6]]));
    }
}
