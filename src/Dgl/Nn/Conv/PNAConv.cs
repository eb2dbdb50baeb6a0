using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Principal neighbourhood aggregation (Corso et al., "Principal Neighbourhood Aggregation for Graph Nets", DGL's
/// <c>PNAConv</c>). Per tower: messages m_ji = M([h_j, h_i, e_ji]); every aggregator (mean, sum, max, min, std, var,
/// moment3..5) over each node's messages, each scaled by every scaler (identity, amplification log(D+1)/δ,
/// attenuation δ/log(D+1), D the in-degree); h_i' = dropout(BN(U([h_i, scaled aggregates]) / √|V_graph|)). The towers
/// (each on an equal slice of the input) are concatenated and mixed by Linear + LeakyReLU, plus h_i when
/// <c>residual</c> and the sizes agree.
/// </summary>
/// <remarks>
/// <para>Parameters and defaults as DGL 1.1: <c>dropout = 0</c>, <c>numTowers = 1</c>, <c>edgeFeatSize = 0</c>,
/// <c>residual = true</c>; δ is the mean of log(D+1) over the training graphs' nodes. A node without in-edges gets 0
/// for every aggregate (DGL does not call the reducer there). std = √(var + 1e-30), var = ReLU(E[m²] − E[m]²),
/// moment_n = sign(μ_n)·(|μ_n| + 1e-30)^{1/n} with μ_n = E[(m − E[m])^n]. √|V_graph| uses each graph of a batch.</para>
/// <para>The message Linear is split by its input blocks, so M is applied per node (source and destination parts)
/// and added on the edges by one g-SDDMM; the aggregators are g-SpMM reductions (and g-SDDMMs for the centred moments).</para>
/// </remarks>
/// <example>
/// <code>
/// var conv = new PNAConv(10, 10, ["mean", "max", "sum"], ["identity", "amplification"], delta: 2.5);
/// var h = conv.Forward(g, Tensor.Ones(g.NumNodes(), 10));   // [N, 10]
/// </code>
/// </example>
public sealed class PNAConv : Module, IGraphModule
{
    private readonly List<Tower> _towers = [];

    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="inSize">Input size (divisible by numTowers).</param>
    /// <param name="outSize">Output size (divisible by numTowers).</param>
    /// <param name="aggregators">From "mean", "sum", "max", "min", "std", "var", "moment3", "moment4", "moment5".</param>
    /// <param name="scalers">From "identity", "amplification", "attenuation".</param>
    /// <param name="delta">δ: the training graphs' mean of log(D + 1).</param>
    /// <param name="dropout">Dropout at the end of each tower.</param>
    /// <param name="numTowers">Towers.</param>
    /// <param name="edgeFeatSize">Edge feature size (0: none).</param>
    /// <param name="residual">Add h_i to the output when inSize = outSize.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values and dropout masks.</param>
    public PNAConv(int inSize, int outSize, IReadOnlyList<string> aggregators, IReadOnlyList<string> scalers, double delta, double dropout = 0.0,
        int numTowers = 1, int edgeFeatSize = 0, bool residual = true, DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(aggregators);
        ArgumentNullException.ThrowIfNull(scalers);
        ConvSupport.CheckDType(nameof(PNAConv), dtype);
        ArgumentOutOfRangeException.ThrowIfLessThan(numTowers, 1);
        if (inSize % numTowers != 0) throw new ArgumentException($"PNAConv: inSize {inSize} must be divisible by numTowers {numTowers}", nameof(numTowers));
        if (outSize % numTowers != 0) throw new ArgumentException($"PNAConv: outSize {outSize} must be divisible by numTowers {numTowers}", nameof(numTowers));
        foreach (var a in aggregators)
            if (a is not ("mean" or "sum" or "max" or "min" or "std" or "var" or "moment3" or "moment4" or "moment5"))
                throw new ArgumentException($"PNAConv: unknown aggregator '{a}'; expected mean, sum, max, min, std, var, moment3, moment4 or moment5", nameof(aggregators));
        foreach (var s in scalers)
            if (s is not ("identity" or "amplification" or "attenuation"))
                throw new ArgumentException($"PNAConv: unknown scaler '{s}'; expected identity, amplification or attenuation", nameof(scalers));
        InSize = inSize;
        OutSize = outSize;
        Aggregators = [.. aggregators];
        Scalers = [.. scalers];
        Delta = delta;
        NumTowers = numTowers;
        EdgeFeatSize = edgeFeatSize;
        Residual = residual && inSize == outSize;
        var towers = new ModuleList();
        for (var t = 0; t < numTowers; t++)
        {
            var tower = new Tower(inSize / numTowers, outSize / numTowers, Aggregators, Scalers, delta, dropout, edgeFeatSize, dtype, generator);
            _towers.Add(tower);
            towers.Add(tower);
        }
        RegisterModule("towers", towers);
        MixingLayer = RegisterModule("mixing_layer", new Sequential(new Linear(outSize, outSize, dtype: dtype, generator: generator), new LeakyReLU()));
    }

    /// <summary>Input size.</summary>
    public int InSize { get; }

    /// <summary>Output size.</summary>
    public int OutSize { get; }

    /// <summary>The aggregators, in output order.</summary>
    public IReadOnlyList<string> Aggregators { get; }

    /// <summary>The scalers, in output order.</summary>
    public IReadOnlyList<string> Scalers { get; }

    /// <summary>δ.</summary>
    public double Delta { get; }

    /// <summary>Towers.</summary>
    public int NumTowers { get; }

    /// <summary>Edge feature size (0: none).</summary>
    public int EdgeFeatSize { get; }

    /// <summary>Whether h_i is added to the output.</summary>
    public bool Residual { get; }

    /// <summary>Linear(out, out) + LeakyReLU.</summary>
    public Sequential MixingLayer { get; }

    /// <summary>Computes h' on a (batched) homogeneous graph.</summary>
    /// <param name="graph">A homogeneous graph or batch.</param>
    /// <param name="features">[N, inSize].</param>
    /// <param name="edgeFeatures">[E, edgeFeatSize], required when edgeFeatSize &gt; 0.</param>
    /// <returns>[N, outSize].</returns>
    public Tensor Forward(Graph graph, Tensor features, Tensor? edgeFeatures = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(features);
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(PNAConv));
        if (graph.IsBlock || csr.NumRows != csr.NumCols)
            throw new ArgumentException("PNAConv: needs a homogeneous graph (not a block or a bipartite relation)", nameof(graph));
        if (features.Rank != 2 || features.Size(0) != csr.NumRows || features.Size(1) != InSize)
            throw new TensorShapeException($"PNAConv: features have shape {features.Shape}; expected [{csr.NumRows}, {InSize}]");
        if (EdgeFeatSize > 0)
        {
            if (edgeFeatures is null) throw new ArgumentNullException(nameof(edgeFeatures), "PNAConv: edge features must be provided (edgeFeatSize > 0)");
            if (edgeFeatures.Rank != 2 || edgeFeatures.Size(0) != csr.NumEntries || edgeFeatures.Size(1) != EdgeFeatSize)
                throw new TensorShapeException($"PNAConv: edge features have shape {edgeFeatures.Shape}; expected [{csr.NumEntries}, {EdgeFeatSize}]");
        }
        var snorm = GraphSizeNorm(graph, features.DType);
        var context = new Context(csr, snorm, DegreeScalers(csr, features.DType));
        var width = InSize / NumTowers;
        var parts = new Tensor[NumTowers];
        for (var t = 0; t < NumTowers; t++)
            parts[t] = _towers[t].Forward(context, NumTowers == 1 ? features : features.Narrow(1, t * width, width), edgeFeatures);
        var h = MixingLayer.Forward(NumTowers == 1 ? parts[0] : Tensor.Cat(parts, 1));
        return Residual ? h + features : h;
    }

    Tensor IGraphModule.Forward(Graph graph, Tensor features) => Forward(graph, features);

    /// <summary>1/√|V| of each node's graph in the batch, [N, 1].</summary>
    private static Tensor GraphSizeNorm(Graph graph, DType dtype)
    {
        var counts = graph.BatchNumNodes().ToArray<int>();
        var values = new double[counts.Sum()];
        var k = 0;
        foreach (var c in counts)
            for (var i = 0; i < c; i++) values[k++] = Math.Sqrt(1.0 / c);
        return Tensor.From(values, new Shape(values.Length, 1)).To(dtype);
    }

    /// <summary>Per node [N, 1]: in-edge mask, log(D+1)/δ and δ/log(D+1) (0 where D = 0).</summary>
    private (Tensor Mask, Tensor Amplification, Tensor Attenuation) DegreeScalers(Csr csr, DType dtype)
    {
        var n = csr.NumRows;
        var mask = new double[n];
        var amp = new double[n];
        var att = new double[n];
        for (var v = 0; v < n; v++)
        {
            var d = csr.IndPtr[v + 1] - csr.IndPtr[v];
            if (d == 0) continue;
            var log = Math.Log(d + 1.0);
            mask[v] = 1;
            amp[v] = log / Delta;
            att[v] = Delta / log;
        }
        Tensor Column(double[] a) => Tensor.From(a, new Shape(n, 1)).To(dtype);
        return (Column(mask), Column(amp), Column(att));
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"inSize={InSize}, outSize={OutSize}, aggregators=[{string.Join(", ", Aggregators)}], scalers=[{string.Join(", ", Scalers)}], numTowers={NumTowers}";

    private sealed record Context(Csr Csr, Tensor GraphNorm, (Tensor Mask, Tensor Amplification, Tensor Attenuation) Degree);

    /// <summary>One tower: messages, aggregators, scalers, U, graph-size norm, BatchNorm, dropout.</summary>
    private sealed class Tower : Module
    {
        private readonly IReadOnlyList<string> _aggregators;
        private readonly IReadOnlyList<string> _scalers;
        private readonly int _in;
        private readonly int _edgeFeat;

        public Tower(int inSize, int outSize, IReadOnlyList<string> aggregators, IReadOnlyList<string> scalers, double delta, double dropout,
            int edgeFeatSize, DType dtype, Generator? generator)
        {
            _aggregators = aggregators;
            _scalers = scalers;
            _in = inSize;
            _edgeFeat = edgeFeatSize;
            M = RegisterModule("M", new Linear(2 * inSize + edgeFeatSize, inSize, dtype: dtype, generator: generator));
            U = RegisterModule("U", new Linear((aggregators.Count * scalers.Count + 1) * inSize, outSize, dtype: dtype, generator: generator));
            Drop = RegisterModule("dropout", new Dropout(dropout, generator));
            BatchNorm = RegisterModule("batchnorm", new BatchNorm1d(outSize, dtype: dtype));
        }

        public Linear M { get; }

        public Linear U { get; }

        public Dropout Drop { get; }

        public BatchNorm1d BatchNorm { get; }

        public Tensor Forward(Context ctx, Tensor h, Tensor? edgeFeatures)
        {
            var csr = ctx.Csr;
            // M([h_src, h_dst, e]) = h_src·W_sᵀ + (h_dst·W_dᵀ + b) + e·W_eᵀ: node terms added per edge by one g-SDDMM.
            var wSrc = M.Weight.Narrow(1, 0, _in);
            var wDst = M.Weight.Narrow(1, _in, _in);
            var messages = SparseOps.GSDDMM(csr, CsrRows.Dst, BinaryOp.Add, F.Linear(h, wSrc), F.Linear(h, wDst, M.Bias), Target.Src, Target.Dst);
            if (_edgeFeat > 0) messages = messages + F.Linear(edgeFeatures!, M.Weight.Narrow(1, 2 * _in, _edgeFeat));
            var aggregated = new List<Tensor>(_aggregators.Count);
            Tensor? mean = null;
            Tensor Mean() => mean ??= SparseOps.GSpMM(csr, BinaryOp.CopyRhs, ReduceOp.Mean, null, messages);
            foreach (var a in _aggregators)
            {
                aggregated.Add(a switch
                {
                    "mean" => Mean(),
                    "sum" => SparseOps.GSpMM(csr, BinaryOp.CopyRhs, ReduceOp.Sum, null, messages),
                    "max" => SparseOps.GSpMM(csr, BinaryOp.CopyRhs, ReduceOp.Max, null, messages),
                    "min" => SparseOps.GSpMM(csr, BinaryOp.CopyRhs, ReduceOp.Min, null, messages),
                    "var" => Variance(csr, messages, Mean()),
                    "std" => (Variance(csr, messages, Mean()) + 1e-30).Sqrt(),
                    _ => Moment(csr, messages, Mean(), a[^1] - '0'),
                });
            }
            var agg = aggregated.Count == 1 ? aggregated[0] : Tensor.Cat(aggregated, 1);
            var scaled = new List<Tensor>(_scalers.Count);
            foreach (var s in _scalers)
            {
                scaled.Add(s switch
                {
                    "identity" => agg * ctx.Degree.Mask,
                    "amplification" => agg * ctx.Degree.Amplification,
                    _ => agg * ctx.Degree.Attenuation,
                });
            }
            var neigh = scaled.Count == 1 ? scaled[0] : Tensor.Cat(scaled, 1);
            var y = U.Forward(Tensor.Cat([h, neigh], 1)) * ctx.GraphNorm;
            return Drop.Forward(BatchNorm.Forward(y));
        }

        private static Tensor Variance(Csr csr, Tensor messages, Tensor mean) =>
            (SparseOps.GSpMM(csr, BinaryOp.CopyRhs, ReduceOp.Mean, null, messages * messages) - mean * mean).Relu();

        private static Tensor Moment(Csr csr, Tensor messages, Tensor mean, int n)
        {
            var centred = SparseOps.GSDDMM(csr, CsrRows.Dst, BinaryOp.Sub, messages, mean, Target.Edge, Target.Dst);
            var mu = SparseOps.GSpMM(csr, BinaryOp.CopyRhs, ReduceOp.Mean, null, centred.Pow(n));
            return mu.Sign() * (mu.Abs() + 1e-30).Pow(1.0 / n);
        }
    }
}
