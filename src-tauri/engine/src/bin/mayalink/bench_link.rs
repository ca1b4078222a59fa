//! `mayalink bench-link`: the live link's figures against the Python Maya emulator
//! (running the real helper) and the Mosketch simulator, each beside a baseline
//! measured in the same run:
//! - latency from a Mosketch frame's arrival to Maya's word that it is applied
//!   (goal p95 ≤ 16.7 ms, one frame at 60 Hz), at 60 Hz and as fast as Mosketch sends;
//! - Maya's main-thread time per applied frame (the emulator's own clock around
//!   each deferred job) vs a bare loop of the same `cmds.setAttr` calls with
//!   precomputed values, one deferred job per frame at the rate the link applied
//!   them (goal ≤ 1.3×);
//! - another client's commandPort round trip while the link streams vs without
//!   (goal p95 ≤ 50 ms).

use crate::bench_maya::{bench_exit, percentile, start_emulator_with};
use clap::Args as ClapArgs;
use mayalink_engine::console::ConsoleHub;
use mayalink_engine::link::live::TargetSpecShared;
use mayalink_engine::link::{LiveLink, Overrides};
use mayalink_engine::maya::{Language, MayaAddress, MayaSession, RunOptions, SessionConfig};
use mayalink_engine::mosketch::{ConnectionState, MosketchConfig, MosketchSession};
use mayalink_engine::simulators::mosketch::{Character, CharacterKind};
use mayalink_engine::simulators::{MosketchSimulator, SimConfig, SimSettings};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(ClapArgs)]
pub struct Args {
    /// The emulator script.
    #[arg(long, default_value = "tests/emulators/maya_emulator.py")]
    emulator: String,
    /// Seconds of streaming per case.
    #[arg(long, default_value_t = 6.0)]
    seconds: f64,
    /// Round trips of the other client per measurement.
    #[arg(long, default_value_t = 60)]
    round_trips: usize,
}

pub fn run(a: Args) -> ExitCode {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    bench_exit("bench-link", rt.block_on(bench(a)))
}

struct Case {
    character: CharacterKind,
    rate_hz: f64,
}

async fn bench(a: Args) -> Result<(), String> {
    println!(
        "Live link benchmark: Mosketch simulator → Mayalink → Python Maya emulator (real helper)"
    );
    println!(
        "{:<10} {:>6} {:>7} {:>9} {:>9} {:>8} {:>10} {:>10} {:>6} {:>9} {:>9}",
        "character",
        "joints",
        "rate",
        "applied/s",
        "lat p95",
        "supers.",
        "main/frame",
        "bare loop",
        "ratio",
        "rt base",
        "rt p95"
    );
    let cases = [
        Case {
            character: CharacterKind::Humanoid,
            rate_hz: 60.0,
        },
        Case {
            character: CharacterKind::Humanoid,
            rate_hz: 0.0,
        },
        Case {
            character: CharacterKind::Creature,
            rate_hz: 60.0,
        },
        Case {
            character: CharacterKind::Creature,
            rate_hz: 0.0,
        },
    ];
    for case in cases {
        one_case(&a, &case).await?;
    }
    println!("Goals: latency p95 ≤ 16.7 ms; main-thread time per frame ≤ 1.3× the bare loop; other client's round trip p95 ≤ 50 ms.");
    Ok(())
}

async fn one_case(a: &Args, case: &Case) -> Result<(), String> {
    let character = Character::new(case.character);
    let scene = std::env::temp_dir().join(format!(
        "mayalink-bench-{}-{:?}.json",
        std::process::id(),
        case.character
    ));
    std::fs::write(&scene, character.maya_scene().to_string()).map_err(|e| e.to_string())?;
    let emu = start_emulator_with(
        &a.emulator,
        &["--scene", scene.to_str().unwrap_or_default()],
    )
    .map_err(|e| format!("cannot start the emulator ({}): {e}", a.emulator))?;
    let address = format!(":{}", emu.port);
    let sim = MosketchSimulator::start(SimConfig {
        port: 0,
        character: case.character,
        settings: SimSettings {
            rate_hz: case.rate_hz,
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .map_err(|e| e.message)?;
    let (mosketch, _) = MosketchSession::start(MosketchConfig {
        port: sim.port(),
        ack_memory: None,
        ..Default::default()
    });
    let mosketch = Arc::new(mosketch);
    wait_streaming(&mosketch).await?;
    let maya = session(&address, "link").await?;
    let other = session(&address, "other").await?;

    // Baselines, before the link starts.
    let rt_base = round_trips(&other, a.round_trips).await?;
    let ctl = Control(emu.control);

    let spec = Arc::new(TargetSpecShared {
        session: maya.clone(),
        host: "127.0.0.1".parse().expect("ip"),
        overrides: Overrides::new(),
    });
    let link = LiveLink::start(mosketch.clone(), vec![spec])
        .await
        .map_err(|e| e.message)?;
    tokio::time::sleep(Duration::from_millis(500)).await; // warm up
    let before = ctl.deferred()?;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(a.seconds / 2.0)).await;
    let rt_streaming = round_trips(&other, a.round_trips).await?;
    tokio::time::sleep(Duration::from_secs_f64(a.seconds / 2.0)).await;
    let after = ctl.deferred()?;
    let elapsed = started.elapsed().as_secs_f64();
    let figures = link.status().borrow()[0].figures.clone();
    link.stop().await;
    let jobs = (after.0 - before.0).max(1) as f64;
    let main_us = (after.1 - before.1) / jobs;
    // The baseline at the same cadence: a main thread woken 60 times a second
    // does more per job than one running jobs back to back (cold caches).
    let bare = bare_loop_us(&maya, &character, &ctl, jobs / elapsed).await?;
    let _ = other.cleanup().await;
    let _ = maya.cleanup().await;
    let _ = std::fs::remove_file(&scene);
    let joints = character.names().len();
    println!(
        "{:<10} {:>6} {:>7} {:>9.1} {:>6.2} ms {:>8} {:>7.0} µs {:>7.0} µs {:>5.2}× {:>6.2} ms {:>6.2} ms",
        format!("{:?}", case.character).to_lowercase(),
        joints,
        if case.rate_hz > 0.0 { format!("{} Hz", case.rate_hz) } else { "flood".into() },
        jobs / elapsed,
        figures.latency_p95_ms.unwrap_or(f64::NAN),
        figures.superseded,
        main_us,
        bare,
        main_us / bare,
        p(rt_base.clone(), 0.95),
        p(rt_streaming, 0.95),
    );
    Ok(())
}

fn p(mut v: Vec<f64>, q: f64) -> f64 {
    percentile(&mut v, q)
}

async fn wait_streaming(m: &MosketchSession) -> Result<(), String> {
    let mut st = m.status();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !matches!(
            st.borrow_and_update().connection,
            ConnectionState::Streaming
        ) {
            if st.changed().await.is_err() {
                return;
            }
        }
    })
    .await
    .map_err(|_| "the simulator did not stream".to_string())
}

