using Dgl.Tensors.Autograd;
using Dgl.Tensors.Kernels;

namespace Dgl.Tensors;

public partial class Tensor
{
    /// <summary>A float32 tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => Zeros(new Shape(shape));

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32) => Allocate(shape, dtype, zeroed: true);

    /// <summary>A float32 tensor of ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(new Shape(shape), 1);

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(Shape shape, DType dtype = DType.Float32) => Full(shape, 1, dtype);

    /// <summary>A tensor whose every element is <paramref name="value"/> (converted to <paramref name="dtype"/>).</summary>
    public static Tensor Full(Shape shape, double value, DType dtype = DType.Float32)
    {
        var t = Uninitialized(shape, dtype);
        t.FillRaw(value);
        return t;
    }

    /// <summary>An uninitialised tensor (contents are whatever memory held; overwrite every element).</summary>
    public static Tensor Empty(Shape shape, DType dtype = DType.Float32) => Uninitialized(shape, dtype);

    /// <summary>A one-element, rank-0 tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full(default, value, dtype);

    /// <summary>Zeros with <paramref name="like"/>'s shape (and dtype unless given).</summary>
    public static Tensor ZerosLike(Tensor like, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Zeros(like.Shape, dtype ?? like.DType);
    }

    /// <summary>Ones with <paramref name="like"/>'s shape (and dtype unless given).</summary>
    public static Tensor OnesLike(Tensor like, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Full(like.Shape, 1, dtype ?? like.DType);
    }

    /// <summary>Integers start, start+1, …, end-1.</summary>
    public static Tensor Arange(long start, long end, DType dtype = DType.Int64)
    {
        if (end < start)
            throw new ArgumentOutOfRangeException(nameof(end), $"Arange: end {end} is below start {start}");
        var n = checked((int)(end - start));
        var t = Uninitialized([n], dtype);
        switch (dtype)
        {
            case DType.Int64: { var s = t.Span<long>(); for (var i = 0; i < n; i++) s[i] = start + i; break; }
            case DType.Int32: { var s = t.Span<int>(); for (var i = 0; i < n; i++) s[i] = checked((int)(start + i)); break; }
            case DType.Float32: { var s = t.Span<float>(); for (var i = 0; i < n; i++) s[i] = start + i; break; }
            case DType.Float64: { var s = t.Span<double>(); for (var i = 0; i < n; i++) s[i] = start + i; break; }
            default: throw new TensorDTypeException($"Arange: dtype {dtype.Name()} is not supported; expected a numeric dtype");
        }
        return t;
    }

    /// <summary>Integers 0, 1, …, end-1.</summary>
    public static Tensor Arange(long end, DType dtype = DType.Int64) => Arange(0, end, dtype);

    /// <summary>start, start+step, … while below <paramref name="end"/> (above, for a negative step).</summary>
    public static Tensor Arange(double start, double end, double step, DType dtype = DType.Float32)
    {
        if (step == 0 || double.IsNaN(step))
            throw new ArgumentOutOfRangeException(nameof(step), $"Arange: step must be non-zero; got {step}");
        var n = Math.Max(0, (int)Math.Ceiling((end - start) / step));
        var t = Uninitialized([n], dtype);
        for (var i = 0; i < n; i++) t.SetRaw(i, start + i * step);
        return t;
    }

    /// <summary>An identity matrix with <paramref name="n"/> rows and <paramref name="m"/> (default n) columns.</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32)
    {
        var cols = m ?? n;
        var t = Zeros([n, cols], dtype);
        for (var i = 0; i < Math.Min(n, cols); i++) t.SetRaw(i * cols + i, 1);
        return t;
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/>; shape defaults to one dimension.</summary>
    /// <exception cref="TensorShapeException">The shape's element count differs from the data's length.</exception>
    public static Tensor From<T>(ReadOnlySpan<T> data, Shape? shape = null) where T : unmanaged
    {
        var s = shape ?? new Shape(data.Length);
        if (s.NumElements != data.Length)
            throw new TensorShapeException($"From: shape {s} has {s.NumElements} elements but {data.Length} values were given");
        var t = Uninitialized(s, DTypes.Of<T>());
        data.CopyTo(t.Span<T>());
        return t;
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor From<T>(T[] data, Shape? shape = null) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return From<T>(data.AsSpan(), shape);
    }

    /// <summary>A tensor holding a copy of a 2-D array.</summary>
    public static Tensor From<T>(T[,] data) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        var rows = data.GetLength(0);
        var cols = data.GetLength(1);
        var t = Uninitialized([rows, cols], DTypes.Of<T>());
        var s = t.Span<T>();
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
                s[i * cols + j] = data[i, j];
        return t;
    }

    /// <summary>A tensor over <paramref name="data"/> itself (no copy: writes to either are seen by both).</summary>
    public static Tensor FromArray<T>(T[] data, Shape? shape = null) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        var s = shape ?? new Shape(data.Length);
        if (s.NumElements != data.Length)
            throw new TensorShapeException($"FromArray: shape {s} has {s.NumElements} elements but the array has {data.Length}");
        return new Tensor(data, 0, s, DTypes.Of<T>());
    }

    // ---- random ----

    /// <summary>Uniform values in [0, 1).</summary>
    public static Tensor Rand(Shape shape, DType dtype = DType.Float32, Generator? generator = null) =>
        Uniform(shape, 0, 1, dtype, generator);

    /// <summary>Uniform values in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform(Shape shape, double low, double high, DType dtype = DType.Float32, Generator? generator = null)
    {
        var gen = generator ?? Generator.Default;
        var t = Uninitialized(shape, dtype);
        var n = t.NumElements;
        var start = gen.Reserve(n);
        var scale = high - low;
        switch (dtype)
        {
            case DType.Float32:
                Parallelism.For(n, Parallelism.ElementwiseGrain, (s, e) =>
                {
                    var d = t.Span<float>();
                    for (var i = s; i < e; i++) d[i] = (float)(low + scale * gen.UniformFloatAt(start + i));
                });
                break;
            case DType.Float64:
                Parallelism.For(n, Parallelism.ElementwiseGrain, (s, e) =>
                {
                    var d = t.Span<double>();
                    for (var i = s; i < e; i++) d[i] = low + scale * gen.UniformDoubleAt(start + i);
                });
                break;
            default:
                throw new TensorDTypeException($"Uniform: dtype {dtype.Name()} is not supported; expected float32 or float64");
        }
        return t;
    }

    /// <summary>Standard normal values.</summary>
    public static Tensor Randn(Shape shape, DType dtype = DType.Float32, Generator? generator = null) =>
        Normal(shape, 0, 1, dtype, generator);

    /// <summary>Normal values with the given mean and standard deviation (Box–Muller, pairs of draws).</summary>
    public static Tensor Normal(Shape shape, double mean, double std, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (!dtype.IsFloatingPoint())
            throw new TensorDTypeException($"Normal: dtype {dtype.Name()} is not supported; expected float32 or float64");
        var gen = generator ?? Generator.Default;
        var t = Uninitialized(shape, dtype);
        var n = t.NumElements;
        var pairs = (n + 1) / 2;
        var start = gen.Reserve(2L * pairs);
        Parallelism.For(pairs, Parallelism.ElementwiseGrain / 2, (s, e) =>
        {
            for (var p = s; p < e; p++)
            {
                var u1 = 1.0 - gen.UniformDoubleAt(start + 2L * p);   // (0, 1]: log is finite
                var u2 = gen.UniformDoubleAt(start + 2L * p + 1);
                var r = Math.Sqrt(-2.0 * Math.Log(u1));
                var (sin, cos) = Math.SinCos(2 * Math.PI * u2);
                t.SetRaw(2 * p, mean + std * r * cos);
                if (2 * p + 1 < n) t.SetRaw(2 * p + 1, mean + std * r * sin);
            }
        });
        return t;
    }

    /// <summary>Integers uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor RandInt(long low, long high, Shape shape, DType dtype = DType.Int64, Generator? generator = null)
    {
        if (high <= low)
            throw new ArgumentOutOfRangeException(nameof(high), $"RandInt: high {high} must be above low {low}");
        if (!dtype.IsInteger())
            throw new TensorDTypeException($"RandInt: dtype {dtype.Name()} is not supported; expected int32 or int64");
        var gen = generator ?? Generator.Default;
        var t = Uninitialized(shape, dtype);
        var n = t.NumElements;
        var start = gen.Reserve(n);
        var range = high - low;
        Parallelism.For(n, Parallelism.ElementwiseGrain, (s, e) =>
        {
            for (var i = s; i < e; i++) t.SetRaw(i, low + Generator.IntBelow(gen.At(start + i), range));
        });
        return t;
    }

    /// <summary>A random permutation of 0..n-1 (Fisher–Yates).</summary>
    public static Tensor RandPerm(int n, DType dtype = DType.Int64, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var gen = generator ?? Generator.Default;
        var perm = new int[n];
        for (var i = 0; i < n; i++) perm[i] = i;
        var start = gen.Reserve(n);
        for (var i = n - 1; i > 0; i--)
        {
            var j = (int)Generator.IntBelow(gen.At(start + i), i + 1);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return dtype == DType.Int32 ? FromArray(perm) : FromArray(perm).To(dtype);
    }

    // ---- copies and conversions ----

    /// <summary>A copy with its own storage; differentiable (the gradient passes through unchanged).</summary>
    public Tensor Clone()
    {
        var t = EmptyLike();
        Array.Copy(Data, Offset, t.Data, t.Offset, NumElements);
        if (GradMode.IsEnabled && RequiresGrad) t.WithGradFn(new IdentityBackward(this));
        return t;
    }

    /// <summary>This tensor converted to <paramref name="dtype"/> (this tensor itself when already that dtype).
    /// Differentiable between float32 and float64.</summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType) return this;
        var t = Uninitialized(_shape, dtype);
        Convert(this, t);
        if (GradMode.IsEnabled && RequiresGrad && dtype.IsFloatingPoint()) t.WithGradFn(new ToBackward(this));
        return t;
    }

    /// <summary>Converted to float32.</summary>
    public Tensor Float() => To(DType.Float32);

    /// <summary>Converted to float64.</summary>
    public Tensor Double() => To(DType.Float64);

    /// <summary>Converted to int32 (floats truncate toward zero).</summary>
    public Tensor Int() => To(DType.Int32);

    /// <summary>Converted to int64 (floats truncate toward zero).</summary>
    public Tensor Long() => To(DType.Int64);

    /// <summary>Converted to bool (non-zero is true).</summary>
    public Tensor Bool() => To(DType.Bool);

    private static void Convert(Tensor src, Tensor dst)
    {
        var n = src.NumElements;
        switch (src.DType, dst.DType)
        {
            case (DType.Float32, DType.Float64):
                System.Numerics.Tensors.TensorPrimitives.ConvertTruncating<float, double>(src.Span<float>(), dst.Span<double>());
                return;
            case (DType.Float64, DType.Float32):
                System.Numerics.Tensors.TensorPrimitives.ConvertTruncating<double, float>(src.Span<double>(), dst.Span<float>());
                return;
            case (DType.Int32, DType.Int64):
            {
                var s = src.Span<int>();
                var d = dst.Span<long>();
                for (var i = 0; i < n; i++) d[i] = s[i];
                return;
            }
            case (DType.Int64, DType.Int32):
            {
                var s = src.Span<long>();
                var d = dst.Span<int>();
                for (var i = 0; i < n; i++) d[i] = (int)s[i];
                return;
            }
            case (DType.Int32, DType.Float32):
            {
                var s = src.Span<int>();
                var d = dst.Span<float>();
                for (var i = 0; i < n; i++) d[i] = s[i];
                return;
            }
            case (DType.Int64, DType.Float32):
            {
                var s = src.Span<long>();
                var d = dst.Span<float>();
                for (var i = 0; i < n; i++) d[i] = s[i];
                return;
            }
            case (DType.Float32, DType.Int64):
            {
                var s = src.Span<float>();
                var d = dst.Span<long>();
                for (var i = 0; i < n; i++) d[i] = (long)s[i];
                return;
            }
            default:
                for (var i = 0; i < n; i++) dst.SetRaw(i, src.GetAsDouble(i));
                return;
        }
    }

    /// <summary>Writes element <paramref name="flat"/> from a double, converting to this tensor's dtype.</summary>
    internal void SetRaw(int flat, double value)
    {
        switch (Data)
        {
            case float[] f: f[Offset + flat] = (float)value; break;
            case double[] d: d[Offset + flat] = value; break;
            case int[] i: i[Offset + flat] = checked((int)value); break;
            case long[] l: l[Offset + flat] = checked((long)value); break;
            case bool[] b: b[Offset + flat] = value != 0; break;
            default: throw new InvalidOperationException("unknown storage");
        }
    }

    private void FillRaw(double value)
    {
        switch (DType)
        {
            case DType.Float32: Span<float>().Fill((float)value); break;
            case DType.Float64: Span<double>().Fill(value); break;
            case DType.Int32: Span<int>().Fill(checked((int)value)); break;
            case DType.Int64: Span<long>().Fill(checked((long)value)); break;
            case DType.Bool: Span<bool>().Fill(value != 0); break;
        }
    }

    // ---- in-place updates (never recorded by autograd) ----

    /// <summary>Sets every element to <paramref name="value"/>; returns this tensor.</summary>
    public Tensor FillInPlace(double value)
    {
        CheckInPlace("FillInPlace");
        FillRaw(value);
        return this;
    }

    /// <summary>Sets every element to zero; returns this tensor.</summary>
    public Tensor ZeroInPlace() => FillInPlace(0);

    /// <summary>Copies <paramref name="source"/>'s elements into this tensor (same shape, dtype converted); returns this tensor.</summary>
    /// <exception cref="TensorShapeException">The shapes differ.</exception>
    public Tensor CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        CheckInPlace("CopyFrom");
        if (source.NumElements != NumElements)
            throw new TensorShapeException($"CopyFrom: source has shape {source.Shape}; this tensor has shape {Shape}");
        if (source.DType == DType) Array.Copy(source.Data, source.Offset, Data, Offset, NumElements);
        else Convert(source, this);
        return this;
    }

    /// <summary>this += alpha · other (other broadcast to this tensor's shape); returns this tensor.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1)
    {
        ArgumentNullException.ThrowIfNull(other);
        CheckInPlace("AddInPlace");
        Check.SameDType("AddInPlace", this, other);
        var src = alpha == 1 ? other : other.MulScalarRaw(alpha);
        var plan = BroadcastPlan.Create("AddInPlace", Shape, src.Shape);
        if (plan.OutShape != Shape)
            throw new TensorShapeException($"AddInPlace: {src.Shape} does not broadcast to this tensor's shape {Shape}");
        switch (DType)
        {
            case DType.Float32: Elementwise.Binary<float, float, AddOp<float>>(this, src, this, plan); break;
            case DType.Float64: Elementwise.Binary<double, double, AddOp<double>>(this, src, this, plan); break;
            case DType.Int32: Elementwise.Binary<int, int, AddOp<int>>(this, src, this, plan); break;
            case DType.Int64: Elementwise.Binary<long, long, AddOp<long>>(this, src, this, plan); break;
            default: throw new TensorDTypeException($"AddInPlace: dtype {DType.Name()} is not supported");
        }
        return this;
    }

    /// <summary>this *= <paramref name="factor"/>; returns this tensor.</summary>
    public Tensor MulInPlace(double factor)
    {
        CheckInPlace("MulInPlace");
        ScaleRaw(this, factor, this);
        return this;
    }

    private Tensor MulScalarRaw(double factor)
    {
        var t = EmptyLike();
        ScaleRaw(this, factor, t);
        return t;
    }

    private static void ScaleRaw(Tensor src, double factor, Tensor dst)
    {
        switch (src.DType)
        {
            case DType.Float32: System.Numerics.Tensors.TensorPrimitives.Multiply(src.Span<float>(), (float)factor, dst.Span<float>()); break;
            case DType.Float64: System.Numerics.Tensors.TensorPrimitives.Multiply(src.Span<double>(), factor, dst.Span<double>()); break;
            case DType.Int32: System.Numerics.Tensors.TensorPrimitives.Multiply(src.Span<int>(), checked((int)factor), dst.Span<int>()); break;
            case DType.Int64: System.Numerics.Tensors.TensorPrimitives.Multiply(src.Span<long>(), checked((long)factor), dst.Span<long>()); break;
            default: throw new TensorDTypeException($"MulInPlace: dtype {src.DType.Name()} is not supported");
        }
    }

    private void CheckInPlace(string op)
    {
        if (GradMode.IsEnabled && RequiresGrad)
            throw new InvalidOperationException($"{op}: a tensor that requires grad cannot be modified in place while autograd is recording; wrap the update in GradMode.NoGrad() or use Detach()");
    }

    private sealed class IdentityBackward(Tensor input) : GradNode(input)
    {
        protected internal override Tensor?[] Backward(Tensor grad) => [grad];
    }

    private sealed class ToBackward(Tensor input) : GradNode(input)
    {
        private readonly DType _dtype = input.DType;

        protected internal override Tensor?[] Backward(Tensor grad) => [grad.To(_dtype)];
    }
}
