using System.Globalization;
using System.Text;
using Dgl.Tensors.IO;

namespace Dgl.Cli.Tests;

/// <summary>Small user data sets written by the tests: a two-community graph whose features carry the class.</summary>
internal static class UserFiles
{
    private static int Label(int i, int n) => i < n / 2 ? 0 : 1;

    private static IEnumerable<(int, int)> Edges(int n)
    {
        for (var i = 0; i < n; i++)
        {
            var j = (i + 1) % n;
            if (Label(i, n) == Label(j, n)) yield return (i, j);
            var k = (i + 3) % n;
            if (Label(i, n) == Label(k, n)) yield return (k, i);
        }
    }

    public static void WriteCsvDataset(string dir, int n)
    {
        File.WriteAllText(Path.Combine(dir, "meta.yaml"), "dataset_name: toy\nnode_data:\n- file_name: nodes.csv\nedge_data:\n- file_name: edges.csv\n");
        var nodes = new StringBuilder("node_id,label,train_mask,val_mask,test_mask,feat\n");
        for (var i = 0; i < n; i++)
        {
            var split = i % 5;
            nodes.Append(CultureInfo.InvariantCulture, $"{i},{Label(i, n)},{split < 3},{split == 3},{split == 4},\"{Label(i, n) + 0.1 * (i % 3)}, {1 - Label(i, n)}\"\n");
        }
        File.WriteAllText(Path.Combine(dir, "nodes.csv"), nodes.ToString());
        var edges = new StringBuilder("src_id,dst_id\n");
        foreach (var (u, v) in Edges(n)) edges.Append(CultureInfo.InvariantCulture, $"{u},{v}\n");
        File.WriteAllText(Path.Combine(dir, "edges.csv"), edges.ToString());
    }

    public static (string Edges, string Features, string Labels) WriteEdgeList(string dir, int n, bool featuresAsNpy)
    {
        var edges = Path.Combine(dir, "edges.txt");
        File.WriteAllLines(edges, Edges(n).Select(e => $"{e.Item1} {e.Item2}"));
        var x = new float[n * 3];
        for (var i = 0; i < n; i++)
        {
            x[3 * i] = Label(i, n);
            x[3 * i + 1] = 1 - Label(i, n);
            x[3 * i + 2] = i % 2;
        }
        string feats;
        if (featuresAsNpy)
        {
            feats = Path.Combine(dir, "x.npy");
            Npy.Save(feats, Tensor.FromArray(x, new Shape(n, 3)));
        }
        else
        {
            feats = Path.Combine(dir, "x.csv");
            File.WriteAllLines(feats, Enumerable.Range(0, n).Select(i => string.Join(",", x[(3 * i)..(3 * i + 3)].Select(v => v.ToString(CultureInfo.InvariantCulture)))));
        }
        var labels = Path.Combine(dir, "y.csv");
        File.WriteAllLines(labels, ["node,label", .. Enumerable.Range(0, n).Select(i => $"{i},{Label(i, n)}")]);
        return (edges, feats, labels);
    }
}
