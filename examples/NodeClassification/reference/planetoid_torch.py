"""Independent reference for the GraphSAGE, APPNP and SGC rows of the README's accuracy table.

The same three models, with DGL's example settings, in plain PyTorch on the published Planetoid files, read here by
a loader of our own that shares nothing with Dgl.Data (DGL's CitationGraphDataset steps: test-index reordering,
CiteSeer's zero rows for the 15 missing test ids, undirected deduplicated edges, row-normalised features). It exists
to answer one question: do DGL's example settings on this data reach the figures in DGL's example READMEs
(GraphSAGE 83.3, APPNP 83.7, SGC 81.9 on Cora)? With --dataset cora-linqs it trains on the Cora DGL used until
June 2020 (LINQS's cora.content and cora.cites in DATA_DIR/linqs/cora, pygcn's split), where those figures were
measured. Needs /usr/bin/python3 with numpy and torch (bench/install-peers.sh);
no scipy or networkx.

    OMP_NUM_THREADS=2 /usr/bin/python3 examples/NodeClassification/reference/planetoid_torch.py \
        --model sage --dataset cora --seeds 10 [--data-dir ../shared/data]

Prints RESULT {...} as the C# example does (test accuracy in percent, mean and population std over seeds 0..N-1).
"""
import argparse
import json
import os
import pickle

import numpy as np
import torch
import torch.nn.functional as F


class _Csr:
    """Stands in for scipy.sparse.csr_matrix while unpickling: keeps data/indices/indptr/_shape."""

    def __setstate__(self, state):
        self.__dict__.update(state)

    def dense(self):
        rows, cols = self._shape
        out = np.zeros((rows, cols), np.float64)
        row_of = np.repeat(np.arange(rows), np.diff(self.indptr))
        np.add.at(out, (row_of, self.indices), self.data)
        return out


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module.startswith("scipy"):
            return _Csr
        return super().find_class(module, name)


def load(root, name):
    def part(suffix):
        with open(os.path.join(root, f"ind.{name}.{suffix}"), "rb") as f:
            return _Unpickler(f, encoding="latin1").load()

    x, y, tx, ty, allx, ally, adjacency = (part(s) for s in ["x", "y", "tx", "ty", "allx", "ally", "graph"])
    with open(os.path.join(root, f"ind.{name}.test.index")) as f:
        test_order = [int(line) for line in f]
    test_sorted = np.sort(test_order)
    tx, allx = tx.dense(), allx.dense()
    if name == "citeseer":  # ids in the test range without a row get zero features and no label
        span = max(test_order) - min(test_order) + 1
        tx_full = np.zeros((span, tx.shape[1]))
        tx_full[test_sorted - min(test_sorted)] = tx
        ty_full = np.zeros((span, ty.shape[1]))
        ty_full[test_sorted - min(test_sorted)] = ty
        tx, ty = tx_full, ty_full
    feats = np.vstack((allx, tx))
    feats[test_order] = feats[test_sorted]
    onehot = np.vstack((ally, ty))
    onehot[test_order] = onehot[test_sorted]
    rowsum = feats.sum(1)
    feats = feats * np.where(rowsum > 0, 1.0 / np.where(rowsum > 0, rowsum, 1.0), 0.0)[:, None]
    pairs = {(u, v) for u, vs in adjacency.items() for v in vs if u != v}
    pairs |= {(v, u) for u, v in pairs}
    n = feats.shape[0]
    src = np.array([p[0] for p in pairs] + list(range(n)))  # remove_self_loop + add_self_loop
    dst = np.array([p[1] for p in pairs] + list(range(n)))
    return (torch.tensor(feats, dtype=torch.float32), torch.tensor(onehot.argmax(1)), torch.tensor(src),
            torch.tensor(dst), n, torch.arange(len(y)), torch.tensor(test_sorted))


def load_linqs(root):
    """LINQS's cora.content / cora.cites as DGL's CoraDataset read them before June 2020 (and pygcn): nodes in file
    order, labels by sorted class name, row-normalised features, citations undirected and deduplicated, pygcn's split
    (train 0-139, test 500-1499); then remove_self_loop + add_self_loop as for Planetoid."""
    rows = [line.rstrip("\n").split("\t") for line in open(os.path.join(root, "cora.content"))]
    index = {r[0]: i for i, r in enumerate(rows)}
    classes = sorted({r[-1] for r in rows})
    feats = np.array([[float(v) for v in r[1:-1]] for r in rows])
    rowsum = feats.sum(1)
    feats = feats * np.where(rowsum > 0, 1.0 / np.where(rowsum > 0, rowsum, 1.0), 0.0)[:, None]
    pairs = set()
    for line in open(os.path.join(root, "cora.cites")):
        u, v = (index[p] for p in line.split())
        if u != v:
            pairs |= {(u, v), (v, u)}
    n = len(rows)
    src = np.array([p[0] for p in pairs] + list(range(n)))
    dst = np.array([p[1] for p in pairs] + list(range(n)))
    return (torch.tensor(feats, dtype=torch.float32), torch.tensor([classes.index(r[-1]) for r in rows]),
            torch.tensor(src), torch.tensor(dst), n, torch.arange(140), torch.arange(500, 1500))


