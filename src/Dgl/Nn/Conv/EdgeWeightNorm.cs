using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Normalises positive scalar edge weights as GCN normalises degrees, as DGL's <c>EdgeWeightNorm</c>: returns
/// e_ji / c_ji with c_ji = √(Σ_{k∈N(j)} e_jk + ε) · √(Σ_{k∈N(i)} e_ki + ε) (<c>norm: "both"</c>: the weighted out-degree
/// of the source times the weighted in-degree of the destination, each square-rooted), c_ji = Σ_{k∈N(i)} e_ki + ε
/// (<c>"right"</c>), or c_ji = 1 (<c>"none"</c>).
/// </summary>
/// <remarks>The sums are two g-SpMMs (over the in-edges and the out-edges) and the scaling one g-SDDMM, all
/// differentiable, so gradients reach learned edge weights. On a block the degrees are the block's own.</remarks>
/// <example>
/// <code>
/// var g = Graph.Create([0, 1, 2, 3, 2, 5], [1, 2, 3, 4, 0, 3]).AddSelfLoop();
/// var w = new EdgeWeightNorm("both").Forward(g, Tensor.Ones(g.NumEdges()));
/// var conv = new GraphConv(10, 2, norm: "none", generator: new Generator(0));
/// var h = conv.Forward(g, Tensor.Ones(6, 10), edgeWeight: w);        // the same as norm "both" without weights
/// </code>
/// </example>
public sealed class EdgeWeightNorm : Module
{
    /// <summary>Creates the normaliser.</summary>
    /// <param name="norm">"both" (default), "right" or "none".</param>
    /// <param name="eps">ε added to each weighted degree (default 0).</param>
    /// <exception cref="ArgumentException"><paramref name="norm"/> is not one of the three values.</exception>
    public EdgeWeightNorm(string norm = "both", double eps = 0)
    {
        ArgumentNullException.ThrowIfNull(norm);
        if (norm is not ("both" or "right" or "none"))
            throw new ArgumentException($"EdgeWeightNorm: invalid norm value \"{norm}\"; expected \"both\", \"right\" or \"none\"", nameof(norm));
        Norm = norm;
        Eps = eps;
    }

    /// <summary>"both", "right" or "none".</summary>
    public string Norm { get; }

    /// <summary>ε.</summary>
    public double Eps { get; }

    /// <summary>The normalised weights, [E].</summary>
    /// <param name="graph">A graph with one relation, or a block.</param>
    /// <param name="edgeWeight">e_ji, [E] (positive for "both").</param>
    /// <exception cref="TensorShapeException">The weights are not one scalar per edge.</exception>
    /// <exception cref="ArgumentException">A weight is not positive with norm "both".</exception>
    public Tensor Forward(Graph graph, Tensor edgeWeight)
    {
        const string name = nameof(EdgeWeightNorm);
        ArgumentNullException.ThrowIfNull(edgeWeight);
        var s = ConvSupport.Relation(graph, name);
        // The result is in edge-id order, so this works on the graph's own CSRs rather than the entry-ordered view.
        var inCsr = graph.InCsr();
        var outCsr = graph.OutCsr();
        if (edgeWeight.Rank > 1 && !(edgeWeight.Rank == 2 && edgeWeight.Size(1) == 1))
            throw new TensorShapeException(
                $"{name}: the edge weights have shape {edgeWeight.Shape}; the normalisation is only defined on scalar edge weights ([E] or [E, 1]); normalise high-dimensional weights yourself");
        if (!edgeWeight.DType.IsFloatingPoint())
            throw new TensorDTypeException($"{name}: edge weights have dtype {edgeWeight.DType.Name()}; expected float32 or float64");
        if (edgeWeight.Rank == 0 || edgeWeight.Size(0) != s.NumEdges)
            throw new TensorShapeException($"{name}: edge weights have shape {edgeWeight.Shape}; expected [{s.NumEdges}] (one per edge)");
        var w = edgeWeight.Reshape(-1, 1);
        if (Norm == "both")
        {
            var nonPositive = (w <= 0).Any().Item<bool>();
            if (nonPositive)
                throw new ArgumentException($"{name}: non-positive edge weight detected with norm \"both\"; this leads to square roots of zero or negative values", nameof(edgeWeight));
        }
        if (Norm == "none") return edgeWeight.Reshape(-1);
        var inWeight = SparseOps.GSpMM(inCsr, BinaryOp.CopyRhs, ReduceOp.Sum, null, w, outCsr);
        var dstNorm = Norm == "both" ? (inWeight + Eps).Pow(-0.5) : 1.0 / (inWeight + Eps);
        Tensor srcNorm;
        if (Norm == "both")
        {
            var outWeight = SparseOps.GSpMM(outCsr, BinaryOp.CopyRhs, ReduceOp.Sum, null, w, inCsr);
            srcNorm = (outWeight + Eps).Pow(-0.5);
        }
        else
        {
            srcNorm = Tensor.Ones([inCsr.NumCols, 1], w.DType);
        }
        var scale = SparseOps.GSDDMM(inCsr, CsrRows.Dst, BinaryOp.Mul, srcNorm, dstNorm, Target.Src, Target.Dst, outCsr);
        return (scale * w).Reshape(-1);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"norm={Norm}, eps={Fmt(Eps)}";
}
