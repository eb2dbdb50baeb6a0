using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Sparse;

/// <summary>
/// A sparse matrix with scalar or vector values (DGL's <c>dgl.sparse.SparseMatrix</c>), for models written as
/// matrix algebra: entry k sits at (<see cref="Row"/>[k], <see cref="Col"/>[k]) with value <see cref="Values"/>[k]
/// ([nnz] for scalars, [nnz, H…] for H values per entry). Products and reductions run on the same fused kernels as
/// message passing (the matrix is a graph with an edge col → row per entry), and every op is differentiable in the
/// values and the dense operands. Duplicate entries are allowed and act as their sum.
/// </summary>
/// <example>
/// <code>
/// var a = SparseMatrix.FromCoo([0, 1, 1], [1, 0, 2], Tensor.From&lt;float&gt;([1, 2, 3]), (2, 3));
/// var y = a.Spmm(x);                        // [2, F] = A · X
/// var att = SparseMatrix.Sddmm(a, q, kT).Softmax();   // row-wise softmax of A ⊙ (Q Kᵀ)
/// </code>
/// </example>
public sealed class SparseMatrix
{
    private readonly int[] _row;
    private readonly int[] _col;
    private EdgeIndex? _byRow;
    private EdgeIndex? _byCol;

    private SparseMatrix(int[] row, int[] col, Tensor values, int rows, int cols)
    {
        _row = row;
        _col = col;
        Values = values;
        NumRows = rows;
        NumCols = cols;
    }

    /// <summary>Number of rows.</summary>
    public int NumRows { get; }

    /// <summary>Number of columns.</summary>
    public int NumCols { get; }

    /// <summary>The shape (rows, columns).</summary>
    public (int Rows, int Cols) Shape => (NumRows, NumCols);

    /// <summary>Number of stored entries (duplicates counted).</summary>
    public int Nnz => _row.Length;

    /// <summary>The entries' values: [nnz] or [nnz, H…].</summary>
    public Tensor Values { get; }

    /// <summary>The value dtype.</summary>
    public DType DType => Values.DType;

    /// <summary>Row index of each entry (int32).</summary>
    public Tensor Row => Tensor.From<int>(_row);

    /// <summary>Column index of each entry (int32).</summary>
    public Tensor Col => Tensor.From<int>(_col);

    /// <summary>A matrix from entry coordinates (DGL's <c>from_coo</c> / <c>spmatrix</c>).</summary>
    /// <param name="row">Row of each entry.</param>
    /// <param name="col">Column of each entry.</param>
    /// <param name="values">[nnz] or [nnz, H…] float values (default: ones, float32).</param>
    /// <param name="shape">Rows and columns (default: largest index + 1).</param>
    /// <exception cref="ArgumentException">Lengths differ, or an index is outside the shape.</exception>
    public static SparseMatrix FromCoo(IdArray row, IdArray col, Tensor? values = null, (int Rows, int Cols)? shape = null)
    {
        var r = row.AsSpan().ToArray();
        var c = col.AsSpan().ToArray();
        if (r.Length != c.Length)
            throw new ArgumentException($"SparseMatrix: {r.Length} row indices but {c.Length} column indices", nameof(col));
        var rows = shape?.Rows ?? (r.Length == 0 ? 0 : r.Max() + 1);
        var cols = shape?.Cols ?? (c.Length == 0 ? 0 : c.Max() + 1);
        for (var k = 0; k < r.Length; k++)
        {
            if ((uint)r[k] >= (uint)rows || (uint)c[k] >= (uint)cols)
                throw new ArgumentException($"SparseMatrix: entry {k} at ({r[k]}, {c[k]}) is outside the {rows}×{cols} shape", nameof(row));
        }
        return new SparseMatrix(r, c, CheckValues(values, r.Length), rows, cols);
    }

    /// <summary>A matrix from compressed rows (DGL's <c>from_csr</c>): row i holds columns <paramref name="indices"/>[indPtr[i]..indPtr[i+1]].</summary>
    /// <param name="indPtr">Row offsets, length rows + 1.</param>
    /// <param name="indices">Column of each entry.</param>
    /// <param name="values">Entry values (default ones).</param>
    /// <param name="numCols">Number of columns (default: largest index + 1).</param>
    public static SparseMatrix FromCsr(long[] indPtr, IdArray indices, Tensor? values = null, int? numCols = null)
    {
        var (major, minor) = Expand(indPtr, indices, "FromCsr");
        return FromCoo(major, minor, values, (indPtr.Length - 1, numCols ?? (minor.Length == 0 ? 0 : minor.Max() + 1)));
    }

