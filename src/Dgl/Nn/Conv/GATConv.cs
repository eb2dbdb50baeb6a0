using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Graph attention (Veličković et al., <i>Graph Attention Networks</i>), as DGL's <c>GATConv</c>, per head k:
/// h_i' = Σ_{j∈N(i)} α_ij W h_j (+ residual, + b), with
/// α_ij = softmax_j(LeakyReLU(a_lᵀ W h_j + a_rᵀ W h_i)) over i's in-edges (W h_j is W_src h_j and W h_i is
/// W_dst h_i when the input sizes are a (source, destination) pair).
/// </summary>
/// <remarks>
/// <para>Computed as DGL does: per-node scores e_l = ⟨W h_j, a_l⟩ and e_r = ⟨W h_i, a_r⟩, one g-SDDMM for e_l[u] + e_r[v]
/// per edge, an edge softmax over each destination's in-edges, attention dropout, and one g-SpMM of
/// W h_u · α_uv — no per-edge message is materialised.</para>
/// <para>Input features are [N, inFeats]; the output is [Ndst, numHeads, outFeats] (flatten or average the heads
/// yourself, as DGL's examples do). With edge weights [E] the attention is multiplied by them after the softmax.</para>
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create([0, 1, 2, 3, 2, 5], [1, 2, 3, 4, 0, 3]).AddSelfLoop();
/// var gat = new GATConv(10, 2, numHeads: 3, generator: new Generator(0));
/// var h = gat.Forward(g, Tensor.Ones(6, 10));                    // [6, 3, 2]
/// var (h2, attention) = gat.ForwardWithAttention(g, Tensor.Ones(6, 10));
/// Console.WriteLine(attention.Shape);                             // [12, 3, 1]
/// </code>
/// </example>
public sealed class GATConv : Module, IGraphModule
{
    private readonly Dropout _featDrop;
    private readonly Dropout _attnDrop;
    private readonly bool _identityResidual;

    /// <summary>Creates the layer for one input size shared by sources and destinations (one projection W).</summary>
    /// <param name="inFeats">Input feature size.</param>
    /// <param name="outFeats">Output feature size per head.</param>
    /// <param name="numHeads">Number of attention heads.</param>
    /// <param name="featDrop">Dropout on the input features (default 0).</param>
    /// <param name="attnDrop">Dropout on the attention weights (default 0).</param>
    /// <param name="negativeSlope">LeakyReLU slope (default 0.2).</param>
    /// <param name="residual">Add a residual connection (default false): the destination input itself when its size
    /// is numHeads·outFeats, else a learned linear map of it.</param>
    /// <param name="activation">Applied last (default none).</param>
    /// <param name="allowZeroInDegree">Skip the check for nodes without in-edges (default false).</param>
    /// <param name="bias">Learn a bias (default true); with a linear residual the bias is that map's.</param>
    /// <param name="dtype">Parameter dtype (default float32).</param>
    /// <param name="generator">Random stream for initialisation and dropout (default <see cref="Generator.Default"/>).</param>
    public GATConv(int inFeats, int outFeats, int numHeads, double featDrop = 0, double attnDrop = 0, double negativeSlope = 0.2,
        bool residual = false, Func<Tensor, Tensor>? activation = null, bool allowZeroInDegree = false, bool bias = true,
        DType dtype = DType.Float32, Generator? generator = null)
        : this(inFeats, inFeats, false, outFeats, numHeads, featDrop, attnDrop, negativeSlope, residual, activation, allowZeroInDegree, bias, dtype, generator)
    {
    }

