using System.Globalization;
using Dgl.Data;
using Dgl.Examples.NodeClassification;
using Dgl.Nn;
using Dgl.Optim;
using Dgl.Tensors;
using Dgl.Tensors.IO;

namespace Dgl.Bench;

/// <summary>
/// One full-graph training epoch (forward in training mode with the example's dropout, cross entropy on the 140
/// training nodes, backward, Adam step) of the example GCN (1433 → 16 → 7) and GAT (8 heads × 8 → 1 head × 7) on
/// Cora, against the same models written in plain PyTorch 1.13: GCN with <c>torch.sparse.mm</c> on the normalised
/// adjacency, GAT with <c>index_select</c> and <c>index_add_</c> (softmax with a scatter max, then the weighted
/// aggregation). Both sides read the same graph (self-loops added), features and labels (written to .npy here).
/// </summary>
/// <remarks>
/// Our models take the input as <see cref="SparseFeatures"/> (Cora's bag-of-words rows are 1.3% non-zero), so the
/// first layer's product and its weight gradient cost O(nnz) instead of a dense 2708×1433 GEMM; the peer multiplies the
/// dense matrix as DGL, PyG and the PyTorch examples do. Medians over <c>--epochs</c> epochs (default 100) after a
/// warm-up by time. Extra columns: allocation per epoch and the share of wall time spent in GC pauses.
/// </remarks>
internal sealed class TrainBench : IBench
{
    public string Name => "train";

    public string Description => "GCN and GAT training epoch on Cora (forward + backward + Adam) vs PyTorch";

    public void Run(BenchContext ctx)
    {
        var coraDir = Path.Combine(DataBench.DataFolder(), "planetoid", "cora");
        if (!Directory.Exists(coraDir))
        {
            ctx.Note($"{coraDir} not found: set DGL_TEST_DATA to the shared data folder; gcn-cora and gat-cora skipped");
            return;
        }
        var epochs = ctx.Int("--epochs", 100);
        var warmupSeconds = ctx.Double("--warmup-seconds", 2);
        var raw = new CoraGraphDataset(coraDir)[0];
        var g = raw.RemoveSelfLoop().AddSelfLoop();
        g.CreateFormats();
        var feats = new NodeFeatures(raw.NData["feat"]);
        var labels = raw.NData["label"];
        var train = raw.NData["train_mask"].Nonzero().Reshape(-1);
        var trainLabels = labels.IndexSelect(0, train);
        var classes = 7;

        var cases = new (string Case, Func<Generator, NodeClassifier> Make, double Lr)[]
        {
            ("gcn-cora", gen => new Gcn(feats.Dense.Size(1), 16, classes, gen), 1e-2),
            ("gat-cora", gen => new Gat(feats.Dense.Size(1), 8, classes, 8, 1, gen), 5e-3),
        };
        var ours = new Dictionary<string, (double Ms, double AllocKb, double GcPct)>(StringComparer.Ordinal);
        foreach (var (name, make, lr) in cases)
        {
            var net = make(new Generator(0));
            var opt = new Adam(net.Parameters(), lr: lr, weightDecay: 5e-4);
            void Epoch()
            {
                net.Train();
                var loss = F.CrossEntropy(net.Forward(g, feats).IndexSelect(0, train), trainLabels);
                opt.ZeroGrad(setToNone: false);
                loss.Backward();
                opt.Step();
            }
            ours[name] = Time(Epoch, epochs, warmupSeconds);
        }

        var peer = new Dictionary<string, double>(StringComparer.Ordinal);
        if (TorchPeer.Unavailable() is { } why)
        {
            ctx.Note($"PyTorch peer skipped: {why}");
        }
        else
        {
            var tmp = Path.Combine(Path.GetTempPath(), $"dgl-train-bench-{Environment.ProcessId}");
            Directory.CreateDirectory(tmp);
            try
            {
                var (src, dst) = g.AllEdges();
                Npy.Save(Path.Combine(tmp, "feat.npy"), feats.Dense);
                Npy.Save(Path.Combine(tmp, "src.npy"), src);
                Npy.Save(Path.Combine(tmp, "dst.npy"), dst);
                Npy.Save(Path.Combine(tmp, "labels.npy"), labels);
                Npy.Save(Path.Combine(tmp, "train.npy"), train);
                foreach (var row in TorchPeer.Run(PeerScript(tmp, epochs, warmupSeconds), ctx.Threads))
                    peer[row.GetProperty("case").GetString()!] = row.GetProperty("median_ms").GetDouble();
            }
            finally
            {
                Directory.Delete(tmp, recursive: true);
            }
        }

        foreach (var (name, _, _) in cases)
        {
            var (ms, allocKb, gcPct) = ours[name];
            double? p = peer.TryGetValue(name, out var v) ? v : null;
            ctx.Report(new BenchRow(Name, name, ms, p is null ? null : "torch", p)
                .With("epochs", epochs).With("alloc_kb_per_epoch", allocKb).With("gc_pause_pct", gcPct));
        }
    }

