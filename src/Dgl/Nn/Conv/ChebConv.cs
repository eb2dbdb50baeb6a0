using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Chebyshev spectral graph convolution (Defferrard et al., <i>Convolutional Neural Networks on Graphs with Fast
/// Localized Spectral Filtering</i>), as DGL's <c>ChebConv</c>:
/// H' = σ([Z⁰ ‖ Z¹ ‖ … ‖ Z^{K−1}] W + b) with Z⁰ = X, Z¹ = L̂X, Z^k = 2L̂Z^{k−1} − Z^{k−2}, where
/// L̂ = 2L/λ_max − I and L = I − D^−½ A D^−½ (in-degrees clamped to at least 1) is the normalised Laplacian.
/// </summary>
/// <remarks>
/// <para>λ_max is given per graph of a batch; DGL's default, used when it is not given, is 2 (exact for bipartite
/// graphs, an upper bound otherwise). <see cref="LaplacianLambdaMax"/> computes it.</para>
/// <para>σ defaults to ReLU as in DGL; pass <see cref="NoActivation"/> for none. W and b keep PyTorch's default
/// <c>Linear</c> initialisation (DGL defines no other).</para>
/// </remarks>
/// <example>
/// <code>
/// var g = Graph.Create([0, 1, 2, 3, 2, 5], [1, 2, 3, 4, 0, 3]).AddSelfLoop();
/// var conv = new ChebConv(10, 2, k: 3, generator: new Generator(0));
/// var h = conv.Forward(g, Tensor.Ones(6, 10), ChebConv.LaplacianLambdaMax(g));   // [6, 2]
/// </code>
/// </example>
public sealed class ChebConv : Module, IGraphModule
{
    /// <summary>The identity, to build a layer without activation.</summary>
    public static readonly Func<Tensor, Tensor> NoActivation = x => x;

    /// <summary>Creates the layer.</summary>
    /// <param name="inFeats">Input feature size.</param>
    /// <param name="outFeats">Output feature size.</param>
    /// <param name="k">Chebyshev order K (the number of terms, at least 1).</param>
    /// <param name="activation">σ; null (the default) means ReLU, DGL's default; <see cref="NoActivation"/> for none.</param>
    /// <param name="bias">Learn b (default true).</param>
    /// <param name="dtype">Parameter dtype (default float32).</param>
    /// <param name="generator">Random stream for initialisation.</param>
    public ChebConv(int inFeats, int outFeats, int k, Func<Tensor, Tensor>? activation = null, bool bias = true,
        DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inFeats);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        InFeats = inFeats;
        OutFeats = outFeats;
        K = k;
        Activation = activation ?? (x => x.Relu());
        Linear = RegisterModule("linear", new Linear(k * inFeats, outFeats, bias, dtype, generator));
    }

    /// <summary>Input feature size.</summary>
    public int InFeats { get; }

    /// <summary>Output feature size.</summary>
    public int OutFeats { get; }

    /// <summary>K.</summary>
    public int K { get; }

    /// <summary>σ.</summary>
    public Func<Tensor, Tensor> Activation { get; }

    /// <summary>W [outFeats, K·inFeats] and b.</summary>
    public Linear Linear { get; }

    /// <summary>PyTorch's default <c>Linear</c> initialisation, U(±1/√(K·inFeats)).</summary>
    public override void ResetParameters(Generator? generator = null) => Init.DefaultLinear(Linear.Weight, Linear.Bias, generator);

    /// <summary>Convolves node features [N, inFeats] with λ_max = 2 for every graph.</summary>
    public Tensor Forward(Graph graph, Tensor features) => Forward(graph, features, null);

    /// <summary>Convolves node features [N, inFeats] into [N, outFeats].</summary>
    /// <param name="graph">A homogeneous graph (or a batch of them).</param>
    /// <param name="features">[N, inFeats].</param>
    /// <param name="lambdaMax">λ_max of each graph of the batch (null: 2 each, DGL's default).</param>
    /// <exception cref="ArgumentException"><paramref name="lambdaMax"/> has the wrong length.</exception>
    public Tensor Forward(Graph graph, Tensor features, IReadOnlyList<double>? lambdaMax)
    {
        const string name = nameof(ChebConv);
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(features);
        var inCsr = ConvSupport.InCsr(graph, name);
        if (graph.IsBlock || inCsr.NumRows != inCsr.NumCols)
            throw new ArgumentException("ChebConv: the Laplacian needs a graph whose sources and destinations are the same nodes", nameof(graph));
        ConvSupport.CheckRows(name, features, inCsr.NumRows, "node");
        ConvSupport.CheckWidth(name, features, InFeats, "the node features");
        var counts = graph.BatchNumNodesArray(0);
        if (lambdaMax is not null && lambdaMax.Count != counts.Length)
            throw new ArgumentException($"ChebConv: {lambdaMax.Count} λ_max values were given for a batch of {counts.Length} graph(s)", nameof(lambdaMax));
        // 2/λ_max per node, broadcast from the graphs of the batch.
        var reNormValues = new double[inCsr.NumRows];
        var node = 0;
        for (var b = 0; b < counts.Length; b++)
        {
            var r = 2.0 / (lambdaMax?[b] ?? 2.0);
            for (var i = 0; i < counts[b]; i++) reNormValues[node++] = r;
        }
        var reNorm = Tensor.From(reNormValues, new Shape(reNormValues.Length, 1)).To(features.DType);
        var w = ConvSupport.NormalizedEdgeWeights(graph, ConvSupport.Degree.In, -0.5, -0.5, features.DType, name);
        Tensor Propagate(Tensor x) => ConvSupport.UMulE(graph, x, w, ReduceOp.Sum, name);

        var terms = new Tensor[K];
        var x0 = features;
        terms[0] = x0;
        if (K > 1)
        {
            // Z¹ = L̂X = (2/λ)(X − ÂX) − X
            var x1 = -reNorm * Propagate(x0) + x0 * (reNorm - 1);
            terms[1] = x1;
            for (var i = 2; i < K; i++)
            {
                var xi = -2 * reNorm * Propagate(x1) + x1 * 2 * (reNorm - 1) - x0;
                terms[i] = xi;
                (x0, x1) = (x1, xi);
            }
        }
        return Activation(Linear.Forward(K == 1 ? features : Tensor.Cat(terms, 1)));
    }

    /// <summary>
    /// The largest eigenvalue of the normalised Laplacian L = I − D^−½ A D^−½ (in-degrees clamped to at least 1) of
    /// each graph of a batch, as DGL's <c>laplacian_lambda_max</c>, by power iteration with a Rayleigh-quotient
    /// estimate (to 1e-10, at most 10,000 steps) from a fixed pseudo-random start. Exact to that tolerance for
    /// undirected graphs, whose L is symmetric positive semi-definite with eigenvalues in [0, 2].
    /// </summary>
    public static double[] LaplacianLambdaMax(Graph graph)
    {
        var inCsr = ConvSupport.InCsr(graph, nameof(LaplacianLambdaMax));
        if (inCsr.NumRows != inCsr.NumCols)
            throw new ArgumentException("LaplacianLambdaMax: the graph's sources and destinations must be the same nodes", nameof(graph));
        var counts = graph.BatchNumNodesArray(0);
        var result = new double[counts.Length];
        var gen = new Generator(0x1A3B);
        var start = 0;
        for (var b = 0; b < counts.Length; b++)
        {
            result[b] = PowerIteration(inCsr, start, counts[b], gen);
            start += counts[b];
        }
        return result;
    }

    private static double PowerIteration(Csr inCsr, int first, int n, Generator gen)
    {
        if (n == 0) return 0;
        var dInvSqrt = new double[n];
        for (var i = 0; i < n; i++) dInvSqrt[i] = 1 / Math.Sqrt(Math.Max(1, inCsr.IndPtr[first + i + 1] - inCsr.IndPtr[first + i]));
        var x = new double[n];
        var y = new double[n];
        for (var i = 0; i < n; i++) x[i] = gen.NextDouble() + 0.5;
        Normalize(x);
        var lambda = 0.0;
        for (var step = 0; step < 10_000; step++)
        {
            // y = L x = x − D^−½ A D^−½ x, rows of A being in-edges (A[v, u] = 1 for an edge u → v).
            for (var v = 0; v < n; v++)
            {
                var s = 0.0;
                for (var k = inCsr.IndPtr[first + v]; k < inCsr.IndPtr[first + v + 1]; k++)
                {
                    var u = inCsr.Indices[k] - first;
                    s += dInvSqrt[u] * x[u];
                }
                y[v] = x[v] - dInvSqrt[v] * s;
            }
            var rayleigh = 0.0;
            for (var i = 0; i < n; i++) rayleigh += x[i] * y[i];
            var norm = Normalize(y);
            (x, y) = (y, x);
            if (norm == 0) return 0;
            if (step > 0 && Math.Abs(rayleigh - lambda) <= 1e-10 * Math.Max(1, Math.Abs(rayleigh))) return rayleigh;
            lambda = rayleigh;
        }
        return lambda;
    }

    private static double Normalize(double[] v)
    {
        var s = 0.0;
        foreach (var a in v) s += a * a;
        s = Math.Sqrt(s);
        if (s == 0) return 0;
        for (var i = 0; i < v.Length; i++) v[i] /= s;
        return s;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"in={InFeats}, out={OutFeats}, k={K}";
}
