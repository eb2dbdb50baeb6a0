using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl;

/// <summary>A user-defined message or edge function: computes new features for a batch of edges.</summary>
/// <param name="edges">The edges, with their source, destination and edge features.</param>
/// <returns>New features by name, each with one row per edge of the batch.</returns>
public delegate IReadOnlyDictionary<string, Tensor> EdgeFunction(EdgeBatch edges);

/// <summary>A user-defined reduce or node function: computes new features for a batch of nodes.</summary>
/// <param name="nodes">The nodes, with their features and (in a reduce) their mailbox.</param>
/// <returns>New features by name, each with one row per node of the batch.</returns>
public delegate IReadOnlyDictionary<string, Tensor> NodeFunction(NodeBatch nodes);

/// <summary>
/// What a message-passing call computes on each edge: a builtin (<see cref="BuiltinMessage"/>, compiled with the
/// reducer into one fused sparse kernel) or a user-defined <see cref="EdgeFunction"/> (<see cref="Fn.Message"/>).
/// </summary>
public abstract class MessageFunction
{
    private protected MessageFunction()
    {
    }

    /// <summary>Wraps a user-defined function.</summary>
    public static implicit operator MessageFunction(EdgeFunction udf) => new UdfMessage(udf);

    /// <summary>Named alternative to the implicit conversion.</summary>
    public static MessageFunction FromEdgeFunction(EdgeFunction udf) => new UdfMessage(udf);
}

/// <summary>
/// How messages arriving at a node are combined: a builtin (<see cref="BuiltinReduce"/>) or a user-defined
/// <see cref="NodeFunction"/> reading <see cref="NodeBatch.Mailbox"/> (<see cref="Fn.Reduce"/>).
/// </summary>
public abstract class ReduceFunction
{
    private protected ReduceFunction()
    {
    }

    /// <summary>Wraps a user-defined function.</summary>
    public static implicit operator ReduceFunction(NodeFunction udf) => new UdfReduce(udf);

    /// <summary>Named alternative to the implicit conversion.</summary>
    public static ReduceFunction FromNodeFunction(NodeFunction udf) => new UdfReduce(udf);
}

/// <summary>A builtin message: op(lhs feature on its target, rhs feature on its target) written to <see cref="OutField"/>.</summary>
public sealed class BuiltinMessage : MessageFunction
{
    internal BuiltinMessage(string name, BinaryOp op, Target lhsTarget, string? lhsField, Target rhsTarget, string? rhsField, string outField)
    {
        ArgumentNullException.ThrowIfNull(outField);
        if (op != BinaryOp.CopyRhs) ArgumentNullException.ThrowIfNull(lhsField);
        if (op != BinaryOp.CopyLhs) ArgumentNullException.ThrowIfNull(rhsField);
        Name = name;
        Op = op;
        LhsTarget = lhsTarget;
        LhsField = lhsField;
        RhsTarget = rhsTarget;
        RhsField = rhsField;
        OutField = outField;
    }

    /// <summary>DGL's name for it (<c>copy_u</c>, <c>u_mul_e</c>…).</summary>
    public string Name { get; }

    /// <summary>The binary op.</summary>
    public BinaryOp Op { get; }

    /// <summary>Where the left operand lives.</summary>
    public Target LhsTarget { get; }

    /// <summary>The left operand's feature name (null for <c>copy_e</c>).</summary>
    public string? LhsField { get; }

    /// <summary>Where the right operand lives.</summary>
    public Target RhsTarget { get; }

    /// <summary>The right operand's feature name (null for <c>copy_u</c>).</summary>
    public string? RhsField { get; }

    /// <summary>The message (or new edge feature) name.</summary>
    public string OutField { get; }

    /// <inheritdoc/>
    public override string ToString() => $"fn.{Name}({string.Join(", ", new[] { LhsField, RhsField, OutField }.Where(f => f is not null).Select(f => $"'{f}'"))})";
}

/// <summary>A builtin reducer: <see cref="Op"/> over the messages named <see cref="MessageField"/>, written to <see cref="OutField"/>.</summary>
public sealed class BuiltinReduce : ReduceFunction
{
    internal BuiltinReduce(ReduceOp op, string messageField, string outField)
    {
        ArgumentNullException.ThrowIfNull(messageField);
        ArgumentNullException.ThrowIfNull(outField);
        Op = op;
        MessageField = messageField;
        OutField = outField;
    }

