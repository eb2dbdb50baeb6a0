namespace Dgl.Tensors.IO;

/// <summary>The storage layout of a <see cref="ScipySparseMatrix"/>.</summary>
public enum SparseFormat
{
    /// <summary>Compressed sparse rows: <c>indptr</c> over rows, <c>indices</c> are column ids.</summary>
    Csr,
    /// <summary>Compressed sparse columns: <c>indptr</c> over columns, <c>indices</c> are row ids.</summary>
    Csc,
    /// <summary>Coordinate lists: <c>row</c>, <c>col</c>, <c>data</c>.</summary>
    Coo,
}

/// <summary>
/// A sparse matrix as SciPy stores it (<c>csr_matrix</c>, <c>csc_matrix</c>, <c>coo_matrix</c>): the arrays of a
/// <c>save_npz</c> file, of the Shchur et al. <c>adj_*</c>/<c>attr_*</c> npz layout, or of a pickled SciPy object.
/// </summary>
/// <remarks>The arrays are validated when the matrix is made: <c>indptr</c> starts at 0, never decreases and ends
/// at the number of stored entries, and every index is within the matrix. Duplicate entries are allowed (SciPy
/// allows them; <see cref="ToDense"/> adds them up).</remarks>
public sealed class ScipySparseMatrix
{
    private ScipySparseMatrix(SparseFormat format, int rows, int cols, Tensor data, Tensor? indices, long[]? indPtr, Tensor? row, Tensor? col)
    {
        Format = format;
        Rows = rows;
        Cols = cols;
        Data = data;
        Indices = indices;
        IndPtr = indPtr;
        Row = row;
        Col = col;
    }

    /// <summary>The layout.</summary>
    public SparseFormat Format { get; }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Cols { get; }

    /// <summary>The stored values, one per entry (any dtype).</summary>
    public Tensor Data { get; }

    /// <summary>Column ids (CSR) or row ids (CSC) of the entries (int32 or int64); null for COO.</summary>
    public Tensor? Indices { get; }

    /// <summary>Offsets of each row (CSR) or column (CSC) into <see cref="Indices"/>; null for COO.</summary>
    public long[]? IndPtr { get; }

    /// <summary>Row ids of the entries (COO only).</summary>
    public Tensor? Row { get; }

    /// <summary>Column ids of the entries (COO only).</summary>
    public Tensor? Col { get; }

    /// <summary>Number of stored entries (SciPy's <c>nnz</c>, duplicates included).</summary>
    public int Nnz => Data.NumElements;

    /// <summary>SciPy's name of the format ("csr", "csc", "coo").</summary>
    public string FormatName => Format switch { SparseFormat.Csr => "csr", SparseFormat.Csc => "csc", _ => "coo" };

    /// <summary>A CSR matrix from its arrays (validated).</summary>
    /// <exception cref="ArgumentException">The arrays do not form a valid CSR matrix of this shape.</exception>
    public static ScipySparseMatrix CreateCsr(int rows, int cols, Tensor indPtr, Tensor indices, Tensor data)
    {
        try { return CreateCompressed(SparseFormat.Csr, rows, cols, indPtr, indices, data, nameof(CreateCsr)); }
        catch (DataFormatException e) { throw new ArgumentException(e.Message, nameof(indices), e); }
    }

    /// <summary>A CSC matrix from its arrays (validated).</summary>
    /// <exception cref="ArgumentException">The arrays do not form a valid CSC matrix of this shape.</exception>
    public static ScipySparseMatrix CreateCsc(int rows, int cols, Tensor indPtr, Tensor indices, Tensor data)
    {
        try { return CreateCompressed(SparseFormat.Csc, rows, cols, indPtr, indices, data, nameof(CreateCsc)); }
        catch (DataFormatException e) { throw new ArgumentException(e.Message, nameof(indices), e); }
    }

    /// <summary>A COO matrix from its arrays (validated).</summary>
    /// <exception cref="ArgumentException">The arrays do not form a valid COO matrix of this shape.</exception>
    public static ScipySparseMatrix CreateCoo(int rows, int cols, Tensor row, Tensor col, Tensor data)
    {
        try { return CreateCoo(rows, cols, row, col, data, nameof(CreateCoo)); }
        catch (DataFormatException e) { throw new ArgumentException(e.Message, nameof(row), e); }
    }

