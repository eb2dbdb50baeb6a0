using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Gaussian mixture model convolution (Monti et al., "Geometric Deep Learning on Graphs and Manifolds using Mixture
/// Model CNNs", DGL's <c>GMMConv</c>): h_i' = b + h_i·W_res + aggregate_{j ∈ N(i)} Σ_k w_k(u_ij) · (h_j·W_k),
/// with kernel weights w_k(u) = exp(−½ Σ_d (u_d − μ_kd)² · σ⁻¹_kd²) of the edge pseudo-coordinates u_ij.
/// </summary>
/// <remarks>
/// Parameters and defaults as DGL 1.1: <c>aggregatorType = "sum"</c> (or "mean", "max"), <c>residual = false</c>,
/// <c>bias = true</c>, <c>allowZeroInDegree = false</c>. Initialisation: fc (bias-free, in → nKernels·out) and the
/// residual Linear Xavier normal with the ReLU gain, μ ~ N(0, 0.1²), σ⁻¹ = 1, bias 0. As in DGL the aggregation runs
/// per kernel and the kernels are summed after it.
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create(new[] { 0, 1, 2, 3, 2, 5 }, new[] { 1, 2, 3, 4, 0, 3 }).AddSelfLoop();
/// var conv = new GMMConv(10, 2, dim: 3, nKernels: 2);
/// var h = conv.Forward(g, Tensor.Ones(6, 10), Tensor.Ones(g.NumEdges(), 3));   // [6, 2]
/// </code>
/// </example>
public sealed class GMMConv : Module
{
    private readonly ReduceOp _reduce;

    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="inFeats">Input feature size.</param>
    /// <param name="outFeats">Output size.</param>
    /// <param name="dim">Dimension of the pseudo-coordinates.</param>
    /// <param name="nKernels">Number of Gaussian kernels.</param>
    /// <param name="aggregatorType">"sum" (default), "mean" or "max".</param>
    /// <param name="residual">Add h_i·W_res (identity when the sizes agree).</param>
    /// <param name="bias">Add a learned bias.</param>
    /// <param name="allowZeroInDegree">Allow destinations without in-edges.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values.</param>
    public GMMConv(int inFeats, int outFeats, int dim, int nKernels, string aggregatorType = "sum", bool residual = false, bool bias = true,
        bool allowZeroInDegree = false, DType dtype = DType.Float32, Generator? generator = null)
    {
        ConvSupport.CheckDType(nameof(GMMConv), dtype);
        _reduce = ConvSupport.Reducer(nameof(GMMConv), aggregatorType);
        InFeats = inFeats;
        OutFeats = outFeats;
        Dim = dim;
        NKernels = nKernels;
        AggregatorType = aggregatorType;
        Residual = residual;
        AllowZeroInDegree = allowZeroInDegree;
        Mu = RegisterParameter("mu", Tensor.Zeros(new Shape(nKernels, dim), dtype));
        InvSigma = RegisterParameter("inv_sigma", Tensor.Zeros(new Shape(nKernels, dim), dtype));
        Fc = RegisterModule("fc", new Linear(inFeats, nKernels * outFeats, bias: false, dtype: dtype, generator: generator));
        if (residual && inFeats != outFeats) ResFc = RegisterModule("res_fc", new Linear(inFeats, outFeats, bias: false, dtype: dtype, generator: generator));
        if (bias) Bias = RegisterParameter("bias", Tensor.Zeros(new Shape(outFeats), dtype));
        ResetParameters(generator);
    }

    /// <summary>Input feature size.</summary>
    public int InFeats { get; }

    /// <summary>Output size.</summary>
    public int OutFeats { get; }

    /// <summary>Pseudo-coordinate dimension.</summary>
    public int Dim { get; }

    /// <summary>Number of kernels.</summary>
    public int NKernels { get; }

    /// <summary>"sum", "mean" or "max".</summary>
    public string AggregatorType { get; }

    /// <summary>Whether the residual term is added.</summary>
    public bool Residual { get; }

    /// <summary>Whether destinations without in-edges are allowed.</summary>
    public bool AllowZeroInDegree { get; set; }

    /// <summary>Kernel means μ [nKernels, dim].</summary>
    public Parameter Mu { get; }

    /// <summary>Inverse standard deviations σ⁻¹ [nKernels, dim].</summary>
    public Parameter InvSigma { get; }

    /// <summary>The projection to nKernels·outFeats.</summary>
    public Linear Fc { get; }

    /// <summary>The residual projection (null when absent or the identity).</summary>
    public Linear? ResFc { get; }

    /// <summary>The bias, or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    public override void ResetParameters(Generator? generator = null)
    {
        var gain = Init.CalculateGain("relu");
        Init.XavierNormal(Fc.Weight, gain, generator);
        if (ResFc is not null) Init.XavierNormal(ResFc.Weight, gain, generator);
        Init.Normal(Mu, 0, 0.1, generator);
        Init.Constant(InvSigma, 1);
        if (Bias is not null) Init.Zeros(Bias);
    }

    /// <summary>Computes h' from node features [NumSrcNodes, inFeats] and pseudo-coordinates [E, dim].</summary>
    /// <exception cref="ArgumentException">A destination has no in-edge and <see cref="AllowZeroInDegree"/> is false.</exception>
    public Tensor Forward(Graph graph, Tensor features, Tensor pseudo)
    {
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(GMMConv));
        return Run(csr, ConvSupport.ExpandAsPair(graph, features, csr, nameof(GMMConv)), pseudo);
    }

    /// <summary>Computes h' on a bipartite relation from (source, destination) features and pseudo-coordinates.</summary>
    public Tensor Forward(Graph graph, (Tensor Src, Tensor Dst) features, Tensor pseudo)
    {
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(GMMConv));
        return Run(csr, ConvSupport.CheckPair(csr, features, nameof(GMMConv)), pseudo);
    }

    private Tensor Run(Csr csr, (Tensor Src, Tensor Dst) x, Tensor pseudo)
    {
        ArgumentNullException.ThrowIfNull(pseudo);
        if (!AllowZeroInDegree) ConvSupport.CheckZeroInDegree(csr, nameof(GMMConv));
        var e = csr.NumEntries;
        if (pseudo.NumElements != e * Dim)
            throw new TensorShapeException($"{nameof(GMMConv)}: pseudo-coordinates have shape {pseudo.Shape}; expected [{e}, {Dim}]");
        var h = Fc.Forward(x.Src).Reshape(-1, NKernels, OutFeats);
        var diff = pseudo.Reshape(e, 1, Dim) - Mu.Reshape(1, NKernels, Dim);
        var sigma = InvSigma.Reshape(1, NKernels, Dim);
        var gaussian = (diff * diff * -0.5 * (sigma * sigma)).Sum(-1, keepDim: true).Exp();   // [E, K, 1]
        var rst = SparseOps.GSpMM(csr, BinaryOp.Mul, _reduce, h, gaussian).Sum(1);
        if (Residual) rst = rst + (ResFc is null ? x.Dst : ResFc.Forward(x.Dst));
        if (Bias is not null) rst = rst + Bias;
        return rst;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"inFeats={InFeats}, outFeats={OutFeats}, dim={Dim}, nKernels={NKernels}, aggregatorType={AggregatorType}";
}
