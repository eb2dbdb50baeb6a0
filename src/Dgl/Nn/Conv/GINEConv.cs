using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// GIN with edge features (Hu et al., "Strategies for Pre-training Graph Neural Networks", DGL's <c>GINEConv</c>):
/// h_i' = f_Θ((1 + ε)·h_i + Σ_{j ∈ N(i)} ReLU(h_j + e_ji)), where e_ji is the feature of edge j → i (same size as
/// the node features) and f_Θ the optional <c>applyFunc</c>.
/// </summary>
/// <remarks>
/// Parameters and defaults as DGL 1.1: <c>applyFunc = null</c>, <c>initEps = 0</c>, <c>learnEps = false</c>. The
/// messages are one g-SDDMM (u_add_e) and a ReLU, summed by one g-SpMM. A node without in-edges gets (1 + ε)·h_i.
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create(new[] { 0, 1, 2, 3, 2, 5 }, new[] { 1, 2, 3, 4, 0, 3 });
/// var conv = new GINEConv(new Linear(10, 2));
/// var h = conv.Forward(g, Tensor.Ones(6, 10), Tensor.Ones(6, 10));   // [6, 2]
/// </code>
/// </example>
public sealed class GINEConv : Module
{
    private readonly double _initEps;

    /// <summary>Creates the layer.</summary>
    /// <param name="applyFunc">f_Θ, or null.</param>
    /// <param name="initEps">Initial ε.</param>
    /// <param name="learnEps">Learn ε (else a fixed buffer).</param>
    /// <param name="dtype">dtype of ε.</param>
    public GINEConv(Module<Tensor, Tensor>? applyFunc = null, double initEps = 0, bool learnEps = false, DType dtype = DType.Float32)
    {
        ConvSupport.CheckDType(nameof(GINEConv), dtype);
        _initEps = initEps;
        LearnEps = learnEps;
        if (applyFunc is not null) ApplyFunc = RegisterModule("apply_func", applyFunc);
        var eps = Tensor.Full(new Shape(1), initEps, dtype);
        Eps = learnEps ? RegisterParameter("eps", eps) : RegisterBuffer("eps", eps);
    }

    /// <summary>Whether ε is learned.</summary>
    public bool LearnEps { get; }

    /// <summary>f_Θ, or null.</summary>
    public Module<Tensor, Tensor>? ApplyFunc { get; }

    /// <summary>ε, shape [1].</summary>
    public Tensor Eps { get; }

    /// <summary>Sets ε back to <c>initEps</c> and resets <see cref="ApplyFunc"/>.</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        base.ResetParameters(generator);
        using (Dgl.Tensors.Autograd.GradMode.NoGrad()) Eps.FillInPlace(_initEps);
    }

    /// <summary>Computes h' from node features [NumSrcNodes, D] and edge features [E, D].</summary>
    public Tensor Forward(Graph graph, Tensor nodeFeatures, Tensor edgeFeatures)
    {
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(GINEConv));
        return Run(csr, ConvSupport.ExpandAsPair(graph, nodeFeatures, csr, nameof(GINEConv)), edgeFeatures);
    }

    /// <summary>Computes h' on a bipartite relation from (source, destination) node features and edge features.</summary>
    public Tensor Forward(Graph graph, (Tensor Src, Tensor Dst) nodeFeatures, Tensor edgeFeatures)
    {
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(GINEConv));
        return Run(csr, ConvSupport.CheckPair(csr, nodeFeatures, nameof(GINEConv)), edgeFeatures);
    }

    private Tensor Run(Csr csr, (Tensor Src, Tensor Dst) x, Tensor edgeFeatures)
    {
        ArgumentNullException.ThrowIfNull(edgeFeatures);
        ConvSupport.CheckEdges(nameof(GINEConv), edgeFeatures, csr, "edge features");
        var messages = SparseOps.GSDDMM(csr, CsrRows.Dst, BinaryOp.Add, x.Src, edgeFeatures, Target.Src, Target.Edge).Relu();
        var neigh = SparseOps.GSpMM(csr, BinaryOp.CopyRhs, ReduceOp.Sum, null, messages);
        Tensor self;
        if (LearnEps) self = x.Dst * (Eps + 1.0);
        else
        {
            var eps = Eps.ToDouble();
            self = eps == 0 ? x.Dst : x.Dst * (1 + eps);
        }
        var rst = self + neigh;
        return ApplyFunc is null ? rst : ApplyFunc.Forward(rst);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"learnEps={Fmt(LearnEps)}";
}
