#!/usr/bin/env bash
# The GPU machine's check (see ../shared/GPU.md), in one call of at most 10 minutes: it has CUDA but
# no Qt, no network and not all of our Debian packages, so this builds the Qt-free targets against
# the packages carried in .kit (filled here by benchmarks/gpu_kit.sh, Fashion-MNIST included), then
# runs `neurite doctor` (device discovery, a cuBLAS SGEMM check), neurite_cuda_check (the CUDA
# backend's parity with the reference, its caching allocator, a CUDA graph replay, out of memory:
# see engine/backends/cuda/README.md), the parity table on the GPU, and the benchmark of issue 10:
# the MLP and the CNN at batch 128 (FP32) and the CNN with 4× the channels at batch 512 (TF32),
# trained on the GPU by Neurite and by this machine's PyTorch (benchmarks/torch_gpu_peer.py: eager,
# fused Adam, torch.compile), and the MLP and the CNN on the CPU for the accuracy to match. Then
# benchmarks/gpu_report.py writes gpu-report-DATE.md (copy it into docs/).
#
#   device run: bash benchmarks/gpu_check.sh        (carry .kit; timeout_s 600)
#
# Expected on the H200 machine (16 cores): configure ~30 s, build ~1-2 min (about 200 s of compiling
# on one core), the checks ~1 min, Neurite's GPU runs well under a minute, PyTorch ~1 min a case
# (mostly torch.compile), the CPU runs ~30 s: 6-8 minutes in all, cut at the budget if not.
#
# Every step has a time limit and the whole script a budget (GPU_CHECK_BUDGET seconds), so that one
# hang cannot eat the call and the report is still written. Everything goes to $OUT (or
# /tmp/neurite-gpu), written as it happens: gpu-check.log, cmake.log, build.log, results.jsonl,
# gpu-report-DATE.md (the device tool brings back at most 8 files). For testing elsewhere:
#   GPU_CHECK_CONFIGURE_ONLY=1   configure against the kit, then stop (no build)
#   GPU_CHECK_NO_BUILD=1 GPU_CHECK_BUILD=build   use a build that exists
#   GPU_CHECK_QUICK=1            tiny runs (the script's flow, not figures); GPU_CHECK_PEER_DEVICE=cpu
#   PYTHON=/usr/bin/python3      the python with torch
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
out=${OUT:-/tmp/neurite-gpu}
mkdir -p "$out"
budget=${GPU_CHECK_BUDGET:-540}   # the device call's limit is 600 s; the rest is margin
reserve=15                        # kept back for the report
kit=/tmp/neurite-kit
kitlib=$kit/usr/lib/x86_64-linux-gnu
build=${GPU_CHECK_BUILD:-/tmp/neurite-gpu-build}
py=${PYTHON:-python3}
peer_device=${GPU_CHECK_PEER_DEVICE:-cuda}
tmp=$(mktemp -d)
# neurite finds libdnnl.so.2's own dependency (libOpenCL.so.1) in the kit; PyTorch keeps the machine's paths.
ldpath=$kitlib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
neurite=(env "LD_LIBRARY_PATH=$ldpath" "$build/app/cli/neurite")
quick_neurite=() quick_peer=()
if [ -n "${GPU_CHECK_QUICK:-}" ]; then
  quick_neurite=(--train-samples 1024)
  quick_peer=(--max-steps 4 --warmup 2 --test-samples 1000)
fi

