using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>A Planetoid citation graph after DGL's preprocessing, before it becomes a <c>Graph</c>.</summary>
internal sealed record PlanetoidData(
    int NumNodes, int[] Src, int[] Dst, float[] Features, int NumFeatures, long[] Labels, int NumClasses,
    int[] Train, int[] Val, int[] Test);

/// <summary>
/// Reads the Planetoid files (<c>ind.NAME.{x,y,tx,ty,allx,ally,graph,test.index}</c>) and processes them as DGL's
/// <c>CitationGraphDataset</c> (after tkipf/gcn) does.
/// </summary>
/// <remarks>
/// Features are <c>vstack(allx, tx)</c> with the test rows put back at their graph ids (for CiteSeer the 15 test ids
/// without a row are zero rows), then row-normalised (all-zero rows stay zero). Labels are the argmax of the one-hot
/// rows (0 for the padded CiteSeer rows, as in DGL). The graph is <c>nx.DiGraph(nx.from_dict_of_lists(graph))</c>:
/// every undirected neighbour pair in both directions, a self-loop once; edges here are sorted by (src, dst).
/// Split: train = the first len(y) nodes, validation = the next 500, test = test.index.
/// </remarks>
internal static class PlanetoidFiles
{
    public static readonly string[] Parts = ["x", "y", "tx", "ty", "allx", "ally", "graph", "test.index"];

    /// <summary>The file of <paramref name="part"/> in <paramref name="folder"/>: <c>ind.NAME.part</c>, or DGL's
    /// <c>ind.cora_v2.part</c> spelling for Cora.</summary>
    public static string PathOf(string folder, string name, string part)
    {
        var plain = Path.Combine(folder, $"ind.{name}.{part}");
        if (name == "cora" && !File.Exists(plain) && File.Exists(Path.Combine(folder, $"ind.cora_v2.{part}")))
            return Path.Combine(folder, $"ind.cora_v2.{part}");
        return plain;
    }

