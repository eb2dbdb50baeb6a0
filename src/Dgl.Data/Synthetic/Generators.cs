namespace Dgl.Data;

/// <summary>A generated node-classification graph before it becomes a <c>Graph</c>.</summary>
internal sealed record NodeClassificationData(int NumNodes, UndirectedEdges Edges, float[] Features, int NumFeatures, long[] Labels, int NumClasses, int[] Train, int[] Val, int[] Test);

/// <summary>Seeded random graph generators (all draws from one <see cref="Random"/> in a fixed order, so the same
/// seed gives the same graph on every machine and thread count).</summary>
internal static class Generators
{
    /// <summary>
    /// A planted-partition, citation-like graph: <paramref name="numClasses"/> balanced classes, each node citing about
    /// <paramref name="avgDegree"/>/2 others, a fraction <paramref name="homophily"/> of them in its own class, and
    /// bag-of-words features where each node draws about 18 words, 70% of them from its class's 40 topic words, row
    /// normalised as Cora's are. Split as Planetoid: 20 training nodes per class, 500 validation, 1000 test.
    /// </summary>
    public static NodeClassificationData CitationLike(int numNodes, int numClasses, int numFeatures, double avgDegree, double homophily, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(numNodes, numClasses * 20 + 1500);
        ArgumentOutOfRangeException.ThrowIfLessThan(numFeatures, numClasses * 40);
        var rng = new Random(seed);
        var labels = new long[numNodes];
        var byClass = new List<int>[numClasses];
        for (var c = 0; c < numClasses; c++) byClass[c] = [];
        var order = Permutation(numNodes, rng);
        for (var i = 0; i < numNodes; i++)
        {
            var c = i % numClasses;
            labels[order[i]] = c;
            byClass[c].Add(order[i]);
        }
        var edges = new UndirectedEdges(numNodes);
        var target = (long)Math.Round(numNodes * avgDegree / 2);
        var guard = 0L;
        while (edges.Count < target && guard++ < 50 * target)
        {
            var u = rng.Next(numNodes);
            int v;
            if (rng.NextDouble() < homophily)
            {
                var same = byClass[labels[u]];
                v = same[rng.Next(same.Count)];
            }
            else
            {
                v = rng.Next(numNodes);
            }
            edges.Add(u, v);
        }
        // Topic words: class c owns words [40c, 40c + 40); the rest of the vocabulary is shared noise.
        var features = new float[(long)numNodes * numFeatures];
        for (var n = 0; n < numNodes; n++)
        {
            var words = 12 + rng.Next(13);
            var row = features.AsSpan(n * numFeatures, numFeatures);
            var c = (int)labels[n];
            for (var k = 0; k < words; k++)
            {
                var w = rng.NextDouble() < 0.7 ? 40 * c + rng.Next(40) : rng.Next(numFeatures);
                row[w] = 1;
            }
            var sum = 0f;
            foreach (var x in row) sum += x;
            for (var j = 0; j < row.Length; j++) row[j] /= sum;
        }
        var train = new List<int>();
        foreach (var members in byClass) train.AddRange(members.Take(20));
        var rest = Permutation(numNodes, rng).Where(i => !train.Contains(i)).ToArray();
        return new NodeClassificationData(numNodes, edges, features, numFeatures, labels, numClasses,
            [.. train.Order()], [.. rest[..500].Order()], [.. rest[500..1500].Order()]);
    }

    /// <summary>
    /// A symmetric stochastic block model: <paramref name="blocks"/> communities of <paramref name="blockSize"/>
    /// nodes, each pair joined with probability p/n inside a community and q/n across (n the node count), as
    /// DGL's <c>sbm</c>; pairs are drawn by geometric skipping, so the cost follows the edge count.
    /// </summary>
    public static (UndirectedEdges Edges, long[] Community) StochasticBlockModel(int blocks, int blockSize, double p, double q, Random rng)
    {
        var n = blocks * blockSize;
        var edges = new UndirectedEdges(n);
        var community = new long[n];
        for (var i = 0; i < n; i++) community[i] = i / blockSize;
        for (var a = 0; a < blocks; a++)
            for (var b = a; b < blocks; b++)
            {
                var prob = Math.Clamp((a == b ? p : q) / n, 0, 1);
                if (prob <= 0) continue;
                // Enumerate candidate pairs of the block pair in a fixed order and jump by geometric gaps.
                long pairs = a == b ? (long)blockSize * (blockSize - 1) / 2 : (long)blockSize * blockSize;
                var logq = Math.Log(1 - prob);
                long k = -1;
                // For a diagonal block, k walks the upper triangle row by row; k only grows, so the row advances.
                var row = 0;
                long rowStart = 0;
                while (true)
                {
                    k += prob >= 1 ? 1 : 1 + (long)Math.Floor(Math.Log(1 - rng.NextDouble()) / logq);
                    if (k >= pairs) break;
                    int u, v;
                    if (a == b)
                    {
                        while (k >= rowStart + (blockSize - 1 - row)) { rowStart += blockSize - 1 - row; row++; }
                        u = a * blockSize + row;
                        v = a * blockSize + row + 1 + (int)(k - rowStart);
                    }
                    else
                    {
                        u = a * blockSize + (int)(k / blockSize);
                        v = b * blockSize + (int)(k % blockSize);
                    }
                    edges.Add(u, v);
                }
            }
        return (edges, community);
    }

    internal static int[] Permutation(int n, Random rng)
    {
        var p = new int[n];
        for (var i = 0; i < n; i++) p[i] = i;
        for (var i = n - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
