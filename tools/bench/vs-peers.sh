#!/usr/bin/env bash
# Measures gpudigits on the CPU next to its peers, one after the other, so their figures come from the same machine
# state, ROUNDS times; writes everything into one folder (default: runs/bench-<timestamp>). Per round:
#   gpudigits bench --device cpu            ops at the training shapes and 1024^3, SGD and Adam epochs
#   gpudigits train --timings               the epoch users see (default run, 10 epochs) and where its time goes
#   openblas_sgemm.py (2 threads)           OpenBLAS sgemm in every transpose form at the same shapes
#   torch_mlp.py sgd / adam (1 thread)      PyTorch's epoch of the same network (its best thread count here)
# OpenBLAS runs with the core type of this CPU (SkylakeX with AVX-512, Haswell with AVX2 only): Debian's OpenBLAS
# 0.3.21 does not recognise these CPUs and would fall back to its SSE3 kernels, which voids the comparison. The
# kernel each peer used is printed and checked.
# Usage: tools/bench/vs-peers.sh [OUT_DIR] [ROUNDS]   (needs python3-torch python3-numpy libopenblas0-pthread)
#        then /usr/bin/python3 tools/bench/ratios.py OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/bench-$(date +%Y%m%d-%H%M%S)}
rounds=${2:-3}
peers=${PEERS:-../shared/bench}
mnist=${GPUDIGITS_DATA:-$HOME/.cache/gpudigits/mnist}
if grep -qw avx512f /proc/cpuinfo; then core=SkylakeX; else core=Haswell; fi
mkdir -p "$out"
dotnet build -c Release src/GpuDigits.Cli -v q -nologo >/dev/null
gd=src/GpuDigits.Cli/bin/Release/net10.0/gpudigits
corename=$(OPENBLAS_CORETYPE=$core /usr/bin/python3 -c "import ctypes; l=ctypes.CDLL('libopenblas.so.0'); l.openblas_get_corename.restype=ctypes.c_char_p; print(l.openblas_get_corename().decode())")
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) ($(nproc) cores); OpenBLAS core type asked $core, used $corename" | tee "$out/log.txt"
if [ "${corename,,}" != "${core,,}" ]; then echo "OpenBLAS did not take the $core kernels ($corename): the comparison would be void" >&2; exit 1; fi
for r in $(seq 1 "$rounds"); do
  echo "== round $r (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$out/log.txt"
  "$gd" bench --device cpu --repeat 10 --epochs 3 --csv "$out/gpudigits-$r.csv" > "$out/gpudigits-$r.txt"
  rm -rf "$out/train-$r"
  "$gd" train --device cpu --out "$out/train-$r" --timings > "$out/train-$r.txt" 2> "$out/train-timings-$r.txt"
  OPENBLAS_CORETYPE=$core OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tools/bench/openblas_sgemm.py 10 > "$out/openblas-$r.txt"
  OPENBLAS_CORETYPE=$core /usr/bin/python3 "$peers/torch_mlp.py" "$mnist" 4 sgd 1 > "$out/torch-sgd-$r.txt"
  OPENBLAS_CORETYPE=$core /usr/bin/python3 "$peers/torch_mlp.py" "$mnist" 4 adam 1 > "$out/torch-adam-$r.txt"
  if [ "${CNN:-1}" = 1 ]; then # the CNN (Adam): 2 timed epochs after a warm-up one; PyTorch 2 epochs, 1 thread
    "$gd" bench --device cpu --arch cnn --repeat 3 --epochs 2 --csv "$out/gpudigits-cnn-$r.csv" > "$out/gpudigits-cnn-$r.txt"
    OPENBLAS_CORETYPE=$core /usr/bin/python3 "$peers/torch_cnn.py" "$mnist" 2 1 > "$out/torch-cnn-$r.txt"
  fi
  echo "   done (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$out/log.txt"
done
echo "results in $out; ratios: /usr/bin/python3 tools/bench/ratios.py $out"
