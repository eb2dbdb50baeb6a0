using System.Globalization;
using System.Text;

namespace Dgl.Cli.Tests;

/// <summary>
/// A two-relation CSVDataset whose class is visible only in the relation of a node's in-edges: every node receives
/// four edges from pseudo-random sources, all of relation <c>r{class}</c>, and its features are [1, noise]. A model
/// that ignores edge types sees the same structure and features for both classes; R-GCN separates them.
/// </summary>
internal static class UserFilesRelational
{
    public static int Label(int i) => i % 2;

    public static bool IsTest(int i) => i % 5 == 4;

    public static void Write(string dir, int n)
    {
        var rng = new Random(11);
        File.WriteAllText(Path.Combine(dir, "meta.yaml"),
            "dataset_name: relational-toy\nnode_data:\n- file_name: nodes.csv\nedge_data:\n- file_name: r0.csv\n  etype: [_V, r0, _V]\n- file_name: r1.csv\n  etype: [_V, r1, _V]\n");
        var nodes = new StringBuilder("node_id,label,train_mask,val_mask,test_mask,feat\n");
        for (var i = 0; i < n; i++)
        {
            var split = i % 5;
            var noise = rng.NextDouble().ToString("F4", CultureInfo.InvariantCulture);
            nodes.Append(CultureInfo.InvariantCulture, $"{i},{Label(i)},{split < 3},{split == 3},{IsTest(i)},\"1, {noise}\"\n");
        }
        File.WriteAllText(Path.Combine(dir, "nodes.csv"), nodes.ToString());
        var rel = new[] { new StringBuilder("src_id,dst_id\n"), new StringBuilder("src_id,dst_id\n") };
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < 4; k++)
            {
                var j = rng.Next(n - 1);
                if (j >= i) j++;
                rel[Label(i)].Append(CultureInfo.InvariantCulture, $"{j},{i}\n");
            }
        }
        File.WriteAllText(Path.Combine(dir, "r0.csv"), rel[0].ToString());
        File.WriteAllText(Path.Combine(dir, "r1.csv"), rel[1].ToString());
    }
}
