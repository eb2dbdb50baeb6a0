using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Topology-adaptive graph convolution (Du et al., <i>Topology Adaptive Graph Convolutional Networks</i>), as DGL's
/// <c>TAGConv</c>: H' = σ([X ‖ ÂX ‖ Â²X ‖ … ‖ Â^K X] W + b) with Â = D^−½ A D^−½ (in-degrees clamped to at least 1),
/// or, given edge weights, Â weighted by the <see cref="EdgeWeightNorm"/>("both")-normalised weights.
/// </summary>
/// <remarks>One linear map over the K + 1 concatenated hops (<c>lin</c>: [(K+1)·inFeats → outFeats]); each hop is one
/// g-SpMM with the normalisation folded into its edge weights. Homogeneous graphs only.</remarks>
/// <example>
/// <code>
/// var g = Graph.Create([0, 1, 2, 3, 2, 5], [1, 2, 3, 4, 0, 3]).AddSelfLoop();
/// var conv = new TAGConv(10, 2, k: 2, generator: new Generator(0));
/// var h = conv.Forward(g, Tensor.Ones(6, 10));        // [6, 2]
/// </code>
/// </example>
public sealed class TAGConv : Module, IGraphModule
{
    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="inFeats">Input feature size.</param>
    /// <param name="outFeats">Output feature size.</param>
    /// <param name="k">Number of hops K (default 2).</param>
    /// <param name="bias">Learn b (default true).</param>
    /// <param name="activation">σ (default none).</param>
    /// <param name="dtype">Parameter dtype (default float32).</param>
    /// <param name="generator">Random stream for initialisation.</param>
    public TAGConv(int inFeats, int outFeats, int k = 2, bool bias = true, Func<Tensor, Tensor>? activation = null,
        DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inFeats);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        InFeats = inFeats;
        OutFeats = outFeats;
        K = k;
        Activation = activation;
        Lin = RegisterModule("lin", new Linear(inFeats * (k + 1), outFeats, bias, dtype, generator));
        ResetParameters(generator);
    }

    /// <summary>Input feature size.</summary>
    public int InFeats { get; }

    /// <summary>Output feature size.</summary>
    public int OutFeats { get; }

    /// <summary>K.</summary>
    public int K { get; }

    /// <summary>σ, or null.</summary>
    public Func<Tensor, Tensor>? Activation { get; }

    /// <summary>W and b over the concatenated hops.</summary>
    public Linear Lin { get; }

    /// <summary>DGL's initialisation: Xavier-normal W with gain √2; b keeps PyTorch's default U(±1/√fan_in), which
    /// this also redraws.</summary>
    public override void ResetParameters(Generator? generator = null)
    {
        Init.DefaultLinear(Lin.Weight, Lin.Bias, generator);
        Init.XavierNormal(Lin.Weight, Init.CalculateGain("relu"), generator);
    }

    /// <summary>Convolves node features [N, inFeats] into [N, outFeats].</summary>
    public Tensor Forward(Graph graph, Tensor features) => Forward(graph, features, null);

    /// <summary>Convolves node features with optional positive edge weights [E] or [E, 1].</summary>
    public Tensor Forward(Graph graph, Tensor features, Tensor? edgeWeight)
    {
        const string name = nameof(TAGConv);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(graph);
        if (!graph.IsHomogeneous || graph.IsBlock)
            throw new ArgumentException("TAGConv: the graph is not homogeneous; TAGConv needs one node type and one edge type", nameof(graph));
        ConvSupport.CheckRows(name, features, graph.NumNodes(), "node");
        ConvSupport.CheckWidth(name, features, InFeats, "the node features");
        var w = ConvSupport.SymmetricEdgeWeights(graph, edgeWeight, ConvSupport.Degree.In, features.DType, name);
        var hops = new Tensor[K + 1];
        hops[0] = features;
        for (var i = 1; i <= K; i++) hops[i] = ConvSupport.UMulE(graph, hops[i - 1], w, ReduceOp.Sum, name);
        var rst = Lin.Forward(K == 0 ? features : Tensor.Cat(hops, -1));
        return Activation is null ? rst : Activation(rst);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"in={InFeats}, out={OutFeats}, k={K}";
}
