#!/usr/bin/env bash
# Runs every test tier and ends with one line "N passed, N failed" summing them.
# Tiers: emulators (Python unittest), Rust (cargo test, writes the TS bindings), cross
# (Windows build, macOS check), fuzz (every fuzz target briefly), bindings check, Rust
# format check, workflow lint (actionlint), UI type check, UI unit (vitest), browser
# (Playwright in Debian's Chromium against `mayalink serve`), real app end-to-end
# (tauri-driver under Xvfb). Exits non-zero if any tier fails.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
LOGS=tests/artifacts/logs
mkdir -p "$LOGS"
PASSED=0
FAILED=0
SUMMARY=()

tier() { # name passed failed
  PASSED=$((PASSED + $2)); FAILED=$((FAILED + $3))
  SUMMARY+=("$(printf '%-12s %5d passed %5d failed' "$1" "$2" "$3")")
  printf '\033[1;36m--- %s: %d passed, %d failed\033[0m\n' "$1" "$2" "$3"
}
# Counts from a log with a fallback: a tier that crashed before reporting counts as 1 failure.
or_crash() { if [ "$1" -eq 0 ] && [ "$2" -eq 0 ] && [ "$3" -ne 0 ]; then echo "0 1"; else echo "$1 $2"; fi; }

# 1. Python: the emulators' own tests (the oracle must be right before anything leans on it),
# and the output stream of the helper Mayalink installs in Maya (test_helper_stream.py).
python3 -m unittest discover -s tests/emulators -p 'test_*.py' -v > "$LOGS/emulators.log" 2>&1; rc=$?
ran=$(grep -oE '^Ran [0-9]+' "$LOGS/emulators.log" | awk '{s+=$2} END {print s+0}')
bad=$(grep -oE '(failures|errors)=[0-9]+' "$LOGS/emulators.log" | cut -d= -f2 | awk '{s+=$1} END {print s+0}')
read -r p f < <(or_crash $((ran - bad)) "$bad" $rc); tier emulators "$p" "$f"

