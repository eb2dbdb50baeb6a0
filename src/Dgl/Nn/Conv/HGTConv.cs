using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Heterogeneous graph transformer layer (Hu et al., "Heterogeneous Graph Transformer", DGL's <c>HGTConv</c>), on a
/// heterograph converted to one node and edge type with type ids. Per head i, with node-type linear maps K, Q, V and
/// edge-type matrices W^ATT, W^MSG and priors μ:
/// a_e,i = (K_τ(s)(h_s)_i · W^ATT_φ(e),i) · Q_τ(t)(h_t)_i · μ_φ(e),i / √d,
/// m_e,i = V_τ(s)(h_s)_i · W^MSG_φ(e),i, h̃_t = A_τ(t)(‖_i Σ_{e→t} softmax_e(a_e,i)·m_e,i),
/// h_t' = σ(skip_τ(t))·dropout(h̃_t) + (1 − σ(skip_τ(t)))·r(h_t), where r is the identity or, when the sizes differ, a
/// learned projection; optionally followed by a LayerNorm.
/// </summary>
/// <remarks>
/// <para>Parameters and defaults as DGL 1.1: <c>dropout = 0.2</c>, <c>useNorm = false</c>. K, Q, V, A are
/// <see cref="TypedLinear"/>s over node types, W^ATT and W^MSG one TypedLinear per head over edge types (all
/// U(±1/√in)); priors μ and skip weights start at 1; the residual projection (when inSize ≠ heads·headSize) is Xavier
/// uniform.</para>
/// <para>Edges are sorted by type once per (graph, type tensor); the per-edge matrices then run as one GEMM per edge
/// type and head, the softmax as one fused edge softmax and the sum as one g-SpMM.</para>
/// </remarks>
/// <example>
/// <code>
/// var conv = new HGTConv(16, headSize: 4, numHeads: 4, numNtypes: 2, numEtypes: 3);
/// var h = conv.Forward(g, x, g.NData[Graph.NTYPE], g.EData[Graph.ETYPE]);   // [N, 16]
/// </code>
/// </example>
public sealed class HGTConv : Module
{
    private readonly List<Parameter> _relationPri = [];
    private readonly List<TypedLinear> _relationAtt = [];
    private readonly List<TypedLinear> _relationMsg = [];
    private readonly Dropout _drop;
    private EdgeTypeOrder? _order;

    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="inSize">Input feature size.</param>
    /// <param name="headSize">d, the size of each head.</param>
    /// <param name="numHeads">Number of heads.</param>
    /// <param name="numNtypes">Number of node types.</param>
    /// <param name="numEtypes">Number of edge types.</param>
    /// <param name="dropout">Dropout on the aggregated messages (after A).</param>
    /// <param name="useNorm">Apply a LayerNorm to the output.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values and dropout masks.</param>
    public HGTConv(int inSize, int headSize, int numHeads, int numNtypes, int numEtypes, double dropout = 0.2, bool useNorm = false,
        DType dtype = DType.Float32, Generator? generator = null)
    {
        ConvSupport.CheckDType(nameof(HGTConv), dtype);
        ArgumentOutOfRangeException.ThrowIfLessThan(numHeads, 1);
        InSize = inSize;
        HeadSize = headSize;
        NumHeads = numHeads;
        NumNtypes = numNtypes;
        NumEtypes = numEtypes;
        var outSize = headSize * numHeads;
        LinearK = RegisterModule("linear_k", new TypedLinear(inSize, outSize, numNtypes, dtype: dtype, generator: generator));
        LinearQ = RegisterModule("linear_q", new TypedLinear(inSize, outSize, numNtypes, dtype: dtype, generator: generator));
        LinearV = RegisterModule("linear_v", new TypedLinear(inSize, outSize, numNtypes, dtype: dtype, generator: generator));
        LinearA = RegisterModule("linear_a", new TypedLinear(outSize, outSize, numNtypes, dtype: dtype, generator: generator));
        var pri = new ParameterList();
        var att = new ModuleList();
        var msg = new ModuleList();
        for (var i = 0; i < numHeads; i++)
        {
            _relationPri.Add(pri.Add(Tensor.Ones(new Shape(numEtypes), dtype)));
            var a = new TypedLinear(headSize, headSize, numEtypes, dtype: dtype, generator: generator);
            var m = new TypedLinear(headSize, headSize, numEtypes, dtype: dtype, generator: generator);
            _relationAtt.Add(a);
            _relationMsg.Add(m);
            att.Add(a);
            msg.Add(m);
        }
        RegisterModule("relation_pri", pri);
        RegisterModule("relation_att", att);
        RegisterModule("relation_msg", msg);
        Skip = RegisterParameter("skip", Tensor.Ones(new Shape(numNtypes), dtype));
        _drop = RegisterModule("drop", new Dropout(dropout, generator));
        if (useNorm) Norm = RegisterModule("norm", new LayerNorm(outSize, dtype: dtype));
        if (inSize != outSize) ResidualW = RegisterParameter("residual_w", Tensor.Zeros(new Shape(inSize, outSize), dtype));
        ResetOwn(generator);
    }

    /// <summary>Input size.</summary>
    public int InSize { get; }

    /// <summary>d.</summary>
    public int HeadSize { get; }

    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Number of node types.</summary>
    public int NumNtypes { get; }

    /// <summary>Number of edge types.</summary>
    public int NumEtypes { get; }

    /// <summary>K per node type.</summary>
    public TypedLinear LinearK { get; }

    /// <summary>Q per node type.</summary>
    public TypedLinear LinearQ { get; }

    /// <summary>V per node type.</summary>
    public TypedLinear LinearV { get; }

    /// <summary>A per node type.</summary>
    public TypedLinear LinearA { get; }

    /// <summary>μ of head i, [numEtypes].</summary>
    public IReadOnlyList<Parameter> RelationPri => _relationPri;

    /// <summary>W^ATT of head i.</summary>
    public IReadOnlyList<TypedLinear> RelationAtt => _relationAtt;

    /// <summary>W^MSG of head i.</summary>
    public IReadOnlyList<TypedLinear> RelationMsg => _relationMsg;

    /// <summary>Skip weights per node type (before the sigmoid).</summary>
    public Parameter Skip { get; }

    /// <summary>The output LayerNorm, or null.</summary>
    public LayerNorm? Norm { get; }

    /// <summary>The residual projection [inSize, heads·headSize], or null when the sizes agree.</summary>
    public Parameter? ResidualW { get; }

    /// <inheritdoc/>
    public override void ResetParameters(Generator? generator = null)
    {
        base.ResetParameters(generator);
        ResetOwn(generator);
    }

    private void ResetOwn(Generator? generator)
    {
        foreach (var p in _relationPri) Init.Ones(p);
        Init.Ones(Skip);
        if (ResidualW is not null) Init.XavierUniform(ResidualW, 1, generator);
    }

    /// <summary>Computes the new features of the destination nodes.</summary>
    /// <param name="graph">A homogeneous graph (a converted heterograph) or block.</param>
    /// <param name="features">[NumSrcNodes, inSize].</param>
    /// <param name="ntypes">int32/int64 [NumSrcNodes] node types (on a block, the destinations' are the first NumDstNodes).</param>
    /// <param name="etypes">int32/int64 [E] edge types.</param>
    /// <returns>[NumDstNodes, heads·headSize].</returns>
    public Tensor Forward(Graph graph, Tensor features, Tensor ntypes, Tensor etypes)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(ntypes);
        ArgumentNullException.ThrowIfNull(etypes);
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(HGTConv));
        var (xSrc, xDst) = ConvSupport.ExpandAsPair(graph, features, csr, nameof(HGTConv));
        ConvSupport.CheckRows(nameof(HGTConv), ntypes, csr.NumCols, "node types", "source nodes");
        var srcTypes = ntypes;
        var dstTypes = graph.IsBlock ? ntypes.Slice(0, csr.NumRows) : ntypes;
        if (_order is null || !_order.Matches(csr, etypes)) _order = EdgeTypeOrder.Build(csr, etypes, NumEtypes, nameof(HGTConv));
        var order = _order;
        int h = NumHeads, d = HeadSize, e = csr.NumEntries;
        var k = LinearK.Forward(xSrc, srcTypes).Reshape(-1, h, d);
        var q = LinearQ.Forward(xDst, dstTypes).Reshape(-1, h, d);
        var v = LinearV.Forward(xSrc, srcTypes).Reshape(-1, h, d);
        // Per-edge rows in edge-type order: source keys and values, destination queries.
        var dstOfSorted = DestinationsInOrder(csr, order);
        var kE = k.IndexSelect(0, order.SortedSrc);
        var vE = v.IndexSelect(0, order.SortedSrc);
        var qE = q.IndexSelect(0, dstOfSorted);
        var lengths = Tensor.FromArray(order.Lengths);
        var scores = new Tensor[h];
        var messages = new Tensor[h];
        var invSqrtD = 1 / Math.Sqrt(d);
        for (var i = 0; i < h; i++)
        {
            var ki = kE.Narrow(1, i, 1).Reshape(e, d);
            var vi = vE.Narrow(1, i, 1).Reshape(e, d);
            var qi = qE.Narrow(1, i, 1).Reshape(e, d);
            var kw = SparseOps.SegmentMM(ki, _relationAtt[i].GetWeight(), lengths);
            scores[i] = (kw * qi).Sum(-1) * _relationPri[i].IndexSelect(0, order.SortedTypes) * invSqrtD;
            messages[i] = SparseOps.SegmentMM(vi, _relationMsg[i].GetWeight(), lengths);
        }
        var attention = SparseOps.EdgeSoftmax(order.SortedCsr, Tensor.Stack(scores, 1));   // [E, H]
        var weighted = Tensor.Stack(messages, 1) * attention.Unsqueeze(-1);                 // [E, H, d]
        var agg = SparseOps.GSpMM(order.SortedCsr, BinaryOp.CopyRhs, ReduceOp.Sum, null, weighted).Reshape(-1, h * d);
        var hNew = _drop.Forward(LinearA.Forward(agg, dstTypes));
        var alpha = Skip.IndexSelect(0, dstTypes.Int()).Sigmoid().Unsqueeze(-1);
        var residual = ResidualW is null ? xDst : xDst.MatMul(ResidualW);
        var result = hNew * alpha + residual * (1 - alpha);
        return Norm is null ? result : Norm.Forward(result);
    }

    // The destination node of the edge at each sorted position (from the CSC: row v holds v's in-edges).
    private static Tensor DestinationsInOrder(Csr csr, EdgeTypeOrder order)
    {
        var dst = new int[csr.NumEntries];
        var ids = order.SortedCsr.EdgeIds;
        for (var v = 0; v < csr.NumRows; v++)
            for (var p = csr.IndPtr[v]; p < csr.IndPtr[v + 1]; p++) dst[ids[p]] = v;
        return Tensor.FromArray(dst);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"inSize={InSize}, headSize={HeadSize}, numHeads={NumHeads}, numNtypes={NumNtypes}, numEtypes={NumEtypes}";

    /// <summary>Parameters registered under "0", "1", … (PyTorch's <c>nn.ParameterList</c>).</summary>
    private sealed class ParameterList : Module
    {
        private int _count;

        public Parameter Add(Tensor value) => RegisterParameter((_count++).ToString(System.Globalization.CultureInfo.InvariantCulture), value);
    }
}