    /// <summary>The reducer.</summary>
    public ReduceOp Op { get; }

    /// <summary>The message name it reads.</summary>
    public string MessageField { get; }

    /// <summary>The node feature it writes.</summary>
    public string OutField { get; }

    /// <inheritdoc/>
    public override string ToString() => $"fn.{Op.ToString().ToLowerInvariant()}('{MessageField}', '{OutField}')";
}

internal sealed class UdfMessage(EdgeFunction function) : MessageFunction
{
    public EdgeFunction Function { get; } = function ?? throw new ArgumentNullException(nameof(function));
}

internal sealed class UdfReduce(NodeFunction function) : ReduceFunction
{
    public NodeFunction Function { get; } = function ?? throw new ArgumentNullException(nameof(function));
}

/// <summary>
/// Builtin message and reduce functions (DGL's <c>dgl.function</c>): <c>g.UpdateAll(Fn.CopyU("h", "m"), Fn.Sum("m", "h"))</c>
/// runs as one fused g-SpMM; messages are never materialised per edge. Names follow DGL: <c>u</c> is the source
/// node, <c>v</c> the destination node, <c>e</c> the edge; <c>UMulE("h", "w", "m")</c> is <c>fn.u_mul_e('h', 'w', 'm')</c>.
/// </summary>
/// <example>
/// <code>
/// g.UpdateAll(Fn.UMulE("h", "w", "m"), Fn.Sum("m", "h_new"));          // weighted sum of neighbours
/// g.ApplyEdges(Fn.UDotV("q", "k", "score"));                            // per-edge attention logits
/// g.UpdateAll(Fn.Message(e =&gt; new Dictionary&lt;string, Tensor&gt; { ["m"] = e.Src["h"] * e.Data["w"] }),
///             Fn.Reduce(n =&gt; new Dictionary&lt;string, Tensor&gt; { ["h"] = n.Mailbox["m"].Sum(1) }));   // the same, as UDFs
/// </code>
/// </example>
public static class Fn
{
    /// <summary>Message <c>copy_u</c>: the source node feature <paramref name="field"/>.</summary>
    /// <param name="field">Feature name on the source nodes.</param>
    /// <param name="outField">Message name.</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage CopyU(string field, string outField) =>
        new("copy_u", BinaryOp.CopyLhs, Target.Src, field, Target.Edge, null, outField);

    /// <summary>Message <c>copy_e</c>: the edge feature <paramref name="field"/>.</summary>
    /// <param name="field">Feature name on the edges.</param>
    /// <param name="outField">Message name.</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage CopyE(string field, string outField) =>
        new("copy_e", BinaryOp.CopyRhs, Target.Src, null, Target.Edge, field, outField);

    /// <summary>DGL's older name for <see cref="CopyU"/>.</summary>
    /// <param name="field">Feature name on the source nodes.</param>
    /// <param name="outField">Message name.</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage CopySrc(string field, string outField) => CopyU(field, outField);

    /// <summary>DGL's older name for <see cref="CopyE"/>.</summary>
    /// <param name="field">Feature name on the edges.</param>
    /// <param name="outField">Message name.</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage CopyEdge(string field, string outField) => CopyE(field, outField);

    /// <summary>Message <c>u_add_v</c>: source node feature <paramref name="lhsField"/> + destination node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the source nodes.</param>
    /// <param name="rhsField">Feature name on the destination nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage UAddV(string lhsField, string rhsField, string outField) =>
        new("u_add_v", BinaryOp.Add, Target.Src, lhsField, Target.Dst, rhsField, outField);

    /// <summary>Message <c>u_sub_v</c>: source node feature <paramref name="lhsField"/> − destination node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the source nodes.</param>
    /// <param name="rhsField">Feature name on the destination nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage USubV(string lhsField, string rhsField, string outField) =>
        new("u_sub_v", BinaryOp.Sub, Target.Src, lhsField, Target.Dst, rhsField, outField);

    /// <summary>Message <c>u_mul_v</c>: source node feature <paramref name="lhsField"/> · destination node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the source nodes.</param>
    /// <param name="rhsField">Feature name on the destination nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage UMulV(string lhsField, string rhsField, string outField) =>
        new("u_mul_v", BinaryOp.Mul, Target.Src, lhsField, Target.Dst, rhsField, outField);

