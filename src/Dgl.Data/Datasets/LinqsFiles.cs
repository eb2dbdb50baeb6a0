using System.Globalization;
using System.Text;
using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>A LINQS citation data set after DGL's (pre-2020) preprocessing, before it becomes a <c>Graph</c>.</summary>
internal sealed record LinqsData(
    string[] PaperIds, int[] Src, int[] Dst, float[] Features, int NumFeatures, long[] Labels, string[] ClassNames,
    int SkippedCitations);

/// <summary>
/// Reads the LINQS citation files (Lu &amp; Getoor; the files pygcn and DGL's old <c>CoraDataset</c> read):
/// <c>NAME.content</c>, one paper per line (<c>paper_id</c>, its 0/1 word attributes, its class label; tab-separated),
/// and <c>NAME.cites</c>, one citation per line (<c>cited_id citing_id</c>).
/// </summary>
/// <remarks>
/// As DGL's <c>CoraDataset</c> (removed in DGL 0.5, June 2020) and pygcn process them: nodes in the order of the
/// content file; labels the index of the class name among the sorted names; features row-normalised (an all-zero row
/// stays zero); the adjacency made symmetric, so every citation is an edge in both directions, once, however many
/// times the pair is listed (a self-citation is one self-loop). Edges are sorted by (src, dst).
/// </remarks>
internal static class LinqsFiles
{
    private static readonly char[] s_separators = ['\t', ' '];

    public static LinqsData Load(string contentPath, string citesPath, bool ignoreUnknownIds)
    {
        var ids = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var features = new List<float>();
        var classOf = new List<string>();
        var width = -1;
        using (var r = LineReader.Open(contentPath))
        {
            while (r.TryReadLine(out var bytes))
            {
                var fields = Encoding.UTF8.GetString(bytes).Split(s_separators, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length == 0) continue;
                if (fields.Length < 3)
                    throw r.Error($"expected a paper id, its word attributes and a class label; found {fields.Length} field(s)");
                if (width < 0) width = fields.Length - 2;
                else if (fields.Length - 2 != width)
                    throw r.Error($"paper '{fields[0]}' has {fields.Length - 2} word attributes; the first line has {width}");
                if (!index.TryAdd(fields[0], ids.Count))
                    throw r.Error($"paper '{fields[0]}' is listed again (first on line {index[fields[0]] + 1})");
                ids.Add(fields[0]);
                for (var j = 1; j <= width; j++)
                {
                    if (!float.TryParse(fields[j], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                        throw r.Error($"word attribute {j} of paper '{fields[0]}' is '{fields[j]}'; expected a number");
                    features.Add(v);
                }
                classOf.Add(fields[^1]);
            }
        }
        if (ids.Count == 0) throw new DataFormatException($"{contentPath}: no papers; expected one line per paper (id, word attributes, class label)");

        var n = ids.Count;
        var x = features.ToArray();
        Records.RowNormalize(x, n, width);
        var classNames = classOf.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var labels = classOf.Select(c => (long)Array.BinarySearch(classNames, c, StringComparer.Ordinal)).ToArray();

        var pairs = new HashSet<long>(EdgeKey.Comparer);
        var skipped = 0;
        using (var r = LineReader.Open(citesPath))
        {
            while (r.TryReadLine(out var bytes))
            {
                var fields = Encoding.UTF8.GetString(bytes).Split(s_separators, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length == 0) continue;
                if (fields.Length != 2)
                    throw r.Error($"expected two paper ids (cited, citing); found {fields.Length} field(s)");
                if (!index.TryGetValue(fields[0], out var u) | !index.TryGetValue(fields[1], out var w))
                {
                    if (ignoreUnknownIds)
                    {
                        skipped++;
                        continue;
                    }
                    var unknown = index.ContainsKey(fields[0]) ? fields[1] : fields[0];
                    throw r.Error($"paper '{unknown}' is not in {Path.GetFileName(contentPath)} " +
                        "(pass ignoreUnknownIds: true to drop citations of papers without a content line)");
                }
                pairs.Add(((long)u << 32) | (uint)w);
                pairs.Add(((long)w << 32) | (uint)u);
            }
        }
        var (src, dst) = Records.SortedPairs(pairs);
        return new LinqsData([.. ids], src, dst, x, width, labels, classNames, skipped);
    }
}
