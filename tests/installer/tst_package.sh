#!/usr/bin/env bash
# CPack's .deb of the build, unpacked into a scratch root (dpkg -x), runs `neurite --version`
# and checks an example model from there.
set -euo pipefail
build=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$build" && cpack -G "DEB;TGZ" -B "$scratch/out" > "$scratch/cpack.log") || { cat "$scratch/cpack.log"; exit 1; }
deb=$(ls "$scratch"/out/*.deb)
ls "$scratch"/out/*.tar.gz > /dev/null
dpkg-deb --field "$deb" Depends | grep -q libopenblas0 || { echo "the .deb does not declare OpenBLAS"; exit 1; }
dpkg -x "$deb" "$scratch/root"
version=$("$scratch/root/usr/bin/neurite" --version)
echo "$version"
[ "$version" = "neurite $(grep -oP 'project\(NeuriteStudio VERSION \K[0-9.]+' "$(dirname "$0")/../../CMakeLists.txt")" ]
"$scratch/root/usr/bin/neurite" models check "$scratch/root/usr/share/neurite/models/cnn.json" | tail -1
