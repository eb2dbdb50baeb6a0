using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Simplified graph convolution (Wu et al., <i>Simplifying Graph Convolutional Networks</i>), as DGL's <c>SGConv</c>:
/// H' = norm(Â^K X) Θ + b with Â = D^−½ A D^−½ (D the in-degrees clamped to at least 1), or, given edge weights,
/// Â the weighted adjacency normalised by <see cref="EdgeWeightNorm"/> with "both".
/// </summary>
/// <remarks>
/// With <c>cached</c>, Â^K X is computed on the first call and reused on every later one (whatever graph and features
/// are passed then), as DGL does for transductive training; call <see cref="ClearCache"/> to drop it.
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create([0, 1, 2, 3, 2, 5], [1, 2, 3, 4, 0, 3]).AddSelfLoop();
/// var conv = new SGConv(10, 2, k: 2, generator: new Generator(0));
/// var h = conv.Forward(g, Tensor.Ones(6, 10));        // [6, 2]
/// </code>
/// </example>
public sealed class SGConv : Module, IGraphModule
{
    private Tensor? _cachedH;

    /// <summary>Creates the layer and initialises Θ (Glorot uniform) and b (zeros).</summary>
    /// <param name="inFeats">Input feature size.</param>
    /// <param name="outFeats">Output feature size.</param>
    /// <param name="k">Number of propagation steps K (default 1).</param>
    /// <param name="cached">Cache Â^K X after the first call (default false).</param>
    /// <param name="bias">Learn b (default true).</param>
    /// <param name="norm">Applied to Â^K X before Θ (default none).</param>
    /// <param name="allowZeroInDegree">Skip the check for nodes without in-edges (default false).</param>
    /// <param name="dtype">Parameter dtype (default float32).</param>
    /// <param name="generator">Random stream for initialisation.</param>
    public SGConv(int inFeats, int outFeats, int k = 1, bool cached = false, bool bias = true, Func<Tensor, Tensor>? norm = null,
        bool allowZeroInDegree = false, DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        K = k;
        Cached = cached;
        Norm = norm;
        AllowZeroInDegree = allowZeroInDegree;
        Fc = RegisterModule("fc", new Linear(inFeats, outFeats, bias, dtype, generator));
        ResetParameters(generator);
    }

    /// <summary>K.</summary>
    public int K { get; }

    /// <summary>Whether Â^K X is cached after the first call.</summary>
    public bool Cached { get; }

    /// <summary>The normalisation of Â^K X, or null.</summary>
    public Func<Tensor, Tensor>? Norm { get; }

    /// <summary>Whether nodes without in-edges are allowed.</summary>
    public bool AllowZeroInDegree { get; set; }

    /// <summary>Θ and b.</summary>
    public Linear Fc { get; }

    /// <summary>Glorot-uniform Θ and zero b.</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        Init.XavierUniform(Fc.Weight, 1, generator);
        if (Fc.Bias is not null) Init.Zeros(Fc.Bias);
    }

    /// <summary>Drops the cached Â^K X.</summary>
    public void ClearCache() => _cachedH = null;

    /// <summary>Computes Θ(Â^K X) for node features [N, inFeats].</summary>
    public Tensor Forward(Graph graph, Tensor features) => Forward(graph, features, null);

    /// <summary>Computes Θ(Â^K X), with Â built from normalised edge weights when given ([E] or [E, 1], positive).</summary>
    public Tensor Forward(Graph graph, Tensor features, Tensor? edgeWeight)
    {
        const string name = nameof(SGConv);
        ArgumentNullException.ThrowIfNull(features);
        ConvSupport.CheckZeroInDegree(graph, AllowZeroInDegree, name);
        if (_cachedH is not null) return Fc.Forward(_cachedH);
        var s = ConvSupport.SquareRelation(graph, name);
        ConvSupport.CheckRows(name, features, s.NumDst, "node");
        var w = ConvSupport.SymmetricEdgeWeights(graph, edgeWeight, ConvSupport.Degree.In, features.DType, name);
        var h = features;
        for (var i = 0; i < K; i++) h = ConvSupport.UMulE(graph, h, w, ReduceOp.Sum, name);
        if (Norm is not null) h = Norm(h);
        if (Cached) _cachedH = h;
        return Fc.Forward(h);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"k={K}, cached={Fmt(Cached)}";
}
