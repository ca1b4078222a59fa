//! The Mosketch subcommands: `mosketch` (watch a streaming server), `mosketch-sim`
//! (run the simulator) and `bench-mosketch` (ack latency and frames/s, against a
//! minimal Python client measured in the same run).

use clap::{Args, Subcommand};
use mayalink_engine::mosketch::{
    ConnectionState, HierarchyAckSpelling, JointSpace, MosketchConfig, MosketchSession, OrientMode,
    PoseSnapshot, StreamStats, DEFAULT_PORT,
};
use mayalink_engine::simulators::mosketch::CharacterKind;
use mayalink_engine::simulators::{MosketchSimulator, SimConfig, SimFraming, SimSettings};
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Subcommand)]
pub enum MosketchCommands {
    /// Connect to Mosketch's streaming server: print the hierarchy, one line per frame, then stats.
    Mosketch(ClientArgs),
    /// Run a simulated Mosketch streaming server until Ctrl-C.
    MosketchSim(SimArgs),
    /// Ack latency and frames/s against the simulator, with a minimal Python client for comparison.
    BenchMosketch(BenchArgs),
}

#[derive(Args, Debug, Clone)]
pub struct ClientArgs {
    /// HOST:PORT of Mosketch's streaming server.
    #[arg(long, default_value = "127.0.0.1:16094")]
    pub connect: String,
    /// Stop after printing this many frames.
    #[arg(long)]
    pub frames: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long)]
    pub seconds: Option<f64>,
    /// One JSON object per line (each with a "type": hierarchy, frame, event, stats).
    #[arg(long)]
    pub json: bool,
    /// AckHierarchyInitialized (documented) or HierarchyInitializedAck (2019 client).
    #[arg(long, default_value = "AckHierarchyInitialized")]
    pub ack_spelling: HierarchyAckSpelling,
    /// Parent, World or ParentInWorld.
    #[arg(long, default_value = "Parent")]
    pub joint_space: JointSpace,
    /// keep or discard the joints' initial orientation.
    #[arg(long, default_value = "keep")]
    pub orient_mode: OrientMode,
    #[arg(long, default_value_t = 3000)]
    pub uuids_timeout_ms: u64,
    /// Keep trying when the server is off or the connection drops.
    #[arg(long)]
    pub reconnect: bool,
}

#[derive(Args, Debug, Clone)]
pub struct SimArgs {
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Frames per second (0: as fast as the client's acks allow).
    #[arg(long, default_value_t = 60.0)]
    pub rate: f64,
    /// lines, concatenated or split.
    #[arg(long, default_value = "lines")]
    pub framing: SimFraming,
    /// Every other frame carries only some joints.
    #[arg(long)]
    pub partial: bool,
    /// Inject malformed data and unknown packet types between frames.
    #[arg(long)]
    pub garbage: bool,
    /// Send joint names only in the Hierarchy (no parents or rest offsets).
    #[arg(long)]
    pub no_skeleton: bool,
    /// Accept only this hierarchy-ack spelling.
    #[arg(long)]
    pub only_ack: Option<HierarchyAckSpelling>,
    /// humanoid, fish or creature (200 joints).
    #[arg(long, default_value = "humanoid", value_parser = parse_character)]
    pub character: CharacterKind,
    /// Switch between the humanoid and the fish every N seconds (a new Hierarchy each time).
    #[arg(long)]
    pub switch_every: Option<f64>,
}

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

fn parse_character(s: &str) -> Result<CharacterKind, String> {
    match s.to_ascii_lowercase().as_str() {
        "humanoid" | "human" => Ok(CharacterKind::Humanoid),
        "fish" => Ok(CharacterKind::Fish),
        "creature" => Ok(CharacterKind::Creature),
        _ => Err(format!(
            "unknown character '{s}' (humanoid, fish or creature)"
        )),
    }
}

pub fn run(cmd: MosketchCommands) -> ExitCode {
    // One thread: a wake-up on a socket then runs its task right there, with no
    // hand-off to another worker (the simulator's frame loop, the benchmark's
    // clients). The Mosketch session keeps its own thread either way.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = rt.block_on(async move {
        let mut out = std::io::stdout();
        let mut err = std::io::stderr();
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match cmd {
            MosketchCommands::Mosketch(a) => run_client(a, &mut out, &mut err, ctrl_c).await,
            MosketchCommands::MosketchSim(a) => run_sim(a, &mut out, &mut err, ctrl_c).await,
            MosketchCommands::BenchMosketch(a) => run_bench(a, &mut out, &mut err).await,
        }
    });
    ExitCode::from(code)
}

