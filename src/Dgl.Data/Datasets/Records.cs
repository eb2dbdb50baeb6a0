using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>Builds <see cref="GraphRecord"/>s (the form graphs take on disk and before they become <c>Graph</c>s)
/// from the processed files of each data set family.</summary>
internal static partial class Records
{
    public const string NodeType = "_N";
    public const string EdgeType = "_E";

    public static GraphRecord Homogeneous(int numNodes, int[] src, int[] dst, List<KeyValuePair<string, Tensor>>? ndata = null, List<KeyValuePair<string, Tensor>>? edata = null) =>
        new([NodeType], [numNodes], [new RelationRecord(0, EdgeType, 0, src, dst)], [ndata ?? []], [edata ?? []]);

    public static Tensor Mask(int n, IEnumerable<int> ids)
    {
        var m = new bool[n];
        foreach (var i in ids) m[i] = true;
        return Tensor.FromArray(m);
    }

    /// <summary>A Planetoid graph with DGL's node data: train/val/test masks, label, feat.</summary>
    public static GraphRecord Planetoid(PlanetoidData d) => Homogeneous(d.NumNodes, d.Src, d.Dst,
    [
        new("train_mask", Mask(d.NumNodes, d.Train)),
        new("val_mask", Mask(d.NumNodes, d.Val)),
        new("test_mask", Mask(d.NumNodes, d.Test)),
        new("label", Tensor.FromArray(d.Labels)),
        new("feat", Tensor.FromArray(d.Features, new Shape(d.NumNodes, d.NumFeatures))),
    ]);

    /// <summary>A LINQS citation graph with label and feat, and pygcn's split masks when it has 1,500 nodes or more.</summary>
    public static GraphRecord Linqs(LinqsData d)
    {
        var n = d.PaperIds.Length;
        List<KeyValuePair<string, Tensor>> ndata = [];
        if (n >= 1500)
        {
            ndata.Add(new("train_mask", Mask(n, Enumerable.Range(0, 140))));
            ndata.Add(new("val_mask", Mask(n, Enumerable.Range(200, 300))));
            ndata.Add(new("test_mask", Mask(n, Enumerable.Range(500, 1000))));
        }
        ndata.Add(new("label", Tensor.FromArray(d.Labels)));
        ndata.Add(new("feat", Tensor.FromArray(d.Features, new Shape(n, d.NumFeatures))));
        return Homogeneous(n, d.Src, d.Dst, ndata);
    }

    /// <summary>A generated node-classification graph, laid out as Planetoid's.</summary>
    public static GraphRecord NodeClassification(NodeClassificationData d)
    {
        var (src, dst) = SortedDirected(d.Edges);
        return Homogeneous(d.NumNodes, src, dst,
        [
            new("train_mask", Mask(d.NumNodes, d.Train)),
            new("val_mask", Mask(d.NumNodes, d.Val)),
            new("test_mask", Mask(d.NumNodes, d.Test)),
            new("label", Tensor.FromArray(d.Labels)),
            new("feat", Tensor.FromArray(d.Features, new Shape(d.NumNodes, d.NumFeatures))),
        ]);
    }

    /// <summary>Both directions of every undirected edge, sorted by (src, dst).</summary>
    public static (int[] Src, int[] Dst) SortedDirected(UndirectedEdges e)
    {
        var keys = new long[2 * e.Count];
        for (var i = 0; i < e.Count; i++)
        {
            keys[2 * i] = ((long)e.U[i] << 32) | (uint)e.V[i];
            keys[2 * i + 1] = ((long)e.V[i] << 32) | (uint)e.U[i];
        }
        Array.Sort(keys);
        return Split(keys);
    }

    /// <summary>Directed pairs packed as <c>(src &lt;&lt; 32) | dst</c>, sorted by (src, dst) and split.</summary>
    public static (int[] Src, int[] Dst) SortedPairs(HashSet<long> pairs)
    {
        var all = pairs.ToArray();
        Array.Sort(all);
        return Split(all);
    }

    /// <summary>Divides each row of the row-major [rows, width] matrix <paramref name="x"/> by its sum (in double),
    /// as DGL's citation-graph preprocessing does; a row summing to zero stays as it is.</summary>
    public static void RowNormalize(float[] x, int rows, int width)
    {
        for (var v = 0; v < rows; v++)
        {
            var row = x.AsSpan((int)((long)v * width), width);
            var sum = 0.0;
            foreach (var f in row) sum += f;
            if (sum != 0)
            {
                var inv = (float)(1.0 / sum);
                for (var j = 0; j < width; j++) row[j] *= inv;
            }
        }
    }

