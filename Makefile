# Mayalink: the README's commands. Each installs what is missing first.
.PHONY: run test fuzz package deps-run deps-test bindings

APP := target/debug/mayalink-app

run: deps-run  ## build and launch the app (demo Maya and Mosketch when no real ones are reachable)
	npx tauri build --debug --no-bundle
	$(APP) --demo

test: deps-test  ## every test tier; ends with "N passed, N failed"
	.ci/test-all.sh

FUZZ_SECONDS ?= 1800
fuzz: deps-test  ## every fuzz target for 10 million runs or FUZZ_SECONDS (1800) each, two at a time (fuzz/run.sh; docs/fuzzing.md)
	JOBS=$${JOBS:-2} RUNS=$${RUNS:-10000000} fuzz/run.sh $(FUZZ_SECONDS)

package: deps-run  ## .deb and .rpm bundles in target/release/bundle/, with the mayalink CLI
	cargo build --release -p mayalink-engine --bin mayalink
	npx tauri build --bundles deb,rpm

bindings:  ## regenerate ui/src/bindings from the Rust types
	cargo test --workspace --lib export_bindings

deps-run:
	.ci/install-deps.sh run

deps-test:
	.ci/install-deps.sh test
