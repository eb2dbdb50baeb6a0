using System.Numerics;
using System.Text;
using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>A value under construction that a BUILD opcode completes (an ndarray, a dtype, a SciPy matrix).</summary>
internal interface IPending
{
    /// <summary>What is being built, for messages.</summary>
    string What { get; }

    /// <summary>Applies the pickled state and returns the finished value.</summary>
    object? Build(object? state, string source, long at);
}

/// <summary>What an allowed global stands for.</summary>
internal enum GlobalKind
{
    NdarrayReconstruct,
    NdarrayType,
    NumpyDType,
    NumpyScalar,
    NumpyFromBuffer,
    SparseMatrix,
    DefaultDict,
    OrderedDict,
    List,
    Dict,
    Set,
    FrozenSet,
    Tuple,
    Int,
    Float,
    Bool,
    Object,
    CodecsEncode,
    CopyRegReconstructor,
    TorchRebuildTensor,
    TorchRebuildTensorV2,
    TorchRebuildParameter,
    TorchStorage,
    TorchSize,
}

/// <summary>The element type of a torch storage class (<c>torch.FloatStorage</c>…).</summary>
internal enum TorchElement
{
    Float32,
    Float64,
    Float16,
    BFloat16,
    Int64,
    Int32,
    Int16,
    Int8,
    UInt8,
    Bool,
}

/// <summary>A resolved, allowed global: a class or function the unpickler emulates (never imports).</summary>
internal sealed class PickleGlobal(string name, GlobalKind kind, SparseFormat format = default, TorchElement element = default)
{
    public string Name { get; } = name;
    public GlobalKind Kind { get; } = kind;
    public SparseFormat Format { get; } = format;
    public TorchElement Element { get; } = element;

    private DataFormatException Error(string source, long at, string what) => new(source, null, at, $"{Name}: {what}");

