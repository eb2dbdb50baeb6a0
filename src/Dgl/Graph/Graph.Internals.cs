namespace Dgl;

// The stable internal surface the message-passing and sparse-kernel code builds on. Everything is by index:
// node type t in 0..NodeTypes.Count-1 and relation r in 0..NumRelations-1 (CanonicalEdgeTypes order). Look names
// up once with NodeTypeIndex / EdgeTypeIndex (which throw with the valid names listed) and then use indices.
public sealed partial class Graph
{
    /// <summary>The number of relations (edge types).</summary>
    internal int NumRelations => _relations.Length;

    /// <summary>Relation <paramref name="r"/>'s canonical type.</summary>
    internal CanonicalEdgeType RelationType(int r) => _relations[r].Type;

    /// <summary>Relation <paramref name="r"/>'s source node type index.</summary>
    internal int RelationSrcType(int r) => _relations[r].SrcType;

    /// <summary>Relation <paramref name="r"/>'s destination node type index.</summary>
    internal int RelationDstType(int r) => _relations[r].DstType;

    /// <summary>Relation <paramref name="r"/>'s structure (shared between graphs; immutable).</summary>
    internal Adjacency RelationAdjacency(int r) => _relations[r].Adjacency;

    /// <summary>
    /// Relation <paramref name="r"/>'s COO lists: edge <c>e</c> goes from source node <c>Src[e]</c> to destination
    /// node <c>Dst[e]</c>. The arrays are shared: never write to them.
    /// </summary>
    internal (int[] Src, int[] Dst) Coo(int r) => _relations[r].Adjacency.Coo;

    /// <summary>
    /// Relation <paramref name="r"/>'s in-edge CSR (CSC): rows = destination nodes (<c>NumDstNodes</c> of its
    /// destination type), <see cref="Csr.Indices"/> = source nodes, <see cref="Csr.EdgeIds"/> = edge ids; within a
    /// row, edges are in increasing edge id. Built on first use, cached, thread-safe. Shared: never write to it.
    /// </summary>
    internal Csr InCsr(int r) => _relations[r].Adjacency.In;

    /// <summary>
    /// Relation <paramref name="r"/>'s out-edge CSR: rows = source nodes, <see cref="Csr.Indices"/> = destination
    /// nodes, <see cref="Csr.EdgeIds"/> = edge ids (increasing within a row). Built on first use, cached.
    /// </summary>
    internal Csr OutCsr(int r) => _relations[r].Adjacency.Out;

    /// <summary>Source-side node count of node type <paramref name="t"/> (equals <see cref="NumDstNodes(int)"/> unless a block).</summary>
    internal int NumSrcNodes(int t) => _numSrc[t];

    /// <summary>Destination-side node count of node type <paramref name="t"/>.</summary>
    internal int NumDstNodes(int t) => _numDst[t];

    /// <summary>Source-side features of node type <paramref name="t"/> (the same object as <see cref="DstFrame"/> unless a block).</summary>
    internal Frame SrcFrame(int t) => _srcFrames[t];

    /// <summary>Destination-side features of node type <paramref name="t"/>.</summary>
    internal Frame DstFrame(int t) => _dstFrames[t];

    /// <summary>Features of relation <paramref name="r"/>'s edges.</summary>
    internal Frame EdgeFrame(int r) => _edgeFrames[r];

    /// <summary>Per-graph node counts of type <paramref name="t"/> in a batch (one entry when not batched).</summary>
    internal int[] BatchNumNodesArray(int t) => _batchNumNodes?[t] ?? [_numSrc[t]];

    /// <summary>Per-graph edge counts of relation <paramref name="r"/> in a batch (one entry when not batched).</summary>
    internal int[] BatchNumEdgesArray(int r) => _batchNumEdges?[r] ?? [_relations[r].Adjacency.NumEdges];

    /// <summary>Bytes held by the structure formats built so far, over all relations (shared arrays counted once).</summary>
    internal long StructureBytes() => _relations.Sum(r => r.Adjacency.StructureBytes());

    /// <summary>The out-edge CSR of <paramref name="etype"/> (shared, immutable: do not write to its arrays).</summary>
    public Csr OutCsr(EdgeTypeKey? etype = null) => OutCsr(EdgeTypeIndex(etype));

