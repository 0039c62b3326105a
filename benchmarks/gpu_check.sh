#!/usr/bin/env bash
# The GPU machine's check (see ../shared/GPU.md): it has CUDA but no Qt, no network and not all
# of our Debian packages, so this builds the Qt-free targets against the packages carried in .kit
# (apt-get download libsqlite3-dev libstb-dev libssl-dev), then runs `neurite doctor` (device
# discovery and a cuBLAS SGEMM check on each GPU), neurite_cuda_check (the CUDA backend's parity
# with the reference, its caching allocator, a CUDA graph replay, out of memory: see
# engine/backends/cuda/README.md), the parity table on the GPU, and a small classifier trained on
# the GPU and on the CPU (Fashion-MNIST too where the machine has it).
# Everything goes to $OUT (or /tmp/neurite-gpu).
set -uo pipefail
out=${OUT:-/tmp/neurite-gpu}
mkdir -p "$out"
kit=/tmp/neurite-kit
build=/tmp/neurite-gpu-build
mkdir -p "$kit"
for f in .kit/*.deb; do dpkg -x "$f" "$kit"; done
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || echo "nvidia-smi: none"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNEURITE_STUDIO=OFF -DNEURITE_TESTS=OFF \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_PREFIX_PATH="$kit/usr" -DNEURITE_STB_INCLUDE="$kit/usr/include/stb" \
    -DSQLite3_INCLUDE_DIR="$kit/usr/include" -DSQLite3_LIBRARY="$kit/usr/lib/x86_64-linux-gnu/libsqlite3.a" \
    -DOPENSSL_INCLUDE_DIR="$kit/usr/include" -DOPENSSL_CRYPTO_LIBRARY=/usr/lib/x86_64-linux-gnu/libcrypto.so.3 \
    -DCMAKE_CXX_FLAGS="-isystem $kit/usr/include/x86_64-linux-gnu" > "$out/cmake.log" 2>&1 \
    || { tail -30 "$out/cmake.log"; exit 1; }
  cmake --build "$build" -j"$(nproc)" --target neurite neurite_cuda neurite_cuda_check > "$out/build.log" 2>&1 \
    || { grep -B2 -A8 error "$out/build.log" | head -60; exit 1; }
  echo "== neurite doctor"
  "$build/app/cli/neurite" doctor
  echo "== neurite_cuda_check (exit 0: every check passed)"
  "$build/engine/backends/cuda/neurite_cuda_check"; echo "exit $?"
  echo "== neurite doctor --parity --device cuda (every operation against the reference, on the GPU)"
  "$build/app/cli/neurite" doctor --parity --device cuda; echo "exit $?"
  echo "== the same small classifier trained on the GPU and on the CPU (same seed: accuracies alike)"
  printf '%s' '{"version": 1, "input": [2], "layers": [{"type": "Linear", "out_features": 64}, {"type": "ReLU"},
    {"type": "Dropout", "p": 0.1}, {"type": "Linear", "out_features": 64}, {"type": "BatchNorm1d"}, {"type": "ReLU"},
    {"type": "Linear", "out_features": 3}, {"type": "CrossEntropyLoss"}]}' > /tmp/points.json
  for device in cuda cpu; do
    "$build/app/cli/neurite" train /tmp/points.json --data spiral:samples=3000 --epochs 20 --lr 0.01 \
      --device "$device" --deterministic --no-store --json "$out/points-$device.json"; echo "exit $?"
  done
  if [ -d /usr/share/datasets/fashion-mnist ]; then
    for model in mlp cnn; do
      echo "== $model on Fashion-MNIST, 2 epochs on the GPU"
      "$build/app/cli/neurite" train "resources/models/$model.json" --data fashion-mnist --epochs 2 --device cuda \
        --no-store --json "$out/$model-cuda.json"; echo "exit $?"
    done
  fi
} 2>&1 | tee "$out/gpu-check.log"