    private static (int[] Src, int[] Dst) Split(long[] keys)
    {
        var src = new int[keys.Length];
        var dst = new int[keys.Length];
        for (var i = 0; i < keys.Length; i++) { src[i] = (int)(keys[i] >> 32); dst[i] = (int)(keys[i] & 0xFFFFFFFF); }
        return (src, dst);
    }

    /// <summary>
    /// A Shchur et al. benchmark graph (<c>.npz</c> with <c>adj_*</c>, <c>attr_*</c>, <c>labels</c>) as DGL's
    /// <c>GNNBenchmarkDataset</c>: the adjacency made bidirected (each pair in both directions once, self-loops once),
    /// dense float32 features, int64 labels. DGL also renumbers nodes (RCMK order); node ids here are the file's.
    /// </summary>
    public static GraphRecord GnnBenchmark(string npzPath)
    {
        using var npz = new NpzReader(npzPath);
        var adj = npz.ReadCsr("adj");
        if (adj.Rows != adj.Cols) throw new DataFormatException($"{npzPath}: the adjacency is {adj.Rows} × {adj.Cols}; expected square");
        var n = adj.Rows;
        var (r, c) = adj.ToCooArrays();
        var set = new HashSet<long>(EdgeKey.Comparer);
        for (var k = 0; k < r.Length; k++)
        {
            set.Add(((long)r[k] << 32) | (uint)c[k]);
            set.Add(((long)c[k] << 32) | (uint)r[k]);
        }
        var keys = set.ToArray();
        Array.Sort(keys);
        var (src, dst) = Split(keys);
        var ndata = new List<KeyValuePair<string, Tensor>>();
        if (npz.Contains("attr_data"))
        {
            var attr = npz.ReadCsr("attr");
            if (attr.Rows != n) throw new DataFormatException($"{npzPath}: attr has {attr.Rows} rows for {n} nodes");
            ndata.Add(new("feat", attr.ToDense().Float()));
        }
        else if (npz.Contains("attr_matrix"))
        {
            ndata.Add(new("feat", npz.Read("attr_matrix").Float()));
        }
        if (npz.Contains("labels"))
        {
            var labels = npz.Read("labels");
            if (labels.NumElements != n) throw new DataFormatException($"{npzPath}: {labels.NumElements} labels for {n} nodes");
            ndata.Add(new("label", labels.Reshape(n).Long()));
        }
        else if (npz.Contains("labels_data"))
        {
            var onehot = npz.ReadCsr("labels").ToDense();
            var l = new long[n];
            for (var i = 0; i < n; i++) l[i] = ArgMax(onehot[i]);
            ndata.Add(new("label", Tensor.FromArray(l)));
        }
        return Homogeneous(n, src, dst, ndata);
    }

    private static long ArgMax(Tensor row)
    {
        var best = 0;
        for (var j = 1; j < row.NumElements; j++) if (row.GetAsDouble(j) > row.GetAsDouble(best)) best = j;
        return best;
    }

