using Dgl.Sparse.Kernels;

namespace Dgl.Ops;

/// <summary>
/// The edges an op runs over, in whichever forms the caller had (a CSC, a CSR, a COO, or segments), with the
/// other forms built on demand (backward often needs the reverse direction) and kept for the op's lifetime.
/// </summary>
internal sealed class EdgeIndex
{
    private readonly Csr? _dst;
    private readonly Func<Csr>? _reverse;
    private Csr? _src;
    private readonly long[]? _segments;
    private Csr? _builtDst;

    private EdgeIndex(Csr? dst, Csr? src, int[]? cooSrc, int[]? cooDst, long[]? segments, int numSrc, int numDst, long numEdges,
        Func<Csr>? reverse = null)
    {
        _reverse = reverse;
        _dst = dst;
        _src = src;
        CooSrc = cooSrc;
        CooDst = cooDst;
        _segments = segments;
        NumSrc = numSrc;
        NumDst = numDst;
        NumEdges = numEdges;
    }

    public int NumSrc { get; }

    public int NumDst { get; }

    public long NumEdges { get; }

    public int[]? CooSrc { get; }

    public int[]? CooDst { get; }

    /// <summary>True for segment structures (no source ids: only ops that never read them apply).</summary>
    public bool IsSegments => _segments is not null;

    /// <summary>An in-edge CSC whose out-edge CSR the caller can build on demand (the graph's lazily built format):
    /// backward asks for it only when it needs the reverse direction.</summary>
    public static EdgeIndex FromInCsr(Csr inCsr, Func<Csr> outCsr)
    {
        ArgumentNullException.ThrowIfNull(inCsr);
        CsrInfo.Get(inCsr);
        return new EdgeIndex(inCsr, null, null, null, null, inCsr.NumCols, inCsr.NumRows, inCsr.NumEntries, outCsr);
    }

    public static EdgeIndex FromCsr(Csr csr, CsrRows rows, Csr? reverse = null)
    {
        ArgumentNullException.ThrowIfNull(csr);
        CsrInfo.Get(csr);
        if (reverse is not null) CsrInfo.RegisterTranspose(csr, reverse);
        return rows == CsrRows.Dst
            ? new EdgeIndex(csr, reverse, null, null, null, csr.NumCols, csr.NumRows, csr.NumEntries)
            : new EdgeIndex(reverse, csr, null, null, null, csr.NumRows, csr.NumCols, csr.NumEntries);
    }

    public static EdgeIndex FromCoo(int[] src, int[] dst, int numSrc, int numDst)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(dst);
        ArgumentOutOfRangeException.ThrowIfNegative(numSrc);
        ArgumentOutOfRangeException.ThrowIfNegative(numDst);
        if (src.Length != dst.Length)
            throw new ArgumentException($"COO: src has {src.Length} ids but dst has {dst.Length}; expected one pair per edge", nameof(dst));
        for (var e = 0; e < src.Length; e++)
        {
            if ((uint)src[e] >= (uint)numSrc)
                throw new ArgumentException($"COO: edge {e} has source id {src[e]}; expected 0..{numSrc - 1}", nameof(src));
            if ((uint)dst[e] >= (uint)numDst)
                throw new ArgumentException($"COO: edge {e} has destination id {dst[e]}; expected 0..{numDst - 1}", nameof(dst));
        }
        return new EdgeIndex(null, null, src, dst, null, numSrc, numDst, src.Length);
    }

    /// <summary>Segments [offsets[i], offsets[i+1]) as "destinations" whose "edges" are the elements.</summary>
    public static EdgeIndex FromSegments(long[] offsets) =>
        new(null, null, null, null, offsets, 0, offsets.Length - 1, offsets[^1]);

    /// <summary>Rows are destinations (the in-edge CSC, or the segments).</summary>
    public SparseRows DstRows
    {
        get
        {
            if (_segments is not null) return SparseRows.Segments(_segments);
            return SparseRows.Of(DstCsr);
        }
    }

    /// <summary>Rows are sources (the out-edge CSR).</summary>
    public SparseRows SrcRows
    {
        get
        {
            if (_segments is not null) throw new InvalidOperationException("segments have no source side");
            if (_src is null && _reverse is not null)
            {
                var src = _reverse();
                CsrInfo.RegisterTranspose(DstCsr, src);
                _src = src;
            }
            return SparseRows.Of(_src ?? CsrInfo.Transpose(DstCsr));
        }
    }

    /// <summary>The rows an SDDMM walks: the form the caller gave.</summary>
    public (SparseRows Rows, bool RowsAreDst) Walk =>
        _segments is not null ? (SparseRows.Segments(_segments), true)
        : _dst is not null ? (SparseRows.Of(_dst), true)
        : _src is not null ? (SparseRows.Of(_src), false)
        : (DstRows, true);

    private Csr DstCsr
    {
        get
        {
            if (_dst is not null) return _dst;
            if (_src is not null) return CsrInfo.Transpose(_src);
            return _builtDst ??= BuildFromCoo(CooSrc!, CooDst!, NumSrc, NumDst);
        }
    }

    /// <summary>In-edge CSC of a COO: rows are destinations, entries in edge order within a row.</summary>
    private static Csr BuildFromCoo(int[] src, int[] dst, int numSrc, int numDst) => CsrBuilder.Build(numDst, numSrc, dst, src);
}
