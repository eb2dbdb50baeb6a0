using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// GraphSAGE (Hamilton et al., <i>Inductive Representation Learning on Large Graphs</i>), as DGL's <c>SAGEConv</c>:
/// h_N(i) = aggregate_{j∈N(i)}(e_ji · h_j);  h_i' = norm(σ(W_self h_i + W_neigh h_N(i) + b)),
/// with the aggregator "mean" (the mean of the messages), "gcn" (h_i' = W (h_i + Σ_j e_ji h_j) / (|N(i)| + 1) + b,
/// no self term), "pool" (max over j of ReLU(W_pool h_j + b_pool)) or "lstm" (the last hidden state of an LSTM
/// run over the messages in edge order). e_ji is an optional scalar edge weight.
/// </summary>
/// <remarks>
/// <para>As in DGL, for "mean" and "gcn" the features are projected by W_neigh before aggregation when
/// inFeats &gt; outFeats (fewer columns to aggregate), after it otherwise. Nodes without in-edges aggregate to 0.
/// The LSTM aggregator groups destinations by in-degree and runs one batched LSTM per group, as DGL's degree
/// bucketing does.</para>
/// <para>Works on graphs, blocks and (source, destination) feature pairs; "gcn" needs equal source and destination
/// feature sizes.</para>
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create([0, 1, 2, 3, 2, 5], [1, 2, 3, 4, 0, 3]);
/// var sage = new SAGEConv(10, 2, "pool", generator: new Generator(0));
/// var h = sage.Forward(g, Tensor.Ones(6, 10));        // [6, 2]
/// </code>
/// </example>
public sealed class SAGEConv : Module, IGraphModule
{
    private static readonly string[] s_aggregators = ["mean", "gcn", "pool", "lstm"];
    private readonly Dropout _featDrop;
    private readonly Generator? _generator;

    /// <summary>Creates the layer for one input size.</summary>
    /// <param name="inFeats">Input feature size.</param>
    /// <param name="outFeats">Output feature size.</param>
    /// <param name="aggregatorType">"mean", "gcn", "pool" or "lstm".</param>
    /// <param name="featDrop">Dropout on the input features (default 0).</param>
    /// <param name="bias">Learn a bias (default true): W_self's, or a separate one for "gcn".</param>
    /// <param name="norm">Applied to the output last (a normalisation layer's forward, say; default none).</param>
    /// <param name="activation">σ (default none).</param>
    /// <param name="dtype">Parameter dtype (default float32).</param>
    /// <param name="generator">Random stream for initialisation and dropout.</param>
    /// <exception cref="ArgumentException">An unknown aggregator.</exception>
    public SAGEConv(int inFeats, int outFeats, string aggregatorType, double featDrop = 0, bool bias = true,
        Func<Tensor, Tensor>? norm = null, Func<Tensor, Tensor>? activation = null, DType dtype = DType.Float32, Generator? generator = null)
        : this(inFeats, inFeats, outFeats, aggregatorType, featDrop, bias, norm, activation, dtype, generator)
    {
    }

    /// <summary>Creates the layer for different source and destination input sizes (see the other constructor).</summary>
    public SAGEConv((int Src, int Dst) inFeats, int outFeats, string aggregatorType, double featDrop = 0, bool bias = true,
        Func<Tensor, Tensor>? norm = null, Func<Tensor, Tensor>? activation = null, DType dtype = DType.Float32, Generator? generator = null)
        : this(inFeats.Src, inFeats.Dst, outFeats, aggregatorType, featDrop, bias, norm, activation, dtype, generator)
    {
    }