# 2. Rust workspace.
cargo test --workspace --no-fail-fast --color never > "$LOGS/rust.log" 2>&1; rc=$?
p=$(grep -oE 'test result: .* ([0-9]+) passed' "$LOGS/rust.log" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
f=$(grep -oE '; [0-9]+ failed' "$LOGS/rust.log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
read -r p f < <(or_crash "$p" "$f" $rc); tier rust "$p" "$f"
grep -E '^test .* FAILED|panicked' "$LOGS/rust.log" | head -20

# 2b. Other platforms from here: the app and CLI build for Windows (mingw, with the CLI staged as
# the app's externalBin), the engine and CLI type-check for both macOS architectures.
cp_=0; cf_=0; : > "$LOGS/cross.log"
cross() { if "$@" >> "$LOGS/cross.log" 2>&1; then cp_=$((cp_ + 1)); else cf_=$((cf_ + 1)); echo "cross: '$*' failed:"; tail -15 "$LOGS/cross.log"; fi; }
cross_windows() { .ci/stage-cli.sh x86_64-pc-windows-gnu --debug && cargo build --color never --target x86_64-pc-windows-gnu -p mayalink-app -p mayalink-engine; }
cross cross_windows
cross cargo check --color never -p mayalink-engine --target aarch64-apple-darwin
cross cargo check --color never -p mayalink-engine --target x86_64-apple-darwin
ls -l target/x86_64-pc-windows-gnu/debug/*.exe 2>/dev/null | awk '{printf "  %s %.1f MB\n", $NF, $5 / 1048576}'
tier cross "$cp_" "$cf_"

# 2c. Fuzz smoke: every fuzz target (fuzz/, cargo-fuzz on nightly) for FUZZ_SMOKE_SECONDS
# (20) each, two at a time; one pass or fail per target. `make fuzz` runs the long ones.
fuzz/run.sh "${FUZZ_SMOKE_SECONDS:-20}" > "$LOGS/fuzz.log" 2>&1; rc=$?
p=$(grep -cE '^[a-z_]+ ok ' "$LOGS/fuzz.log"); f=$(grep -cE '^[a-z_]+ FAILED' "$LOGS/fuzz.log")
read -r p f < <(or_crash "$p" "$f" $rc); tier fuzz "$p" "$f"
[ "$f" -eq 0 ] || tail -20 "$LOGS/fuzz.log"

# 3. The committed TypeScript bindings must match what the Rust types generate.
stale=$(git status --porcelain -- ui/src/bindings)
if [ -z "$stale" ]; then tier bindings 1 0; else
  echo "ui/src/bindings is stale: regenerate with 'cargo test' and commit:"; echo "$stale"; tier bindings 0 1; fi

# 3b. Rust code stays in rustfmt's format (small diffs that are about behaviour).
if cargo fmt --all --check > "$LOGS/rustfmt.log" 2>&1; then tier rust-format 1 0; else
  echo "Rust code is not formatted: run 'cargo fmt --all' and commit:"; head -20 "$LOGS/rustfmt.log"; tier rust-format 0 1; fi

# 3c. The GitHub workflows pass actionlint (expressions, action inputs, shellcheck on run: scripts).
ACTIONLINT="${XDG_CACHE_HOME:-$HOME/.cache}/mayalink/actionlint/bin/actionlint"
ap=0; af=0; : > "$LOGS/actionlint.log"
for wf in .github/workflows/*.yml; do
  if "$ACTIONLINT" -no-color -oneline "$wf" >> "$LOGS/actionlint.log" 2>&1; then ap=$((ap + 1)); else af=$((af + 1)); fi
done
[ "$af" -eq 0 ] || head -20 "$LOGS/actionlint.log"
tier actionlint "$ap" "$af"

# 4. UI: type check and unit tests.
npm run --silent check > "$LOGS/svelte-check.log" 2>&1 && tier ui-types 1 0 || { tail -20 "$LOGS/svelte-check.log"; tier ui-types 0 1; }
npx vitest run --config ui/vite.config.ts --reporter=json --outputFile="$PWD/$LOGS/vitest.json" > "$LOGS/vitest.log" 2>&1; rc=$?
read -r p f < <(node -e 'try{const r=require(process.argv[1]);console.log(r.numPassedTests,r.numFailedTests)}catch{console.log(0,0)}' "$PWD/$LOGS/vitest.json")
read -r p f < <(or_crash "$p" "$f" $rc); tier ui-unit "$p" "$f"

# node --test summary lines: "# pass N" / "# fail N".
node_counts() { echo "$(grep -oE '^# pass [0-9]+' "$1" | awk '{s+=$3} END {print s+0}') $(grep -oE '^# fail [0-9]+' "$1" | awk '{s+=$3} END {print s+0}')"; }

# 5. Browser tests: the real UI (npm run build) served by the real engine (`mayalink serve`),
# against the Maya emulator and the simulators, in Debian's Chromium. The Rust tier's cargo
# test has built target/debug/mayalink; cargo build makes sure it is there and current (a
# no-op then). One file at a time: each suite runs its own serve and processes.
if npm run --silent build > "$LOGS/build-ui.log" 2>&1 \
  && cargo build -p mayalink-engine --bin mayalink > "$LOGS/build-mayalink.log" 2>&1; then
  timeout 600 node --test --test-concurrency=1 --test-reporter=tap tests/browser/ > "$LOGS/browser.log" 2>&1; rc=$?
  read -r p f < <(node_counts "$LOGS/browser.log"); read -r p f < <(or_crash "$p" "$f" $rc)
else tail -20 "$LOGS/build-ui.log" "$LOGS/build-mayalink.log" 2>/dev/null; p=0; f=1; fi
tier browser "$p" "$f"; grep -E '^not ok' "$LOGS/browser.log" 2>/dev/null | head

# 6. The real app, built with the real UI embedded, driven through tauri-driver under Xvfb.
if npx tauri build --debug --no-bundle > "$LOGS/tauri-build.log" 2>&1; then
  timeout 900 xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
    node --test --test-concurrency=1 --test-reporter=tap tests/e2e/ > "$LOGS/e2e.log" 2>&1; rc=$?
  read -r p f < <(node_counts "$LOGS/e2e.log"); read -r p f < <(or_crash "$p" "$f" $rc)
else tail -30 "$LOGS/tauri-build.log"; p=0; f=1; fi
tier e2e "$p" "$f"; grep -E '^not ok' "$LOGS/e2e.log" 2>/dev/null | head
pkill -x tauri-driver 2>/dev/null || true

printf '%s\n' "${SUMMARY[@]}"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