    /// <summary>Message <c>u_div_v</c>: source node feature <paramref name="lhsField"/> / destination node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the source nodes.</param>
    /// <param name="rhsField">Feature name on the destination nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage UDivV(string lhsField, string rhsField, string outField) =>
        new("u_div_v", BinaryOp.Div, Target.Src, lhsField, Target.Dst, rhsField, outField);

    /// <summary>Message <c>u_dot_v</c>: the dot product of the source node feature <paramref name="lhsField"/> and the destination node feature <paramref name="rhsField"/> over their last dimension (kept as size 1).</summary>
    /// <param name="lhsField">Feature name on the source nodes.</param>
    /// <param name="rhsField">Feature name on the destination nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage UDotV(string lhsField, string rhsField, string outField) =>
        new("u_dot_v", BinaryOp.Dot, Target.Src, lhsField, Target.Dst, rhsField, outField);

    /// <summary>Message <c>u_add_e</c>: source node feature <paramref name="lhsField"/> + edge feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the source nodes.</param>
    /// <param name="rhsField">Feature name on the edges.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage UAddE(string lhsField, string rhsField, string outField) =>
        new("u_add_e", BinaryOp.Add, Target.Src, lhsField, Target.Edge, rhsField, outField);

    /// <summary>Message <c>u_sub_e</c>: source node feature <paramref name="lhsField"/> − edge feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the source nodes.</param>
    /// <param name="rhsField">Feature name on the edges.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage USubE(string lhsField, string rhsField, string outField) =>
        new("u_sub_e", BinaryOp.Sub, Target.Src, lhsField, Target.Edge, rhsField, outField);

    /// <summary>Message <c>u_mul_e</c>: source node feature <paramref name="lhsField"/> · edge feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the source nodes.</param>
    /// <param name="rhsField">Feature name on the edges.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage UMulE(string lhsField, string rhsField, string outField) =>
        new("u_mul_e", BinaryOp.Mul, Target.Src, lhsField, Target.Edge, rhsField, outField);

    /// <summary>Message <c>u_div_e</c>: source node feature <paramref name="lhsField"/> / edge feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the source nodes.</param>
    /// <param name="rhsField">Feature name on the edges.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage UDivE(string lhsField, string rhsField, string outField) =>
        new("u_div_e", BinaryOp.Div, Target.Src, lhsField, Target.Edge, rhsField, outField);

    /// <summary>Message <c>u_dot_e</c>: the dot product of the source node feature <paramref name="lhsField"/> and the edge feature <paramref name="rhsField"/> over their last dimension (kept as size 1).</summary>
    /// <param name="lhsField">Feature name on the source nodes.</param>
    /// <param name="rhsField">Feature name on the edges.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage UDotE(string lhsField, string rhsField, string outField) =>
        new("u_dot_e", BinaryOp.Dot, Target.Src, lhsField, Target.Edge, rhsField, outField);

    /// <summary>Message <c>v_add_u</c>: destination node feature <paramref name="lhsField"/> + source node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the destination nodes.</param>
    /// <param name="rhsField">Feature name on the source nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage VAddU(string lhsField, string rhsField, string outField) =>
        new("v_add_u", BinaryOp.Add, Target.Dst, lhsField, Target.Src, rhsField, outField);

    /// <summary>Message <c>v_sub_u</c>: destination node feature <paramref name="lhsField"/> − source node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the destination nodes.</param>
    /// <param name="rhsField">Feature name on the source nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage VSubU(string lhsField, string rhsField, string outField) =>
        new("v_sub_u", BinaryOp.Sub, Target.Dst, lhsField, Target.Src, rhsField, outField);

    /// <summary>Message <c>v_mul_u</c>: destination node feature <paramref name="lhsField"/> · source node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the destination nodes.</param>
    /// <param name="rhsField">Feature name on the source nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage VMulU(string lhsField, string rhsField, string outField) =>
        new("v_mul_u", BinaryOp.Mul, Target.Dst, lhsField, Target.Src, rhsField, outField);

    /// <summary>Message <c>v_div_u</c>: destination node feature <paramref name="lhsField"/> / source node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the destination nodes.</param>
    /// <param name="rhsField">Feature name on the source nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage VDivU(string lhsField, string rhsField, string outField) =>
        new("v_div_u", BinaryOp.Div, Target.Dst, lhsField, Target.Src, rhsField, outField);

