using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// EdgeConv (Wang et al., "Dynamic Graph CNN for Learning on Point Clouds", DGL's <c>EdgeConv</c>):
/// h_i' = max_{j ∈ N(i)} (Θ·(x_i − x_j) + Φ·x_i), with Θ and Φ linear layers (with bias).
/// </summary>
/// <remarks>
/// <para>Parameters and defaults as DGL 1.1: <c>batchNorm = false</c> (with it, the edge messages go through a
/// BatchNorm1d before the max), <c>allowZeroInDegree = false</c> (a destination without in-edges is an error; when
/// allowed, its output is 0, as DGL's max reducer gives).</para>
/// <para>Without batch norm the layer uses Θ(x_i − x_j) + Φ(x_i) = (Θx_i + b_Θ + Φx_i) − Wx_j, so the maximum over j
/// is a per-node term minus one g-SpMM minimum of Wx_j over the in-edges: no per-edge tensor is built.</para>
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create(new[] { 0, 1, 2, 3, 2, 5 }, new[] { 1, 2, 3, 4, 0, 3 }).AddSelfLoop();
/// var h = new EdgeConv(10, 2).Forward(g, Tensor.Ones(6, 10));   // [6, 2]
/// </code>
/// </example>
public sealed class EdgeConv : Module, IBipartiteGraphModule
{
    /// <summary>Creates the layer and initialises it (PyTorch's Linear initialisation for Θ and Φ).</summary>
    /// <param name="inFeat">Input feature size.</param>
    /// <param name="outFeat">Output feature size.</param>
    /// <param name="batchNorm">Normalise the edge messages with a BatchNorm1d before the max.</param>
    /// <param name="allowZeroInDegree">Allow destinations without in-edges (their output is 0).</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values.</param>
    public EdgeConv(int inFeat, int outFeat, bool batchNorm = false, bool allowZeroInDegree = false, DType dtype = DType.Float32, Generator? generator = null)
    {
        ConvSupport.CheckDType(nameof(EdgeConv), dtype);
        AllowZeroInDegree = allowZeroInDegree;
        Theta = RegisterModule("theta", new Linear(inFeat, outFeat, dtype: dtype, generator: generator));
        Phi = RegisterModule("phi", new Linear(inFeat, outFeat, dtype: dtype, generator: generator));
        if (batchNorm) BatchNorm = RegisterModule("bn", new BatchNorm1d(outFeat, dtype: dtype));
    }

    /// <summary>Θ.</summary>
    public Linear Theta { get; }

    /// <summary>Φ.</summary>
    public Linear Phi { get; }

    /// <summary>The edge-message batch norm, or null.</summary>
    public BatchNorm1d? BatchNorm { get; }

    /// <summary>Whether destinations without in-edges are allowed.</summary>
    public bool AllowZeroInDegree { get; set; }

    /// <summary>Computes h' on a graph or block from features [NumSrcNodes, inFeat].</summary>
    /// <exception cref="ArgumentException">A destination has no in-edge and <see cref="AllowZeroInDegree"/> is false.</exception>
    public Tensor Forward(Graph graph, Tensor features)
    {
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(EdgeConv));
        return Run(csr, ConvSupport.ExpandAsPair(graph, features, csr, nameof(EdgeConv)));
    }

    /// <summary>Computes h' on a bipartite relation from (source, destination) features.</summary>
    public Tensor Forward(Graph graph, (Tensor Src, Tensor Dst) features)
    {
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(EdgeConv));
        return Run(csr, ConvSupport.CheckPair(csr, features, nameof(EdgeConv)));
    }

    private Tensor Run(Csr csr, (Tensor Src, Tensor Dst) x)
    {
        if (!AllowZeroInDegree) ConvSupport.CheckZeroInDegree(csr, nameof(EdgeConv));
        if (BatchNorm is not null)
        {
            // Per-edge messages are needed for the batch statistics: θ_e = Θ(x_i − x_j), e = θ_e + Φx_i.
            var diff = SparseOps.GSDDMM(csr, CsrRows.Dst, BinaryOp.Sub, x.Dst, x.Src, Target.Dst, Target.Src);
            var e = SparseOps.GSDDMM(csr, CsrRows.Dst, BinaryOp.Add, Theta.Forward(diff), Phi.Forward(x.Dst), Target.Edge, Target.Dst);
            return SparseOps.GSpMM(csr, BinaryOp.CopyRhs, ReduceOp.Max, null, BatchNorm.Forward(e));
        }
        // max_j (Θx_i + b + Φx_i − Wx_j) = (Θx_i + b + Φx_i) − min_j Wx_j; zero for destinations without in-edges.
        var wSrc = F.Linear(x.Src, Theta.Weight);
        var node = Theta.Forward(x.Dst) + Phi.Forward(x.Dst);
        var minNeighbour = SparseOps.GSpMM(csr, BinaryOp.CopyLhs, ReduceOp.Min, wSrc, null);
        var h = node - minNeighbour;
        return AllowZeroInDegree && ConvSupport.HasZeroInDegree(csr) ? h * ConvSupport.HasInEdgeMask(csr, h.Rank - 1, h.DType) : h;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"batchNorm={Fmt(BatchNorm is not null)}";
}
