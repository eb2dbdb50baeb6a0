using Dgl.Sampling;
using Dgl.Tensors;
using Dgl.Tensors.Kernels;

namespace Dgl;

public static partial class Generators
{
    /// <summary>Nodes of ogbn-products, the size <see cref="SyntheticProducts"/> copies at scale 1.</summary>
    public const int ProductsNodes = 2_449_029;

    /// <summary>Directed edges of ogbn-products (61,859,140: each undirected edge once per direction).</summary>
    public const int ProductsEdges = 61_859_140;

    /// <summary>Classes of <see cref="SyntheticProducts"/> (as ogbn-products).</summary>
    public const int ProductsClasses = 47;

    /// <summary>Feature width of <see cref="SyntheticProducts"/> (as ogbn-products).</summary>
    public const int ProductsFeatures = 100;

    // The planted structure (see SyntheticProducts). The degree law was chosen so that GraphSAGE sampling ([15, 10,
    // 5], batch 1024, 8% train seeds) at scale 0.1 does the work DGL's reference run did on its power-law graph of
    // that size: about 129.5K input nodes and 457.5K edges per batch (we get 132K and 458K). The noise levels were
    // chosen so that features alone classify about as well as on ogbn-products (about 60%).
    private const double DegreeExponent = 0.85;
    private const double DegreeOffset = 20;
    private const double ClassExponent = 1.0;
    private const double Homophily = 0.7;
    private const double FeatureNoise = 4.0;
    private const double LabelNoise = 0.15;
    private const double TrainFraction = 0.08;
    private const double ValFraction = 0.016;