    /// <summary>
    /// TU graphs as DGL's <c>TUDataset</c>: one node-induced subgraph per graph (edges in file order), node labels
    /// shifted to start at 0 (<c>node_labels</c>), node attributes (<c>node_attr</c>, float32 here), edge labels
    /// (<c>edge_labels</c>) and edge attributes (<c>edge_attr</c>); graph labels mapped to 0..k-1 in sorted order.
    /// </summary>
    public static (List<GraphRecord> Graphs, Tensor Labels, int? NumClasses) Tu(TuRawData d)
    {
        var counts = new int[d.NumGraphs];
        var local = new int[d.NumNodes];
        foreach (var g in d.GraphIndicator) counts[g]++;
        var next = new int[d.NumGraphs];
        for (var v = 0; v < d.NumNodes; v++) local[v] = next[d.GraphIndicator[v]]++;
        var nodesOf = new List<int>[d.NumGraphs];
        var edgesOf = new List<int>[d.NumGraphs];
        for (var g = 0; g < d.NumGraphs; g++) { nodesOf[g] = []; edgesOf[g] = []; }
        for (var v = 0; v < d.NumNodes; v++) nodesOf[d.GraphIndicator[v]].Add(v);
        for (var e = 0; e < d.Src.Length; e++)
        {
            var g = d.GraphIndicator[d.Src[e]];
            if (d.GraphIndicator[d.Dst[e]] == g) edgesOf[g].Add(e);
        }
        var labelShift = d.NodeLabels is { } nl ? Min(nl) : 0;
        var edgeShift = d.EdgeLabels is { } el ? Min(el) : 0;
        var graphs = new List<GraphRecord>(d.NumGraphs);
        for (var g = 0; g < d.NumGraphs; g++)
        {
            var nodes = nodesOf[g];
            var edges = edgesOf[g];
            var src = new int[edges.Count];
            var dst = new int[edges.Count];
            for (var k = 0; k < edges.Count; k++) { src[k] = local[d.Src[edges[k]]]; dst[k] = local[d.Dst[edges[k]]]; }
            var ndata = new List<KeyValuePair<string, Tensor>>();
            var edata = new List<KeyValuePair<string, Tensor>>();
            if (d.NodeLabels is { } nlab) ndata.Add(new("node_labels", RowsLong(nlab, nodes, labelShift)));
            if (d.NodeAttributes is { } na) ndata.Add(new("node_attr", RowsFloat(na, nodes)));
            if (d.EdgeLabels is { } elab) edata.Add(new("edge_labels", RowsLong(elab, edges, edgeShift)));
            if (d.EdgeAttributes is { } ea) edata.Add(new("edge_attr", RowsFloat(ea, edges)));
            graphs.Add(Homogeneous(nodes.Count, src, dst, ndata, edata));
        }
        if (d.GraphLabels is { } gl)
        {
            var distinct = gl.Distinct().Order().ToArray();
            var labels = gl.Select(l => (long)Array.BinarySearch(distinct, l)).ToArray();
            return (graphs, Tensor.FromArray(labels), distinct.Length);
        }
        var ga = d.GraphAttributes!;
        var values = new float[(long)ga.Rows * ga.Columns];
        for (long i = 0; i < values.Length; i++) values[i] = (float)ga.Data[i];
        return (graphs, Tensor.FromArray(values, new Shape(ga.Rows, ga.Columns)), null);
    }

    private static long Min(NumericTable<long> t)
    {
        long m = long.MaxValue;
        for (long i = 0; i < (long)t.Rows * t.Columns; i++) m = Math.Min(m, t.Data[i]);
        return t.Rows == 0 ? 0 : m;
    }

    private static Tensor RowsLong(NumericTable<long> t, List<int> rows, long shift)
    {
        var c = t.Columns;
        var v = new long[(long)rows.Count * c];
        for (var i = 0; i < rows.Count; i++)
            for (var j = 0; j < c; j++) v[(long)i * c + j] = t.Data[(long)rows[i] * c + j] - shift;
        return c == 1 ? Tensor.FromArray(v) : Tensor.FromArray(v, new Shape(rows.Count, c));
    }

    private static Tensor RowsFloat(NumericTable<double> t, List<int> rows)
    {
        var c = t.Columns;
        var v = new float[(long)rows.Count * c];
        for (var i = 0; i < rows.Count; i++)
            for (var j = 0; j < c; j++) v[(long)i * c + j] = (float)t.Data[(long)rows[i] * c + j];
        return c == 1 ? Tensor.FromArray(v) : Tensor.FromArray(v, new Shape(rows.Count, c));
    }

