using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>
/// Reads files written by <c>torch.save</c> — the legacy format (a magic number, protocol 1001, system info, the
/// object pickle, then raw storages) and the zip format of PyTorch ≥ 1.6 — with the restricted unpickler.
/// </summary>
/// <remarks>
/// Tensors come back as <see cref="Tensor"/> (float16/bfloat16 widened to float32, int8/16/uint8 to int32), NumPy
/// arrays as <see cref="NpyArray"/>, containers as described on <see cref="Pickle"/>. OGB's split files
/// (<c>split/*/valid.pt</c>) are legacy files holding a dict of NumPy int64 arrays. Storage sizes, offsets and strides
/// are checked against the bytes the file holds.
/// </remarks>
public static class TorchFile
{
    private static readonly BigInteger s_legacyMagic = BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Loads a <c>torch.save</c> file.</summary>
    /// <exception cref="DataFormatException">The file is malformed.</exception>
    /// <exception cref="UnsafePickleException">Its pickle names a global outside the allow-list.</exception>
    public static object? Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Load(Pickle.ReadAll(path), path);
    }

    /// <summary>Loads a <c>torch.save</c> image held in memory; <paramref name="source"/> names it in messages.</summary>
    public static object? Load(byte[] data, string source)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(source);
        return data.Length >= 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4
            ? LoadZip(data, source)
            : LoadLegacy(data, source);
    }

    private static object? LoadLegacy(byte[] data, string source)
    {
        var storages = new Dictionary<string, TorchStorageRef>(StringComparer.Ordinal);
        var header = new Unpickler(data, 0, source, null);
        var magic = header.Load();
        if (!(magic is BigInteger b && b == s_legacyMagic))
            throw new DataFormatException(source, null, 0, "not a torch.save file: the legacy magic number is missing and it is not a zip archive");
        var protocol = new Unpickler(data, header.Position, source, null);
        if (protocol.Load() is not 1001L)
            throw new DataFormatException(source, null, header.Position, "unsupported torch legacy protocol version; expected 1001");
        var sysInfo = new Unpickler(data, protocol.Position, source, null);
        if (sysInfo.Load() is Dictionary<object, object?> info && info.GetValueOrDefault("little_endian") is false)
            throw new DataFormatException(source, null, protocol.Position, "the file was written on a big-endian machine; only little-endian torch files are supported");
        var main = new Unpickler(data, sysInfo.Position, source, (pid, at) => LegacyStorage(pid, storages, source, at));
        var result = main.Load();
        var keysReader = new Unpickler(data, main.Position, source, null);
        if (keysReader.Load() is not List<object?> keys)
            throw new DataFormatException(source, null, main.Position, "the storage key list after the pickle is missing");
        long pos = keysReader.Position;
        foreach (var k in keys)
        {
            if (k is not string key || !storages.TryGetValue(key, out var st) || st.Root is not null)
                throw new DataFormatException(source, null, pos, $"storage key {k} was not declared by the pickle");
            if (data.Length - pos < 8) throw new DataFormatException(source, null, pos, "truncated storage header");
            var numel = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan((int)pos, 8));
            pos += 8;
            var size = TorchStorageRef.ElementSize(st.Element);
            if (numel < 0 || numel != st.Numel || numel > (data.Length - pos) / size)
                throw new DataFormatException(source, null, pos - 8, $"storage '{key}' holds {numel} elements; the pickle declared {st.Numel} and {(data.Length - pos) / size} fit in the rest of the file");
            st.Data = data.AsSpan((int)pos, (int)(numel * size)).ToArray();
            pos += numel * size;
        }
        if (pos != data.Length)
            throw new DataFormatException(source, null, pos, $"{data.Length - pos} unexpected bytes follow the last storage");
        return Materialize(result, source);
    }

    private static TorchStorageRef LegacyStorage(PickleTuple pid, Dictionary<string, TorchStorageRef> storages, string source, long at)
    {
        // ('storage', storage_type, root_key, location, size, view_metadata)
        if (pid.Count < 5 || pid[0] is not "storage" || pid[1] is not PickleGlobal { Kind: GlobalKind.TorchStorage } type || pid[2] is not string key || pid[4] is not long size || size < 0)
            throw new DataFormatException(source, null, at, $"unsupported persistent id {pid}; expected ('storage', torch.XStorage, key, location, size, view)");
        if (!storages.TryGetValue(key, out var root))
            storages[key] = root = new TorchStorageRef(key, type.Element, size);
        if (root.Element != type.Element || root.Numel != size)
            throw new DataFormatException(source, null, at, $"storage '{key}' is declared twice with different types or sizes");
        if (pid.Count > 5 && pid[5] is PickleTuple { Count: 3 } view)
        {
            if (view[1] is not long offset || view[2] is not long viewSize || offset < 0 || viewSize < 0 || offset + viewSize > size)
                throw new DataFormatException(source, null, at, $"storage view {view} does not fit storage '{key}' of {size} elements");
            return new TorchStorageRef($"{key}[{offset}:]", type.Element, viewSize) { Root = root, RootOffset = offset };
        }
        return root;
    }

    private static object? LoadZip(byte[] data, string source)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(data, writable: false), ZipArchiveMode.Read);
            var pkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl")
                ?? throw new DataFormatException(source, null, null, "zip-format torch file without a data.pkl entry");
            var prefix = pkl.FullName[..^"data.pkl".Length];
            var pickle = ReadEntry(pkl, data.Length, source);
            var storages = new Dictionary<string, TorchStorageRef>(StringComparer.Ordinal);
            var main = new Unpickler(pickle, 0, $"{source}:{pkl.FullName}", (pid, at) =>
            {
                // ('storage', storage_type, key, location, numel)
                if (pid.Count < 5 || pid[0] is not "storage" || pid[1] is not PickleGlobal { Kind: GlobalKind.TorchStorage } type || pid[2] is not string key || pid[4] is not long numel || numel < 0)
                    throw new DataFormatException(source, null, at, $"unsupported persistent id {pid}");
                if (storages.TryGetValue(key, out var known)) return known;
                var entry = zip.GetEntry($"{prefix}data/{key}") ?? throw new DataFormatException(source, null, at, $"storage entry '{prefix}data/{key}' is missing");
                var bytes = ReadEntry(entry, data.Length, source);
                var size = TorchStorageRef.ElementSize(type.Element);
                if (bytes.Length != numel * size)
                    throw new DataFormatException($"{source}:{entry.FullName}: holds {bytes.Length} bytes; the pickle declared {numel} elements of {size} bytes");
                return storages[key] = new TorchStorageRef(key, type.Element, numel) { Data = bytes };
            });
            return Materialize(main.Load(), source);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            throw new DataFormatException($"{source}: corrupt zip-format torch file: {ex.Message}", ex);
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, long archiveLength, string source)
    {
        // Deflate can expand about 1032:1, so a declared size beyond that is forged; read at most what is declared.
        if (entry.Length > Math.Min(int.MaxValue, Math.Max(archiveLength, entry.CompressedLength * 1040L)))
            throw new DataFormatException($"{source}:{entry.FullName}: declares {entry.Length} bytes, more than the archive can hold");
        using var s = entry.Open();
        var buffer = new byte[entry.Length];
        var got = s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (got != buffer.Length || s.ReadByte() != -1)
            throw new DataFormatException($"{source}:{entry.FullName}: the entry's data does not match its declared size {entry.Length}");
        return buffer;
    }

    /// <summary>Replaces every <see cref="TorchTensorRef"/> in the result with a tensor (iteratively; cycles are safe).</summary>
    private static object? Materialize(object? root, string source)
    {
        if (root is TorchTensorRef r0) return ToTensor(r0, source);
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var work = new Stack<object>();
        if (root is not null) work.Push(root);
        while (work.Count > 0)
        {
            var node = work.Pop();
            if (!seen.Add(node)) continue;
            switch (node)
            {
                case List<object?> list:
                    for (var i = 0; i < list.Count; i++) list[i] = Visit(list[i], work, source);
                    break;
                case PickleTuple tuple:
                    for (var i = 0; i < tuple.Count; i++) tuple.SetItem(i, Visit(tuple[i], work, source));
                    break;
                case Dictionary<object, object?> dict:
                    foreach (var k in dict.Keys.ToList()) dict[k] = Visit(dict[k], work, source);
                    break;
            }
        }
        return root;
    }

    private static object? Visit(object? v, Stack<object> work, string source)
    {
        if (v is TorchTensorRef r) return ToTensor(r, source);
        if (v is List<object?> or PickleTuple or Dictionary<object, object?>) work.Push(v);
        return v;
    }

    private static Tensor ToTensor(TorchTensorRef r, string source)
    {
        var storage = r.Storage.Root ?? r.Storage;
        var baseOffset = r.Storage.RootOffset + r.Offset;
        var data = storage.Data ?? throw new DataFormatException(source, null, null, $"storage '{storage.Key}' has no data");
        var size = r.Size;
        var stride = r.Stride;
        if (size.Length != stride.Length || size.Length > 64)
            throw new DataFormatException(source, null, null, $"tensor size {Fmt(size)} and stride {Fmt(stride)} differ in rank");
        long numel = 1, maxOffset = baseOffset;
        for (var d = 0; d < size.Length; d++)
        {
            if (size[d] < 0 || stride[d] < 0 || size[d] > int.MaxValue)
                throw new DataFormatException(source, null, null, $"tensor size {Fmt(size)} / stride {Fmt(stride)} has a negative or huge entry");
            numel *= size[d];
            if (numel > Array.MaxLength) throw new DataFormatException(source, null, null, $"tensor size {Fmt(size)} has too many elements");
            if (size[d] > 0) maxOffset += (size[d] - 1) * stride[d];
        }
        var es = TorchStorageRef.ElementSize(storage.Element);
        var limit = r.Storage.Root is null ? storage.Numel : r.Storage.RootOffset + r.Storage.Numel;
        if (numel > 0 && maxOffset >= limit)
            throw new DataFormatException(source, null, null, $"tensor of size {Fmt(size)}, stride {Fmt(stride)} at offset {r.Offset} reaches element {maxOffset} of storage '{storage.Key}' with {storage.Numel} elements");
        // Gather the elements into row-major order, then decode them as NumPy would.
        var bytes = new byte[numel * es];
        var contiguous = true;
        for (long d = size.Length - 1, expect = 1; d >= 0; d--)
        {
            if (size[d] != 1 && stride[d] != expect) contiguous = false;
            expect *= size[d];
        }
        if (contiguous)
        {
            Buffer.BlockCopy(data, (int)(baseOffset * es), bytes, 0, bytes.Length);
        }
        else if (numel > 0)
        {
            var idx = new long[size.Length];
            var src = baseOffset;
            for (long i = 0; i < numel; i++)
            {
                Buffer.BlockCopy(data, (int)(src * es), bytes, (int)(i * es), es);
                for (var d = size.Length - 1; d >= 0; d--)
                {
                    if (++idx[d] < size[d]) { src += stride[d]; break; }
                    src -= stride[d] * (size[d] - 1);
                    idx[d] = 0;
                }
            }
        }
        if (storage.Element == TorchElement.BFloat16)
        {
            // bfloat16 is the top half of a float32.
            var f = new byte[numel * 4];
            for (long i = 0; i < numel; i++) { f[4 * i + 2] = bytes[2 * i]; f[4 * i + 3] = bytes[2 * i + 1]; }
            return Npy.Decode(f, 0, f.Length, "<f4", size, false, source).Tensor!;
        }
        var descr = storage.Element switch
        {
            TorchElement.Float32 => "<f4",
            TorchElement.Float64 => "<f8",
            TorchElement.Float16 => "<f2",
            TorchElement.Int64 => "<i8",
            TorchElement.Int32 => "<i4",
            TorchElement.Int16 => "<i2",
            TorchElement.Int8 => "|i1",
            TorchElement.UInt8 => "|u1",
            _ => "|b1",
        };
        return Npy.Decode(bytes, 0, bytes.Length, descr, size, false, source).Tensor!;
    }

    private static string Fmt(long[] v) => "(" + string.Join(", ", v) + ")";
}
