using System.IO.Compression;
using System.Text;

namespace Dgl.Data.Tests.Formats;

/// <summary>Mutated text files: each parses or raises <see cref="Dgl.Tensors.IO.DataFormatException"/>.</summary>
public class TextFuzzTests
{
    private static LineReader Reader(byte[] b) => new(new MemoryStream(b), "fuzz.txt", bufferSize: 256);

    [DataFact("tu/MUTAG")]
    public void MutatedNumericTables()
    {
        var a = File.ReadAllBytes(TestData.PathOf("tu/MUTAG/MUTAG_A.txt"))[..8000];
        Fuzz.Run(a, 1500, 500, b => { using var r = Reader(b); NumericText.ReadInt64(r, 2); });
        var attr = File.ReadAllBytes(TestData.PathOf("tu/ENZYMES/ENZYMES_node_attributes.txt"))[..8000];
        Fuzz.Run(attr, 1500, 501, b => { using var r = Reader(b); NumericText.ReadFloat64(r); });
    }

    [DataFact("tu/MUTAG")]
    public void MutatedTuFolders()
    {
        var src = TestData.PathOf("tu/MUTAG");
        var dir = TestData.TempFolder();
        foreach (var f in Directory.GetFiles(src)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var seed = 510;
        foreach (var part in new[] { "A", "graph_indicator", "node_labels", "graph_labels" })
        {
            var file = Path.Combine(dir, $"MUTAG_{part}.txt");
            var original = File.ReadAllBytes(file);
            Fuzz.Run(original, 30, seed++, b => { File.WriteAllBytes(file, b); TuFormat.Read(dir, "MUTAG"); });
            File.WriteAllBytes(file, original);
        }
    }

    [Fact]
    public void ForgedGinCountsDoNotAllocate()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        using var r = Reader(Encoding.ASCII.GetBytes("1\n2000000000 0\n0 0\n"));
        Assert.Throws<Dgl.Tensors.IO.DataFormatException>(() => GinFormat.Read(r));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [DataFact("gin_dgcnn_format/MUTAG/MUTAG.txt")]
    public void MutatedGinFiles()
    {
        var bytes = File.ReadAllBytes(TestData.PathOf("gin_dgcnn_format/MUTAG/MUTAG.txt"));
        Fuzz.Run(bytes, 800, 520, b => { using var r = Reader(b); GinFormat.Read(r); });
    }

    [DataFact("rgcn_aifb/aifb-fixed_complete.n3")]
    public void MutatedRdf()
    {
        var n3 = File.ReadAllBytes(TestData.PathOf("rgcn_aifb/aifb-fixed_complete.n3"));
        var head = n3[..12000];
        var middle = n3[(n3.Length / 2)..(n3.Length / 2 + 12000)];
        Fuzz.Run(head, 1000, 530, b => RdfReader.Parse(Encoding.UTF8.GetString(b), "fuzz.n3"));
        Fuzz.Run([.. head[..600], .. middle], 1000, 531, b => RdfReader.Parse(Encoding.UTF8.GetString(b), "fuzz.n3"));
        using var gz = new GZipStream(File.OpenRead(TestData.PathOf("rgcn_mutag/mutag_stripped.nt.gz")), CompressionMode.Decompress);
        var nt = new byte[12000];
        gz.ReadExactly(nt);
        Fuzz.Run(nt, 1000, 532, b => RdfReader.Parse(Encoding.UTF8.GetString(b), "fuzz.nt"));
    }

    [DataFact("ogb/graphproppred_master.csv")]
    public void MutatedCsvAndGzip()
    {
        var dir = TestData.TempFolder();
        var master = File.ReadAllBytes(TestData.PathOf("ogb/graphproppred_master.csv"));
        var path = Path.Combine(dir, "master.csv");
        Fuzz.Run(master, 250, 540, b => { File.WriteAllBytes(path, b); OgbMaster.Read(path); });
        var gz = File.ReadAllBytes(TestData.PathOf("ogb/ogbg_molbace/raw/num-node-list.csv.gz"));
        var gzPath = Path.Combine(dir, "x.csv.gz");
        Fuzz.Run(gz, 250, 541, b => { File.WriteAllBytes(gzPath, b); OgbRaw.ReadInferred(gzPath); });
        var karate = File.ReadAllBytes(TestData.PathOf("karate/deepwalk_example_graphs_karate.adjlist"));
        var kPath = Path.Combine(dir, "k.adjlist");
        Fuzz.Run(karate, 250, 542, b => { File.WriteAllBytes(kPath, b); EdgeListFile.ReadAdjacencyList(kPath, 1); EdgeListFile.Read(kPath); });
    }
}