    /// <summary>A matrix from compressed columns (DGL's <c>from_csc</c>): column j holds rows <paramref name="indices"/>[indPtr[j]..indPtr[j+1]].</summary>
    /// <param name="indPtr">Column offsets, length cols + 1.</param>
    /// <param name="indices">Row of each entry.</param>
    /// <param name="values">Entry values (default ones).</param>
    /// <param name="numRows">Number of rows (default: largest index + 1).</param>
    public static SparseMatrix FromCsc(long[] indPtr, IdArray indices, Tensor? values = null, int? numRows = null)
    {
        var (major, minor) = Expand(indPtr, indices, "FromCsc");
        return FromCoo(minor, major, values, (numRows ?? (minor.Length == 0 ? 0 : minor.Max() + 1), indPtr.Length - 1));
    }

    /// <summary>A diagonal matrix with <paramref name="values"/> ([n] or [n, H…]) on the diagonal (DGL's <c>diag</c>).</summary>
    /// <param name="values">Diagonal values.</param>
    /// <param name="shape">Shape (default n×n); the diagonal has min(rows, cols) ≥ n entries.</param>
    public static SparseMatrix Diag(Tensor values, (int Rows, int Cols)? shape = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Size(0);
        var s = shape ?? (n, n);
        if (n > Math.Min(s.Rows, s.Cols))
            throw new ArgumentException($"SparseMatrix.Diag: {n} diagonal values do not fit a {s.Rows}×{s.Cols} matrix", nameof(values));
        var idx = new int[n];
        for (var i = 0; i < n; i++) idx[i] = i;
        return FromCoo(idx, (int[])idx.Clone(), values, s);
    }

    /// <summary>The n×n identity (DGL's <c>identity</c>).</summary>
    /// <param name="n">Size.</param>
    /// <param name="dtype">Value dtype.</param>
    public static SparseMatrix Identity(int n, DType dtype = DType.Float32) => Diag(Tensor.Ones(new Shape(n), dtype));

    /// <summary>The same sparsity with other values (DGL's <c>val_like</c>).</summary>
    /// <param name="values">[nnz] or [nnz, H…].</param>
    public SparseMatrix WithValues(Tensor values) => new(_row, _col, CheckValues(values, Nnz), NumRows, NumCols) { _byRow = _byRow, _byCol = _byCol };

    /// <summary>The transpose (shares the index arrays).</summary>
    public SparseMatrix Transpose() => new(_col, _row, Values, NumCols, NumRows) { _byRow = _byCol, _byCol = _byRow };

    /// <summary>Same as <see cref="Transpose"/>.</summary>
    public SparseMatrix T => Transpose();

    /// <summary>The dense [rows, cols, H…] matrix; duplicate entries add up.</summary>
    public Tensor ToDense()
    {
        var flat = new int[Nnz];
        for (var k = 0; k < Nnz; k++) flat[k] = _row[k] * NumCols + _col[k];
        var valueShape = Values.Shape.ToArray()[1..];
        var dense = Tensor.Zeros(new Shape([NumRows * NumCols, .. valueShape]), DType).IndexAdd(0, Tensor.FromArray(flat), Values);
        return dense.Reshape([NumRows, NumCols, .. valueShape]);
    }