    /// <summary>REDUCE: calls the global with <paramref name="args"/>.</summary>
    public object? Call(PickleTuple args, string source, long at)
    {
        switch (Kind)
        {
            case GlobalKind.NdarrayReconstruct:
                if (args.Count < 1 || args[0] is not PickleGlobal { Kind: GlobalKind.NdarrayType })
                    throw Error(source, at, "expected numpy.ndarray as the first argument");
                return new PendingArray();
            case GlobalKind.NumpyDType:
                if (args.Count < 1 || args[0] is not string code) throw Error(source, at, "expected a type code string");
                return new PendingDType(code);
            case GlobalKind.NumpyScalar:
            {
                if (args.Count != 2) throw Error(source, at, $"expected (dtype, bytes); got {args.Count} arguments");
                var dtype = NumpyDType.From(args[0], source, at);
                var raw = RawBytes(args[1], source, at);
                var a = dtype.Decode(raw, [], false, source, at);
                return ScalarOf(a, source, at);
            }
            case GlobalKind.NumpyFromBuffer:
            {
                // Protocol 5: _frombuffer(buffer, dtype, shape, order)
                if (args.Count != 4 || args[3] is not string order || order is not ("C" or "F"))
                    throw Error(source, at, "expected (buffer, dtype, shape, 'C' or 'F')");
                var dtype = NumpyDType.From(args[1], source, at);
                return dtype.Decode(RawBytes(args[0], source, at), Longs(args[2], source, at), order == "F", source, at);
            }
            case GlobalKind.DefaultDict:
                if (args.Count > 1 || (args.Count == 1 && args[0] is not (null or PickleGlobal)))
                    throw Error(source, at, "expected a default factory (a class) or nothing");
                return new Dictionary<object, object?>();
            case GlobalKind.OrderedDict:
            case GlobalKind.Dict:
            {
                var d = new Dictionary<object, object?>();
                if (args.Count == 1 && args[0] is not null)
                {
                    foreach (var item in Items(args[0], source, at))
                    {
                        if (item is not PickleTuple { Count: 2 } pair) throw Error(source, at, "expected (key, value) pairs");
                        d[Key(pair[0], source, at)] = pair[1];
                    }
                }
                else if (args.Count > 1) throw Error(source, at, $"expected at most one argument; got {args.Count}");
                return d;
            }
            case GlobalKind.List:
                return args.Count == 0 ? new List<object?>() : new List<object?>(Items(args[0], source, at));
            case GlobalKind.Tuple:
                return args.Count == 0 ? new PickleTuple([]) : new PickleTuple([.. Items(args[0], source, at)]);
            case GlobalKind.Set:
            case GlobalKind.FrozenSet:
            {
                var set = new HashSet<object>();
                if (args.Count == 1) foreach (var x in Items(args[0], source, at)) set.Add(Key(x, source, at));
                return set;
            }
            case GlobalKind.Int:
                return args.Count == 1 && args[0] is long or BigInteger ? args[0] : args.Count == 1 && args[0] is double dv && double.IsFinite(dv) ? (long)dv
                    : throw Error(source, at, "only int(int) and int(float) are supported");
            case GlobalKind.Float:
                return args.Count == 1 && args[0] is double or long ? Convert.ToDouble(args[0], System.Globalization.CultureInfo.InvariantCulture)
                    : throw Error(source, at, "only float(number) is supported");
            case GlobalKind.Bool:
                return args.Count == 1 && args[0] is bool or long ? Convert.ToBoolean(args[0], System.Globalization.CultureInfo.InvariantCulture)
                    : throw Error(source, at, "only bool(bool) and bool(int) are supported");
            case GlobalKind.CodecsEncode:
            {
                if (args.Count != 2 || args[0] is not string text || args[1] is not string encoding)
                    throw Error(source, at, "expected (str, encoding)");
                switch (encoding.ToLowerInvariant())
                {
                    case "latin1":
                    case "latin-1":
                    case "iso-8859-1":
                        foreach (var c in text)
                            if (c > 0xFF) throw Error(source, at, $"character U+{(int)c:X4} cannot be encoded as latin1");
                        return Encoding.Latin1.GetBytes(text);
                    case "utf8":
                    case "utf-8":
                        return Encoding.UTF8.GetBytes(text);
                    default:
                        throw Error(source, at, $"encoding '{encoding}' is not supported; expected latin1 or utf-8");
                }
            }
            case GlobalKind.CopyRegReconstructor:
                if (args.Count != 3 || args[0] is not PickleGlobal cls || args[1] is not PickleGlobal { Kind: GlobalKind.Object } || args[2] is not null)
                    throw Error(source, at, "expected (class, object, None)");
                return cls.New(new PickleTuple([]), source, at);
            case GlobalKind.TorchRebuildTensor:
            case GlobalKind.TorchRebuildTensorV2:
            {
                if (args.Count < 4 || args[0] is not TorchStorageRef storage) throw Error(source, at, "expected (storage, offset, size, stride, ...)");
                if (args[1] is not long offset || offset < 0) throw Error(source, at, "the storage offset is not a non-negative integer");
                return new TorchTensorRef(storage, offset, Longs(args[2], source, at), Longs(args[3], source, at));
            }
            case GlobalKind.TorchRebuildParameter:
                if (args.Count < 1) throw Error(source, at, "expected (data, requires_grad, hooks)");
                return args[0];
            case GlobalKind.TorchSize:
                return args.Count == 0 ? new PickleTuple([]) : new PickleTuple([.. Items(args[0], source, at)]);
            default:
                throw Error(source, at, "is not callable in a pickle here");
        }
    }

    /// <summary>NEWOBJ / INST / OBJ: creates an instance of the class.</summary>
    public object? New(PickleTuple args, string source, long at) => Kind switch
    {
        GlobalKind.SparseMatrix when args.Count == 0 => new PendingSparse(Format),
        GlobalKind.OrderedDict or GlobalKind.Dict or GlobalKind.DefaultDict => new Dictionary<object, object?>(),
        GlobalKind.List => new List<object?>(),
        GlobalKind.Set => new HashSet<object>(),
        GlobalKind.Tuple => Call(args, source, at),
        _ => throw Error(source, at, "cannot be instantiated from a pickle here"),
    };

