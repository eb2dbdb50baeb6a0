using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Approximate personalised-PageRank propagation (Klicpera et al., <i>Predict then Propagate</i>), as DGL's
/// <c>APPNPConv</c>: H⁰ = X, H^{t+1} = (1 − α) Â H^t + α H⁰ for t &lt; K, output H^K, with Â = D_in^−½ A D_out^−½
/// (degrees clamped to at least 1), or, given edge weights, Â the adjacency weighted by the
/// <see cref="EdgeWeightNorm"/>("both")-normalised weights.
/// </summary>
/// <remarks>
/// No parameters. Each step is one g-SpMM whose per-edge weights carry the normalisation; with <c>edgeDrop</c> the
/// weights of each step are dropped out independently (DGL drops out a vector of ones, then normalises by degree).
/// Features may have any trailing shape [N, …].
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create([0, 1, 2, 3, 2, 5], [1, 2, 3, 4, 0, 3]).AddSelfLoop();
/// var h = new APPNPConv(k: 10, alpha: 0.1).Forward(g, Tensor.Ones(6, 4));   // [6, 4]
/// </code>
/// </example>
public sealed class APPNPConv : Module, IGraphModule
{
    private readonly Dropout _edgeDrop;

    /// <summary>Creates the propagation.</summary>
    /// <param name="k">Number of steps K.</param>
    /// <param name="alpha">Teleport probability α.</param>
    /// <param name="edgeDrop">Dropout on the edge weights of each step (default 0).</param>
    /// <param name="generator">Random stream for the edge dropout (default <see cref="Generator.Default"/>).</param>
    public APPNPConv(int k, double alpha, double edgeDrop = 0, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        K = k;
        Alpha = alpha;
        _edgeDrop = RegisterModule("edge_drop", new Dropout(edgeDrop, generator));
    }

    /// <summary>K.</summary>
    public int K { get; }

    /// <summary>α.</summary>
    public double Alpha { get; }

    /// <summary>Propagates node features [N, …].</summary>
    public Tensor Forward(Graph graph, Tensor features) => Forward(graph, features, null);

    /// <summary>Propagates node features with optional positive edge weights [E] or [E, 1].</summary>
    public Tensor Forward(Graph graph, Tensor features, Tensor? edgeWeight)
    {
        const string name = nameof(APPNPConv);
        ArgumentNullException.ThrowIfNull(features);
        var s = ConvSupport.SquareRelation(graph, name);
        ConvSupport.CheckRows(name, features, s.NumDst, "node");
        var w = ConvSupport.SymmetricEdgeWeights(graph, edgeWeight, ConvSupport.Degree.Out, features.DType, name);
        var h0 = features;
        var h = features;
        for (var i = 0; i < K; i++)
        {
            var wi = _edgeDrop.P > 0 && Training ? _edgeDrop.Forward(w) : w;
            h = ConvSupport.UMulE(graph, h, wi, ReduceOp.Sum, name) * (1 - Alpha) + h0 * Alpha;
        }
        return h;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"k={K}, alpha={Fmt(Alpha)}";
}