    private SAGEConv(int inSrc, int inDst, int outFeats, string aggregatorType, double featDrop, bool bias,
        Func<Tensor, Tensor>? norm, Func<Tensor, Tensor>? activation, DType dtype, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(aggregatorType);
        if (Array.IndexOf(s_aggregators, aggregatorType) < 0)
            throw new ArgumentException($"SAGEConv: invalid aggregatorType '{aggregatorType}'; expected one of mean, gcn, pool, lstm", nameof(aggregatorType));
        ArgumentOutOfRangeException.ThrowIfNegative(inSrc);
        ArgumentOutOfRangeException.ThrowIfNegative(inDst);
        ArgumentOutOfRangeException.ThrowIfNegative(outFeats);
        InSrcFeats = inSrc;
        InDstFeats = inDst;
        OutFeats = outFeats;
        AggregatorType = aggregatorType;
        Norm = norm;
        Activation = activation;
        _generator = generator;
        _featDrop = RegisterModule("feat_drop", new Dropout(featDrop, generator));
        if (aggregatorType == "pool") FcPool = RegisterModule("fc_pool", new Linear(inSrc, inSrc, dtype: dtype, generator: generator));
        if (aggregatorType == "lstm") Lstm = RegisterModule("lstm", new LSTM(inSrc, inSrc, batchFirst: true, dtype: dtype, generator: generator));
        FcNeigh = RegisterModule("fc_neigh", new Linear(inSrc, outFeats, bias: false, dtype, generator));
        if (aggregatorType != "gcn") FcSelf = RegisterModule("fc_self", new Linear(inDst, outFeats, bias, dtype, generator));
        else if (bias) Bias = RegisterParameter("bias", Tensor.Zeros([outFeats], dtype));
        ResetParameters(generator);
    }

    /// <summary>Source input size.</summary>
    public int InSrcFeats { get; }

    /// <summary>Destination input size.</summary>
    public int InDstFeats { get; }

    /// <summary>Output size.</summary>
    public int OutFeats { get; }

    /// <summary>"mean", "gcn", "pool" or "lstm".</summary>
    public string AggregatorType { get; }

    /// <summary>The output normalisation, or null.</summary>
    public Func<Tensor, Tensor>? Norm { get; }

    /// <summary>σ, or null.</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <summary>W_pool with its bias ("pool" only).</summary>
    public Linear? FcPool { get; }

    /// <summary>The aggregating LSTM ("lstm" only).</summary>
    public LSTM? Lstm { get; }

    /// <summary>W_neigh (no bias).</summary>
    public Linear FcNeigh { get; }

    /// <summary>W_self with the bias (every aggregator but "gcn").</summary>
    public Linear? FcSelf { get; }

    /// <summary>The bias of the "gcn" aggregator, or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>
    /// DGL's initialisation: Xavier-uniform with gain √2 for W_pool, W_self and W_neigh; the LSTM's own reset; the
    /// linear biases with PyTorch's default U(±1/√in) (DGL leaves them at that construction-time default) and the
    /// "gcn" bias at zero.
    /// </summary>
    public override void ResetParameters(Generator? generator = null)
    {
        var gain = Init.CalculateGain("relu");
        if (FcPool is not null)
        {
            Init.DefaultLinear(FcPool.Weight, FcPool.Bias, generator);
            Init.XavierUniform(FcPool.Weight, gain, generator);
        }
        Lstm?.ResetParameters(generator);
        if (FcSelf is not null)
        {
            Init.DefaultLinear(FcSelf.Weight, FcSelf.Bias, generator);
            Init.XavierUniform(FcSelf.Weight, gain, generator);
        }
        Init.XavierUniform(FcNeigh.Weight, gain, generator);
        if (Bias is not null) Init.Zeros(Bias);
    }

    /// <summary>Convolves node features [N, inFeats] (source features on a block) into [Ndst, outFeats].</summary>
    public Tensor Forward(Graph graph, Tensor features) => Forward(graph, features, null);

    /// <summary>Convolves node features with optional scalar edge weights [E] or [E, 1].</summary>
    public Tensor Forward(Graph graph, Tensor features, Tensor? edgeWeight)
    {
        var (src, _) = ConvSupport.ExpandAsPair(graph, features, nameof(SAGEConv));
        ConvSupport.CheckWidth(nameof(SAGEConv), src, InSrcFeats, "the input features");
        var h = _featDrop.Forward(src);
        var hDst = graph.IsBlock ? h.Slice(0, NumDst(graph)) : h;
        return Run(graph, new Input(h), new Input(hDst), pair: false, edgeWeight);
    }

