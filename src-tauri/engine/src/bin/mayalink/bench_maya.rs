//! `mayalink bench-maya`: figures for the Maya link against the Python emulator
//! (run from the repository root). Prints, does not judge:
//! - run round trip through a session vs a raw one-line commandPort round trip;
//! - the output callback's cost inside Maya: 100k prints with no callback, with a
//!   plain one-sendto-per-message callback, and with Mayalink's, plus lines lost.

use clap::Args as ClapArgs;
use mayalink_engine::console::ConsoleHub;
use mayalink_engine::maya::{Language, MayaAddress, MayaSession, RunOptions, SessionConfig};
use mayalink_engine::output::{OutputConfig, OutputService};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

#[derive(ClapArgs)]
pub struct Args {
    /// The emulator script.
    #[arg(long, default_value = "tests/emulators/maya_emulator.py")]
    emulator: String,
    /// Round trips per side.
    #[arg(long, default_value_t = 300)]
    runs: usize,
    /// print() calls per callback measurement.
    #[arg(long, default_value_t = 100_000)]
    prints: usize,
}

struct Emu {
    child: std::process::Child,
    port: u16,
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_emulator(script: &str) -> std::io::Result<Emu> {
    let mut child = Command::new("python3")
        .arg(script)
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
    Ok(Emu { child, port })
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn raw_round_trips(port: u16, n: usize) -> std::io::Result<Vec<f64>> {
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port))?;
    c.set_nodelay(true)?;
    let mut out = Vec::with_capacity(n);
    let mut buf = [0u8; 256];
    for _ in 0..n {
        let t = Instant::now();
        c.write_all(b"1")?;
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

/// The same raw round trip through tokio, as an async client of this runtime would do it.
async fn raw_round_trips_async(port: u16, n: usize) -> std::io::Result<Vec<f64>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut c = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    c.set_nodelay(true)?;
    let mut out = Vec::with_capacity(n);
    let mut buf = [0u8; 256];
    for _ in 0..n {
        let t = Instant::now();
        c.write_all(b"1").await?;
        let mut got = Vec::new();
        while !got.contains(&0) {
            let k = c.read(&mut buf).await?;
            if k == 0 {
                return Err(std::io::Error::other("emulator closed"));
            }
            got.extend_from_slice(&buf[..k]);
        }
        out.push(t.elapsed().as_secs_f64() * 1e3);
    }
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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    match rt.block_on(bench(a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-maya: {e}");
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

    // 1. Round trips, best of three alternating rounds (the machine is shared).
    // The session gets no output stream here: only the call path is measured.
    let (mut raw_best, mut ours_best): (Option<(f64, f64)>, Option<(f64, f64)>) = (None, None);
    let mut raw_async_best: Option<(f64, f64)> = None;
    for round in 0..3 {
        let mut cfg = SessionConfig::new(format!("bench-rt-{round}"), "bench", addr.clone());
        cfg.output = false;
        cfg.idle_release = Duration::from_secs(30);
        let s = MayaSession::spawn(cfg, ConsoleHub::default(), None);
        s.connect().await.map_err(|e| e.message)?;
        let mut ours = Vec::with_capacity(a.runs);
        for _ in 0..a.runs {
            let t = Instant::now();
            let r = s
                .run("1", Language::Python, RunOptions::default())
                .await
                .map_err(|e| e.message)?;
            assert!(r.ok);
            ours.push(t.elapsed().as_secs_f64() * 1e3);
        }
        s.shutdown().await.map_err(|e| e.message)?;
        let port = emu.port;
        let n = a.runs;
        let mut raw_async = raw_round_trips_async(port, n)
            .await
            .map_err(|e| e.to_string())?;
        let ra = (
            percentile(&mut raw_async, 0.5),
            percentile(&mut raw_async, 0.99),
        );
        raw_async_best =
            Some(raw_async_best.map_or(ra, |b: (f64, f64)| if ra.0 < b.0 { ra } else { b }));
        let mut raw = tokio::task::spawn_blocking(move || raw_round_trips(port, n))
            .await
            .unwrap()
            .map_err(|e| e.to_string())?;
        let r = (percentile(&mut raw, 0.5), percentile(&mut raw, 0.99));
        let o = (percentile(&mut ours, 0.5), percentile(&mut ours, 0.99));
        raw_best = Some(raw_best.map_or(r, |b| if r.0 < b.0 { r } else { b }));
        ours_best = Some(ours_best.map_or(o, |b| if o.0 < b.0 { o } else { b }));
    }
    let ((rp50, rp99), (op50, op99)) = (raw_best.unwrap(), ours_best.unwrap());
    println!(
        "run round trip ({} each, best of 3)  p50        p99",
        a.runs
    );
    println!("  raw one-line commandPort   {rp50:7.3} ms {rp99:7.3} ms");
    let (ap50, ap99) = raw_async_best.unwrap();
    println!("  raw one-line, async (tokio) {ap50:6.3} ms {ap99:7.3} ms");
    println!("  Mayalink session.run       {op50:7.3} ms {op99:7.3} ms");
    println!(
        "  ratio (p50) vs blocking raw {:.2}x   (goal <= 1.2x)",
        op50 / rp50
    );
    println!("  ratio (p50) vs async raw    {:.2}x   (same client stack: what Mayalink's protocol adds)\n", op50 / ap50);

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
