using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Dot-product graph attention, as DGL's <c>DotGatConv</c>, per head:
/// h_i' = Σ_{j∈N(i)} α_ij W_s h_j with α_ij = softmax_j(⟨W_d h_i, W_s h_j⟩ / √outFeats) over i's in-edges
/// (W_s = W_d = W unless the input sizes are a (source, destination) pair).
/// </summary>
/// <remarks>One g-SDDMM computes the scaled dot products ([E, heads, 1]), an edge softmax normalises them, one g-SpMM
/// aggregates. The projections have no bias and keep PyTorch's default <c>Linear</c> initialisation (DGL defines
/// no other). Output [Ndst, numHeads, outFeats].</remarks>
/// <example>
/// <code>
/// var g = Graph.Create([0, 1, 2, 3, 2, 5], [1, 2, 3, 4, 0, 3]).AddSelfLoop();
/// var conv = new DotGatConv(10, 2, numHeads: 3, generator: new Generator(0));
/// var h = conv.Forward(g, Tensor.Ones(6, 10));       // [6, 3, 2]
/// </code>
/// </example>
public sealed class DotGatConv : Module, IGraphModule
{
    /// <summary>Creates the layer for one input size.</summary>
    /// <param name="inFeats">Input feature size.</param>
    /// <param name="outFeats">Output feature size per head.</param>
    /// <param name="numHeads">Number of heads.</param>
    /// <param name="allowZeroInDegree">Skip the check for nodes without in-edges (default false).</param>
    /// <param name="dtype">Parameter dtype (default float32).</param>
    /// <param name="generator">Random stream for initialisation.</param>
    public DotGatConv(int inFeats, int outFeats, int numHeads, bool allowZeroInDegree = false, DType dtype = DType.Float32, Generator? generator = null)
        : this(inFeats, inFeats, false, outFeats, numHeads, allowZeroInDegree, dtype, generator)
    {
    }

    /// <summary>Creates the layer for different source and destination input sizes (separate projections).</summary>
    public DotGatConv((int Src, int Dst) inFeats, int outFeats, int numHeads, bool allowZeroInDegree = false, DType dtype = DType.Float32, Generator? generator = null)
        : this(inFeats.Src, inFeats.Dst, true, outFeats, numHeads, allowZeroInDegree, dtype, generator)
    {
    }

    private DotGatConv(int inSrc, int inDst, bool pair, int outFeats, int numHeads, bool allowZeroInDegree, DType dtype, Generator? generator)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inSrc);
        ArgumentOutOfRangeException.ThrowIfNegative(inDst);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeats, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numHeads, 1);
        InSrcFeats = inSrc;
        InDstFeats = inDst;
        OutFeats = outFeats;
        NumHeads = numHeads;
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
    }

    /// <summary>Source input size.</summary>
    public int InSrcFeats { get; }

    /// <summary>Destination input size.</summary>
    public int InDstFeats { get; }

    /// <summary>Output size per head.</summary>
    public int OutFeats { get; }

    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Whether nodes without in-edges are allowed.</summary>
    public bool AllowZeroInDegree { get; set; }

    /// <summary>The shared projection (single-size constructor).</summary>
    public Linear? Fc { get; }

    /// <summary>The source projection (pair constructor).</summary>
    public Linear? FcSrc { get; }

    /// <summary>The destination projection (pair constructor).</summary>
    public Linear? FcDst { get; }

    /// <summary>PyTorch's default <c>Linear</c> initialisation for the projections: U(±1/√in).</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        foreach (var fc in new[] { Fc, FcSrc, FcDst })
            if (fc is not null) Init.DefaultLinear(fc.Weight, null, generator);
    }

    /// <summary>Attention over node features [N, inFeats]: [Ndst, numHeads, outFeats].</summary>
    public Tensor Forward(Graph graph, Tensor features) => Single(graph, features).Output;

    /// <summary>Attention with separate (source, destination) features.</summary>
    public Tensor Forward(Graph graph, (Tensor Src, Tensor Dst) features) => Pair(graph, features).Output;

    /// <summary>The output and the attention [E, numHeads, 1], as DGL's <c>get_attention=True</c>.</summary>
    public (Tensor Output, Tensor Attention) ForwardWithAttention(Graph graph, Tensor features)
    {
        var (output, attention) = Single(graph, features);
        return (output, ConvSupport.Relation(graph, nameof(DotGatConv)).ToEdgeOrder(attention));
    }

    /// <summary>The output and the attention for separate (source, destination) features.</summary>
    public (Tensor Output, Tensor Attention) ForwardWithAttention(Graph graph, (Tensor Src, Tensor Dst) features)
    {
        var (output, attention) = Pair(graph, features);
        return (output, ConvSupport.Relation(graph, nameof(DotGatConv)).ToEdgeOrder(attention));
    }

    private (Tensor Output, Tensor Attention) Single(Graph graph, Tensor features)
    {
        var (src, _) = ConvSupport.ExpandAsPair(graph, features, nameof(DotGatConv));
        ConvSupport.CheckWidth(nameof(DotGatConv), src, InSrcFeats, "the input features");
        ConvSupport.CheckZeroInDegree(graph, AllowZeroInDegree, nameof(DotGatConv));
        var ftSrc = Project(Fc ?? FcSrc!, src);
        Tensor ftDst;
        if (Fc is not null) ftDst = graph.IsBlock ? ftSrc.Slice(0, ConvSupport.InCsr(graph, nameof(DotGatConv)).NumRows) : ftSrc;
        else ftDst = Project(FcDst!, graph.IsBlock ? src.Slice(0, ConvSupport.InCsr(graph, nameof(DotGatConv)).NumRows) : src);
        return Attend(graph, ftSrc, ftDst);
    }

    private (Tensor Output, Tensor Attention) Pair(Graph graph, (Tensor Src, Tensor Dst) features)
    {
        ConvSupport.CheckPair(graph, features.Src, features.Dst, nameof(DotGatConv));
        ConvSupport.CheckWidth(nameof(DotGatConv), features.Src, InSrcFeats, "the source features");
        ConvSupport.CheckWidth(nameof(DotGatConv), features.Dst, InDstFeats, "the destination features");
        ConvSupport.CheckZeroInDegree(graph, AllowZeroInDegree, nameof(DotGatConv));
        return Attend(graph, Project(Fc ?? FcSrc!, features.Src), Project(Fc ?? FcDst!, features.Dst));
    }

    private Tensor Project(Linear fc, Tensor h) => fc.Forward(h).Reshape(h.Size(0), NumHeads, OutFeats);

    private (Tensor Output, Tensor Attention) Attend(Graph graph, Tensor ftSrc, Tensor ftDst)
    {
        const string name = nameof(DotGatConv);
        var scores = ConvSupport.UOpV(graph, BinaryOp.Dot, ftSrc, ftDst, name);
        var a = ConvSupport.EdgeSoftmax(graph, scores / Math.Sqrt(OutFeats), name);
        return (ConvSupport.UMulE(graph, ftSrc, a, ReduceOp.Sum, name), a);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"in=({InSrcFeats}, {InDstFeats}), out={OutFeats}, heads={NumHeads}";
}
