#!/usr/bin/env bash
# The README's first command: install what is missing, build, and start Neurite Studio.
# Without a display (or before the studio is built) it does the same job headless: it trains an
# example model on Fashion-MNIST from the command line, on the default store.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/installer/setup.sh"
build="${NEURITE_BUILD_DIR:-$root/build}"
studio="$build/app/studio/neurite-studio"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$studio" ]; then
  exec "$studio" "$@"
fi
if [ ! -x "$studio" ]; then
  echo "start: the studio (neurite-studio) is not part of this build yet; training an example model from the command line."
else
  echo "start: no display found (DISPLAY and WAYLAND_DISPLAY are unset); training an example model from the command line."
fi
"$build/app/cli/neurite" doctor
exec "$build/app/cli/neurite" train "$root/resources/models/mlp.json" --data fashion-mnist --epochs 3 "$@"
