namespace Dgl.Data;

/// <summary>
/// Saves and loads lists of graphs with their node and edge features (homogeneous or heterogeneous) and a
/// dictionary of label tensors, as DGL's <c>dgl.save_graphs</c> / <c>dgl.load_graphs</c>, in DGL.NET's own
/// versioned binary format.
/// </summary>
/// <remarks>
/// The file is written under a temporary name and moved into place. Loading reads each array straight into its
/// tensor (in parallel pieces for large arrays), so it runs at about the speed of the disk or page cache; one graph
/// can be read without reading the others. A file written by a newer format version raises a
/// <see cref="Tensors.IO.DataFormatException"/> that says so. Node ids are checked against the node counts.
/// </remarks>
/// <example>
/// <code>
/// GraphSerialization.SaveGraphs("graphs.bin", [g1, g2], new Dictionary&lt;string, Tensor&gt; { ["labels"] = labels });
/// var (graphs, labelDict) = GraphSerialization.LoadGraphs("graphs.bin");
/// var (second, _) = GraphSerialization.LoadGraphs("graphs.bin", [1]);
/// </code>
/// </example>
public static class GraphSerialization
{
    /// <summary>Writes <paramref name="graphs"/> (and <paramref name="labels"/>, tensors of any shape) to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">A graph is a block (message-flow graph); blocks are not saved.</exception>
    public static void SaveGraphs(string path, IReadOnlyList<Graph> graphs, IReadOnlyDictionary<string, Tensor>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        GraphFile.Write(path, [.. graphs.Select(GraphRecords.FromGraph)], labels?.ToList());
    }

    /// <summary>Writes one graph.</summary>
    public static void SaveGraphs(string path, Graph graph, IReadOnlyDictionary<string, Tensor>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        SaveGraphs(path, [graph], labels);
    }

    /// <summary>Reads the graphs at <paramref name="indices"/> (all when null) and the label dictionary.</summary>
    /// <exception cref="Tensors.IO.DataFormatException">The file is corrupt, truncated, or from a newer format version.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is not below the number of graphs in the file.</exception>
    public static (IReadOnlyList<Graph> Graphs, IReadOnlyDictionary<string, Tensor> Labels) LoadGraphs(string path, IReadOnlyList<int>? indices = null)
    {
        var (records, labels) = GraphFile.Read(path, indices);
        return ([.. records.Select(GraphRecords.ToGraph)], labels.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
    }

    /// <summary>The number of graphs in a file (read from its header).</summary>
    public static int GraphCount(string path) => GraphFile.Count(path);
}

/// <summary>Conversion between <see cref="Graph"/> and the stored <see cref="GraphRecord"/>.</summary>
internal static class GraphRecords
{
    /// <summary>A graph over the record's arrays (not copied), node types and relations sorted as
    /// <see cref="Graph.CreateHetero"/> sorts them, features attached.</summary>
    public static Graph ToGraph(GraphRecord r)
    {
        var ntypes = r.NodeTypes.Order(StringComparer.Ordinal).ToArray();
        var counts = new int[ntypes.Length];
        for (var t = 0; t < r.NodeTypes.Length; t++) counts[Array.IndexOf(ntypes, r.NodeTypes[t])] = checked((int)r.NumNodes[t]);
        var rels = new List<(CanonicalEdgeType Type, Adjacency Adj, List<KeyValuePair<string, Tensor>> Data)>(r.Relations.Length);
        for (var k = 0; k < r.Relations.Length; k++)
        {
            var rel = r.Relations[k];
            var ct = new CanonicalEdgeType(r.NodeTypes[rel.SrcType], rel.EdgeType, r.NodeTypes[rel.DstType]);
            var ns = (int)r.NumNodes[rel.SrcType];
            var nd = (int)r.NumNodes[rel.DstType];
            Graph.CheckIds(rel.Src, ns, "source node id", $"node type '{ct.SrcType}'");
            Graph.CheckIds(rel.Dst, nd, "destination node id", $"node type '{ct.DstType}'");
            rels.Add((ct, Adjacency.FromCoo(ns, nd, rel.Src, rel.Dst), r.EdgeData[k]));
        }
        rels.Sort((a, b) => a.Type.CompareTo(b.Type));
        var g = Graph.Build(ntypes, counts, null, [.. rels.Select(x => (x.Type, x.Adj))], isBlock: false);
        for (var t = 0; t < r.NodeTypes.Length; t++)
        {
            var frame = g.Nodes[r.NodeTypes[t]].Data;
            foreach (var (name, value) in r.NodeData[t]) frame[name] = value;
        }
        foreach (var (type, _, data) in rels)
        {
            var frame = g.Edges[type].Data;
            foreach (var (name, value) in data) frame[name] = value;
        }
        return g;
    }

    public static GraphRecord FromGraph(Graph g)
    {
        ArgumentNullException.ThrowIfNull(g);
        if (g.IsBlock) throw new ArgumentException("SaveGraphs: blocks (message-flow graphs) cannot be saved; save the graph they were sampled from", nameof(g));
        var ntypes = g.NodeTypes.ToArray();
        var counts = ntypes.Select(t => (long)g.NumNodes(t)).ToArray();
        var rels = new List<RelationRecord>();
        var edata = new List<List<KeyValuePair<string, Tensor>>>();
        foreach (var ct in g.CanonicalEdgeTypes)
        {
            var e = g.AllEdges("eid", ct);
            rels.Add(new RelationRecord(Array.IndexOf(ntypes, ct.SrcType), ct.EdgeType, Array.IndexOf(ntypes, ct.DstType), e.Src.Int().ToArray<int>(), e.Dst.Int().ToArray<int>()));
            edata.Add([.. g.Edges[ct].Data]);
        }
        var ndata = ntypes.Select(t => new List<KeyValuePair<string, Tensor>>(g.Nodes[t].Data)).ToArray();
        return new GraphRecord(ntypes, counts, [.. rels], ndata, [.. edata]);
    }
}
