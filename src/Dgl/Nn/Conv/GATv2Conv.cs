using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// GATv2 (Brody et al., <i>How Attentive are Graph Attention Networks?</i>), as DGL's <c>GATv2Conv</c>, per head:
/// h_i' = Σ_{j∈N(i)} α_ij W_s h_j (+ residual), with
/// α_ij = softmax_j(aᵀ LeakyReLU(W_s h_j + W_d h_i)) over i's in-edges — the nonlinearity sits between the two
/// projections and the attention vector, so the ranking of neighbours can depend on the query node.
/// </summary>
/// <remarks>
/// <para>W_s and W_d are affine maps with bias (when <c>bias</c> is set); <c>shareWeights</c> makes them one map.
/// One g-SDDMM forms W_s h_u + W_d h_v per edge and head ([E, heads, outFeats]: GATv2 needs the whole vector per
/// edge), then the score, an edge softmax, attention dropout and one g-SpMM aggregate.</para>
/// <para>Input [N, inFeats] (or a (source, destination) pair); output [Ndst, numHeads, outFeats].</para>
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create([0, 1, 2, 3, 2, 5], [1, 2, 3, 4, 0, 3]).AddSelfLoop();
/// var gat = new GATv2Conv(10, 2, numHeads: 3, generator: new Generator(0));
/// var h = gat.Forward(g, Tensor.Ones(6, 10));        // [6, 3, 2]
/// </code>
/// </example>
public sealed class GATv2Conv : Module, IGraphModule
{
    private readonly Dropout _featDrop;
    private readonly Dropout _attnDrop;
    private readonly bool _identityResidual;

    /// <summary>Creates the layer for one input size.</summary>
    /// <param name="inFeats">Input feature size.</param>
    /// <param name="outFeats">Output feature size per head.</param>
    /// <param name="numHeads">Number of heads.</param>
    /// <param name="featDrop">Dropout on the input features (default 0).</param>
    /// <param name="attnDrop">Dropout on the attention weights (default 0).</param>
    /// <param name="negativeSlope">LeakyReLU slope (default 0.2).</param>
    /// <param name="residual">Add a residual connection (default false): identity when the destination input size
    /// is numHeads·outFeats, else a learned linear map (with bias when <paramref name="bias"/>).</param>
    /// <param name="activation">Applied last (default none).</param>
    /// <param name="allowZeroInDegree">Skip the check for nodes without in-edges (default false).</param>
    /// <param name="bias">Give the projections (and a linear residual) a bias (default true).</param>
    /// <param name="shareWeights">Use one projection for sources and destinations (default false).</param>
    /// <param name="dtype">Parameter dtype (default float32).</param>
    /// <param name="generator">Random stream for initialisation and dropout.</param>
    public GATv2Conv(int inFeats, int outFeats, int numHeads, double featDrop = 0, double attnDrop = 0, double negativeSlope = 0.2,
        bool residual = false, Func<Tensor, Tensor>? activation = null, bool allowZeroInDegree = false, bool bias = true,
        bool shareWeights = false, DType dtype = DType.Float32, Generator? generator = null)
        : this(inFeats, inFeats, false, outFeats, numHeads, featDrop, attnDrop, negativeSlope, residual, activation, allowZeroInDegree, bias, shareWeights, dtype, generator)
    {
    }

    /// <summary>Creates the layer for different source and destination input sizes (weights are never shared then).</summary>
    public GATv2Conv((int Src, int Dst) inFeats, int outFeats, int numHeads, double featDrop = 0, double attnDrop = 0, double negativeSlope = 0.2,
        bool residual = false, Func<Tensor, Tensor>? activation = null, bool allowZeroInDegree = false, bool bias = true,
        DType dtype = DType.Float32, Generator? generator = null)
        : this(inFeats.Src, inFeats.Dst, true, outFeats, numHeads, featDrop, attnDrop, negativeSlope, residual, activation, allowZeroInDegree, bias, false, dtype, generator)
    {
    }

    private GATv2Conv(int inSrc, int inDst, bool pair, int outFeats, int numHeads, double featDrop, double attnDrop, double negativeSlope,
        bool residual, Func<Tensor, Tensor>? activation, bool allowZeroInDegree, bool bias, bool shareWeights, DType dtype, Generator? generator)
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
        ShareWeights = shareWeights;
        HasBias = bias;
        FcSrc = RegisterModule("fc_src", new Linear(inSrc, outFeats * numHeads, bias, dtype, generator));
        FcDst = shareWeights ? FcSrc : RegisterModule("fc_dst", new Linear(pair ? inDst : inSrc, outFeats * numHeads, bias, dtype, generator));
        Attn = RegisterParameter("attn", Tensor.Zeros([1, numHeads, outFeats], dtype));
        _featDrop = RegisterModule("feat_drop", new Dropout(featDrop, generator));
        _attnDrop = RegisterModule("attn_drop", new Dropout(attnDrop, generator));
        if (residual)
        {
            if (inDst != outFeats * numHeads) ResFc = RegisterModule("res_fc", new Linear(inDst, numHeads * outFeats, bias, dtype, generator));
            else _identityResidual = true;
        }
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

    /// <summary>LeakyReLU slope.</summary>
    public double NegativeSlope { get; }

    /// <summary>Applied last, or null.</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <summary>Whether nodes without in-edges are allowed.</summary>
    public bool AllowZeroInDegree { get; set; }

    /// <summary>Whether sources and destinations share one projection.</summary>
    public bool ShareWeights { get; }

    /// <summary>Whether the projections have biases.</summary>
    public bool HasBias { get; }

