//! `mayalink bench-maya`: figures for the Maya link against the Python emulator
//! (run from the repository root). Prints, does not judge:
//! - run round trip through a session vs a raw one-line commandPort round trip;
//! - the output callback's cost inside Maya: 100k prints with no callback, with a
//!   plain one-sendto-per-message callback, and with Mayalink's, plus lines lost.

use clap::Args as ClapArgs;
use mayalink_engine::console::ConsoleHub;
use mayalink_engine::maya::{
    helper, Language, MayaAddress, MayaSession, RunOptions, SessionConfig,
};
use mayalink_engine::output::{OutputConfig, OutputService};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

#[derive(ClapArgs)]
pub struct Args {
    /// The emulator script.
    #[arg(long, default_value = "tests/emulators/maya_emulator.py")]
    emulator: String,
    /// Round trips per side and round.
    #[arg(long, default_value_t = 100)]
    runs: usize,
    /// Alternating rounds (each side measured once per round).
    #[arg(long, default_value_t = 21)]
    rounds: usize,
    /// print() calls per callback measurement.
    #[arg(long, default_value_t = 100_000)]
    prints: usize,
}

pub(crate) struct Emu {
    child: std::process::Child,
    pub(crate) port: u16,
    /// The emulator's control port (its counters), 0 if it did not say.
    pub(crate) control: u16,
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_emulator(script: &str) -> std::io::Result<Emu> {
    start_emulator_with(script, &[])
}

/// The Python Maya emulator with extra arguments (e.g. `--scene FILE`).
pub(crate) fn start_emulator_with(script: &str, args: &[&str]) -> std::io::Result<Emu> {
    let mut child = Command::new("python3")
        .arg(script)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
    let port = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("port="))
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("emulator said {line:?}")))?;
    let control = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("control="))
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    Ok(Emu {
        child,
        port,
        control,
    })
}

pub(crate) fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Blocking round trips of `line(i)`; "1" is the raw baseline.
fn raw_round_trips(
    port: u16,
    n: usize,
    line: impl Fn(usize) -> String,
) -> std::io::Result<Vec<f64>> {
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port))?;
    c.set_nodelay(true)?;
    let mut out = Vec::with_capacity(n);
    let mut buf = [0u8; 256];
    for i in 0..n {
        let l = line(i);
        let t = Instant::now();
        c.write_all(l.as_bytes())?;
        let mut got = Vec::new();
        while !got.contains(&0) {
            let k = c.read(&mut buf)?;
            if k == 0 {
                return Err(std::io::Error::other("emulator closed"));
            }
            got.extend_from_slice(&buf[..k]);
        }
        out.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(out)
}

/// Per-round p50s of one side; rounds alternate between sides, so the machine's
/// drift hits every side alike and the median over rounds is the figure to read.
#[derive(Default)]
struct Rounds(Vec<f64>);

impl Rounds {
    fn add(&mut self, mut v: Vec<f64>) {
        self.0.push(percentile(&mut v, 0.5));
    }
    fn median(&self) -> f64 {
        percentile(&mut self.0.clone(), 0.5)
    }
    /// Median over rounds of this side's p50 ÷ the baseline's p50 in the same round.
    fn ratio_to(&self, base: &Rounds) -> f64 {
        let mut r: Vec<f64> = self.0.iter().zip(&base.0).map(|(a, b)| a / b).collect();
        percentile(&mut r, 0.5)
    }
}

/// `session.run("1")` round trips from the calling runtime, wherever the session puts its task.
async fn session_round_trips(
    addr: MayaAddress,
    name: String,
    n: usize,
) -> Result<Vec<f64>, String> {
    let mut cfg = SessionConfig::new(name, "bench", addr);
    cfg.output = false;
    cfg.idle_release = Duration::from_secs(30);
    let s = MayaSession::spawn(cfg, ConsoleHub::default(), None);
    s.connect().await.map_err(|e| e.message)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let r = s
            .run("1", Language::Python, RunOptions::default())
            .await
            .map_err(|e| e.message)?;
        assert!(r.ok, "{r:?}");
        out.push(t.elapsed().as_secs_f64() * 1e3);
    }
    s.shutdown().await.map_err(|e| e.message)?;
    Ok(out)
}

fn timing_code(prints: usize) -> String {
    format!(
        "import time\n_t = time.perf_counter()\nfor _i in range({prints}):\n    print('bench line', _i)\ntime.perf_counter() - _t"
    )
}

async fn timed_prints(s: &MayaSession, prints: usize) -> Result<f64, String> {
    let r = s
        .run(
            &timing_code(prints),
            Language::Python,
            RunOptions::default(),
        )
        .await
        .map_err(|e| e.message)?;
    r.value
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| format!("no timing: {:?}", r.error))
}

pub fn run(a: Args) -> ExitCode {
    // Single-threaded, like the CLI's `run`: the session's task lives beside its caller.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    bench_exit("bench-maya", rt.block_on(bench(a)))
}

