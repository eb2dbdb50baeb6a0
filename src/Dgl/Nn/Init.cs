using Dgl.Tensors;
using Dgl.Tensors.Autograd;

namespace Dgl.Nn;

/// <summary>Which fan Kaiming initialisation preserves: the forward pass's variance (fan in) or the backward pass's (fan out).</summary>
public enum FanMode
{
    /// <summary>Number of inputs per output (weight.Size(1) × receptive field).</summary>
    FanIn,

    /// <summary>Number of outputs per input (weight.Size(0) × receptive field).</summary>
    FanOut,
}

/// <summary>
/// In-place weight initialisers with PyTorch's formulas (<c>torch.nn.init</c>). Each fills the tensor under
/// <see cref="GradMode.NoGrad"/>, draws from the <c>generator</c> argument when given (else
/// <see cref="Generator.Default"/>), and returns the tensor.
/// </summary>
/// <remarks>
/// Fans follow PyTorch: for a weight of shape [out, in, k…], fan_in = in·Πk and fan_out = out·Πk.
/// </remarks>
/// <example>
/// <code>
/// var w = Tensor.Empty([64, 128]);
/// Init.XavierUniform(w, Init.CalculateGain("relu"), new Generator(0));
/// </code>
/// </example>
public static class Init
{
    /// <summary>
    /// The recommended gain for a nonlinearity (PyTorch's <c>calculate_gain</c>): 1 for "linear", "identity",
    /// "conv1d".."conv3d", "conv_transpose1d".."3d" and "sigmoid"; 5/3 for "tanh"; √2 for "relu";
    /// √(2 / (1 + slope²)) for "leaky_relu" (slope = <paramref name="param"/>, default 0.01); 3/4 for "selu".
    /// </summary>
    /// <exception cref="ArgumentException">Unknown nonlinearity (the message lists the valid names), or an invalid slope.</exception>
    public static double CalculateGain(string nonlinearity, double? param = null)
    {
        ArgumentNullException.ThrowIfNull(nonlinearity);
        switch (nonlinearity)
        {
            case "linear" or "identity" or "conv1d" or "conv2d" or "conv3d"
                or "conv_transpose1d" or "conv_transpose2d" or "conv_transpose3d" or "sigmoid":
                return 1;
            case "tanh":
                return 5.0 / 3;
            case "relu":
                return Math.Sqrt(2.0);
            case "leaky_relu":
            {
                var slope = param ?? 0.01;
                if (double.IsNaN(slope) || double.IsInfinity(slope))
                    throw new ArgumentException($"CalculateGain: negative slope {slope} is not a finite number", nameof(param));
                return Math.Sqrt(2.0 / (1 + slope * slope));
            }
            case "selu":
                return 3.0 / 4;
            default:
                throw new ArgumentException(
                    $"CalculateGain: unsupported nonlinearity '{nonlinearity}'; expected one of linear, identity, conv1d, conv2d, conv3d, " +
                    "conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu", nameof(nonlinearity));
        }
    }

