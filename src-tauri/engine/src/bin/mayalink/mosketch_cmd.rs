//! The Mosketch subcommands: `mosketch` (watch a streaming server), `mosketch-sim`
//! (run the simulator) and `bench-mosketch` (in `bench_mosketch.rs`).

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
    BenchMosketch(crate::bench_mosketch::BenchArgs),
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
            MosketchCommands::BenchMosketch(a) => {
                crate::bench_mosketch::run_bench(a, &mut out, &mut err).await
            }
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

pub(crate) fn line(out: &mut dyn Write, text: impl std::fmt::Display) {
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

#[cfg(test)]
mod tests;
