#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run the whole test suite
# (CTest: QtTest executables and the packaging test), then the same suite under ASan + UBSan.
#   NEURITE_SKIP_SANITIZE=1 installer/test.sh   skips the sanitizer pass (local iteration)
# The sanitizer pass builds without the CUDA and oneDNN modules: NVIDIA's libraries are not
# instrumented and LeakSanitizer reports their allocations, and LeakSanitizer's exit-time scan
# crashes ("Tracer caught signal 11") while OpenMP's worker threads (oneDNN's) are alive. That
# pass tests the modules' absence and our own lowering; the first pass tests oneDNN.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

"$root/installer/setup.sh"
build="${NEURITE_BUILD_DIR:-$root/build}"
ctest --test-dir "$build" --output-on-failure -j"$jobs"

if [ "${NEURITE_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "test: the same suite under AddressSanitizer and UndefinedBehaviorSanitizer"
  NEURITE_BUILD_DIR="$root/build-sanitize" NEURITE_BUILD_TYPE=Debug \
    NEURITE_CMAKE_ARGS="-DNEURITE_SANITIZE=ON -DNEURITE_CUDA=OFF -DNEURITE_ONEDNN=OFF" "$root/installer/setup.sh"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 LSAN_OPTIONS="suppressions=$root/installer/lsan.supp" \
    ctest --test-dir "$root/build-sanitize" --output-on-failure -j"$jobs" -LE slow
fi
