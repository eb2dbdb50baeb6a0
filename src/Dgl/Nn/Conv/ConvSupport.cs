using System.Globalization;
using System.Runtime.CompilerServices;
using Dgl.Ops;
using Dgl.Sparse.Kernels;
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

    private static readonly ConditionalWeakTable<Csr, Structure> s_structures = new();

    /// <summary>
    /// The graph's only relation as the convolutions see it: its in-edge CSC with the entries numbered in CSC order
    /// ("entry order"), that CSC's transpose, and the permutations between entry order and the graph's edge ids.
    /// Built once per graph structure and kept as long as it lives.
    /// </summary>
    /// <remarks>
    /// Every per-edge tensor inside a convolution (normalisation weights, attention scores, softmax) is kept in entry
    /// order, so the fused kernels stream it sequentially and take their packed paths (the edge softmax packs several
    /// edges per vector only when entry k is edge k). Tensors that cross the module boundary in edge-id order — edge
    /// weights in, attention out — are permuted once with <see cref="Structure.ToEntryOrder"/> and
    /// <see cref="Structure.ToEdgeOrder"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">The graph has several relations.</exception>
    public static Structure Relation(Graph graph, string module)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (graph.NumRelations != 1)
            throw new ArgumentException(
                $"{module}: the graph has {graph.NumRelations} relations ({string.Join(", ", graph.CanonicalEdgeTypes)}); {module} runs on a graph with one " +
                "relation. Select one with graph[etype], or wrap the module in a HeteroGraphConv to apply it per relation", nameof(graph));
        var inCsr = graph.InCsr(0);
        return s_structures.GetValue(inCsr, c => new Structure(c));
    }

    /// <summary>
    /// The in-edge CSC of the graph's only relation with the graph's own edge ids (edge tensors indexed by edge id go
    /// with it unchanged), for modules that take or return per-edge tensors in edge-id order.
    /// </summary>
    /// <exception cref="ArgumentException">The graph has several relations.</exception>
    public static Csr EdgeIdCsr(Graph graph, string module)
    {
        Relation(graph, module);
        return graph.InCsr(0);
    }

    /// <summary>The entry-ordered in-edge CSC of the graph's only relation (see <see cref="Relation"/>).</summary>
    public static Csr InCsr(Graph graph, string module) => Relation(graph, module).In;

    /// <summary>A relation in entry order, with its cached normalisers.</summary>
    internal sealed class Structure
    {
        private readonly Csr _original;
        private readonly Dictionary<(Degree, string, DType), Tensor> _scales = [];
        private readonly Dictionary<(Degree, double, double, DType), Tensor> _edges = [];
        private Csr? _out;
        private Tensor? _toEntry;
        private Tensor? _toEdge;

        public Structure(Csr original)
        {
            _original = original;
            var identity = original.EdgeIdsAreIdentity;
            IsIdentity = identity;
            In = identity ? original : new Csr(original.NumRows, original.NumCols, original.IndPtr, original.Indices, edgeIds: null);
        }

        /// <summary>The in-edge CSC (rows = destinations, indices = sources) whose entry k is "edge" k.</summary>
        public Csr In { get; }

        /// <summary>The transpose of <see cref="In"/> (rows = sources), its edge ids being positions in <see cref="In"/>.</summary>
        public Csr Out => LazyInitializer.EnsureInitialized(ref _out, () => CsrInfo.Transpose(In));

        /// <summary>Whether the graph's edge ids already are the CSC entry order (no permutation needed).</summary>
        public bool IsIdentity { get; }

        /// <summary>Number of source nodes.</summary>
        public int NumSrc => In.NumCols;

        /// <summary>Number of destination nodes.</summary>
        public int NumDst => In.NumRows;

        /// <summary>Number of edges.</summary>
        public int NumEdges => In.NumEntries;

        /// <summary>An edge tensor in edge-id order, reordered to entry order (differentiable).</summary>
        public Tensor ToEntryOrder(Tensor edgeTensor) =>
            IsIdentity ? edgeTensor : edgeTensor.IndexSelect(0, LazyInitializer.EnsureInitialized(ref _toEntry, () => Tensor.FromArray(_original.EdgeIds)));

        /// <summary>An edge tensor in entry order, reordered to edge-id order (differentiable).</summary>
        public Tensor ToEdgeOrder(Tensor entryTensor) =>
            IsIdentity ? entryTensor : entryTensor.IndexSelect(0, LazyInitializer.EnsureInitialized(ref _toEdge, () =>
            {
                var inv = new int[_original.EdgeIds.Length];
                for (var k = 0; k < inv.Length; k++) inv[_original.EdgeIds[k]] = k;
                return Tensor.FromArray(inv);
            }));

        public Tensor Scale(Degree degree, string key, Func<long, double> f, DType dtype)
        {
            lock (_scales)
            {
                if (_scales.TryGetValue((degree, key, dtype), out var t)) return t;
                var csr = degree == Degree.In ? In : Out;
                var values = new double[csr.NumRows];
                for (var r = 0; r < values.Length; r++) values[r] = f(csr.IndPtr[r + 1] - csr.IndPtr[r]);
                t = Column(values, dtype);
                _scales[(degree, key, dtype)] = t;
                return t;
            }
        }

        public Tensor EdgeWeights(Degree srcDegree, double srcPower, double dstPower, DType dtype)
        {
            lock (_edges)
            {
                if (_edges.TryGetValue((srcDegree, srcPower, dstPower, dtype), out var t)) return t;
                var w = new double[In.NumEntries];
                var inPtr = In.IndPtr;
                var srcPtr = (srcDegree == Degree.In ? In : Out).IndPtr;
                for (var v = 0; v < In.NumRows; v++)
                {
                    var dv = Math.Pow(Math.Max(1, inPtr[v + 1] - inPtr[v]), dstPower);
                    for (var k = inPtr[v]; k < inPtr[v + 1]; k++)
                    {
                        var u = In.Indices[k];
                        w[k] = dv * Math.Pow(Math.Max(1, srcPtr[u + 1] - srcPtr[u]), srcPower);
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

    /// <summary>Throws DGL's zero-in-degree error (with the count and the first such node) unless allowed.</summary>
    public static void CheckZeroInDegree(Graph graph, bool allow, string module)
    {
        if (allow) return;
        CheckZeroInDegree(InCsr(graph, module), module, nameof(graph));
    }

    /// <summary>
    /// DGL's <c>expand_as_pair</c> for a single feature tensor: on a block the destination features are the first
    /// NumDstNodes rows of the source features (a view with autograd); otherwise both are the input.
    /// </summary>
    public static (Tensor Src, Tensor Dst) ExpandAsPair(Graph graph, Tensor features, string module)
    {
        ArgumentNullException.ThrowIfNull(features);
        var s = Relation(graph, module);
        CheckRows(module, features, s.NumSrc, "source");
        if (graph.IsBlock) return (features, features.Slice(0, s.NumDst));
        if (s.NumDst != s.NumSrc)
            throw new ArgumentException(
                $"{module}: the graph is bipartite ({s.NumSrc} source and {s.NumDst} destination nodes); pass (source, destination) features as a pair", nameof(features));
        return (features, features);
    }

    /// <summary>Checks a (source, destination) feature pair against the graph's two sides.</summary>
    public static void CheckPair(Graph graph, Tensor src, Tensor dst, string module)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(dst);
        var s = Relation(graph, module);
        CheckRows(module, src, s.NumSrc, "source");
        CheckRows(module, dst, s.NumDst, "destination");
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

    /// <summary>
    /// User edge weights ([E] or [E, 1], edge-id order) as an [E, 1] tensor in entry order, so that they scale every
    /// feature of a message; checks that there is one per edge.
    /// </summary>
    public static Tensor EdgeWeightsInEntryOrder(Graph graph, Tensor edgeWeight, string module)
    {
        ArgumentNullException.ThrowIfNull(edgeWeight);
        var s = Relation(graph, module);
        if (!edgeWeight.DType.IsFloatingPoint())
            throw new TensorDTypeException($"{module}: edge weights have dtype {edgeWeight.DType.Name()}; expected float32 or float64");
        if (edgeWeight.Rank == 0 || edgeWeight.Size(0) != s.NumEdges || edgeWeight.NumElements != s.NumEdges)
            throw new TensorShapeException($"{module}: edge weights have shape {edgeWeight.Shape}; expected [{s.NumEdges}] or [{s.NumEdges}, 1] (one per edge)");
        return s.ToEntryOrder(edgeWeight.Rank == 1 ? edgeWeight.Reshape(-1, 1) : edgeWeight);
    }

    // ------------------------------------------------------------------------------------------------------
    // Message passing builtins (each one fused kernel); edge tensors are in entry order
    // ------------------------------------------------------------------------------------------------------

    /// <summary>update_all(copy_u, reduce): out[v] = reduce over in-edges (u, v) of h[u].</summary>
    public static Tensor CopyU(Graph graph, Tensor h, ReduceOp reduce, string module)
    {
        var s = Relation(graph, module);
        return SparseOps.GSpMM(s.In, BinaryOp.CopyLhs, reduce, h, null, s.Out);
    }

    /// <summary>update_all(u_mul_e, reduce): out[v] = reduce over in-edges e = (u, v) of h[u] · w[e] (w in entry order).</summary>
    public static Tensor UMulE(Graph graph, Tensor h, Tensor w, ReduceOp reduce, string module)
    {
        var s = Relation(graph, module);
        return SparseOps.GSpMM(s.In, BinaryOp.Mul, reduce, h, w, s.Out);
    }

    /// <summary>copy_u or u_mul_e (when <paramref name="w"/> is given, in entry order) with <paramref name="reduce"/>.</summary>
    public static Tensor Aggregate(Graph graph, Tensor h, Tensor? w, ReduceOp reduce, string module) =>
        w is null ? CopyU(graph, h, reduce, module) : UMulE(graph, h, w, reduce, module);

    /// <summary>apply_edges with <paramref name="op"/>(lhs[u], rhs[v]) (u_add_v, u_dot_v, …), in entry order.</summary>
    public static Tensor UOpV(Graph graph, BinaryOp op, Tensor lhs, Tensor rhs, string module)
    {
        var s = Relation(graph, module);
        return SparseOps.GSDDMM(s.In, CsrRows.Dst, op, lhs, rhs, Target.Src, Target.Dst, s.Out);
    }

    /// <summary>Edge softmax over each destination's in-edges (entry order in and out).</summary>
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
        var column = Relation(graph, module).Scale(degree, key, f, dtype);
        if (rank <= 2) return column;
        var dims = new int[rank];
        Array.Fill(dims, 1);
        dims[0] = column.Size(0);
        return column.Reshape(dims);
    }

    /// <summary>
    /// The symmetric propagation weights of the K-step modules (APPNP, SGConv, TAGConv, GCN2Conv): without edge
    /// weights, deg(u)^-1/2 · indeg(v)^-1/2 (<see cref="NormalizedEdgeWeights"/>); with them, DGL's
    /// <c>EdgeWeightNorm("both")</c> of the given weights, in entry order.
    /// </summary>
    public static Tensor SymmetricEdgeWeights(Graph graph, Tensor? edgeWeight, Degree srcDegree, DType dtype, string module) =>
        edgeWeight is null
            ? NormalizedEdgeWeights(graph, srcDegree, -0.5, -0.5, dtype, module)
            : EdgeWeightsInEntryOrder(graph, new EdgeWeightNorm("both").Forward(graph, edgeWeight), module);

    /// <summary>The relation of a graph that K-step propagation can run on (not a block; sources = destinations).</summary>
    /// <exception cref="ArgumentException">A block, or a bipartite relation.</exception>
    public static Structure SquareRelation(Graph graph, string module)
    {
        var s = Relation(graph, module);
        if (graph.IsBlock || s.NumDst != s.NumSrc)
            throw new ArgumentException($"{module}: propagating K steps needs a graph whose sources and destinations are the same nodes; got {s.NumSrc} sources and {s.NumDst} destinations", nameof(graph));
        return s;
    }

    /// <summary>
    /// Per-edge weights [E, 1] in entry order, w = max(deg(u), 1)^<paramref name="srcPower"/> ·
    /// max(indeg(v), 1)^<paramref name="dstPower"/> for an edge (u, v), where deg(u) is u's out-degree, or its in-degree
    /// with <paramref name="srcDegree"/> = <see cref="Degree.In"/> (SGConv, TAGConv: sources must be the destinations):
    /// a normalisation of both sides folded into the weights of one SpMM. Cached per graph structure; never requires grad.
    /// </summary>
    public static Tensor NormalizedEdgeWeights(Graph graph, Degree srcDegree, double srcPower, double dstPower, DType dtype, string module)
    {
        var s = Relation(graph, module);
        if (srcDegree == Degree.In && s.NumDst != s.NumSrc)
            throw new ArgumentException($"{module}: normalising sources by their in-degree needs a graph whose sources are its destinations; got {s.NumSrc} sources and {s.NumDst} destinations", nameof(graph));
        return s.EdgeWeights(srcDegree, srcPower, dstPower, dtype);
    }
}
