#!/usr/bin/env python3
"""Ratios of gpudigits to its peers from one tools/bench/vs-peers.sh folder, round by round and best of rounds.

Usage: /usr/bin/python3 tools/bench/ratios.py RESULTS_DIR
Pairs: OpenBLAS sgemm (numpy_sgemm.py) with the gpudigits GEMM of the same m, n, k (each transpose form training
uses at that shape), and PyTorch's best epoch (epochs 2..N, the first is its warm-up) with gpudigits' min epoch.
"""
import csv, glob, os, re, sys

d = sys.argv[1]
rounds = sorted({int(re.search(r"-(\d+)\.", f).group(1)) for f in glob.glob(os.path.join(d, "gpudigits-*.csv"))})

def numpy_rates(r):
    rates = {}
    for line in open(os.path.join(d, f"numpy-{r}.txt")):
        m = re.match(r"sgemm (\d+)x(\d+)x(\d+): ([\d.]+)", line)
        if m:
            mm, k, n = map(int, m.groups()[:3])          # numpy_sgemm prints m x k x n
            rates[(mm, n, k)] = float(m.group(4))
    return rates

def torch_best(r, opt):
    times = [float(x) for x in re.findall(r"train_s ([\d.]+)", open(os.path.join(d, f"torch-{opt}-{r}.txt")).read())]
    return min(times[1:] or times)

def ours(r):
    rows = list(csv.DictReader(open(os.path.join(d, f"gpudigits-{r}.csv"))))
    gemm = {}
    for row in rows:
        if row["category"] == "gemm":
            m, n, k = map(int, re.findall(r"\d+", row["shape"]))
            gemm[(row["op"], m, n, k)] = float(row["best_rate"])
    epochs = {row["op"]: float(row["min_seconds"]) for row in rows if row["category"] == "epoch"}
    return gemm, epochs

# numpy shape (m, n, k) -> the gpudigits GEMMs of that size
pairs = [((1024, 1024, 1024), [("gemm NN", 1024, 1024, 1024), ("gemm TN", 1024, 1024, 1024), ("gemm NT", 1024, 1024, 1024)]),
         ((128, 128, 784), [("gemm NN", 128, 128, 784)]),
         ((784, 128, 128), [("gemm TN", 784, 128, 128)]),
         ((128, 128, 128), [("gemm NN", 128, 128, 128), ("gemm TN", 128, 128, 128), ("gemm NT", 128, 128, 128)])]

best = {}
for r in rounds:
    load = ""
    print(f"== round {r}")
    blas = numpy_rates(r)
    gemm, epochs = ours(r)
    for shape, mine in pairs:
        for key in mine:
            ratio = gemm[key] / blas[shape]
            print(f"  {key[0]} m{key[1]} n{key[2]} k{key[3]}: {gemm[key]:6.1f} GFLOP/s vs OpenBLAS {blas[shape]:6.1f} -> {ratio:5.0%}")
            b = best.setdefault(key, [0, 0])
            b[0] = max(b[0], gemm[key]); b[1] = max(b[1], blas[shape])
    for opt in ("sgd", "adam"):
        t, mine_t = torch_best(r, opt), epochs[f"epoch {opt}"]
        print(f"  epoch {opt}: {mine_t:.3f} s vs PyTorch 1 thread {t:.3f} s -> {t / mine_t:.2f}x faster")
        b = best.setdefault(opt, [9e9, 9e9])
        b[0] = min(b[0], mine_t); b[1] = min(b[1], t)
    print(f"  adam / sgd epoch: {epochs['epoch adam'] / epochs['epoch sgd']:.2f}")
print("== best of rounds")
for key, (mine, peer) in best.items():
    if isinstance(key, tuple):
        print(f"  {key[0]} m{key[1]} n{key[2]} k{key[3]}: {mine:6.1f} vs {peer:6.1f} GFLOP/s -> {mine / peer:5.0%}")
    else:
        print(f"  epoch {key}: {mine:.3f} s vs PyTorch {peer:.3f} s -> {peer / mine:.2f}x faster")
