//! `mayalink bench-mosketch`: the Mosketch session against the simulator (a separate
//! `mosketch-sim` process, as Mosketch is) streaming as fast as acks allow — ack
//! latency, frames/s and CPU per frame — beside a minimal Python client and a plain
//! async acker measured in the same run; then the session's CPU while the stream is
//! idle (no frame for seconds).

use crate::mosketch_cmd::line;
use clap::Args;
use mayalink_engine::mosketch::{MosketchConfig, MosketchSession};
use mayalink_engine::simulators::mosketch::CharacterKind;
use mayalink_engine::simulators::{MosketchSimulator, SimConfig, SimFraming, SimSettings};
use serde_json::json;
use std::io::Write;
use std::time::Duration;

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Measuring time for each client in each round, after a half-second warm-up.
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
    /// Rounds; the clients take turns in each, and medians are reported (the machine is shared).
    #[arg(long, default_value_t = 3)]
    pub rounds: u32,
    /// The Python interpreter for the comparison client.
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// Path of mosketch_min_client.py (default: tests/bench/ in the repository).
    #[arg(long)]
    pub client: Option<std::path::PathBuf>,
    /// Skip the Python comparison.
    #[arg(long)]
    pub no_python: bool,
    /// lines, concatenated or split (the Python client reads lines: keep lines to compare).
    #[arg(long, default_value = "lines")]
    pub framing: SimFraming,
    /// Run the simulator inside this process instead of as a separate `mosketch-sim`
    /// process (Mosketch is a separate process, hence the default).
    #[arg(long)]
    pub in_process_sim: bool,
    #[arg(long)]
    pub json: bool,
}

fn default_client_script() -> std::path::PathBuf {
    let rel = std::path::Path::new("tests/bench/mosketch_min_client.py");
    if rel.exists() {
        return rel.to_path_buf();
    }
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/bench/mosketch_min_client.py")
}

/// The simulator for one measurement: a `mosketch-sim` child process (default) or in-process.
enum BenchSim {
    Process(tokio::process::Child, u16),
    InProcess(MosketchSimulator),
}

impl BenchSim {
    /// `rate_hz` 0: as fast as acks allow.
    async fn start(in_process: bool, framing: SimFraming, rate_hz: f64) -> Result<Self, String> {
        if in_process {
            let settings = SimSettings {
                rate_hz,
                framing,
                ..Default::default()
            };
            return MosketchSimulator::start(SimConfig {
                settings,
                ..Default::default()
            })
            .await
            .map(BenchSim::InProcess)
            .map_err(|e| e.message);
        }
        use tokio::io::AsyncBufReadExt;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let framing = serde_json::to_value(framing)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "lines".into());
        let mut child = tokio::process::Command::new(exe)
            .args([
                "mosketch-sim",
                "--port",
                "0",
                "--rate",
                &rate_hz.to_string(),
                "--framing",
                &framing,
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start mosketch-sim: {e}"))?;
        let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("piped")).lines();
        let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await;
        let port = match first {
            Ok(Ok(Some(l))) => l.rsplit(':').next().and_then(|p| p.trim().parse().ok()),
            _ => None,
        };
        // Keep draining its report lines so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        port.map(|p| BenchSim::Process(child, p))
            .ok_or_else(|| "mosketch-sim did not say where it listens".into())
    }

    fn port(&self) -> u16 {
        match self {
            BenchSim::Process(_, p) => *p,
            BenchSim::InProcess(s) => s.port(),
        }
    }

    async fn stop(self) {
        match self {
            BenchSim::Process(mut c, _) => {
                let _ = c.kill().await;
            }
            BenchSim::InProcess(s) => s.shutdown().await,
        }
    }
}

