using System.Globalization;
using Dgl.Data;
using Dgl.Nn;
using Dgl.Optim;
using Dgl.Tensors;
using Dgl.Tensors.IO;

namespace Dgl.Bench;

/// <summary>
/// One training epoch of GIN on PROTEINS (1,113 graphs, GIN's DGCNN-format file with self-loops, batches of 128 in file
/// order): DGL's example model (5 layers including the input, 2-layer MLPs with BatchNorm, hidden 64, sum neighbour
/// and graph pooling, dropout 0.5, cross entropy, Adam), forward + backward + optimizer step per batch. The peer is the
/// same model in plain PyTorch (neighbour sums and graph pooling with <c>index_add_</c>) on the same batches, which
/// this bench writes to a temporary <c>.npz</c>. Batches are built once; the epoch times the model only.
/// </summary>
internal sealed class GinTrainBench : IBench
{
    private const int Hidden = 64, Layers = 5, BatchSize = 128;

    public string Name => "train-gin";

    public string Description => "GIN epoch on PROTEINS (batch 128, hidden 64, 5 layers) forward+backward+Adam, vs the same model in PyTorch (index_add_)";

    public void Run(BenchContext ctx)
    {
        var folder = Path.Combine(DataBench.DataFolder(), "gin_dgcnn_format");
        if (!Directory.Exists(Path.Combine(folder, "PROTEINS")))
        {
            ctx.Note($"train-gin skipped: {Path.Combine(folder, "PROTEINS")} not found (set DGL_TEST_DATA to the shared data folder)");
            return;
        }
        var reps = ctx.Int("--reps", 7);
        var dataset = new GINDataset("PROTEINS", selfLoop: true, rawDir: folder);
        var batches = new List<(Graph Graph, Tensor Feat, Tensor Labels)>();
        foreach (var (g, labels) in new GraphDataLoader(dataset, BatchSize))
            batches.Add((g, g.NData["attr"], labels));
        var inputDim = batches[0].Feat.Size(1);
        var classes = dataset.NumClasses!.Value;
        var nodes = batches.Sum(b => b.Graph.NumNodes());
        var edges = batches.Sum(b => b.Graph.NumEdges());

        var gen = new Generator(0);
        var model = new GinNet(inputDim, classes, gen);
        var opt = new Adam(model.Parameters(), lr: 0.01);
        void Epoch()
        {
            model.Train();
            foreach (var (g, feat, labels) in batches)
            {
                var loss = F.CrossEntropy(model.Forward(g, feat), labels);
                opt.ZeroGrad();
                loss.Backward();
                opt.Step();
            }
        }
        // Warm up past the JIT's first tier (a few epochs and at least two seconds).
        var warm = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3 || warm.Elapsed.TotalSeconds < 2; i++) Epoch();
        var ours = Measure.MedianMs(Epoch, warmup: 0, reps: reps, budgetSeconds: 60);

