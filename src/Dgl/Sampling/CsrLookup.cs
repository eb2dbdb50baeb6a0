using System.Runtime.CompilerServices;
using Dgl.Tensors.Kernels;

namespace Dgl.Sampling;

/// <summary>
/// Edge-existence queries on a CSR, as negative sampling and node2vec need them by the million: a bisection in the
/// row's columns. When some row's columns are not sorted (a CSR keeps edge-id order within a row), a sorted copy of
/// the columns is built once and cached with the CSR (released with it).
/// </summary>
internal static class CsrLookup
{
    private static readonly ConditionalWeakTable<Csr, int[]> s_sortedColumns = [];

    /// <summary>Whether row <paramref name="row"/> of <paramref name="csr"/> has an entry in column <paramref name="col"/>.</summary>
    public static bool Contains(Csr csr, int row, int col)
    {
        var cols = SortedColumns(csr);
        var lo = (int)csr.IndPtr[row];
        var hi = (int)csr.IndPtr[row + 1];
        return cols.AsSpan(lo, hi - lo).BinarySearch(col) >= 0;
    }

    /// <summary>The CSR's columns with each row sorted (the CSR's own array when already so).</summary>
    public static int[] SortedColumns(Csr csr) => s_sortedColumns.GetValue(csr, Build);

    private static int[] Build(Csr csr)
    {
        var indPtr = csr.IndPtr;
        var indices = csr.Indices;
        var sorted = 1;
        Parallelism.For(csr.NumRows, 1 << 12, (s, e) =>
        {
            for (var r = s; r < e && Volatile.Read(ref sorted) == 1; r++)
            {
                for (var k = indPtr[r] + 1; k < indPtr[r + 1]; k++)
                {
                    if (indices[k - 1] > indices[k])
                    {
                        Volatile.Write(ref sorted, 0);
                        break;
                    }
                }
            }
        });
        if (sorted == 1) return indices;
        var copy = (int[])indices.Clone();
        Parallelism.For(csr.NumRows, 1 << 12, (s, e) =>
        {
            for (var r = s; r < e; r++) copy.AsSpan((int)indPtr[r], (int)(indPtr[r + 1] - indPtr[r])).Sort();
        });
        return copy;
    }
}
