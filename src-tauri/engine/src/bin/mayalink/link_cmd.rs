//! `mayalink link`: the live link from a terminal. Mosketch drives one or several
//! Mayas until N frames were received and the last one is applied everywhere (or S
//! seconds passed), or, with `--to-mosketch`, Maya's pose goes to Mosketch once.
//! Exit 0 on success, 2 when Mosketch or a Maya cannot be reached or nothing maps.

use clap::Args as ClapArgs;
use mayalink_engine::console::ConsoleHub;
use mayalink_engine::link::live::TargetSpecShared;
use mayalink_engine::link::{LiveLink, Overrides};
use mayalink_engine::maya::{MayaAddress, MayaSession, SessionConfig};
use mayalink_engine::mosketch::{ConnectionState, MosketchConfig, MosketchSession};
use mayalink_engine::AppError;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(ClapArgs)]
pub struct Args {
    /// Mosketch's streaming server, HOST:PORT.
    #[arg(long)]
    mosketch: String,
    /// A Maya's commandPort, HOST:PORT (repeat for several Mayas).
    #[arg(long, required = true)]
    maya: Vec<String>,
    /// Stop once this many frames were received from Mosketch and applied in every Maya.
    #[arg(long, conflicts_with = "seconds")]
    frames: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long)]
    seconds: Option<f64>,
    /// Send Maya's pose (the first Maya's) to Mosketch once, then exit.
    #[arg(long)]
    to_mosketch: bool,
}

const REACH: Duration = Duration::from_secs(10);

pub fn run(a: Args) -> ExitCode {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(link(a))
}

fn unreachable(e: &AppError) -> ExitCode {
    eprintln!("mayalink link: {}", e.message);
    ExitCode::from(2)
}

async fn link(a: Args) -> ExitCode {
    let mosketch = match connect_mosketch(&a.mosketch).await {
        Ok(m) => Arc::new(m),
        Err(e) => return unreachable(&e),
    };
    let hub = ConsoleHub::default();
    let mut sessions = vec![];
    let mut specs = vec![];
    for (i, maya) in a.maya.iter().enumerate() {
        let opened = async {
            let address = MayaAddress::parse(maya)?;
            let host = address.ip().await?;
            let id = format!("cli-link-{}-{i}", std::process::id());
            let session = Arc::new(MayaSession::spawn(
                SessionConfig::new(id, "cli", address),
                hub.clone(),
                None,
            ));
            session.connect().await?;
            Ok::<_, AppError>((session, host))
        }
        .await;
        match opened {
            Ok((session, host)) => {
                sessions.push(session.clone());
                specs.push(Arc::new(TargetSpecShared {
                    session,
                    host,
                    overrides: Overrides::new(),
                }));
            }
            Err(e) => {
                eprintln!("mayalink link: Maya at {maya}: {}", e.message);
                finish(sessions, mosketch).await;
                return ExitCode::from(2);
            }
        }
    }
    let live = match LiveLink::start(mosketch.clone(), specs).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("mayalink link: {}", e.message);
            finish(sessions, mosketch).await;
            return ExitCode::from(2);
        }
    };
    let joints = mosketch
        .hierarchy()
        .borrow()
        .as_ref()
        .map_or(0, |h| h.joints.len());
    for (maya, t) in a.maya.iter().zip(live.status().borrow().iter()) {
        println!(
            "{maya}: {} of {joints} Mosketch joints mapped, {} not mapped ({} ambiguous); {} Maya joints not driven",
            t.mapping.pairs.len(),
            t.mapping.unmapped_mosketch.len() + t.mapping.ambiguous.len(),
            t.mapping.ambiguous.len(),
            t.mapping.unmapped_maya.len()
        );
        for w in &t.warnings {
            println!("{maya}: warning: {w}");
        }
    }
    let code = if a.to_mosketch {
        match live.send_maya_pose(0).await {
            Ok(n) => {
                println!("Sent Maya's pose to Mosketch: {n} joints.");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("mayalink link: {}", e.message);
                ExitCode::from(1)
            }
        }
    } else {
        stream(&a, &live, &mosketch).await
    };
    live.stop().await;
    finish(sessions, mosketch).await;
    code
}

async fn stream(a: &Args, live: &LiveLink, mosketch: &MosketchSession) -> ExitCode {
    let started = Instant::now();
    let first = mosketch.pose().borrow().frame;
    let deadline = a.seconds.map(|s| started + Duration::from_secs_f64(s));
    let mut status = live.status();
    let mut goal: Option<u64> = None;
    loop {
        {
            let s = status.borrow_and_update();
            if let Some(ended) = s.iter().find_map(|t| t.ended.clone()) {
                eprintln!("mayalink link: {ended}");
                return ExitCode::from(2);
            }
            if let Some(n) = a.frames {
                let now = mosketch.pose().borrow().frame;
                if goal.is_none() && now >= first + n {
                    goal = Some(now);
                }
                if let Some(g) = goal {
                    if s.iter().all(|t| t.figures.last_frame_applied >= g) {
                        print_figures(&s);
                        return ExitCode::SUCCESS;
                    }
                }
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            print_figures(&status.borrow());
            return ExitCode::SUCCESS;
        }
        let _ = tokio::time::timeout(Duration::from_millis(20), status.changed()).await;
    }
}

fn print_figures(s: &[mayalink_engine::link::TargetStatus]) {
    for t in s {
        let f = &t.figures;
        println!(
            "{}: {} frames sent, {} applied, {} superseded; latency p95 {} ms; Maya main thread p95 {} µs",
            t.session,
            f.frames_sent,
            f.frames_applied,
            f.superseded,
            f.latency_p95_ms.map_or("–".into(), |v| format!("{v:.2}")),
            f.main_thread_p95_us.map_or("–".into(), |v| format!("{v:.0}"))
        );
    }
}

async fn connect_mosketch(addr: &str) -> Result<MosketchSession, AppError> {
    let (host, port) = addr
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
        .ok_or_else(|| AppError::invalid(format!("{addr:?} is not HOST:PORT")))?;
    let (session, _events) = MosketchSession::start(MosketchConfig {
        host: if host.is_empty() {
            "127.0.0.1".into()
        } else {
            host.into()
        },
        port,
        reconnect: false,
        ..Default::default()
    });
    let mut status = session.status();
    let reached = tokio::time::timeout(REACH, async {
        loop {
            let state = status.borrow_and_update().connection.clone();
            match state {
                ConnectionState::Streaming | ConnectionState::Handshaking
                    if session.hierarchy().borrow().is_some() =>
                {
                    return Ok(());
                }
                ConnectionState::Failed { reason } => return Err(reason),
                _ => {}
            }
            if status.changed().await.is_err() {
                return Err("the Mosketch session ended".to_string());
            }
        }
    })
    .await;
    match reached {
        Ok(Ok(())) => Ok(session),
        Ok(Err(reason)) => Err(AppError::new(
            mayalink_engine::ErrorCode::Unreachable,
            reason,
        )),
        Err(_) => Err(AppError::new(
            mayalink_engine::ErrorCode::Unreachable,
            format!(
                "Mosketch at {addr} sent no character within {} s",
                REACH.as_secs()
            ),
        )),
    }
}

async fn finish(sessions: Vec<Arc<MayaSession>>, mosketch: Arc<MosketchSession>) {
    for s in sessions {
        let _ = s.cleanup().await;
    }
    if let Ok(m) = Arc::try_unwrap(mosketch) {
        m.shutdown().await;
    }
}
