using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>A pickle names a global (a class or function) that the restricted unpickler does not build.</summary>
/// <remarks>Raised for <c>os.system</c>, <c>builtins.eval</c>, <c>subprocess.Popen</c> and every other name outside the
/// allow-list; the message names the module and the attribute. Nothing is imported or called: the unpickler never
/// executes code from the file.</remarks>
public class UnsafePickleException : DataFormatException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public UnsafePickleException() : base("the pickle names a global that is not allowed")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public UnsafePickleException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public UnsafePickleException(string message, Exception innerException) : base(message, innerException)
    {
    }

    internal UnsafePickleException(string source, long offset, string global)
        : base(source, null, offset, $"pickle global '{global}' is not allowed: the restricted unpickler builds only NumPy arrays and scalars, SciPy sparse matrices, torch tensors and Python containers")
    {
        Global = global;
    }

    /// <summary>The refused global as <c>module.name</c>.</summary>
    public string? Global { get; }
}

/// <summary>A Python tuple read from a pickle: immutable, compared and hashed by value.</summary>
public sealed class PickleTuple : IReadOnlyList<object?>, IEquatable<PickleTuple>
{
    /// <summary>Tuples nested deeper than this are refused (value comparison recurses).</summary>
    internal const int MaxDepth = 512;

    private readonly object?[] _items;
    private readonly int _hash;

    internal PickleTuple(object?[] items)
    {
        _items = items;
        var h = new HashCode();
        var depth = 0;
        foreach (var x in items)
        {
            h.Add(x is null ? 0 : x is PickleTuple t ? t._hash : x.GetHashCode());
            if (x is PickleTuple inner) depth = Math.Max(depth, inner.Depth);
        }
        _hash = h.ToHashCode();
        Depth = depth + 1;
    }

    /// <summary>Nesting depth (1 for a tuple of non-tuples).</summary>
    internal int Depth { get; }

    /// <summary>Number of items.</summary>
    public int Count => _items.Length;

    /// <summary>Item <paramref name="index"/>.</summary>
    public object? this[int index] => _items[index];

    /// <inheritdoc/>
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    internal void SetItem(int index, object? value) => _items[index] = value;

