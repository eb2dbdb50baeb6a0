namespace Dgl.Ops;

/// <summary>The binary operator of a generalised sparse op (DGL's <c>op</c> argument of <c>gspmm</c>/<c>gsddmm</c>).</summary>
public enum BinaryOp
{
    /// <summary>The left operand unchanged (<c>copy_lhs</c>, <c>copy_u</c> in message functions).</summary>
    CopyLhs,

    /// <summary>The right operand unchanged (<c>copy_rhs</c>, <c>copy_e</c>).</summary>
    CopyRhs,

    /// <summary>lhs + rhs.</summary>
    Add,

    /// <summary>lhs − rhs.</summary>
    Sub,

    /// <summary>lhs · rhs elementwise.</summary>
    Mul,

    /// <summary>lhs / rhs elementwise.</summary>
    Div,

    /// <summary>Dot product over the last feature dimension, which is kept with size 1 (g-SDDMM only).</summary>
    Dot,
}

/// <summary>How a g-SpMM combines the messages arriving at a destination.</summary>
/// <remarks>Every reducer gives 0 at a destination with no incoming edge.</remarks>
public enum ReduceOp
{
    /// <summary>Σ of the messages.</summary>
    Sum,

    /// <summary>Elementwise maximum; the winning edge is remembered for backward (ties: the first edge).</summary>
    Max,

    /// <summary>Elementwise minimum; ties go to the first edge.</summary>
    Min,

    /// <summary>Σ divided by the in-degree.</summary>
    Mean,
}

/// <summary>Where a g-SDDMM operand lives: on the edge's source node, the edge itself, or its destination node.</summary>
public enum Target
{
    /// <summary>Source node (<c>u</c>).</summary>
    Src,

    /// <summary>The edge (<c>e</c>).</summary>
    Edge,

    /// <summary>Destination node (<c>v</c>).</summary>
    Dst,
}

/// <summary>Which endpoint of each edge a <see cref="Csr"/>'s rows are.</summary>
public enum CsrRows
{
    /// <summary>Rows are source nodes, indices destination nodes (the out-edge CSR).</summary>
    Src,

    /// <summary>Rows are destination nodes, indices source nodes (the in-edge CSC).</summary>
    Dst,
}