# step LIMIT NAME COMMAND...: COMMAND under `timeout`, cut to what the budget has left; records
# {"kind": "step"} in results.jsonl. Returns COMMAND's status, 124 when timed out, 254 when skipped.
# With STEP_LOG=FILE, COMMAND's output goes to FILE (the build's), the step's own lines to the log.
step() {
  local limit=$1 name=$2 room rc t0
  shift 2
  room=$((budget - reserve - SECONDS))
  if [ "$room" -lt 10 ]; then
    echo "== $name: skipped (${SECONDS}s of the ${budget}s budget spent)" >&2
    printf '{"kind": "step", "name": "%s", "skipped": true, "rc": null}\n' "$name" >> "$out/results.jsonl"
    return 254
  fi
  [ "$limit" -gt "$room" ] && limit=$room
  echo "== [${SECONDS}s] $name (limit ${limit}s)" >&2
  t0=$SECONDS
  if [ -n "${STEP_LOG:-}" ]; then
    timeout -k 10 "$limit" "$@" > "$STEP_LOG" 2>&1
  else
    timeout -k 10 "$limit" "$@"
  fi
  rc=$?
  [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && echo "$name: TIMED OUT after ${limit}s" >&2
  echo "exit $rc ($((SECONDS - t0))s)" >&2
  printf '{"kind": "step", "name": "%s", "rc": %d, "seconds": %d, "limit": %d}\n' "$name" "$rc" $((SECONDS - t0)) \
    "$limit" >> "$out/results.jsonl"
  return "$rc"
}

# neurite_case CASE MODEL BATCH PRECISION EPOCHS DEVICE LIMIT: one `neurite train`, recorded.
neurite_case() {
  local case=$1 model=$2 batch=$3 precision=$4 epochs=$5 device=$6 limit=$7 rc extra=()
  local summary=$tmp/$case-$device.json text=$tmp/$case-$device.out
  [ "$device" = cuda ] && extra=(--precision "$precision")
  [ "$built" = 1 ] || { echo "== neurite $case on $device: skipped (no build)" >&2; return; }
  step "$limit" "neurite $case on $device, batch $batch, $precision, $epochs epochs" "${neurite[@]}" train "$model" \
    --data fashion-mnist --epochs "$epochs" --batch "$batch" --optimizer adam --lr 0.001 --val-split 0 \
    --device "$device" "${extra[@]}" "${quick_neurite[@]}" --no-store --json "$summary" | tee "$text"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 254 ] && return
  "$py" benchmarks/gpu_report.py neurite "$out" --case "$case" --device "$device" --precision "$precision" \
    --batch "$batch" --epochs "$epochs" --summary "$summary" --stdout "$text" --rc "$rc"
}

# peer_case CASE BATCH PRECISION EPOCHS LIMIT: the PyTorch peer's three variants, one JSON line each.
peer_case() {
  local extra=()
  [ "$3" = tf32 ] && extra=(--precision tf32)
  step "$5" "pytorch $1 on $peer_device, batch $2, $3, $4 epochs" "$py" benchmarks/torch_gpu_peer.py --model "$1" \
    --batch "$2" --epochs "$4" --device "$peer_device" --data "$fashion" "${extra[@]}" "${quick_peer[@]}" \
    >> "$out/results.jsonl"
}