async fn session(address: &str, tag: &str) -> Result<Arc<MayaSession>, String> {
    let s = MayaSession::spawn(
        SessionConfig::new(
            format!("bench-{tag}-{}", std::process::id()),
            tag,
            MayaAddress::parse(address).map_err(|e| e.message)?,
        ),
        ConsoleHub::default(),
        None,
    );
    s.connect().await.map_err(|e| e.message)?;
    Ok(Arc::new(s))
}

/// Another tool's commandPort round trips (ms), each on its own short connection
/// as a session does when idle.
async fn round_trips(s: &MayaSession, n: usize) -> Result<Vec<f64>, String> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        s.run("1", Language::Python, RunOptions::default())
            .await
            .map_err(|e| e.message)?;
        out.push(t.elapsed().as_secs_f64() * 1e3);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(out)
}

/// The emulator's control port: counters of its main thread.
struct Control(u16);

impl Control {
    /// (deferred jobs run, µs spent in them) so far.
    fn deferred(&self) -> Result<(u64, f64), String> {
        let v = self.state()?;
        Ok((
            v["deferred_run_total"].as_u64().unwrap_or(0),
            v["deferred_us_total"].as_f64().unwrap_or(0.0),
        ))
    }

    fn state(&self) -> Result<serde_json::Value, String> {
        use std::io::{BufRead, BufReader, Write};
        let mut c =
            std::net::TcpStream::connect(("127.0.0.1", self.0)).map_err(|e| e.to_string())?;
        c.write_all(b"{\"cmd\": \"state\"}\n")
            .map_err(|e| e.to_string())?;
        let mut line = String::new();
        BufReader::new(c)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        serde_json::from_str(&line).map_err(|e| e.to_string())
    }
}

/// Main-thread µs per frame of a bare loop of the same setAttr calls with
/// precomputed values: one deferred job per frame, queued by a Python thread at
/// `rate` per second (as the link's receiver thread does), with undo recording
/// off around all of them (the link's per-frame toggles count against the link).
async fn bare_loop_us(
    s: &MayaSession,
    character: &Character,
    ctl: &Control,
    rate: f64,
) -> Result<f64, String> {
    let names: Vec<String> = character.names().to_vec();
    let rate = rate.clamp(10.0, 1000.0);
    let frames = (rate * 2.0).round().max(20.0) as usize;
    // The link's own calls: long DAG paths, every rotate, the root's translate.
    let code = format!(
        "import maya.cmds as cmds, maya.utils, threading, time\n\
         _paths = [cmds.ls(n, long=True)[0] for n in {names:?}]\n\
         _plugs = [p + '.rotate' for p in _paths] + [_paths[0] + '.translate']\n\
         def _frame(v=(1.5, -2.5, 3.5)):\n    setAttr = cmds.setAttr\n    for p in _plugs:\n        setAttr(p, v[0], v[1], v[2])\n\
         def _undo(on):\n    cmds.undoInfo(stateWithoutFlush=on)\n\
         def _pace(n, interval):\n    due = time.perf_counter()\n    for _ in range(n):\n        maya.utils.executeDeferred(_frame)\n        due += interval\n        time.sleep(max(0.0, due - time.perf_counter()))\n    maya.utils.executeDeferred(_undo, True)\n\
         maya.utils.executeDeferred(_undo, False)\n\
         threading.Thread(target=_pace, args=({frames}, {interval})).start()\n",
        interval = 1.0 / rate,
    );
    let before = ctl.deferred()?;
    let r = s
        .run(&code, Language::Python, RunOptions::default())
        .await
        .map_err(|e| e.message)?;
    if !r.ok {
        return Err(format!("bare loop failed in Maya: {:?}", r.error));
    }
    tokio::time::sleep(Duration::from_secs_f64(frames as f64 / rate + 0.3)).await;
    let after = ctl.deferred()?;
    // The two undo jobs are not frames; their cost is nothing next to the frames'.
    let jobs = (after.0 - before.0).saturating_sub(2).max(1) as f64;
    Ok((after.1 - before.1) / jobs)
}