    public static PlanetoidData Load(string folder, string name)
    {
        foreach (var part in Parts)
            if (!File.Exists(PathOf(folder, name, part)))
                throw new FileNotFoundException($"Planetoid {name}: {PathOf(folder, name, part)} is missing; the data set needs ind.{name}.{{{string.Join(",", Parts)}}} in {folder}", PathOf(folder, name, part));
        string P(string part) => PathOf(folder, name, part);
        var x = Sparse(P("x"));
        var y = Dense(P("y"));
        var tx = Sparse(P("tx"));
        var ty = Dense(P("ty"));
        var allx = Sparse(P("allx"));
        var ally = Dense(P("ally"));
        var graph = Pickle.Load(P("graph")) as Dictionary<object, object?>
            ?? throw new DataFormatException($"{P("graph")}: expected a dict of neighbour lists");
        int[] testIndex;
        using (var r = LineReader.Open(P("test.index")))
        {
            var t = NumericText.ReadInt64(r, 1);
            testIndex = new int[t.Rows];
            for (var i = 0; i < t.Rows; i++)
                testIndex[i] = t.Data[i] is >= 0 and < int.MaxValue ? (int)t.Data[i] : throw new DataFormatException(P("test.index"), i + 1, null, $"index {t.Data[i]} is out of range");
        }
        var d = allx.Cols;
        var classes = ally.Size(1);
        if (x.Cols != d || tx.Cols != d) throw new DataFormatException($"Planetoid {name}: x, tx and allx have {x.Cols}, {tx.Cols} and {d} columns; expected the same");
        if (y.Size(1) != classes || ty.Size(1) != classes) throw new DataFormatException($"Planetoid {name}: y, ty and ally have different class counts");
        if (tx.Rows != testIndex.Length || ty.Size(0) != testIndex.Length)
            throw new DataFormatException($"Planetoid {name}: tx has {tx.Rows} rows, ty {ty.Size(0)}, test.index {testIndex.Length}; expected one per test node");
        if (allx.Rows != ally.Size(0)) throw new DataFormatException($"Planetoid {name}: allx has {allx.Rows} rows but ally has {ally.Size(0)}");

        var sorted = testIndex.Order().ToArray();
        var lo = sorted.Length > 0 ? sorted[0] : allx.Rows;
        var hi = sorted.Length > 0 ? sorted[^1] : allx.Rows - 1;
        // CiteSeer: test ids run lo..hi with gaps; tx rows go to their ids and the gaps stay zero.
        var testRows = hi - lo + 1;
        var n = allx.Rows + testRows;
        if (lo != allx.Rows) throw new DataFormatException($"Planetoid {name}: the smallest test index is {lo}; expected {allx.Rows} (right after allx)");
        var features = new float[(long)n * d];
        var onehot = new int[(long)n * classes];
        AddRows(allx, features, 0);
        CopyDense(ally, onehot, 0);
        // tx row k is the node with the k-th smallest test index.
        var txDense = new float[(long)testRows * d];
        var tyDense = new int[(long)testRows * classes];
        var txRows = tx.ToCsr();
        var txPtr = txRows.IndPtr!;
        var (_, txCol) = txRows.ToCooArrays();
        var txVal = txRows.Data.Float().AsSpan<float>();
        var tyv = ty.Int().AsSpan<int>();
        for (var k = 0; k < sorted.Length; k++)
        {
            var row = sorted[k] - lo;
            for (var e = txPtr[k]; e < txPtr[k + 1]; e++) txDense[(long)row * d + txCol[e]] += txVal[(int)e];
            tyv.Slice(k * classes, classes).CopyTo(tyDense.AsSpan(row * classes, classes));
        }
        txDense.CopyTo(features.AsSpan((int)((long)allx.Rows * d)));
        tyDense.CopyTo(onehot.AsSpan(allx.Rows * classes));
        // features[test_idx_reorder] = features[test_idx_range]: row sorted[i] moves to testIndex[i].
        var moved = new float[(long)sorted.Length * d];
        var movedLabels = new int[(long)sorted.Length * classes];
        for (var i = 0; i < sorted.Length; i++)
        {
            features.AsSpan(sorted[i] * d, d).CopyTo(moved.AsSpan(i * d, d));
            onehot.AsSpan(sorted[i] * classes, classes).CopyTo(movedLabels.AsSpan(i * classes, classes));
        }
        for (var i = 0; i < sorted.Length; i++)
        {
            moved.AsSpan(i * d, d).CopyTo(features.AsSpan(testIndex[i] * d, d));
            movedLabels.AsSpan(i * classes, classes).CopyTo(onehot.AsSpan(testIndex[i] * classes, classes));
        }
        Records.RowNormalize(features, n, d);
        var labels = new long[n];
        for (var v = 0; v < n; v++)
        {
            var row = onehot.AsSpan(v * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            labels[v] = best;
        }
        var (src, dst) = Edges(graph, n, P("graph"));
        var numTrain = y.Size(0);
        if (numTrain + 500 > n) throw new DataFormatException($"Planetoid {name}: {numTrain} training nodes and 500 validation nodes do not fit in {n} nodes");
        return new PlanetoidData(n, src, dst, features, d, labels, classes,
            [.. Enumerable.Range(0, numTrain)], [.. Enumerable.Range(numTrain, 500)], sorted);
    }

    private static ScipySparseMatrix Sparse(string path) =>
        Pickle.Load(path) as ScipySparseMatrix ?? throw new DataFormatException($"{path}: expected a pickled scipy sparse matrix");

    private static Tensor Dense(string path)
    {
        var t = (Pickle.Load(path) as NpyArray)?.Tensor ?? throw new DataFormatException($"{path}: expected a pickled numpy array");
        if (t.Rank != 2) throw new DataFormatException($"{path}: expected a 2-D one-hot label array; found shape {t.Shape}");
        return t;
    }

    private static void AddRows(ScipySparseMatrix m, float[] dest, int firstRow)
    {
        var csr = m.ToCsr();
        var (r, c) = csr.ToCooArrays();
        var v = csr.Data.Float().AsSpan<float>();
        for (var k = 0; k < r.Length; k++) dest[(long)(firstRow + r[k]) * m.Cols + c[k]] += v[k];
    }

    private static void CopyDense(Tensor t, int[] dest, int firstRow)
    {
        var s = t.Int().AsSpan<int>();
        s.CopyTo(dest.AsSpan(firstRow * t.Size(1)));
    }

    /// <summary>The DiGraph of the undirected neighbour lists, sorted by (src, dst).</summary>
    private static (int[] Src, int[] Dst) Edges(Dictionary<object, object?> graph, int n, string path)
    {
        var pairs = new HashSet<long>(EdgeKey.Comparer);
        foreach (var (k, v) in graph)
        {
            if (k is not long u || u < 0 || u >= n) throw new DataFormatException($"{path}: node key {k} is not an id in 0..{n - 1}");
            if (v is not List<object?> list) throw new DataFormatException($"{path}: the neighbours of {u} are not a list");
            foreach (var o in list)
            {
                if (o is not long w || w < 0 || w >= n) throw new DataFormatException($"{path}: neighbour {o} of {u} is not an id in 0..{n - 1}");
                pairs.Add((u << 32) | w);
                pairs.Add((w << 32) | u);
            }
        }
        return Records.SortedPairs(pairs);
    }
}