    /// <summary>Convolves separate (source, destination) features on a uni-bipartite graph or block.</summary>
    public Tensor Forward(Graph graph, (Tensor Src, Tensor Dst) features, Tensor? edgeWeight = null)
    {
        ConvSupport.CheckPair(graph, features.Src, features.Dst, nameof(SAGEConv));
        ConvSupport.CheckWidth(nameof(SAGEConv), features.Src, InSrcFeats, "the source features");
        ConvSupport.CheckWidth(nameof(SAGEConv), features.Dst, InDstFeats, "the destination features");
        if (AggregatorType == "gcn" && InSrcFeats != InDstFeats)
            throw new TensorShapeException($"SAGEConv: the gcn aggregator needs source and destination features of one size; got {features.Src.Shape} and {features.Dst.Shape}");
        return Run(graph, new Input(_featDrop.Forward(features.Src)), new Input(_featDrop.Forward(features.Dst)), pair: true, edgeWeight);
    }

    /// <summary>
    /// Convolves row-sparse input features: dropout and every product with the input touch the non-zeros only.
    /// Supported where DGL projects before aggregating ("mean" and "gcn" with inFeats &gt; outFeats) and for "pool".
    /// </summary>
    /// <exception cref="InvalidOperationException">The "lstm" aggregator, or "mean"/"gcn" with inFeats ≤ outFeats.</exception>
    public Tensor Forward(Graph graph, SparseFeatures features, Tensor? edgeWeight = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (AggregatorType == "lstm" || (AggregatorType != "pool" && InSrcFeats <= OutFeats))
            throw new InvalidOperationException($"SAGEConv: sparse features are supported for pool, and for mean/gcn when inFeats > outFeats (this module: {AggregatorType}, in={InSrcFeats}, out={OutFeats}); pass features.ToDense() instead");
        var s = ConvSupport.Relation(graph, nameof(SAGEConv));
        if (features.NumRows != s.NumSrc || features.NumCols != InSrcFeats)
            throw new TensorShapeException($"SAGEConv: sparse features are [{features.NumRows}, {features.NumCols}]; expected [{s.NumSrc}, {InSrcFeats}]");
        if (!graph.IsBlock && s.NumDst != s.NumSrc)
            throw new ArgumentException("SAGEConv: the graph is bipartite; pass dense (source, destination) features", nameof(graph));
        var x = new Input(features.Dropout(_featDrop.P, Training, _generator));
        return Run(graph, x, x.Rows(s.NumDst), pair: false, edgeWeight);
    }

    private static int NumDst(Graph graph) => ConvSupport.InCsr(graph, nameof(SAGEConv)).NumRows;

    private Tensor Run(Graph graph, Input src, Input dst, bool pair, Tensor? edgeWeight)
    {
        const string name = nameof(SAGEConv);
        Tensor? w = null;
        if (edgeWeight is not null)
        {
            w = ConvSupport.EdgeWeightsInEntryOrder(graph, edgeWeight, name);
        }
        var linBeforeMp = InSrcFeats > OutFeats;
        Tensor hNeigh;
        switch (AggregatorType)
        {
            case "mean":
            {
                var h = linBeforeMp ? src.Apply(FcNeigh) : src.Dense;
                var neigh = ConvSupport.Aggregate(graph, h, w, ReduceOp.Mean, name);
                hNeigh = linBeforeMp ? neigh : FcNeigh.Forward(neigh);
                break;
            }
            case "gcn":
            {
                var hs = linBeforeMp ? src.Apply(FcNeigh) : src.Dense;
                Tensor hd;
                if (pair) hd = linBeforeMp ? dst.Apply(FcNeigh) : dst.Dense;
                else hd = graph.IsBlock ? hs.Slice(0, NumDst(graph)) : hs;
                var neigh = ConvSupport.Aggregate(graph, hs, w, ReduceOp.Sum, name);
                var scale = ConvSupport.NodeScale(graph, ConvSupport.Degree.In, "1/(deg+1)", d => 1.0 / (d + 1), neigh.DType, 2, name);
                hNeigh = (neigh + hd) * scale;
                if (!linBeforeMp) hNeigh = FcNeigh.Forward(hNeigh);
                break;
            }
            case "pool":
            {
                var h = src.Apply(FcPool!).Relu();
                hNeigh = FcNeigh.Forward(ConvSupport.Aggregate(graph, h, w, ReduceOp.Max, name));
                break;
            }
            default:
                hNeigh = FcNeigh.Forward(LstmAggregate(graph, src.Dense, w));
                break;
        }
        var rst = AggregatorType == "gcn" ? (Bias is null ? hNeigh : hNeigh + Bias) : dst.ApplyPlus(FcSelf!, hNeigh);
        if (Activation is not null) rst = Activation(rst);
        if (Norm is not null) rst = Norm(rst);
        return rst;
    }

