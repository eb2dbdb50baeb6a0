using Dgl.Tensors;
namespace Dgl.Nn;

/// <summary>
/// A tensor that a <see cref="Module"/> owns as a learnable weight: it requires a gradient (unless told
/// otherwise), is listed by <see cref="Module.Parameters"/> and saved by <see cref="Module.StateDict"/>.
/// </summary>
/// <remarks>
/// A parameter shares the storage of the tensor it was created from (no copy) and starts a fresh autograd history:
/// it is always a leaf. Optimizers and <see cref="Module.LoadStateDict"/> update it in place, so references held
/// elsewhere stay valid.
/// </remarks>
/// <example>
/// <code>
/// var w = new Parameter(Tensor.Zeros(3, 4));
/// Console.WriteLine(w.RequiresGrad);   // True
/// </code>
/// </example>
public sealed class Parameter : Tensor
{
    /// <summary>Wraps <paramref name="data"/>'s storage as a parameter.</summary>
    /// <param name="data">The initial values; the parameter shares this tensor's storage.</param>
    /// <param name="requiresGrad">Whether gradients flow to it (only floating-point parameters can require one).</param>
    /// <exception cref="TensorDTypeException"><paramref name="requiresGrad"/> is true and the dtype is not floating point.</exception>
    public Parameter(Tensor data, bool requiresGrad = true) : base(data)
    {
        RequiresGrad = requiresGrad;
    }
}
