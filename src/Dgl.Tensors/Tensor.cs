using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dgl.Tensors.Autograd;

namespace Dgl.Tensors;

/// <summary>
/// An n-dimensional array of float32, float64, int32, int64 or bool with reverse-mode autograd.
/// </summary>
/// <remarks>
/// <para>Storage is always contiguous and row-major. A view (<see cref="Reshape(int[])"/>, <see cref="Slice"/>,
/// the row indexer, <see cref="Squeeze(int)"/>, <see cref="Detach"/>) shares its parent's array at an offset;
/// everything else allocates. Keeping every tensor contiguous lets every kernel take a plain span; ops that would
/// be strided views in PyTorch (transpose, permute, expand) copy, and <see cref="MatMul(Tensor, bool, bool)"/>
/// folds transposes into the GEMM instead. A large new tensor (from the GC's large-object threshold up) starts at
/// the first cache-line boundary of an array one line longer than it needs, so internal code reads storage through
/// <c>Offset</c> always, never from element 0.</para>
/// <para>Autograd: set <see cref="RequiresGrad"/> on a leaf, compute, call <see cref="Backward(Tensor?, bool)"/>
/// on a scalar, read <see cref="Grad"/>. Ops record a <see cref="GradNode"/> only while
/// <see cref="GradMode.IsEnabled"/> and some input requires a gradient.</para>
/// </remarks>
/// <example>
/// <code>
/// var w = Tensor.Randn([3, 2], generator: new Generator(0)).RequireGrad();
/// var x = Tensor.Ones(4, 3);
/// var loss = x.MatMul(w).Relu().Sum();
/// loss.Backward();
/// Console.WriteLine(w.Grad);   // tensor([[...]], shape=[3, 2])
/// </code>
/// </example>
public partial class Tensor
{
    private readonly Shape _shape;
    private bool _requiresGrad;
    private Tensor? _grad;

    /// <summary>Creates a tensor over <paramref name="data"/> starting at <paramref name="offset"/> (no copy).</summary>
    internal Tensor(Array data, int offset, Shape shape, DType dtype)
    {
        Debug.Assert(data.GetType().GetElementType() == dtype.ClrType());
        Debug.Assert(offset >= 0 && offset + shape.NumElements <= data.Length);
        Data = data;
        Offset = offset;
        _shape = shape;
        DType = dtype;
    }

    /// <summary>Creates a tensor that shares <paramref name="other"/>'s storage and shape (used by subclasses such as parameters).</summary>
    protected Tensor(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Data = other.Data;
        Offset = other.Offset;
        _shape = other._shape;
        DType = other.DType;
    }

    /// <summary>The backing array (float[], double[], int[], long[] or bool[]), shared by views.</summary>
    internal Array Data { get; }

    /// <summary>Index of this tensor's first element in <see cref="Data"/>.</summary>
    internal int Offset { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public Shape Shape => _shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Rank;

    /// <summary>Number of elements (product of the dimensions).</summary>
    public int NumElements => _shape.NumElements;

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => _shape[dim];

    /// <summary>True when this tensor is a window onto part of a larger storage (a row, a slice, a chunk).</summary>
    public bool IsView
    {
        get
        {
            // A padded storage (see Allocate) holds its tensor at the recorded start, one cache line short of its length.
            if (!s_storageStart.TryGetValue(Data, out var start)) return Offset != 0 || NumElements != Data.Length;
            return Offset != start.Value || NumElements != Data.Length - Padding(DType.ElementSize());
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // Element access
    // ----------------------------------------------------------------------------------------------------------

    /// <summary>The elements as a span over the shared storage (writes are visible to every view).</summary>
    /// <exception cref="TensorDTypeException"><typeparamref name="T"/> does not match <see cref="DType"/>.</exception>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        if (Data is not T[] arr)
            throw new TensorDTypeException($"AsSpan<{typeof(T).Name}>: the tensor has dtype {DType.Name()}; use AsSpan<{DType.ClrType().Name}>() or convert with To()");
        return MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(arr), Offset), NumElements);
    }

