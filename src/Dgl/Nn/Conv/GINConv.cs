using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Graph Isomorphism Network layer (Xu et al., "How Powerful are Graph Neural Networks?", DGL's <c>GINConv</c>):
/// h_i' = f_Θ((1 + ε)·h_i + aggregate({e_ji·h_j : j ∈ N(i)})), with aggregate = sum, max or mean over the in-edges,
/// e_ji an optional edge weight (1 when absent) and f_Θ the optional <c>applyFunc</c> (typically an MLP).
/// </summary>
/// <remarks>
/// <para>Parameters and defaults as DGL 1.1: <c>applyFunc = null</c> (identity), <c>aggregatorType = "sum"</c>,
/// <c>initEps = 0</c>, <c>learnEps = false</c> (ε is then a fixed buffer), <c>activation = null</c> applied after
/// <c>applyFunc</c>. The aggregation is one fused g-SpMM (copy_u, or u_mul_e with an edge weight). A node without
/// in-edges aggregates to 0 (GIN raises no zero-in-degree error, as in DGL).</para>
/// <para>On a block the destination features are the first <c>NumDstNodes</c> rows of the input; a bipartite relation
/// takes a (source, destination) pair.</para>
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create(new[] { 0, 1, 2, 3, 2, 5 }, new[] { 1, 2, 3, 4, 0, 3 }).AddSelfLoop();
/// var conv = new GINConv(new Linear(10, 10), "max");
/// var h = conv.Forward(g, Tensor.Ones(6, 10));   // [6, 10]
/// </code>
/// </example>
public sealed class GINConv : Module, IBipartiteGraphModule
{
    private readonly ReduceOp _reduce;
    private readonly double _initEps;

    /// <summary>Creates the layer.</summary>
    /// <param name="applyFunc">f_Θ applied to the combined features (an MLP in GIN); null for none.</param>
    /// <param name="aggregatorType">"sum" (default), "max" or "mean".</param>
    /// <param name="initEps">Initial ε (default 0).</param>
    /// <param name="learnEps">Learn ε as a parameter (default false: a fixed buffer).</param>
    /// <param name="activation">Applied after <paramref name="applyFunc"/>; null for none.</param>
    /// <param name="dtype">dtype of ε (float32 or float64).</param>
    /// <exception cref="ArgumentException">The aggregator type is not sum, max or mean.</exception>
    public GINConv(Module<Tensor, Tensor>? applyFunc = null, string aggregatorType = "sum", double initEps = 0, bool learnEps = false,
        Func<Tensor, Tensor>? activation = null, DType dtype = DType.Float32)
    {
        _reduce = ConvSupport.Reducer(nameof(GINConv), aggregatorType);
        ConvSupport.CheckDType(nameof(GINConv), dtype);
        AggregatorType = aggregatorType;
        LearnEps = learnEps;
        _initEps = initEps;
        Activation = activation;
        if (applyFunc is not null) ApplyFunc = RegisterModule("apply_func", applyFunc);
        var eps = Tensor.Full(new Shape(1), initEps, dtype);
        Eps = learnEps ? RegisterParameter("eps", eps) : RegisterBuffer("eps", eps);
    }

    /// <summary>The aggregator ("sum", "max" or "mean").</summary>
    public string AggregatorType { get; }

    /// <summary>Whether ε is learned.</summary>
    public bool LearnEps { get; }

    /// <summary>f_Θ, or null.</summary>
    public Module<Tensor, Tensor>? ApplyFunc { get; }

    /// <summary>The activation applied last, or null.</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <summary>ε, shape [1]: a parameter when learned, a buffer otherwise.</summary>
    public Tensor Eps { get; }

    /// <summary>Sets ε back to <c>initEps</c> and resets <see cref="ApplyFunc"/>.</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        base.ResetParameters(generator);
        using (Dgl.Tensors.Autograd.GradMode.NoGrad()) Eps.FillInPlace(_initEps);
    }

    /// <summary>Computes h' on <paramref name="graph"/> (one relation; a block takes source features and returns destination rows).</summary>
    /// <param name="graph">The graph or block.</param>
    /// <param name="features">Node features [NumSrcNodes, …].</param>
    /// <param name="edgeWeight">Optional edge weights [E] or [E, 1] multiplying the messages.</param>
    /// <returns>[NumDstNodes, …] (the output size of <see cref="ApplyFunc"/>).</returns>
    public Tensor Forward(Graph graph, Tensor features, Tensor? edgeWeight = null)
    {
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(GINConv));
        return Run(csr, ConvSupport.ExpandAsPair(graph, features, csr, nameof(GINConv)), edgeWeight);
    }

    /// <summary>Computes h' for a bipartite relation from (source, destination) features.</summary>
    public Tensor Forward(Graph graph, (Tensor Src, Tensor Dst) features, Tensor? edgeWeight = null)
    {
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(GINConv));
        return Run(csr, ConvSupport.CheckPair(csr, features, nameof(GINConv)), edgeWeight);
    }

    Tensor IGraphModule.Forward(Graph graph, Tensor features) => Forward(graph, features);

    Tensor IBipartiteGraphModule.Forward(Graph graph, (Tensor Src, Tensor Dst) features) => Forward(graph, features);

    private Tensor Run(Csr csr, (Tensor Src, Tensor Dst) x, Tensor? edgeWeight)
    {
        Tensor neigh;
        if (edgeWeight is null)
        {
            neigh = SparseOps.GSpMM(csr, BinaryOp.CopyLhs, _reduce, x.Src, null);
        }
        else
        {
            ConvSupport.CheckEdges(nameof(GINConv), edgeWeight, csr, "edge weights");
            neigh = SparseOps.GSpMM(csr, BinaryOp.Mul, _reduce, x.Src, edgeWeight);
        }
        // (1 + ε)·h_dst + neigh; a fixed ε is a scalar (any feature dtype), and ε = 0 adds h_dst directly.
        Tensor self;
        if (LearnEps) self = x.Dst * (Eps + 1.0);
        else
        {
            var eps = Eps.ToDouble();
            self = eps == 0 ? x.Dst : x.Dst * (1 + eps);
        }
        var rst = self + neigh;
        if (ApplyFunc is not null) rst = ApplyFunc.Forward(rst);
        if (Activation is not null) rst = Activation(rst);
        return rst;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"aggregatorType={AggregatorType}, learnEps={Fmt(LearnEps)}";
}
