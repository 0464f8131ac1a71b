#!/usr/bin/env bash
# gpu-check.sh: everything the CUDA backend (ILGPU's CUDA accelerator) needs checked on a machine with an NVIDIA GPU,
# in one call, with no .NET and no network. Run it on a folder that holds the published single-file `gpudigits`
# (README: "A self-contained build") and the four MNIST .gz files; tools/gpu-pack.sh assembles such a folder.
# ILGPU compiles the kernels to PTX itself and the driver JIT-compiles that: no NVRTC or CUDA toolkit is needed.
#
#   usage: gpu-check.sh [FOLDER] [OUT_DIR]        FOLDER defaults to this script's folder,
#                                                 OUT_DIR to FOLDER/gpu-check-<timestamp>
#
# Steps (each one's output goes to OUT_DIR/<step>.txt, a one-line result to OUT_DIR/summary.txt):
#   system        nvidia-smi, if present
#   devices       gpudigits devices
#   verify        gpudigits verify --device cuda --all        (every kernel against the CPU, plus a recorded step)
#   train-graphs  gpudigits train --device cuda --cuda-graphs on   (10 epochs, batch 128)
#   train-eager   gpudigits train --device cuda --cuda-graphs off  (the same run, ops launched one by one)
#   train-cpu     gpudigits train --device cpu --epochs 1           (reference)
#   train-cnn     gpudigits train --device cuda --arch cnn --epochs 3 (the second tutorial's network)
#   bench         gpudigits bench --device cuda --square 4096 (per-op rates, GEMM 4096^3, SGD and Adam epochs)
#   cublas        tools/bench/cublas_sgemm.cu built with nvcc: cuBLAS SGEMM (fp32, TF32 off) at the same shapes
#   torch         tools/bench/torch_mlp_cuda.py beside this script, when python3 has torch with CUDA
# BUDGET (seconds, default 540) bounds the whole run. Exit status: 0 when devices, verify and both CUDA trainings
# passed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
folder=$(cd "${1:-$here}" && pwd)
out=${2:-$folder/gpu-check-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
bin=$folder/gpudigits
epochs=${EPOCHS:-10}
summary=$out/summary.txt
failed=0

note() { echo "$*" | tee -a "$summary"; }

# step NAME REQUIRED LIMIT COMMAND...: runs the command for at most LIMIT seconds (and never past the budget),
# keeps its output, notes status and wall time. Exit 124 means it was stopped.
step() {
  local name=$1 required=$2 limit=$3
  shift 3
  local start end rc remaining
  remaining=$(left)
  [ "$limit" -gt "$remaining" ] && limit=$remaining
  if [ "$limit" -le 5 ]; then
    note "$(printf '%-13s skipped: the time budget is spent' "$name")"
    [ "$required" = yes ] && failed=1
    return 0
  fi
  start=$(date +%s.%N)
  timeout -k 5 "$limit" "$@" >"$out/$name.txt" 2>&1
  rc=$?
  end=$(date +%s.%N)
  note "$(printf '%-13s exit %-3s %7.1f s   %s' "$name" "$rc" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$*")"
  if [ "$rc" -ne 0 ] && [ "$required" = yes ]; then
    failed=1
    tail -n 5 "$out/$name.txt" | sed 's/^/    /' | tee -a "$summary"
  fi
  return 0
}

if [ ! -x "$bin" ]; then
  echo "no executable gpudigits in $folder (publish it: see README, 'A self-contained build')" >&2
  exit 2
fi
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [ ! -e "$folder/$f.gz" ] && [ ! -e "$folder/$f" ]; then
    echo "MNIST file $f(.gz) missing from $folder" >&2
    exit 2
  fi
done

export GPUDIGITS_DATA=$folder
# The whole check must end inside one device call (10 minutes): every step gets a share of BUDGET seconds and is
# stopped by `timeout` when it overruns; the summary still gets written.
budget=${BUDGET:-540}
started_at=$(date +%s)
left() { echo $(( budget - ($(date +%s) - started_at) )); }

note "gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname); binary $bin ($(stat -c %s "$bin") bytes); budget ${budget} s"
if command -v nvidia-smi >/dev/null 2>&1; then
  step system no 20 nvidia-smi
fi
step devices yes 30 "$bin" devices
step verify yes 90 "$bin" verify --device cuda --all
step train-graphs yes 90 "$bin" train --device cuda --epochs "$epochs" --cuda-graphs on --out "$out/train-graphs"
step train-eager yes 90 "$bin" train --device cuda --epochs "$epochs" --cuda-graphs off --out "$out/train-eager"
step train-cpu no 60 "$bin" train --device cpu --epochs 1 --out "$out/train-cpu"
step train-cnn no 120 "$bin" train --device cuda --arch cnn --epochs 3 --out "$out/train-cnn"
if "$bin" --help 2>/dev/null | grep -qE '^[[:space:]]+bench([[:space:]]|$)'; then
  step bench no 150 "$bin" bench --device cuda --repeat 20 --epochs 3 --square 4096 --csv "$out/bench.csv"
else
  note "bench         skipped: this gpudigits has no bench command"
fi
# The cuBLAS peer, built here with nvcc (fp32, TF32 off), at the bench's GEMM shapes and 4096^3.
if [ -f "$here/bench/cublas_sgemm.cu" ] && command -v nvcc >/dev/null 2>&1; then
  step cublas-build no 120 nvcc -O2 -o "$out/cublas_sgemm" "$here/bench/cublas_sgemm.cu" -lcublas
  [ -x "$out/cublas_sgemm" ] && step cublas no 60 "$out/cublas_sgemm" 4096 20
else
  note "cublas        skipped: no nvcc (or no bench/cublas_sgemm.cu beside this script)"
fi
if [ -f "$here/bench/torch_mlp_cuda.py" ] && command -v python3 >/dev/null 2>&1 &&
   python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
  step torch no 90 python3 "$here/bench/torch_mlp_cuda.py" "$folder" "$epochs"
else
  note "torch         skipped: no python3 with CUDA-enabled torch (or no bench/torch_mlp_cuda.py beside this script)"
fi

# Epoch times from the metrics files: epoch 1 includes compiling and loading the kernels, so the mean skips it.
for run in train-graphs train-eager train-cpu train-cnn; do
  csv=$out/$run/metrics.csv
  [ -f "$csv" ] || continue
  note "$(awk -F, -v run="$run" 'NR > 1 { n++; last = $5; if (NR > 2) { s += $7; k++ } else first = $7 }
    END { if (n) printf "%-13s %d epochs, epoch 1 %.3f s, later epochs mean %.4f s, final test accuracy %.4f", run, n, first, (k ? s / k : first), last }' "$csv")"
done
grep -h "Training steps:" "$out"/train-*.txt 2>/dev/null | sed 's/^/  /' | tee -a "$summary"
note "result: $([ "$failed" -eq 0 ] && echo PASS || echo FAIL) (outputs in $out)"
exit "$failed"