        double? peer = null;
        if (TorchPeer.Unavailable() is { } why)
        {
            ctx.Note($"PyTorch peer skipped: {why}");
        }
        else
        {
            var npz = Path.Combine(Path.GetTempPath(), $"dgl-bench-gin-{Environment.ProcessId}.npz");
            try
            {
                WriteBatches(npz, batches);
                var result = TorchPeer.Run(PeerScript(npz, batches.Count, inputDim, classes, reps), ctx.Threads);
                peer = result.Single().GetProperty("median_ms").GetDouble();
            }
            finally
            {
                File.Delete(npz);
            }
        }
        ctx.Report(new BenchRow("train", "gin-proteins", ours, peer is null ? null : "torch", peer)
            .With("batches", batches.Count).With("nodes", nodes).With("edges", edges).With("hidden", Hidden));
    }

    /// <summary>Each batch's edges (src, dst), node-to-graph ids, features and labels, for the peer.</summary>
    private static void WriteBatches(string path, List<(Graph Graph, Tensor Feat, Tensor Labels)> batches)
    {
        var arrays = new List<KeyValuePair<string, Tensor>>();
        for (var i = 0; i < batches.Count; i++)
        {
            var (g, feat, labels) = batches[i];
            var (src, dst) = g.AllEdges("eid");
            var counts = g.BatchNumNodes().ToArray<int>();
            var gid = new long[g.NumNodes()];
            for (int b = 0, k = 0; b < counts.Length; b++)
                for (var c = 0; c < counts[b]; c++) gid[k++] = b;
            arrays.Add(new($"src{i}", src.Long()));
            arrays.Add(new($"dst{i}", dst.Long()));
            arrays.Add(new($"gid{i}", Tensor.FromArray(gid)));
            arrays.Add(new($"feat{i}", feat));
            arrays.Add(new($"label{i}", labels.Long()));
        }
        Npz.Save(path, arrays);
    }

    /// <summary>DGL's GIN example model (see examples/GraphClassification/GinModel.cs), written out here so that the
    /// compared code sits next to its PyTorch twin.</summary>
    private sealed class GinNet : Module
    {
        private readonly List<(GINConv Conv, BatchNorm1d Norm)> _layers = [];
        private readonly List<Linear> _predict = [];
        private readonly Dropout _drop;
        private readonly SumPooling _pool = new();

        public GinNet(int inputDim, int classes, Generator gen)
        {
            var all = new ModuleList();
            for (var l = 0; l < Layers - 1; l++)
            {
                var mlp = new Sequential(
                    new Linear(l == 0 ? inputDim : Hidden, Hidden, generator: gen), new BatchNorm1d(Hidden), new ReLU(),
                    new Linear(Hidden, Hidden, generator: gen), new BatchNorm1d(Hidden), new ReLU());
                var conv = new GINConv(mlp, "sum");
                var norm = new BatchNorm1d(Hidden);
                _layers.Add((conv, norm));
                all.Add(conv);
                all.Add(norm);
            }
            for (var l = 0; l < Layers; l++)
            {
                var lin = new Linear(l == 0 ? inputDim : Hidden, classes, generator: gen);
                _predict.Add(lin);
                all.Add(lin);
            }
            _drop = new Dropout(0.5, gen);
            RegisterModule("layers", all);
        }

        public Tensor Forward(Graph g, Tensor h)
        {
            var score = _drop.Forward(_predict[0].Forward(_pool.Forward(g, h)));
            for (var l = 0; l < _layers.Count; l++)
            {
                h = _layers[l].Norm.Forward(_layers[l].Conv.Forward(g, h)).Relu();
                score += _drop.Forward(_predict[l + 1].Forward(_pool.Forward(g, h)));
            }
            return score;
        }
    }

    private static string PeerScript(string npz, int batches, int inputDim, int classes, int reps) => $$"""
        import json, os, statistics, time
        import numpy as np
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        torch.set_num_threads(int(os.environ["THREADS"]))
        torch.manual_seed(0)
        data = np.load({{Quote(npz)}})
        batches = []
        for i in range({{batches}}):
            src = torch.from_numpy(data[f"src{i}"]); dst = torch.from_numpy(data[f"dst{i}"])
            gid = torch.from_numpy(data[f"gid{i}"]); feat = torch.from_numpy(data[f"feat{i}"])
            label = torch.from_numpy(data[f"label{i}"])
            batches.append((src, dst, gid, int(gid[-1]) + 1, feat, label))
        H, L = {{Hidden}}, {{Layers}}

        class GINConv(nn.Module):
            def __init__(self, mlp):
                super().__init__()
                self.mlp = mlp
            def forward(self, src, dst, h):
                neigh = torch.zeros_like(h).index_add_(0, dst, h[src])
                return self.mlp(h + neigh)

        def pool(gid, num_graphs, h):
            return h.new_zeros(num_graphs, h.shape[1]).index_add_(0, gid, h)

        class GIN(nn.Module):
            def __init__(self, d_in, classes):
                super().__init__()
                self.convs = nn.ModuleList()
                self.norms = nn.ModuleList()
                for l in range(L - 1):
                    mlp = nn.Sequential(nn.Linear(d_in if l == 0 else H, H), nn.BatchNorm1d(H), nn.ReLU(),
                                        nn.Linear(H, H), nn.BatchNorm1d(H), nn.ReLU())
                    self.convs.append(GINConv(mlp))
                    self.norms.append(nn.BatchNorm1d(H))
                self.predict = nn.ModuleList([nn.Linear(d_in if l == 0 else H, classes) for l in range(L)])
                self.drop = nn.Dropout(0.5)
            def forward(self, src, dst, gid, ng, h):
                score = self.drop(self.predict[0](pool(gid, ng, h)))
                for l in range(L - 1):
                    h = F.relu(self.norms[l](self.convs[l](src, dst, h)))
                    score = score + self.drop(self.predict[l + 1](pool(gid, ng, h)))
                return score

        model = GIN({{inputDim}}, {{classes}})
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        def epoch():
            model.train()
            for src, dst, gid, ng, feat, label in batches:
                loss = F.cross_entropy(model(src, dst, gid, ng, feat), label)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        t_end = time.perf_counter() + 2
        i = 0
        while i < 3 or time.perf_counter() < t_end:
            epoch(); i += 1
        times = []
        for _ in range({{reps}}):
            t0 = time.perf_counter(); epoch(); times.append((time.perf_counter() - t0) * 1000)
        print(json.dumps({"median_ms": statistics.median(times)}))
        """;

    private static string Quote(string s) => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
