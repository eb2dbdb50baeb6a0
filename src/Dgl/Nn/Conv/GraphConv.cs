using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Graph convolution (Kipf &amp; Welling, <i>Semi-Supervised Classification with Graph Convolutional Networks</i>), as
/// DGL's <c>GraphConv</c>:
/// h_i' = σ(b + Σ_{j∈N(i)} (e_ji / c_ji) · h_j W), with c_ji = √|N(j)|·√|N(i)| (<c>norm: "both"</c>),
/// |N(i)| (<c>"right"</c>: the mean of the messages), |N(j)| (<c>"left"</c>: random-walk normalisation) or 1
/// (<c>"none"</c>); degrees are out-degrees for sources and in-degrees for destinations, clamped to at least 1;
/// e_ji is the optional scalar edge weight (1 when absent).
/// </summary>
/// <remarks>
/// <para>Like DGL, when <c>inFeats &gt; outFeats</c> the features are multiplied by W before aggregation (fewer
/// columns to aggregate), otherwise after. The normaliser is folded into the weights of the single SpMM that
/// aggregates (w_e = e_ji / c_ji), and those weights are computed once per graph structure.</para>
/// <para>Works on a graph, on a block (source features in, one row per destination node out) and on a uni-bipartite
/// graph with <c>(source, destination)</c> features. Nodes with no in-edge raise DGL's error unless
/// <c>allowZeroInDegree</c> is set.</para>
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create([0, 1, 2, 3, 2, 5], [1, 2, 3, 4, 0, 3]).AddSelfLoop();
/// var conv = new GraphConv(10, 2, generator: new Generator(0));
/// var h = conv.Forward(g, Tensor.Ones(6, 10));        // [6, 2]
/// Console.WriteLine(h.Shape);                          // [6, 2]
/// </code>
/// </example>
public sealed class GraphConv : Module, IGraphModule
{
    private readonly double _srcPower;
    private readonly double _dstPower;