    /// <summary>Message <c>v_dot_u</c>: the dot product of the destination node feature <paramref name="lhsField"/> and the source node feature <paramref name="rhsField"/> over their last dimension (kept as size 1).</summary>
    /// <param name="lhsField">Feature name on the destination nodes.</param>
    /// <param name="rhsField">Feature name on the source nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage VDotU(string lhsField, string rhsField, string outField) =>
        new("v_dot_u", BinaryOp.Dot, Target.Dst, lhsField, Target.Src, rhsField, outField);

    /// <summary>Message <c>v_add_e</c>: destination node feature <paramref name="lhsField"/> + edge feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the destination nodes.</param>
    /// <param name="rhsField">Feature name on the edges.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage VAddE(string lhsField, string rhsField, string outField) =>
        new("v_add_e", BinaryOp.Add, Target.Dst, lhsField, Target.Edge, rhsField, outField);

    /// <summary>Message <c>v_sub_e</c>: destination node feature <paramref name="lhsField"/> − edge feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the destination nodes.</param>
    /// <param name="rhsField">Feature name on the edges.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage VSubE(string lhsField, string rhsField, string outField) =>
        new("v_sub_e", BinaryOp.Sub, Target.Dst, lhsField, Target.Edge, rhsField, outField);

    /// <summary>Message <c>v_mul_e</c>: destination node feature <paramref name="lhsField"/> · edge feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the destination nodes.</param>
    /// <param name="rhsField">Feature name on the edges.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage VMulE(string lhsField, string rhsField, string outField) =>
        new("v_mul_e", BinaryOp.Mul, Target.Dst, lhsField, Target.Edge, rhsField, outField);

    /// <summary>Message <c>v_div_e</c>: destination node feature <paramref name="lhsField"/> / edge feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the destination nodes.</param>
    /// <param name="rhsField">Feature name on the edges.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage VDivE(string lhsField, string rhsField, string outField) =>
        new("v_div_e", BinaryOp.Div, Target.Dst, lhsField, Target.Edge, rhsField, outField);

    /// <summary>Message <c>v_dot_e</c>: the dot product of the destination node feature <paramref name="lhsField"/> and the edge feature <paramref name="rhsField"/> over their last dimension (kept as size 1).</summary>
    /// <param name="lhsField">Feature name on the destination nodes.</param>
    /// <param name="rhsField">Feature name on the edges.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage VDotE(string lhsField, string rhsField, string outField) =>
        new("v_dot_e", BinaryOp.Dot, Target.Dst, lhsField, Target.Edge, rhsField, outField);

    /// <summary>Message <c>e_add_u</c>: edge feature <paramref name="lhsField"/> + source node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the edges.</param>
    /// <param name="rhsField">Feature name on the source nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage EAddU(string lhsField, string rhsField, string outField) =>
        new("e_add_u", BinaryOp.Add, Target.Edge, lhsField, Target.Src, rhsField, outField);

    /// <summary>Message <c>e_sub_u</c>: edge feature <paramref name="lhsField"/> − source node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the edges.</param>
    /// <param name="rhsField">Feature name on the source nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage ESubU(string lhsField, string rhsField, string outField) =>
        new("e_sub_u", BinaryOp.Sub, Target.Edge, lhsField, Target.Src, rhsField, outField);

    /// <summary>Message <c>e_mul_u</c>: edge feature <paramref name="lhsField"/> · source node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the edges.</param>
    /// <param name="rhsField">Feature name on the source nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage EMulU(string lhsField, string rhsField, string outField) =>
        new("e_mul_u", BinaryOp.Mul, Target.Edge, lhsField, Target.Src, rhsField, outField);

    /// <summary>Message <c>e_div_u</c>: edge feature <paramref name="lhsField"/> / source node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the edges.</param>
    /// <param name="rhsField">Feature name on the source nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage EDivU(string lhsField, string rhsField, string outField) =>
        new("e_div_u", BinaryOp.Div, Target.Edge, lhsField, Target.Src, rhsField, outField);

    /// <summary>Message <c>e_dot_u</c>: the dot product of the edge feature <paramref name="lhsField"/> and the source node feature <paramref name="rhsField"/> over their last dimension (kept as size 1).</summary>
    /// <param name="lhsField">Feature name on the edges.</param>
    /// <param name="rhsField">Feature name on the source nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage EDotU(string lhsField, string rhsField, string outField) =>
        new("e_dot_u", BinaryOp.Dot, Target.Edge, lhsField, Target.Src, rhsField, outField);