    /// <inheritdoc/>
    public bool Equals(PickleTuple? other)
    {
        if (other is null || other._hash != _hash || other._items.Length != _items.Length) return false;
        for (var i = 0; i < _items.Length; i++)
            if (!Equals(_items[i], other._items[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PickleTuple t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode() => _hash;

    /// <summary>Python's notation, e.g. <c>(1, 'a')</c>.</summary>
    public override string ToString() => "(" + string.Join(", ", _items.Select(x => x?.ToString() ?? "None")) + (_items.Length == 1 ? ",)" : ")");
}

/// <summary>
/// A restricted, non-executing unpickler (pickle protocols 0–5 without out-of-band buffers) for the data files
/// graph data sets ship: Planetoid's Python-2 pickles, OGB's <c>torch.save</c> split files.
/// </summary>
/// <remarks>
/// <para>Values come back as: <c>null</c> (None), <see cref="bool"/>, <see cref="long"/> (or <see cref="BigInteger"/>
/// beyond 64 bits), <see cref="double"/>, <see cref="string"/> (Python-2 <c>str</c> decoded as Latin-1, as
/// <c>pickle.load(..., encoding='latin1')</c> does), <c>byte[]</c>, <see cref="PickleTuple"/>, <c>List&lt;object?&gt;</c>,
/// <c>Dictionary&lt;object, object?&gt;</c> (also for <c>defaultdict</c> and <c>OrderedDict</c>; a None key is
/// <see cref="NoneKey"/>), <c>HashSet&lt;object&gt;</c>, <see cref="NpyArray"/> for NumPy arrays,
/// <see cref="ScipySparseMatrix"/> for SciPy <c>csr/csc/coo</c> matrices, and <see cref="Tensor"/> for torch tensors
/// (through <see cref="TorchFile"/>).</para>
/// <para>Only an allow-list of globals is ever resolved; any other <c>GLOBAL</c>/<c>STACK_GLOBAL</c>/<c>INST</c> target
/// raises <see cref="UnsafePickleException"/> naming it, and nothing from the file is ever imported or run. Every
/// length is checked against the bytes that remain, memo references must exist, and tuples deeper than 512 levels are
/// refused, so a forged file fails with <see cref="DataFormatException"/>.</para>
/// </remarks>
/// <example>
/// <code>
/// var graph = (Dictionary&lt;object, object?&gt;)Pickle.Load("ind.cora.graph")!;   // defaultdict(list)
/// var x = (ScipySparseMatrix)Pickle.Load("ind.cora.x")!;                         // 140 × 1433 csr, float32
/// </code>
/// </example>
public static class Pickle
{
    /// <summary>The key that stands for Python's <c>None</c> in dictionaries and sets.</summary>
    public static object NoneKey { get; } = new NoneKeyMarker();

    /// <summary>The largest pickle file read, in bytes (files are read whole).</summary>
    public const long MaxFileBytes = int.MaxValue;

    /// <summary>Unpickles the file at <paramref name="path"/> with the restricted unpickler.</summary>
    /// <exception cref="DataFormatException">The pickle is malformed.</exception>
    /// <exception cref="UnsafePickleException">The pickle names a global outside the allow-list.</exception>
    public static object? Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Load(ReadAll(path), path);
    }

    /// <summary>Unpickles <paramref name="data"/>; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="DataFormatException">The pickle is malformed.</exception>
    /// <exception cref="UnsafePickleException">The pickle names a global outside the allow-list.</exception>
    public static object? Load(byte[] data, string source)
    {
        ArgumentNullException.ThrowIfNull(data);
        var u = new Unpickler(data, 0, source, null);
        var v = u.Load();
        if (u.Position != data.Length)
            throw new DataFormatException(source, null, u.Position, $"{data.Length - u.Position} bytes follow the pickle's STOP opcode");
        return v;
    }

    internal static byte[] ReadAll(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"{path}: file not found", path);
        if (info.Length > MaxFileBytes)
            throw new DataFormatException(path, null, null, $"the file has {info.Length} bytes; pickles above {MaxFileBytes} bytes are not read");
        return File.ReadAllBytes(path);
    }

    private sealed class NoneKeyMarker
    {
        public override string ToString() => "None";
    }
}

/// <summary>The opcode interpreter behind <see cref="Pickle"/> and <see cref="TorchFile"/>.</summary>
internal sealed class Unpickler
{
    private readonly byte[] _data;
    private readonly string _source;
    private readonly Func<PickleTuple, long, object?>? _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    // Memo keys that hold a value still being built (an ndarray before its BUILD), so BUILD can replace them.
    private readonly Dictionary<object, List<long>> _pendingMemo = new(ReferenceEqualityComparer.Instance);
    private int _pos;

    public Unpickler(byte[] data, int start, string source, Func<PickleTuple, long, object?>? persistentLoad)
    {
        _data = data;
        _pos = start;
        _source = source;
        _persistentLoad = persistentLoad;
    }

    public int Position => _pos;

    private DataFormatException Error(string what, long? at = null) => new(_source, null, at ?? _pos, what);

    public object? Load()
    {
        while (true)
        {
            if (_pos >= _data.Length) throw Error("unexpected end of data: the pickle has no STOP opcode (truncated file?)");
            var opAt = _pos;
            var op = _data[_pos++];
            switch (op)
            {
                case (byte)'.':   // STOP
                {
                    var v = Pop(opAt);
                    if (v is IPending p) throw Error($"the pickle ends with an unfinished {p.What}", opAt);
                    return v;
                }
                case 0x80:   // PROTO
                {
                    var proto = ReadByte();
                    if (proto > 5) throw Error($"pickle protocol {proto} is not supported; expected 0..5", opAt);
                    break;
                }
                case 0x95:   // FRAME: an 8-byte length; frames only group opcodes, so the length is checked and skipped.
                {
                    var len = ReadUInt64();
                    if (len > (ulong)(_data.Length - _pos)) throw Error($"frame of {len} bytes is longer than the {_data.Length - _pos} bytes left", opAt);
                    break;
                }
                case (byte)'(': _marks.Add(_stack.Count); break;   // MARK
                case (byte)'0': Pop(opAt); break;   // POP
                case (byte)'1': PopMark(opAt); break;   // POP_MARK
                case (byte)'2': Push(Peek(opAt)); break;   // DUP
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;   // NEWTRUE
                case 0x89: Push(false); break;   // NEWFALSE
                case (byte)'I': Push(ParseIntLine(opAt)); break;   // INT (protocol 0; "I01" is True)
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;   // BININT
                case (byte)'K': Push((long)ReadByte()); break;   // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;   // BININT2
                case (byte)'L': Push(ParseLongLine(opAt)); break;   // LONG (text)
                case 0x8a: Push(LongFromBytes(Take(ReadByte()))); break;   // LONG1
                case 0x8b:   // LONG4
                {
                    var n = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
                    if (n < 0 || n > 1 << 16) throw Error($"LONG4 of {n} bytes: expected 0..65536", opAt);
                    Push(LongFromBytes(Take(n)));
                    break;
                }
                case (byte)'F': Push(ParseFloatLine(opAt)); break;   // FLOAT
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;   // BINFLOAT
                case (byte)'S': Push(ParseStringLine(opAt)); break;   // STRING (py2 str, quoted)
                case (byte)'T': Push(Encoding.Latin1.GetString(Take(ReadLength32(opAt)))); break;   // BINSTRING
                case (byte)'U': Push(Encoding.Latin1.GetString(Take(ReadByte()))); break;   // SHORT_BINSTRING
                case (byte)'V': Push(DecodeRawUnicodeEscape(ReadLine(opAt))); break;   // UNICODE
                case (byte)'X': Push(Utf8(Take(ReadLength32(opAt)), opAt)); break;   // BINUNICODE
                case 0x8c: Push(Utf8(Take(ReadByte()), opAt)); break;   // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Take(ReadLength64(opAt)), opAt)); break;   // BINUNICODE8
                case (byte)'B': Push(Take(ReadLength32(opAt)).ToArray()); break;   // BINBYTES
                case (byte)'C': Push(Take(ReadByte()).ToArray()); break;   // SHORT_BINBYTES
                case 0x8e: Push(Take(ReadLength64(opAt)).ToArray()); break;   // BINBYTES8
                case 0x96: Push(Take(ReadLength64(opAt)).ToArray()); break;   // BYTEARRAY8
                case 0x97:
                case 0x98:
                    throw Error("out-of-band buffers (pickle protocol 5 NEXT_BUFFER/READONLY_BUFFER) are not supported", opAt);
                case (byte)')': Push(new PickleTuple([])); break;   // EMPTY_TUPLE
                case 0x85: Push(MakeTuple(PopN(1, opAt), opAt)); break;   // TUPLE1
                case 0x86: Push(MakeTuple(PopN(2, opAt), opAt)); break;   // TUPLE2
                case 0x87: Push(MakeTuple(PopN(3, opAt), opAt)); break;   // TUPLE3
                case (byte)'t': Push(MakeTuple(PopMark(opAt), opAt)); break;   // TUPLE
                case (byte)']': Push(new List<object?>()); break;   // EMPTY_LIST
                case (byte)'l': Push(new List<object?>(PopMark(opAt))); break;   // LIST
                case (byte)'}': Push(new Dictionary<object, object?>()); break;   // EMPTY_DICT
                case (byte)'d':   // DICT
                {
                    var items = PopMark(opAt);
                    var d = new Dictionary<object, object?>();
                    SetItems(d, items, opAt);
                    Push(d);
                    break;
                }
                case 0x8f: Push(new HashSet<object>()); break;   // EMPTY_SET
                case 0x91:   // FROZENSET
                {
                    var items = PopMark(opAt);
                    var set = new HashSet<object>();
                    foreach (var x in items) set.Add(Key(x, opAt));
                    Push(set);
                    break;
                }
                case (byte)'a':   // APPEND
                {
                    var v = Pop(opAt);
                    AsList(Peek(opAt), "APPEND", opAt).Add(v);
                    break;
                }
                case (byte)'e':   // APPENDS
                {
                    var items = PopMark(opAt);
                    AsList(Peek(opAt), "APPENDS", opAt).AddRange(items);
                    break;
                }
                case (byte)'s':   // SETITEM
                {
                    var v = Pop(opAt);
                    var k = Pop(opAt);
                    AsDict(Peek(opAt), "SETITEM", opAt)[Key(k, opAt)] = v;
                    break;
                }
                case (byte)'u':   // SETITEMS
                {
                    var items = PopMark(opAt);
                    SetItems(AsDict(Peek(opAt), "SETITEMS", opAt), items, opAt);
                    break;
                }
                case 0x90:   // ADDITEMS
                {
                    var items = PopMark(opAt);
                    if (Peek(opAt) is not HashSet<object> set) throw Error($"ADDITEMS on {Describe(Peek(opAt))}; expected a set", opAt);
                    foreach (var x in items) set.Add(Key(x, opAt));
                    break;
                }
                case (byte)'p': Memo(ParseIntLine(opAt) is long putKey ? putKey : throw Error("PUT index is not an integer", opAt), opAt); break;   // PUT
                case (byte)'q': Memo(ReadByte(), opAt); break;   // BINPUT
                case (byte)'r': Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), opAt); break;   // LONG_BINPUT
                case 0x94: Memo(_memo.Count, opAt); break;   // MEMOIZE
                case (byte)'g': Push(Recall(ParseIntLine(opAt) is long g ? g : throw Error("GET index is not an integer", opAt), opAt)); break;   // GET
                case (byte)'h': Push(Recall(ReadByte(), opAt)); break;   // BINGET
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), opAt)); break;   // LONG_BINGET
                case (byte)'c':   // GLOBAL
                {
                    var module = ReadAsciiLine(opAt);
                    var name = ReadAsciiLine(opAt);
                    Push(PickleGlobals.Resolve(module, name, _source, opAt));
                    break;
                }
                case 0x93:   // STACK_GLOBAL
                {
                    var name = Pop(opAt) as string ?? throw Error("STACK_GLOBAL name is not a string", opAt);
                    var module = Pop(opAt) as string ?? throw Error("STACK_GLOBAL module is not a string", opAt);
                    Push(PickleGlobals.Resolve(module, name, _source, opAt));
                    break;
                }
                case (byte)'R':   // REDUCE
                {
                    var args = Pop(opAt) as PickleTuple ?? throw Error("REDUCE arguments are not a tuple", opAt);
                    var f = Pop(opAt) as PickleGlobal ?? throw Error("REDUCE target is not a global", opAt);
                    Push(f.Call(args, _source, opAt));
                    break;
                }
                case 0x81:   // NEWOBJ
                {
                    var args = Pop(opAt) as PickleTuple ?? throw Error("NEWOBJ arguments are not a tuple", opAt);
                    var cls = Pop(opAt) as PickleGlobal ?? throw Error("NEWOBJ class is not a global", opAt);
                    Push(cls.New(args, _source, opAt));
                    break;
                }
                case 0x92:   // NEWOBJ_EX
                {
                    var kwargs = Pop(opAt);
                    var args = Pop(opAt) as PickleTuple ?? throw Error("NEWOBJ_EX arguments are not a tuple", opAt);
                    var cls = Pop(opAt) as PickleGlobal ?? throw Error("NEWOBJ_EX class is not a global", opAt);
                    if (kwargs is not Dictionary<object, object?> { Count: 0 }) throw Error("NEWOBJ_EX with keyword arguments is not supported", opAt);
                    Push(cls.New(args, _source, opAt));
                    break;
                }
                case (byte)'i':   // INST
                {
                    var module = ReadAsciiLine(opAt);
                    var name = ReadAsciiLine(opAt);
                    var cls = PickleGlobals.Resolve(module, name, _source, opAt);
                    Push(cls.New(MakeTuple(PopMark(opAt), opAt), _source, opAt));
                    break;
                }
                case (byte)'o':   // OBJ
                {
                    var items = PopMark(opAt);
                    if (items.Count == 0 || items[0] is not PickleGlobal cls) throw Error("OBJ without a class", opAt);
                    Push(cls.New(MakeTuple(items.GetRange(1, items.Count - 1), opAt), _source, opAt));
                    break;
                }
                case (byte)'b':   // BUILD
                {
                    var state = Pop(opAt);
                    var target = Pop(opAt);
                    if (target is not IPending pending) throw Error($"BUILD on {Describe(target)}: only NumPy arrays, dtypes and SciPy matrices accept state", opAt);
                    var built = pending.Build(state, _source, opAt);
                    if (_pendingMemo.Remove(target, out var keys))
                        foreach (var k in keys) _memo[k] = built;
                    Push(built);
                    break;
                }
                case (byte)'P':   // PERSID
                    Push(Persistent(new PickleTuple([ReadAsciiLine(opAt)]), opAt));
                    break;
                case (byte)'Q':   // BINPERSID
                    Push(Persistent(Pop(opAt), opAt));
                    break;
                case 0x82:
                case 0x83:
                case 0x84:
                    throw Error("extension-registry opcodes (EXT1/EXT2/EXT4) are not supported", opAt);
                default:
                    throw Error($"unknown pickle opcode 0x{op:X2}", opAt);
            }
        }
    }

    // ---- stack, marks, memo ----

    private void Push(object? v) => _stack.Add(v);

    private object? Pop(int at)
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _stack.Count <= _marks[^1]))
            throw Error("stack underflow: an opcode needs a value that is not there", at);
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek(int at)
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _stack.Count <= _marks[^1]))
            throw Error("stack underflow: an opcode needs a value that is not there", at);
        return _stack[^1];
    }

    private List<object?> PopN(int n, int at)
    {
        var floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count - floor < n) throw Error($"stack underflow: the opcode needs {n} values", at);
        var items = _stack.GetRange(_stack.Count - n, n);
        _stack.RemoveRange(_stack.Count - n, n);
        return items;
    }

    private List<object?> PopMark(int at)
    {
        if (_marks.Count == 0) throw Error("an opcode needs a MARK and there is none", at);
        var m = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(m, _stack.Count - m);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    private void Memo(long key, int at)
    {
        if (key < 0) throw Error($"memo index {key} is negative", at);
        var v = Peek(at);
        _memo[key] = v;
        if (v is IPending)
        {
            if (!_pendingMemo.TryGetValue(v, out var keys)) _pendingMemo[v] = keys = [];
            keys.Add(key);
        }
    }

    private object? Recall(long key, int at) =>
        _memo.TryGetValue(key, out var v) ? v : throw Error($"memo index {key} was never stored", at);

    private object? Persistent(object? pid, int at)
    {
        if (_persistentLoad is null) throw Error("the pickle refers to external data (persistent id) and no loader for it is given", at);
        if (pid is not PickleTuple t) throw Error($"persistent id is {Describe(pid)}; expected a tuple", at);
        return _persistentLoad(t, at);
    }

    private PickleTuple MakeTuple(List<object?> items, int at)
    {
        var t = new PickleTuple([.. items]);
        if (t.Depth > PickleTuple.MaxDepth) throw Error($"tuples are nested more than {PickleTuple.MaxDepth} deep", at);
        return t;
    }

    private object Key(object? k, int at) => k switch
    {
        null => Pickle.NoneKey,
        string or long or bool or double or BigInteger or PickleTuple or byte[] => k,
        _ => throw Error($"{Describe(k)} cannot be a dictionary key or set element (unhashable)", at),
    };

    private void SetItems(Dictionary<object, object?> d, List<object?> items, int at)
    {
        if (items.Count % 2 != 0) throw Error($"SETITEMS/DICT with an odd number ({items.Count}) of keys and values", at);
        for (var i = 0; i < items.Count; i += 2) d[Key(items[i], at)] = items[i + 1];
    }

    private List<object?> AsList(object? v, string op, int at) =>
        v as List<object?> ?? throw Error($"{op} on {Describe(v)}; expected a list", at);

    private Dictionary<object, object?> AsDict(object? v, string op, int at) =>
        v as Dictionary<object, object?> ?? throw Error($"{op} on {Describe(v)}; expected a dict", at);

    internal static string Describe(object? v) => v switch
    {
        null => "None",
        IPending p => $"an unfinished {p.What}",
        PickleGlobal g => $"global {g.Name}",
        _ => v.GetType().Name,
    };

    // ---- raw reads ----

    private byte ReadByte()
    {
        if (_pos >= _data.Length) throw Error("unexpected end of data (truncated file?)");
        return _data[_pos++];
    }

    private ReadOnlySpan<byte> Take(long n)
    {
        if (n < 0 || n > _data.Length - _pos)
            throw Error($"a length of {n} bytes is longer than the {_data.Length - _pos} bytes left (truncated or forged)");
        var s = _data.AsSpan(_pos, (int)n);
        _pos += (int)n;
        return s;
    }

    private ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    private long ReadLength32(int at)
    {
        var n = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        if (n > (uint)(_data.Length - _pos)) throw Error($"a length of {n} bytes is longer than the {_data.Length - _pos} bytes left (truncated or forged)", at);
        return n;
    }

    private long ReadLength64(int at)
    {
        var n = ReadUInt64();
        if (n > (ulong)(_data.Length - _pos)) throw Error($"a length of {n} bytes is longer than the {_data.Length - _pos} bytes left (truncated or forged)", at);
        return (long)n;
    }

    private ReadOnlySpan<byte> ReadLine(int at)
    {
        var rest = _data.AsSpan(_pos);
        var nl = rest.IndexOf((byte)'\n');
        if (nl < 0) throw Error("unterminated text argument (no newline)", at);
        _pos += nl + 1;
        return rest[..nl];
    }

    private string ReadAsciiLine(int at)
    {
        var line = ReadLine(at);
        if (line.Length > 256) throw Error("a global name longer than 256 characters", at);
        foreach (var b in line)
            if (b < 0x20 || b > 0x7E) throw Error("a global name with a non-printable character", at);
        return Encoding.ASCII.GetString(line);
    }

    private object ParseIntLine(int at)
    {
        var line = ReadLine(at);
        if (line.SequenceEqual("00"u8)) return false;
        if (line.SequenceEqual("01"u8)) return true;
        return ParseInteger(line, at);
    }

    private object ParseLongLine(int at)
    {
        var line = ReadLine(at);
        if (line.Length > 0 && line[^1] == (byte)'L') line = line[..^1];
        return ParseInteger(line, at);
    }

    private object ParseInteger(ReadOnlySpan<byte> text, int at)
    {
        if (text.Length is 0 or > 4096) throw Error($"an integer literal of {text.Length} characters", at);
        var s = Encoding.ASCII.GetString(text);
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
        if (BigInteger.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var b)) return b;
        throw Error($"'{Truncate(s)}' is not an integer", at);
    }

    private double ParseFloatLine(int at)
    {
        var line = ReadLine(at);
        var s = Encoding.ASCII.GetString(line);
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Error($"'{Truncate(s)}' is not a float", at);
    }

    private string ParseStringLine(int at)
    {
        var line = ReadLine(at);
        if (line.Length < 2 || line[0] != line[^1] || line[0] is not ((byte)'\'' or (byte)'"'))
            throw Error("STRING argument is not quoted", at);
        return DecodeEscapes(line[1..^1], at);
    }

    /// <summary>Decodes Python-2 <c>repr</c> escapes (<c>\n</c>, <c>\xNN</c>, octal) to a Latin-1 string.</summary>
    private string DecodeEscapes(ReadOnlySpan<byte> s, int at)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c != '\\') { sb.Append((char)c); continue; }
            if (++i >= s.Length) throw Error("STRING ends with a lone backslash", at);
            switch ((char)s[i])
            {
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'x':
                    if (i + 2 >= s.Length || !byte.TryParse(s.Slice(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hx))
                        throw Error("bad \\x escape in STRING", at);
                    sb.Append((char)hx);
                    i += 2;
                    break;
                default:
                    if (s[i] is >= (byte)'0' and <= (byte)'7')
                    {
                        var v = 0;
                        var k = 0;
                        while (k < 3 && i < s.Length && s[i] is >= (byte)'0' and <= (byte)'7') { v = v * 8 + (s[i] - '0'); i++; k++; }
                        i--;
                        sb.Append((char)(v & 0xFF));
                    }
                    else
                    {
                        sb.Append('\\').Append((char)s[i]);
                    }
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Decodes the UNICODE opcode's raw-unicode-escape text (<c>\uXXXX</c>, <c>\UXXXXXXXX</c>, Latin-1 otherwise).</summary>
    private string DecodeRawUnicodeEscape(ReadOnlySpan<byte> s)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] is (byte)'u' or (byte)'U')
            {
                var digits = s[i + 1] == 'u' ? 4 : 8;
                if (i + 2 + digits <= s.Length && uint.TryParse(s.Slice(i + 2, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cp) && cp <= 0x10FFFF && !(cp is >= 0xD800 and <= 0xDFFF))
                {
                    sb.Append(char.ConvertFromUtf32((int)cp));
                    i += 1 + digits;
                    continue;
                }
                throw Error("bad \\u escape in UNICODE");
            }
            sb.Append((char)s[i]);
        }
        return sb.ToString();
    }

    private string Utf8(ReadOnlySpan<byte> bytes, int at)
    {
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFormatException(_source, null, at, "a string is not valid UTF-8", e);
        }
    }

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static object LongFromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return 0L;
        var b = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return b >= long.MinValue && b <= long.MaxValue ? (object)(long)b : b;
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
