#!/usr/bin/env bash
# Runs `gpudigits bench --device cpu` and the peer scripts of ../shared/bench one after the other, so their figures
# come from the same machine state; writes everything into one folder (default: runs/bench-<timestamp>).
# Usage: tools/bench/vs-peers.sh [OUT_DIR] [ROUNDS]   (needs python3-torch python3-numpy libopenblas0-pthread)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/bench-$(date +%Y%m%d-%H%M%S)}
rounds=${2:-1}
peers=${PEERS:-../shared/bench}
mnist=${GPUDIGITS_DATA:-$HOME/.cache/gpudigits/mnist}
mkdir -p "$out"
dotnet build -c Release src/GpuDigits.Cli -v q -nologo >/dev/null
gd=src/GpuDigits.Cli/bin/Release/net10.0/gpudigits
for r in $(seq 1 "$rounds"); do
  echo "== round $r ($(cut -d' ' -f1-3 /proc/loadavg) load)" | tee -a "$out/log.txt"
  "$gd" bench --device cpu --repeat 10 --epochs 3 --csv "$out/gpudigits-$r.csv" | tee "$out/gpudigits-$r.txt"
  /usr/bin/python3 "$peers/numpy_sgemm.py" | tee "$out/numpy-$r.txt"
  /usr/bin/python3 "$peers/torch_mlp.py" "$mnist" 4 sgd 1 | tee "$out/torch-sgd-$r.txt"
  /usr/bin/python3 "$peers/torch_mlp.py" "$mnist" 4 adam 1 | tee "$out/torch-adam-$r.txt"
done
echo "results in $out"