    /// <summary>(fan_in, fan_out) of a weight of shape [out, in, k…] (at least two dimensions).</summary>
    /// <exception cref="TensorShapeException">The tensor has fewer than two dimensions.</exception>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank < 2)
            throw new TensorShapeException($"Init: fan in and fan out cannot be computed for a tensor of shape {tensor.Shape}; it needs at least 2 dimensions");
        var receptive = tensor.Shape.Product(2, tensor.Rank);
        return (tensor.Size(1) * receptive, tensor.Size(0) * receptive);
    }

    /// <summary>Fills with values uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform(Tensor tensor, double low = 0, double high = 1, Generator? generator = null)
    {
        CheckFloating(tensor, "Uniform");
        if (!(high >= low))
            throw new ArgumentOutOfRangeException(nameof(high), $"Init.Uniform: high {high} is below low {low}");
        return Assign(tensor, Tensor.Uniform(tensor.Shape, low, high, tensor.DType, generator));
    }

    /// <summary>Fills with values drawn from N(<paramref name="mean"/>, <paramref name="std"/>²).</summary>
    public static Tensor Normal(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        CheckFloating(tensor, "Normal");
        if (!(std >= 0))
            throw new ArgumentOutOfRangeException(nameof(std), $"Init.Normal: standard deviation {std} must be >= 0");
        return Assign(tensor, Tensor.Normal(tensor.Shape, mean, std, tensor.DType, generator));
    }

    /// <summary>Fills with <paramref name="value"/>.</summary>
    public static Tensor Constant(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (GradMode.NoGrad()) tensor.FillInPlace(value);
        return tensor;
    }

    /// <summary>Fills with zeros.</summary>
    public static Tensor Zeros(Tensor tensor) => Constant(tensor, 0);

    /// <summary>Fills with ones.</summary>
    public static Tensor Ones(Tensor tensor) => Constant(tensor, 1);

    /// <summary>Xavier (Glorot) uniform: U(−a, a) with a = gain·√(6 / (fan_in + fan_out)).</summary>
    public static Tensor XavierUniform(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        var std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        var a = Math.Sqrt(3.0) * std;
        return Uniform(tensor, -a, a, generator);
    }

    /// <summary>Xavier (Glorot) normal: N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).</summary>
    public static Tensor XavierNormal(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return Normal(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    /// <summary>
    /// Kaiming (He) uniform: U(−b, b) with b = gain·√(3 / fan), gain = <see cref="CalculateGain"/>(nonlinearity, a)
    /// and fan chosen by <paramref name="mode"/>.
    /// </summary>
    /// <param name="tensor">The weight to fill.</param>
    /// <param name="a">Negative slope of the rectifier that follows (leaky_relu only).</param>
    /// <param name="mode">Preserve the forward (fan in) or backward (fan out) variance.</param>
    /// <param name="nonlinearity">"relu" or "leaky_relu" (PyTorch's default) or any <see cref="CalculateGain"/> name.</param>
    /// <param name="generator">The random stream.</param>
    public static Tensor KaimingUniform(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        var std = KaimingStd(tensor, a, mode, nonlinearity);
        var bound = Math.Sqrt(3.0) * std;
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Kaiming (He) normal: N(0, std²) with std = gain / √fan.</summary>
    public static Tensor KaimingNormal(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, string nonlinearity = "leaky_relu", Generator? generator = null)
        => Normal(tensor, 0, KaimingStd(tensor, a, mode, nonlinearity), generator);

    private static double KaimingStd(Tensor tensor, double a, FanMode mode, string nonlinearity)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        var fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (fan == 0)
            throw new TensorShapeException($"Init: cannot initialise a tensor of shape {tensor.Shape} with Kaiming initialisation: its fan is 0");
        return CalculateGain(nonlinearity, a) / Math.Sqrt(fan);
    }

    /// <summary>
    /// PyTorch's default for <c>Linear</c> (and convolutions): weight ~ kaiming_uniform(a = √5), i.e. U(±1/√fan_in),
    /// and bias ~ U(±1/√fan_in).
    /// </summary>
    /// <param name="weight">The [out, in, …] weight.</param>
    /// <param name="bias">The bias, or null.</param>
    /// <param name="generator">The random stream (the weight draws first, then the bias).</param>
    public static void DefaultLinear(Tensor weight, Tensor? bias, Generator? generator = null)
    {
        KaimingUniform(weight, Math.Sqrt(5.0), FanMode.FanIn, "leaky_relu", generator);
        if (bias is null) return;
        var (fanIn, _) = CalculateFanInAndFanOut(weight);
        var bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        Uniform(bias, -bound, bound, generator);
    }

    private static void CheckFloating(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.DType.IsFloatingPoint())
            throw new TensorDTypeException($"Init.{name}: the tensor has dtype {tensor.DType.Name()}; expected float32 or float64");
    }

    private static Tensor Assign(Tensor tensor, Tensor values)
    {
        using (GradMode.NoGrad()) tensor.CopyFrom(values);
        return tensor;
    }
}
