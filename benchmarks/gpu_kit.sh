#!/usr/bin/env bash
# Fills .kit/ (git-ignored) with the Debian 12 packages that the GPU machine lacks (../shared/GPU.md:
# no network there, no SQLite headers, oneDNN, stb, OpenSSL headers, Fashion-MNIST). Run it here,
# on a Debian 12 machine with apt, from anywhere; then name .kit in the device tool's `carry`.
# benchmarks/gpu_check.sh unpacks them with dpkg -x (no install, no root needed there).
# CLI11 is not fetched: no CMakeLists.txt asks for it.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(
  libsqlite3-dev                 # sqlite3.h and the static libsqlite3.a (engine/store, REQUIRED)
  libssl-dev                     # OpenSSL headers (engine/store, REQUIRED; libcrypto.so.3 is there)
  libstb-dev libstb0             # stb_image.h (top CMakeLists.txt, REQUIRED)
  libdnnl-dev libdnnl2           # oneDNN 2.6 (optional: the CPU convolutions of the CPU reference runs)
  ocl-icd-libopencl1             # libOpenCL.so.1, which libdnnl.so.2 links against
  dataset-fashion-mnist          # the benchmark's data (the .gz IDX files, as the CPU machines have them)
)
mkdir -p .kit
rm -f .kit/*.deb  # one version of each: dpkg -x of two libssl-dev versions would mix their headers
(cd .kit && apt-get download "${packages[@]}")
ls -l .kit
debs=(.kit/*.deb)
total=$(du -cb "${debs[@]}" | tail -1 | cut -f1)
echo "total: $((total / 1024 / 1024)) MiB in ${#debs[@]} packages (carry limit 64 MiB with the working tree)"
if [ "$total" -gt $((60 * 1024 * 1024)) ]; then
  echo "gpu_kit.sh: .kit is over 60 MiB; the working tree and .kit must fit in 64 MiB together" >&2
  exit 1
fi