    /// <summary>Builds and validates a CSR/CSC matrix; errors are <see cref="DataFormatException"/>s naming
    /// <paramref name="source"/>.</summary>
    internal static ScipySparseMatrix CreateCompressed(SparseFormat format, long rows, long cols, Tensor indPtr, Tensor indices, Tensor data, string source)
    {
        ArgumentNullException.ThrowIfNull(indPtr);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(data);
        var name = format == SparseFormat.Csr ? "csr" : "csc";
        CheckShape(rows, cols, name, source);
        var major = format == SparseFormat.Csr ? rows : cols;
        var minor = format == SparseFormat.Csr ? cols : rows;
        if (!indPtr.DType.IsInteger() || !indices.DType.IsInteger())
            throw Fail(source, $"{name} indptr/indices have dtypes {indPtr.DType.Name()}/{indices.DType.Name()}; expected integers");
        if (indPtr.Rank != 1 || indices.Rank != 1 || data.Rank != 1)
            throw Fail(source, $"{name} arrays have shapes indptr {indPtr.Shape}, indices {indices.Shape}, data {data.Shape}; expected one dimension each");
        if (indPtr.NumElements != major + 1)
            throw Fail(source, $"{name} indptr has {indPtr.NumElements} entries; expected {(format == SparseFormat.Csr ? "rows" : "cols")} + 1 = {major + 1}");
        if (indices.NumElements != data.NumElements)
            throw Fail(source, $"{name} indices has {indices.NumElements} entries but data has {data.NumElements}");
        var ptr = new long[indPtr.NumElements];
        if (indPtr.DType == DType.Int64) indPtr.AsSpan<long>().CopyTo(ptr);
        else
        {
            var p32 = indPtr.AsSpan<int>();
            for (var i = 0; i < ptr.Length; i++) ptr[i] = p32[i];
        }
        if (ptr[0] != 0)
            throw Fail(source, $"{name} indptr starts at {ptr[0]}; expected 0");
        for (var i = 1; i < ptr.Length; i++)
        {
            if (ptr[i] < ptr[i - 1])
                throw Fail(source, $"{name} indptr decreases at position {i} ({ptr[i - 1]} then {ptr[i]})");
        }
        if (ptr[^1] != indices.NumElements)
            throw Fail(source, $"{name} indptr ends at {ptr[^1]} but there are {indices.NumElements} entries");
        CheckIds(indices, minor, $"{name} indices", source);
        return new ScipySparseMatrix(format, (int)rows, (int)cols, data, indices, ptr, null, null);
    }

