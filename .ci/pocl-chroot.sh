#!/usr/bin/env bash
# Real OpenCL for ILGPU in CI: PoCL 6 (Debian trixie), which has the generic address space ILGPU's OpenCL backend
# needs (Debian 12's PoCL 3.1 does not). Trixie's libraries need a newer glibc than the host, so PoCL runs in a
# minimal trixie chroot, made once with debootstrap (about 35 s, ~130 MB downloaded) and reused when it is there.
#
#   .ci/pocl-chroot.sh ensure            make the chroot if it is missing; prints its path
#   .ci/pocl-chroot.sh run CMD [ARGS]    run CMD inside it, with the repository, the .NET SDK and the NuGet cache
#                                        bind-mounted at their own paths, and /proc, /sys, /dev mounted (PoCL needs them)
# GPUDIGITS_POCL_CHROOT overrides where the chroot lives (default /var/cache/gpudigits/trixie).
set -euo pipefail

root="${GPUDIGITS_POCL_CHROOT:-/var/cache/gpudigits/trixie}"
repo="$(cd "$(dirname "$0")/.." && pwd)"

ensure() {
  if [ -f "$root/.gpudigits-ready" ]; then echo "$root"; return 0; fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq debootstrap >/dev/null 2>&1
  fi
  rm -rf "$root.tmp"
  mkdir -p "$(dirname "$root")"
  debootstrap --variant=minbase --include=pocl-opencl-icd,ocl-icd-libopencl1,clinfo trixie "$root.tmp" \
    http://deb.debian.org/debian >"$(dirname "$root")/debootstrap.log" 2>&1
  touch "$root.tmp/.gpudigits-ready"
  rm -rf "$root"
  mv "$root.tmp" "$root"
  echo "$root"
}

bind() { # bind SRC: the same path inside the chroot
  local src="$1"
  [ -e "$src" ] || return 0
  mkdir -p "$root$src"
  mountpoint -q "$root$src" || mount --bind "$src" "$root$src"
  mounted+=("$root$src")
}

run() {
  ensure >/dev/null
  mounted=()
  trap 'for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done' EXIT
  for fs in proc sys dev; do
    mountpoint -q "$root/$fs" || mount --rbind "/$fs" "$root/$fs"
    mounted+=("$root/$fs")
  done
  local dotnet_root; dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  bind "$repo"
  bind "$dotnet_root"
  bind "${NUGET_PACKAGES:-$HOME/.nuget/packages}"
  bind "${GPUDIGITS_DATA:-$HOME/.cache/gpudigits}"
  bind /tmp
  chroot "$root" /usr/bin/env -i PATH="$dotnet_root:/usr/bin:/bin" HOME="$HOME" DOTNET_ROOT="$dotnet_root" \
    DOTNET_CLI_HOME=/tmp DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 ${GPUDIGITS_DATA:+GPUDIGITS_DATA="$GPUDIGITS_DATA"} \
    GPUDIGITS_REQUIRE_OPENCL="${GPUDIGITS_REQUIRE_OPENCL:-}" bash -c 'cd "$0" && exec "$@"' "$repo" "$@"
}

case "${1:-}" in
  ensure) ensure ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 ensure | run CMD [ARGS...]" >&2; exit 2 ;;
esac
