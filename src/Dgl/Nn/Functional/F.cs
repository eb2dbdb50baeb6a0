using Dgl.Tensors;
namespace Dgl.Nn;

/// <summary>
/// Functional forms of layers and losses (PyTorch's <c>torch.nn.functional</c>, imported as <c>F</c>): stateless
/// functions of tensors, each a single fused autograd op with its own forward and backward kernels.
/// </summary>
/// <example>
/// <code>
/// var logits = F.Linear(x, w, b);
/// var loss = F.CrossEntropy(logits, labels);
/// loss.Backward();
/// </code>
/// </example>
public static partial class F
{
}