    /// <summary>Median epoch time after a warm-up by time (the JIT tiers up in the background), with allocation and
    /// GC-pause figures over the timed epochs.</summary>
    private static (double Ms, double AllocKb, double GcPct) Time(Action epoch, int epochs, double warmupSeconds)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 5 || warm.Elapsed.TotalSeconds < warmupSeconds; i++) epoch();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var times = new double[epochs];
        var alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        var pause0 = GC.GetTotalPauseDuration();
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < epochs; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            epoch();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        wall.Stop();
        var alloc = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        var pause = GC.GetTotalPauseDuration() - pause0;
        return (Measure.Median(times), alloc / 1024.0 / epochs, 100 * pause.TotalMilliseconds / wall.Elapsed.TotalMilliseconds);
    }

    private static string PeerScript(string dir, int epochs, double warmupSeconds) => $$"""
        import json, os, statistics, time
        import numpy as np
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        torch.set_num_threads(int(os.environ["THREADS"]))
        torch.manual_seed(0)
        d = {{Py(dir)}}
        x = torch.from_numpy(np.load(os.path.join(d, "feat.npy")))
        src = torch.from_numpy(np.load(os.path.join(d, "src.npy")).astype(np.int64))
        dst = torch.from_numpy(np.load(os.path.join(d, "dst.npy")).astype(np.int64))
        labels = torch.from_numpy(np.load(os.path.join(d, "labels.npy")).astype(np.int64))
        train = torch.from_numpy(np.load(os.path.join(d, "train.npy")).astype(np.int64))
        n, in_feats, classes = x.shape[0], x.shape[1], int(labels.max()) + 1
        E = src.shape[0]

        # GCN: Â = D_in^-1/2 A D_out^-1/2 as one sparse matrix (rows = destinations), as DGL's GraphConv(norm='both').
        deg_out = torch.bincount(src, minlength=n).clamp(min=1).float()
        deg_in = torch.bincount(dst, minlength=n).clamp(min=1).float()
        w = deg_out[src].pow(-0.5) * deg_in[dst].pow(-0.5)
        adj = torch.sparse_coo_tensor(torch.stack([dst, src]), w, (n, n)).coalesce()

        class GraphConv(nn.Module):
            def __init__(self, i, o, act=None):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(i, o)); self.bias = nn.Parameter(torch.zeros(o)); self.act = act
                nn.init.xavier_uniform_(self.weight)
            def forward(self, h):
                h = torch.sparse.mm(adj, h @ self.weight) + self.bias
                return self.act(h) if self.act else h

        class GCN(nn.Module):
            def __init__(self):
                super().__init__()
                self.c1 = GraphConv(in_feats, 16, F.relu); self.c2 = GraphConv(16, classes); self.drop = nn.Dropout(0.5)
            def forward(self, h):
                return self.c2(self.drop(self.c1(h)))

        # GAT: per-edge scores by index_select, softmax with a scatter max and index_add_, aggregation by index_add_.
        class GATConv(nn.Module):
            def __init__(self, i, o, heads, act=None):
                super().__init__()
                self.fc = nn.Linear(i, o * heads, bias=False)
                self.al = nn.Parameter(torch.empty(1, heads, o)); self.ar = nn.Parameter(torch.empty(1, heads, o))
                self.bias = nn.Parameter(torch.zeros(heads * o)); self.h, self.o, self.act = heads, o, act
                self.fdrop = nn.Dropout(0.6); self.adrop = nn.Dropout(0.6)
                gain = nn.init.calculate_gain("relu")
                for p in (self.fc.weight, self.al, self.ar): nn.init.xavier_normal_(p, gain=gain)
            def forward(self, h):
                ft = self.fc(self.fdrop(h)).view(-1, self.h, self.o)
                el = (ft * self.al).sum(-1); er = (ft * self.ar).sum(-1)
                e = F.leaky_relu(el.index_select(0, src) + er.index_select(0, dst), 0.2)
                idx = dst.unsqueeze(-1).expand(-1, self.h)
                emax = torch.full((n, self.h), -float("inf")).scatter_reduce(0, idx, e, "amax", include_self=True)
                ex = (e - emax.index_select(0, dst)).exp()
                den = torch.zeros(n, self.h).index_add_(0, dst, ex)
                a = self.adrop(ex / den.index_select(0, dst))
                out = torch.zeros(n, self.h, self.o).index_add_(0, dst, ft.index_select(0, src) * a.unsqueeze(-1))
                out = out + self.bias.view(1, self.h, self.o)
                return self.act(out) if self.act else out

        class GAT(nn.Module):
            def __init__(self):
                super().__init__()
                self.c1 = GATConv(in_feats, 8, 8, F.elu); self.c2 = GATConv(64, classes, 1)
            def forward(self, h):
                return self.c2(self.c1(h).flatten(1)).mean(1)

        def bench(name, model, lr):
            opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=5e-4)
            def epoch():
                model.train()
                loss = F.cross_entropy(model(x)[train], labels[train])
                opt.zero_grad()
                loss.backward()
                opt.step()
            i, t_end = 0, time.perf_counter() + {{warmupSeconds.ToString(CultureInfo.InvariantCulture)}}
            while i < 5 or time.perf_counter() < t_end:
                epoch(); i += 1
            times = []
            for _ in range({{epochs}}):
                t0 = time.perf_counter(); epoch(); times.append((time.perf_counter() - t0) * 1000)
            print(json.dumps({"case": name, "median_ms": statistics.median(times)}), flush=True)

        bench("gcn-cora", GCN(), 1e-2)
        bench("gat-cora", GAT(), 5e-3)
        """;

    private static string Py(string s) => "r\"" + s + "\"";
}
