using System.Collections;

namespace Dgl.Data;

/// <summary>
/// Turns a node-level data set into a node-classification task, as DGL's <c>AsNodePredDataset</c>: one graph with
/// <c>label</c> and <c>train_mask</c>/<c>val_mask</c>/<c>test_mask</c> on the target node type, and the split as index
/// arrays. With <c>splitRatio</c> the masks are drawn (seeded) from a random permutation; without it the data set's
/// own masks are used.
/// </summary>
/// <example>
/// <code>
/// var ds = new AsNodePredDataset(new AmazonCoBuyPhotoDataset(), splitRatio: (0.1, 0.1, 0.8), seed: 0);
/// var train = ds.TrainIdx;      // int32 node ids
/// </code>
/// </example>
public sealed class AsNodePredDataset : GraphDataset
{
    /// <summary>Wraps <paramref name="dataset"/> (its first graph is cloned: structure shared, new masks on the copy only).</summary>
    /// <param name="dataset">The node-level data set.</param>
    /// <param name="splitRatio">Train, validation and test fractions; null to keep the data set's masks.</param>
    /// <param name="targetNodeType">The labelled node type of a heterogeneous graph (default: the data set's
    /// <see cref="GraphDataset.PredictCategory"/>, or the only type).</param>
    /// <param name="seed">Seed of the random split.</param>
    /// <exception cref="ArgumentException">The graph has no <c>label</c>, or no masks and no split ratio.</exception>
    public AsNodePredDataset(GraphDataset dataset, (double Train, double Val, double Test)? splitRatio = null, string? targetNodeType = null, int seed = 0)
        : this(Build(dataset, splitRatio, targetNodeType, seed))
    {
    }

    private AsNodePredDataset((string Name, Graph G, int? Classes, string NType, string? Category, int[] Train, int[] Val, int[] Test) x)
        : base(x.Name, [x.G], x.Classes, x.Category)
    {
        TargetNodeType = x.NType;
        TrainIdx = Tensor.FromArray(x.Train);
        ValIdx = Tensor.FromArray(x.Val);
        TestIdx = Tensor.FromArray(x.Test);
    }

    /// <summary>The node type the labels and masks belong to.</summary>
    public string TargetNodeType { get; }

    /// <summary>Training node ids (int32).</summary>
    public Tensor TrainIdx { get; }

    /// <summary>Validation node ids (int32).</summary>
    public Tensor ValIdx { get; }

    /// <summary>Test node ids (int32).</summary>
    public Tensor TestIdx { get; }

    private static (string, Graph, int?, string, string?, int[], int[], int[]) Build(GraphDataset dataset, (double, double, double)? ratio, string? ntype, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var g = dataset[0].Clone();
        var target = ntype ?? dataset.PredictCategory ?? (g.NodeTypes.Count == 1 ? g.NodeTypes[0]
            : throw new ArgumentException($"AsNodePredDataset: the graph has node types {string.Join(", ", g.NodeTypes)}; name the labelled one with targetNodeType", nameof(ntype)));
        var data = g.Nodes[target].Data;
        if (!data.ContainsKey("label"))
            throw new ArgumentException($"AsNodePredDataset: nodes of type '{target}' have no 'label' (they have {string.Join(", ", data.Keys)})", nameof(dataset));
        var n = g.NumNodes(target);
        if (ratio is { } r)
        {
            CheckRatio(r, "AsNodePredDataset");
            var perm = Generators.Permutation(n, new Random(seed));
            int nTrain = (int)(n * r.Item1), nVal = (int)(n * r.Item2);
            data["train_mask"] = Records.Mask(n, perm[..nTrain]);
            data["val_mask"] = Records.Mask(n, perm[nTrain..(nTrain + nVal)]);
            data["test_mask"] = Records.Mask(n, perm[(nTrain + nVal)..]);
        }
        foreach (var m in new[] { "train_mask", "val_mask", "test_mask" })
            if (!data.ContainsKey(m))
                throw new ArgumentException($"AsNodePredDataset: '{m}' is not provided by {dataset.Name}; give splitRatio to generate the masks", nameof(ratio));
        int[] Ids(string m) => [.. data[m].Bool().ToArray<bool>().Select((b, i) => (b, i)).Where(x => x.b).Select(x => x.i)];
        var classes = dataset.NumClasses ?? (int)(data["label"].Long().ToArray<long>().DefaultIfEmpty(-1).Max() + 1);
        return (dataset.Name, g, classes, target, dataset.PredictCategory, Ids("train_mask"), Ids("val_mask"), Ids("test_mask"));
    }

