#!/usr/bin/env bash
# The packaged app's figures against their goals: package sizes, the release build's start
# to its first painted window under Xvfb, and the idle memory (proportional set size) of all
# the app's processes (the app, WebKit's web and network processes) on the first-run
# welcome with no Maya and no Mosketch, then in demo mode. Run `make package` first; the
# Windows .exe is measured when the cross tier's release build is there ($CROSS_TARGET_DIR).
#   tests/bench/app-figures.sh [RUNS]        (RUNS starts per mode, default 3)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
APP="${APP:-target/release/mayalink-app}"
RUNS="${1:-3}"
CROSS="${CROSS_TARGET_DIR:-/work/target-cross}/x86_64-pc-windows-gnu/release/mayalink-app.exe"
[ -x "$APP" ] || { echo "no $APP: run make package first"; exit 1; }
for tool in Xvfb xwininfo import dbus-run-session; do
  command -v "$tool" > /dev/null || { echo "needs $tool (make test installs it)"; exit 1; }
done

mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1048576 }'; }
goal() { awk -v v="$1" -v g="$2" 'BEGIN { print (v <= g) ? "met" : "NOT met" }'; }

echo "Package sizes"
for f in target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm "$CROSS"; do
  [ -f "$f" ] || continue
  size=$(stat -c %s "$f")
  case "$f" in
    *.deb) echo "  $(basename "$f"): $(mb "$size") — goal ≤ 20 MB: $(goal "$size" 20971520)" ;;
    *) echo "  $(basename "$f"): $(mb "$size")" ;;
  esac
done

# Every process under $1 (the app and the WebKit processes it starts).
tree() { echo "$1"; for c in $(pgrep -P "$1"); do tree "$c"; done; }
pss_kb() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
# The part of a process's PSS in OpenGL libraries: under Xvfb that is Mesa's software renderer
# (llvmpipe, libLLVM); on an artist's machine the GPU driver stands in its place.
gl_kb() {
  awk '/^[0-9a-f]+-[0-9a-f]+ / { gl = ($6 ~ /libLLVM|\/dri\/|libgallium|libGL|libEGL|libglapi|libgbm/) }
       gl && /^Pss:/ { s += $2 } END { print s + 0 }' "/proc/$1/smaps" 2>/dev/null || echo 0
}

# One start: prints "<ms to mapped> <ms to painted> <PSS kB total> <per-process list>".
one_start() {
  local mode=$1 display=$2 config logs pid t0 mapped="" painted="" now
  config=$(mktemp -d) logs=$(mktemp -d)
  t0=$(date +%s%N)
  DISPLAY=":$display" MAYALINK_CONFIG_DIR="$config" MAYALINK_LOG_DIR="$logs" \
    "$APP" $([ "$mode" = demo ] && echo --demo) > "$logs/out.txt" 2>&1 &
  pid=$!
  for _ in $(seq 1 400); do
    now=$(date +%s%N)
    if [ -z "$mapped" ] && DISPLAY=":$display" xwininfo -name Mayalink 2>/dev/null | grep -q IsViewable; then
      mapped=$(( (now - t0) / 1000000 ))
    fi
    # Painted: the window holds the UI (many colours), not an empty or single-colour frame.
    if [ -n "$mapped" ] && [ "$(DISPLAY=":$display" import -window root -format '%k' info: 2>/dev/null || echo 0)" -gt 64 ]; then
      painted=$(( ($(date +%s%N) - t0) / 1000000 ))
      break
    fi
    sleep 0.02
  done
  sleep "$([ "$mode" = demo ] && echo 15 || echo 10)"   # settle: idle, or the demo streaming
  local total=0 gl=0 parts=""
  for p in $(tree "$pid"); do
    local kb; kb=$(pss_kb "$p"); total=$((total + kb)); gl=$((gl + $(gl_kb "$p")))
    parts="$parts $(cat "/proc/$p/comm" 2>/dev/null)=$((kb / 1024))MB"
  done
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  rm -rf "$config" "$logs"
  echo "${mapped:--} ${painted:--} $total $gl$parts"
}

Xvfb :93 -screen 0 1280x800x24 -nolisten tcp > /dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null' EXIT
sleep 1
for mode in welcome demo; do
  limit=$([ "$mode" = demo ] && echo 300 || echo 250)
  echo "Start and idle memory, $mode ($RUNS starts, release build, Xvfb 1280×800, warm disk cache)"
  for i in $(seq 1 "$RUNS"); do
    # The session bus's own chatter goes to the same stream: the figures are the last line.
    read -r mapped painted kb gl parts < <(dbus-run-session -- bash -c "$(declare -f one_start tree pss_kb gl_kb); APP='$APP' one_start $mode 93" 2> /dev/null | tail -1)
    echo "  start $i: window mapped after ${mapped} ms, painted after ${painted} ms — goal ≤ 1500 ms: $( [ "$painted" != - ] && goal "$painted" 1500 || echo 'NOT met')"
    echo "          idle PSS $(mb $((kb * 1024))) (${parts# }; of it software OpenGL $((gl / 1024)) MB) — goal ≤ $limit MB: $(goal "$kb" $((limit * 1024)))"
  done
done