    /// <summary>Creates the layer for different source and destination input sizes (separate projections
    /// <c>fc_src</c> and <c>fc_dst</c>); see the other constructor for the parameters.</summary>
    public GATConv((int Src, int Dst) inFeats, int outFeats, int numHeads, double featDrop = 0, double attnDrop = 0, double negativeSlope = 0.2,
        bool residual = false, Func<Tensor, Tensor>? activation = null, bool allowZeroInDegree = false, bool bias = true,
        DType dtype = DType.Float32, Generator? generator = null)
        : this(inFeats.Src, inFeats.Dst, true, outFeats, numHeads, featDrop, attnDrop, negativeSlope, residual, activation, allowZeroInDegree, bias, dtype, generator)
    {
    }

    private GATConv(int inSrc, int inDst, bool pair, int outFeats, int numHeads, double featDrop, double attnDrop, double negativeSlope,
        bool residual, Func<Tensor, Tensor>? activation, bool allowZeroInDegree, bool bias, DType dtype, Generator? generator)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inSrc);
        ArgumentOutOfRangeException.ThrowIfNegative(inDst);
        ArgumentOutOfRangeException.ThrowIfNegative(outFeats);
        ArgumentOutOfRangeException.ThrowIfLessThan(numHeads, 1);
        InSrcFeats = inSrc;
        InDstFeats = inDst;
        OutFeats = outFeats;
        NumHeads = numHeads;
        NegativeSlope = negativeSlope;
        Activation = activation;
        AllowZeroInDegree = allowZeroInDegree;
        if (pair)
        {
            FcSrc = RegisterModule("fc_src", new Linear(inSrc, outFeats * numHeads, bias: false, dtype, generator));
            FcDst = RegisterModule("fc_dst", new Linear(inDst, outFeats * numHeads, bias: false, dtype, generator));
        }
        else
        {
            Fc = RegisterModule("fc", new Linear(inSrc, outFeats * numHeads, bias: false, dtype, generator));
        }
        AttnL = RegisterParameter("attn_l", Tensor.Zeros([1, numHeads, outFeats], dtype));
        AttnR = RegisterParameter("attn_r", Tensor.Zeros([1, numHeads, outFeats], dtype));
        _featDrop = RegisterModule("feat_drop", new Dropout(featDrop, generator));
        _attnDrop = RegisterModule("attn_drop", new Dropout(attnDrop, generator));
        if (residual)
        {
            if (inDst != outFeats * numHeads) ResFc = RegisterModule("res_fc", new Linear(inDst, numHeads * outFeats, bias, dtype, generator));
            else _identityResidual = true;
        }
        if (bias && ResFc is null) Bias = RegisterParameter("bias", Tensor.Zeros([numHeads * outFeats], dtype));
        Generator = generator;
        ResetParameters(generator);
    }

    /// <summary>Source input size.</summary>
    public int InSrcFeats { get; }

    /// <summary>Destination input size.</summary>
    public int InDstFeats { get; }

    /// <summary>Output size per head.</summary>
    public int OutFeats { get; }

    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>LeakyReLU slope of the attention scores.</summary>
    public double NegativeSlope { get; }

    /// <summary>Applied last, or null.</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <summary>Whether nodes without in-edges are allowed.</summary>
    public bool AllowZeroInDegree { get; set; }

    /// <summary>The shared projection W (null when built with a (source, destination) size pair).</summary>
    public Linear? Fc { get; }

    /// <summary>The source projection (pair constructor only).</summary>
    public Linear? FcSrc { get; }

    /// <summary>The destination projection (pair constructor only).</summary>
    public Linear? FcDst { get; }

    /// <summary>a_l, [1, numHeads, outFeats].</summary>
    public Parameter AttnL { get; }

    /// <summary>a_r, [1, numHeads, outFeats].</summary>
    public Parameter AttnR { get; }

    /// <summary>The linear residual map, or null (no residual, or an identity one).</summary>
    public Linear? ResFc { get; }

    /// <summary>b, [numHeads·outFeats], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>The random stream for dropout (null: <see cref="Generator.Default"/>).</summary>
    public Generator? Generator { get; }

    /// <summary>DGL's initialisation: Xavier-normal with gain √2 (ReLU's) for the projections, a_l, a_r and the
    /// residual map; zero biases.</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        var gain = Init.CalculateGain("relu");
        if (Fc is not null) Init.XavierNormal(Fc.Weight, gain, generator);
        if (FcSrc is not null) Init.XavierNormal(FcSrc.Weight, gain, generator);
        if (FcDst is not null) Init.XavierNormal(FcDst.Weight, gain, generator);
        Init.XavierNormal(AttnL, gain, generator);
        Init.XavierNormal(AttnR, gain, generator);
        if (Bias is not null) Init.Zeros(Bias);
        if (ResFc is not null)
        {
            Init.XavierNormal(ResFc.Weight, gain, generator);
            if (ResFc.Bias is not null) Init.Zeros(ResFc.Bias);
        }
    }

    /// <summary>Attention over node features [N, inFeats] (source features on a block): [Ndst, numHeads, outFeats].</summary>
    public Tensor Forward(Graph graph, Tensor features) => Forward(graph, features, null);

    /// <summary>Attention over node features, with optional edge weights [E] multiplying the attention.</summary>
    public Tensor Forward(Graph graph, Tensor features, Tensor? edgeWeight) => Single(graph, features, edgeWeight).Output;

    /// <summary>Attention with separate (source, destination) features on a uni-bipartite graph or block.</summary>
    public Tensor Forward(Graph graph, (Tensor Src, Tensor Dst) features, Tensor? edgeWeight = null) =>
        Pair(graph, features, edgeWeight).Output;

    /// <summary>Attention over row-sparse input features (no residual): the input dropout and the projection touch the
    /// non-zeros only.</summary>
    /// <exception cref="InvalidOperationException">The module has a residual connection or separate projections.</exception>
    public Tensor Forward(Graph graph, SparseFeatures features, Tensor? edgeWeight = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (Fc is null || ResFc is not null || _identityResidual)
            throw new InvalidOperationException("GATConv: sparse features need a module with one shared projection and no residual; pass features.ToDense() instead");
        var s = ConvSupport.Relation(graph, nameof(GATConv));
        if (features.NumRows != s.NumSrc || features.NumCols != InSrcFeats)
            throw new TensorShapeException($"GATConv: sparse features are [{features.NumRows}, {features.NumCols}]; expected [{s.NumSrc}, {InSrcFeats}]");
        ConvSupport.CheckZeroInDegree(graph, AllowZeroInDegree, nameof(GATConv));
        var ft = features.Dropout(_featDrop.P, Training, Generator).Linear(Fc.Weight).Reshape(features.NumRows, NumHeads, OutFeats);
        var ftDst = graph.IsBlock ? ft.Slice(0, s.NumDst) : ft;
        return Attend(graph, ft, ftDst, null, edgeWeight).Output;
    }

    /// <summary>The output and the attention α [E, numHeads, 1] (after attention dropout and edge weights), as DGL's
    /// <c>get_attention=True</c>.</summary>
    public (Tensor Output, Tensor Attention) ForwardWithAttention(Graph graph, Tensor features, Tensor? edgeWeight = null)
    {
        var (output, attention) = Single(graph, features, edgeWeight);
        return (output, ConvSupport.Relation(graph, nameof(GATConv)).ToEdgeOrder(attention));
    }

    /// <summary>The output and the attention for separate (source, destination) features.</summary>
    public (Tensor Output, Tensor Attention) ForwardWithAttention(Graph graph, (Tensor Src, Tensor Dst) features, Tensor? edgeWeight = null)
    {
        var (output, attention) = Pair(graph, features, edgeWeight);
        return (output, ConvSupport.Relation(graph, nameof(GATConv)).ToEdgeOrder(attention));
    }

    /// <summary>Output and attention (in entry order) for one feature tensor.</summary>
    private (Tensor Output, Tensor Attention) Single(Graph graph, Tensor features, Tensor? edgeWeight)
    {
        var (src, _) = ConvSupport.ExpandAsPair(graph, features, nameof(GATConv));
        ConvSupport.CheckWidth(nameof(GATConv), src, InSrcFeats, "the input features");
        if (src.Rank != 2) throw new TensorShapeException($"GATConv: the input features have shape {src.Shape}; expected [N, {InSrcFeats}]");
        if (InSrcFeats != InDstFeats)
            throw new TensorShapeException($"GATConv: the module was built for ({InSrcFeats}, {InDstFeats}) source and destination sizes; pass a (source, destination) feature pair");
        ConvSupport.CheckZeroInDegree(graph, AllowZeroInDegree, nameof(GATConv));
        var h = _featDrop.Forward(src);
        var ft = Project(Fc ?? FcSrc!, h);
        var numDst = graph.IsBlock ? ConvSupport.InCsr(graph, nameof(GATConv)).NumRows : h.Size(0);
        var hDst = graph.IsBlock ? h.Slice(0, numDst) : h;
        var ftDst = Fc is null ? Project(FcDst!, hDst) : graph.IsBlock ? ft.Slice(0, numDst) : ft;
        return Attend(graph, ft, ftDst, hDst, edgeWeight);
    }

    /// <summary>Output and attention (in entry order) for a (source, destination) pair.</summary>
    private (Tensor Output, Tensor Attention) Pair(Graph graph, (Tensor Src, Tensor Dst) features, Tensor? edgeWeight)
    {
        ConvSupport.CheckPair(graph, features.Src, features.Dst, nameof(GATConv));
        ConvSupport.CheckWidth(nameof(GATConv), features.Src, InSrcFeats, "the source features");
        ConvSupport.CheckWidth(nameof(GATConv), features.Dst, InDstFeats, "the destination features");
        ConvSupport.CheckZeroInDegree(graph, AllowZeroInDegree, nameof(GATConv));
        var hSrc = _featDrop.Forward(features.Src);
        var hDst = _featDrop.Forward(features.Dst);
        var ftSrc = Project(Fc ?? FcSrc!, hSrc);
        var ftDst = Project(Fc ?? FcDst!, hDst);
        return Attend(graph, ftSrc, ftDst, hDst, edgeWeight);
    }

    private Tensor Project(Linear fc, Tensor h) => fc.Forward(h).Reshape(h.Size(0), NumHeads, OutFeats);

    private (Tensor Output, Tensor Attention) Attend(Graph graph, Tensor ftSrc, Tensor ftDst, Tensor? hDst, Tensor? edgeWeight)
    {
        const string name = nameof(GATConv);
        // a_lᵀ W h_j + a_rᵀ W h_i, split into per-node halves so that only a scalar per head reaches the edges.
        var el = (ftSrc * AttnL).Sum(-1, keepDim: true);
        var er = (ftDst * AttnR).Sum(-1, keepDim: true);
        var e = ConvSupport.UOpV(graph, BinaryOp.Add, el, er, name).LeakyRelu(NegativeSlope);
        var a = _attnDrop.Forward(ConvSupport.EdgeSoftmax(graph, e, name));
        if (edgeWeight is not null)
        {
            a *= ConvSupport.EdgeWeightsInEntryOrder(graph, edgeWeight, name).Reshape(-1, 1, 1);
        }
        var rst = ConvSupport.UMulE(graph, ftSrc, a, ReduceOp.Sum, name);
        if (hDst is not null && (ResFc is not null || _identityResidual))
        {
            var res = ResFc is null ? hDst : ResFc.Forward(hDst);
            rst += res.Reshape(hDst.Size(0), -1, OutFeats);
        }
        if (Bias is not null) rst += Bias.Reshape(1, NumHeads, OutFeats);
        if (Activation is not null) rst = Activation(rst);
        return (rst, a);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"in=({InSrcFeats}, {InDstFeats}), out={OutFeats}, heads={NumHeads}, negativeSlope={Fmt(NegativeSlope)}";
}
