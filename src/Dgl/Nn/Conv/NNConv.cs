using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Edge-conditioned convolution (Gilmer et al., "Neural Message Passing for Quantum Chemistry", DGL's
/// <c>NNConv</c>): h_i' = b + h_i·W_res + aggregate_{j ∈ N(i)} (h_j · f_Θ(e_ji)), where f_Θ (<c>edgeFunc</c>) maps
/// each edge's features to an inFeats × outFeats matrix.
/// </summary>
/// <remarks>
/// <para>Parameters and defaults as DGL 1.1: <c>aggregatorType = "mean"</c> (or "sum", "max"), <c>residual = false</c>
/// (a bias-free Linear, or the identity when inFeats = outFeats; Xavier normal with the ReLU gain), <c>bias = true</c>
/// (zeros). As in DGL, the aggregation runs over the elementwise products h_j[k]·W_ji[k, o] and then sums over k, so
/// "max" takes the maximum of each product separately.</para>
/// <para>One g-SpMM (u_mul_e) with the node features broadcast against the [E, in, out] edge matrices.</para>
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create(new[] { 0, 1, 2, 3, 2, 5 }, new[] { 1, 2, 3, 4, 0, 3 });
/// var edgeFunc = new Linear(5, 10 * 2);
/// var conv = new NNConv(10, 2, edgeFunc, "mean");
/// var h = conv.Forward(g, Tensor.Ones(6, 10), Tensor.Ones(6, 5));   // [6, 2]
/// </code>
/// </example>
public sealed class NNConv : Module
{
    private readonly ReduceOp _reduce;

    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="inFeats">Input node feature size.</param>
    /// <param name="outFeats">Output size.</param>
    /// <param name="edgeFunc">f_Θ: edge features [E, …] → [E, inFeats·outFeats].</param>
    /// <param name="aggregatorType">"mean" (default), "sum" or "max".</param>
    /// <param name="residual">Add h_i·W_res (identity when the sizes agree).</param>
    /// <param name="bias">Add a learned bias.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values.</param>
    public NNConv(int inFeats, int outFeats, Module<Tensor, Tensor> edgeFunc, string aggregatorType = "mean", bool residual = false, bool bias = true,
        DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(edgeFunc);
        ConvSupport.CheckDType(nameof(NNConv), dtype);
        _reduce = ConvSupport.Reducer(nameof(NNConv), aggregatorType);
        InFeats = inFeats;
        OutFeats = outFeats;
        AggregatorType = aggregatorType;
        EdgeFunc = RegisterModule("edge_func", edgeFunc);
        Residual = residual;
        if (residual && inFeats != outFeats) ResFc = RegisterModule("res_fc", new Linear(inFeats, outFeats, bias: false, dtype: dtype, generator: generator));
        if (bias) Bias = RegisterParameter("bias", Tensor.Zeros(new Shape(outFeats), dtype));
        ResetOwn(generator);
    }

    /// <summary>Input node feature size.</summary>
    public int InFeats { get; }

    /// <summary>Output size.</summary>
    public int OutFeats { get; }

    /// <summary>"mean", "sum" or "max".</summary>
    public string AggregatorType { get; }

    /// <summary>f_Θ.</summary>
    public Module<Tensor, Tensor> EdgeFunc { get; }

    /// <summary>Whether the residual term is added.</summary>
    public bool Residual { get; }

    /// <summary>The residual projection (null when absent or the identity).</summary>
    public Linear? ResFc { get; }

    /// <summary>The bias, or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>Resets <see cref="EdgeFunc"/>, zeroes the bias and redraws the residual projection (Xavier normal, ReLU gain).</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        EdgeFunc.ResetParameters(generator);
        ResetOwn(generator);
    }

    private void ResetOwn(Generator? generator)
    {
        if (Bias is not null) Init.Zeros(Bias);
        if (ResFc is not null) Init.XavierNormal(ResFc.Weight, Init.CalculateGain("relu"), generator);
    }

    /// <summary>Computes h' from node features [NumSrcNodes, inFeats] and edge features [E, …].</summary>
    public Tensor Forward(Graph graph, Tensor features, Tensor edgeFeatures)
    {
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(NNConv));
        return Run(csr, ConvSupport.ExpandAsPair(graph, features, csr, nameof(NNConv)), edgeFeatures);
    }

    /// <summary>Computes h' on a bipartite relation from (source, destination) features and edge features.</summary>
    public Tensor Forward(Graph graph, (Tensor Src, Tensor Dst) features, Tensor edgeFeatures)
    {
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(NNConv));
        return Run(csr, ConvSupport.CheckPair(csr, features, nameof(NNConv)), edgeFeatures);
    }

    private Tensor Run(Csr csr, (Tensor Src, Tensor Dst) x, Tensor edgeFeatures)
    {
        ArgumentNullException.ThrowIfNull(edgeFeatures);
        ConvSupport.CheckEdges(nameof(NNConv), edgeFeatures, csr, "edge features");
        if (x.Src.Rank != 2 || x.Src.Size(1) != InFeats)
            throw new TensorShapeException($"{nameof(NNConv)}: features have shape {x.Src.Shape}; expected [N, {InFeats}]");
        var w = EdgeFunc.Forward(edgeFeatures);
        if (w.NumElements != csr.NumEntries * InFeats * OutFeats)
            throw new TensorShapeException($"{nameof(NNConv)}: edgeFunc returned shape {w.Shape}; expected [{csr.NumEntries}, {InFeats * OutFeats}] (an {InFeats} × {OutFeats} matrix per edge)");
        w = w.Reshape(csr.NumEntries, InFeats, OutFeats);
        var h = SparseOps.GSpMM(csr, BinaryOp.Mul, _reduce, x.Src.Unsqueeze(-1), w).Sum(1);
        if (Residual) h = h + (ResFc is null ? x.Dst : ResFc.Forward(x.Dst));
        if (Bias is not null) h = h + Bias;
        return h;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"inFeats={InFeats}, outFeats={OutFeats}, aggregatorType={AggregatorType}, residual={Fmt(Residual)}";
}