/// `HOST:PORT`, `[v6]:PORT`, or a bare host (default port).
pub fn parse_address(s: &str) -> Result<(String, u16), String> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        let (host, tail) = rest
            .split_once(']')
            .ok_or_else(|| format!("bad address '{s}'"))?;
        let port = match tail.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("bad port in '{s}'"))?,
            None if tail.is_empty() => DEFAULT_PORT,
            None => return Err(format!("bad address '{s}'")),
        };
        return Ok((host.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => {
            let port = port.parse().map_err(|_| format!("bad port in '{s}'"))?;
            Ok((
                if host.is_empty() {
                    "127.0.0.1".into()
                } else {
                    host.to_string()
                },
                port,
            ))
        }
        Some(_) => Ok((s.to_string(), DEFAULT_PORT)),
        None if s.is_empty() => Err("empty address".into()),
        None => Ok((s.to_string(), DEFAULT_PORT)),
    }
}

fn line(out: &mut dyn Write, text: impl std::fmt::Display) {
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

fn fmt_q(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:.4}")).collect();
    format!("[{}]", parts.join(", "))
}

fn stats_text(s: &StreamStats) -> String {
    let us = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1} µs"));
    format!(
        "frames: {}  frames/s: {:.1}  ack latency p50 {} p99 {}  last frame: {}  partial: {}  unknown: {}  malformed: {}  reconnects: {}",
        s.frames,
        s.frames_per_second,
        us(s.ack_latency_p50_us),
        us(s.ack_latency_p99_us),
        s.last_frame_age_ms.map_or("-".into(), |a| format!("{a} ms ago")),
        s.partial,
        s.unknown,
        s.malformed,
        s.reconnects
    )
}

fn frame_line(p: &PoseSnapshot, json: bool) -> String {
    let updated = p.joints.iter().filter(|j| j.last_frame == p.frame).count();
    if json {
        return json!({"type": "frame", "hierarchyId": p.hierarchy_id, "frame": p.frame, "timeMs": p.time_ms,
            "updated": updated, "joints": p.joints})
        .to_string();
    }
    let root = p.joints.iter().find(|j| j.t.is_some()).or(p.joints.first());
    let root = root.map_or(String::new(), |j| {
        format!(
            "  {} R={}{}",
            j.name,
            fmt_q(&j.r),
            j.t.map_or(String::new(), |t| format!(" T={} m", fmt_q(&t)))
        )
    });
    let partial = if updated < p.joints.len() {
        format!(" (partial: {updated} updated)")
    } else {
        String::new()
    };
    format!(
        "frame {}: {} joints{partial}{root}",
        p.frame,
        p.joints.len()
    )
}

pub async fn run_client(
    a: ClientArgs,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
    stop: impl std::future::Future<Output = ()>,
) -> u8 {
    let (host, port) = match parse_address(&a.connect) {
        Ok(x) => x,
        Err(e) => {
            line(err, format!("error: {e}"));
            return 2;
        }
    };
    let config = MosketchConfig {
        host,
        port,
        ack_spelling: a.ack_spelling,
        joint_space: a.joint_space,
        orient_mode: a.orient_mode,
        uuids_timeout_ms: a.uuids_timeout_ms,
        reconnect: a.reconnect,
        ..Default::default()
    };
    let (session, mut events) = MosketchSession::start(config);
    let mut pose = session.pose();
    let mut status = session.status();
    let mut hierarchy = session.hierarchy();
    let deadline = a
        .seconds
        .map(|s| tokio::time::Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let mut printed = 0u64;
    let mut code = 0u8;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            // Order matters: a hierarchy is printed before the frames that follow it.
            biased;
            _ = &mut stop => break,
            _ = async { tokio::time::sleep_until(deadline.unwrap()).await }, if deadline.is_some() => break,
            changed = status.changed() => {
                if changed.is_err() { break; }
                if let ConnectionState::Failed { reason } = status.borrow_and_update().connection.clone() {
                    line(err, format!("error: {reason}"));
                    code = 1;
                    break;
                }
            }
            changed = hierarchy.changed() => {
                if changed.is_err() { break; }
                let h = hierarchy.borrow_and_update().clone();
                if let Some(h) = h {
                    if a.json {
                        line(out, json!({"type": "hierarchy", "hierarchy": &*h}));
                    } else {
                        let has = if h.skeleton.is_some() { "with parents and rest offsets" } else { "names only" };
                        line(out, format!("hierarchy {}: {} joints ({has})", h.id, h.joints.len()));
                        for name in &h.joints {
                            let parent = h.skeleton.as_ref().and_then(|s| {
                                s.index_of(name).and_then(|i| s.joints()[i].parent).map(|p| s.joints()[p].name.clone())
                            });
                            line(out, format!("  {name}{}", parent.map_or(String::new(), |p| format!("  <- {p}"))));
                        }
                    }
                }
            }
            ev = events.recv() => match ev {
                Ok(e) if a.json => line(out, json!({"type": "event", "event": e})),
                Ok(e) => line(err, format!("# {}", e.message())),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break,
            },
            changed = pose.changed() => {
                if changed.is_err() { break; }
                let text = {
                    let p = pose.borrow_and_update();
                    (p.frame > 0).then(|| frame_line(&p, a.json))
                };
                if let Some(text) = text {
                    line(out, text);
                    printed += 1;
                    if a.frames.is_some_and(|n| printed >= n) { break; }
                }
            }
        }
    }
    let stats = session
        .stats()
        .await
        .unwrap_or_else(|_| status.borrow().stats.clone());
    if a.json {
        line(out, json!({"type": "stats", "stats": stats}));
    } else {
        line(out, stats_text(&stats));
    }
    session.shutdown().await;
    code
}

