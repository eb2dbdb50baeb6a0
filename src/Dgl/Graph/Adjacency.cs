namespace Dgl;

/// <summary>
/// The structure of one relation: its node counts on the source and destination sides and its edges in up to
/// three formats — COO (edge <c>e</c> goes from <c>Src[e]</c> to <c>Dst[e]</c>; this order defines edge ids),
/// out-CSR (rows = sources) and in-CSR/CSC (rows = destinations). Any one format defines the others; the missing
/// ones are built on first use and cached (thread-safe, built once). Immutable, so graphs share it freely.
/// </summary>
internal sealed class Adjacency
{
    private readonly Lazy<(int[] Src, int[] Dst)> _coo;
    private readonly Lazy<Csr> _out;
    private readonly Lazy<Csr> _in;

    private Adjacency(int numSrc, int numDst, int numEdges, Lazy<(int[] Src, int[] Dst)>? coo, Lazy<Csr>? outCsr, Lazy<Csr>? inCsr)
    {
        NumSrc = numSrc;
        NumDst = numDst;
        NumEdges = numEdges;
        _coo = coo ?? new Lazy<(int[], int[])>(() => _in!.IsValueCreated || !_out!.IsValueCreated ? CooFromCsr(_in!.Value, rowsAreDst: true) : CooFromCsr(_out.Value, rowsAreDst: false));
        _out = outCsr ?? new Lazy<Csr>(() => CsrBuilder.Build(NumSrc, NumDst, _coo.Value.Src, _coo.Value.Dst));
        _in = inCsr ?? new Lazy<Csr>(() => CsrBuilder.Build(NumDst, NumSrc, _coo.Value.Dst, _coo.Value.Src));
    }

    /// <summary>Nodes on the source side.</summary>
    public int NumSrc { get; }

    /// <summary>Nodes on the destination side.</summary>
    public int NumDst { get; }

    /// <summary>Edges.</summary>
    public int NumEdges { get; }

    /// <summary>The COO lists (built from a CSR on first use when the relation was made from one).</summary>
    public (int[] Src, int[] Dst) Coo => _coo.Value;

    /// <summary>Out-edge CSR: rows = source nodes, indices = destination nodes.</summary>
    public Csr Out => _out.Value;

    /// <summary>In-edge CSR (CSC): rows = destination nodes, indices = source nodes.</summary>
    public Csr In => _in.Value;

    /// <summary>Whether the COO lists exist yet.</summary>
    public bool HasCoo => _coo.IsValueCreated;

    /// <summary>Whether the out-CSR exists yet.</summary>
    public bool HasOut => _out.IsValueCreated;

    /// <summary>Whether the in-CSR exists yet.</summary>
    public bool HasIn => _in.IsValueCreated;

    /// <summary>A relation over COO lists the caller hands over (validated, never changed again).</summary>
    public static Adjacency FromCoo(int numSrc, int numDst, int[] src, int[] dst)
    {
        Debug.Assert(src.Length == dst.Length);
        return new Adjacency(numSrc, numDst, src.Length, new Lazy<(int[], int[])>((src, dst)), null, null);
    }

    /// <summary>A relation from its in-CSR (rows = destinations); COO and out-CSR follow on demand.</summary>
    public static Adjacency FromInCsr(int numSrc, Csr inCsr)
    {
        Debug.Assert(inCsr.NumCols == numSrc);
        return new Adjacency(numSrc, inCsr.NumRows, inCsr.NumEntries, null, null, new Lazy<Csr>(inCsr));
    }

    /// <summary>A relation from its out-CSR (rows = sources); COO and in-CSR follow on demand.</summary>
    public static Adjacency FromOutCsr(int numDst, Csr outCsr)
    {
        Debug.Assert(outCsr.NumCols == numDst);
        return new Adjacency(outCsr.NumRows, numDst, outCsr.NumEntries, null, new Lazy<Csr>(outCsr), null);
    }

    /// <summary>
    /// The relation with every edge reversed (same edge ids). Shares this relation's formats: the reverse's
    /// out-CSR is this in-CSR and vice versa, built (once) by whichever graph asks first.
    /// </summary>
    public Adjacency Reverse()
    {
        var coo = new Lazy<(int[], int[])>(() =>
        {
            var (s, d) = _coo.Value;
            return (d, s);
        });
        return new Adjacency(NumDst, NumSrc, NumEdges, coo, _in, _out);
    }

    /// <summary>
    /// The same relation keeping only the formats asked for (built now if none of them exists yet: from CSC when
    /// it is among them and CSR is not built, and so on in the order coo, csr, csc); the others are dropped and
    /// rebuilt from a kept one if they are ever needed again. Shares the kept arrays.
    /// </summary>
    public Adjacency Restrict(bool coo, bool outCsr, bool inCsr)
    {
        Debug.Assert(coo || outCsr || inCsr);
        var keepCoo = coo && HasCoo;
        var keepOut = outCsr && HasOut;
        var keepIn = inCsr && HasIn;
        if (!keepCoo && !keepOut && !keepIn)
        {
            // Materialise one allowed format from what exists.
            if (coo) _ = Coo;
            else if (inCsr) _ = In;
            else _ = Out;
            keepCoo = coo && HasCoo;
            keepOut = outCsr && HasOut;
            keepIn = inCsr && HasIn;
        }
        return new Adjacency(NumSrc, NumDst, NumEdges,
            keepCoo ? new Lazy<(int[], int[])>(Coo) : null,
            keepOut ? new Lazy<Csr>(Out) : null,
            keepIn ? new Lazy<Csr>(In) : null);
    }

    /// <summary>Bytes held by the formats built so far (arrays shared between formats counted once; identity edge
    /// ids that were never asked for cost nothing).</summary>
    public long StructureBytes()
    {
        var seen = new HashSet<Array>(ReferenceEqualityComparer.Instance);
        long bytes = 0;
        if (HasCoo)
        {
            foreach (var a in new[] { Coo.Src, Coo.Dst })
                if (seen.Add(a)) bytes += a.LongLength * sizeof(int);
        }
        if (HasOut) bytes += Out.StoredBytes(seen);
        if (HasIn) bytes += In.StoredBytes(seen);
        return bytes;
    }

    /// <summary>COO lists from a CSR: edge <c>EdgeIds[k]</c> joins row(k) and <c>Indices[k]</c>. When the edge ids
    /// are the identity the column array is shared, not copied.</summary>
    private static (int[] Src, int[] Dst) CooFromCsr(Csr csr, bool rowsAreDst)
    {
        var n = csr.NumEntries;
        var rows = GC.AllocateUninitializedArray<int>(n);
        var cols = csr.Indices;
        var eids = csr.PermutedEdgeIds;
        var identity = eids is null;
        if (!identity) cols = GC.AllocateUninitializedArray<int>(n);
        var indPtr = csr.IndPtr;
        var indices = csr.Indices;
        Dgl.Tensors.Kernels.Parallelism.For(csr.NumRows, 4096, (r0, r1) =>
        {
            for (var r = r0; r < r1; r++)
            {
                for (var k = indPtr[r]; k < indPtr[r + 1]; k++)
                {
                    var e = identity ? (int)k : eids![k];
                    rows[e] = r;
                    if (!identity) cols[e] = indices[k];
                }
            }
        });
        return rowsAreDst ? (cols, rows) : (rows, cols);
    }
}
