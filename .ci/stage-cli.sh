#!/usr/bin/env bash
# Builds the `mayalink` CLI and puts it where the app's bundles take it from:
#   Linux:          target/<triple>/<profile>/mayalink (deb/rpm install it as /usr/bin/mayalink)
#   Windows, macOS: src-tauri/binaries/mayalink-<triple>[.exe], Tauri's externalBin
#                   (tauri.windows.conf.json / tauri.macos.conf.json), installed beside the app.
# Usage: .ci/stage-cli.sh [TRIPLE] [--debug]     (TRIPLE defaults to the host's;
#        universal-apple-darwin builds both macOS architectures and joins them with lipo)
set -euo pipefail
cd "$(dirname "$0")/.."
triple="" profile=release
for a in "$@"; do
  case "$a" in
    --debug) profile=debug ;;
    -*) echo "unknown option $a" >&2; exit 2 ;;
    *) triple="$a" ;;
  esac
done
[ -n "$triple" ] || triple=$(rustc -vV | sed -n 's/^host: //p')
target_dir="${CARGO_TARGET_DIR:-target}"
flags=(); [ "$profile" = release ] && flags=(--release)

build() { # triple -> path of the built CLI
  cargo build "${flags[@]}" -p mayalink-engine --bin mayalink --target "$1" >&2
  local exe=""; case "$1" in *windows*) exe=.exe ;; esac
  echo "$target_dir/$1/$profile/mayalink$exe"
}

mkdir -p src-tauri/binaries
case "$triple" in
  universal-apple-darwin)
    lipo -create -output src-tauri/binaries/mayalink-universal-apple-darwin \
      "$(build aarch64-apple-darwin)" "$(build x86_64-apple-darwin)"
    out=src-tauri/binaries/mayalink-universal-apple-darwin ;;
  *linux*)
    # The Linux bundles map /usr/bin/mayalink to the host build (no --target), as `tauri build` does.
    cargo build "${flags[@]}" -p mayalink-engine --bin mayalink >&2
    out="$target_dir/$profile/mayalink" ;;
  *)
    bin=$(build "$triple"); exe=""; case "$triple" in *windows*) exe=.exe ;; esac
    out="src-tauri/binaries/mayalink-$triple$exe"
    cp "$bin" "$out" ;;
esac
echo "staged $out ($(du -h "$out" | cut -f1))"
