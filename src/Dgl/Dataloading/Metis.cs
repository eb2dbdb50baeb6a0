using System.Runtime.InteropServices;
using Dgl.Tensors;

namespace Dgl.Dataloading;

/// <summary>How METIS splits the graph.</summary>
public enum MetisMode
{
    /// <summary>Multilevel k-way partitioning (<c>METIS_PartGraphKway</c>; DGL's default).</summary>
    KWay,

    /// <summary>Multilevel recursive bisection (<c>METIS_PartGraphRecursive</c>).</summary>
    Recursive,
}

/// <summary>What METIS minimises.</summary>
public enum MetisObjective
{
    /// <summary>The number of edges cut (DGL's default).</summary>
    Cut,

    /// <summary>The total communication volume.</summary>
    Volume,
}

/// <summary>
/// Graph partitioning with METIS (DGL's <c>dgl.metis_partition_assignment</c>), through Debian's <c>libmetis5</c>
/// (<c>libmetis.so.5</c>) by P/Invoke. The graph is made symmetric and simple first (METIS needs an undirected graph
/// without self-loops or repeated edges), as DGL does.
/// </summary>
/// <remarks>The library's index width (32 or 64 bits, a build option of METIS) is detected at first use. METIS's
/// default seed is fixed, so a partitioning is repeatable.</remarks>
public static partial class Metis
{
    private const string Library = "libmetis.so.5";
    private const int NumOptions = 40;
    private const int OptionObjType = 1;
    private const int MetisOk = 1;

    private static readonly Lazy<int> s_indexBits = new(DetectIndexBits);