    /// <summary>
    /// GIN/DGCNN graphs as DGL's <c>GINDataset</c>: edges node by node in file order (a self-loop after each node's
    /// neighbours when <paramref name="selfLoop"/>), node tags mapped in order of first appearance (<c>label</c>),
    /// <c>attr</c> the file's attributes or else a one-hot of the tag (or of the in-degree when
    /// <paramref name="degreeAsNodeLabel"/>); graph labels mapped in order of first appearance.
    /// </summary>
    /// <remarks>DGL's one-hot columns follow an incidental ordering of its label dictionary; here column j is tag j
    /// (or the j-th smallest degree), the same features up to a fixed column permutation.</remarks>
    public static (List<GraphRecord> Graphs, Tensor Labels, int NumClasses) Gin(List<GinGraph> raw, bool selfLoop, bool degreeAsNodeLabel)
    {
        var glabels = new Dictionary<long, int>();
        var ntags = new Dictionary<long, int>();
        var labels = new long[raw.Count];
        var hasAttrs = raw.Count > 0 && raw.TrueForAll(g => g.AttributeDim > 0);
        var nodeLabels = new long[raw.Count][];
        var edges = new (int[] Src, int[] Dst)[raw.Count];
        for (var i = 0; i < raw.Count; i++)
        {
            var g = raw[i];
            if (!glabels.TryGetValue(g.Label, out var gl)) glabels[g.Label] = gl = glabels.Count;
            labels[i] = gl;
            var tags = new long[g.NumNodes];
            for (var v = 0; v < g.NumNodes; v++)
            {
                if (!ntags.TryGetValue(g.Tags[v], out var t)) ntags[g.Tags[v]] = t = ntags.Count;
                tags[v] = t;
            }
            // Edges of node v are contiguous in the raw lists; add its self-loop right after them.
            var m = g.Src.Length + (selfLoop ? g.NumNodes : 0);
            var src = new int[m];
            var dst = new int[m];
            var k = 0;
            var e = 0;
            for (var v = 0; v < g.NumNodes; v++)
            {
                while (e < g.Src.Length && g.Src[e] == v) { src[k] = v; dst[k] = g.Dst[e]; k++; e++; }
                if (selfLoop) { src[k] = v; dst[k] = v; k++; }
            }
            edges[i] = (src, dst);
            if (degreeAsNodeLabel && !hasAttrs)
            {
                var deg = new long[g.NumNodes];
                foreach (var d in dst) deg[d]++;
                nodeLabels[i] = deg;
            }
            else
            {
                nodeLabels[i] = tags;
            }
        }
        Dictionary<long, int>? column = null;
        if (!hasAttrs)
        {
            var values = nodeLabels.SelectMany(x => x).Distinct().Order().ToArray();
            var contiguous = values.Length > 0 && values[0] == 0 && values[^1] == values.Length - 1;
            column = values.Select((v, j) => (v, j: contiguous ? (int)v : j)).ToDictionary(p => p.v, p => p.j);
        }
        var graphs = new List<GraphRecord>(raw.Count);
        for (var i = 0; i < raw.Count; i++)
        {
            var g = raw[i];
            Tensor attr;
            if (hasAttrs)
            {
                attr = Tensor.FromArray(g.Attributes!.Select(x => (float)x).ToArray(), new Shape(g.NumNodes, g.AttributeDim));
            }
            else
            {
                var width = column!.Count;
                var a = new float[(long)g.NumNodes * width];
                for (var v = 0; v < g.NumNodes; v++) a[(long)v * width + column[nodeLabels[i][v]]] = 1;
                attr = Tensor.FromArray(a, new Shape(g.NumNodes, width));
            }
            graphs.Add(Homogeneous(g.NumNodes, edges[i].Src, edges[i].Dst,
                [new("label", Tensor.FromArray(nodeLabels[i])), new("attr", attr)]));
        }
        return (graphs, Tensor.FromArray(labels), glabels.Count);
    }

    /// <summary>OGB's <c>add_inverse_edge</c>: edge 2k is (u, v), edge 2k+1 is (v, u), edge features repeated.</summary>
    public static (int[] Src, int[] Dst, Tensor? EdgeFeat) AddInverse(ReadOnlySpan<int> src, ReadOnlySpan<int> dst, Tensor? edgeFeat, int firstEdge)
    {
        var m = src.Length;
        var s = new int[2 * m];
        var d = new int[2 * m];
        for (var k = 0; k < m; k++)
        {
            s[2 * k] = src[k]; d[2 * k] = dst[k];
            s[2 * k + 1] = dst[k]; d[2 * k + 1] = src[k];
        }
        Tensor? f = null;
        if (edgeFeat is not null)
        {
            var rows = edgeFeat.Slice(firstEdge, firstEdge + m);
            var cols = rows.Rank > 1 ? rows.Size(1) : 1;
            f = Tensor.Empty(rows.Rank > 1 ? new Shape(2 * m, cols) : new Shape(2 * m), rows.DType);
            for (var k = 0; k < m; k++)
            {
                rows[k].CopyToFlat(f, 2 * k * cols);
                rows[k].CopyToFlat(f, (2 * k + 1) * cols);
            }
        }
        return (s, d, f);
    }
}
