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
TEST_PKGS=(xvfb xauth dbus-x11 at-spi2-core webkit2gtk-driver chromium imagemagick rpm)
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
say "dependencies ready ($MODE)"
