using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// GCNII layer (Chen et al., <i>Simple and Deep Graph Convolutional Networks</i>), as DGL's <c>GCN2Conv</c>:
/// H' = σ(((1 − α) ÂH + α H⁰)((1 − β) I + β W) + b) with Â = D^−½ A D^−½ (in-degrees clamped to at least 1; or the
/// <see cref="EdgeWeightNorm"/>("both")-normalised weighted adjacency) and β = log(λ/ℓ + 1) for layer ℓ.
/// Without <c>projectInitialFeatures</c>: H' = σ((1 − β) S + β((1 − α) ÂH W₁ + α H⁰ W₂) + b), S the same sum as above.
/// </summary>
/// <remarks>
/// The initial residual H⁰ is the second input of <see cref="Forward"/> (its first Ndst rows are used), so this layer
/// does not implement <see cref="IGraphModule"/>. W₁ (and W₂) are [inFeats, inFeats], initialised N(0, 1) as in DGL.
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create([0, 1, 2, 3, 2, 5], [1, 2, 3, 4, 0, 3]).AddSelfLoop();
/// var x0 = Tensor.Ones(6, 4);
/// var conv = new GCN2Conv(4, layer: 1, alpha: 0.5, lambda: 1, generator: new Generator(0));
/// var h = conv.Forward(g, x0, x0);        // [6, 4]
/// </code>
/// </example>
public sealed class GCN2Conv : Module
{
    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="inFeats">Feature size (input and output).</param>
    /// <param name="layer">ℓ, the layer's index (from 1) in the stack.</param>
    /// <param name="alpha">α, the share of the initial features (default 0.1).</param>
    /// <param name="lambda">λ in β = log(λ/ℓ + 1) (default 1).</param>
    /// <param name="projectInitialFeatures">Project the sum with W₁ (default true); false gives H⁰ its own W₂.</param>
    /// <param name="allowZeroInDegree">Skip the check for nodes without in-edges (default false).</param>
    /// <param name="bias">Learn b (default true).</param>
    /// <param name="activation">σ (default none).</param>
    /// <param name="dtype">Parameter dtype (default float32).</param>
    /// <param name="generator">Random stream for initialisation.</param>
    public GCN2Conv(int inFeats, int layer, double alpha = 0.1, double lambda = 1, bool projectInitialFeatures = true,
        bool allowZeroInDegree = false, bool bias = true, Func<Tensor, Tensor>? activation = null,
        DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inFeats);
        ArgumentOutOfRangeException.ThrowIfLessThan(layer, 1);
        InFeats = inFeats;
        Alpha = alpha;
        Beta = Math.Log(lambda / layer + 1);
        ProjectInitialFeatures = projectInitialFeatures;
        AllowZeroInDegree = allowZeroInDegree;
        Activation = activation;
        Weight1 = RegisterParameter("weight1", Tensor.Zeros([inFeats, inFeats], dtype));
        if (!projectInitialFeatures) Weight2 = RegisterParameter("weight2", Tensor.Zeros([inFeats, inFeats], dtype));
        if (bias) Bias = RegisterParameter("bias", Tensor.Zeros([inFeats], dtype));
        ResetParameters(generator);
    }

    /// <summary>Feature size.</summary>
    public int InFeats { get; }

    /// <summary>α.</summary>
    public double Alpha { get; }

    /// <summary>β = log(λ/ℓ + 1).</summary>
    public double Beta { get; }

    /// <summary>Whether W₁ projects the initial features too.</summary>
    public bool ProjectInitialFeatures { get; }

    /// <summary>Whether nodes without in-edges are allowed.</summary>
    public bool AllowZeroInDegree { get; set; }

    /// <summary>σ, or null.</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <summary>W₁, [inFeats, inFeats].</summary>
    public Parameter Weight1 { get; }

    /// <summary>W₂, [inFeats, inFeats], or null when the initial features are projected by W₁.</summary>
    public Parameter? Weight2 { get; }

    /// <summary>b, [inFeats], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>DGL's initialisation: W₁ and W₂ ~ N(0, 1), b = 0.</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        Init.Normal(Weight1, 0, 1, generator);
        if (Weight2 is not null) Init.Normal(Weight2, 0, 1, generator);
        if (Bias is not null) Init.Zeros(Bias);
    }

    /// <summary>Computes the layer.</summary>
    /// <param name="graph">A graph with one relation (or a block).</param>
    /// <param name="features">H, [N, inFeats] (source nodes on a block).</param>
    /// <param name="initialFeatures">H⁰, at least Ndst rows of [inFeats].</param>
    /// <param name="edgeWeight">Optional positive edge weights [E] or [E, 1].</param>
    /// <returns>[Ndst, inFeats].</returns>
    public Tensor Forward(Graph graph, Tensor features, Tensor initialFeatures, Tensor? edgeWeight = null)
    {
        const string name = nameof(GCN2Conv);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(initialFeatures);
        ConvSupport.CheckZeroInDegree(graph, AllowZeroInDegree, name);
        var s = ConvSupport.Relation(graph, name);
        ConvSupport.CheckRows(name, features, s.NumSrc, "source");
        ConvSupport.CheckWidth(name, features, InFeats, "the features");
        ConvSupport.CheckWidth(name, initialFeatures, InFeats, "the initial features");
        if (initialFeatures.Size(0) < s.NumDst)
            throw new TensorShapeException($"GCN2Conv: the initial features have shape {initialFeatures.Shape}; expected at least {s.NumDst} rows (one per destination node)");
        var w = ConvSupport.SymmetricEdgeWeights(graph, edgeWeight, ConvSupport.Degree.In, features.DType, name);
        var h = ConvSupport.UMulE(graph, features, w, ReduceOp.Sum, name) * (1 - Alpha);
        var h0 = initialFeatures.Slice(0, s.NumDst) * Alpha;
        var sum = h + h0;
        var projected = ProjectInitialFeatures ? sum.MatMul(Weight1) : h.MatMul(Weight1) + h0.MatMul(Weight2!);
        var rst = sum * (1 - Beta) + projected * Beta;
        if (Bias is not null) rst += Bias;
        return Activation is null ? rst : Activation(rst);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"in={InFeats}, alpha={Fmt(Alpha)}, beta={Fmt(Beta)}";
}
