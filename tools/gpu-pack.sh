#!/usr/bin/env bash
# gpu-pack.sh: assembles the folder tools/gpu-check.sh runs on, for a machine with a GPU but without .NET or a
# network: the trimmed single-file gpudigits (ILGPU inside; it needs only the NVIDIA driver there), the four MNIST
# .gz files, and the check scripts. Everything stays under the device tool's 64 MiB.
#   usage: tools/gpu-pack.sh [OUT_DIR]     (default publish/gpu-check; publish/ is ignored by git)
# Then on the GPU machine: bash OUT_DIR/gpu-check.sh OUT_DIR RESULTS_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-publish/gpu-check}
mkdir -p "$out/bench"
rm -f "$out"/*-ubyte # raw MNIST files a local gpu-check run left beside the .gz ones (they would break 64 MiB)
dotnet publish src/GpuDigits.Cli -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -p:PublishSingleFile=true \
  -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -o publish/linux-x64 -nologo -v q
cp publish/linux-x64/gpudigits "$out/"
cp tools/gpu-check.sh "$out/"
cp tools/bench/torch_mlp_cuda.py tools/bench/cublas_sgemm.cu "$out/bench/"

mnist=${GPUDIGITS_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/gpudigits/mnist}
"$out/gpudigits" devices >/dev/null # fails early if the binary does not run here
"$out/gpudigits" verify --device ilgpu-cpu >/dev/null # the trimmed binary still compiles and runs ILGPU kernels
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [ -f "$mnist/$f.gz" ]; then cp "$mnist/$f.gz" "$out/"
  elif [ -f "$mnist/$f" ]; then gzip -c "$mnist/$f" >"$out/$f.gz"
  else echo "missing $mnist/$f: run 'gpudigits train' once (it fetches MNIST) or set GPUDIGITS_DATA" >&2; exit 1
  fi
done

du -sh "$out"/*
echo "packed $out ($(du -sh "$out" | cut -f1)); on the GPU machine: bash $out/gpu-check.sh $out RESULTS_DIR"