    /// <summary>Message <c>e_add_v</c>: edge feature <paramref name="lhsField"/> + destination node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the edges.</param>
    /// <param name="rhsField">Feature name on the destination nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage EAddV(string lhsField, string rhsField, string outField) =>
        new("e_add_v", BinaryOp.Add, Target.Edge, lhsField, Target.Dst, rhsField, outField);

    /// <summary>Message <c>e_sub_v</c>: edge feature <paramref name="lhsField"/> − destination node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the edges.</param>
    /// <param name="rhsField">Feature name on the destination nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage ESubV(string lhsField, string rhsField, string outField) =>
        new("e_sub_v", BinaryOp.Sub, Target.Edge, lhsField, Target.Dst, rhsField, outField);

    /// <summary>Message <c>e_mul_v</c>: edge feature <paramref name="lhsField"/> · destination node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the edges.</param>
    /// <param name="rhsField">Feature name on the destination nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage EMulV(string lhsField, string rhsField, string outField) =>
        new("e_mul_v", BinaryOp.Mul, Target.Edge, lhsField, Target.Dst, rhsField, outField);

    /// <summary>Message <c>e_div_v</c>: edge feature <paramref name="lhsField"/> / destination node feature <paramref name="rhsField"/>, broadcast as in DGL.</summary>
    /// <param name="lhsField">Feature name on the edges.</param>
    /// <param name="rhsField">Feature name on the destination nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage EDivV(string lhsField, string rhsField, string outField) =>
        new("e_div_v", BinaryOp.Div, Target.Edge, lhsField, Target.Dst, rhsField, outField);

    /// <summary>Message <c>e_dot_v</c>: the dot product of the edge feature <paramref name="lhsField"/> and the destination node feature <paramref name="rhsField"/> over their last dimension (kept as size 1).</summary>
    /// <param name="lhsField">Feature name on the edges.</param>
    /// <param name="rhsField">Feature name on the destination nodes.</param>
    /// <param name="outField">Name of the message (or, in <c>ApplyEdges</c>, of the new edge feature).</param>
    /// <returns>The builtin message function.</returns>
    public static BuiltinMessage EDotV(string lhsField, string rhsField, string outField) =>
        new("e_dot_v", BinaryOp.Dot, Target.Edge, lhsField, Target.Dst, rhsField, outField);

    /// <summary>Reducer <c>sum</c>: Σ of the messages <paramref name="messageField"/> into node feature <paramref name="outField"/> (0 without messages).</summary>
    /// <param name="messageField">Message name.</param>
    /// <param name="outField">Node feature to write.</param>
    /// <returns>The builtin reducer.</returns>
    public static BuiltinReduce Sum(string messageField, string outField) => new(ReduceOp.Sum, messageField, outField);

    /// <summary>Reducer <c>mean</c>: the average message (0 without messages).</summary>
    /// <param name="messageField">Message name.</param>
    /// <param name="outField">Node feature to write.</param>
    /// <returns>The builtin reducer.</returns>
    public static BuiltinReduce Mean(string messageField, string outField) => new(ReduceOp.Mean, messageField, outField);

    /// <summary>Reducer <c>max</c>: the elementwise maximum message (0 without messages).</summary>
    /// <param name="messageField">Message name.</param>
    /// <param name="outField">Node feature to write.</param>
    /// <returns>The builtin reducer.</returns>
    public static BuiltinReduce Max(string messageField, string outField) => new(ReduceOp.Max, messageField, outField);

    /// <summary>Reducer <c>min</c>: the elementwise minimum message (0 without messages).</summary>
    /// <param name="messageField">Message name.</param>
    /// <param name="outField">Node feature to write.</param>
    /// <returns>The builtin reducer.</returns>
    public static BuiltinReduce Min(string messageField, string outField) => new(ReduceOp.Min, messageField, outField);

    /// <summary>A user-defined message function (lambdas need this wrapper, or a typed <see cref="EdgeFunction"/>).</summary>
    /// <param name="udf">Computes messages from an <see cref="EdgeBatch"/>.</param>
    /// <returns>The message function.</returns>
    public static MessageFunction Message(EdgeFunction udf) => new UdfMessage(udf);

    /// <summary>A user-defined reduce function, reading <see cref="NodeBatch.Mailbox"/> ([nodes, in-degree, …] per bucket).</summary>
    /// <param name="udf">Computes node features from a <see cref="NodeBatch"/>.</param>
    /// <returns>The reduce function.</returns>
    public static ReduceFunction Reduce(NodeFunction udf) => new UdfReduce(udf);
}