/// A reference for the transport: a plain async client that acks each line without
/// parsing it, sleeping until each frame arrives (the session, which polls while
/// frames come back-to-back, can beat it).
async fn bench_floor(sim: &BenchSim, seconds: f64) -> Result<f64, String> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", sim.port()))
        .await
        .map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (rd, mut wr) = stream.into_split();
    let mut lines = tokio::io::BufReader::with_capacity(64 * 1024, rd);
    let mut line = Vec::with_capacity(16 * 1024);
    let (mut frames, mut start) = (0u64, None::<std::time::Instant>);
    loop {
        line.clear();
        if lines
            .read_until(b'\n', &mut line)
            .await
            .map_err(|e| e.to_string())?
            == 0
        {
            return Err("the simulator closed".into());
        }
        let reply: &[u8] = if line.starts_with(br#"{"Type":"JointsStream""#) {
            mayalink_engine::mosketch::packet::encode::JOINTS_STREAM_ACK
        } else if line.starts_with(br#"{"Type":"JointsUuids""#) {
            mayalink_engine::mosketch::packet::encode::JOINTS_UUIDS_ACK
        } else {
            br#"{"Type":"AckHierarchyInitialized"}"#
        };
        wr.write_all(reply).await.map_err(|e| e.to_string())?;
        if reply == mayalink_engine::mosketch::packet::encode::JOINTS_STREAM_ACK {
            let t0 = *start.get_or_insert_with(std::time::Instant::now);
            frames += 1;
            if t0.elapsed().as_secs_f64() >= seconds {
                return Ok(frames as f64 / t0.elapsed().as_secs_f64());
            }
        }
    }
}

struct Measured {
    fps: f64,
    /// This process's CPU time per frame (the session's thread, essentially).
    cpu_us_per_frame: Option<f64>,
    p50_us: Option<f64>,
    p99_us: Option<f64>,
    samples: u32,
}

