using System.Globalization;
using System.Runtime.CompilerServices;
using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// What the graph convolutions share: the one relation they run on (a homogeneous graph, a block, or a uni-bipartite
/// graph with one edge type), DGL's zero-in-degree check, <c>expand_as_pair</c>, degree normalisers, and the message
/// passing builtins they use, each one fused sparse kernel with autograd (copy_u/u_mul_e with sum/mean/max,
/// u_add_v, u_dot_v, edge softmax).
/// </summary>
/// <remarks>
/// Degree normalisers and the per-edge weights that fold a symmetric normalisation into one weighted SpMM are
/// computed once per graph structure and kept as long as the structure lives (the graph's CSR is immutable).
/// </remarks>
internal static partial class ConvSupport
{
    /// <summary>DGL's message for a graph with nodes that receive no message (GraphConv, GATConv, …).</summary>
    public const string ZeroInDegreeMessage =
        "There are 0-in-degree nodes in the graph, output for those nodes will be invalid. " +
        "This is harmful for some applications, causing silent performance regression. " +
        "Adding self-loop on the input graph by calling `g = g.AddSelfLoop()` will resolve the issue. " +
        "Setting `allowZeroInDegree` to be `true` when constructing this module will suppress the check and let the code run.";

    private static readonly ConditionalWeakTable<Csr, NormCache> s_norms = new();