{
  date -u
  : > "$out/results.jsonl"
  mkdir -p "$kit"
  for f in .kit/*.deb; do dpkg -x "$f" "$kit"; done
  fashion=/usr/share/datasets/fashion-mnist
  [ -d "$fashion" ] || fashion=$kit/usr/share/datasets/fashion-mnist  # the carried dataset-fashion-mnist
  export NEURITE_FASHION_MNIST=$fashion   # datasets/DatasetCatalogue.cpp looks there first
  ls "$fashion" || echo "no Fashion-MNIST: run benchmarks/gpu_kit.sh and carry .kit"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || echo "nvidia-smi: none"
  "$py" benchmarks/gpu_report.py machine "$out" > /dev/null

  built=0
  if [ -n "${GPU_CHECK_NO_BUILD:-}" ]; then
    [ -x "$build/app/cli/neurite" ] && built=1
  else
    STEP_LOG=$out/cmake.log step 150 "configure" cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNEURITE_STUDIO=OFF \
      -DNEURITE_TESTS=OFF -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_PREFIX_PATH="$kit/usr" \
      -DNEURITE_STB_INCLUDE="$kit/usr/include/stb" \
      -DSQLite3_INCLUDE_DIR="$kit/usr/include" -DSQLite3_LIBRARY="$kitlib/libsqlite3.a" \
      -DOPENSSL_INCLUDE_DIR="$kit/usr/include" -DOPENSSL_CRYPTO_LIBRARY=/usr/lib/x86_64-linux-gnu/libcrypto.so.3 \
      -DCMAKE_CXX_FLAGS="-isystem $kit/usr/include/x86_64-linux-gnu"
    configured=$?
    [ "$configured" -eq 0 ] || tail -30 "$out/cmake.log"
    if [ -n "${GPU_CHECK_CONFIGURE_ONLY:-}" ]; then
      grep -E "oneDNN|NEURITE_CUDA|CUDA|Found" "$out/cmake.log"
      exit "$configured"
    fi
    if [ "$configured" -eq 0 ]; then
      targets=(neurite neurite_cuda neurite_cuda_check)
      # oneDNN's module (optional: the CPU reference runs' convolutions) where the kit's oneDNN was found.
      ninja -C "$build" -t query neurite_onednn > /dev/null 2>&1 && targets+=(neurite_onednn)
      if STEP_LOG=$out/build.log step 330 "build ${targets[*]}" cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"; then
        built=1
      else
        grep -B2 -A8 -E "error|FAILED" "$out/build.log" | head -60
      fi
    fi
  fi

  if [ "$built" = 1 ]; then
    step 60 "neurite doctor" "${neurite[@]}" doctor
    # Exit 0: every check passed; 1: one failed; 2: no GPU.
    [ -x "$build/engine/backends/cuda/neurite_cuda_check" ] &&
      step 90 "neurite_cuda_check" env "LD_LIBRARY_PATH=$ldpath" "$build/engine/backends/cuda/neurite_cuda_check"
    # Every operation, forward and backward, on the GPU against the reference backend.
    step 120 "neurite doctor --parity --device cuda" "${neurite[@]}" doctor --parity --device cuda
  fi

  # The benchmark: case, model, batch, precision, epochs (the CPU figures' epochs: README, Speed (CPU)).
  epochs_mlp=10 epochs_cnn=5 epochs_wide=5
  [ -n "${GPU_CHECK_QUICK:-}" ] && epochs_mlp=1 epochs_cnn=1 epochs_wide=1
  neurite_case mlp resources/models/mlp.json 128 fp32 "$epochs_mlp" cuda 120
  neurite_case cnn resources/models/cnn.json 128 fp32 "$epochs_cnn" cuda 120
  neurite_case cnn-wide benchmarks/models/cnn-wide.json 512 tf32 "$epochs_wide" cuda 120
  # Mixed precision (not one of the issue's targets: how much bf16 adds over tf32 on the same model).
  neurite_case cnn-wide-bf16 benchmarks/models/cnn-wide.json 512 bf16 "$epochs_wide" cuda 120
  peer_case mlp 128 fp32 "$epochs_mlp" 200
  peer_case cnn 128 fp32 "$epochs_cnn" 200
  peer_case cnn-wide 512 tf32 "$epochs_wide" 200

  if [ "$built" = 1 ]; then
    echo "== the same small classifier trained on the GPU and on the CPU (same seed: accuracies alike)"
    printf '%s' '{"version": 1, "input": [2], "layers": [{"type": "Linear", "out_features": 64}, {"type": "ReLU"},
      {"type": "Dropout", "p": 0.1}, {"type": "Linear", "out_features": 64}, {"type": "BatchNorm1d"}, {"type": "ReLU"},
      {"type": "Linear", "out_features": 3}, {"type": "CrossEntropyLoss"}]}' > "$tmp/points.json"
    for device in cuda cpu; do
      step 45 "points on $device" "${neurite[@]}" train "$tmp/points.json" --data spiral:samples=3000 --epochs 20 \
        --lr 0.01 --device "$device" --deterministic --no-store --quiet
    done
  fi
  if [ "$built" = 1 ]; then
    # Telemetry computed by the CUDA kernels (issue 12): a recorded CNN run, then its layers' health;
    # its samples/s beside the unrecorded cnn case above give telemetry's cost on the GPU.
    step 60 "telemetry: the CNN recorded on cuda" "${neurite[@]}" train resources/models/cnn.json --data fashion-mnist \
      --epochs 1 --batch 128 --device cuda --workspace "$tmp/telemetry.db" --name gpu-telemetry
    step 20 "telemetry: the layers' health" "${neurite[@]}" runs show 1 --workspace "$tmp/telemetry.db"
  fi
  # The CPU's accuracy on this machine, same settings (the report falls back on README's figures).
  neurite_case mlp resources/models/mlp.json 128 fp32 "$epochs_mlp" cpu 120
  neurite_case cnn resources/models/cnn.json 128 fp32 "$epochs_cnn" cpu 150

  echo "== report (${SECONDS}s)"
  timeout 30 "$py" benchmarks/gpu_report.py report "$out"
  rm -rf "$tmp"
} 2>&1 | tee "$out/gpu-check.log"