/// A benchmark's exit: 0, or 1 with its error on stderr as `<name>: <error>`.
pub fn bench_exit(name: &str, result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn bench(a: Args) -> Result<(), String> {
    let emu = start_emulator(&a.emulator)
        .map_err(|e| format!("cannot start the emulator ({}): {e}", a.emulator))?;
    let addr = MayaAddress::parse(&format!("127.0.0.1:{}", emu.port)).unwrap();
    println!(
        "Maya link benchmark against the Python emulator (same process for every measurement)\n"
    );

    // 1. Round trips, alternating rounds. No output stream: only the call path.
    let (port, n) = (emu.port, a.runs);
    let (mut raw, mut line, mut cli, mut app) = (
        Rounds::default(),
        Rounds::default(),
        Rounds::default(),
        Rounds::default(),
    );
    for round in 0..a.rounds {
        let blocking = |f: Box<dyn Fn(usize) -> String + Send>| {
            std::thread::spawn(move || raw_round_trips(port, n, f))
                .join()
                .unwrap()
                .map_err(|e| e.to_string())
        };
        raw.add(blocking(Box::new(|_| "1".to_string()))?);
        line.add(blocking(Box::new(move |i| {
            helper::quick_run_line(&format!("bench-raw-{round}:{i}"), b"1").expect("a plain id")
        }))?);
        cli.add(session_round_trips(addr.clone(), format!("bench-cli-{round}"), n).await?);
        // The app calls from Tauri's multi-threaded runtime: the session gets its own thread.
        let (addr2, name) = (addr.clone(), format!("bench-app-{round}"));
        let from_app = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(session_round_trips(addr2, name, n))
        });
        app.add(from_app.join().unwrap()?);
    }
    println!("run round trip of \"1\": median over {} alternating rounds of each round's p50 ({n} runs per side and round)", a.rounds);
    println!(
        "  raw one-line commandPort (blocking socket) {:7.3} ms",
        raw.median()
    );
    println!("  Mayalink's run line, same raw client       {:7.3} ms   {:.2}x  (the helper's share, in Maya)", line.median(), line.ratio_to(&raw));
    println!(
        "  session.run, caller's runtime (CLI)        {:7.3} ms   {:.2}x  (goal <= 1.2x)",
        cli.median(),
        cli.ratio_to(&raw)
    );
    println!("  session.run, own thread (app)              {:7.3} ms   {:.2}x  (+ one thread hand-off each way)\n", app.median(), app.ratio_to(&raw));

    // 2. The callback's cost inside Maya's main thread.
    let mut cfg = SessionConfig::new("bench-plain", "bench", addr.clone());
    cfg.output = false;
    let plain = MayaSession::spawn(cfg, ConsoleHub::default(), None);
    let none_s = timed_prints(&plain, a.prints).await?;

    let sink = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let sink_port = sink.local_addr().unwrap().port();
    sink.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let counter = std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        let mut n = 0u64;
        while sink.recv(&mut buf).is_ok() {
            n += 1;
        }
        n
    });
    let install_plain = format!(
        "import socket, __main__\nfrom maya.api import OpenMaya as om\n_s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n_s.setblocking(False)\n\
         def _plain(m, t, c):\n    try:\n        _s.sendto(m.encode('utf-8'), ('127.0.0.1', {sink_port}))\n    except Exception:\n        pass\n\
         __main__._bench_cb = om.MCommandMessage.addCommandOutputCallback(_plain, None)"
    );
    plain
        .run(&install_plain, Language::Python, RunOptions::default())
        .await
        .map_err(|e| e.message)?;
    let plain_s = timed_prints(&plain, a.prints).await?;
    plain
        .run(
            "from maya.api import OpenMaya as om\nom.MMessage.removeCallback(_bench_cb)",
            Language::Python,
            RunOptions::default(),
        )
        .await
        .map_err(|e| e.message)?;
    let plain_datagrams = tokio::task::spawn_blocking(move || counter.join().unwrap())
        .await
        .unwrap();
    plain.shutdown().await.map_err(|e| e.message)?;

    let hub = ConsoleHub::new(1 << 16, 0);
    let output = OutputService::new(hub.clone(), OutputConfig::default());
    let ours_s = MayaSession::spawn(
        SessionConfig::new("bench-app", "bench", addr),
        hub,
        Some(output.clone()),
    );
    ours_s.connect().await.map_err(|e| e.message)?;
    let before = output.line_count("bench-app");
    let app_s = timed_prints(&ours_s, a.prints).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    output.flush("bench-app").await;
    let lines = output.history("bench-app", before, a.prints * 2 + 10);
    let bench_lines = lines
        .iter()
        .filter(|l| l.text.starts_with("bench line"))
        .count();
    let stats = output.session_stats("bench-app").unwrap_or_default();
    ours_s.shutdown().await.map_err(|e| e.message)?;

    let per = |s: f64| s / a.prints as f64 * 1e6;
    println!("output callback cost inside Maya ({} print('bench line', i) calls; each write is one message)", a.prints);
    println!(
        "  no callback                {:8.3} s  {:6.2} us/print",
        none_s,
        per(none_s)
    );
    println!("  plain sendto callback      {:8.3} s  {:6.2} us/print  ({plain_datagrams} datagrams received)", plain_s, per(plain_s));
    println!(
        "  Mayalink's callback        {:8.3} s  {:6.2} us/print",
        app_s,
        per(app_s)
    );
    println!(
        "  added over no callback:  plain {:+.2} us/print, Mayalink {:+.2} us/print  (goal: Mayalink <= plain)",
        per(plain_s - none_s),
        per(app_s - none_s)
    );
    println!(
        "  lines received by Mayalink {bench_lines} of {} (lost {})",
        a.prints, stats.lost
    );
    Ok(())
}