async fn bench_session(sim: &BenchSim, seconds: f64) -> Result<Measured, String> {
    // Room for every frame of the run, so the percentiles cover all of it.
    let config = MosketchConfig {
        port: sim.port(),
        latency_samples: 4_000_000,
        reconnect: false,
        ..Default::default()
    };
    let (session, _events) = MosketchSession::start(config);
    let status = session.status();
    let warm = tokio::time::Instant::now() + Duration::from_secs(10);
    while status.borrow().stats.frames < 200 {
        if tokio::time::Instant::now() > warm {
            return Err("the session did not start streaming".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pose = session.pose();
    let f0 = pose.borrow().frame;
    let (t0, cpu0) = (std::time::Instant::now(), process_cpu());
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let (f1, cpu1) = (pose.borrow().frame, process_cpu());
    let elapsed = t0.elapsed().as_secs_f64();
    // Let the status catch up (it refreshes a few times a second) for the percentiles.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stats = status.borrow().stats.clone();
    session.shutdown().await;
    Ok(Measured {
        fps: (f1 - f0) as f64 / elapsed,
        cpu_us_per_frame: cpu0
            .zip(cpu1)
            .filter(|_| f1 > f0)
            .map(|(a, b)| (b - a).as_secs_f64() * 1e6 / (f1 - f0) as f64),
        p50_us: stats.ack_latency_p50_us,
        p99_us: stats.ack_latency_p99_us,
        samples: stats.ack_latency_samples,
    })
}

async fn bench_python(
    sim: &BenchSim,
    python: &str,
    script: &std::path::Path,
    seconds: f64,
) -> Result<(f64, u64, Option<f64>), String> {
    let child = tokio::process::Command::new(python)
        .arg(script)
        .args([
            "--port",
            &sim.port().to_string(),
            "--seconds",
            &seconds.to_string(),
            "--warmup",
            "0.5",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run {python} {}: {e}", script.display()))?;
    let outcome = tokio::time::timeout(
        Duration::from_secs_f64(seconds + 30.0),
        child.wait_with_output(),
    )
    .await;
    let output = outcome
        .map_err(|_| "the Python client did not finish".to_string())?
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "the Python client failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let v: serde_json::Value = text
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| format!("unexpected Python output: {text}"))?;
    let frames = v["frames"].as_u64().unwrap_or(0);
    Ok((
        v["fps"].as_f64().unwrap_or(0.0),
        frames,
        // Its own CPU over the measured frames (time.process_time()).
        v["cpu_s"]
            .as_f64()
            .filter(|_| frames > 0)
            .map(|c| c * 1e6 / frames as f64),
    ))
}

async fn with_sim<T>(
    in_process: bool,
    framing: SimFraming,
    f: impl AsyncFnOnce(&BenchSim) -> Result<T, String>,
) -> Result<T, String> {
    let sim = BenchSim::start(in_process, framing, 0.0).await?;
    let r = f(&sim).await;
    sim.stop().await;
    r
}

/// CPU time (user + system) of every thread of this process so far, in
/// nanoseconds from the scheduler's own accounting (Linux; `None` elsewhere).
fn process_cpu() -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        let mut total = 0u64;
        for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
            let text = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            total += text
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
        Some(Duration::from_nanos(total))
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// The session's CPU while connected to a stream that sends one frame every 5 s:
/// (CPU µs per second of wall time, frames received) over `seconds`.
async fn bench_idle(in_process: bool, seconds: f64) -> Result<(Option<f64>, u64), String> {
    let sim = BenchSim::start(in_process, SimFraming::Lines, 0.2).await?;
    let (session, _events) = MosketchSession::start(MosketchConfig {
        port: sim.port(),
        reconnect: false,
        ..Default::default()
    });
    let pose = session.pose();
    let started = tokio::time::Instant::now();
    while pose.borrow().frame == 0 {
        if started.elapsed() > Duration::from_secs(10) {
            sim.stop().await;
            return Err("the idle stream sent no frame".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (f0, t0, cpu0) = (
        pose.borrow().frame,
        std::time::Instant::now(),
        process_cpu(),
    );
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let (f1, cpu1) = (pose.borrow().frame, process_cpu());
    let wall = t0.elapsed().as_secs_f64();
    session.shutdown().await;
    sim.stop().await;
    Ok((
        cpu0.zip(cpu1)
            .map(|(a, b)| (b - a).as_secs_f64() * 1e6 / wall),
        f1 - f0,
    ))
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

pub async fn run_bench(
    a: BenchArgs,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> u8 {
    let character = mayalink_engine::simulators::mosketch::Character::new(CharacterKind::Humanoid);
    let frame_bytes = character.frame_bytes(0, 1.0 / 60.0, false).len();
    let joints = character.names().len();
    let script = a.client.clone().unwrap_or_else(default_client_script);
    let us = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1} µs"));
    if !a.json {
        line(out, format!(
            "Mosketch link benchmark: {joints}-joint humanoid, {frame_bytes}-byte frames, simulator ({}) streaming as fast as acks allow ({:?} framing); {} rounds of {:.1} s per client after a 0.5 s warm-up; {} build",
            if a.in_process_sim { "in this process" } else { "a separate mosketch-sim process" },
            a.framing, a.rounds.max(1), a.seconds,
            if cfg!(debug_assertions) { "DEBUG (use --release for real figures)" } else { "release" }
        ));
    }
    let (mut ours, mut floors, mut pythons) = (Vec::new(), Vec::new(), Vec::new());
    let mut python_cpu = Vec::new();
    for round in 1..=a.rounds.max(1) {
        let m = match with_sim(a.in_process_sim, a.framing, async |sim| {
            bench_session(sim, a.seconds).await
        })
        .await
        {
            Ok(m) => m,
            Err(e) => {
                line(err, format!("error: {e}"));
                return 1;
            }
        };
        let floor = with_sim(a.in_process_sim, SimFraming::Lines, async |sim| {
            bench_floor(sim, a.seconds).await
        })
        .await
        .ok();
        let python = if a.no_python {
            None
        } else {
            match with_sim(a.in_process_sim, a.framing, async |sim| {
                bench_python(sim, &a.python, &script, a.seconds).await
            })
            .await
            {
                Ok(p) => {
                    python_cpu.extend(p.2);
                    Some(p.0)
                }
                Err(e) => {
                    line(err, format!("python comparison skipped: {e}"));
                    None
                }
            }
        };
        if !a.json {
            line(out, format!(
                "  round {round}: mayalink session {:.0} frames/s, {} CPU per frame, ack latency p50 {} p99 {} ({} frames); python {}; unparsed acker {}",
                m.fps, us(m.cpu_us_per_frame), us(m.p50_us), us(m.p99_us), m.samples,
                python.map_or("-".into(), |p| format!("{p:.0} frames/s")),
                floor.map_or("-".into(), |f| format!("{f:.0} frames/s")),
            ));
        }
        ours.push(m);
        floors.extend(floor);
        pythons.extend(python);
    }
    let fps = median(ours.iter().map(|m| m.fps).collect()).unwrap_or(0.0);
    let p50 = median(ours.iter().filter_map(|m| m.p50_us).collect());
    let p99 = median(ours.iter().filter_map(|m| m.p99_us).collect());
    let worst_p99 = ours
        .iter()
        .filter_map(|m| m.p99_us)
        .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b))));
    let python = median(pythons);
    let cpu = median(ours.iter().filter_map(|m| m.cpu_us_per_frame).collect());
    let python_cpu = median(python_cpu);
    let cpu_ratio = cpu.zip(python_cpu).map(|(a, b)| a / b);
    // A whole period of the idle stream (one frame per 5 s): the frame, its status
    // settling, the silence warning, the quiet until the next one.
    let idle = bench_idle(a.in_process_sim, a.seconds.max(5.0)).await;
    if let Err(e) = &idle {
        line(err, format!("idle measurement skipped: {e}"));
    }
    let (idle_cpu, idle_frames) = idle.unwrap_or((None, 0));
    let floor = median(floors);
    let ratio = python.map(|p| if p > 0.0 { fps / p } else { f64::INFINITY });
    if a.json {
        line(
            out,
            json!({
                "joints": joints, "frameBytes": frame_bytes, "framing": a.framing, "seconds": a.seconds, "rounds": a.rounds,
                "inProcessSim": a.in_process_sim, "release": !cfg!(debug_assertions),
                "session": {"fps": fps, "ackLatencyP50Us": p50, "ackLatencyP99Us": p99, "worstP99Us": worst_p99,
                            "cpuUsPerFrame": cpu, "idleCpuUsPerSecond": idle_cpu, "idleFrames": idle_frames},
                "pythonFps": python, "pythonCpuUsPerFrame": python_cpu, "cpuRatio": cpu_ratio,
                "floorFps": floor, "ratio": ratio,
            }),
        );
        return 0;
    }
    let per_frame = |f: f64| {
        if f > 0.0 {
            format!("{:.1} µs/frame", 1e6 / f)
        } else {
            "-".into()
        }
    };
    line(out, "medians:");
    line(out, format!(
        "  ack latency (frame's last byte decoded → ack written): p50 {} p99 {} (worst round p99 {}) — goal p99 < 1000 µs: {}",
        us(p50), us(p99), us(worst_p99),
        if worst_p99.is_some_and(|p| p < 1000.0) { "met" } else { "NOT met" }
    ));
    line(
        out,
        format!("  mayalink session: {fps:.0} frames/s ({})", per_frame(fps)),
    );
    if let Some(p) = python {
        line(
            out,
            format!(
                "  python minimal client: {p:.0} frames/s ({})",
                per_frame(p)
            ),
        );
    }
    if let Some(f) = floor {
        line(out, format!("  reference: a plain async client that acks each line unparsed: {f:.0} frames/s ({})", per_frame(f)));
    }
    if let Some(r) = ratio {
        line(
            out,
            format!(
                "  ratio session / python: {r:.1}× — goal ≥ 5×: {}",
                if r >= 5.0 { "met" } else { "NOT met" }
            ),
        );
    }
    let cpu_note = if a.in_process_sim {
        " (the simulator's share included: run without --in-process-sim)"
    } else {
        ""
    };
    line(
        out,
        format!(
            "  CPU per frame: session {}, python client {}{cpu_note}",
            us(cpu),
            us(python_cpu)
        ),
    );
    if let Some(r) = cpu_ratio {
        line(
            out,
            format!(
                "  CPU ratio session / python: {r:.2}× — goal ≤ 0.2×: {}",
                if r <= 0.2 { "met" } else { "NOT met" }
            ),
        );
    }
    if let Some(c) = idle_cpu {
        // Between frames the session sleeps: what is left is each frame, its status
        // settling (frames/s decaying for a second) and the silence warning.
        line(out, format!(
            "  idle stream (one frame per 5 s; {idle_frames} in the window): {:.0} µs CPU per second ({:.3} %) — goal: nothing between frames once the status settled (≤ 1000 µs/s): {}",
            c, c / 1e4, if c <= 1000.0 { "met" } else { "NOT met" }
        ));
    }
    0
}
