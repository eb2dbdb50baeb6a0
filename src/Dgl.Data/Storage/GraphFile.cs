using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Dgl.Tensors.IO;
using Microsoft.Win32.SafeHandles;

namespace Dgl.Data;

/// <summary>One relation of a stored graph: its canonical type and its edges in edge-id order.</summary>
internal sealed record RelationRecord(int SrcType, string EdgeType, int DstType, int[] Src, int[] Dst);

/// <summary>A graph as the file stores it: node types and counts, relations, and feature tensors per node type and
/// per relation (insertion order kept).</summary>
internal sealed record GraphRecord(
    string[] NodeTypes, long[] NumNodes, RelationRecord[] Relations,
    List<KeyValuePair<string, Tensor>>[] NodeData, List<KeyValuePair<string, Tensor>>[] EdgeData);

/// <summary>
/// DGL.NET's graph file (version 1): a 64-byte header (<c>DGLNETGR</c>, version, graph count, index and label offsets,
/// file length), one block per graph, an optional label block, and an index of (offset, length) per graph at the end,
/// so one graph can be read without reading the others. Everything is little-endian; every array starts on a 64-byte
/// boundary so it is read straight into the tensor's memory.
/// </summary>
internal static class GraphFile
{
    public const int Version = 1;
    private const int Align = 64;
    private const int HeaderSize = 64;
    private static ReadOnlySpan<byte> Magic => "DGLNETGR"u8;
    private const uint BlockMagic = 0x48505247;   // "GRPH"
    private const int MaxNameBytes = 1 << 16;

    // ------------------------------------------------------------------------------------------------------------
    // Writing
    // ------------------------------------------------------------------------------------------------------------

