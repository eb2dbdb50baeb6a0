namespace Dgl.Data;

/// <summary>An undirected simple graph as a list of edges <c>(u, v)</c>, <c>u != v</c>, each pair once.</summary>
internal sealed class UndirectedEdges(int numNodes)
{
    private readonly HashSet<long> _seen = new(EdgeKey.Comparer);

    public int NumNodes { get; private set; } = numNodes;
    public List<int> U { get; } = [];
    public List<int> V { get; } = [];
    public int Count => U.Count;

    /// <summary>Adds u—v unless it is a self-loop or already present; true when added.</summary>
    public bool Add(int u, int v)
    {
        if (u == v) return false;
        var key = ((long)Math.Min(u, v) << 32) | (uint)Math.Max(u, v);
        if (!_seen.Add(key)) return false;
        U.Add(u);
        V.Add(v);
        NumNodes = Math.Max(NumNodes, Math.Max(u, v) + 1);
        return true;
    }

    public bool Contains(int u, int v) => _seen.Contains(((long)Math.Min(u, v) << 32) | (uint)Math.Max(u, v));

    /// <summary>Both directions of every edge (u→v then v→u, edge by edge), as DGL's <c>from_networkx</c> of an
    /// undirected graph gives, optionally followed by one self-loop per node.</summary>
    public (int[] Src, int[] Dst) Directed(bool selfLoops = false)
    {
        var m = U.Count;
        var extra = selfLoops ? NumNodes : 0;
        var src = new int[2 * m + extra];
        var dst = new int[2 * m + extra];
        for (var i = 0; i < m; i++)
        {
            src[2 * i] = U[i]; dst[2 * i] = V[i];
            src[2 * i + 1] = V[i]; dst[2 * i + 1] = U[i];
        }
        for (var i = 0; i < extra; i++) src[2 * m + i] = dst[2 * m + i] = i;
        return (src, dst);
    }
}

/// <summary>The small graph families of networkx that DGL's synthetic data sets draw from.</summary>
internal static class Shapes
{
    /// <summary><c>nx.cycle_graph(n)</c>.</summary>
    public static UndirectedEdges Cycle(int n)
    {
        var g = new UndirectedEdges(n);
        for (var i = 0; i < n; i++) g.Add(i, (i + 1) % n);
        return g;
    }

    /// <summary><c>nx.star_graph(n)</c>: a hub 0 and leaves 1..n.</summary>
    public static UndirectedEdges Star(int leaves)
    {
        var g = new UndirectedEdges(leaves + 1);
        for (var i = 1; i <= leaves; i++) g.Add(0, i);
        return g;
    }

    /// <summary><c>nx.wheel_graph(n)</c>: hub 0 joined to a cycle over 1..n-1.</summary>
    public static UndirectedEdges Wheel(int n)
    {
        var g = new UndirectedEdges(n);
        for (var i = 1; i < n; i++) g.Add(0, i);
        for (var i = 1; i < n; i++) g.Add(i, i + 1 < n ? i + 1 : 1);
        return g;
    }

    /// <summary><c>nx.lollipop_graph(m, n)</c>: K_m on 0..m-1 and a path m..m+n-1 hanging off node m-1.</summary>
    public static UndirectedEdges Lollipop(int m, int n)
    {
        var g = Complete(m);
        for (var i = 0; i < n; i++) g.Add(m - 1 + i, m + i);
        return g;
    }

    /// <summary><c>nx.hypercube_graph(d)</c> with nodes numbered by their bit pattern.</summary>
    public static UndirectedEdges Hypercube(int d)
    {
        var n = 1 << d;
        var g = new UndirectedEdges(n);
        for (var u = 0; u < n; u++)
            for (var b = 0; b < d; b++)
                if ((u & (1 << b)) == 0) g.Add(u, u | (1 << b));
        return g;
    }

    /// <summary><c>nx.grid_graph([rows, cols])</c> with row-major node numbers.</summary>
    public static UndirectedEdges Grid(int rows, int cols)
    {
        var g = new UndirectedEdges(rows * cols);
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
            {
                if (c + 1 < cols) g.Add(r * cols + c, r * cols + c + 1);
                if (r + 1 < rows) g.Add(r * cols + c, (r + 1) * cols + c);
            }
        return g;
    }

    /// <summary><c>nx.complete_graph(n)</c>.</summary>
    public static UndirectedEdges Complete(int n)
    {
        var g = new UndirectedEdges(n);
        for (var u = 0; u < n; u++)
            for (var v = u + 1; v < n; v++) g.Add(u, v);
        return g;
    }

    /// <summary><c>nx.circular_ladder_graph(n)</c>: cycles 0..n-1 and n..2n-1 with rungs i—i+n.</summary>
    public static UndirectedEdges CircularLadder(int n)
    {
        var g = new UndirectedEdges(2 * n);
        for (var i = 0; i < n; i++)
        {
            g.Add(i, (i + 1) % n);
            g.Add(n + i, n + (i + 1) % n);
            g.Add(i, i + n);
        }
        return g;
    }

    /// <summary><c>nx.balanced_tree(r, h)</c>: node i's children are r·i+1 … r·i+r.</summary>
    public static UndirectedEdges BalancedTree(int r, int h)
    {
        var n = 0;
        for (int level = 0, width = 1; level <= h; level++, width *= r) n += width;
        var g = new UndirectedEdges(n);
        for (var i = 0; i < n; i++)
            for (var c = 1; c <= r && r * i + c < n; c++) g.Add(i, r * i + c);
        return g;
    }

    /// <summary>
    /// Barabási–Albert preferential attachment as <c>nx.barabasi_albert_graph(n, m)</c> (networkx 2.8): a star on
    /// m + 1 nodes, then each new node joins m distinct targets drawn from the list of previous edge endpoints.
    /// </summary>
    public static UndirectedEdges BarabasiAlbert(int n, int m, Random rng)
    {
        if (m < 1 || m >= n) throw new ArgumentOutOfRangeException(nameof(m), $"BarabasiAlbert: m = {m} must satisfy 1 <= m < n = {n}");
        var g = Star(m);
        var repeated = new List<int>();
        for (var i = 0; i < g.Count; i++) { repeated.Add(g.U[i]); repeated.Add(g.V[i]); }
        var targets = new HashSet<int>();
        for (var source = m + 1; source < n; source++)
        {
            targets.Clear();
            while (targets.Count < m) targets.Add(repeated[rng.Next(repeated.Count)]);
            foreach (var t in targets.Order())
            {
                g.Add(source, t);
                repeated.Add(source);
                repeated.Add(t);
            }
        }
        return g;
    }
}
