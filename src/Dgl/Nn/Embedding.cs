using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// A lookup table of learned vectors (PyTorch's <c>nn.Embedding</c>): row i of the weight [num, dim] is the
/// embedding of id i; the forward pass gathers rows, and the backward pass adds gradients into the rows used.
/// Initialised from N(0, 1), as PyTorch.
/// </summary>
/// <example>
/// <code>
/// var emb = new Embedding(g.NumNodes(), 64);
/// var h = emb.Forward(Tensor.Arange(g.NumNodes()));   // [N, 64]
/// </code>
/// </example>
public sealed class Embedding : Module<Tensor, Tensor>
{
    /// <summary>Creates the table and initialises it.</summary>
    /// <param name="numEmbeddings">Number of ids.</param>
    /// <param name="embeddingDim">Size of each vector.</param>
    /// <param name="dtype">float32 or float64.</param>
    /// <param name="generator">The random stream for the initial values.</param>
    public Embedding(int numEmbeddings, int embeddingDim, DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numEmbeddings);
        ArgumentOutOfRangeException.ThrowIfNegative(embeddingDim);
        if (!dtype.IsFloatingPoint())
            throw new TensorDTypeException($"Embedding: dtype {dtype.Name()} is not supported; expected float32 or float64");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        Weight = RegisterParameter("weight", Tensor.Zeros([numEmbeddings, embeddingDim], dtype));
        ResetParameters(generator);
    }

    /// <summary>Number of ids.</summary>
    public int NumEmbeddings { get; }

    /// <summary>Size of each vector.</summary>
    public int EmbeddingDim { get; }

    /// <summary>The table, [numEmbeddings, embeddingDim].</summary>
    public Parameter Weight { get; }

    /// <inheritdoc/>
    public override void ResetParameters(Generator? generator = null) => Init.Normal(Weight, 0, 1, generator);

    /// <summary>The vectors of <paramref name="input"/>'s ids (any shape, int32 or int64): shape [..., embeddingDim].</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, numEmbeddings).</exception>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.DType.IsInteger())
            throw new TensorDTypeException($"Embedding: ids have dtype {input.DType.Name()}; expected int32 or int64");
        var rows = Weight.IndexSelect(0, input.Rank == 1 ? input : input.Reshape(-1));
        return input.Rank == 1 ? rows : rows.Reshape([.. input.Shape, EmbeddingDim]);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}";
}
