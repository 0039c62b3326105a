#!/usr/bin/env bash
# Neurite Studio set-up: installs what is missing (Debian 12), configures and builds.
#   installer/setup.sh            install packages, build (Release) into build/
#   installer/setup.sh --deps     install packages only
# Safe to run again: only missing packages are installed, the build is incremental.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

# The one list of Debian packages the build, the tests and the runtime need.
packages=(
  build-essential cmake ninja-build pkg-config git
  libopenblas-dev libdnnl-dev nlohmann-json3-dev zlib1g-dev libstb-dev
  libsqlite3-dev libssl-dev
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-charts-dev qt6-svg-dev
  libgl-dev xvfb xauth
  dataset-fashion-mnist python3 python3-numpy python3-torch
  libonnx-dev libprotobuf-dev libonnx-testdata nodejs
  libimgui-dev
  dpkg-dev file desktop-file-utils appstream
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} missing package(s): ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#packages[@]} packages present"
fi

# npm comes with nodejs from some sources, as Debian's own package otherwise.
if ! command -v npm >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm
fi

# ONNX Runtime for `neurite export --verify` (tools/onnx-verify): npm's onnxruntime-node, whose CPU
# runtime ships inside the package, so its install script (GPU downloads) is skipped. Installed
# again when package-lock.json is newer than the last install.
verify="$root/tools/onnx-verify"
if [ ! -f "$verify/node_modules/.package-lock.json" ] || [ "$verify/package-lock.json" -nt "$verify/node_modules/.package-lock.json" ]; then
  echo "setup: installing ONNX Runtime (npm ci --ignore-scripts in tools/onnx-verify)"
  (cd "$verify" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
    echo "setup: npm ci failed: ONNX exports cannot be verified until it runs" >&2
fi

[ "${1:-}" = "--deps" ] && exit 0

build="${NEURITE_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${NEURITE_BUILD_TYPE:-Release}" ${NEURITE_CMAKE_ARGS:-}
cmake --build "$build" -j"$(nproc)"