    /// <summary>Creates the layer and initialises it (Glorot-uniform weight, zero bias).</summary>
    /// <param name="inFeats">Input feature size (the last dimension of h_j).</param>
    /// <param name="outFeats">Output feature size.</param>
    /// <param name="norm">"both" (default: symmetric), "right" (divide by in-degree), "left" (divide the messages by
    /// the sender's out-degree) or "none".</param>
    /// <param name="weight">Learn W (default true); false aggregates without one (or uses the weight passed to
    /// <see cref="Forward(Graph, Tensor, Tensor?, Tensor?)"/>).</param>
    /// <param name="bias">Learn an additive bias (default true).</param>
    /// <param name="activation">σ applied last (default none).</param>
    /// <param name="allowZeroInDegree">Skip the check for nodes without in-edges (default false); such nodes then
    /// get only the bias.</param>
    /// <param name="dtype">Parameter dtype (default float32).</param>
    /// <param name="generator">Random stream for the initial weight (default <see cref="Generator.Default"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="norm"/> is not one of the four values.</exception>
    public GraphConv(int inFeats, int outFeats, string norm = "both", bool weight = true, bool bias = true,
        Func<Tensor, Tensor>? activation = null, bool allowZeroInDegree = false, DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inFeats);
        ArgumentOutOfRangeException.ThrowIfNegative(outFeats);
        ArgumentNullException.ThrowIfNull(norm);
        (_srcPower, _dstPower) = norm switch
        {
            "both" => (-0.5, -0.5),
            "right" => (0.0, -1.0),
            "left" => (-1.0, 0.0),
            "none" => (0.0, 0.0),
            _ => throw new ArgumentException($"GraphConv: invalid norm value \"{norm}\"; expected \"none\", \"both\", \"right\" or \"left\"", nameof(norm)),
        };
        InFeats = inFeats;
        OutFeats = outFeats;
        Norm = norm;
        Activation = activation;
        AllowZeroInDegree = allowZeroInDegree;
        if (weight) Weight = RegisterParameter("weight", Tensor.Zeros([inFeats, outFeats], dtype));
        if (bias) Bias = RegisterParameter("bias", Tensor.Zeros([outFeats], dtype));
        ResetParameters(generator);
    }

    /// <summary>Input feature size.</summary>
    public int InFeats { get; }

    /// <summary>Output feature size.</summary>
    public int OutFeats { get; }

    /// <summary>The normaliser: "both", "right", "left" or "none".</summary>
    public string Norm { get; }

    /// <summary>σ, or null.</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <summary>Whether nodes without in-edges are allowed (DGL's <c>set_allow_zero_in_degree</c> sets it).</summary>
    public bool AllowZeroInDegree { get; set; }

    /// <summary>W, [inFeats, outFeats] (DGL's layout), or null when built with <c>weight: false</c>.</summary>
    public Parameter? Weight { get; }

    /// <summary>b, [outFeats], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>Glorot-uniform W and zero b, as the original GCN.</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        if (Weight is not null) Init.XavierUniform(Weight, 1, generator);
        if (Bias is not null) Init.Zeros(Bias);
    }

    /// <summary>Convolves node features [N, *, inFeats] (source features on a block) into [Ndst, *, outFeats].</summary>
    public Tensor Forward(Graph graph, Tensor features) => Forward(graph, features, null, null);

    /// <summary>Convolves node features, with optional scalar edge weights and an external weight.</summary>
    /// <param name="graph">A graph with one relation, or a block.</param>
    /// <param name="features">[N, *, inFeats]; on a block, the source nodes' features.</param>
    /// <param name="edgeWeight">e_ji, [E] or [E, 1], or null.</param>
    /// <param name="weight">An external W [inFeats, outFeats] for a module built with <c>weight: false</c>.</param>
    /// <returns>[Ndst, *, outFeats].</returns>
    /// <exception cref="ArgumentException">Nodes without in-edges (unless allowed), or an external weight given to a
    /// module that has its own.</exception>
    public Tensor Forward(Graph graph, Tensor features, Tensor? edgeWeight, Tensor? weight = null)
    {
        var (src, _) = ConvSupport.ExpandAsPair(graph, features, nameof(GraphConv));
        return Run(graph, src, edgeWeight, weight);
    }

    /// <summary>Convolves on a uni-bipartite graph or block with separate (source, destination) features; only the
    /// source features are read (the destination side fixes the output row count, as in DGL).</summary>
    public Tensor Forward(Graph graph, (Tensor Src, Tensor Dst) features, Tensor? edgeWeight = null, Tensor? weight = null)
    {
        ConvSupport.CheckPair(graph, features.Src, features.Dst, nameof(GraphConv));
        return Run(graph, features.Src, edgeWeight, weight);
    }

    /// <summary>Convolves row-sparse input features (bag-of-words rows, say) without densifying them: the product
    /// with W runs over the non-zeros only (as does its weight gradient).</summary>
    /// <exception cref="InvalidOperationException">The module has no weight, or inFeats ≤ outFeats (the aggregation
    /// would run on the sparse input first; densify it for that case).</exception>
    public Tensor Forward(Graph graph, SparseFeatures features, Tensor? edgeWeight = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (Weight is null || InFeats <= OutFeats)
            throw new InvalidOperationException($"GraphConv: sparse features need a module with its own weight and inFeats > outFeats (this one has weight={Weight is not null}, in={InFeats}, out={OutFeats}); pass features.ToDense() instead");
        var s = ConvSupport.Relation(graph, nameof(GraphConv));
        if (features.NumRows != s.NumSrc)
            throw new TensorShapeException($"GraphConv: sparse features have {features.NumRows} rows; expected {s.NumSrc} (one per source node)");
        ConvSupport.CheckZeroInDegree(graph, AllowZeroInDegree, nameof(GraphConv));
        return Finish(graph, features.MatMul(Weight), edgeWeight, Weight.DType);
    }

    private Tensor Run(Graph graph, Tensor src, Tensor? edgeWeight, Tensor? weight)
    {
        ConvSupport.CheckZeroInDegree(graph, AllowZeroInDegree, nameof(GraphConv));
        if (weight is not null && Weight is not null)
            throw new ArgumentException(
                "GraphConv: an external weight is provided while the module has its own weight parameter; create the module with weight: false", nameof(weight));
        var w = weight ?? Weight;
        if (w is not null && (w.Rank != 2 || w.Size(0) != InFeats || w.Size(1) != OutFeats))
            throw new TensorShapeException($"GraphConv: the weight has shape {w.Shape}; expected [{InFeats}, {OutFeats}]");
        ConvSupport.CheckWidth(nameof(GraphConv), src, w?.Size(0) ?? InFeats, "the input features");
        if (InFeats > OutFeats && w is not null)
            return Finish(graph, src.MatMul(w), edgeWeight, src.DType);
        var rst = Aggregate(graph, src, edgeWeight, src.DType);
        if (w is not null) rst = rst.MatMul(w);
        return Epilogue(rst);
    }

    /// <summary>Aggregates already-projected features and applies bias and activation.</summary>
    private Tensor Finish(Graph graph, Tensor projected, Tensor? edgeWeight, DType dtype) =>
        Epilogue(Aggregate(graph, projected, edgeWeight, dtype));

    private Tensor Aggregate(Graph graph, Tensor h, Tensor? edgeWeight, DType dtype)
    {
        Tensor? w = null;
        if (_srcPower != 0 || _dstPower != 0)
            w = ConvSupport.NormalizedEdgeWeights(graph, ConvSupport.Degree.Out, _srcPower, _dstPower, dtype, nameof(GraphConv));
        if (edgeWeight is not null)
        {
            var e = ConvSupport.EdgeWeightsInEntryOrder(graph, edgeWeight, nameof(GraphConv));
            w = w is null ? e : e * w;
        }
        return ConvSupport.Aggregate(graph, h, w, ReduceOp.Sum, nameof(GraphConv));
    }

    private Tensor Epilogue(Tensor rst)
    {
        if (Bias is not null) rst += Bias;
        return Activation is null ? rst : Activation(rst);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"in={InFeats}, out={OutFeats}, normalization={Norm}{(Activation is null ? "" : ", activation=" + Activation.Method.Name)}";
}
