//! Shared fixtures for the integration tests: the Python Maya emulator as a real
//! process (with its control port for assertions), and small socket helpers.
//! The tests themselves are in `tests/`.

pub mod link_world;
pub mod scripted_mosketch;
pub mod serve_client;

use mayalink_engine::console::ConsoleHub;
use mayalink_engine::maya::{
    Language, MayaAddress, MayaSession, RunOptions, RunResult, SessionConfig,
};
use mayalink_engine::output::OutputService;
use mayalink_engine::simulators::{MosketchSimulator, SimConfig, SimSettings};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The repository root (tests start processes by paths relative to it).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// A running `tests/emulators/maya_emulator.py`; killed on drop.
pub struct Emulator {
    pub port: u16,
    pub control: u16,
    pub pid: u32,
    child: Child,
}

impl Emulator {
    pub fn start(args: &[&str]) -> Emulator {
        let script = repo_root().join("tests/emulators/maya_emulator.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("EMULATOR_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("python3 runs the Maya emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("READY line");
        let field = |k: &str| -> u32 {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(&format!("{k}=")))
                .unwrap_or_else(|| panic!("emulator said {line:?}"))
                .parse()
                .unwrap()
        };
        Emulator {
            port: field("port") as u16,
            control: field("control") as u16,
            pid: field("pid"),
            child,
        }
    }

    pub fn python() -> Emulator {
        Self::start(&[])
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn control(&self, request: Value) -> Value {
        let mut s = TcpStream::connect(("127.0.0.1", self.control)).expect("control port");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(format!("{request}\n").as_bytes()).unwrap();
        let mut line = String::new();
        BufReader::new(s).read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("control reply {line:?}: {e}"))
    }

    pub fn state(&self) -> Value {
        self.control(json!({"cmd": "state"}))
    }

    pub fn counter(&self, name: &str) -> u64 {
        self.state()["counters"][name].as_u64().unwrap_or(0)
    }

    pub fn fault(&self, mode: &str) {
        self.control(json!({"cmd": "fault", "mode": mode}));
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A unique session id per test, so tests sharing an emulator never collide.
pub fn session_id(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A Maya session (not yet connected) on the emulator, reporting to `hub`, with live
/// output when `output` is given.
pub fn session(emu: &Emulator, hub: &ConsoleHub, output: Option<OutputService>) -> MayaSession {
    let cfg = SessionConfig::new(
        session_id("t"),
        "test",
        MayaAddress::parse(&emu.address()).unwrap(),
    );
    MayaSession::spawn(cfg, hub.clone(), output)
}

/// Runs Python `code` with the default options within 30 s; the result, delivered.
pub async fn run(s: &MayaSession, code: &str) -> RunResult {
    run_within(s, code, Duration::from_secs(30))
        .await
        .expect("run delivered")
}

/// Runs `code` in a Maya session with the default options and asserts it ran
/// without an error; the result, for further checks.
pub async fn run_ok(s: &MayaSession, code: &str, language: Language) -> RunResult {
    let r = s.run(code, language, RunOptions::default()).await.unwrap();
    assert!(r.ok, "{r:?}");
    r
}

/// Runs Python `code` with the default options; the test fails if it takes longer
/// than `limit`.
pub async fn run_within(
    s: &MayaSession,
    code: &str,
    limit: Duration,
) -> Result<RunResult, mayalink_engine::AppError> {
    tokio::time::timeout(limit, s.run(code, Language::Python, RunOptions::default()))
        .await
        .unwrap_or_else(|_| panic!("the run did not finish within {limit:?}"))
}

/// The simulated Mosketch on a free loopback port, with these settings.
pub async fn start_sim(settings: SimSettings) -> MosketchSimulator {
    MosketchSimulator::start(SimConfig {
        settings,
        ..Default::default()
    })
    .await
    .expect("simulator starts")
}

/// The simulated Mosketch streaming at `rate_hz` (every other setting the default).
pub async fn sim_at(rate_hz: f64) -> MosketchSimulator {
    start_sim(SimSettings {
        rate_hz,
        ..Default::default()
    })
    .await
}

/// Waits up to `limit` until the watched value satisfies `pred`, and returns it;
/// panics naming `what` (with the last value) when it never does.
pub async fn wait_watch<T: Clone + std::fmt::Debug>(
    rx: &mut tokio::sync::watch::Receiver<T>,
    limit: Duration,
    what: &str,
    pred: impl FnMut(&T) -> bool,
) -> T {
    let result = tokio::time::timeout(limit, rx.wait_for(pred))
        .await
        .map(|r| r.map(|v| v.clone()));
    match result {
        Ok(Ok(v)) => v,
        Ok(Err(_)) => panic!("{what}: the session stopped"),
        Err(_) => panic!("{what}: timed out; last value:\n{:#?}", rx.borrow().clone()),
    }
}

/// The property tests' configuration: `cases` cases, and no failure file written
/// into the tree.
pub fn proptest_cases(cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..Default::default()
    }
}

/// The `mayalink` CLI binary, built on first use (a workspace test run may not
/// have built the engine's binaries).
pub fn mayalink_bin() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let status = Command::new(env!("CARGO"))
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "mayalink-engine",
                    "--bin",
                    "mayalink",
                ])
                .current_dir(repo_root())
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building the mayalink CLI failed");
            // tests run from target/<profile>/deps/
            let exe = std::env::current_exe().unwrap();
            exe.parent()
                .unwrap()
                .parent()
                .unwrap()
                .join(format!("mayalink{}", std::env::consts::EXE_SUFFIX))
        })
        .clone()
}

/// This process's resident memory (MB), for the bounded-memory checks (Linux).
pub fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
                .map(|kb| kb / 1024.0)
        })
        .unwrap_or(0.0)
}
