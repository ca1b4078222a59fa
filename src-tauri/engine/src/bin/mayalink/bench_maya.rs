//! `mayalink bench-maya`: figures for the Maya link against the Python emulator
//! (run from the repository root). Prints, does not judge:
//! - run round trip through a session vs a raw one-line commandPort round trip;
//! - the output callback's cost inside Maya per message, for print("x") and print("a", 1):
//!   no callback, a plain one-sendto-per-message callback and Mayalink's, lines lost;
//! - how soon a line printed while Maya is idle reaches the console.

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
    /// print() calls per print shape and callback, over all output rounds.
    #[arg(long, default_value_t = 100_000)]
    prints: usize,
    /// Alternating rounds of the callback measurement.
    #[arg(long, default_value_t = 9)]
    output_rounds: usize,
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

/// The two print shapes: `print("x")` is 2 messages ("x", "\n"), `print("a", 1)` 4.
const SHAPES: [(&str, &str, u64); 2] = [
    ("print('x')", "print('bench line')", 2),
    ("print('a', 1)", "print('bench', _i)", 4),
];

/// Times `prints` calls of `stmt` inside Maya, then the flush a run's reply
/// does (so work the helper's sender thread still owes is counted too).
fn timing_code(stmt: &str, prints: usize) -> String {
    format!(
        "import time, sys\n_t = time.perf_counter()\nfor _i in range({prints}):\n    {stmt}\n\
         for _s in list(getattr(sys.modules.get('_mayalink_registry'), 'sessions', {{}}).values()):\n    _s.flush_held()\n\
         time.perf_counter() - _t"
    )
}