    private static IEnumerable<object?> Items(object? v, string source, long at) => v switch
    {
        List<object?> l => l,
        PickleTuple t => t,
        HashSet<object> s => s,
        _ => throw new DataFormatException(source, null, at, $"expected a list, tuple or set; found {Unpickler.Describe(v)}"),
    };

    private static object Key(object? k, string source, long at) => k switch
    {
        null => Pickle.NoneKey,
        string or long or bool or double or BigInteger or PickleTuple or byte[] => k,
        _ => throw new DataFormatException(source, null, at, $"{Unpickler.Describe(k)} cannot be a dictionary key (unhashable)"),
    };

    internal static long[] Longs(object? v, string source, long at)
    {
        if (v is not PickleTuple t) throw new DataFormatException(source, null, at, $"expected a tuple of integers; found {Unpickler.Describe(v)}");
        var r = new long[t.Count];
        for (var i = 0; i < r.Length; i++)
            r[i] = t[i] is long l ? l : throw new DataFormatException(source, null, at, $"expected a tuple of integers; item {i} is {Unpickler.Describe(t[i])}");
        return r;
    }

    internal static byte[] RawBytes(object? v, string source, long at)
    {
        switch (v)
        {
            case byte[] b:
                return b;
            case string s:
                // Python 2 str read with encoding='latin1': every char is one byte.
                foreach (var c in s)
                    if (c > 0xFF) throw new DataFormatException(source, null, at, "array data is a string with characters above U+00FF; expected bytes");
                return Encoding.Latin1.GetBytes(s);
            default:
                throw new DataFormatException(source, null, at, $"array data is {Unpickler.Describe(v)}; expected bytes (object arrays are not supported)");
        }
    }

    private static object? ScalarOf(NpyArray a, string source, long at)
    {
        if (a.Strings is { } s) return s[0];
        var t = a.Tensor!;
        return t.DType switch
        {
            DType.Float32 or DType.Float64 => t.ToDouble(),
            DType.Bool => t.Item<bool>(),
            DType.Int32 => (long)t.Item<int>(),
            DType.Int64 => t.Item<long>(),
            _ => throw new DataFormatException(source, null, at, $"unsupported scalar dtype {t.DType}"),
        };
    }
}

/// <summary>The allow-list: every global a pickle may name, and what it becomes.</summary>
internal static class PickleGlobals
{
    private static readonly Dictionary<string, Func<string, PickleGlobal>> s_allowed = Build();