    public static void Write(string path, IReadOnlyList<GraphRecord> graphs, IReadOnlyList<KeyValuePair<string, Tensor>>? labels)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        AtomicFile.Write(path, s =>
        {
            var w = new Writer(s);
            w.Zeros(HeaderSize);
            var index = new (long Offset, long Length)[graphs.Count];
            for (var i = 0; i < graphs.Count; i++)
            {
                w.Pad();
                var start = w.Position;
                WriteGraph(w, graphs[i]);
                index[i] = (start, w.Position - start);
            }
            long labelsOffset = -1;
            if (labels is not null)
            {
                w.Pad();
                labelsOffset = w.Position;
                WriteTensors(w, labels);
            }
            w.Pad();
            var indexOffset = w.Position;
            foreach (var (o, l) in index) { w.I64(o); w.I64(l); }
            var length = w.Position;
            w.Flush();
            Span<byte> h = stackalloc byte[HeaderSize];
            h.Clear();
            Magic.CopyTo(h);
            BinaryPrimitives.WriteInt32LittleEndian(h[8..], Version);
            BinaryPrimitives.WriteInt32LittleEndian(h[12..], HeaderSize);
            BinaryPrimitives.WriteInt64LittleEndian(h[16..], graphs.Count);
            BinaryPrimitives.WriteInt64LittleEndian(h[24..], indexOffset);
            BinaryPrimitives.WriteInt64LittleEndian(h[32..], labelsOffset);
            BinaryPrimitives.WriteInt64LittleEndian(h[40..], length);
            s.Position = 0;
            s.Write(h);
            s.Position = length;
        });
    }

    private static void WriteGraph(Writer w, GraphRecord g)
    {
        w.U32(BlockMagic);
        w.I32(g.NodeTypes.Length);
        for (var t = 0; t < g.NodeTypes.Length; t++) { w.Str(g.NodeTypes[t]); w.I64(g.NumNodes[t]); }
        w.I32(g.Relations.Length);
        foreach (var r in g.Relations)
        {
            w.I32(r.SrcType);
            w.Str(r.EdgeType);
            w.I32(r.DstType);
            w.I64(r.Src.Length);
            w.Pad();
            w.Array<int>(r.Src.AsSpan());
            w.Pad();
            w.Array<int>(r.Dst.AsSpan());
        }
        foreach (var d in g.NodeData) WriteTensors(w, d);
        foreach (var d in g.EdgeData) WriteTensors(w, d);
    }

    private static void WriteTensors(Writer w, IReadOnlyList<KeyValuePair<string, Tensor>> tensors)
    {
        w.I32(tensors.Count);
        foreach (var (name, t) in tensors)
        {
            w.Str(name);
            w.U8((byte)t.DType);
            w.U8((byte)t.Rank);
            foreach (var d in t.Shape.AsSpan()) w.I64(d);
            w.Pad();
            switch (t.DType)
            {
                case DType.Float32: w.Array<float>(t.AsSpan<float>()); break;
                case DType.Float64: w.Array<double>(t.AsSpan<double>()); break;
                case DType.Int32: w.Array<int>(t.AsSpan<int>()); break;
                case DType.Int64: w.Array<long>(t.AsSpan<long>()); break;
                default: w.Array<bool>(t.AsSpan<bool>()); break;
            }
        }
    }

    /// <summary>A forward-only little-endian writer that tracks its position for alignment.</summary>
    private sealed class Writer(Stream s)
    {
        private readonly byte[] _scratch = new byte[Align];

        public long Position { get; private set; }

        public void Raw(ReadOnlySpan<byte> bytes)
        {
            // Spans are int-sized; big arrays are written in 1 GiB pieces by the caller's span (≤ 2 GiB).
            s.Write(bytes);
            Position += bytes.Length;
        }

        /// <summary>Writes an array's bytes in pieces of at most 1 GiB (byte spans are int-indexed).</summary>
        public void Array<T>(ReadOnlySpan<T> data) where T : unmanaged
        {
            var per = (1 << 30) / Marshal.SizeOf<T>();
            while (data.Length > 0)
            {
                var n = Math.Min(per, data.Length);
                Raw(MemoryMarshal.AsBytes(data[..n]));
                data = data[n..];
            }
        }

        public void Zeros(int n)
        {
            System.Array.Clear(_scratch);
            while (n > 0)
            {
                var k = Math.Min(n, _scratch.Length);
                Raw(_scratch.AsSpan(0, k));
                n -= k;
            }
        }

        public void Pad() => Zeros((int)((Align - Position % Align) % Align));
        public void U8(byte v) { _scratch[0] = v; Raw(_scratch.AsSpan(0, 1)); }
        public void I32(int v) { BinaryPrimitives.WriteInt32LittleEndian(_scratch, v); Raw(_scratch.AsSpan(0, 4)); }
        public void U32(uint v) { BinaryPrimitives.WriteUInt32LittleEndian(_scratch, v); Raw(_scratch.AsSpan(0, 4)); }
        public void I64(long v) { BinaryPrimitives.WriteInt64LittleEndian(_scratch, v); Raw(_scratch.AsSpan(0, 8)); }

        public void Str(string v)
        {
            var b = Encoding.UTF8.GetBytes(v);
            if (b.Length > MaxNameBytes) throw new ArgumentException($"the name '{v[..40]}…' is longer than {MaxNameBytes} bytes", nameof(v));
            I32(b.Length);
            Raw(b);
        }

        public void Flush() => s.Flush();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reading
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>The graph count and label names of a file, read from its header and label block only.</summary>
    public static int Count(string path)
    {
        using var f = Open(path);
        return f.NumGraphs;
    }

    /// <summary>Reads the graphs at <paramref name="indices"/> (all when null) and the label tensors.</summary>
    public static (List<GraphRecord> Graphs, List<KeyValuePair<string, Tensor>> Labels) Read(string path, IReadOnlyList<int>? indices = null)
    {
        using var f = Open(path);
        var graphs = new List<GraphRecord>();
        var which = indices ?? Enumerable.Range(0, f.NumGraphs).ToArray();
        foreach (var i in which)
        {
            if ((uint)i >= (uint)f.NumGraphs)
                throw new ArgumentOutOfRangeException(nameof(indices), $"graph index {i} is out of range: {path} holds {f.NumGraphs} graphs");
            var (offset, length) = f.Entry(i);
            graphs.Add(ReadGraph(new Reader(f.Handle, path, offset, offset + length)));
        }
        var labels = f.LabelsOffset >= 0 ? ReadTensors(new Reader(f.Handle, path, f.LabelsOffset, f.IndexOffset)) : [];
        return (graphs, labels);
    }

    private sealed class OpenFile(SafeFileHandle handle, string path) : IDisposable
    {
        public SafeFileHandle Handle { get; } = handle;
        public string Path { get; } = path;
        public int NumGraphs { get; init; }
        public long IndexOffset { get; init; }
        public long LabelsOffset { get; init; }
        public byte[] Index { get; init; } = [];

        public (long Offset, long Length) Entry(int i)
        {
            var o = BinaryPrimitives.ReadInt64LittleEndian(Index.AsSpan(16 * i));
            var l = BinaryPrimitives.ReadInt64LittleEndian(Index.AsSpan(16 * i + 8));
            if (o < HeaderSize || l < 0 || o > IndexOffset || l > IndexOffset - o)
                throw new DataFormatException(Path, null, IndexOffset + 16L * i, $"index entry {i} (offset {o}, length {l}) lies outside the graph data");
            return (o, l);
        }

        public void Dispose() => Handle.Dispose();
    }

    private static OpenFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var fileLength = RandomAccess.GetLength(handle);
            Span<byte> h = stackalloc byte[HeaderSize];
            if (fileLength < HeaderSize || RandomAccess.Read(handle, h, 0) < HeaderSize)
                throw new DataFormatException(path, null, 0, $"the file has {fileLength} bytes; a DGL.NET graph file starts with a {HeaderSize}-byte header");
            if (!h[..8].SequenceEqual(Magic))
                throw new DataFormatException(path, null, 0, $"bad magic '{Encoding.ASCII.GetString(h[..8]).Replace('\0', '.')}'; expected 'DGLNETGR' (is this a DGL.NET graph file?)");
            var version = BinaryPrimitives.ReadInt32LittleEndian(h[8..]);
            if (version > Version)
                throw new DataFormatException(path, null, 8, $"graph file format version {version} is newer than this library reads (version {Version}); update DGL.NET to load it");
            if (version < 1)
                throw new DataFormatException(path, null, 8, $"graph file format version {version} is not valid");
            var n = BinaryPrimitives.ReadInt64LittleEndian(h[16..]);
            var indexOffset = BinaryPrimitives.ReadInt64LittleEndian(h[24..]);
            var labelsOffset = BinaryPrimitives.ReadInt64LittleEndian(h[32..]);
            var declared = BinaryPrimitives.ReadInt64LittleEndian(h[40..]);
            if (declared != fileLength)
                throw new DataFormatException(path, null, 40, $"the header records a file of {declared} bytes but it has {fileLength} (truncated or appended to)");
            if (n < 0 || n > int.MaxValue || indexOffset < HeaderSize || indexOffset + 16 * n != fileLength)
                throw new DataFormatException(path, null, 16, $"graph count {n} and index offset {indexOffset} do not fit a file of {fileLength} bytes");
            if (labelsOffset != -1 && (labelsOffset < HeaderSize || labelsOffset > indexOffset))
                throw new DataFormatException(path, null, 32, $"label offset {labelsOffset} lies outside the file");
            var index = new byte[16 * n];
            if (RandomAccess.Read(handle, index, indexOffset) != index.Length)
                throw new DataFormatException(path, null, indexOffset, "the graph index is truncated");
            return new OpenFile(handle, path) { NumGraphs = (int)n, IndexOffset = indexOffset, LabelsOffset = labelsOffset, Index = index };
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static GraphRecord ReadGraph(Reader r)
    {
        if (r.U32() != BlockMagic) throw r.Error("bad graph block marker");
        var nt = r.Count("node type count", 1 << 20);
        var ntypes = new string[nt];
        var counts = new long[nt];
        for (var t = 0; t < nt; t++)
        {
            ntypes[t] = r.Str();
            counts[t] = r.I64();
            if (counts[t] < 0 || counts[t] > int.MaxValue) throw r.Error($"node type '{ntypes[t]}' has {counts[t]} nodes");
        }
        var nr = r.Count("relation count", 1 << 20);
        var rels = new RelationRecord[nr];
        for (var k = 0; k < nr; k++)
        {
            var st = r.I32();
            var et = r.Str();
            var dt = r.I32();
            if ((uint)st >= (uint)nt || (uint)dt >= (uint)nt) throw r.Error($"relation '{et}' names node types {st} and {dt}; the graph has {nt}");
            var m = r.I64();
            if (m < 0 || m > Array.MaxLength || m * 8 > r.Remaining) throw r.Error($"relation '{et}' claims {m} edges, more than the block holds");
            r.Pad();
            var src = GC.AllocateUninitializedArray<int>((int)m);
            r.Array<int>(src);
            r.Pad();
            var dst = GC.AllocateUninitializedArray<int>((int)m);
            r.Array<int>(dst);
            CheckIds(src, counts[st], r, et, "source");
            CheckIds(dst, counts[dt], r, et, "destination");
            rels[k] = new RelationRecord(st, et, dt, src, dst);
        }
        var nodeData = new List<KeyValuePair<string, Tensor>>[nt];
        for (var t = 0; t < nt; t++) nodeData[t] = ReadTensors(r);
        var edgeData = new List<KeyValuePair<string, Tensor>>[nr];
        for (var k = 0; k < nr; k++) edgeData[k] = ReadTensors(r);
        return new GraphRecord(ntypes, counts, rels, nodeData, edgeData);
    }

    private static void CheckIds(int[] ids, long count, Reader r, string relation, string side)
    {
        if (ids.Length == 0) return;
        var min = System.Numerics.Tensors.TensorPrimitives.Min<int>(ids);
        var max = System.Numerics.Tensors.TensorPrimitives.Max<int>(ids);
        if (min < 0 || max >= count)
            throw r.Error($"relation '{relation}' has {side} ids from {min} to {max}; its node type has {count} nodes");
    }

    private static List<KeyValuePair<string, Tensor>> ReadTensors(Reader r)
    {
        var n = r.Count("tensor count", 1 << 20);
        var list = new List<KeyValuePair<string, Tensor>>(n);
        for (var i = 0; i < n; i++)
        {
            var name = r.Str();
            var dtype = (DType)r.U8();
            if (dtype > DType.Bool) throw r.Error($"tensor '{name}' has unknown dtype code {(int)dtype}");
            var rank = r.U8();
            if (rank > 32) throw r.Error($"tensor '{name}' has rank {rank}");
            var dims = new int[rank];
            long count = 1;
            for (var d = 0; d < rank; d++)
            {
                var v = r.I64();
                if (v < 0 || v > int.MaxValue) throw r.Error($"tensor '{name}' has dimension {v}");
                dims[d] = (int)v;
                count *= v;
                if (count > Array.MaxLength) throw r.Error($"tensor '{name}' has more elements than one array holds");
            }
            r.Pad();
            if (count * dtype.ElementSize() > r.Remaining) throw r.Error($"tensor '{name}' of shape [{string.Join(", ", dims)}] needs {count * dtype.ElementSize()} bytes; the block holds {r.Remaining}");
            var t = Tensor.Uninitialized(Shape.Wrap(dims), dtype);
            switch (dtype)
            {
                case DType.Float32: r.Array(t.Span<float>()); break;
                case DType.Float64: r.Array(t.Span<double>()); break;
                case DType.Int32: r.Array(t.Span<int>()); break;
                case DType.Int64: r.Array(t.Span<long>()); break;
                default:
                {
                    r.Array(t.Span<bool>());
                    var b = MemoryMarshal.AsBytes(t.Span<bool>());
                    System.Numerics.Tensors.TensorPrimitives.Min(b, (byte)1, b);
                    break;
                }
            }
            list.Add(new(name, t));
        }
        return list;
    }

    /// <summary>Reads a block with positional reads: small fields through a 4 KiB window, arrays straight into their
    /// destination (large ones in parallel 8 MiB pieces, so page faults and copies use every core).</summary>
    private sealed class Reader(SafeFileHandle handle, string path, long start, long end)
    {
        private readonly byte[] _window = new byte[4096];
        private long _windowStart = -1;
        private int _windowLength;

        public long Position { get; private set; } = start;
        public long Remaining => end - Position;

        public DataFormatException Error(string what) => new(path, null, Position, what);

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n > Remaining) throw Error($"unexpected end of the block: {n} bytes needed, {Remaining} left (truncated or corrupt file)");
            if (_windowStart < 0 || Position < _windowStart || Position + n > _windowStart + _windowLength)
            {
                _windowStart = Position;
                _windowLength = RandomAccess.Read(handle, _window.AsSpan(0, (int)Math.Min(_window.Length, end - Position)), Position);
                if (_windowLength < n) throw Error("the file ends inside a block");
            }
            var s = _window.AsSpan((int)(Position - _windowStart), n);
            Position += n;
            return s;
        }

        public byte U8() => Take(1)[0];
        public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public int Count(string what, int limit)
        {
            var n = I32();
            if (n < 0 || n > limit) throw Error($"{what} {n} is out of range 0..{limit}");
            return n;
        }

        public string Str()
        {
            var n = I32();
            if (n < 0 || n > MaxNameBytes) throw Error($"a name of {n} bytes (limit {MaxNameBytes})");
            var sb = new byte[n];
            for (var done = 0; done < n;)
            {
                var k = Math.Min(n - done, 2048);
                Take(k).CopyTo(sb.AsSpan(done));
                done += k;
            }
            try
            {
                return new UTF8Encoding(false, true).GetString(sb);
            }
            catch (DecoderFallbackException e)
            {
                throw new DataFormatException(path, null, Position - n, "a name is not valid UTF-8", e);
            }
        }

        public void Pad()
        {
            var skip = (Align - Position % Align) % Align;
            if (skip > Remaining) throw Error("unexpected end of the block");
            Position += skip;
        }

        /// <summary>Reads an array's bytes in pieces of at most 1 GiB (byte spans are int-indexed).</summary>
        public void Array<T>(Span<T> data) where T : unmanaged
        {
            var per = (1 << 30) / Marshal.SizeOf<T>();
            while (data.Length > 0)
            {
                var n = Math.Min(per, data.Length);
                Raw(MemoryMarshal.AsBytes(data[..n]));
                data = data[n..];
            }
        }

        public void Raw(Span<byte> dest)
        {
            if (dest.Length > Remaining) throw Error($"an array of {dest.Length} bytes does not fit in the {Remaining} bytes left");
            const int piece = 8 << 20;
            if (dest.Length <= 2 * piece)
            {
                Fill(dest, Position);
            }
            else
            {
                // Spans cannot cross threads: pin the destination and read pieces in parallel by offset.
                unsafe
                {
                    fixed (byte* p = dest)
                    {
                        var basePtr = (nint)p;
                        var len = dest.Length;
                        var pos = Position;
                        var pieces = (len + piece - 1) / piece;
                        Tensors.Kernels.Parallelism.For(pieces, 1, (first, last) =>
                        {
                            for (var i = first; i < last; i++)
                            {
                                var off = (long)i * piece;
                                var n = (int)Math.Min(piece, len - off);
                                Fill(new Span<byte>((byte*)(basePtr + (nint)off), n), pos + off);
                            }
                        });
                    }
                }
            }
            Position += dest.Length;
        }

        private void Fill(Span<byte> dest, long offset)
        {
            while (dest.Length > 0)
            {
                var n = RandomAccess.Read(handle, dest, offset);
                if (n <= 0) throw new DataFormatException(path, null, offset, "the file ends inside an array (truncated file?)");
                dest = dest[n..];
                offset += n;
            }
        }
    }
}