    /// <summary>The graph's only relation as (in-edge CSC, out-edge CSR).</summary>
    /// <exception cref="ArgumentException">The graph has several relations.</exception>
    public static (Csr In, Csr Out) Relation(Graph graph, string module)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (graph.NumRelations != 1)
            throw new ArgumentException(
                $"{module}: the graph has {graph.NumRelations} relations ({string.Join(", ", graph.CanonicalEdgeTypes)}); {module} runs on a graph with one " +
                "relation. Select one with graph[etype], or wrap the module in a HeteroGraphConv to apply it per relation", nameof(graph));
        return (graph.InCsr(0), graph.OutCsr(0));
    }

    /// <summary>The in-edge CSC of the graph's only relation.</summary>
    public static Csr InCsr(Graph graph, string module) => Relation(graph, module).In;

    /// <summary>Throws DGL's zero-in-degree error (with the count and the first such node) unless allowed.</summary>
    public static void CheckZeroInDegree(Graph graph, bool allow, string module)
    {
        if (allow) return;
        var inCsr = InCsr(graph, module);
        var ptr = inCsr.IndPtr;
        var count = 0;
        var first = -1;
        for (var v = 0; v < inCsr.NumRows; v++)
        {
            if (ptr[v + 1] != ptr[v]) continue;
            if (count++ == 0) first = v;
        }
        if (count > 0)
            throw new ArgumentException($"{module}: {ZeroInDegreeMessage} ({count} destination node(s) have no in-edge; the first is node {first})", nameof(graph));
    }

    /// <summary>
    /// DGL's <c>expand_as_pair</c> for a single feature tensor: on a block the destination features are the first
    /// NumDstNodes rows of the source features (a view with autograd); otherwise both are the input.
    /// </summary>
    public static (Tensor Src, Tensor Dst) ExpandAsPair(Graph graph, Tensor features, string module)
    {
        ArgumentNullException.ThrowIfNull(features);
        var (inCsr, _) = Relation(graph, module);
        CheckRows(module, features, inCsr.NumCols, "source");
        if (graph.IsBlock) return (features, features.Slice(0, inCsr.NumRows));
        if (inCsr.NumRows != inCsr.NumCols)
            throw new ArgumentException(
                $"{module}: the graph is bipartite ({inCsr.NumCols} source and {inCsr.NumRows} destination nodes); pass (source, destination) features as a pair", nameof(features));
        return (features, features);
    }

    /// <summary>Checks a (source, destination) feature pair against the graph's two sides.</summary>
    public static void CheckPair(Graph graph, Tensor src, Tensor dst, string module)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(dst);
        var (inCsr, _) = Relation(graph, module);
        CheckRows(module, src, inCsr.NumCols, "source");
        CheckRows(module, dst, inCsr.NumRows, "destination");
    }

    /// <summary>Throws when <paramref name="features"/> is not floating point or its first dimension is not <paramref name="rows"/>.</summary>
    public static void CheckRows(string module, Tensor features, int rows, string side)
    {
        if (!features.DType.IsFloatingPoint())
            throw new TensorDTypeException($"{module}: {side} features have dtype {features.DType.Name()}; expected float32 or float64");
        if (features.Rank < 2 || features.Size(0) != rows)
            throw new TensorShapeException($"{module}: {side} features have shape {features.Shape}; expected [{rows}, …] (one row per {side} node)");
    }

    /// <summary>Throws when the last dimension of <paramref name="features"/> is not <paramref name="expected"/>.</summary>
    public static void CheckWidth(string module, Tensor features, int expected, string what)
    {
        if (features.Size(-1) != expected)
            throw new TensorShapeException($"{module}: {what} have shape {features.Shape}; the module was built for {expected} input features in the last dimension");
    }

    /// <summary>Checks that an edge-weight tensor has one row per edge.</summary>
    public static void CheckEdgeWeight(Graph graph, Tensor edgeWeight, string module)
    {
        var (inCsr, _) = Relation(graph, module);
        if (!edgeWeight.DType.IsFloatingPoint())
            throw new TensorDTypeException($"{module}: edge weights have dtype {edgeWeight.DType.Name()}; expected float32 or float64");
        if (edgeWeight.Rank == 0 || edgeWeight.Size(0) != inCsr.NumEntries)
            throw new TensorShapeException($"{module}: edge weights have shape {edgeWeight.Shape}; expected [{inCsr.NumEntries}] or [{inCsr.NumEntries}, 1] (one per edge)");
    }

    /// <summary>Edge weights as [E, 1] so that they scale every feature of a message.</summary>
    public static Tensor EdgeColumn(Tensor edgeWeight) => edgeWeight.Rank == 1 ? edgeWeight.Reshape(-1, 1) : edgeWeight;

    // ------------------------------------------------------------------------------------------------------
    // Message passing builtins (each one fused kernel)
    // ------------------------------------------------------------------------------------------------------

    /// <summary>update_all(copy_u, reduce): out[v] = reduce over in-edges (u, v) of h[u].</summary>
    public static Tensor CopyU(Graph graph, Tensor h, ReduceOp reduce, string module)
    {
        var (inCsr, outCsr) = Relation(graph, module);
        return SparseOps.GSpMM(inCsr, BinaryOp.CopyLhs, reduce, h, null, outCsr);
    }

    /// <summary>update_all(u_mul_e, reduce): out[v] = reduce over in-edges e = (u, v) of h[u] · w[e].</summary>
    public static Tensor UMulE(Graph graph, Tensor h, Tensor w, ReduceOp reduce, string module)
    {
        var (inCsr, outCsr) = Relation(graph, module);
        return SparseOps.GSpMM(inCsr, BinaryOp.Mul, reduce, h, w, outCsr);
    }

    /// <summary>Sum of h[u] over in-edges, weighted by w[e] when given (copy_u or u_mul_e with sum).</summary>
    public static Tensor Aggregate(Graph graph, Tensor h, Tensor? w, ReduceOp reduce, string module) =>
        w is null ? CopyU(graph, h, reduce, module) : UMulE(graph, h, w, reduce, module);

    /// <summary>apply_edges with <paramref name="op"/>(lhs[u], rhs[v]) (u_add_v, u_dot_v, …).</summary>
    public static Tensor UOpV(Graph graph, BinaryOp op, Tensor lhs, Tensor rhs, string module)
    {
        var (inCsr, outCsr) = Relation(graph, module);
        return SparseOps.GSDDMM(inCsr, CsrRows.Dst, op, lhs, rhs, Target.Src, Target.Dst, outCsr);
    }

    /// <summary>Edge softmax over each destination's in-edges.</summary>
    public static Tensor EdgeSoftmax(Graph graph, Tensor logits, string module) =>
        SparseOps.EdgeSoftmax(InCsr(graph, module), logits);

    // ------------------------------------------------------------------------------------------------------
    // Degree normalisation
    // ------------------------------------------------------------------------------------------------------

    /// <summary>Which degree a normaliser uses.</summary>
    public enum Degree
    {
        /// <summary>Source nodes' out-degrees.</summary>
        Out,

        /// <summary>Destination nodes' in-degrees.</summary>
        In,
    }

    /// <summary>
    /// max(deg, 1)^<paramref name="power"/> per node as a [N, 1, …, 1] tensor of rank <paramref name="rank"/> (so
    /// that it scales rows of a feature tensor of that rank). Cached per graph structure.
    /// </summary>
    public static Tensor DegreeScale(Graph graph, Degree degree, double power, DType dtype, int rank, string module) =>
        NodeScale(graph, degree, string.Create(CultureInfo.InvariantCulture, $"pow{power}"), d => Math.Pow(Math.Max(1, d), power), dtype, rank, module);

    /// <summary>
    /// f(degree) per node as a [N, 1, …, 1] tensor of rank <paramref name="rank"/>; <paramref name="key"/> names f in
    /// the per-structure cache.
    /// </summary>
    public static Tensor NodeScale(Graph graph, Degree degree, string key, Func<long, double> f, DType dtype, int rank, string module)
    {
        var (inCsr, outCsr) = Relation(graph, module);
        var csr = degree == Degree.In ? inCsr : outCsr;
        var column = s_norms.GetValue(inCsr, _ => new NormCache()).Scale(csr, degree, key, f, dtype);
        if (rank <= 2) return column;
        var dims = new int[rank];
        Array.Fill(dims, 1);
        dims[0] = csr.NumRows;
        return column.Reshape(dims);
    }

    /// <summary>
    /// Per-edge weights [E, 1] (edge-id order) w_e = max(deg(u), 1)^<paramref name="srcPower"/> ·
    /// max(indeg(v), 1)^<paramref name="dstPower"/> for e = (u, v), where deg(u) is u's out-degree, or its in-degree
    /// with <paramref name="srcDegree"/> = <see cref="Degree.In"/> (SGConv, TAGConv: a homogeneous graph only): a
    /// normalisation of both sides folded into the weights of one SpMM. Cached per graph structure; never requires grad.
    /// </summary>
    public static Tensor NormalizedEdgeWeights(Graph graph, Degree srcDegree, double srcPower, double dstPower, DType dtype, string module)
    {
        var (inCsr, outCsr) = Relation(graph, module);
        if (srcDegree == Degree.In && inCsr.NumRows != inCsr.NumCols)
            throw new ArgumentException($"{module}: normalising sources by their in-degree needs a graph whose sources are its destinations; got {inCsr.NumCols} sources and {inCsr.NumRows} destinations", nameof(graph));
        var srcCsr = srcDegree == Degree.In ? inCsr : outCsr;
        return s_norms.GetValue(inCsr, _ => new NormCache()).EdgeWeights(inCsr, srcCsr, srcDegree, srcPower, dstPower, dtype);
    }

    /// <summary>Normalisers computed for one structure (keyed by its in-edge CSC).</summary>
    private sealed class NormCache
    {
        private readonly Dictionary<(Degree, string, DType), Tensor> _scales = [];
        private readonly Dictionary<(Degree, double, double, DType), Tensor> _edges = [];

        public Tensor Scale(Csr csr, Degree degree, string key, Func<long, double> f, DType dtype)
        {
            lock (_scales)
            {
                if (_scales.TryGetValue((degree, key, dtype), out var t)) return t;
                var values = new double[csr.NumRows];
                for (var r = 0; r < values.Length; r++) values[r] = f(csr.IndPtr[r + 1] - csr.IndPtr[r]);
                t = Column(values, dtype);
                _scales[(degree, key, dtype)] = t;
                return t;
            }
        }

        public Tensor EdgeWeights(Csr inCsr, Csr srcCsr, Degree srcDegree, double srcPower, double dstPower, DType dtype)
        {
            lock (_edges)
            {
                if (_edges.TryGetValue((srcDegree, srcPower, dstPower, dtype), out var t)) return t;
                var w = new double[inCsr.NumEntries];
                var inPtr = inCsr.IndPtr;
                var outPtr = srcCsr.IndPtr;
                for (var v = 0; v < inCsr.NumRows; v++)
                {
                    var dv = Math.Pow(Math.Max(1, inPtr[v + 1] - inPtr[v]), dstPower);
                    for (var k = inPtr[v]; k < inPtr[v + 1]; k++)
                    {
                        var u = inCsr.Indices[k];
                        w[inCsr.EdgeIds[k]] = dv * Math.Pow(Math.Max(1, outPtr[u + 1] - outPtr[u]), srcPower);
                    }
                }
                t = Column(w, dtype);
                _edges[(srcDegree, srcPower, dstPower, dtype)] = t;
                return t;
            }
        }

        private static Tensor Column(double[] values, DType dtype)
        {
            var t = Tensor.From(values, new Shape(values.Length, 1));
            return dtype == DType.Float64 ? t : t.To(dtype);
        }
    }
}