    internal static void CheckRatio((double Train, double Val, double Test) r, string op)
    {
        if (r.Train < 0 || r.Val < 0 || r.Test < 0 || Math.Abs(r.Train + r.Val + r.Test - 1) > 1e-6)
            throw new ArgumentException($"{op}: split ratio ({r.Train}, {r.Val}, {r.Test}) must be three non-negative fractions adding up to 1", nameof(r));
    }
}

/// <summary>
/// Turns a one-graph data set into a link-prediction task, as DGL's <c>AsLinkPredDataset</c>: the edges are split
/// (seeded) into training, validation and test positives; <see cref="TrainGraph"/> keeps only the training edges (and
/// all node data); validation and test get <c>negRatio</c> times as many negative pairs, drawn uniformly among node
/// pairs that are neither edges nor self-loops. OGB link sets use their own split instead.
/// </summary>
public sealed class AsLinkPredDataset : GraphDataset
{
    /// <summary>Splits the edges of <paramref name="dataset"/>'s first graph (homogeneous).</summary>
    /// <param name="dataset">The data set; an <see cref="OgbLinkPropPredDataset"/> keeps OGB's split when no ratio is given.</param>
    /// <param name="splitRatio">Train, validation and test fractions of the edges.</param>
    /// <param name="negRatio">Negatives per positive validation/test edge.</param>
    /// <param name="seed">Seed of the split and the negative sampling.</param>
    public AsLinkPredDataset(GraphDataset dataset, (double Train, double Val, double Test)? splitRatio = null, int negRatio = 3, int seed = 0)
        : this(Build(dataset, splitRatio, negRatio, seed))
    {
    }

    private AsLinkPredDataset((string Name, Graph Train, EdgePairs Val, EdgePairs Test) x) : base(x.Name, [x.Train])
    {
        ValEdges = x.Val;
        TestEdges = x.Test;
    }

    /// <summary>The graph of training edges (all nodes and node data).</summary>
    public Graph TrainGraph => this[0];

    /// <summary>Validation positives and negatives.</summary>
    public EdgePairs ValEdges { get; }

    /// <summary>Test positives and negatives.</summary>
    public EdgePairs TestEdges { get; }

    private static (string, Graph, EdgePairs, EdgePairs) Build(GraphDataset dataset, (double, double, double)? ratio, int negRatio, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegative(negRatio);
        var g = dataset[0];
        if (!g.IsHomogeneous) throw new ArgumentException($"AsLinkPredDataset: {dataset.Name} is heterogeneous; convert it with ToHomogeneous first", nameof(dataset));
        if (ratio is null)
        {
            if (dataset is not OgbLinkPropPredDataset ogb)
                throw new ArgumentException($"AsLinkPredDataset: {dataset.Name} has no edge split; give splitRatio", nameof(ratio));
            var split = ogb.GetEdgeSplit();
            EdgePairs Pairs(string part) => new(Cols(split[part]["edge"]), Cols(split[part]["edge_neg"]));
            return (dataset.Name, g, Pairs("valid"), Pairs("test"));
        }
        AsNodePredDataset.CheckRatio(ratio.Value, "AsLinkPredDataset");
        var e = g.AllEdges("eid");
        var src = e.Src.Int().ToArray<int>();
        var dst = e.Dst.Int().ToArray<int>();
        var m = src.Length;
        var rng = new Random(seed);
        var perm = Generators.Permutation(m, rng);
        int nTrain = (int)(m * ratio.Value.Item1), nVal = (int)(m * ratio.Value.Item2);
        var n = g.NumNodes();
        var existing = new HashSet<long>(m, EdgeKey.Comparer);
        for (var k = 0; k < m; k++) existing.Add(((long)src[k] << 32) | (uint)dst[k]);
        var (negSrc, negDst) = Negatives(n, negRatio * (m - nTrain), existing, rng);
        var negVal = negRatio * nVal;
        int[] Take(int[] a, int[] idx) => [.. idx.Select(i => a[i])];
        var trainIdx = perm[..nTrain];
        var valIdx = perm[nTrain..(nTrain + nVal)];
        var testIdx = perm[(nTrain + nVal)..];
        var train = Graph.Create(Take(src, trainIdx), Take(dst, trainIdx), n);
        foreach (var (k, v) in g.NData) train.NData[k] = v;
        var val = new EdgePairs((Tensor.FromArray(Take(src, valIdx)), Tensor.FromArray(Take(dst, valIdx))), (Tensor.FromArray(negSrc[..negVal]), Tensor.FromArray(negDst[..negVal])));
        var test = new EdgePairs((Tensor.FromArray(Take(src, testIdx)), Tensor.FromArray(Take(dst, testIdx))), (Tensor.FromArray(negSrc[negVal..]), Tensor.FromArray(negDst[negVal..])));
        return (dataset.Name, train, val, test);
    }

