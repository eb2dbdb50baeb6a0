using Dgl.Ops;
using Dgl.Tensors;
using Dgl.Tensors.Autograd;

namespace Dgl.Nn;

/// <summary>
/// Label propagation (Zhou et al., "Learning with Local and Global Consistency", DGL's <c>LabelPropagation</c>):
/// Y⁰ = the one-hot known labels (zero rows outside the mask), then k times
/// Y ← (1 − α)·Y⁰ + α·D_in^{-1/2}·A·D_out^{-1/2}·Y ("sym") or (1 − α)·Y⁰ + α·D_in^{-1}·A·Y ("row"),
/// optionally clamped to [0, 1], L1-normalised per row, and with the known rows reset after each step.
/// </summary>
/// <remarks>As DGL 1.1: <c>normType = "sym"</c>, <c>clamp = true</c>, <c>normalize = false</c>, <c>reset = false</c>;
/// degrees are clamped to at least 1. No parameters; runs without recording gradients. Labels are class ids [N]
/// (one-hot over max + 1 classes) or soft labels [N, C].</remarks>
/// <example>
/// <code>
/// var lp = new LabelPropagation(k: 10, alpha: 0.5);
/// var y = lp.Forward(g, labels, trainMask);   // [N, C] propagated label distribution
/// </code>
/// </example>
public sealed class LabelPropagation : Module
{
    /// <summary>Creates the propagation.</summary>
    /// <param name="k">Propagation steps.</param>
    /// <param name="alpha">Weight α of the propagated labels.</param>
    /// <param name="normType">"sym" or "row".</param>
    /// <param name="clamp">Clamp to [0, 1] after each step.</param>
    /// <param name="normalize">L1-normalise each row after each step.</param>
    /// <param name="reset">Reset the known rows to their labels after each step.</param>
    public LabelPropagation(int k, double alpha, string normType = "sym", bool clamp = true, bool normalize = false, bool reset = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (normType is not ("sym" or "row"))
            throw new ArgumentException($"LabelPropagation: expect normType to be 'sym' or 'row', got '{normType}'", nameof(normType));
        K = k;
        Alpha = alpha;
        NormType = normType;
        Clamp = clamp;
        Normalize = normalize;
        Reset = reset;
    }

    /// <summary>Propagation steps.</summary>
    public int K { get; }

    /// <summary>α.</summary>
    public double Alpha { get; }

    /// <summary>"sym" or "row".</summary>
    public string NormType { get; }

    /// <summary>Whether to clamp to [0, 1].</summary>
    public bool Clamp { get; }

    /// <summary>Whether to L1-normalise rows.</summary>
    public bool Normalize { get; }

    /// <summary>Whether to reset the known rows.</summary>
    public bool Reset { get; }

    /// <summary>Propagates <paramref name="labels"/> over <paramref name="graph"/>.</summary>
    /// <param name="graph">A homogeneous graph.</param>
    /// <param name="labels">Class ids [N] (or [N, 1]) or soft labels [N, C].</param>
    /// <param name="mask">Known rows (bool [N]), or null for all.</param>
    /// <returns>float32 [N, C].</returns>
    public Tensor Forward(Graph graph, Tensor labels, Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var csr = ConvSupport.EdgeIdCsr(graph, nameof(LabelPropagation));
        ConvSupport.CheckRows(nameof(LabelPropagation), labels, csr.NumRows, "labels", "nodes");
        using var _ = GradMode.NoGrad();
        var y0 = labels.Rank > 1 && labels.Size(1) > 1 ? labels.To(DType.Float32) : labels.Reshape(-1).Long().OneHot(dtype: DType.Float32);
        Tensor? m = null;
        var y = y0;
        if (mask is not null)
        {
            ConvSupport.CheckRows(nameof(LabelPropagation), mask, csr.NumRows, "mask", "nodes");
            m = mask.To(DType.Float32).Reshape(-1, 1);
            y = y0 * m;
        }
        var init = y * (1 - Alpha);
        var outCsr = graph.OutCsr();
        var inDeg = Degrees(csr);
        var outDeg = Degrees(outCsr);
        var normI = NormType == "sym" ? inDeg.Rsqrt() : inDeg.Reciprocal();
        var normJ = NormType == "sym" ? outDeg.Rsqrt() : null;
        for (var step = 0; step < K; step++)
        {
            var h = SparseOps.GSpMM(csr, BinaryOp.CopyLhs, ReduceOp.Sum, normJ is null ? y : y * normJ, null, outCsr);
            y = init + h * normI * Alpha;
            if (Clamp) y = y.Clamp(0, 1);
            if (Normalize) y = y / y.Abs().Sum(1, keepDim: true).ClampMin(1e-12);
            if (Reset && m is not null) y = y * (1 - m) + y0 * m;
        }
        return y;
    }

    private static Tensor Degrees(Csr csr)
    {
        var d = new float[csr.NumRows];
        for (var v = 0; v < d.Length; v++) d[v] = Math.Max(1, csr.IndPtr[v + 1] - csr.IndPtr[v]);
        return Tensor.FromArray(d, new Shape(d.Length, 1));
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"k={K}, alpha={Fmt(Alpha)}, normType={NormType}";
}
