using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Attention-based graph neural network layer (Thekumparampil et al., "Attention-based Graph Neural Network for
/// Semi-supervised Learning", DGL's <c>AGNNConv</c>): h_i' = Σ_{j ∈ N(i)} P_ij·h_j with
/// P_ij = softmax_j(β · cos(h_i, h_j)) over each node's in-edges.
/// </summary>
/// <remarks>
/// Parameters and defaults as DGL 1.1: <c>initBeta = 1</c>, <c>learnBeta = true</c> (else a fixed buffer),
/// <c>allowZeroInDegree = false</c>. Cosines are one g-SDDMM (u_dot_v of the L2-normalised features, norms clamped
/// at 1e-12 as <c>F.normalize</c>), the softmax one fused edge softmax, the sum one g-SpMM.
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create(new[] { 0, 1, 2, 3, 2, 5 }, new[] { 1, 2, 3, 4, 0, 3 }).AddSelfLoop();
/// var h = new AGNNConv().Forward(g, Tensor.Ones(6, 10));   // [6, 10]
/// </code>
/// </example>
public sealed class AGNNConv : Module, IBipartiteGraphModule
{
    private readonly double _initBeta;

    /// <summary>Creates the layer.</summary>
    /// <param name="initBeta">Initial β.</param>
    /// <param name="learnBeta">Learn β (else a fixed buffer).</param>
    /// <param name="allowZeroInDegree">Allow destinations without in-edges (their output is 0).</param>
    /// <param name="dtype">dtype of β.</param>
    public AGNNConv(double initBeta = 1.0, bool learnBeta = true, bool allowZeroInDegree = false, DType dtype = DType.Float32)
    {
        ConvSupport.CheckDType(nameof(AGNNConv), dtype);
        _initBeta = initBeta;
        LearnBeta = learnBeta;
        AllowZeroInDegree = allowZeroInDegree;
        var beta = Tensor.Full(new Shape(1), initBeta, dtype);
        Beta = learnBeta ? RegisterParameter("beta", beta) : RegisterBuffer("beta", beta);
    }

    /// <summary>Whether β is learned.</summary>
    public bool LearnBeta { get; }

    /// <summary>Whether destinations without in-edges are allowed.</summary>
    public bool AllowZeroInDegree { get; set; }

    /// <summary>β, shape [1].</summary>
    public Tensor Beta { get; }

    /// <summary>Sets β back to <c>initBeta</c>.</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        using (Dgl.Tensors.Autograd.GradMode.NoGrad()) Beta.FillInPlace(_initBeta);
    }

    /// <summary>Computes h' on a graph or block from features [NumSrcNodes, …].</summary>
    /// <exception cref="ArgumentException">A destination has no in-edge and <see cref="AllowZeroInDegree"/> is false.</exception>
    public Tensor Forward(Graph graph, Tensor features)
    {
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(AGNNConv));
        var x = ConvSupport.ExpandAsPair(graph, features, csr, nameof(AGNNConv));
        var normSrc = Normalize(x.Src);
        return Run(csr, x.Src, normSrc, graph.IsBlock ? Normalize(x.Dst) : normSrc);
    }

    /// <summary>Computes h' on a bipartite relation from (source, destination) features.</summary>
    public Tensor Forward(Graph graph, (Tensor Src, Tensor Dst) features)
    {
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(AGNNConv));
        var x = ConvSupport.CheckPair(csr, features, nameof(AGNNConv));
        return Run(csr, x.Src, Normalize(x.Src), Normalize(x.Dst));
    }

    private Tensor Run(Csr csr, Tensor src, Tensor normSrc, Tensor normDst)
    {
        if (!AllowZeroInDegree) ConvSupport.CheckZeroInDegree(csr, nameof(AGNNConv));
        var cos = SparseOps.GSDDMM(csr, CsrRows.Dst, BinaryOp.Dot, normSrc, normDst, Target.Src, Target.Dst);
        var e = LearnBeta ? cos * Beta : cos * Beta.ToDouble();
        var p = SparseOps.EdgeSoftmax(csr, e);
        return SparseOps.GSpMM(csr, BinaryOp.Mul, ReduceOp.Sum, src, p);
    }

    /// <summary>x / max(‖x‖₂, 1e-12) over the last dimension (PyTorch's <c>F.normalize</c>).</summary>
    internal static Tensor Normalize(Tensor x) => x / x.Norm(2, -1, keepDim: true).ClampMin(1e-12);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"learnBeta={Fmt(LearnBeta)}";
}
