//! Shared fixtures for the integration tests: starting emulator processes and
//! finding the built binaries. The tests themselves are in `tests/`.

use std::path::PathBuf;

/// The repository root (tests start processes by paths relative to it).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}
