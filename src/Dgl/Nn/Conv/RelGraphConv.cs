using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Relational graph convolution (Schlichtkrull et al., "Modeling Relational Data with Graph Convolutional Networks",
/// DGL's <c>RelGraphConv</c>): h_i' = σ(Σ_r Σ_{j ∈ N_r(i)} e_ji · h_j·W_r + h_i·W_0 + b), where r runs over the
/// edge types, e_ji is an optional per-edge normaliser (such as 1/|N_r(i)|) and W_0 the self-loop weight. W_r is
/// regularised by "basis" decomposition (W_r = Σ_b a_rb·V_b) or "bdd" block-diagonal decomposition (see
/// <see cref="TypedLinear"/>).
/// </summary>
/// <remarks>
/// <para>Parameters and defaults as DGL 1.1: <c>regularizer = null</c>, <c>numBases = numRels</c> when a regularizer
/// is given without it, <c>bias = true</c> (zeros), <c>activation = null</c>, <c>selfLoop = true</c> (W_0 Xavier
/// uniform with the ReLU gain), <c>dropout = 0</c>, <c>layerNorm = false</c>. The output is layer norm (if any), then
/// + b, + h_i·W_0, activation, dropout, in DGL's order.</para>
/// <para>The edges are sorted by type once per (graph, type tensor) and the messages h_j·W_r computed with one GEMM
/// per type (<see cref="SparseOps.SegmentMM"/>) on the gathered source rows, then summed at the destinations by a
/// g-SpMM over the in-edge CSC renumbered to the sorted order. Passing node ids (an int32/int64 vector) instead of
/// features treats each node's input as the one-hot vector of its id (the featureless input layer of R-GCN, DGL 0.x's
/// integer input): a message is then row id_j of W_r.</para>
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create(new[] { 0, 1, 2, 3, 2, 5 }, new[] { 1, 2, 3, 4, 0, 3 });
/// var conv = new RelGraphConv(10, 2, numRels: 3, regularizer: "basis", numBases: 2);
/// var etypes = Tensor.From(new long[] { 0, 1, 2, 0, 1, 2 });
/// var h = conv.Forward(g, Tensor.Ones(6, 10), etypes);   // [6, 2]
/// </code>
/// </example>
public sealed class RelGraphConv : Module, IGraphModule
{
    private readonly Dropout? _dropout;
    private EdgeTypeOrder? _order;

    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="inFeat">Input feature size (for node-id input: the number of distinct ids).</param>
    /// <param name="outFeat">Output feature size.</param>
    /// <param name="numRels">Number of edge types.</param>
    /// <param name="regularizer">null, "basis" or "bdd".</param>
    /// <param name="numBases">Bases (basis) or blocks (bdd); default numRels.</param>
    /// <param name="bias">Add a learned bias (initialised to zeros).</param>
    /// <param name="activation">σ, or null.</param>
    /// <param name="selfLoop">Add the self-loop term h_i·W_0.</param>
    /// <param name="dropout">Dropout probability on the output.</param>
    /// <param name="layerNorm">Apply a LayerNorm (with affine weights) to the aggregated messages.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values and the dropout masks.</param>
    public RelGraphConv(int inFeat, int outFeat, int numRels, string? regularizer = null, int? numBases = null, bool bias = true,
        Func<Tensor, Tensor>? activation = null, bool selfLoop = true, double dropout = 0.0, bool layerNorm = false,
        DType dtype = DType.Float32, Generator? generator = null)
    {
        ConvSupport.CheckDType(nameof(RelGraphConv), dtype);
        if (regularizer is not null && numBases is null) numBases = numRels;
        InFeat = inFeat;
        OutFeat = outFeat;
        NumRels = numRels;
        Activation = activation;
        LinearR = RegisterModule("linear_r", new TypedLinear(inFeat, outFeat, numRels, regularizer, numBases, dtype, generator));
        if (bias) HBias = RegisterParameter("h_bias", Tensor.Zeros(new Shape(outFeat), dtype));
        if (layerNorm) LayerNormWeight = RegisterModule("layer_norm_weight", new LayerNorm(outFeat, dtype: dtype));
        if (selfLoop) LoopWeight = RegisterParameter("loop_weight", Tensor.Zeros(new Shape(inFeat, outFeat), dtype));
        Dropout = dropout;
        if (dropout > 0) _dropout = RegisterModule("dropout", new Dropout(dropout, generator));
        ResetOwn(generator);
    }

    /// <summary>Input feature size.</summary>
    public int InFeat { get; }

    /// <summary>Output feature size.</summary>
    public int OutFeat { get; }

    /// <summary>Number of edge types.</summary>
    public int NumRels { get; }

    /// <summary>The relation weights W_r.</summary>
    public TypedLinear LinearR { get; }

    /// <summary>The bias b [out], or null.</summary>
    public Parameter? HBias { get; }

    /// <summary>The self-loop weight W_0 [in, out], or null.</summary>
    public Parameter? LoopWeight { get; }

    /// <summary>The layer norm, or null.</summary>
    public LayerNorm? LayerNormWeight { get; }

    /// <summary>σ, or null.</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <summary>Dropout probability.</summary>
    public double Dropout { get; }

    /// <inheritdoc/>
    public override void ResetParameters(Generator? generator = null)
    {
        base.ResetParameters(generator);
        ResetOwn(generator);
    }

    private void ResetOwn(Generator? generator)
    {
        if (HBias is not null) Init.Zeros(HBias);
        if (LoopWeight is not null) Init.XavierUniform(LoopWeight, Init.CalculateGain("relu"), generator);
    }

    /// <summary>Computes h' on <paramref name="graph"/> (one relation; a homogeneous graph whose edges carry types, or a block).</summary>
    /// <param name="graph">The graph or block.</param>
    /// <param name="features">Node features [NumSrcNodes, inFeat], or node ids (int32/int64 [NumSrcNodes], each below inFeat) for one-hot input.</param>
    /// <param name="etypes">int32/int64 [E]: each edge's type in 0..numRels-1 (for a converted heterograph, <c>g.EData[Graph.ETYPE]</c>).</param>
    /// <param name="norm">Optional per-edge normaliser [E, 1] (or [E]) multiplying the messages.</param>
    /// <returns>[NumDstNodes, outFeat].</returns>
    public Tensor Forward(Graph graph, Tensor features, Tensor etypes, Tensor? norm = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(etypes);
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(RelGraphConv));
        ConvSupport.CheckRows(nameof(RelGraphConv), features, csr.NumCols, "features", "source nodes");
        if (!graph.IsBlock && csr.NumRows != csr.NumCols)
            throw new ArgumentException($"{nameof(RelGraphConv)}: the graph has {csr.NumCols} source and {csr.NumRows} destination nodes; pass a homogeneous graph or a block", nameof(graph));
        if (_order is null || !_order.Matches(csr, etypes)) _order = EdgeTypeOrder.Build(csr, etypes, NumRels, nameof(RelGraphConv));
        var order = _order;
        var ids = features.DType.IsInteger();
        if (ids && features.Rank != 1)
            throw new TensorShapeException($"{nameof(RelGraphConv)}: integer input has shape {features.Shape}; node ids are a 1-D tensor");
        if (!ids && (features.Rank != 2 || features.Size(1) != InFeat))
            throw new TensorShapeException($"{nameof(RelGraphConv)}: features have shape {features.Shape}; expected [{csr.NumCols}, {InFeat}]");

        var messages = ids ? IdMessages(order, features) : FeatureMessages(order, features);
        if (norm is not null)
        {
            ConvSupport.CheckEdges(nameof(RelGraphConv), norm, csr, "norm");
            var n = norm.Rank == 1 ? norm.Unsqueeze(1) : norm;
            messages = messages * n.IndexSelect(0, order.SortedToEdge);
        }
        var h = SparseOps.GSpMM(order.SortedCsr, BinaryOp.CopyRhs, ReduceOp.Sum, null, messages);
        if (LayerNormWeight is not null) h = LayerNormWeight.Forward(h);
        if (HBias is not null) h = h + HBias;
        if (LoopWeight is not null)
        {
            var dst = features.Slice(0, csr.NumRows);
            h = h + (ids ? LoopWeight.IndexSelect(0, CheckedIds(dst)) : dst.MatMul(LoopWeight));
        }
        if (Activation is not null) h = Activation(h);
        if (_dropout is not null) h = _dropout.Forward(h);
        return h;
    }

    /// <summary>Uses the edge types stored by <see cref="Graph.ToHomogeneous(IReadOnlyCollection{string}?, IReadOnlyCollection{string}?, bool)"/>
    /// (<c>g.EData[Graph.ETYPE]</c>), without a normaliser.</summary>
    Tensor IGraphModule.Forward(Graph graph, Tensor features)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (!graph.EData.TryGetValue(Graph.ETYPE, out var etypes))
            throw new ArgumentException($"{nameof(RelGraphConv)}: the graph has no edge feature '{Graph.ETYPE}' with the edge types; pass them to Forward(graph, features, etypes)", nameof(graph));
        return Forward(graph, features, etypes);
    }

    // h_j·W_r for every edge in type order: gather the source rows, then one GEMM per type.
    private Tensor FeatureMessages(EdgeTypeOrder order, Tensor x)
    {
        var xs = x.IndexSelect(0, order.SortedSrc);
        return LinearR.Regularizer == "bdd"
            ? LinearR.Forward(xs, order.SortedTypes, sortedByType: true)
            : SparseOps.SegmentMM(xs, LinearR.GetWeight(), Tensor.FromArray(order.Lengths));
    }

    // One-hot input: the message of edge (j → i, r) is row id_j of W_r.
    private Tensor IdMessages(EdgeTypeOrder order, Tensor ids)
    {
        if (LinearR.Regularizer == "bdd")
            throw new ArgumentException($"{nameof(RelGraphConv)}: node-id input is not supported with bdd regularization; pass features (or use basis/no regularizer)", nameof(ids));
        var id = CheckedIds(ids);
        var idSpan = id.AsSpan<int>();
        var src = order.SortedSrc.AsSpan<int>();
        var types = order.SortedTypes.AsSpan<int>();
        var rows = new int[src.Length];
        for (var p = 0; p < rows.Length; p++) rows[p] = types[p] * InFeat + idSpan[src[p]];
        return LinearR.GetWeight().Reshape(NumRels * InFeat, OutFeat).IndexSelect(0, Tensor.FromArray(rows));
    }

    private Tensor CheckedIds(Tensor ids)
    {
        var n = ids.Size(0);
        var result = new int[n];
        if (ids.DType == DType.Int32) ids.AsSpan<int>().CopyTo(result);
        else
        {
            var s = ids.AsSpan<long>();
            for (var i = 0; i < n; i++) result[i] = (ulong)s[i] < (ulong)InFeat ? (int)s[i] : -1;
        }
        for (var i = 0; i < n; i++)
        {
            if ((uint)result[i] >= (uint)InFeat)
                throw new ArgumentOutOfRangeException(nameof(ids), $"{nameof(RelGraphConv)}: node id {(ids.DType == DType.Int32 ? result[i] : ids.AsSpan<long>()[i])} at row {i} is not below inFeat = {InFeat}");
        }
        return Tensor.FromArray(result);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"inFeat={InFeat}, outFeat={OutFeat}, numRels={NumRels}, selfLoop={Fmt(LoopWeight is not null)}";
}
