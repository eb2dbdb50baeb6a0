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
/// folds transposes into the GEMM instead.</para>
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

    /// <summary>True when this tensor shares its storage with another (it is a view, or was viewed).</summary>
    public bool IsView => Offset != 0 || NumElements != Data.Length;

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
    internal static Tensor Uninitialized(Shape shape, DType dtype)
    {
        var n = shape.NumElements;
        TensorMemory.OnAllocate((long)n * dtype.ElementSize());
        Array data = dtype switch
        {
            DType.Float32 => GC.AllocateUninitializedArray<float>(n),
            DType.Float64 => GC.AllocateUninitializedArray<double>(n),
            DType.Int32 => GC.AllocateUninitializedArray<int>(n),
            DType.Int64 => GC.AllocateUninitializedArray<long>(n),
            DType.Bool => GC.AllocateUninitializedArray<bool>(n),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
        };
        return new Tensor(data, 0, shape, dtype);
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