    /// <summary>
    /// The LSTM reducer: destinations grouped by in-degree L; for each group, the [B, L, D] messages (in edge-id
    /// order within each node, as DGL's mailbox) run through the LSTM from zero state, and the last hidden state is
    /// the node's aggregate. Nodes without in-edges get zeros. <paramref name="w"/> is in entry order.
    /// </summary>
    private Tensor LstmAggregate(Graph graph, Tensor h, Tensor? w)
    {
        var inCsr = ConvSupport.InCsr(graph, nameof(SAGEConv));
        var ptr = inCsr.IndPtr;
        var n = inCsr.NumRows;
        var byDegree = new SortedDictionary<int, List<int>>();
        for (var v = 0; v < n; v++)
        {
            var deg = (int)(ptr[v + 1] - ptr[v]);
            if (!byDegree.TryGetValue(deg, out var list)) byDegree[deg] = list = [];
            list.Add(v);
        }
        var pieces = new List<Tensor>();
        var order = new int[n];
        var position = 0;
        foreach (var (deg, nodes) in byDegree)
        {
            if (deg == 0) continue;
            var srcIds = new int[nodes.Count * deg];
            var edgeIds = new int[nodes.Count * deg];
            for (var b = 0; b < nodes.Count; b++)
            {
                var start = ptr[nodes[b]];
                for (var l = 0; l < deg; l++)
                {
                    srcIds[b * deg + l] = inCsr.Indices[start + l];
                    edgeIds[b * deg + l] = inCsr.EdgeIds[start + l];
                }
            }
            var m = h.IndexSelect(0, Tensor.FromArray(srcIds));
            if (w is not null) m *= w.IndexSelect(0, Tensor.FromArray(edgeIds));
            var (_, (last, _)) = Lstm!.Forward(m.Reshape(nodes.Count, deg, InSrcFeats));
            pieces.Add(last.Reshape(nodes.Count, InSrcFeats));
            foreach (var v in nodes) order[v] = position++;
        }
        if (byDegree.TryGetValue(0, out var isolated))
        {
            pieces.Add(Tensor.Zeros([isolated.Count, InSrcFeats], h.DType));
            foreach (var v in isolated) order[v] = position++;
        }
        var stacked = pieces.Count == 1 ? pieces[0] : Tensor.Cat(pieces);
        return stacked.IndexSelect(0, Tensor.FromArray(order));
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"in=({InSrcFeats}, {InDstFeats}), out={OutFeats}, aggregator={AggregatorType}";

    /// <summary>Input features, dense or row-sparse, with the products the aggregators take of them.</summary>
    private readonly struct Input
    {
        private readonly Tensor? _dense;
        private readonly SparseFeatures? _sparse;
        private readonly int _rows;

        public Input(Tensor dense) => _dense = dense;

        public Input(SparseFeatures sparse) => _sparse = sparse;

        private Input(SparseFeatures sparse, int rows)
        {
            _sparse = sparse;
            _rows = rows;
        }

        /// <summary>The dense features (only asked for where the sparse overload is refused up front).</summary>
        public Tensor Dense => _dense ?? throw new InvalidOperationException("SAGEConv: this aggregator needs dense features");

        /// <summary>The first <paramref name="rows"/> rows (a block's destination nodes).</summary>
        public Input Rows(int rows) => new(_sparse!, rows);

        /// <summary>fc(x) for the (first) rows.</summary>
        public Tensor Apply(Linear fc)
        {
            if (_dense is not null) return fc.Forward(_dense);
            var y = _sparse!.Linear(fc.Weight, fc.Bias);
            return _rows > 0 && _rows < y.Size(0) ? y.Slice(0, _rows) : y;
        }

        /// <summary>fc(x) + addend; for dense x one op that accumulates onto a copy of the addend (one output tensor
        /// instead of two products and their sum).</summary>
        public Tensor ApplyPlus(Linear fc, Tensor addend) =>
            _dense is { Rank: 2 } x && addend.DType == x.DType && addend.Shape == new Shape(x.Size(0), fc.OutFeatures) ? F.Linear(_dense, fc.Weight, fc.Bias, addend) : Apply(fc) + addend;
    }
}