    private static Dictionary<string, Func<string, PickleGlobal>> Build()
    {
        var d = new Dictionary<string, Func<string, PickleGlobal>>(StringComparer.Ordinal);
        void Add(GlobalKind kind, params string[] names)
        {
            foreach (var n in names) d[n] = full => new PickleGlobal(full, kind);
        }
        Add(GlobalKind.NdarrayReconstruct, "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct");
        Add(GlobalKind.NdarrayType, "numpy.ndarray");
        Add(GlobalKind.NumpyDType, "numpy.dtype");
        Add(GlobalKind.NumpyScalar, "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar");
        Add(GlobalKind.NumpyFromBuffer, "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer");
        foreach (var (fmt, kind) in new[] { ("csr", SparseFormat.Csr), ("csc", SparseFormat.Csc), ("coo", SparseFormat.Coo) })
        {
            foreach (var n in new[] { $"scipy.sparse.{fmt}.{fmt}_matrix", $"scipy.sparse._{fmt}.{fmt}_matrix", $"scipy.sparse._{fmt}.{fmt}_array", $"scipy.sparse._arrays.{fmt}_array" })
                d[n] = full => new PickleGlobal(full, GlobalKind.SparseMatrix, kind);
        }
        Add(GlobalKind.DefaultDict, "collections.defaultdict");
        Add(GlobalKind.OrderedDict, "collections.OrderedDict");
        foreach (var b in new[] { "__builtin__", "builtins" })
        {
            Add(GlobalKind.List, $"{b}.list");
            Add(GlobalKind.Dict, $"{b}.dict");
            Add(GlobalKind.Set, $"{b}.set");
            Add(GlobalKind.FrozenSet, $"{b}.frozenset");
            Add(GlobalKind.Tuple, $"{b}.tuple");
            Add(GlobalKind.Int, $"{b}.int", $"{b}.long");
            Add(GlobalKind.Float, $"{b}.float");
            Add(GlobalKind.Bool, $"{b}.bool");
            Add(GlobalKind.Object, $"{b}.object");
        }
        Add(GlobalKind.CodecsEncode, "_codecs.encode");
        Add(GlobalKind.CopyRegReconstructor, "copy_reg._reconstructor", "copyreg._reconstructor");
        Add(GlobalKind.TorchRebuildTensor, "torch._utils._rebuild_tensor");
        Add(GlobalKind.TorchRebuildTensorV2, "torch._utils._rebuild_tensor_v2");
        Add(GlobalKind.TorchRebuildParameter, "torch._utils._rebuild_parameter");
        Add(GlobalKind.TorchSize, "torch.Size");
        foreach (var (n, e) in new[]
        {
            ("FloatStorage", TorchElement.Float32), ("DoubleStorage", TorchElement.Float64), ("HalfStorage", TorchElement.Float16),
            ("BFloat16Storage", TorchElement.BFloat16), ("LongStorage", TorchElement.Int64), ("IntStorage", TorchElement.Int32),
            ("ShortStorage", TorchElement.Int16), ("CharStorage", TorchElement.Int8), ("ByteStorage", TorchElement.UInt8),
            ("BoolStorage", TorchElement.Bool),
        })
        {
            d[$"torch.{n}"] = full => new PickleGlobal(full, GlobalKind.TorchStorage, element: e);
        }
        return d;
    }

    /// <summary>Resolves <c>module.name</c> against the allow-list.</summary>
    /// <exception cref="UnsafePickleException">The name is not on the list.</exception>
    public static PickleGlobal Resolve(string module, string name, string source, long at)
    {
        var full = $"{module}.{name}";
        return s_allowed.TryGetValue(full, out var make) ? make(full) : throw new UnsafePickleException(source, at, full);
    }
}

/// <summary>A NumPy dtype as pickled: a type code and a byte order.</summary>
internal sealed record NumpyDType(string Code, char Order, bool Structured)
{
    public static NumpyDType From(object? v, string source, long at) => v switch
    {
        NumpyDType d => d,
        PendingDType p => new NumpyDType(p.Code, '<', false),
        _ => throw new DataFormatException(source, null, at, $"expected a numpy dtype; found {Unpickler.Describe(v)}"),
    };

    public NpyArray Decode(byte[] raw, long[] shape, bool fortran, string source, long at)
    {
        if (Structured) throw new DataFormatException(source, null, at, $"structured dtype '{Code}' is not supported");
        if (Code.Length > 0 && Code[0] is 'O' or 'V')
            throw new DataFormatException(source, null, at, $"dtype '{Code}' (object or void) is not supported: only numeric, bool and string arrays are");
        var order = Order is '>' ? '>' : Order is '|' ? '|' : '<';
        return Npy.Decode(raw, 0, raw.Length, order + Code, shape, fortran, source);
    }
}

/// <summary><c>numpy.dtype(code, align, copy)</c> before its BUILD sets the byte order.</summary>
internal sealed class PendingDType(string code) : IPending
{
    public string Code { get; } = code;

    public string What => "numpy dtype";