    /// <summary>Whether <c>libmetis.so.5</c> can be loaded.</summary>
    public static bool IsAvailable
    {
        get
        {
            try
            {
                return s_indexBits.Value > 0;
            }
            catch (DllNotFoundException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// The partition (0..k-1) of each node of a graph with one node type and one edge type.
    /// </summary>
    /// <param name="g">The graph (its edges are symmetrised for METIS; directions do not matter).</param>
    /// <param name="k">Number of partitions (at least 1).</param>
    /// <param name="balanceNtypes">A node-type (or any category) id per node: partitions get balanced counts of
    /// each category (METIS vertex weight constraints, one per category).</param>
    /// <param name="balanceEdges">Also balance the number of edges (in-degree sum) per partition.</param>
    /// <param name="mode">k-way (default) or recursive bisection.</param>
    /// <param name="objective">Minimise the edge cut (default) or the communication volume.</param>
    /// <returns>int32 partition id per node.</returns>
    /// <exception cref="DllNotFoundException"><c>libmetis.so.5</c> is missing (install Debian's <c>libmetis5</c>).</exception>
    /// <exception cref="InvalidOperationException">METIS reports an error.</exception>
    public static Tensor PartitionAssignment(Graph g, int k, Tensor? balanceNtypes = null, bool balanceEdges = false, MetisMode mode = MetisMode.KWay, MetisObjective objective = MetisObjective.Cut)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (g.NodeTypes.Count != 1 || g.NumRelations != 1)
            throw new ArgumentException($"Metis.PartitionAssignment: the graph has {g.NodeTypes.Count} node types and {g.NumRelations} edge types; convert it with ToHomogeneous first", nameof(g));
        var n = g.NumSrcNodes(0);
        if (k == 1 || n == 0) return Tensor.Zeros([n], DType.Int32);
        var (xadj, adjncy) = Symmetric(g);
        var ncon = 0;
        int[]? category = null;
        var categories = 0;
        if (balanceNtypes is not null)
        {
            if (balanceNtypes.Rank != 1 || balanceNtypes.Size(0) != n)
                throw new TensorShapeException($"Metis.PartitionAssignment: balanceNtypes has shape {balanceNtypes.Shape}; it needs one category per node ([{n}])");
            category = balanceNtypes.To(DType.Int32).ToArray<int>();
            categories = category.Length == 0 ? 0 : category.Max() + 1;
            if (category.Any(c => c < 0))
                throw new ArgumentOutOfRangeException(nameof(balanceNtypes), "Metis.PartitionAssignment: balanceNtypes has a negative category");
        }
        ncon = Math.Max(1, categories) + (balanceEdges ? 1 : 0);
        long[]? vwgt = null;
        if (category is not null || balanceEdges)
        {
            vwgt = new long[(long)n * ncon];
            var inDeg = balanceEdges ? g.InDegrees().ToArray<int>() : null;
            for (var v = 0; v < n; v++)
            {
                if (category is not null) vwgt[(long)v * ncon + category[v]] = 1;
                else vwgt[(long)v * ncon] = 1;
                if (inDeg is not null) vwgt[(long)v * ncon + ncon - 1] = inDeg[v];
            }
        }
        var part = Partition(n, ncon, xadj, adjncy, vwgt, k, mode, objective);
        return Tensor.FromArray(part);
    }

    /// <summary>The symmetric, simple, loop-free adjacency of g as CSR arrays (64-bit; narrowed for a 32-bit METIS).</summary>
    private static (long[] Xadj, long[] Adjncy) Symmetric(Graph g)
    {
        var n = g.NumSrcNodes(0);
        var (src, dst) = g.Coo(0);
        var nn = (ulong)n;
        var keys = new ulong[checked(2L * src.Length)];
        var m = 0;
        for (var e = 0; e < src.Length; e++)
        {
            if (src[e] == dst[e]) continue;
            keys[m++] = (ulong)src[e] * nn + (ulong)dst[e];
            keys[m++] = (ulong)dst[e] * nn + (ulong)src[e];
        }
        GeneratorKernels.RadixSort(keys, m, GeneratorKernels.BitsFor(nn * nn));
        m = GeneratorKernels.UniqueSorted(keys, m);
        var xadj = new long[n + 1];
        var adjncy = new long[m];
        for (var i = 0; i < m; i++)
        {
            xadj[keys[i] / nn + 1]++;
            adjncy[i] = (long)(keys[i] % nn);
        }
        for (var v = 0; v < n; v++) xadj[v + 1] += xadj[v];
        return (xadj, adjncy);
    }

    private static unsafe int[] Partition(int n, int ncon, long[] xadj, long[] adjncy, long[]? vwgt, int k, MetisMode mode, MetisObjective objective)
    {
        int bits;
        try
        {
            bits = s_indexBits.Value;
        }
        catch (DllNotFoundException e)
        {
            throw new DllNotFoundException($"METIS is not installed: {Library} could not be loaded. Install Debian's libmetis5 package (sudo apt-get install libmetis5).", e);
        }
        var part = new int[n];
        int ret;
        long objval;
        if (bits == 64)
        {
            var options = new long[NumOptions];
            var part64 = new long[n];
            fixed (long* o = options) SetDefaultOptions64(o);
            options[OptionObjType] = objective == MetisObjective.Cut ? 0 : 1;
            long nv = n, nc = ncon, np = k;
            fixed (long* x = xadj, a = adjncy, w = vwgt, o = options, p = part64)
            {
                ret = mode == MetisMode.KWay
                    ? PartGraphKway64(&nv, &nc, x, a, w, null, null, &np, null, null, o, &objval, p)
                    : PartGraphRecursive64(&nv, &nc, x, a, w, null, null, &np, null, null, o, &objval, p);
            }
            for (var v = 0; v < n; v++) part[v] = (int)part64[v];
        }
        else
        {
            if (adjncy.Length > int.MaxValue)
                throw new InvalidOperationException($"Metis.PartitionAssignment: the symmetric graph has {adjncy.Length} entries, too many for this 32-bit METIS build");
            var options = new int[NumOptions];
            fixed (int* o = options) SetDefaultOptions32(o);
            options[OptionObjType] = objective == MetisObjective.Cut ? 0 : 1;
            var x32 = Array.ConvertAll(xadj, x => (int)x);
            var a32 = Array.ConvertAll(adjncy, x => (int)x);
            var w32 = vwgt is null ? null : Array.ConvertAll(vwgt, x => (int)Math.Min(int.MaxValue, x));
            int nv = n, nc = ncon, np = k, obj;
            fixed (int* x = x32, a = a32, w = w32, o = options, p = part)
            {
                ret = mode == MetisMode.KWay
                    ? PartGraphKway32(&nv, &nc, x, a, w, null, null, &np, null, null, o, &obj, p)
                    : PartGraphRecursive32(&nv, &nc, x, a, w, null, null, &np, null, null, o, &obj, p);
            }
        }
        if (ret != MetisOk)
        {
            var what = ret switch
            {
                -2 => "input error",
                -3 => "out of memory",
                _ => "error",
            };
            throw new InvalidOperationException($"Metis.PartitionAssignment: METIS returned {ret} ({what}) partitioning {n} nodes into {k} parts");
        }
        return part;
    }

    /// <summary>
    /// The index width of the library: METIS_SetDefaultOptions fills all 40 options with -1; on a buffer of 40
    /// 64-bit slots pre-filled with a marker, a 32-bit build fills only the first 20 slots.
    /// </summary>
    private static unsafe int DetectIndexBits()
    {
        const long marker = 0x5A5A5A5A5A5A5A5AL;
        var buffer = new long[NumOptions];
        Array.Fill(buffer, marker);
        fixed (long* b = buffer) SetDefaultOptions64(b);
        return buffer[NumOptions - 1] == marker ? 32 : 64;
    }

    [LibraryImport(Library, EntryPoint = "METIS_SetDefaultOptions")]
    private static unsafe partial int SetDefaultOptions64(long* options);

    [LibraryImport(Library, EntryPoint = "METIS_SetDefaultOptions")]
    private static unsafe partial int SetDefaultOptions32(int* options);

    [LibraryImport(Library, EntryPoint = "METIS_PartGraphKway")]
    private static unsafe partial int PartGraphKway32(int* nvtxs, int* ncon, int* xadj, int* adjncy, int* vwgt, int* vsize, int* adjwgt, int* nparts, float* tpwgts, float* ubvec, int* options, int* objval, int* part);

    [LibraryImport(Library, EntryPoint = "METIS_PartGraphRecursive")]
    private static unsafe partial int PartGraphRecursive32(int* nvtxs, int* ncon, int* xadj, int* adjncy, int* vwgt, int* vsize, int* adjwgt, int* nparts, float* tpwgts, float* ubvec, int* options, int* objval, int* part);

    [LibraryImport(Library, EntryPoint = "METIS_PartGraphKway")]
    private static unsafe partial int PartGraphKway64(long* nvtxs, long* ncon, long* xadj, long* adjncy, long* vwgt, long* vsize, long* adjwgt, long* nparts, float* tpwgts, float* ubvec, long* options, long* objval, long* part);

    [LibraryImport(Library, EntryPoint = "METIS_PartGraphRecursive")]
    private static unsafe partial int PartGraphRecursive64(long* nvtxs, long* ncon, long* xadj, long* adjncy, long* vwgt, long* vsize, long* adjwgt, long* nparts, float* tpwgts, float* ubvec, long* options, long* objval, long* part);
}