    /// <summary>The elements as a span, without the dtype check (callers have checked).</summary>
    internal Span<T> Span<T>() where T : unmanaged
    {
        Debug.Assert(Data is T[]);
        return MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Unsafe.As<T[]>(Data)), Offset), NumElements);
    }

    /// <summary>A reference to the first element (for kernels that index with pointers or refs).</summary>
    internal ref T Ref<T>() where T : unmanaged
    {
        Debug.Assert(Data is T[]);
        return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Unsafe.As<T[]>(Data)), Offset);
    }

    /// <summary>A copy of the elements in row-major order.</summary>
    public T[] ToArray<T>() where T : unmanaged => AsSpan<T>().ToArray();

    /// <summary>The value of a one-element tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element.</exception>
    public T Item<T>() where T : unmanaged
    {
        if (NumElements != 1)
            throw new InvalidOperationException($"Item: the tensor has shape {Shape} ({NumElements} elements); only one-element tensors convert to a scalar");
        return AsSpan<T>()[0];
    }

    /// <summary>The value of a one-element tensor as a double, whatever its dtype.</summary>
    public double ToDouble()
    {
        if (NumElements != 1)
            throw new InvalidOperationException($"ToDouble: the tensor has shape {Shape} ({NumElements} elements); only one-element tensors convert to a scalar");
        return GetAsDouble(0);
    }

    /// <summary>The element at a full index (one coordinate per dimension; negative counts from the end).</summary>
    public T Item<T>(params ReadOnlySpan<int> index) where T : unmanaged => AsSpan<T>()[FlatIndex(index)];

    /// <summary>Sets the element at a full index.</summary>
    public void SetItem<T>(T value, params ReadOnlySpan<int> index) where T : unmanaged => AsSpan<T>()[FlatIndex(index)] = value;

    /// <summary>Row <paramref name="index"/> along dimension 0, as a view (negative counts from the end).</summary>
    [IndexerName("Row")]
    public Tensor this[int index]
    {
        get
        {
            if (Rank == 0)
                throw new TensorShapeException("indexing a scalar tensor (shape []) is not possible; use Item<T>()");
            var n = _shape[0];
            var i = index < 0 ? index + n : index;
            if ((uint)i >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is out of range for dimension 0 of size {n}");
            return Select0(i);
        }
    }

    /// <summary>Rows <paramref name="range"/> along dimension 0, as a view.</summary>
    [IndexerName("Row")]
    public Tensor this[Range range]
    {
        get
        {
            if (Rank == 0)
                throw new TensorShapeException("slicing a scalar tensor (shape []) is not possible");
            var (start, length) = range.GetOffsetAndLength(_shape[0]);
            return Slice(start, start + length);
        }
    }

    internal int FlatIndex(ReadOnlySpan<int> index)
    {
        if (index.Length != Rank)
            throw new ArgumentException($"an index with {index.Length} coordinates was given for a tensor of shape {Shape}; expected {Rank}", nameof(index));
        var flat = 0;
        var dims = _shape.Dims;
        for (var d = 0; d < index.Length; d++)
        {
            var i = index[d] < 0 ? index[d] + dims[d] : index[d];
            if ((uint)i >= (uint)dims[d])
                throw new ArgumentOutOfRangeException(nameof(index), $"index {index[d]} is out of range for dimension {d} of size {dims[d]} (shape {Shape})");
            flat = flat * dims[d] + i;
        }
        return flat;
    }

    /// <summary>Reads element <paramref name="flat"/> (row-major) converted to double.</summary>
    internal double GetAsDouble(int flat) => Data switch
    {
        float[] f => f[Offset + flat],
        double[] d => d[Offset + flat],
        int[] i => i[Offset + flat],
        long[] l => l[Offset + flat],
        bool[] b => b[Offset + flat] ? 1 : 0,
        _ => throw new InvalidOperationException("unknown storage"),
    };

    // ----------------------------------------------------------------------------------------------------------
    // Autograd
    // ----------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Whether gradients flow to this tensor. Settable on leaves (tensors no op produced); true for every op
    /// output that depends on a tensor requiring a gradient.
    /// </summary>
    /// <exception cref="TensorDTypeException">Set to true on a non-floating-point tensor.</exception>
    /// <exception cref="InvalidOperationException">Set on a non-leaf tensor.</exception>
    public bool RequiresGrad
    {
        get => _requiresGrad || GradFn is not null;
        set
        {
            if (GradFn is not null)
                throw new InvalidOperationException($"RequiresGrad can only be set on leaf tensors; this tensor was produced by {GradFn.Name}. Use Detach() to get a leaf");
            if (value && !DType.IsFloatingPoint())
                throw new TensorDTypeException($"only floating-point tensors can require gradients; this tensor has dtype {DType.Name()}");
            _requiresGrad = value;
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor (for chaining).</summary>
    public Tensor RequireGrad(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>The gradient accumulated by <see cref="Backward(Tensor?, bool)"/> (leaves only), or null.</summary>
    /// <exception cref="TensorShapeException">Assigned a tensor of another shape or dtype.</exception>
    public Tensor? Grad
    {
        get => _grad;
        set
        {
            if (value is not null && (value.Shape != Shape || value.DType != DType))
                throw new TensorShapeException($"Grad: assigned gradient has shape {value.Shape} and dtype {value.DType.Name()}; the tensor has shape {Shape} and dtype {DType.Name()}");
            _grad = value;
        }
    }

    /// <summary>The node that produced this tensor, or null for a leaf.</summary>
    public GradNode? GradFn { get; private set; }

    /// <summary>True when no recorded op produced this tensor.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>Attaches the node that produced this tensor (ops call this on their fresh outputs).</summary>
    internal Tensor WithGradFn(GradNode node)
    {
        Debug.Assert(GradFn is null);
        GradFn = node;
        return this;
    }

    /// <summary>
    /// Computes the gradient of this tensor with respect to every leaf that requires one, and adds it to the
    /// leaf's <see cref="Grad"/>.
    /// </summary>
    /// <param name="gradient">d(loss)/d(this); omit for a one-element tensor (it is then 1).</param>
    /// <param name="retainGraph">Keep saved tensors so that backward can run through the same graph again.</param>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) => Engine.Run(this, gradient, retainGraph);

    /// <summary>A tensor sharing this one's storage, cut from the autograd graph (a leaf that does not require grad).</summary>
    public Tensor Detach() => new(Data, Offset, _shape, DType);

    // ----------------------------------------------------------------------------------------------------------
    // Internal constructors for ops
    // ----------------------------------------------------------------------------------------------------------

    /// <summary>An uninitialised tensor, for ops that overwrite every element.</summary>
    internal static Tensor Uninitialized(Shape shape, DType dtype) => Allocate(shape, dtype, zeroed: false);

    /// <summary>Bytes from which a new tensor's elements start on a cache-line boundary: the GC's large-object
    /// threshold (85,000 bytes, or what <c>System.GC.LOHThreshold</c> sets; our programs set 16 MiB, which the regions
    /// GC caps at about 4 MiB).</summary>
    /// <remarks>Arrays this large live on the large-object heap, which the GC does not move, so an alignment found
    /// once holds. Smaller ones may move at any collection; they are left as the runtime places them.</remarks>
    internal static readonly long AlignFromBytes = LargeObjectThreshold();

    /// <summary>The alignment of large tensors' first element, in bytes: one cache line.</summary>
    internal const int Alignment = 64;

    // Where the elements of a padded storage array start (only large tensors have one; see IsView).
    private static readonly ConditionalWeakTable<Array, StrongBox<int>> s_storageStart = new();

    /// <summary>
    /// A new tensor's storage. From <see cref="AlignFromBytes"/> up the array is a cache line longer than needed and
    /// the tensor starts at its first 64-byte boundary: the runtime places large arrays 8 to 56 bytes past a line,
    /// so without this a gathered 64-byte feature row spans two lines (measured: a g-SpMM with F = 16 over 20M edges
    /// ran 13% slower on a misaligned feature array, in C and in C# alike) and every vector store splits.
    /// </summary>
    internal static Tensor Allocate(Shape shape, DType dtype, bool zeroed)
    {
        var n = shape.NumElements;
        var size = dtype.ElementSize();
        var bytes = (long)n * size;
        TensorMemory.OnAllocate(bytes);
        var pad = bytes >= AlignFromBytes ? Padding(size) : 0;
        var length = checked(n + pad);
        // Huge-page advice must come before the first write, so such storage is taken uninitialised and cleared after.
        var advise = bytes >= HugePages.MinBytes && HugePages.Enabled;
        var runtimeZeroes = zeroed && !advise;
        Array data = dtype switch
        {
            DType.Float32 => NewArray<float>(length, runtimeZeroes),
            DType.Float64 => NewArray<double>(length, runtimeZeroes),
            DType.Int32 => NewArray<int>(length, runtimeZeroes),
            DType.Int64 => NewArray<long>(length, runtimeZeroes),
            DType.Bool => NewArray<bool>(length, runtimeZeroes),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
        };
        if (advise)
        {
            HugePages.Advise(AddressOf(data), (long)length * size);
            if (zeroed) Array.Clear(data);
        }
        if (pad == 0) return new Tensor(data, 0, shape, dtype);
        var start = (int)(-AddressOf(data) & (Alignment - 1)) / size;
        s_storageStart.Add(data, new StrongBox<int>(start));
        return new Tensor(data, start, shape, dtype);
    }

    private static T[] NewArray<T>(int length, bool zeroed) => zeroed ? new T[length] : GC.AllocateUninitializedArray<T>(length);

    /// <summary>Elements a padded storage holds beyond its tensor's (one cache line's worth, less one element).</summary>
    private static int Padding(int elementSize) => Alignment / elementSize - 1;

    private static long LargeObjectThreshold() =>
        GC.GetConfigurationVariables().TryGetValue("LOHThreshold", out var v) && v is long bytes && bytes > 85_000 ? bytes : 85_000;

    private static unsafe nint AddressOf(Array data)
    {
        fixed (byte* p = &MemoryMarshal.GetArrayDataReference(data)) return (nint)p;
    }

    /// <summary>An uninitialised tensor with this tensor's shape and dtype.</summary>
    internal Tensor EmptyLike() => Uninitialized(_shape, DType);

    /// <summary>A view with another shape over the same elements (the counts must match; not recorded by autograd).</summary>
    internal Tensor ViewAs(Shape shape)
    {
        Debug.Assert(shape.NumElements == NumElements);
        return new Tensor(Data, Offset, shape, DType);
    }

    private Tensor Select0(int i)
    {
        var rowShape = Shape.Wrap(_shape.Dims[1..]);
        var rowSize = rowShape.NumElements;
        var view = new Tensor(Data, Offset + i * rowSize, rowShape, DType);
        if (GradMode.IsEnabled && RequiresGrad)
            view.WithGradFn(new SliceBackward(this, i, i + 1, squeeze: true));
        return view;
    }

    /// <summary>Rows [<paramref name="start"/>, <paramref name="end"/>) along dimension 0, as a view.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not within 0..Size(0).</exception>
    public Tensor Slice(int start, int end)
    {
        if (Rank == 0)
            throw new TensorShapeException("Slice: a scalar tensor (shape []) has no rows");
        var n = _shape[0];
        if (start < 0 || end > n || start > end)
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice: rows [{start}, {end}) are not within dimension 0 of size {n}");
        var dims = _shape.ToArray();
        dims[0] = end - start;
        var rowSize = _shape.Product(1, Rank);
        var view = new Tensor(Data, Offset + start * rowSize, Shape.Wrap(dims), DType);
        if (GradMode.IsEnabled && RequiresGrad)
            view.WithGradFn(new SliceBackward(this, start, end, squeeze: false));
        return view;
    }

    private sealed class SliceBackward : GradNode
    {
        private readonly Shape _inputShape;
        private readonly int _start;

        public SliceBackward(Tensor input, int start, int end, bool squeeze) : base(input)
        {
            Debug.Assert(end > start || !squeeze);
            _inputShape = input.Shape;
            _start = start;
        }

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var g = Zeros(_inputShape, grad.DType);
            grad.CopyToFlat(g, _start * _inputShape.Product(1, _inputShape.Rank));
            return [g];
        }
    }

    /// <summary>Copies all elements into <paramref name="dest"/> starting at flat position <paramref name="destOffset"/>.</summary>
    internal void CopyToFlat(Tensor dest, int destOffset)
    {
        Debug.Assert(dest.DType == DType);
        Array.Copy(Data, Offset, dest.Data, dest.Offset + destOffset, NumElements);
    }
}
