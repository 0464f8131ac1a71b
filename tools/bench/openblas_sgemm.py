#!/usr/bin/env python3
"""The system OpenBLAS sgemm, through numpy, in every transpose form gpudigits trains with, at 1024^3 and at the
training shapes; prints the OpenBLAS kernel (core type) it ran, then one line per GEMM, best of REPS rounds:
`sgemm NN m128 n128 k784: 123.4 GFLOP/s` (m, n, k as in `gpudigits bench`: C is m x n, the inner size is k).
numpy passes a transposed view to sgemm as a transpose flag, not a copy, so `a.T @ b` is sgemm with transA.

Usage: OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tools/bench/openblas_sgemm.py [REPS]
"""
import ctypes, sys, time
import numpy as np

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
lib = ctypes.CDLL("libopenblas.so.0")
lib.openblas_get_corename.restype = ctypes.c_char_p
print(f"openblas corename {lib.openblas_get_corename().decode()} threads {lib.openblas_get_num_threads()}")

def bench(form, m, n, k):
    rng = np.random.default_rng(1)
    # Stored so that op(A) is m x k and op(B) is k x n.
    a = rng.random((k, m) if form[0] == "T" else (m, k), dtype=np.float32)
    b = rng.random((n, k) if form[1] == "T" else (k, n), dtype=np.float32)
    opa = a.T if form[0] == "T" else a
    opb = b.T if form[1] == "T" else b
    c = np.empty((m, n), dtype=np.float32)
    flops = 2.0 * m * n * k
    inner = max(1, int(2e8 / flops))     # about 0.1 s per timed round at 2 GFLOP/s
    np.matmul(opa, opb, out=c)
    best = 0.0
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(inner):
            np.matmul(opa, opb, out=c)
        best = max(best, flops * inner / (time.perf_counter() - t) / 1e9)
    print(f"sgemm {form} m{m} n{n} k{k}: {best:.1f} GFLOP/s")

for form in ("NN", "TN", "NT"):
    bench(form, 1024, 1024, 1024)
# The training shapes of the default model (batch 128), as `gpudigits bench` lists them.
for form, m, n, k in (("NN", 128, 128, 784), ("NN", 128, 128, 128), ("NN", 128, 10, 128),
                      ("TN", 784, 128, 128), ("TN", 128, 128, 128), ("TN", 128, 10, 128),
                      ("NT", 128, 128, 128), ("NT", 128, 128, 10)):
    bench(form, m, n, k)
