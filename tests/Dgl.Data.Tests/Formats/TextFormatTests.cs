using System.IO.Compression;
using System.Text;
using Dgl.Tensors.IO;

namespace Dgl.Data.Tests.Formats;

/// <summary>Text readers against the counts in shared/data/SOURCES.md and hand-written files.</summary>
public class TextFormatTests
{
    private static string WriteTemp(string content, bool gzip = false, string name = "f.txt")
    {
        var path = Path.Combine(TestData.TempFolder(), name);
        var bytes = Encoding.UTF8.GetBytes(content);
        if (gzip)
        {
            using var fs = File.Create(path);
            using var gz = new GZipStream(fs, CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }
        return path;
    }

    private static NumericTable<long> Ints(string content, int columns = -1)
    {
        using var r = new LineReader(new MemoryStream(Encoding.UTF8.GetBytes(content)), "t.csv", bufferSize: 16);
        return NumericText.ReadInt64(r, columns);
    }

    [Fact]
    public void IntegerTablesAcceptTheUsualSeparators()
    {
        var t = Ints("1,2\n3, 4\r\n# comment\n\n% other comment\n -5 ,6\n");
        Assert.Equal((3, 2), (t.Rows, t.Columns));
        Assert.Equal([1L, 2, 3, 4, -5, 6], t.Data[..6]);
        var w = Ints("1 2\t3\n  40   50 60  \n");
        Assert.Equal([1L, 2, 3, 40, 50, 60], w.Data[..6]);
        // 19-digit values take the slow path and still parse exactly.
        Assert.Equal(long.MaxValue, Ints("9223372036854775807\n").Data[0]);
        Assert.Equal(long.MinValue, Ints("-9223372036854775808\n").Data[0]);
    }

    [Theory]
    [InlineData("1,2\n3\n", 2, "1 columns")]
    [InlineData("1,x\n", 1, "'x' is not an integer")]
    [InlineData("1,,2\n", 1, "field 2 is empty")]
    [InlineData("1 2x\n", 1, "unexpected 'x'")]
    [InlineData("99999999999999999999,1\n", 1, "not an integer")]
    public void IntegerTableErrorsNameTheLine(string content, int line, string expected)
    {
        var ex = Assert.Throws<DataFormatException>(() => Ints(content));
        Assert.Equal(line, ex.Line);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("t.csv", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FloatParsingIsCorrectlyRounded()
    {
        // The fast path must agree with the framework's correctly rounded parser.
        var rng = new Random(5);
        for (var i = 0; i < 20000; i++)
        {
            var s = i % 3 == 0 ? (rng.NextDouble() * Math.Pow(10, rng.Next(-8, 9))).ToString("R", System.Globalization.CultureInfo.InvariantCulture)
                : i % 3 == 1 ? rng.Next(-100000, 100000).ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + rng.Next(0, 999999).ToString("D6", System.Globalization.CultureInfo.InvariantCulture)
                : (rng.NextDouble() - 0.5).ToString("E10", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(NumericText.TryParseDouble(Encoding.ASCII.GetBytes(s), out var ours), s);
            Assert.Equal(double.Parse(s, System.Globalization.CultureInfo.InvariantCulture), ours);
        }
        Assert.True(NumericText.TryParseDouble("nan"u8, out var nan) && double.IsNaN(nan));
        Assert.False(NumericText.TryParseDouble("1.5x"u8, out _));
        Assert.False(NumericText.TryParseDouble("1e"u8, out _));
    }

    [Fact]
    public void LinesLongerThanTheBufferAndGzipAreRead()
    {
        var longLine = string.Join(",", Enumerable.Range(0, 60));
        var path = WriteTemp($"{longLine}\n{longLine}", gzip: true, name: "x.csv.gz");
        using var r = LineReader.Open(path);
        var t = NumericText.ReadInt64(r);
        Assert.Equal((2, 60), (t.Rows, t.Columns));
        Assert.Equal(59, t[1, 59]);
    }

    [Fact]
    public void EdgeListsWithWeightsCommentsAndOneBasedIds()
    {
        var path = WriteTemp("# src dst w\n1 2 0.5\n2\t3\t1.5\n% c\n3,1,2\n");
        var e = EdgeListFile.Read(path, idBase: 1);
        Assert.Equal([0, 1, 2], e.Src);
        Assert.Equal([1, 2, 0], e.Dst);
        Assert.Equal([0.5, 1.5, 2.0], e.Weight!);
        Assert.Equal(3, e.NumNodes);
        var bad = WriteTemp("0 1\n2 -3\n");
        Assert.Contains("-3", Assert.Throws<DataFormatException>(() => EdgeListFile.Read(bad)).Message, StringComparison.Ordinal);
    }

    [DataFact("karate")]
    public void KarateFilesMatchTheirPublishedQuirks()
    {
        var adj = EdgeListFile.ReadAdjacencyList(TestData.PathOf("karate/deepwalk_example_graphs_karate.adjlist"), idBase: 1);
        Assert.Equal(34, adj.NumNodes);
        var und = adj.Src.Select((u, k) => (Math.Min(u, adj.Dst[k]), Math.Max(u, adj.Dst[k]))).Distinct().Count();
        Assert.Equal(78, und);
        Assert.Equal(16, adj.Src.Count(u => u == 0));     // node 1 has degree 16
        Assert.Equal(17, adj.Src.Count(u => u == 33));    // node 34 has degree 17
        var n2v = EdgeListFile.Read(TestData.PathOf("karate/node2vec_graph_karate.edgelist"), idBase: 1);
        Assert.Equal(78, n2v.Src.Length);
        Assert.Equal(77, n2v.Src.Select((u, k) => (Math.Min(u, n2v.Dst[k]), Math.Max(u, n2v.Dst[k]))).Distinct().Count());
    }

    [DataTheory("tu")]
    [InlineData("MUTAG", 188, 3371, 7442, 2)]
    [InlineData("PROTEINS", 1113, 43471, 162088, 2)]
    [InlineData("ENZYMES", 600, 19580, 74564, 6)]
    [InlineData("NCI1", 4110, 122747, 265506, 2)]
    public void TuFilesMatchPublishedCounts(string name, int graphs, int nodes, int aLines, int classes)
    {
        var d = TuFormat.Read(TestData.PathOf($"tu/{name}"), name);
        Assert.Equal((graphs, nodes, aLines), (d.NumGraphs, d.NumNodes, d.Src.Length));
        Assert.Equal(classes, d.GraphLabels!.Distinct().Count());
        // TU edges are stored in both directions.
        var set = new HashSet<(int, int)>(d.Src.Select((u, k) => (u, d.Dst[k])));
        Assert.All(set, e => Assert.Contains((e.Item2, e.Item1), set));
        // Every edge stays inside one graph.
        Assert.All(Enumerable.Range(0, d.Src.Length), k => Assert.Equal(d.GraphIndicator[d.Src[k]], d.GraphIndicator[d.Dst[k]]));
        switch (name)
        {
            case "MUTAG":
                Assert.Equal(7, d.NodeLabels!.Column(0).Distinct().Count());
                Assert.Equal(4, d.EdgeLabels!.Column(0).Distinct().Count());
                Assert.Equal(63, d.GraphLabels!.Count(l => l == -1));
                break;
            case "PROTEINS":
                Assert.Equal(1, d.NodeAttributes!.Columns);
                Assert.Equal(663, d.GraphLabels!.Count(l => l == 1));
                break;
            case "ENZYMES":
                Assert.Equal(18, d.NodeAttributes!.Columns);
                Assert.All(d.GraphLabels!.GroupBy(l => l), g => Assert.Equal(100, g.Count()));
                break;
            case "NCI1":
                Assert.Equal(37, d.NodeLabels!.Column(0).Distinct().Count());
                break;
        }
    }

    [Fact]
    public void TuInconsistentFilesAreReported()
    {
        var dir = TestData.TempFolder();
        File.WriteAllText(Path.Combine(dir, "X_A.txt"), "1, 2\n2, 9\n");
        File.WriteAllText(Path.Combine(dir, "X_graph_indicator.txt"), "1\n1\n1\n");
        File.WriteAllText(Path.Combine(dir, "X_graph_labels.txt"), "1\n");
        var ex = Assert.Throws<DataFormatException>(() => TuFormat.Read(dir, "X"));
        Assert.Contains("(2, 9)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.Line);
        File.WriteAllText(Path.Combine(dir, "X_A.txt"), "1, 2\n");
        File.WriteAllText(Path.Combine(dir, "X_node_labels.txt"), "1\n2\n");
        Assert.Contains("expected one per node (3 nodes)", Assert.Throws<DataFormatException>(() => TuFormat.Read(dir, "X")).Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => TuFormat.Read(dir, "Y"));
    }

    [DataTheory("gin_dgcnn_format")]
    [InlineData("MUTAG", 188, 3371, 3721, 170, 18)]
    [InlineData("PROTEINS", 1113, 43471, 81044, 1002, 111)]
    [InlineData("NCI1", 4110, 122747, 132753, 3699, 411)]
    [InlineData("IMDBBINARY", 1000, 19773, 96531, 900, 100)]
    [InlineData("IMDBMULTI", 1500, 19502, 98903, 1350, 150)]
    [InlineData("PTC", 344, 8792, 8931, 310, 34)]
    public void GinFilesMatchPublishedCounts(string name, int graphs, int nodes, int undirected, int train, int test)
    {
        var folder = TestData.PathOf($"gin_dgcnn_format/{name}");
        var gs = GinFormat.Read(Path.Combine(folder, $"{name}.txt"));
        Assert.Equal(graphs, gs.Count);
        Assert.Equal(nodes, gs.Sum(g => g.NumNodes));
        Assert.Equal(2 * undirected, gs.Sum(g => g.Src.Length));
        var (tr, te) = GinFormat.ReadFold(folder, 1, gs.Count);
        Assert.Equal((train, test), (tr.Length, te.Length));
        Assert.Empty(tr.Intersect(te));
    }

    [Fact]
    public void GinFormatErrorsNameTheLine()
    {
        var path = WriteTemp("1\n3 0\n0 1 1\n0 2 0 2\n0 1 5\n");
        var ex = Assert.Throws<DataFormatException>(() => GinFormat.Read(path));
        Assert.Equal(5, ex.Line);
        Assert.Contains("neighbour 5", ex.Message, StringComparison.Ordinal);
        var attrs = GinFormat.Read(WriteTemp("1\n2 1\n7 1 1 0.5 1.5\n7 1 0 2.5 3.5\n"));
        Assert.Equal([0.5, 1.5, 2.5, 3.5], attrs[0].Attributes!);
        Assert.Equal(2, attrs[0].AttributeDim);
    }

    [DataTheory("ogb")]
    [InlineData("ogbg_molbace", 1513, 51577, 55768, 1210, 151, 152)]
    [InlineData("ogbg_molbbbp", 2039, 49068, 52921, 1631, 204, 204)]
    [InlineData("ogbg_molesol", 1128, 14991, 15428, 902, 113, 113)]
    [InlineData("ogbg_molfreesolv", 642, 5600, 5385, 513, 64, 65)]
    public void OgbMoleculeFilesMatchPublishedCounts(string folder, int graphs, int nodes, int bonds, int train, int valid, int test)
    {
        var raw = OgbRaw.ReadGraph(TestData.PathOf($"ogb/{folder}/raw"), perGraphLocalIds: true);
        Assert.Equal((graphs, nodes, bonds), (raw.NumNodes.Length, raw.NumNodes.Sum(), raw.Src.Length));
        Assert.Equal([nodes, 9], raw.NodeFeat!.Shape.ToArray());
        Assert.Equal([bonds, 3], raw.EdgeFeat!.Shape.ToArray());
        Assert.Equal(DType.Int64, raw.NodeFeat.DType);
        var labels = OgbRaw.ReadInferred(TestData.PathOf($"ogb/{folder}/raw/graph-label.csv.gz"), graphs, "graphs");
        if (folder == "ogbg_molbace") Assert.Equal(691, labels.ToArray<long>().Count(v => v == 1));
        if (folder == "ogbg_molbbbp") Assert.Equal(1560, labels.ToArray<long>().Count(v => v == 1));
        if (folder == "ogbg_molesol") Assert.InRange(labels.ToArray<float>().Min(), -11.61f, -11.59f);
        var split = OgbRaw.ReadSplit(TestData.PathOf($"ogb/{folder}/split/scaffold"), graphs);
        Assert.Equal((train, valid, test), (split["train"].Length, split["valid"].Length, split["test"].Length));
    }

    [DataFact("ogb/graphproppred_master.csv")]
    public void OgbMasterTables()
    {
        var g = OgbMaster.Read(TestData.PathOf("ogb/graphproppred_master.csv"));
        Assert.Equal("True", g["ogbg-molbace"]["add_inverse_edge"]);
        Assert.Equal("rmse", g["ogbg-molesol"]["eval metric"]);
        Assert.Equal("node_is_attributed,node_dfs_order,node_depth", g["ogbg-code2"]["additional node files"]);   // a quoted field
        var l = OgbMaster.Read(TestData.PathOf("ogb/linkproppred_master.csv"));
        Assert.Equal("target", l["ogbl-ddi"]["split"]);
        Assert.Equal("hits@20", l["ogbl-ddi"]["eval metric"]);
    }

    [DataFact("ogb/ogbl_ddi/raw")]
    public void OgbDdiRawEdges()
    {
        var raw = OgbRaw.ReadGraph(TestData.PathOf("ogb/ogbl_ddi/raw"), perGraphLocalIds: false);
        Assert.Equal(4267, raw.NumNodes[0]);
        Assert.Equal(1067911, raw.Src.Length);
    }

    [DataFact("rgcn_aifb/aifb-fixed_complete.n3")]
    public void AifbN3MatchesRdflibCounts()
    {
        var triples = RdfReader.Read(TestData.PathOf("rgcn_aifb/aifb-fixed_complete.n3"));
        Assert.Equal(29226, triples.Count);
        Assert.Equal(8285, triples.SelectMany(t => new[] { t.Subject, t.Object }).Distinct().Count());
        Assert.Equal(47, triples.Select(t => t.Predicate).Distinct().Count());
        Assert.Equal(178, triples.Count(t => t.Predicate.Value == "http://swrc.ontoware.org/ontology#affiliation"));
        Assert.Equal(5, triples.Count(t => t.Predicate.Value == "http://swrc.ontoware.org/ontology#employs"));
    }

    [DataTheory("rgcn_aifb")]
    [InlineData("rgcn_aifb/aifb_stripped.nt.gz", 29043, 8285, 45)]
    [InlineData("rgcn_mutag/mutag_stripped.nt.gz", 74227, 23644, 23)]
    public void StrippedNTriplesMatchRdflibCounts(string file, int triples, int nodes, int relations)
    {
        var t = RdfReader.Read(TestData.PathOf(file));
        Assert.Equal(triples, t.Count);
        Assert.Equal(nodes, t.SelectMany(x => new[] { x.Subject, x.Object }).Distinct().Count());
        Assert.Equal(relations, t.Select(x => x.Predicate).Distinct().Count());
    }

    [Fact]
    public void TurtleConstructs()
    {
        var ttl = """"
            @prefix : <http://e.org/> .
            @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
            :a a :T ; :p "x\ty"@EN , 'q' , 42 , -1.5 , 2e3 , true ;
               :q [ :r :b ] , ( :c :d ) ;
               :s """multi
            line"""^^xsd:string .
            _:n1 :p "\u00e9\U0001F600" .
            [ :p :z ] .
            """";
        var t = RdfReader.Parse(ttl, "t.ttl");
        string E(string local) => "http://e.org/" + local;
        Assert.Contains(t, x => x.Subject.Value == E("a") && x.Predicate.Value.EndsWith("#type", StringComparison.Ordinal) && x.Object.Value == E("T"));
        Assert.Contains(t, x => x.Object is { Kind: RdfTermKind.Literal, Value: "x\ty", Language: "en" });
        Assert.Contains(t, x => x.Object is { Value: "42", Datatype: "http://www.w3.org/2001/XMLSchema#integer" });
        Assert.Contains(t, x => x.Object is { Value: "-1.5", Datatype: "http://www.w3.org/2001/XMLSchema#decimal" });
        Assert.Contains(t, x => x.Object is { Value: "2e3", Datatype: "http://www.w3.org/2001/XMLSchema#double" });
        Assert.Contains(t, x => x.Object is { Value: "true", Datatype: "http://www.w3.org/2001/XMLSchema#boolean" });
        Assert.Contains(t, x => x.Object is { Value: "multi\nline", Datatype: "http://www.w3.org/2001/XMLSchema#string" });
        Assert.Contains(t, x => x.Subject.Kind == RdfTermKind.BlankNode && x.Object.Value == "é😀");
        Assert.Equal(4, t.Count(x => x.Predicate.Value.EndsWith("#first", StringComparison.Ordinal) || x.Predicate.Value.EndsWith("#rest", StringComparison.Ordinal)));
        Assert.Contains(t, x => x.Predicate.Value == E("r") && x.Object.Value == E("b"));
        Assert.Contains(t, x => x.Subject.Kind == RdfTermKind.BlankNode && x.Object.Value == E("z"));
        var ex = Assert.Throws<DataFormatException>(() => RdfReader.Parse("@prefix : <http://e.org/> .\n:a :b :c .\n:a :undeclared:x :c .\n:a nope:b :c .", "bad.ttl"));
        Assert.Equal(4, ex.Line);
        Assert.Contains("'nope:'", ex.Message, StringComparison.Ordinal);
    }
}
