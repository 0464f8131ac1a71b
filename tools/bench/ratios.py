#!/usr/bin/env python3
"""Ratios of gpudigits to its peers from one tools/bench/vs-peers.sh folder: per round, then min and median over
the rounds.

Usage: /usr/bin/python3 tools/bench/ratios.py RESULTS_DIR
- GEMM: each gpudigits GEMM (best of its repetitions) against OpenBLAS's sgemm of the same form and m, n, k.
- Epoch: gpudigits' fastest timed bench epoch against PyTorch's best epoch (epochs 2..N; the first is its warm-up).
- CNN (when the round has one): gpudigits' fastest timed CNN epoch against PyTorch's best CNN epoch.
- fma_peak: the machine's FMA ceiling as `gpudigits bench` measures it, and the 1024^3 GEMMs as a fraction of it.
- train: the epoch `gpudigits train` spends (wall time between the start-up and the end, per epoch, from --timings)
  against the bench epoch plus the test evaluation it needs.
"""
import csv, glob, os, re, statistics, sys

d = sys.argv[1]
rounds = sorted({int(re.search(r"-(\d+)\.csv$", f).group(1)) for f in glob.glob(os.path.join(d, "gpudigits-[0-9]*.csv"))})

def openblas(r):
    rates = {}
    for line in open(os.path.join(d, f"openblas-{r}.txt")):
        m = re.match(r"sgemm (\w\w) m(\d+) n(\d+) k(\d+): ([\d.]+)", line)
        if m:
            rates[(m.group(1),) + tuple(map(int, m.groups()[1:4]))] = float(m.group(5))
    return rates

def torch_best(r, opt):
    times = [float(x) for x in re.findall(r"train_s ([\d.]+)", open(os.path.join(d, f"torch-{opt}-{r}.txt")).read())]
    return min(times[1:] or times)

def cnn(r):
    """(ours, PyTorch) best CNN epoch seconds of round r, or None when the round ran no CNN."""
    path = os.path.join(d, f"gpudigits-cnn-{r}.csv")
    if not os.path.exists(path):
        return None
    mine = min(float(row["min_seconds"]) for row in csv.DictReader(open(path)) if row["category"] == "epoch")
    times = [float(x) for x in re.findall(r"train_s ([\d.]+)", open(os.path.join(d, f"torch-cnn-{r}.txt")).read())]
    return mine, min(times)

def ours(r):
    rows = list(csv.DictReader(open(os.path.join(d, f"gpudigits-{r}.csv"))))
    gemm = {}
    for row in rows:
        if row["category"] == "gemm":
            m, n, k = map(int, re.findall(r"\d+", row["shape"]))
            gemm[(row["op"].split()[1], m, n, k)] = float(row["best_rate"])
    epochs = {row["op"]: float(row["min_seconds"]) for row in rows if row["category"] == "epoch"}
    peak = next((float(row["best_rate"]) for row in rows if row["op"] == "fma_peak"), None)
    return gemm, epochs, peak

def timings(r):
    t = {}
    for line in open(os.path.join(d, f"train-timings-{r}.txt")):
        m = re.match(r"(.+?)\s+([\d.]+)\s+([\d.]+)?\s*([\d.]+)%$", line.rstrip())
        if m: t[m.group(1).strip()] = (float(m.group(2)), float(m.group(3)) if m.group(3) else None)
        m = re.match(r"wall time\s+([\d.]+)\s+([\d.]+)", line)
        if m: t["wall"] = (float(m.group(1)), float(m.group(2)))
    return t

series = {}
def note(key, value):
    series.setdefault(key, []).append(value)

for r in rounds:
    print(f"== round {r}")
    blas, (gemm, epochs, peak), t = openblas(r), ours(r), timings(r)
    if peak:
        print(f"  fma peak {peak:.1f} GFLOP/s")
        note("fma peak GFLOP/s", peak)
        for form in ("NN", "TN", "NT"):
            key = (form, 1024, 1024, 1024)
            if key in gemm:
                note(f"gemm {form} 1024^3 / fma peak", gemm[key] / peak)
    for key, rate in sorted(gemm.items(), key=lambda kv: (-kv[0][1] * kv[0][2] * kv[0][3], kv[0][0])):
        if key in blas:
            print(f"  gemm {key[0]} m{key[1]} n{key[2]} k{key[3]}: {rate:6.1f} GFLOP/s vs OpenBLAS {blas[key]:6.1f} -> {rate / blas[key]:5.0%}")
            note(f"gemm {key[0]} m{key[1]} n{key[2]} k{key[3]} (ours / OpenBLAS)", rate / blas[key])
    for opt in ("sgd", "adam"):
        peer, mine = torch_best(r, opt), epochs[f"epoch {opt}"]
        print(f"  epoch {opt}: {mine:.3f} s vs PyTorch 1 thread {peer:.3f} s -> {peer / mine:.2f}x faster")
        note(f"epoch {opt} s (ours)", mine); note(f"epoch {opt} s (PyTorch)", peer); note(f"epoch {opt} speed-up", peer / mine)
    note("adam / sgd epoch", epochs["epoch adam"] / epochs["epoch sgd"])
    c = cnn(r)
    if c:
        print(f"  cnn epoch: {c[0]:.3f} s vs PyTorch 1 thread {c[1]:.3f} s -> {c[1] / c[0]:.2f}x faster")
        note("cnn epoch s (ours)", c[0]); note("cnn epoch s (PyTorch)", c[1]); note("cnn speed-up", c[1] / c[0])
    if "wall" in t:
        per_epoch, evaluation = t["wall"][1], t["test evaluation"][1]
        needed = epochs["epoch sgd"] + evaluation
        print(f"  train epoch {per_epoch:.3f} s vs bench epoch + evaluation {needed:.3f} s -> {per_epoch / needed - 1:+.0%}")
        note("train epoch / (bench epoch + evaluation)", per_epoch / needed)
print("== over the rounds: min / median")
for key, values in series.items():
    print(f"  {key}: {min(values):.3f} / {statistics.median(values):.3f}")
