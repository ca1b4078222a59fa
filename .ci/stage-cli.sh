#!/usr/bin/env bash
# Builds the `mayalink` CLI and puts it where the app's bundles take it from:
#   Linux:          target/<profile>/mayalink (deb/rpm install it as /usr/bin/mayalink)
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
host=$(rustc -vV | sed -n 's/^host: //p')
[ -n "$triple" ] || triple=$host
target_dir="${CARGO_TARGET_DIR:-target}"
flags=(); [ "$profile" = release ] && flags=(--release)
exe=""; case "$triple" in *windows*) exe=.exe ;; esac

build() { # triple -> path of the built CLI (the host's without --target, so `tauri build` reuses it)
  if [ "$1" = "$host" ]; then
    cargo build "${flags[@]}" -p mayalink-engine --bin mayalink >&2
    echo "$target_dir/$profile/mayalink$exe"
  else
    cargo build "${flags[@]}" -p mayalink-engine --bin mayalink --target "$1" >&2
    echo "$target_dir/$1/$profile/mayalink$exe"
  fi
}

case "$triple" in
  universal-apple-darwin)
    out=src-tauri/binaries/mayalink-universal-apple-darwin
    mkdir -p src-tauri/binaries
    lipo -create -output "$out" "$(build aarch64-apple-darwin)" "$(build x86_64-apple-darwin)" ;;
  *linux*)
    # The deb and rpm map /usr/bin/mayalink to target/release/mayalink (the host's build).
    out=$(build "$triple") ;;
  *)
    out="src-tauri/binaries/mayalink-$triple$exe"
    mkdir -p src-tauri/binaries
    cp "$(build "$triple")" "$out" ;;
esac
echo "staged $out ($(du -h "$out" | cut -f1))"
