using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Gated graph convolution (Li et al., "Gated Graph Sequence Neural Networks", DGL's <c>GatedGraphConv</c>):
/// h⁰ = x padded with zeros to outFeats; for t = 1..nSteps, a_i = Σ_{j ∈ N(i)} W_{e_ji}·h_j + b_{e_ji} and
/// h_i = GRU(a_i, h_i), with one linear layer per edge type.
/// </summary>
/// <remarks>
/// <para>Parameters and defaults as DGL 1.1: <c>bias = true</c> (the GRU's biases), inFeats ≤ outFeats. Initialisation:
/// the GRU as PyTorch (U(±1/√H)), each edge-type Linear Xavier normal with the ReLU gain and zero bias.</para>
/// <para>With one edge type the linear layer runs on the nodes and one g-SpMM sums; with several, the edges are
/// sorted by type once per (graph, type tensor) and the messages computed with one GEMM per type.</para>
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create(new[] { 0, 1, 2, 3, 2, 5 }, new[] { 1, 2, 3, 4, 0, 3 });
/// var conv = new GatedGraphConv(10, 10, nSteps: 2, nEtypes: 3);
/// var h = conv.Forward(g, Tensor.Ones(6, 10), Tensor.From(new long[] { 0, 1, 2, 0, 1, 2 }));   // [6, 10]
/// </code>
/// </example>
public sealed class GatedGraphConv : Module, IGraphModule
{
    private readonly List<Linear> _linears = [];
    private EdgeTypeOrder? _order;

    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="inFeats">Input feature size (at most outFeats).</param>
    /// <param name="outFeats">Output (state) size.</param>
    /// <param name="nSteps">Propagation steps.</param>
    /// <param name="nEtypes">Number of edge types.</param>
    /// <param name="bias">Learn the GRU's biases.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values.</param>
    /// <exception cref="ArgumentException">inFeats is larger than outFeats.</exception>
    public GatedGraphConv(int inFeats, int outFeats, int nSteps, int nEtypes, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (inFeats > outFeats)
            throw new ArgumentException($"GatedGraphConv: outFeats ({outFeats}) must be not less than inFeats ({inFeats})", nameof(outFeats));
        ArgumentOutOfRangeException.ThrowIfNegative(nSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(nEtypes, 1);
        ConvSupport.CheckDType(nameof(GatedGraphConv), dtype);
        InFeats = inFeats;
        OutFeats = outFeats;
        NSteps = nSteps;
        NEtypes = nEtypes;
        var list = new ModuleList();
        for (var t = 0; t < nEtypes; t++)
        {
            var lin = new Linear(outFeats, outFeats, dtype: dtype, generator: generator);
            _linears.Add(lin);
            list.Add(lin);
        }
        RegisterModule("linears", list);
        Gru = RegisterModule("gru", new GRUCell(outFeats, outFeats, bias, dtype, generator));
        ResetParameters(generator);
    }

    /// <summary>Input feature size.</summary>
    public int InFeats { get; }

    /// <summary>Output size.</summary>
    public int OutFeats { get; }

    /// <summary>Propagation steps.</summary>
    public int NSteps { get; }

    /// <summary>Number of edge types.</summary>
    public int NEtypes { get; }

    /// <summary>The per-edge-type linear layers.</summary>
    public IReadOnlyList<Linear> Linears => _linears;

    /// <summary>The GRU cell.</summary>
    public GRUCell Gru { get; }

    /// <inheritdoc/>
    public override void ResetParameters(Generator? generator = null)
    {
        Gru.ResetParameters(generator);
        var gain = Init.CalculateGain("relu");
        foreach (var lin in _linears)
        {
            Init.XavierNormal(lin.Weight, gain, generator);
            Init.Zeros(lin.Bias!);
        }
    }

    /// <summary>Runs the propagation on a homogeneous graph.</summary>
    /// <param name="graph">A homogeneous graph.</param>
    /// <param name="features">[N, inFeats].</param>
    /// <param name="etypes">int32/int64 [E] edge types in 0..nEtypes-1; may be null with one edge type.</param>
    /// <returns>[N, outFeats].</returns>
    public Tensor Forward(Graph graph, Tensor features, Tensor? etypes = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(features);
        if (!graph.IsHomogeneous || graph.IsBlock)
            throw new ArgumentException("GatedGraphConv: not a homogeneous graph; convert it with ToHomogeneous and pass the edge types as an argument", nameof(graph));
        var csr = graph.InCsr();
        if (features.Rank != 2 || features.Size(0) != csr.NumRows || features.Size(1) > OutFeats)
            throw new TensorShapeException($"GatedGraphConv: features have shape {features.Shape}; expected [{csr.NumRows}, ≤ {OutFeats}]");
        if (NEtypes > 1 && etypes is null)
            throw new ArgumentNullException(nameof(etypes), $"GatedGraphConv: the layer has {NEtypes} edge types; pass each edge's type");
        var h = features.Size(1) == OutFeats ? features
            : Tensor.Cat([features, Tensor.Zeros(new Shape(features.Size(0), OutFeats - features.Size(1)), features.DType)], 1);
        Tensor? weights = null, biases = null;
        if (NEtypes > 1)
        {
            if (_order is null || !_order.Matches(csr, etypes!)) _order = EdgeTypeOrder.Build(csr, etypes!, NEtypes, nameof(GatedGraphConv));
            // W_t as [T, in, out] for segment_mm (Linear stores [out, in]) and b_t per edge in type order.
            weights = Tensor.Stack(_linears.Select(l => (Tensor)l.Weight).ToList(), 0).Transpose(1, 2);
            biases = Tensor.Stack(_linears.Select(l => (Tensor)l.Bias!).ToList(), 0).IndexSelect(0, _order.SortedTypes);
        }
        for (var step = 0; step < NSteps; step++)
        {
            Tensor a;
            if (NEtypes == 1)
            {
                a = SparseOps.GSpMM(csr, BinaryOp.CopyLhs, ReduceOp.Sum, _linears[0].Forward(h), null);
            }
            else
            {
                var messages = SparseOps.SegmentMM(h.IndexSelect(0, _order!.SortedSrc), weights!, Tensor.FromArray(_order.Lengths)) + biases!;
                a = SparseOps.GSpMM(_order.SortedCsr, BinaryOp.CopyRhs, ReduceOp.Sum, null, messages);
            }
            h = Gru.Forward(a, h);
        }
        return h;
    }

    /// <summary>With several edge types, reads them from <c>g.EData[Graph.ETYPE]</c>.</summary>
    Tensor IGraphModule.Forward(Graph graph, Tensor features)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Forward(graph, features, NEtypes > 1 ? graph.EData[Graph.ETYPE] : null);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"inFeats={InFeats}, outFeats={OutFeats}, nSteps={NSteps}, nEtypes={NEtypes}";
}