    /// <summary>The in-edge CSR (CSC) of <paramref name="etype"/> (shared, immutable: do not write to its arrays).</summary>
    public Csr InCsr(EdgeTypeKey? etype = null) => InCsr(EdgeTypeIndex(etype));

    /// <summary>
    /// Builds every relation's COO, out-CSR and in-CSR now (DGL's <c>create_formats_</c>), for example before
    /// handing the graph to several sampling threads, so that none of them waits on a lazy build.
    /// </summary>
    public void CreateFormats()
    {
        foreach (var rel in _relations)
        {
            _ = rel.Adjacency.Coo;
            _ = rel.Adjacency.Out;
            _ = rel.Adjacency.In;
        }
    }

    /// <summary>
    /// Which sparse formats exist now (DGL's <c>g.formats()</c>): "coo", "csr" (out-edges) and "csc" (in-edges)
    /// that every relation has built, and the rest.
    /// </summary>
    public (IReadOnlyList<string> Created, IReadOnlyList<string> NotCreated) Formats()
    {
        var created = new List<string>();
        var notCreated = new List<string>();
        foreach (var (name, has) in new (string, Func<Adjacency, bool>)[] { ("coo", a => a.HasCoo), ("csr", a => a.HasOut), ("csc", a => a.HasIn) })
            (_relations.All(r => has(r.Adjacency)) ? created : notCreated).Add(name);
        return (created, notCreated);
    }

    /// <summary>
    /// A graph (new frames over the same feature tensors, as <see cref="Clone"/>) whose relations keep only the
    /// listed formats — "coo", "csr" (out-edges), "csc" (in-edges) — dropping the others' arrays (DGL's
    /// <c>g.formats(['csc'])</c>). When none of the listed formats exists yet, one is built. The usual reason is
    /// memory: a sampler reads only CSC, and on a large graph the COO lists cost 8 bytes per edge. Unlike DGL,
    /// a format left out is not forbidden: an operation that needs it rebuilds it on first use.
    /// </summary>
    /// <example><code>
    /// var g = Generators.SyntheticProducts(0.1).Formats("csc");   // sampling needs only in-edges
    /// </code></example>
    /// <exception cref="ArgumentException">No format, or a name that is not coo, csr or csc.</exception>
    public Graph Formats(params string[] formats)
    {
        ArgumentNullException.ThrowIfNull(formats);
        if (formats.Length == 0) throw new ArgumentException("Formats: give at least one of \"coo\", \"csr\", \"csc\"", nameof(formats));
        foreach (var f in formats)
        {
            if (f is not ("coo" or "csr" or "csc"))
                throw new ArgumentException($"Formats: unknown format \"{f}\"; expected \"coo\", \"csr\" or \"csc\"", nameof(formats));
        }
        var coo = formats.Contains("coo");
        var csr = formats.Contains("csr");
        var csc = formats.Contains("csc");
        return WithRelations([.. _relations.Select(r => new Relation(r.Type, r.SrcType, r.DstType, r.Adjacency.Restrict(coo, csr, csc)))]);
    }

    /// <summary>
    /// A graph with the same structure (shared) and new frames over the same feature tensors (DGL's
    /// <c>g.clone()</c>): setting a feature on the copy does not touch this graph. Batch counts are kept.
    /// </summary>
    public Graph Clone() => WithRelations(_relations);

    /// <summary>This graph's node sets, new frames over the same feature tensors and batch counts, over <paramref name="relations"/>.</summary>
    private Graph WithRelations(Relation[] relations)
    {
        var g = new Graph(
            [.. _ntypes],
            (int[])_numSrc.Clone(),
            IsBlock ? (int[])_numDst.Clone() : null,
            relations,
            IsBlock,
            [.. _srcFrames.Select(f => f.Clone())],
            IsBlock ? [.. _dstFrames.Select(f => f.Clone())] : null,
            [.. _edgeFrames.Select(f => f.Clone())]);
        g._batchNumNodes = _batchNumNodes;
        g._batchNumEdges = _batchNumEdges;
        return g;
    }
}
