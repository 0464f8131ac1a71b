#!/usr/bin/env bash
# Makes every picture in docs/images that comes from a run, from real runs, so the README's pictures stay true:
# trains the default MLP (ReLU), the same with sigmoid, the default CNN and the default MLP on Fashion-MNIST on the CPU
# (about 6 minutes on 2 cores, most of it the CNN), then draws the curves, the predictions sheets and the CNN's
# filters, and takes the serve page's screenshot in a browser. Fashion-MNIST comes from Debian's dataset-fashion-mnist package (or the web). docs/images/seven.png is a
# hand-drawn input, not output, and is left alone.
# Usage: tools/readme-images.sh [RUNS_DIR]   (default: runs/readme; the run folders are kept for inspection)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs/readme}
img=docs/images
dotnet build -c Release src/GpuDigits.Cli -v q -nologo >/dev/null
gd=src/GpuDigits.Cli/bin/Release/net10.0/gpudigits
rm -rf "$runs/relu" "$runs/sigmoid" "$runs/cnn" "$runs/fashion"
"$gd" train --device cpu --out "$runs/relu"
"$gd" train --device cpu --activation sigmoid --out "$runs/sigmoid"
"$gd" train --device cpu --arch cnn --out "$runs/cnn"
"$gd" train --device cpu --dataset fashion-mnist --out "$runs/fashion"
"$gd" plot "$runs/relu/metrics.csv" "$runs/sigmoid/metrics.csv" --labels relu,sigmoid -o "$img/relu-vs-sigmoid.svg"
"$gd" plot "$runs/cnn/metrics.csv" "$runs/relu/metrics.csv" --labels cnn,mlp -o "$img/cnn-vs-mlp.png"
"$gd" evaluate --model "$runs/relu/model.gdm" --device cpu --sheet "$img/predictions.svg"
"$gd" filters --model "$runs/cnn/model.gdm" --index 0 -o "$img/cnn-filters.svg"
"$gd" evaluate --model "$runs/fashion/model.gdm" --device cpu --sheet "$img/fashion-predictions.svg"
# The serve page as the browser test sees it (headless chromium: apt-get install chromium chromium-driver).
GPUDIGITS_SCREENSHOT_DIR="$PWD/$img" GPUDIGITS_REQUIRE_BROWSER=1 dotnet test -c Release --settings runsettings.xml \
  --filter "FullyQualifiedName~BrowserTests.Screenshot" -v q -nologo >/dev/null
echo "updated: $(ls "$img" | grep -v seven.png | tr '\n' ' ')"