    /// <summary>
    /// A synthetic stand-in for ogbn-products: a symmetric power-law graph with 2,449,029 nodes and 61,859,140
    /// directed edges at scale 1 (244,903 and 6,185,914 at scale 0.1), 100-d float features, 47 classes with planted
    /// homophily, and an 8% / 1.6% / 90.4% train / validation / test split.
    /// </summary>
    /// <remarks>
    /// <para><b>Structure</b>: a degree-corrected stochastic block model. Each node belongs to a community (community
    /// <c>c</c> with probability ∝ 1/(c+1), so the largest holds about 22.6% of the nodes) and has a degree weight
    /// <c>(rank + 20)^-0.85</c> (ranks in random order; expected degrees are proportional to the weights: a power-law
    /// tail with exponent 2.2, median degree 10-11, the largest hubs holding a few percent of the nodes). Each
    /// undirected edge picks one end by weight, and the other by weight among the members of the first end's
    /// community with probability 0.7, otherwise among all nodes. Pairs are distinct and self-loops excluded, so the
    /// graph is simple; every edge is stored in both directions, sorted by destination then source (so the in-CSR
    /// shares the COO arrays). A few percent of the nodes draw no edge and stay isolated.</para>
    /// <para><b>Features and labels</b>: <c>feat[v] = centroid[community] + 4·noise</c> (unit normal centroid entries;
    /// unit-variance noise, a sum of four uniforms, close to normal). The label is the community, except for 15% of
    /// the nodes whose label is drawn afresh (irreducible noise, as real labels have). Measured at scale 0.1 on the
    /// test split: the majority class scores 22.5%; the nearest-centroid rule with class priors fitted on the train
    /// split (the linear classifier that is Bayes-optimal for these features alone) 58.0%; the same rule on the mean
    /// of a node's and its neighbours' features 83.3% (edge homophily of the labels: 0.53); no model can pass about
    /// 87% (the label noise).</para>
    /// <para><b>Data</b>: <c>NData["feat"]</c> (float32 [N, 100]), <c>NData["label"]</c> (int64 [N]),
    /// <c>NData["train_mask"]</c>, <c>["val_mask"]</c>, <c>["test_mask"]</c> (bool [N]). Generated in parallel and
    /// deterministically from <paramref name="seed"/> (the same graph on any thread count).</para>
    /// </remarks>
    /// <param name="scale">Fraction of the ogbn-products size (nodes and edges both scale; the mean degree stays 25.3).</param>
    /// <param name="seed">Seed of every random choice.</param>
    /// <exception cref="ArgumentOutOfRangeException">A scale that is not positive, or so small that fewer than 100
    /// nodes would remain, or so large that the edges do not fit 32-bit ids.</exception>
    public static Graph SyntheticProducts(double scale = 1.0, ulong seed = 0)
    {
        if (!(scale > 0) || Math.Round(ProductsNodes * scale) < 100 || ProductsEdges * scale > int.MaxValue - 2)
            throw new ArgumentOutOfRangeException(nameof(scale), $"SyntheticProducts: scale = {scale}; it must give at least 100 nodes and fewer than 2^31 edges (0.0001 to 34)");
        var n = (int)Math.Round(ProductsNodes * scale);
        var numPairs = (int)Math.Round(ProductsEdges * scale / 2);
        var key = RandomStream.Derive(0x5052_4F44_5543_5453UL, (long)seed);

        var community = PlantClasses(n, RandomStream.Derive(key, 1), RandomStream.Derive(key, 6), out var label);
        var weight = DegreeWeights(n, RandomStream.Derive(key, 2));
        var sampler = new WeightedClassSampler(weight, community, ProductsClasses);
        var nn = (ulong)n;
        var pairKey = RandomStream.Derive(key, 3);
        var pairs = GeneratorKernels.DistinctKeys(numPairs, GeneratorKernels.BitsFor(nn * nn), pairKey, (first, count, output, offset) =>
        {
            for (var i = 0; i < count; i++)
            {
                var rng = new RandomStream(pairKey, first + i);
                var u = sampler.DrawAny(ref rng, out var cls);
                var v = rng.NextDouble() < Homophily ? sampler.DrawInClass(cls, ref rng) : sampler.DrawAny(ref rng, out _);
                output[offset + i] = u == v ? ulong.MaxValue : u < v ? (ulong)u * nn + (ulong)v : (ulong)v * nn + (ulong)u;
            }
        }, firstOversample: 1.03);
        var (src, dst) = GeneratorKernels.SymmetricCoo(pairs, n);
        var g = Graph.FromCoo(src, dst, n);

        g.NData["feat"] = PlantFeatures(community, RandomStream.Derive(key, 4));
        g.NData["label"] = Tensor.FromArray(Array.ConvertAll(label, c => (long)c));
        var order = GeneratorKernels.Permutation(n, RandomStream.Derive(key, 5));
        var numTrain = (int)Math.Round(TrainFraction * n);
        var numVal = (int)Math.Round(ValFraction * n);
        var train = new bool[n];
        var val = new bool[n];
        var test = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var v = order[i];
            if (i < numTrain) train[v] = true;
            else if (i < numTrain + numVal) val[v] = true;
            else test[v] = true;
        }
        g.NData["train_mask"] = Tensor.FromArray(train);
        g.NData["val_mask"] = Tensor.FromArray(val);
        g.NData["test_mask"] = Tensor.FromArray(test);
        return g;
    }

    /// <summary>
    /// Community of each node: class c with probability ∝ (c+1)^-ClassExponent, independently. The observed label is
    /// the community, except with probability LabelNoise a class drawn afresh from the same distribution.
    /// </summary>
    private static int[] PlantClasses(int n, ulong key, ulong noiseKey, out int[] label)
    {
        var cdf = new double[ProductsClasses];
        double total = 0;
        for (var c = 0; c < ProductsClasses; c++) cdf[c] = total += Math.Pow(c + 1, -ClassExponent);
        for (var c = 0; c < ProductsClasses; c++) cdf[c] /= total;
        var community = new int[n];
        var observed = new int[n];
        Parallelism.For(n, 1 << 14, (s, e) =>
        {
            for (var v = s; v < e; v++)
            {
                community[v] = Inverse(RandomStream.UniformAt(key, v));
                var rng = new RandomStream(noiseKey, v);
                observed[v] = rng.NextDouble() < LabelNoise ? Inverse(rng.NextDouble()) : community[v];
            }
        });
        label = observed;
        return community;

        int Inverse(double u)
        {
            var c = 0;
            while (c < ProductsClasses - 1 && u >= cdf[c]) c++;
            return c;
        }
    }

    /// <summary>Degree weight of each node: (rank + DegreeOffset)^-DegreeExponent with the ranks in random order.</summary>
    private static double[] DegreeWeights(int n, ulong key)
    {
        var rankOf = GeneratorKernels.Permutation(n, key);
        var w = new double[n];
        Parallelism.For(n, 1 << 14, (s, e) =>
        {
            for (var r = s; r < e; r++) w[rankOf[r]] = Math.Pow(r + DegreeOffset, -DegreeExponent);
        });
        return w;
    }

    /// <summary>feat[v] = centroid[community[v]] + FeatureNoise · noise (unit variance, about normal), each row from its own stream.</summary>
    private static Tensor PlantFeatures(int[] community, ulong key)
    {
        const int d = ProductsFeatures;
        // Four uniforms on 0..65535 sum to variance 4·(65536² − 1)/12; scale that to FeatureNoise².
        const double NoiseScale = FeatureNoise / 37837.23;
        var centroid = new float[ProductsClasses * d];
        var crng = new RandomStream(RandomStream.Derive(key, -1));
        for (var i = 0; i < centroid.Length; i++) centroid[i] = (float)crng.NextNormal();
        var n = community.Length;
        var feat = GC.AllocateUninitializedArray<float>(checked(n * d));
        Parallelism.For(n, 1 << 12, (s, e) =>
        {
            for (var v = s; v < e; v++)
            {
                var rng = new RandomStream(key, v);
                var row = feat.AsSpan(v * d, d);
                var c = centroid.AsSpan(community[v] * d, d);
                for (var j = 0; j < d; j++)
                {
                    // Approximately normal noise from one draw: the sum of four 16-bit uniforms (Irwin–Hall), centred
                    // and scaled to unit variance. Box–Muller's log and sine cost 6 s at full scale; this costs 1.
                    var bits = rng.NextUInt64();
                    var sum = (int)(bits & 0xFFFF) + (int)((bits >> 16) & 0xFFFF) + (int)((bits >> 32) & 0xFFFF) + (int)(bits >> 48);
                    row[j] = c[j] + (float)((sum - 2 * 65535.0) * NoiseScale);
                }
            }
        });
        return Tensor.FromArray(feat, [n, d]);
    }

    /// <summary>
    /// Draws nodes with probability proportional to their weight, from all nodes or from one class, in O(1) per
    /// draw: the nodes grouped by class, one alias table (Walker/Vose) per class over its members, and one over the
    /// class totals. A slot holds its keep probability and both node ids it can yield, so that a draw reads one
    /// cache line: the generator is bound by memory latency, two random reads per edge.
    /// </summary>
    private sealed class WeightedClassSampler
    {
        private readonly Slot[] _slots;
        private readonly int[] _start;
        private readonly float[] _classKeep;
        private readonly int[] _classAlias;

        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
        private struct Slot
        {
            public float Keep;
            public int Self;
            public int Alias;
        }

        public WeightedClassSampler(double[] weight, int[] community, int classes)
        {
            var n = weight.Length;
            _start = new int[classes + 1];
            foreach (var c in community) _start[c + 1]++;
            for (var c = 0; c < classes; c++) _start[c + 1] += _start[c];
            var members = new int[n];
            var cursor = (int[])_start.Clone();
            for (var v = 0; v < n; v++) members[cursor[community[v]]++] = v;
            var keep = new float[n];
            var alias = new int[n];
            var classTotal = new double[classes];
            var w = new double[n];
            for (var i = 0; i < n; i++) w[i] = weight[members[i]];
            for (var c = 0; c < classes; c++)
            {
                var len = _start[c + 1] - _start[c];
                double total = 0;
                for (var i = _start[c]; i < _start[c + 1]; i++) total += w[i];
                classTotal[c] = total;
                BuildAlias(w.AsSpan(_start[c], len), keep.AsSpan(_start[c], len), alias.AsSpan(_start[c], len), _start[c]);
            }
            _slots = new Slot[n];
            for (var i = 0; i < n; i++) _slots[i] = new Slot { Keep = keep[i], Self = members[i], Alias = members[alias[i]] };
            _classKeep = new float[classes];
            _classAlias = new int[classes];
            BuildAlias(classTotal, _classKeep, _classAlias, 0);
        }

        /// <summary>A node drawn by weight among all nodes, and its class.</summary>
        public int DrawAny(ref RandomStream rng, out int cls)
        {
            var c = rng.NextInt(_classKeep.Length);
            if (rng.NextDouble() >= _classKeep[c]) c = _classAlias[c];
            cls = c;
            return DrawInClass(c, ref rng);
        }

        /// <summary>A node drawn by weight among the nodes of class <paramref name="c"/>.</summary>
        public int DrawInClass(int c, ref RandomStream rng)
        {
            var lo = _start[c];
            ref readonly var slot = ref _slots[lo + rng.NextInt(_start[c + 1] - lo)];
            return rng.NextDouble() < slot.Keep ? slot.Self : slot.Alias;
        }

        /// <summary>Vose's alias method: slot i keeps itself with probability keep[i], else takes alias[i] (offset added).</summary>
        private static void BuildAlias(ReadOnlySpan<double> w, Span<float> keep, Span<int> alias, int offset)
        {
            var len = w.Length;
            if (len == 0) return;
            double total = 0;
            foreach (var x in w) total += x;
            var scaled = new double[len];
            var small = new int[len];
            var large = new int[len];
            int ns = 0, nl = 0;
            for (var i = 0; i < len; i++)
            {
                scaled[i] = w[i] * len / total;
                if (scaled[i] < 1) small[ns++] = i;
                else large[nl++] = i;
            }
            while (ns > 0 && nl > 0)
            {
                var s = small[--ns];
                var l = large[--nl];
                keep[s] = (float)scaled[s];
                alias[s] = l + offset;
                scaled[l] = scaled[l] + scaled[s] - 1;
                if (scaled[l] < 1) small[ns++] = l;
                else large[nl++] = l;
            }
            while (nl > 0)
            {
                var l = large[--nl];
                keep[l] = 1;
                alias[l] = l + offset;
            }
            while (ns > 0)
            {
                var s = small[--ns];
                keep[s] = 1;
                alias[s] = s + offset;
            }
        }
    }
}
