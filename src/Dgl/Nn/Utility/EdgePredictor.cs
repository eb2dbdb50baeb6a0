using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// Predicts a score for node pairs from their representations (DGL's <c>EdgePredictor</c>): "dot" s = h_src·h_dst
/// ([N, 1]), "cos" s = cos(h_src, h_dst) ([N, 1]), "ele" s = h_src ⊙ h_dst ([N, D]), "cat" s = [h_src, h_dst]
/// ([N, 2D]); with <c>inFeats</c> and <c>outFeats</c> given, a Linear maps s to <c>outFeats</c> scores.
/// </summary>
/// <remarks>As DGL 1.1: <c>op</c> is required; the optional Linear has no bias by default. Cosine similarity is
/// x·y / (max(‖x‖, 1e-8)·max(‖y‖, 1e-8)).</remarks>
/// <example>
/// <code>
/// var predictor = new EdgePredictor("dot");
/// var scores = predictor.Forward(h.IndexSelect(0, src), h.IndexSelect(0, dst));   // [pairs, 1]
/// </code>
/// </example>
public sealed class EdgePredictor : Module
{
    /// <summary>Creates the predictor.</summary>
    /// <param name="op">"dot", "cos", "ele" or "cat".</param>
    /// <param name="inFeats">Representation size (with <paramref name="outFeats"/>: add a Linear).</param>
    /// <param name="outFeats">Scores per pair from the Linear.</param>
    /// <param name="bias">Whether the Linear has a bias.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the Linear's initial values.</param>
    /// <exception cref="ArgumentException">Unknown op.</exception>
    public EdgePredictor(string op, int? inFeats = null, int? outFeats = null, bool bias = false, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (op is not ("dot" or "cos" or "ele" or "cat"))
            throw new ArgumentException($"EdgePredictor: expect op to be in ['dot', 'cos', 'ele', 'cat'], got '{op}'", nameof(op));
        Op = op;
        if (inFeats is { } i && outFeats is { } o)
        {
            var width = op switch { "dot" or "cos" => 1, "cat" => 2 * i, _ => i };
            Linear = RegisterModule("linear", new Linear(width, o, bias, dtype, generator));
        }
    }

    /// <summary>"dot", "cos", "ele" or "cat".</summary>
    public string Op { get; }

    /// <summary>The output Linear, or null.</summary>
    public Linear? Linear { get; }

    /// <summary>Scores of the pairs (row i pairs h_src[i] with h_dst[i]).</summary>
    /// <param name="src">[N, D] source representations.</param>
    /// <param name="dst">[N, D] destination representations.</param>
    public Tensor Forward(Tensor src, Tensor dst)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(dst);
        if (src.Rank != 2 || src.Shape != dst.Shape)
            throw new TensorShapeException($"EdgePredictor: h_src has shape {src.Shape} and h_dst {dst.Shape}; expected two [N, D] tensors");
        var h = Op switch
        {
            "dot" => (src * dst).Sum(-1, keepDim: true),
            "cos" => (src * dst).Sum(-1, keepDim: true) / (src.Norm(2, -1, keepDim: true).ClampMin(1e-8) * dst.Norm(2, -1, keepDim: true).ClampMin(1e-8)),
            "ele" => src * dst,
            _ => Tensor.Cat([src, dst], -1),
        };
        return Linear is null ? h : Linear.Forward(h);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"op={Op}";
}