async fn timed_prints(s: &MayaSession, stmt: &str, prints: usize) -> Result<f64, String> {
    let r = s
        .run(
            &timing_code(stmt, prints),
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

    // 2. The callback's cost inside Maya's main thread, per print shape: no
    // callback, a plain one-sendto-per-message callback, Mayalink's, in
    // alternating rounds (Mayalink's callback is registered for its turn only).
    let rounds = a.output_rounds.max(1);
    let per_round = (a.prints / rounds).max(1);
    let mut cfg = SessionConfig::new("bench-plain", "bench", addr.clone());
    cfg.output = false;
    let plain = MayaSession::spawn(cfg, ConsoleHub::default(), None);
    let sink = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let sink_port = sink.local_addr().unwrap().port();
    sink.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let stop_reader = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = stop_reader.clone();
    let counter = std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        let mut n = 0u64;
        // Until told, then until the socket is drained.
        loop {
            match sink.recv(&mut buf) {
                Ok(_) => n += 1,
                Err(_) if stop.load(std::sync::atomic::Ordering::Relaxed) => break,
                Err(_) => {}
            }
        }
        n
    });
    let define_plain = format!(
        "import socket, __main__\n_s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n_s.setblocking(False)\n\
         def _plain(m, t, c):\n    try:\n        _s.sendto(m.encode('utf-8'), ('127.0.0.1', {sink_port}))\n    except Exception:\n        pass\n\
         __main__._plain = _plain"
    );
    let py = |code: String| {
        let plain = &plain;
        async move {
            plain
                .run(&code, Language::Python, RunOptions::default())
                .await
                .map_err(|e| e.message)
        }
    };
    py(define_plain).await?;
    let hub = ConsoleHub::new(1 << 16, 0);
    let output = OutputService::new(hub.clone(), OutputConfig::default());
    let ours_s = MayaSession::spawn(
        SessionConfig::new("bench-app", "bench", addr),
        hub.clone(),
        Some(output.clone()),
    );
    let (mut none_r, mut plain_r, mut app_r) = (
        vec![Vec::new(); 2],
        vec![Vec::new(); 2],
        vec![Vec::new(); 2],
    );
    let mut received = [0usize; 2];
    let mut lost = 0u64;
    for _ in 0..rounds {
        for (i, (_, stmt, _)) in SHAPES.iter().enumerate() {
            none_r[i].push(timed_prints(&plain, stmt, per_round).await?);
        }
        py("import __main__\nfrom maya.api import OpenMaya as om\n__main__._bench_cb = om.MCommandMessage.addCommandOutputCallback(__main__._plain, None)".into()).await?;
        for (i, (_, stmt, _)) in SHAPES.iter().enumerate() {
            plain_r[i].push(timed_prints(&plain, stmt, per_round).await?);
        }
        py("import __main__\nfrom maya.api import OpenMaya as om\nom.MMessage.removeCallback(__main__._bench_cb)".into()).await?;
        ours_s.connect().await.map_err(|e| e.message)?;
        let lost_before = output.session_stats("bench-app").unwrap_or_default().lost;
        for (i, (_, stmt, _)) in SHAPES.iter().enumerate() {
            let before = output.line_count("bench-app");
            app_r[i].push(timed_prints(&ours_s, stmt, per_round).await?);
            tokio::time::sleep(Duration::from_millis(300)).await;
            output.flush("bench-app").await;
            let lines = output.history("bench-app", before, per_round * 2 + 10);
            let want = if i == 0 { "bench line" } else { "bench " };
            received[i] += lines.iter().filter(|l| l.text.starts_with(want)).count();
        }
        lost += output
            .session_stats("bench-app")
            .unwrap_or_default()
            .lost
            .saturating_sub(lost_before);
        ours_s.cleanup().await.map_err(|e| e.message)?;
    }
    plain.shutdown().await.map_err(|e| e.message)?;
    stop_reader.store(true, std::sync::atomic::Ordering::Relaxed);
    let plain_datagrams = tokio::task::spawn_blocking(move || counter.join().unwrap())
        .await
        .unwrap();
    ours_s.connect().await.map_err(|e| e.message)?;

    // 3. A line printed while Maya is idle (deferred code, not a run: no reply
    // flushes it), from print in Maya to the console's subscriber.
    let (_, mut rx) = hub.subscribe_with_recent();
    let idle_n = 50;
    let r = ours_s
        .run(
            &format!("import threading, time, maya.utils\ndef _idle_prints():\n    for _ in range({idle_n}):\n        time.sleep(0.02)\n        maya.utils.executeDeferred(lambda: print('idle %.6f' % time.time()))\nthreading.Thread(target=_idle_prints, daemon=True).start()"),
            Language::Python,
            RunOptions::default(),
        )
        .await
        .map_err(|e| e.message)?;
    if !r.ok {
        return Err(format!("idle prints: {:?}", r.error));
    }
    let mut idle_ms = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while idle_ms.len() < idle_n {
        let Ok(Ok(batch)) = tokio::time::timeout_at(deadline, rx.recv()).await else {
            break;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        for l in batch.iter().filter(|l| l.session == "bench-app") {
            if let Some(t) = l
                .text
                .strip_prefix("idle ")
                .and_then(|t| t.parse::<f64>().ok())
            {
                idle_ms.push((now - t) * 1e3);
            }
        }
    }
    ours_s.shutdown().await.map_err(|e| e.message)?;

    println!(
        "output callback cost on Maya's main thread: {rounds} alternating rounds of {per_round} prints per shape and side; medians over rounds\n  (Mayalink's includes its sender thread's share of Python's lock and the flush before a run's reply; ratio: median of per-round ratios)"
    );
    for (i, (name, _, msgs)) in SHAPES.iter().enumerate() {
        let m = (per_round as u64 * msgs) as f64;
        let added = |side: &Vec<f64>| -> Vec<f64> {
            side.iter()
                .zip(&none_r[i])
                .map(|(s, n)| (s - n) / m * 1e6)
                .collect()
        };
        let (mut p, mut o) = (added(&plain_r[i]), added(&app_r[i]));
        let mut ratio: Vec<f64> = o.iter().zip(&p).map(|(o, p)| o / p).collect();
        let mut none_us: Vec<f64> = none_r[i].iter().map(|s| s / m * 1e6).collect();
        println!(
            "  {name:<14} ({msgs} messages): no callback {:6.3} us/message; added per message: plain sendto {:6.3} us, Mayalink {:6.3} us  {:.2}x  (goal <= 0.5x)",
            percentile(&mut none_us, 0.5),
            percentile(&mut p, 0.5),
            percentile(&mut o, 0.5),
            percentile(&mut ratio, 0.5),
        );
        println!(
            "  {:<14}  lines received by Mayalink {} of {}",
            "",
            received[i],
            per_round * rounds
        );
    }
    println!(
        "  plain callback: {plain_datagrams} datagrams received of {}; Mayalink lost {lost} (goal 0)",
        (per_round * rounds) as u64 * (SHAPES[0].2 + SHAPES[1].2),
    );
    if idle_ms.is_empty() {
        println!("idle line latency: no idle line arrived");
    } else {
        let n = idle_ms.len();
        println!(
            "idle line, print in Maya -> console ({n} lines, 20 ms apart): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms  (goal <= 10 ms)",
            percentile(&mut idle_ms, 0.5),
            percentile(&mut idle_ms, 0.95),
            percentile(&mut idle_ms, 1.0),
        );
    }
    Ok(())
}