    internal static ScipySparseMatrix CreateCoo(long rows, long cols, Tensor row, Tensor col, Tensor data, string source)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(col);
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(rows, cols, "coo", source);
        if (!row.DType.IsInteger() || !col.DType.IsInteger())
            throw Fail(source, $"coo row/col have dtypes {row.DType.Name()}/{col.DType.Name()}; expected integers");
        if (row.Rank != 1 || col.Rank != 1 || data.Rank != 1 || row.NumElements != data.NumElements || col.NumElements != data.NumElements)
            throw Fail(source, $"coo arrays have shapes row {row.Shape}, col {col.Shape}, data {data.Shape}; expected three 1-D arrays of one length");
        CheckIds(row, rows, "coo row", source);
        CheckIds(col, cols, "coo col", source);
        return new ScipySparseMatrix(SparseFormat.Coo, (int)rows, (int)cols, data, null, null, row, col);
    }

    private static void CheckShape(long rows, long cols, string name, string source)
    {
        if (rows < 0 || cols < 0 || rows > int.MaxValue || cols > int.MaxValue)
            throw Fail(source, $"{name} shape ({rows}, {cols}) is out of range; expected 0..{int.MaxValue} for each dimension");
    }

    private static void CheckIds(Tensor ids, long bound, string what, string source)
    {
        var n = ids.NumElements;
        if (ids.DType == DType.Int32)
        {
            var s = ids.AsSpan<int>();
            for (var i = 0; i < n; i++)
                if ((uint)s[i] >= (ulong)bound) throw Fail(source, $"{what}[{i}] = {s[i]} is out of range 0..{bound - 1}");
        }
        else
        {
            var s = ids.AsSpan<long>();
            for (var i = 0; i < n; i++)
                if ((ulong)s[i] >= (ulong)bound) throw Fail(source, $"{what}[{i}] = {s[i]} is out of range 0..{bound - 1}");
        }
    }

    private static DataFormatException Fail(string source, string what) => new($"{source}: {what}");

    /// <summary>The row and column id of every stored entry, in storage order.</summary>
    public (int[] Row, int[] Col) ToCooArrays()
    {
        var n = Nnz;
        var r = new int[n];
        var c = new int[n];
        if (Format == SparseFormat.Coo)
        {
            CopyIds(Row!, r);
            CopyIds(Col!, c);
            return (r, c);
        }
        var (major, minor) = Format == SparseFormat.Csr ? (r, c) : (c, r);
        CopyIds(Indices!, minor);
        var ptr = IndPtr!;
        for (var i = 0; i < ptr.Length - 1; i++)
            for (var k = ptr[i]; k < ptr[i + 1]; k++) major[k] = i;
        return (r, c);
    }

    private static void CopyIds(Tensor ids, int[] dst)
    {
        if (ids.DType == DType.Int32) ids.AsSpan<int>().CopyTo(dst);
        else
        {
            var s = ids.AsSpan<long>();
            for (var i = 0; i < dst.Length; i++) dst[i] = (int)s[i];
        }
    }

    /// <summary>The matrix as a dense [rows, cols] tensor of <see cref="Data"/>'s dtype (duplicates added; for bool
    /// data, or-ed).</summary>
    /// <exception cref="InvalidOperationException">rows × cols is larger than one tensor can hold.</exception>
    public Tensor ToDense()
    {
        if ((long)Rows * Cols > Array.MaxLength)
            throw new InvalidOperationException($"ToDense: a {Rows} × {Cols} matrix has more elements than one tensor can hold");
        var dense = Tensor.Zeros(new Shape(Rows, Cols), Data.DType);
        var (r, c) = ToCooArrays();
        var cols = Cols;
        switch (Data.DType)
        {
            case DType.Float32: { var d = dense.Span<float>(); var v = Data.AsSpan<float>(); for (var k = 0; k < r.Length; k++) d[r[k] * cols + c[k]] += v[k]; break; }
            case DType.Float64: { var d = dense.Span<double>(); var v = Data.AsSpan<double>(); for (var k = 0; k < r.Length; k++) d[r[k] * cols + c[k]] += v[k]; break; }
            case DType.Int32: { var d = dense.Span<int>(); var v = Data.AsSpan<int>(); for (var k = 0; k < r.Length; k++) d[r[k] * cols + c[k]] += v[k]; break; }
            case DType.Int64: { var d = dense.Span<long>(); var v = Data.AsSpan<long>(); for (var k = 0; k < r.Length; k++) d[r[k] * cols + c[k]] += v[k]; break; }
            default: { var d = dense.Span<bool>(); var v = Data.AsSpan<bool>(); for (var k = 0; k < r.Length; k++) d[r[k] * cols + c[k]] |= v[k]; break; }
        }
        return dense;
    }

    /// <summary>This matrix in CSR layout (itself when already CSR); entries keep their relative order within a row.</summary>
    public ScipySparseMatrix ToCsr()
    {
        if (Format == SparseFormat.Csr) return this;
        var (r, c) = ToCooArrays();
        var n = r.Length;
        var ptr = new long[Rows + 1];
        foreach (var i in r) ptr[i + 1]++;
        for (var i = 0; i < Rows; i++) ptr[i + 1] += ptr[i];
        var next = (long[])ptr.Clone();
        var perm = new int[n];
        for (var k = 0; k < n; k++) perm[next[r[k]]++] = k;
        var indices = new int[n];
        for (var k = 0; k < n; k++) indices[k] = c[perm[k]];
        return new ScipySparseMatrix(SparseFormat.Csr, Rows, Cols, Data.Gather0(perm), Tensor.FromArray(indices), ptr, null, null);
    }
}

/// <summary>Row gathering used by sparse conversions (kept here: the tensor op library may not offer it yet).</summary>
internal static class SparseGather
{
    /// <summary>The rows of a 1-D tensor at <paramref name="index"/>, as a new tensor.</summary>
    public static Tensor Gather0(this Tensor t, int[] index)
    {
        var r = Tensor.Uninitialized(new Shape(index.Length), t.DType);
        switch (t.DType)
        {
            case DType.Float32: { var s = t.AsSpan<float>(); var d = r.Span<float>(); for (var i = 0; i < index.Length; i++) d[i] = s[index[i]]; break; }
            case DType.Float64: { var s = t.AsSpan<double>(); var d = r.Span<double>(); for (var i = 0; i < index.Length; i++) d[i] = s[index[i]]; break; }
            case DType.Int32: { var s = t.AsSpan<int>(); var d = r.Span<int>(); for (var i = 0; i < index.Length; i++) d[i] = s[index[i]]; break; }
            case DType.Int64: { var s = t.AsSpan<long>(); var d = r.Span<long>(); for (var i = 0; i < index.Length; i++) d[i] = s[index[i]]; break; }
            default: { var s = t.AsSpan<bool>(); var d = r.Span<bool>(); for (var i = 0; i < index.Length; i++) d[i] = s[index[i]]; break; }
        }
        return r;
    }
}