    /// <summary>
    /// A · X (DGL's <c>spmm</c>, or <c>bspmm</c> for vector values): Y[i] = Σ_j A[i, j] X[j]. With scalar values X is
    /// [cols, …]; with H values per entry X is [cols, D, H] and Y [rows, D, H] (values broadcast along D).
    /// </summary>
    /// <param name="x">Dense right operand.</param>
    /// <returns>[rows, …].</returns>
    public Tensor Spmm(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Size(0) != NumCols)
            throw new TensorShapeException($"spmm: the dense operand has shape {x.Shape}; its first dimension must be the matrix's {NumCols} columns");
        return SparseOps.GSpMM(ByRow, BinaryOp.Mul, ReduceOp.Sum, x, Values.To(x.DType), "spmm");
    }

    /// <summary>
    /// Sampled dense-dense product (DGL's <c>sddmm</c>): a matrix with A's sparsity and values
    /// A[i, j] · (X1 · X2)[i, j], computed only at A's entries. X1 is [rows, K] and X2 [K, cols]; with [rows, K, H]
    /// and [K, cols, H] the result has H values per entry.
    /// </summary>
    /// <param name="a">The sampling matrix.</param>
    /// <param name="x1">Left dense factor.</param>
    /// <param name="x2">Right dense factor.</param>
    public static SparseMatrix Sddmm(SparseMatrix a, Tensor x1, Tensor x2)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(x1);
        ArgumentNullException.ThrowIfNull(x2);
        if (x1.Rank < 2 || x2.Rank != x1.Rank || x1.Size(0) != a.NumRows || x2.Size(1) != a.NumCols || x1.Size(1) != x2.Size(0))
            throw new TensorShapeException($"sddmm: factors of shapes {x1.Shape} and {x2.Shape} do not fit a {a.NumRows}×{a.NumCols} matrix; expected [{a.NumRows}, K(, H)] and [K, {a.NumCols}(, H)]");
        // (X1 X2)[i, j] = Σ_k X1[i, k] X2[k, j]: a dot over k between row i of X1 and row j of X2ᵀ, with heads last.
        var lhs = x1.Rank == 2 ? x1 : x1.Transpose(1, 2);          // [rows, (H,) K]
        var rhs = x2.Rank == 2 ? x2.Transpose(0, 1) : x2.Permute(1, 2, 0);   // [cols, (H,) K]
        var dots = SparseOps.GSDDMM(a.ByRow, BinaryOp.Dot, lhs, rhs, Target.Dst, Target.Src, "sddmm");   // [nnz, (H,) 1]
        var products = dots.Reshape([a.Nnz, .. dots.Shape.ToArray()[1..^1]]);
        return a.WithValues(products * SparseCore.Pad(a.Values.To(products.DType), products.Rank - 1));
    }

    /// <summary>Row-wise softmax of the values (per value column when vector-valued), over each row's entries.</summary>
    public SparseMatrix Softmax() => WithValues(SparseOps.Softmax(ByRow, Values, "sparse softmax"));

    /// <summary>Sum of the values: all of them (dim null, a [H…] or scalar tensor), each row's (dim 1, [rows, H…]) or
    /// each column's (dim 0, [cols, H…]).</summary>
    /// <param name="dim">null, 0 or 1.</param>
    public Tensor Sum(int? dim = null) => Reduce(dim, ReduceOp.Sum, "sum");

    /// <summary>Maximum value per row (dim 1) or column (dim 0), or overall; empty rows give 0.</summary>
    /// <param name="dim">null, 0 or 1.</param>
    public Tensor Max(int? dim = null) => Reduce(dim, ReduceOp.Max, "max");

    /// <summary>Minimum value per row (dim 1) or column (dim 0), or overall; empty rows give 0.</summary>
    /// <param name="dim">null, 0 or 1.</param>
    public Tensor Min(int? dim = null) => Reduce(dim, ReduceOp.Min, "min");

    /// <summary>Mean of the stored values per row (dim 1) or column (dim 0), or overall.</summary>
    /// <param name="dim">null, 0 or 1.</param>
    public Tensor Mean(int? dim = null) => Reduce(dim, ReduceOp.Mean, "mean");

    /// <summary>
    /// The matrix with duplicate entries merged (values summed) and entries sorted by (row, column)
    /// (DGL's <c>coalesce</c>).
    /// </summary>
    public SparseMatrix Coalesce()
    {
        var order = new int[Nnz];
        for (var k = 0; k < Nnz; k++) order[k] = k;
        Array.Sort(order, (p, q) =>
        {
            var c = _row[p].CompareTo(_row[q]);
            if (c == 0) c = _col[p].CompareTo(_col[q]);
            return c != 0 ? c : p.CompareTo(q);
        });
        var rows = new List<int>();
        var cols = new List<int>();
        var offsets = new List<long> { 0 };
        for (var i = 0; i < order.Length; i++)
        {
            var k = order[i];
            if (i == 0 || _row[k] != rows[^1] || _col[k] != cols[^1])
            {
                if (i > 0) offsets.Add(i);
                rows.Add(_row[k]);
                cols.Add(_col[k]);
            }
        }
        if (order.Length > 0) offsets.Add(order.Length);
        var sorted = Values.IndexSelect(0, Tensor.FromArray(order));
        var merged = SparseOps.SegmentReduce([.. offsets], sorted, ReduceOp.Sum);
        return new SparseMatrix([.. rows], [.. cols], merged, NumRows, NumCols);
    }

    /// <summary>A + B: the union of both sparsities, values summed where they overlap (coalesced).</summary>
    public static SparseMatrix operator +(SparseMatrix a, SparseMatrix b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Shape != b.Shape)
            throw new TensorShapeException($"sparse add: shapes {a.NumRows}×{a.NumCols} and {b.NumRows}×{b.NumCols} differ");
        if (!a.Values.Shape.AsSpan()[1..].SequenceEqual(b.Values.Shape.AsSpan()[1..]))
            throw new TensorShapeException($"sparse add: value shapes {a.Values.Shape} and {b.Values.Shape} differ past the entry dimension");
        var values = Tensor.Cat([a.Values, b.Values.To(a.DType)], 0);
        return new SparseMatrix([.. a._row, .. b._row], [.. a._col, .. b._col], values, a.NumRows, a.NumCols).Coalesce();
    }

    /// <summary>A − B.</summary>
    public static SparseMatrix operator -(SparseMatrix a, SparseMatrix b) => a + (-b);

    /// <summary>−A.</summary>
    public static SparseMatrix operator -(SparseMatrix a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.WithValues(a.Values.Neg());
    }

    /// <summary>Every value times a scalar.</summary>
    public static SparseMatrix operator *(SparseMatrix a, double s)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.WithValues(a.Values * s);
    }

    /// <summary>Every value times a scalar.</summary>
    public static SparseMatrix operator *(double s, SparseMatrix a) => a * s;

    /// <summary>Every value divided by a scalar.</summary>
    public static SparseMatrix operator /(SparseMatrix a, double s)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.WithValues(a.Values / s);
    }

    /// <summary>Named alternative to the + operator.</summary>
    public static SparseMatrix Add(SparseMatrix a, SparseMatrix b) => a + b;

    /// <summary>Named alternative to the binary − operator.</summary>
    public static SparseMatrix Subtract(SparseMatrix a, SparseMatrix b) => a - b;

    /// <summary>Named alternative to the unary − operator.</summary>
    public static SparseMatrix Negate(SparseMatrix a) => -a;

    /// <summary>Named alternative to the * operator.</summary>
    public static SparseMatrix Multiply(SparseMatrix a, double s) => a * s;

    /// <summary>Named alternative to the / operator.</summary>
    public static SparseMatrix Divide(SparseMatrix a, double s) => a / s;

    /// <inheritdoc/>
    public override string ToString() => $"SparseMatrix(shape=({NumRows}, {NumCols}), nnz={Nnz}, values={Values.Shape}, dtype={DType.Name()})";

    /// <summary>Entries as edges col → row: rows are the "destinations", so row reductions and A·X are g-SpMMs.</summary>
    private EdgeIndex ByRow => _byRow ??= EdgeIndex.FromCoo(_col, _row, NumCols, NumRows);

    /// <summary>Entries as edges row → col, for column reductions.</summary>
    private EdgeIndex ByCol => _byCol ??= EdgeIndex.FromCoo(_row, _col, NumRows, NumCols);

    private Tensor Reduce(int? dim, ReduceOp op, string name)
    {
        switch (dim)
        {
            case null:
                return SparseOps.SegmentReduce([0, Nnz], Values, op).Squeeze(0);
            case 1 or -1:
                return SparseOps.GSpMM(ByRow, BinaryOp.CopyRhs, op, null, Values, name);
            case 0 or -2:
                return SparseOps.GSpMM(ByCol, BinaryOp.CopyRhs, op, null, Values, name);
            default:
                throw new ArgumentOutOfRangeException(nameof(dim), $"sparse {name}: dim {dim} is not 0 (columns), 1 (rows) or null (all)");
        }
    }

    private static Tensor CheckValues(Tensor? values, int nnz)
    {
        if (values is null) return Tensor.Ones(new Shape(nnz));
        if (!values.DType.IsFloatingPoint())
            throw new TensorDTypeException($"SparseMatrix: values have dtype {values.DType.Name()}; expected float32 or float64");
        if (values.Rank == 0 || values.Size(0) != nnz)
            throw new TensorShapeException($"SparseMatrix: values have shape {values.Shape}; expected [{nnz}] or [{nnz}, …] (one row per entry)");
        return values;
    }

    private static (int[] Major, int[] Minor) Expand(long[] indPtr, IdArray indices, string name)
    {
        ArgumentNullException.ThrowIfNull(indPtr);
        var minor = indices.AsSpan().ToArray();
        if (indPtr.Length == 0 || indPtr[0] != 0 || indPtr[^1] != minor.Length)
            throw new ArgumentException($"SparseMatrix.{name}: indPtr must start at 0 and end at the {minor.Length} entries", nameof(indPtr));
        var major = new int[minor.Length];
        for (var i = 0; i + 1 < indPtr.Length; i++)
        {
            if (indPtr[i + 1] < indPtr[i])
                throw new ArgumentException($"SparseMatrix.{name}: indPtr decreases at {i}", nameof(indPtr));
            for (var k = indPtr[i]; k < indPtr[i + 1]; k++) major[k] = i;
        }
        return (major, minor);
    }
}