def propagate(src, dst, weight, h, n):
    messages = h[src] if weight is None else h[src] * weight[:, None]
    return torch.zeros(n, h.shape[1]).index_add_(0, dst, messages)


def sage(x, src, dst, n, classes):
    """train_full.py: dropout 0.5, SAGEConv(in, 16, 'gcn'), ReLU, dropout 0.5, SAGEConv(16, classes, 'gcn')."""
    in_deg = torch.bincount(dst, minlength=n).float()[:, None]
    gain = torch.nn.init.calculate_gain("relu")
    w1, w2 = torch.nn.Linear(x.shape[1], 16, bias=False), torch.nn.Linear(16, classes, bias=False)
    torch.nn.init.xavier_uniform_(w1.weight, gain=gain)
    torch.nn.init.xavier_uniform_(w2.weight, gain=gain)
    b1, b2 = torch.nn.Parameter(torch.zeros(16)), torch.nn.Parameter(torch.zeros(classes))

    def forward(training):
        h = w1(F.dropout(x, 0.5, training))
        h = (propagate(src, dst, None, h, n) + h) / (in_deg + 1) + b1
        h = w2(F.dropout(h.relu(), 0.5, training))
        return (propagate(src, dst, None, h, n) + h) / (in_deg + 1) + b2

    return forward, [w1.weight, w2.weight, b1, b2], (1e-2, 5e-4, 200)


def appnp(x, src, dst, n, classes):
    """appnp/train.py: dropout 0.5, Linear(in, 64), ReLU, dropout 0.5, Linear(64, classes), APPNPConv(10, 0.1, 0.5)."""
    out_norm = torch.bincount(src, minlength=n).float().clamp(min=1).pow(-0.5)[:, None]
    in_norm = torch.bincount(dst, minlength=n).float().clamp(min=1).pow(-0.5)[:, None]
    lin1, lin2 = torch.nn.Linear(x.shape[1], 64), torch.nn.Linear(64, classes)

    def forward(training):
        h = lin2(F.dropout(lin1(F.dropout(x, 0.5, training)).relu(), 0.5, training))
        h0 = h
        for _ in range(10):
            weight = F.dropout(torch.ones(len(src)), 0.5, training)
            h = 0.9 * propagate(src, dst, weight, h * out_norm, n) * in_norm + 0.1 * h0
        return h

    return forward, list(lin1.parameters()) + list(lin2.parameters()), (1e-2, 5e-4, 200)


def sgc(x, src, dst, n, classes, bias):
    """sgc.py: SGConv(in, classes, k=2, cached=True), lr 0.2; Cora wd 5e-6, 100 epochs; CiteSeer wd 5e-5, 150, bias."""
    norm = torch.bincount(dst, minlength=n).float().clamp(min=1).pow(-0.5)[:, None]
    h = x
    for _ in range(2):
        h = norm * propagate(src, dst, None, norm * h, n)
    fc = torch.nn.Linear(x.shape[1], classes, bias=bias)
    torch.nn.init.xavier_uniform_(fc.weight)
    if bias:
        torch.nn.init.zeros_(fc.bias)
    settings = (0.2, 5e-5, 150) if bias else (0.2, 5e-6, 100)
    return (lambda training: fc(h)), list(fc.parameters()), settings


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["sage", "appnp", "sgc"], default="sage")
    parser.add_argument("--dataset", choices=["cora", "citeseer", "cora-linqs"], default="cora")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--data-dir", default=os.environ.get("DGL_TEST_DATA", "../shared/data"))
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    if args.dataset == "cora-linqs":  # DGL's cora until June 2020; DIR/linqs/cora holds cora.content and cora.cites
        x, labels, src, dst, n, train, test = load_linqs(os.path.join(args.data_dir, "linqs", "cora"))
    else:
        x, labels, src, dst, n, train, test = load(os.path.join(args.data_dir, "planetoid", args.dataset), args.dataset)
    classes = int(labels.max()) + 1
    accuracies = []
    for seed in range(args.seeds):
        torch.manual_seed(seed)
        if args.model == "sage":
            forward, params, (lr, wd, epochs) = sage(x, src, dst, n, classes)
        elif args.model == "appnp":
            forward, params, (lr, wd, epochs) = appnp(x, src, dst, n, classes)
        else:
            forward, params, (lr, wd, epochs) = sgc(x, src, dst, n, classes, bias=args.dataset == "citeseer")
        optimizer = torch.optim.Adam(params, lr=lr, weight_decay=wd)
        for _ in range(epochs):
            loss = F.cross_entropy(forward(True)[train], labels[train])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            acc = 100 * (forward(False)[test].argmax(1) == labels[test]).float().mean().item()
        accuracies.append(acc)
        print(f"seed {seed}: test accuracy {acc:.1f}%")
    print("RESULT " + json.dumps({"model": args.model, "dataset": args.dataset, "metric": "acc",
                                  "mean": round(float(np.mean(accuracies)), 2),
                                  "std": round(float(np.std(accuracies)), 2), "runs": args.seeds}))


if __name__ == "__main__":
    main()
