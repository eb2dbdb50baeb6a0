using Dgl.Tensors.IO;

namespace Dgl.Data;

internal static partial class Records
{
    /// <summary>
    /// The graphs of a DGL CSV data set folder, as <c>CSVDataset</c> builds them: per graph id, each node type's
    /// nodes numbered by ascending node id (duplicates are an error), edges mapped through those numbers, node and
    /// edge columns as data; graph columns (from <c>graph_data</c>) reshaped to [graphs, -1].
    /// </summary>
    public static (string Name, List<GraphRecord> Graphs, List<KeyValuePair<string, Tensor>> GraphData) Csv(string folder)
    {
        var meta = CsvDatasetFiles.ReadMeta(folder);
        var sep = meta.Separator[0];
        var ntypes = meta.NodeData.Select(n => n.Ntype).ToList();
        foreach (var e in meta.EdgeData)
            foreach (var t in new[] { e.Etype[0], e.Etype[2] })
                if (!ntypes.Contains(t, StringComparer.Ordinal))
                    throw new DataFormatException($"{Path.Combine(folder, CsvDatasetFiles.MetaFileName)}: edge type [{string.Join(", ", e.Etype)}] names node type '{t}', which no node_data file defines");
        // graph id → per node type: (sorted ids, rows of the table in that order)
        var perGraph = new SortedDictionary<long, Dictionary<string, (long[] Ids, int[] Rows, CsvTable Table)>>();
        foreach (var n in meta.NodeData)
        {
            var table = CsvDatasetFiles.ReadTable(Path.Combine(folder, n.FileName!), sep, [n.NodeIdField], [n.GraphIdField]);
            var ids = table.Ids[n.NodeIdField];
            var gids = table.Ids.GetValueOrDefault(n.GraphIdField) ?? new long[table.Rows];
            foreach (var grp in Enumerable.Range(0, table.Rows).GroupBy(i => gids[i]))
            {
                var rows = grp.OrderBy(i => ids[i]).ToArray();
                for (var k = 1; k < rows.Length; k++)
                    if (ids[rows[k]] == ids[rows[k - 1]])
                        throw new DataFormatException($"{table.File}: node id {ids[rows[k]]} appears twice in graph {grp.Key}; node ids must be unique");
                if (!perGraph.TryGetValue(grp.Key, out var d)) perGraph[grp.Key] = d = new(StringComparer.Ordinal);
                d[n.Ntype] = (rows.Select(r => ids[r]).ToArray(), rows, table);
            }
        }
        var edgeTables = meta.EdgeData.Select(e => (Meta: e, Table: CsvDatasetFiles.ReadTable(Path.Combine(folder, e.FileName!), sep, [e.SrcIdField, e.DstIdField], [e.GraphIdField]))).ToList();
        List<long> graphIds;
        var graphData = new List<KeyValuePair<string, Tensor>>();
        if (meta.GraphData is { } gmeta)
        {
            var gt = CsvDatasetFiles.ReadTable(Path.Combine(folder, gmeta.FileName!), sep, [gmeta.GraphIdField], []);
            graphIds = [.. gt.Ids[gmeta.GraphIdField]];
            var missing = perGraph.Keys.Except(graphIds).ToArray();
            if (missing.Length > 0)
                throw new DataFormatException($"{gt.File}: graph ids [{string.Join(", ", missing)}] appear in the node or edge files but not here");
            foreach (var (name, t) in gt.Data)
                graphData.Add(new(name, t.Reshape(graphIds.Count, -1)));
        }
        else
        {
            graphIds = [0];
        }
        var graphs = new List<GraphRecord>(graphIds.Count);
        foreach (var gid in graphIds)
        {
            var nodes = perGraph.GetValueOrDefault(gid) ?? new(StringComparer.Ordinal);
            var counts = ntypes.Select(t => (long)(nodes.TryGetValue(t, out var v) ? v.Ids.Length : 0)).ToArray();
            var ndata = ntypes.Select(t => nodes.TryGetValue(t, out var v) ? v.Table.Data.Select(kv => new KeyValuePair<string, Tensor>(kv.Key, TakeRows(kv.Value, v.Rows))).ToList() : []).ToArray();
            var rels = new List<RelationRecord>();
            var edata = new List<List<KeyValuePair<string, Tensor>>>();
            foreach (var (em, table) in edgeTables)
            {
                var gids = table.Ids.GetValueOrDefault(em.GraphIdField) ?? new long[table.Rows];
                var rows = Enumerable.Range(0, table.Rows).Where(i => gids[i] == gid).ToArray();
                var s = Map(table, table.Ids[em.SrcIdField], rows, nodes, em.Etype[0], gid);
                var d = Map(table, table.Ids[em.DstIdField], rows, nodes, em.Etype[2], gid);
                rels.Add(new RelationRecord(ntypes.IndexOf(em.Etype[0]), em.Etype[1], ntypes.IndexOf(em.Etype[2]), s, d));
                edata.Add([.. table.Data.Select(kv => new KeyValuePair<string, Tensor>(kv.Key, TakeRows(kv.Value, rows)))]);
            }
            graphs.Add(new GraphRecord([.. ntypes], counts, [.. rels], ndata, [.. edata]));
        }
        return (meta.DatasetName!, graphs, graphData);
    }

    private static int[] Map(CsvTable table, long[] ids, int[] rows, Dictionary<string, (long[] Ids, int[] Rows, CsvTable Table)> nodes, string ntype, long gid)
    {
        var r = new int[rows.Length];
        if (rows.Length == 0) return r;
        if (!nodes.TryGetValue(ntype, out var known))
            throw new DataFormatException($"{table.File}: graph {gid} has edges but no '{ntype}' nodes in the node files");
        for (var k = 0; k < rows.Length; k++)
        {
            var idx = Array.BinarySearch(known.Ids, ids[rows[k]]);
            if (idx < 0) throw new DataFormatException(table.File, rows[k] + 2, null, $"node id {ids[rows[k]]} of type '{ntype}' is not in graph {gid}'s node file");
            r[k] = idx;
        }
        return r;
    }

    private static Tensor TakeRows(Tensor t, int[] rows)
    {
        var rowShape = t.Shape.ToArray();
        rowShape[0] = rows.Length;
        var width = t.Rank > 1 ? t.Shape.Product(1, t.Rank) : 1;
        var r = Tensor.Empty(new Shape(rowShape), t.DType);
        for (var i = 0; i < rows.Length; i++)
            (t.Rank > 1 ? t[rows[i]] : t.Slice(rows[i], rows[i] + 1)).CopyToFlat(r, i * width);
        return r;
    }
}