    public object? Build(object? state, string source, long at)
    {
        if (state is not PickleTuple { Count: >= 2 } t || t[1] is not string order || order.Length != 1)
            throw new DataFormatException(source, null, at, "numpy dtype state is not (version, byteorder, ...)");
        var structured = (t.Count > 2 && t[2] is not null) || (t.Count > 3 && t[3] is not null);
        return new NumpyDType(Code, order[0], structured);
    }
}

/// <summary><c>numpy.core.multiarray._reconstruct(ndarray, ...)</c> before its BUILD supplies shape, dtype and data.</summary>
internal sealed class PendingArray : IPending
{
    public string What => "numpy array";

    public object? Build(object? state, string source, long at)
    {
        // (version, shape, dtype, is_fortran, data), or the older form without the version.
        if (state is not PickleTuple { Count: 4 or 5 } t)
            throw new DataFormatException(source, null, at, $"numpy array state is {Unpickler.Describe(state)}; expected (version, shape, dtype, is_fortran, data)");
        var o = t.Count == 5 ? 1 : 0;
        var shape = PickleGlobal.Longs(t[o], source, at);
        var dtype = NumpyDType.From(t[o + 1], source, at);
        if (t[o + 2] is not bool fortran) throw new DataFormatException(source, null, at, "numpy array state: is_fortran is not a bool");
        var raw = PickleGlobal.RawBytes(t[o + 3], source, at);
        return dtype.Decode(raw, shape, fortran, source, at);
    }
}

/// <summary>A SciPy sparse matrix created by NEWOBJ before its BUILD supplies the arrays.</summary>
internal sealed class PendingSparse(SparseFormat format) : IPending
{
    public string What => "scipy sparse matrix";

    public object? Build(object? state, string source, long at)
    {
        if (state is not Dictionary<object, object?> d)
            throw new DataFormatException(source, null, at, $"scipy sparse state is {Unpickler.Describe(state)}; expected its __dict__");
        var shapeValue = d.GetValueOrDefault("_shape") ?? d.GetValueOrDefault("shape");
        var shape = PickleGlobal.Longs(shapeValue, source, at);
        if (shape.Length != 2) throw new DataFormatException(source, null, at, $"scipy sparse shape has {shape.Length} dimensions; expected 2");
        Tensor Part(string key) => d.GetValueOrDefault(key) is NpyArray { Tensor: { } t } ? t
            : throw new DataFormatException(source, null, at, $"scipy {format.ToString().ToLowerInvariant()} matrix lacks the numeric array '{key}'");
        var where = $"{source}: byte {at}";
        return format == SparseFormat.Coo
            ? ScipySparseMatrix.CreateCoo(shape[0], shape[1], Part("row"), Part("col"), Part("data"), where)
            : ScipySparseMatrix.CreateCompressed(format, shape[0], shape[1], Part("indptr"), Part("indices"), Part("data"), where);
    }
}

/// <summary>A torch storage named by a persistent id; its bytes arrive after the pickle (legacy format) or from a
/// zip entry.</summary>
internal sealed class TorchStorageRef(string key, TorchElement element, long numel)
{
    public string Key { get; } = key;
    public TorchElement Element { get; } = element;
    public long Numel { get; } = numel;
    public byte[]? Data { get; set; }
    public TorchStorageRef? Root { get; init; }
    public long RootOffset { get; init; }

    public static int ElementSize(TorchElement e) => e switch
    {
        TorchElement.Float64 or TorchElement.Int64 => 8,
        TorchElement.Float32 or TorchElement.Int32 => 4,
        TorchElement.Float16 or TorchElement.BFloat16 or TorchElement.Int16 => 2,
        _ => 1,
    };
}

/// <summary>A tensor view of a storage (<c>_rebuild_tensor_v2</c>), materialised once the storage's bytes are read.</summary>
internal sealed record TorchTensorRef(TorchStorageRef Storage, long Offset, long[] Size, long[] Stride);
