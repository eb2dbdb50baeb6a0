using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// One Linear per type (DGL's <c>HeteroLinear</c>): y_t = x_t·W_tᵀ + b_t for the features of each type t (node or
/// edge types), mapping types with different input sizes to one output size.
/// </summary>
/// <remarks>Each Linear is initialised as PyTorch's and registered under <c>linears.&lt;type&gt;</c>.</remarks>
/// <example>
/// <code>
/// var layer = new HeteroLinear(new Dictionary&lt;string, int&gt; { ["user"] = 1, ["item"] = 2 }, 3);
/// var y = layer.Forward(new Dictionary&lt;string, Tensor&gt; { ["user"] = Tensor.Randn([4, 1]), ["item"] = Tensor.Randn([5, 2]) });
/// // y["user"]: [4, 3], y["item"]: [5, 3]
/// </code>
/// </example>
public sealed class HeteroLinear : Module
{
    private readonly ModuleDict _linears = new();

    /// <summary>Creates the layers.</summary>
    /// <param name="inSize">Input size per type.</param>
    /// <param name="outSize">Output size (all types).</param>
    /// <param name="bias">Learn biases.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values.</param>
    public HeteroLinear(IReadOnlyDictionary<string, int> inSize, int outSize, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(inSize);
        foreach (var (type, size) in inSize) _linears.Add(type, new Linear(size, outSize, bias, dtype, generator));
        RegisterModule("linears", _linears);
        OutSize = outSize;
    }

    /// <summary>Output size.</summary>
    public int OutSize { get; }

    /// <summary>The Linear of <paramref name="type"/>.</summary>
    public Linear this[string type] => (Linear)_linears[type];

    /// <summary>Applies each type's Linear to that type's features.</summary>
    /// <exception cref="KeyNotFoundException">A type has no Linear.</exception>
    public IReadOnlyDictionary<string, Tensor> Forward(IReadOnlyDictionary<string, Tensor> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (type, x) in features)
        {
            if (!_linears.TryGetValue(type, out var lin))
                throw new KeyNotFoundException($"HeteroLinear: no Linear for type '{type}'; the types are {string.Join(", ", _linears.Keys.Select(k => $"'{k}'"))}");
            result[type] = ((Linear)lin).Forward(x);
        }
        return result;
    }
}

/// <summary>
/// One embedding table per type (DGL's <c>HeteroEmbedding</c>): row i of type t's table is the embedding of id i of
/// type t. Tables are initialised N(0, 1) as PyTorch's Embedding; <see cref="ResetParameters"/> uses Xavier uniform,
/// as DGL's <c>reset_parameters</c>.
/// </summary>
/// <example>
/// <code>
/// var emb = new HeteroEmbedding(new Dictionary&lt;string, int&gt; { ["user"] = 2, ["item"] = 3 }, 4);
/// var h = emb.Forward(new Dictionary&lt;string, Tensor&gt; { ["user"] = Tensor.From(new long[] { 0, 1 }) });   // h["user"]: [2, 4]
/// </code>
/// </example>
public sealed class HeteroEmbedding : Module
{
    private readonly ModuleDict _embeds = new();

    /// <summary>Creates the tables.</summary>
    /// <param name="numEmbeddings">Rows per type.</param>
    /// <param name="embeddingDim">Embedding size (all types).</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values.</param>
    public HeteroEmbedding(IReadOnlyDictionary<string, int> numEmbeddings, int embeddingDim, DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(numEmbeddings);
        foreach (var (type, rows) in numEmbeddings) _embeds.Add(type, new Embedding(rows, embeddingDim, dtype, generator));
        RegisterModule("embeds", _embeds);
        EmbeddingDim = embeddingDim;
    }

    /// <summary>Embedding size.</summary>
    public int EmbeddingDim { get; }

    /// <summary>The table of each type.</summary>
    public IReadOnlyDictionary<string, Parameter> Weight => _embeds.ToDictionary(kv => kv.Key, kv => ((Embedding)kv.Value).Weight, StringComparer.Ordinal);

    /// <summary>Redraws every table from Xavier uniform (DGL's <c>reset_parameters</c>).</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        foreach (var e in _embeds.Values) Init.XavierUniform(((Embedding)e).Weight, 1, generator);
    }

    /// <summary>Looks up each type's ids.</summary>
    /// <exception cref="KeyNotFoundException">A type has no table.</exception>
    public IReadOnlyDictionary<string, Tensor> Forward(IReadOnlyDictionary<string, Tensor> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (type, x) in ids)
        {
            if (!_embeds.TryGetValue(type, out var e))
                throw new KeyNotFoundException($"HeteroEmbedding: no table for type '{type}'; the types are {string.Join(", ", _embeds.Keys.Select(k => $"'{k}'"))}");
            result[type] = ((Embedding)e).Forward(x);
        }
        return result;
    }
}