    /// <summary>W_s (with bias b_s when <see cref="HasBias"/>).</summary>
    public Linear FcSrc { get; }

    /// <summary>W_d (the same module as <see cref="FcSrc"/> when weights are shared).</summary>
    public Linear FcDst { get; }

    /// <summary>a, [1, numHeads, outFeats].</summary>
    public Parameter Attn { get; }

    /// <summary>The linear residual map, or null.</summary>
    public Linear? ResFc { get; }

    /// <summary>DGL's initialisation: Xavier-normal with gain √2 for W_s, W_d, a and the residual map; zero biases.</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        var gain = Init.CalculateGain("relu");
        Init.XavierNormal(FcSrc.Weight, gain, generator);
        if (FcSrc.Bias is not null) Init.Zeros(FcSrc.Bias);
        if (!ShareWeights)
        {
            Init.XavierNormal(FcDst.Weight, gain, generator);
            if (FcDst.Bias is not null) Init.Zeros(FcDst.Bias);
        }
        Init.XavierNormal(Attn, gain, generator);
        if (ResFc is not null)
        {
            Init.XavierNormal(ResFc.Weight, gain, generator);
            if (ResFc.Bias is not null) Init.Zeros(ResFc.Bias);
        }
    }

    /// <summary>Attention over node features [N, inFeats]: [Ndst, numHeads, outFeats].</summary>
    public Tensor Forward(Graph graph, Tensor features) => Single(graph, features).Output;

    /// <summary>Attention with separate (source, destination) features.</summary>
    public Tensor Forward(Graph graph, (Tensor Src, Tensor Dst) features) => Pair(graph, features).Output;

    /// <summary>The output and the attention [E, numHeads, 1] (after attention dropout), as DGL's <c>get_attention=True</c>.</summary>
    public (Tensor Output, Tensor Attention) ForwardWithAttention(Graph graph, Tensor features)
    {
        var (output, attention) = Single(graph, features);
        return (output, ConvSupport.Relation(graph, nameof(GATv2Conv)).ToEdgeOrder(attention));
    }

    /// <summary>The output and the attention for separate (source, destination) features.</summary>
    public (Tensor Output, Tensor Attention) ForwardWithAttention(Graph graph, (Tensor Src, Tensor Dst) features)
    {
        var (output, attention) = Pair(graph, features);
        return (output, ConvSupport.Relation(graph, nameof(GATv2Conv)).ToEdgeOrder(attention));
    }

    private (Tensor Output, Tensor Attention) Single(Graph graph, Tensor features)
    {
        var (src, _) = ConvSupport.ExpandAsPair(graph, features, nameof(GATv2Conv));
        ConvSupport.CheckWidth(nameof(GATv2Conv), src, InSrcFeats, "the input features");
        if (src.Rank != 2) throw new TensorShapeException($"GATv2Conv: the input features have shape {src.Shape}; expected [N, {InSrcFeats}]");
        ConvSupport.CheckZeroInDegree(graph, AllowZeroInDegree, nameof(GATv2Conv));
        var h = _featDrop.Forward(src);
        var ftSrc = Project(FcSrc, h);
        var ftDst = ShareWeights ? ftSrc : Project(FcDst, h);
        var hDst = h;
        if (graph.IsBlock)
        {
            var numDst = ConvSupport.InCsr(graph, nameof(GATv2Conv)).NumRows;
            ftDst = ftDst.Slice(0, numDst);
            hDst = h.Slice(0, numDst);
        }
        return Attend(graph, ftSrc, ftDst, hDst);
    }

    private (Tensor Output, Tensor Attention) Pair(Graph graph, (Tensor Src, Tensor Dst) features)
    {
        ConvSupport.CheckPair(graph, features.Src, features.Dst, nameof(GATv2Conv));
        ConvSupport.CheckWidth(nameof(GATv2Conv), features.Src, InSrcFeats, "the source features");
        ConvSupport.CheckWidth(nameof(GATv2Conv), features.Dst, ShareWeights ? InSrcFeats : InDstFeats, "the destination features");
        ConvSupport.CheckZeroInDegree(graph, AllowZeroInDegree, nameof(GATv2Conv));
        var hSrc = _featDrop.Forward(features.Src);
        var hDst = _featDrop.Forward(features.Dst);
        return Attend(graph, Project(FcSrc, hSrc), Project(FcDst, hDst), hDst);
    }

    private Tensor Project(Linear fc, Tensor h) => fc.Forward(h).Reshape(h.Size(0), NumHeads, OutFeats);

    private (Tensor Output, Tensor Attention) Attend(Graph graph, Tensor ftSrc, Tensor ftDst, Tensor hDst)
    {
        const string name = nameof(GATv2Conv);
        var e = ConvSupport.UOpV(graph, BinaryOp.Add, ftSrc, ftDst, name).LeakyRelu(NegativeSlope);
        var score = (e * Attn).Sum(-1, keepDim: true);
        var a = _attnDrop.Forward(ConvSupport.EdgeSoftmax(graph, score, name));
        var rst = ConvSupport.UMulE(graph, ftSrc, a, ReduceOp.Sum, name);
        if (ResFc is not null || _identityResidual)
        {
            var res = ResFc is null ? hDst : ResFc.Forward(hDst);
            rst += res.Reshape(hDst.Size(0), -1, OutFeats);
        }
        if (Activation is not null) rst = Activation(rst);
        return (rst, a);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"in=({InSrcFeats}, {InDstFeats}), out={OutFeats}, heads={NumHeads}, negativeSlope={Fmt(NegativeSlope)}, shareWeights={Fmt(ShareWeights)}";
}