pub async fn run_sim(
    a: SimArgs,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
    stop: impl std::future::Future<Output = ()>,
) -> u8 {
    let settings = SimSettings {
        rate_hz: a.rate.max(0.0),
        framing: a.framing,
        partial: a.partial,
        garbage: a.garbage,
        send_skeleton: !a.no_skeleton,
        only_ack: a.only_ack,
    };
    let sim = match MosketchSimulator::start(SimConfig {
        host: a.host.clone(),
        port: a.port,
        settings,
        character: a.character,
    })
    .await
    {
        Ok(s) => s,
        Err(e) => {
            line(err, format!("error: {}", e.message));
            return 1;
        }
    };
    line(out, format!("listening on {}", sim.local_addr()));
    tokio::pin!(stop);
    let mut report = tokio::time::interval(Duration::from_secs(1));
    let mut switch = a.switch_every.map(|s| {
        tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs_f64(s.max(0.1)),
            Duration::from_secs_f64(s.max(0.1)),
        )
    });
    let mut known: std::collections::HashMap<u64, (bool, u64)> = Default::default();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = async { switch.as_mut().unwrap().tick().await }, if switch.is_some() => {
                let next = match sim.character().kind() { CharacterKind::Humanoid => CharacterKind::Fish, CharacterKind::Fish | CharacterKind::Creature => CharacterKind::Humanoid };
                sim.set_character(next);
                line(out, format!("character: {next:?}"));
            }
            _ = report.tick() => {
                for c in sim.clients() {
                    let prev = known.insert(c.id, (c.connected, c.frames_sent));
                    if prev == Some((c.connected, c.frames_sent)) || (prev.is_none() && !c.connected) && c.frames_sent == 0 { continue; }
                    let state = if c.connected { "connected" } else { "gone" };
                    let acks: Vec<&str> = c.hierarchy_acks.iter().map(|s| s.type_name()).collect();
                    line(out, format!(
                        "client {} {} ({}): {} frames sent, {} acked, hierarchy acks {:?}{}, {} commands, {} poses",
                        c.id, state, c.peer, c.frames_sent, c.stream_acks, acks,
                        if c.rejected.is_empty() { String::new() } else { format!(", rejected {:?}", c.rejected) },
                        c.commands.len(), c.poses.len()
                    ));
                }
            }
        }
    }
    sim.shutdown().await;
    0
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
    async fn start(in_process: bool, framing: SimFraming) -> Result<Self, String> {
        if in_process {
            let settings = SimSettings {
                rate_hz: 0.0,
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
                "0",
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
    let t0 = std::time::Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let f1 = pose.borrow().frame;
    let elapsed = t0.elapsed().as_secs_f64();
    // Let the status catch up (it refreshes a few times a second) for the percentiles.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stats = status.borrow().stats.clone();
    session.shutdown().await;
    Ok(Measured {
        fps: (f1 - f0) as f64 / elapsed,
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
) -> Result<(f64, u64), String> {
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
    Ok((
        v["fps"].as_f64().unwrap_or(0.0),
        v["frames"].as_u64().unwrap_or(0),
    ))
}

async fn with_sim<T>(
    in_process: bool,
    framing: SimFraming,
    f: impl AsyncFnOnce(&BenchSim) -> Result<T, String>,
) -> Result<T, String> {
    let sim = BenchSim::start(in_process, framing).await?;
    let r = f(&sim).await;
    sim.stop().await;
    r
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
                Ok(p) => Some(p.0),
                Err(e) => {
                    line(err, format!("python comparison skipped: {e}"));
                    None
                }
            }
        };
        if !a.json {
            line(out, format!(
                "  round {round}: mayalink session {:.0} frames/s, ack latency p50 {} p99 {} ({} frames); python {}; unparsed acker {}",
                m.fps, us(m.p50_us), us(m.p99_us), m.samples,
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
    let floor = median(floors);
    let ratio = python.map(|p| if p > 0.0 { fps / p } else { f64::INFINITY });
    if a.json {
        line(
            out,
            json!({
                "joints": joints, "frameBytes": frame_bytes, "framing": a.framing, "seconds": a.seconds, "rounds": a.rounds,
                "inProcessSim": a.in_process_sim, "release": !cfg!(debug_assertions),
                "session": {"fps": fps, "ackLatencyP50Us": p50, "ackLatencyP99Us": p99, "worstP99Us": worst_p99},
                "pythonFps": python, "floorFps": floor, "ratio": ratio,
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
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            parse_address("127.0.0.1:1234"),
            Ok(("127.0.0.1".into(), 1234))
        );
        assert_eq!(
            parse_address("studio-pc"),
            Ok(("studio-pc".into(), DEFAULT_PORT))
        );
        assert_eq!(parse_address("[::1]:99"), Ok(("::1".into(), 99)));
        assert_eq!(parse_address("::1"), Ok(("::1".into(), DEFAULT_PORT)));
        assert!(parse_address("host:port").is_err());
        assert!(parse_address("").is_err());
    }

    fn client_args(port: u16) -> ClientArgs {
        ClientArgs {
            connect: format!("127.0.0.1:{port}"),
            frames: Some(3),
            seconds: Some(20.0),
            json: true,
            ack_spelling: HierarchyAckSpelling::default(),
            joint_space: JointSpace::Parent,
            orient_mode: OrientMode::Keep,
            uuids_timeout_ms: 3000,
            reconnect: false,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn client_prints_hierarchy_frames_and_stats_as_json() {
        let sim = MosketchSimulator::start(SimConfig::default())
            .await
            .unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run_client(
            client_args(sim.port()),
            &mut out,
            &mut err,
            std::future::pending(),
        )
        .await;
        assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let of = |t: &str| lines.iter().filter(|l| l["type"] == t).count();
        assert_eq!(of("hierarchy"), 1);
        assert_eq!(of("frame"), 3);
        assert_eq!(of("stats"), 1);
        let h = lines.iter().find(|l| l["type"] == "hierarchy").unwrap();
        assert_eq!(h["hierarchy"]["joints"].as_array().unwrap().len(), 65);
        let f = lines.iter().find(|l| l["type"] == "frame").unwrap();
        assert_eq!(f["joints"][0]["name"], "Hips");
        assert!(f["joints"][0]["uuid"].is_string());
        assert!(lines.last().unwrap()["stats"]["frames"].as_u64().unwrap() >= 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn client_text_output_and_refused_connection() {
        let sim = MosketchSimulator::start(SimConfig::default())
            .await
            .unwrap();
        let port = sim.port();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args = ClientArgs {
            json: false,
            ..client_args(port)
        };
        assert_eq!(
            run_client(args.clone(), &mut out, &mut err, std::future::pending()).await,
            0
        );
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("hierarchy 1: 65 joints (with parents and rest offsets)"),
            "{text}"
        );
        assert!(text.contains("LeftHandIndex2  <- LeftHandIndex1"));
        assert!(text.contains("frame 1: 65 joints  Hips R=["), "{text}");
        assert!(text.lines().last().unwrap().starts_with("frames: "));
        sim.shutdown().await;

        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(
            run_client(args, &mut out, &mut err, std::future::pending()).await,
            1
        );
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.contains(&format!(
                "not reachable at 127.0.0.1:{port} — enable streaming in Mosketch"
            )),
            "{err}"
        );
    }

    /// A writer the test can read while the command writes.
    #[derive(Clone, Default)]
    struct SharedBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for SharedBuf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sim_command_listens_and_serves() {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let args = SimArgs {
            port: 0,
            host: "127.0.0.1".into(),
            rate: 100.0,
            framing: SimFraming::Concatenated,
            partial: true,
            garbage: false,
            no_skeleton: true,
            only_ack: None,
            character: CharacterKind::Fish,
            switch_every: None,
        };
        let out = SharedBuf::default();
        let mut sim_out = out.clone();
        let sim = async move {
            run_sim(args, &mut sim_out, &mut std::io::sink(), async {
                let _ = rx.await;
            })
            .await
        };
        let check = async {
            let port = loop {
                let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
                if let Some(addr) = text
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("listening on 127.0.0.1:"))
                {
                    break addr.parse::<u16>().unwrap();
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            };
            let (session, _) = MosketchSession::start(MosketchConfig {
                port,
                reconnect: false,
                ..Default::default()
            });
            let mut pose = session.pose();
            tokio::time::timeout(Duration::from_secs(10), pose.wait_for(|p| p.frame >= 3))
                .await
                .unwrap()
                .unwrap();
            let h = session.hierarchy().borrow().clone().unwrap();
            assert_eq!(h.joints[0], "Body");
            assert!(h.skeleton.is_none(), "--no-skeleton");
            session.shutdown().await;
            let _ = tx.send(());
        };
        let (code, _) = tokio::join!(sim, check);
        assert_eq!(code, 0);
    }
}
