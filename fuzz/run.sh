#!/usr/bin/env bash
# Runs the fuzz targets (all, or those named) for SECONDS each, JOBS at a time, and prints
# one line per target: "<target> ok|FAILED <execs> execs in <s> s". Logs and crashing
# inputs: fuzz/logs/<target>.log, fuzz/artifacts/<target>/. Exits 1 if any target failed.
#   fuzz/run.sh SECONDS [target...]     (JOBS=2, RSS_MB=2048 by default)
#   RUNS=N also stops a target after N executions (the long runs' goal: 10 million or
#   30 minutes, whichever comes first); NICE=19 yields the CPU to everything else.
# Needs the nightly toolchain and cargo-fuzz (.ci/install-deps.sh test installs both).
set -uo pipefail
cd "$(dirname "$0")" || exit 1
export PATH="$HOME/.cargo/bin:$PATH"
SECONDS_EACH="${1:?usage: fuzz/run.sh SECONDS [target...]}"; shift
JOBS="${JOBS:-2}"
RSS_MB="${RSS_MB:-2048}"
RUNS="${RUNS:--1}"
NICE="${NICE:-10}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
mkdir -p logs
# -a: debug assertions (overflow checks) on, as in the debug builds the tests use.
if ! nice -n "$NICE" cargo +nightly fuzz build -a > logs/build.log 2>&1; then
  tail -30 logs/build.log; for t in "${targets[@]}"; do echo "$t FAILED (build)"; done; exit 1
fi

run_one() {
  local t=$1 log=logs/$1.log
  mkdir -p "corpus/$t" "seeds/$t"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: a memory blow-up.
  nice -n "$NICE" cargo +nightly fuzz run -a "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$SECONDS_EACH" -runs="$RUNS" -timeout=10 -rss_limit_mb="$RSS_MB" -print_final_stats=1 \
    > "$log" 2>&1
  local rc=$? execs secs
  execs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  secs=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE '[0-9]+ second' | grep -oE '[0-9]+' || echo "$SECONDS_EACH")
  if [ "$rc" -eq 0 ]; then echo "$t ok ${execs:-0} execs in ${secs} s"
  else echo "$t FAILED ${execs:-0} execs (see fuzz/$log and fuzz/artifacts/$t/)"; grep -m3 -E 'panicked|ERROR: libFuzzer|SUMMARY' "$log" | sed 's/^/    /'; fi
  return $rc
}

failed=0; running=0
for t in "${targets[@]}"; do
  run_one "$t" > "logs/$t.result" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait
for t in "${targets[@]}"; do cat "logs/$t.result"; grep -q "^$t ok" "logs/$t.result" || failed=1; done
exit $failed
