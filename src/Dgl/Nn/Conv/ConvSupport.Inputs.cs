using Dgl.Tensors;

namespace Dgl.Nn;

// The CSR-level input helpers of the graph-level convolutions (GIN, GINE, EdgeConv, NNConv, GMMConv, AGNN, RelGraphConv,
// PNA, HGT): DGL's expand_as_pair on an in-edge CSC already looked up, pair checks that return the pair, row-count
// checks that name what was passed, and the zero-in-degree mask that DGL's reducers imply.
internal static partial class ConvSupport
{
    /// <summary>DGL's <c>expand_as_pair</c> for one tensor, given the relation's in-edge CSC.</summary>
    public static (Tensor Src, Tensor Dst) ExpandAsPair(Graph graph, Tensor features, Csr inCsr, string module)
    {
        ArgumentNullException.ThrowIfNull(features);
        CheckRows(module, features, inCsr.NumCols, "features", "source nodes");
        if (graph.IsBlock) return (features, features.Slice(0, inCsr.NumRows));
        if (inCsr.NumRows != inCsr.NumCols)
            throw new ArgumentException($"{module}: the graph is bipartite ({inCsr.NumCols} source and {inCsr.NumRows} destination nodes); " +
                "pass (source, destination) features as a pair", nameof(graph));
        return (features, features);
    }

    /// <summary>Checks a (source, destination) feature pair against the relation's two sides and returns it.</summary>
    public static (Tensor Src, Tensor Dst) CheckPair(Csr inCsr, (Tensor Src, Tensor Dst) features, string module)
    {
        if (features.Src is null || features.Dst is null)
            throw new ArgumentException($"{module}: the (source, destination) feature pair has a null member", nameof(features));
        CheckRows(module, features.Src, inCsr.NumCols, "source features", "source nodes");
        CheckRows(module, features.Dst, inCsr.NumRows, "destination features", "destination nodes");
        return features;
    }

    /// <summary>Throws naming the module when <paramref name="t"/>'s first dimension is not <paramref name="expected"/>.</summary>
    public static void CheckRows(string module, Tensor t, int expected, string what, string rows)
    {
        if (t.Rank == 0 || t.Size(0) != expected)
            throw new TensorShapeException($"{module}: {what} have shape {t.Shape}; expected the first dimension to be the {expected} {rows}");
    }

    /// <summary>Checks an edge tensor's first dimension against the edge count.</summary>
    public static void CheckEdges(string module, Tensor t, Csr inCsr, string what) =>
        CheckRows(module, t, inCsr.NumEntries, what, "edges");

    /// <summary>DGL's zero-in-degree error for a relation's in-edge CSC (see <see cref="ZeroInDegreeMessage"/>).</summary>
    /// <exception cref="ArgumentException">Some destination node has no in-edge.</exception>
    public static void CheckZeroInDegree(Csr inCsr, string module, string paramName = "inCsr")
    {
        var ptr = inCsr.IndPtr;
        var count = 0;
        var first = -1;
        for (var v = 0; v < inCsr.NumRows; v++)
        {
            if (ptr[v + 1] != ptr[v]) continue;
            if (count++ == 0) first = v;
        }
        if (count > 0)
            throw new ArgumentException($"{module}: {ZeroInDegreeMessage} ({count} destination node(s) have no in-edge; the first is node {first})", paramName);
    }

    /// <summary>Whether some destination has no in-edge.</summary>
    public static bool HasZeroInDegree(Csr inCsr)
    {
        var ptr = inCsr.IndPtr;
        for (var v = 0; v < inCsr.NumRows; v++) if (ptr[v + 1] == ptr[v]) return true;
        return false;
    }

    /// <summary>A [rows, 1, …] tensor of 1 where a destination has an in-edge and 0 where it has none (DGL's reducers give 0 there).</summary>
    public static Tensor HasInEdgeMask(Csr inCsr, int featureRank, DType dtype)
    {
        var dims = new int[featureRank + 1];
        Array.Fill(dims, 1);
        dims[0] = inCsr.NumRows;
        var mask = new double[inCsr.NumRows];
        for (var v = 0; v < mask.Length; v++) mask[v] = inCsr.IndPtr[v + 1] > inCsr.IndPtr[v] ? 1 : 0;
        return Tensor.From(mask, new Shape(dims)).To(dtype);
    }

    /// <summary>Parses a neighbour reducer name ("sum", "mean", "max", and "min" when allowed).</summary>
    public static Ops.ReduceOp Reducer(string module, string name, bool allowMin = false) => name switch
    {
        "sum" => Ops.ReduceOp.Sum,
        "mean" => Ops.ReduceOp.Mean,
        "max" => Ops.ReduceOp.Max,
        "min" when allowMin => Ops.ReduceOp.Min,
        _ => throw new ArgumentException($"{module}: aggregator type '{name}' is not recognised; expected {(allowMin ? "'sum', 'mean', 'max' or 'min'" : "'sum', 'mean' or 'max'")}", nameof(name)),
    };

    /// <summary>Checks that a module's parameter dtype is floating point.</summary>
    public static void CheckDType(string module, DType dtype)
    {
        if (!dtype.IsFloatingPoint())
            throw new TensorDTypeException($"{module}: parameter dtype {dtype.Name()} is not supported; expected float32 or float64");
    }
}
