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

# The studio: its program, a valid .desktop entry, an icon in the hicolor theme, AppStream metadata.
if [ -x "$build/app/studio/neurite-studio" ]; then
  [ -x "$scratch/root/usr/bin/neurite-studio" ] || { echo "the .deb has no neurite-studio"; exit 1; }
  desktop-file-validate "$scratch/root/usr/share/applications/neurite-studio.desktop"
  [ -f "$scratch/root/usr/share/icons/hicolor/scalable/apps/neurite-studio.svg" ] || { echo "no icon"; exit 1; }
  appstreamcli validate --no-net "$scratch/root/usr/share/metainfo/io.github.neurite.Studio.metainfo.xml"
  for dep in libqt6widgets6 libqt6svg6 libgl1; do
    dpkg-deb --field "$deb" Depends | grep -q "$dep" || { echo "the .deb does not declare $dep"; exit 1; }
  done
  QT_QPA_PLATFORM=offscreen "$scratch/root/usr/bin/neurite-studio" --version
fi
