using Dgl.Tensors;
namespace Dgl.Nn;

/// <summary>
/// Fully connected layer: y = x·Wᵀ + b, with W of shape [outFeatures, inFeatures] (PyTorch's layout, so
/// state dictionaries interchange) and b of shape [outFeatures].
/// </summary>
/// <remarks>
/// Initialised as PyTorch's <c>nn.Linear</c>: W ~ U(±1/√in) (Kaiming uniform with a = √5) and b ~ U(±1/√in).
/// The forward pass is one fused op (<see cref="F.Linear(Tensor, Tensor, Tensor?)"/>): the transpose is folded into the GEMM and the bias
/// added by the GEMM's accumulation.
/// </remarks>
/// <example>
/// <code>
/// var layer = new Linear(128, 64, generator: new Generator(0));
/// var y = layer.Forward(Tensor.Randn([32, 128]));   // [32, 64]
/// </code>
/// </example>
public sealed class Linear : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="inFeatures">Size of each input row.</param>
    /// <param name="outFeatures">Size of each output row.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dtype">Parameter dtype (float32 or float64).</param>
    /// <param name="generator">Random stream for the initial values (default: <see cref="Generator.Default"/>).</param>
    public Linear(int inFeatures, int outFeatures, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegative(outFeatures);
        if (!dtype.IsFloatingPoint())
            throw new TensorDTypeException($"Linear: dtype {dtype.Name()} is not supported; expected float32 or float64");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Tensor.Zeros([outFeatures, inFeatures], dtype));
        if (bias) Bias = RegisterParameter("bias", Tensor.Zeros([outFeatures], dtype));
        ResetParameters(generator);
    }

    /// <summary>Size of each input row.</summary>
    public int InFeatures { get; }

    /// <summary>Size of each output row.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight, [outFeatures, inFeatures].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias, [outFeatures], or null when created with <c>bias: false</c>.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    public override void ResetParameters(Generator? generator = null) => Init.DefaultLinear(Weight, Bias, generator);

    /// <summary>y = x·Wᵀ + b for x of shape [..., inFeatures].</summary>
    public override Tensor Forward(Tensor input) => F.Linear(input, Weight, Bias);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"inFeatures={InFeatures}, outFeatures={OutFeatures}, bias={Fmt(Bias is not null)}";
}