    private static (Tensor, Tensor) Cols(Tensor edges)
    {
        var l = edges.Long();
        var n = l.Size(0);
        var s = new int[n];
        var d = new int[n];
        var v = l.AsSpan<long>();
        for (var i = 0; i < n; i++) { s[i] = (int)v[2 * i]; d[i] = (int)v[2 * i + 1]; }
        return (Tensor.FromArray(s), Tensor.FromArray(d));
    }

    /// <summary>Uniform node pairs that are not edges, not self-loops and not repeated.</summary>
    private static (int[] Src, int[] Dst) Negatives(int n, int count, HashSet<long> existing, Random rng)
    {
        var possible = (long)n * n - n - existing.Count;
        if (count > possible)
            throw new ArgumentException($"AsLinkPredDataset: {count} negative pairs were requested but the graph has only {possible} non-edges; lower negRatio", nameof(count));
        var seen = new HashSet<long>(count, EdgeKey.Comparer);
        var s = new int[count];
        var d = new int[count];
        for (var k = 0; k < count;)
        {
            var u = rng.Next(n);
            var v = rng.Next(n);
            var key = ((long)u << 32) | (uint)v;
            if (u == v || existing.Contains(key) || !seen.Add(key)) continue;
            s[k] = u;
            d[k] = v;
            k++;
        }
        return (s, d);
    }
}

/// <summary>Positive and negative node pairs for link-prediction evaluation: (src, dst) int32 tensors each.</summary>
public sealed record EdgePairs((Tensor Src, Tensor Dst) Positive, (Tensor Src, Tensor Dst) Negative);

/// <summary>
/// Adds a train/validation/test split to a graph-level data set, as DGL's <c>AsGraphPredDataset</c>: the data set's
/// own split when it has one (OGB), otherwise a seeded random split by <c>splitRatio</c>.
/// </summary>
public sealed class AsGraphPredDataset : IReadOnlyList<(Graph Graph, Tensor Label)>
{
    private readonly GraphClassificationDataset _dataset;

    /// <summary>Wraps <paramref name="dataset"/>.</summary>
    /// <exception cref="ArgumentException">No split ratio and the data set defines no split.</exception>
    public AsGraphPredDataset(GraphClassificationDataset dataset, (double Train, double Val, double Test)? splitRatio = null, int seed = 0)
    {
        _dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        if (splitRatio is null)
        {
            var split = dataset.Split ?? throw new ArgumentException($"AsGraphPredDataset: {dataset.Name} has no default train/valid/test split; give splitRatio", nameof(splitRatio));
            (TrainIdx, ValIdx, TestIdx) = (split["train"], split["valid"], split["test"]);
        }
        else
        {
            AsNodePredDataset.CheckRatio(splitRatio.Value, "AsGraphPredDataset");
            var n = dataset.Count;
            var perm = Generators.Permutation(n, new Random(seed));
            int nTrain = (int)(n * splitRatio.Value.Train), nVal = (int)(n * splitRatio.Value.Val);
            (TrainIdx, ValIdx, TestIdx) = (perm[..nTrain], perm[nTrain..(nTrain + nVal)], perm[(nTrain + nVal)..]);
        }
    }

    /// <summary>The wrapped data set's name.</summary>
    public string Name => _dataset.Name;

    /// <summary>Training graph indices.</summary>
    public IReadOnlyList<int> TrainIdx { get; }

    /// <summary>Validation graph indices.</summary>
    public IReadOnlyList<int> ValIdx { get; }

    /// <summary>Test graph indices.</summary>
    public IReadOnlyList<int> TestIdx { get; }

    /// <summary>The number of classes, or null for regression.</summary>
    public int? NumClasses => _dataset.NumClasses;

    /// <summary>The number of prediction targets per graph.</summary>
    public int NumTasks => _dataset.NumTasks;

    /// <summary>The number of graphs.</summary>
    public int Count => _dataset.Count;

    /// <summary>Graph <paramref name="index"/> and its label.</summary>
    public (Graph Graph, Tensor Label) this[int index] => _dataset[index];

    /// <inheritdoc/>
    public IEnumerator<(Graph Graph, Tensor Label)> GetEnumerator() => _dataset.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
