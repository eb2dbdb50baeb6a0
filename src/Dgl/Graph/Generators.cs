using Dgl.Sampling;
using Dgl.Tensors;
using Dgl.Tensors.Kernels;

namespace Dgl;

/// <summary>
/// Random and deterministic graph generators: G(n, m) (DGL's <c>dgl.rand_graph</c>), R-MAT power-law graphs,
/// Barabási–Albert preferential attachment, stochastic block models, 2-D grids, stars, complete graphs, paths and
/// cycles — plus a synthetic stand-in for ogbn-products (<see cref="SyntheticProducts"/>).
/// </summary>
/// <remarks>
/// <para><b>Randomness.</b> A generator that takes a <see cref="Generator"/> draws one 64-bit key from it (the
/// default generator when none is given) and derives every random number from that key and the position of the
/// draw (counter-based), so the same generator state gives the same graph on any number of threads.</para>
/// <para><b>Undirected generators</b> (Barabási–Albert, stochastic block model without <c>directed</c>, grid, star,
/// complete, bidirected path and cycle) return each undirected edge as two directed edges, as DGL does for an
/// undirected networkx graph: first the <c>M</c> edges <c>u→v</c> in generation order, then the <c>M</c> reverse
/// edges in the same order, so the reverse of edge <c>e</c> is <c>(e + M) mod 2M</c> (the layout
/// <c>dgl.add_reverse_edges</c> makes, and the <c>reverse_eids</c> an edge-prediction sampler wants).</para>
/// </remarks>
public static partial class Generators
{
    /// <summary>
    /// A random graph with <paramref name="numNodes"/> nodes and exactly <paramref name="numEdges"/> distinct
    /// directed edges chosen uniformly among all node pairs (Erdős–Rényi G(n, m); DGL's <c>dgl.rand_graph</c>).
    /// </summary>
    /// <param name="numNodes">Node count.</param>
    /// <param name="numEdges">Edge count, at most the number of possible pairs.</param>
    /// <param name="selfLoops">Whether pairs <c>(v, v)</c> may be chosen (DGL's <c>rand_graph</c> allows them).</param>
    /// <param name="generator">Source of the random key (default: <see cref="Generator.Default"/>).</param>
    /// <returns>A homogeneous graph whose edges are sorted by destination, then source (unlike DGL, whose edge order
    /// is random; the set of edges has the same distribution).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative count, or more edges than pairs.</exception>
    public static Graph RandomGraph(int numNodes, int numEdges, bool selfLoops = true, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numNodes);
        ArgumentOutOfRangeException.ThrowIfNegative(numEdges);
        var n = (long)numNodes;
        var pairs = selfLoops ? n * n : n * (n - 1);
        if (numEdges > pairs)
            throw new ArgumentOutOfRangeException(nameof(numEdges), $"RandomGraph: {numEdges} edges do not fit among {numNodes} nodes, which have {pairs} possible pairs{(selfLoops ? "" : " without self-loops")}");
        var key = RandomStream.KeyFrom(generator);
        var bits = GeneratorKernels.BitsFor((ulong)(n * n));
        var nn = (ulong)n;
        // A pair index k in [0, pairs) → the key dst·n + src (skipping the diagonal without self-loops).
        ulong PairKey(long k)
        {
            if (selfLoops) return (ulong)k;
            var d = k / (n - 1);
            var r = k % (n - 1);
            return (ulong)d * nn + (ulong)(r < d ? r : r + 1);
        }
        ulong[] keys;
        if (numEdges <= pairs / 2)
        {
            keys = GeneratorKernels.DistinctKeys(numEdges, bits, key, (first, count, output, offset) =>
            {
                for (var i = 0; i < count; i++)
                {
                    var rng = new RandomStream(key, first + i);
                    output[offset + i] = PairKey(rng.NextLong(pairs));
                }
            });
        }
        else
        {
            // Dense: choose the pairs to leave out, then list every other pair in order.
            var missing = GeneratorKernels.DistinctKeys(pairs - numEdges, bits, key, (first, count, output, offset) =>
            {
                for (var i = 0; i < count; i++)
                {
                    var rng = new RandomStream(key, first + i);
                    output[offset + i] = PairKey(rng.NextLong(pairs));
                }
            });
            keys = new ulong[numEdges];
            var w = 0;
            var m = 0;
            for (long k = 0; k < pairs; k++)
            {
                var pk = PairKey(k);
                if (m < missing.Length && missing[m] == pk)
                {
                    m++;
                    continue;
                }
                keys[w++] = pk;
            }
        }
        var (src, dst) = GeneratorKernels.CooFromDstKeys(keys, numNodes);
        return Graph.FromCoo(src, dst, numNodes);
    }

    /// <summary>
    /// An R-MAT (recursive matrix) power-law graph (Chakrabarti et al. 2004; the Graph500 generator): each of the
    /// <paramref name="numEdges"/> edges picks its (source, destination) cell by descending the adjacency matrix
    /// one bit per level, choosing the quadrant top-left, top-right, bottom-left or bottom-right with probabilities
    /// <paramref name="a"/>, <paramref name="b"/>, <paramref name="c"/> and <c>d = 1 − a − b − c</c>.
    /// </summary>
    /// <param name="numNodes">Node count; cells with an id at or above it (when it is not a power of two) are drawn again.</param>
    /// <param name="numEdges">Edge count. Duplicate edges and self-loops are kept, as in Graph500.</param>
    /// <param name="a">Top-left quadrant probability (default 0.57, Graph500's).</param>
    /// <param name="b">Top-right quadrant probability (0.19).</param>
    /// <param name="c">Bottom-left quadrant probability (0.19).</param>
    /// <param name="permute">Relabel nodes by a random permutation, so that the high-degree nodes are not the low ids.</param>
    /// <param name="generator">Source of the random key.</param>
    /// <returns>A homogeneous graph with edges in generation order. Made in parallel: 62M edges take a few seconds.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A probability outside [0, 1] or a, b, c summing above 1.</exception>
    public static Graph Rmat(int numNodes, int numEdges, double a = 0.57, double b = 0.19, double c = 0.19, bool permute = true, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numNodes);
        ArgumentOutOfRangeException.ThrowIfNegative(numEdges);
        foreach (var (p, name) in new[] { (a, nameof(a)), (b, nameof(b)), (c, nameof(c)) })
            if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(name, $"Rmat: probability {name} = {p} must lie in [0, 1]");
        if (a + b + c > 1 + 1e-12)
            throw new ArgumentOutOfRangeException(nameof(c), $"Rmat: a + b + c = {a + b + c:G6} exceeds 1 (d = 1 - a - b - c must be >= 0)");
        var key = RandomStream.KeyFrom(generator);
        var levels = GeneratorKernels.BitsFor((ulong)numNodes);
        // Quadrant thresholds on 16 random bits per level (probabilities resolved to 1/65536).
        var ta = (int)Math.Round(a * 65536);
        var tab = (int)Math.Round((a + b) * 65536);
        var tabc = (int)Math.Round((a + b + c) * 65536);
        var perm = permute ? GeneratorKernels.Permutation(numNodes, RandomStream.Derive(key, -1)) : null;
        var src = GC.AllocateUninitializedArray<int>(numEdges);
        var dst = GC.AllocateUninitializedArray<int>(numEdges);
        const int chunk = 1 << 16;
        Parallelism.ForChunks((numEdges + chunk - 1) / chunk, ch =>
        {
            var end = Math.Min(numEdges, (ch + 1) * chunk);
            for (var e = ch * chunk; e < end; e++)
            {
                var rng = new RandomStream(key, e);
                int u, v;
                do
                {
                    u = 0;
                    v = 0;
                    ulong bits = 0;
                    for (var l = 0; l < levels; l++)
                    {
                        if ((l & 3) == 0) bits = rng.NextUInt64();
                        var r = (int)(bits & 0xFFFF);
                        bits >>= 16;
                        // Branch-free quadrant choice (the branches would mispredict half the time): with
                        // ge(t) = (r >= t), the row bit is ge(a+b) and the column bit ge(a) ^ ge(a+b) ^ ge(a+b+c).
                        var geA = (int)((uint)(ta - 1 - r) >> 31);
                        var geAb = (int)((uint)(tab - 1 - r) >> 31);
                        var geAbc = (int)((uint)(tabc - 1 - r) >> 31);
                        u = (u << 1) | geAb;
                        v = (v << 1) | (geA ^ geAb ^ geAbc);
                    }
                }
                while (u >= numNodes || v >= numNodes);
                src[e] = perm is null ? u : perm[u];
                dst[e] = perm is null ? v : perm[v];
            }
        });
        return Graph.FromCoo(src, dst, numNodes);
    }

    /// <summary>
    /// A Barabási–Albert preferential-attachment graph (networkx's <c>barabasi_albert_graph</c>): it starts from a
    /// star of <paramref name="m"/> + 1 nodes, then each new node joins <paramref name="m"/> distinct existing nodes
    /// chosen with probability proportional to their degree. Undirected (both directions; see the class remarks).
    /// </summary>
    /// <param name="numNodes">Node count (more than <paramref name="m"/>).</param>
    /// <param name="m">Edges each new node brings (at least 1).</param>
    /// <param name="generator">Source of the random key.</param>
    public static Graph BarabasiAlbert(int numNodes, int m, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        if (numNodes <= m)
            throw new ArgumentOutOfRangeException(nameof(numNodes), $"BarabasiAlbert: numNodes = {numNodes} must exceed m = {m}");
        var rng = new RandomStream(RandomStream.KeyFrom(generator));
        var total = m + (long)(numNodes - m - 1) * m;
        var us = new int[total];
        var vs = new int[total];
        // Each node appears in `repeated` once per unit of degree, so a uniform pick from it is a degree-weighted pick.
        var repeated = new int[2 * total];
        var len = 0;
        var e = 0;
        for (var i = 1; i <= m; i++)
        {
            us[e] = 0;
            vs[e++] = i;
            repeated[len++] = 0;
            repeated[len++] = i;
        }
        var targets = new int[m];
        for (var source = m + 1; source < numNodes; source++)
        {
            var chosen = 0;
            while (chosen < m)
            {
                var t = repeated[rng.NextInt(len)];
                if (Array.IndexOf(targets, t, 0, chosen) >= 0) continue;
                targets[chosen++] = t;
            }
            for (var i = 0; i < m; i++)
            {
                us[e] = source;
                vs[e++] = targets[i];
            }
            for (var i = 0; i < m; i++) repeated[len++] = targets[i];
            for (var i = 0; i < m; i++) repeated[len++] = source;
        }
        return Bidirected(us, vs, numNodes);
    }

    /// <summary>
    /// A stochastic block model (networkx's <c>stochastic_block_model</c>): nodes come in blocks of the given
    /// sizes (block <c>i</c> holds consecutive ids), and each pair of nodes in blocks <c>i</c>, <c>j</c> is joined
    /// independently with probability <c>probs[i, j]</c> (by geometric skipping: time in proportion to the edges).
    /// Stores the block of each node in <c>NData["block"]</c> (int64).
    /// </summary>
    /// <param name="sizes">Block sizes.</param>
    /// <param name="probs">Edge probabilities between blocks (k × k; symmetric unless <paramref name="directed"/>).</param>
    /// <param name="directed">Draw each ordered pair independently; otherwise each unordered pair once, returned in
    /// both directions (see the class remarks; self-loops, when allowed, come last and once).</param>
    /// <param name="selfLoops">Allow edges <c>(v, v)</c> (drawn with probability <c>probs[i, i]</c>).</param>
    /// <param name="generator">Source of the random key.</param>
    /// <exception cref="ArgumentException">The matrix is not k × k, a probability is outside [0, 1], or it is
    /// not symmetric for an undirected model.</exception>
    public static Graph StochasticBlockModel(IReadOnlyList<int> sizes, double[,] probs, bool directed = false, bool selfLoops = false, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(probs);
        var k = sizes.Count;
        if (probs.GetLength(0) != k || probs.GetLength(1) != k)
            throw new ArgumentException($"StochasticBlockModel: probs is {probs.GetLength(0)} x {probs.GetLength(1)} but there are {k} blocks", nameof(probs));
        var start = new int[k + 1];
        for (var i = 0; i < k; i++)
        {
            if (sizes[i] < 0) throw new ArgumentOutOfRangeException(nameof(sizes), $"StochasticBlockModel: block {i} has size {sizes[i]}; sizes must be >= 0");
            start[i + 1] = checked(start[i] + sizes[i]);
        }
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var p = probs[i, j];
                if (!(p >= 0 && p <= 1)) throw new ArgumentException($"StochasticBlockModel: probs[{i}, {j}] = {p} must lie in [0, 1]", nameof(probs));
                if (!directed && p != probs[j, i])
                    throw new ArgumentException($"StochasticBlockModel: probs[{i}, {j}] = {p} but probs[{j}, {i}] = {probs[j, i]}; an undirected model needs a symmetric matrix (or pass directed: true)", nameof(probs));
            }
        }
        var n = start[k];
        var key = RandomStream.KeyFrom(generator);
        var us = new List<int>();
        var vs = new List<int>();
        var loops = new List<int>();
        for (var bi = 0; bi < k; bi++)
        {
            for (var bj = directed ? 0 : bi; bj < k; bj++)
            {
                var p = probs[bi, bj];
                if (p <= 0) continue;
                var rng = new RandomStream(key, (long)bi * k + bj);
                var logQ = p < 1 ? Math.Log(1 - p) : 0;
                for (var u = start[bi]; u < start[bi + 1]; u++)
                {
                    // Candidates of row u: the nodes of block bj after u (undirected, same block) or all of them.
                    var lo = !directed && bi == bj ? u + (selfLoops ? 0 : 1) : start[bj];
                    var hi = start[bj + 1];
                    // Gaps between successes are geometric; restarting at each row is exact (memoryless).
                    for (long v = lo - 1; ;)
                    {
                        v += p >= 1 ? 1 : 1 + (long)Math.Floor(Math.Log(rng.NextDoubleNonZero()) / logQ);
                        if (v >= hi) break;
                        var vv = (int)v;
                        if (vv == u)
                        {
                            if (selfLoops) loops.Add(u);
                            continue;
                        }
                        us.Add(u);
                        vs.Add(vv);
                    }
                }
            }
        }
        Graph g;
        if (directed)
        {
            var src = new int[us.Count + loops.Count];
            var dst = new int[src.Length];
            us.CopyTo(src);
            vs.CopyTo(dst);
            loops.CopyTo(src, us.Count);
            loops.CopyTo(dst, us.Count);
            g = Graph.FromCoo(src, dst, n);
        }
        else
        {
            g = Bidirected([.. us], [.. vs], n, [.. loops]);
        }
        var block = new long[n];
        for (var i = 0; i < k; i++) block.AsSpan(start[i], sizes[i]).Fill(i);
        g.NData["block"] = Tensor.FromArray(block);
        return g;
    }

    /// <summary>
    /// A 2-D grid (networkx's <c>grid_2d_graph</c>): node <c>r·cols + c</c> is joined to its right and lower
    /// neighbours, in both directions (see the class remarks).
    /// </summary>
    /// <param name="rows">Rows.</param>
    /// <param name="cols">Columns.</param>
    /// <param name="periodic">Also join the last row to the first and the last column to the first (a torus; only
    /// along a dimension longer than 2, as networkx does, so that no edge repeats).</param>
    public static Graph Grid2D(int rows, int cols, bool periodic = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        var n = checked(rows * cols);
        var us = new List<int>();
        var vs = new List<int>();
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                var v = r * cols + c;
                if (c + 1 < cols)
                {
                    us.Add(v);
                    vs.Add(v + 1);
                }
                else if (periodic && cols > 2)
                {
                    us.Add(v);
                    vs.Add(r * cols);
                }
                if (r + 1 < rows)
                {
                    us.Add(v);
                    vs.Add(v + cols);
                }
                else if (periodic && rows > 2)
                {
                    us.Add(v);
                    vs.Add(c);
                }
            }
        }
        return Bidirected([.. us], [.. vs], n);
    }

    /// <summary>A star (networkx's <c>star_graph</c>): hub 0 joined to leaves 1..<paramref name="numLeaves"/>.</summary>
    /// <param name="numLeaves">Leaves (the graph has numLeaves + 1 nodes).</param>
    /// <param name="bidirected">Both directions (default); otherwise hub → leaf only.</param>
    public static Graph Star(int numLeaves, bool bidirected = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numLeaves);
        var us = new int[numLeaves];
        var vs = new int[numLeaves];
        for (var i = 0; i < numLeaves; i++) vs[i] = i + 1;
        return bidirected ? Bidirected(us, vs, numLeaves + 1) : Graph.FromCoo(us, vs, numLeaves + 1);
    }

    /// <summary>The complete graph: every ordered pair <c>u ≠ v</c> (pairs u &lt; v first, then their reverses).</summary>
    public static Graph Complete(int numNodes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numNodes);
        var m = checked(numNodes * (numNodes - 1) / 2);
        var us = new int[m];
        var vs = new int[m];
        var e = 0;
        for (var u = 0; u < numNodes; u++)
        {
            for (var v = u + 1; v < numNodes; v++)
            {
                us[e] = u;
                vs[e++] = v;
            }
        }
        return Bidirected(us, vs, numNodes);
    }

    /// <summary>A path 0 – 1 – … – (n−1).</summary>
    /// <param name="numNodes">Node count.</param>
    /// <param name="bidirected">Both directions (default); otherwise <c>i → i+1</c> only.</param>
    public static Graph Path(int numNodes, bool bidirected = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numNodes);
        var m = Math.Max(0, numNodes - 1);
        var us = new int[m];
        var vs = new int[m];
        for (var i = 0; i < m; i++)
        {
            us[i] = i;
            vs[i] = i + 1;
        }
        return bidirected ? Bidirected(us, vs, numNodes) : Graph.FromCoo(us, vs, numNodes);
    }

    /// <summary>A cycle 0 – 1 – … – (n−1) – 0.</summary>
    /// <param name="numNodes">Node count (at least 3, so that no edge repeats).</param>
    /// <param name="bidirected">Both directions (default); otherwise <c>i → (i+1) mod n</c> only.</param>
    public static Graph Cycle(int numNodes, bool bidirected = true)
    {
        if (numNodes < 3)
            throw new ArgumentOutOfRangeException(nameof(numNodes), $"Cycle: numNodes = {numNodes}; a cycle needs at least 3 nodes (use Path for fewer)");
        var us = new int[numNodes];
        var vs = new int[numNodes];
        for (var i = 0; i < numNodes; i++)
        {
            us[i] = i;
            vs[i] = (i + 1) % numNodes;
        }
        return bidirected ? Bidirected(us, vs, numNodes) : Graph.FromCoo(us, vs, numNodes);
    }

    /// <summary>Edges u[i]→v[i], then v[i]→u[i] in the same order, then the self-loops (once each).</summary>
    private static Graph Bidirected(int[] us, int[] vs, int numNodes, int[]? loops = null)
    {
        var m = us.Length;
        var l = loops?.Length ?? 0;
        var src = new int[checked(2 * m + l)];
        var dst = new int[src.Length];
        us.CopyTo(src, 0);
        vs.CopyTo(dst, 0);
        vs.CopyTo(src, m);
        us.CopyTo(dst, m);
        if (loops is not null)
        {
            loops.CopyTo(src, 2 * m);
            loops.CopyTo(dst, 2 * m);
        }
        return Graph.FromCoo(src, dst, numNodes);
    }
}
