//! The live link from the Mosketch simulator into Demo Maya, over real sockets: the
//! engine's `LiveLink` maps the simulated humanoid onto Demo Maya's rig, frames are
//! applied on Demo Maya's main thread, `cmds.getAttr("LeftArm.rotate")` shows the
//! joint move, and stopping or the session's clean-up leave no receiver running.
//! Then the app's path: "Try the demo", then the link, through the command map.

use std::sync::Arc;
use std::time::Duration;

use glam::DQuat;
use serde_json::{json, Value as Json};

use super::DemoMaya;
use crate::api::{self, Engine, EngineConfig};
use crate::console::ConsoleHub;
use crate::link::euler::{self, RotateOrder};
use crate::link::live::TargetSpecShared;
use crate::link::LiveLink;
use crate::maya::{Language, MayaSession, RunOptions, SessionConfig};
use crate::mosketch::{ConnectionState, MosketchConfig, MosketchSession};
use crate::simulators::{MosketchSimulator, SimConfig, SimSettings};

const T: Duration = Duration::from_secs(15);

/// 10 Hz: the tests compare Maya with a frame no newer frame followed, which a loaded
/// machine (a CI run beside builds) must still be able to catch between two frames.
async fn simulator() -> MosketchSimulator {
    MosketchSimulator::start(SimConfig {
        port: 0,
        settings: SimSettings {
            rate_hz: 10.0,
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn mosketch(sim: &MosketchSimulator) -> Arc<MosketchSession> {
    let (s, _) = MosketchSession::start(MosketchConfig {
        port: sim.port(),
        ack_memory: None,
        ..Default::default()
    });
    let mut st = s.status();
    tokio::time::timeout(T, async {
        while !matches!(
            st.borrow_and_update().connection,
            ConnectionState::Streaming
        ) {
            st.changed().await.unwrap();
        }
    })
    .await
    .expect("Mosketch streams");
    Arc::new(s)
}

async fn maya(demo: &DemoMaya, id: &str) -> Arc<MayaSession> {
    let s = MayaSession::spawn(
        SessionConfig::new(id, "demo", demo.address()),
        ConsoleHub::default(),
        None,
    );
    tokio::time::timeout(T, s.connect())
        .await
        .expect("connects in time")
        .expect("Demo Maya connects");
    Arc::new(s)
}

fn spec(session: &Arc<MayaSession>) -> Arc<TargetSpecShared> {
    TargetSpecShared::local(session.clone())
}

/// `cmds.getAttr("LeftArm.rotate")` as the artist runs it in Demo Maya.
async fn left_arm(s: &MayaSession) -> String {
    let r = tokio::time::timeout(
        T,
        s.run(
            "cmds.getAttr(\"LeftArm.rotate\")",
            Language::Python,
            RunOptions::default(),
        ),
    )
    .await
    .expect("run in time")
    .expect("run delivered");
    assert!(r.ok, "{r:?}");
    r.value.expect("a value")
}

async fn until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + T;
    while !ok() {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulated_mosketch_drives_demo_mayas_joints() {
    let demo = DemoMaya::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let sim = simulator().await;
    let m = mosketch(&sim).await;
    let s = maya(&demo, "demo-link").await;
    let link = LiveLink::start(m.clone(), vec![spec(&s)]).await.unwrap();
    let st = link.status().borrow()[0].clone();
    assert_eq!(st.mapping.pairs.len(), 65, "{:?}", st.mapping);
    assert!(st.mapping.unmapped_mosketch.is_empty(), "{:?}", st.mapping);
    assert!(st.warnings.is_empty(), "{:?}", st.warnings);
    assert_eq!(demo.link_receivers(), 1);
    assert_eq!(demo.links(), ["demo-link:link"]);

    let status = link.status();
    until("frames applied", || {
        status.borrow()[0].figures.frames_applied >= 5
    })
    .await;
    let f = status.borrow()[0].figures.clone();
    assert!(
        f.main_thread_p95_us.is_some() && f.latency_p95_ms.is_some(),
        "{f:?}"
    );

    // The artist sees the arm move.
    let first = left_arm(&s).await;
    assert!(first.starts_with("[(") && first.ends_with(")]"), "{first}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = left_arm(&s).await;
    assert_ne!(first, second, "LeftArm.rotate changes while streaming");
    // The same, printed, as the artist (and the browser test) does it.
    let r = s
        .run(
            "import maya.cmds as cmds\nprint(\"arm-1\", cmds.getAttr(\"LeftArm.rotate\"))",
            Language::Python,
            RunOptions::default(),
        )
        .await
        .unwrap();
    assert!(r.ok, "{r:?}");
    let printed = demo.snapshot().output;
    assert!(
        printed
            .iter()
            .any(|(_, t)| t.starts_with("arm-1 [(") && t.trim_end().ends_with(")]")),
        "{printed:?}"
    );

    // Demo Maya's channels give Mosketch's rotation of the frame it applied
    // (rest orients are zero, rotate order xyz: the rotate is q itself).
    let deadline = tokio::time::Instant::now() + T;
    loop {
        assert!(tokio::time::Instant::now() < deadline, "no quiet frame");
        tokio::time::sleep(Duration::from_millis(10)).await;
        let pose = m.pose().borrow().clone();
        if status.borrow()[0].figures.last_frame_applied != pose.frame {
            continue;
        }
        let names: Vec<&str> = pose.joints.iter().map(|j| j.name.as_str()).collect();
        let read = s
            .call(json!({"op": "link_read", "nodes": names}))
            .await
            .unwrap();
        if m.pose().borrow().frame != pose.frame
            || status.borrow()[0].figures.last_frame_applied != pose.frame
        {
            continue;
        }
        for (j, v) in pose.joints.iter().zip(read["values"].as_array().unwrap()) {
            let v: Vec<f64> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let got = euler::to_quat([v[0], v[1], v[2]].map(f64::to_radians), RotateOrder::Xyz);
            let want = DQuat::from_array(j.r).normalize();
            assert!(want.dot(got).abs() > 1.0 - 1e-6, "{}: {want} {got}", j.name);
            if let Some(t) = j.t {
                for k in 0..3 {
                    assert!((v[3 + k] - t[k] * 100.0).abs() < 1e-6, "{} T", j.name);
                }
            }
        }
        break;
    }

    // Stopping leaves no receiver behind.
    link.stop().await;
    assert_eq!(demo.link_receivers(), 0);
    assert!(demo.links().is_empty());

    // Nor does the session's clean-up of a link that was never stopped.
    let link = LiveLink::start(m.clone(), vec![spec(&s)]).await.unwrap();
    assert_eq!(demo.link_receivers(), 1);
    s.cleanup().await.unwrap();
    assert_eq!(demo.link_receivers(), 0);
    assert!(demo.links().is_empty());
    link.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mel_port_demo_maya_is_driven_too() {
    let demo = DemoMaya::start_with(
        "127.0.0.1:0".parse().unwrap(),
        super::DemoOptions {
            port_kind: crate::maya::PortKind::Mel,
        },
    )
    .await
    .unwrap();
    let sim = simulator().await;
    let m = mosketch(&sim).await;
    let s = maya(&demo, "demo-mel").await;
    let link = LiveLink::start(m.clone(), vec![spec(&s)]).await.unwrap();
    assert_eq!(link.status().borrow()[0].mapping.pairs.len(), 65);
    let status = link.status();
    until("frames applied on a MEL port", || {
        status.borrow()[0].figures.frames_applied >= 5
    })
    .await;
    link.stop().await;
    assert_eq!(demo.link_receivers(), 0);
}

/// The last pose Mosketch (the simulator) received, once it has more than `seen`.
async fn pose_received(sim: &MosketchSimulator, seen: usize) -> Vec<crate::mosketch::JointSample> {
    let deadline = tokio::time::Instant::now() + T;
    loop {
        let poses: Vec<_> = sim.clients().into_iter().flat_map(|c| c.poses).collect();
        if poses.len() > seen {
            return poses.last().unwrap().clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Mosketch got no pose"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn poses_received(sim: &MosketchSimulator) -> usize {
    sim.clients().iter().map(|c| c.poses.len()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mayas_pose_goes_back_to_the_simulated_mosketch() {
    let demo = DemoMaya::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let sim = simulator().await;
    let m = mosketch(&sim).await;
    let s = maya(&demo, "demo-follow").await;
    let link = LiveLink::start(m.clone(), vec![spec(&s)]).await.unwrap();
    // "Follow Maya": the artist poses the arm in Demo Maya, Mosketch gets it live
    // (before any frame went to Demo Maya: it samples once the app's keepalive came).
    link.follow(0, true).await.unwrap();
    let seen = poses_received(&sim);
    let r = s
        .run(
            "cmds.setAttr(\"LeftArm.rotate\", 10, 20, 30)",
            Language::Python,
            RunOptions::default(),
        )
        .await
        .unwrap();
    assert!(r.ok, "{r:?}");
    let want = euler::to_quat([10f64, 20.0, 30.0].map(f64::to_radians), RotateOrder::Xyz);
    let deadline = tokio::time::Instant::now() + T;
    loop {
        if poses_received(&sim) <= seen {
            assert!(
                tokio::time::Instant::now() < deadline,
                "Mosketch got no pose: {:?}, {} receivers",
                link.status().borrow()[0].warnings,
                demo.link_receivers()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        let pose = pose_received(&sim, seen).await;
        let arm = pose
            .iter()
            .find(|j| j.name == "LeftArm")
            .expect("Mosketch's name");
        if want.dot(DQuat::from_array(arm.r.unwrap())).abs() > 1.0 - 1e-9 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{arm:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    link.follow(0, false).await.unwrap();
    // "Send Maya pose to Mosketch", once: every mapped joint.
    assert_eq!(link.send_maya_pose(0).await.unwrap(), 65);
    link.stop().await;
    assert_eq!(demo.link_receivers(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_the_demo_then_start_the_link_from_the_command_map() {
    let e = Engine::new(EngineConfig::default());
    api::dispatch(&e, "demo_start", json!({})).await.unwrap();
    let id = e
        .workspace
        .list()
        .into_iter()
        .find(|v| v.demo)
        .expect("a Demo Maya session")
        .id;
    let (tx, mut views) = tokio::sync::mpsc::unbounded_channel::<String>();
    api::subscribe(&e, "link", move |json| tx.send(json).is_ok()).unwrap();
    // The simulator's character arrives shortly after the demo starts.
    let deadline = tokio::time::Instant::now() + T;
    let started = loop {
        match api::dispatch(&e, "link_start", json!({"sessions": [id]})).await {
            Ok(v) => break v,
            Err(err) if tokio::time::Instant::now() < deadline => {
                let _ = err;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(err) => panic!("{err:?}"),
        }
    };
    // The returned view can be the one from before the start (the view is updated
    // by a task): the stream is what the UI follows.
    let _: Json = serde_json::from_str(&started).unwrap();
    tokio::time::timeout(T, async {
        loop {
            let v: Json = serde_json::from_str(&views.recv().await.unwrap()).unwrap();
            if v["running"] != true {
                continue;
            }
            assert_eq!(v["sessions"], json!([id]), "{v}");
            let pairs = v["mayas"][0]["mapping"]["pairs"].as_array().unwrap();
            assert_eq!(pairs.len(), 65, "{v}");
            if v["mayas"][0]["figures"]["framesApplied"]
                .as_u64()
                .is_some_and(|n| n >= 5)
            {
                return;
            }
        }
    })
    .await
    .expect("frames applied in the link stream");

    let (session, _) = e.workspace.session_handle(&id).unwrap();
    let first = left_arm(&session).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_ne!(first, left_arm(&session).await);

    api::dispatch(&e, "link_stop", json!({})).await.unwrap();
    let r = session
        .call(json!({"op": "link_stop", "link": format!("{id}:link")}))
        .await
        .unwrap();
    assert_eq!(r, json!({"ok": true, "stopped": false, "links_left": 0}));
    e.shutdown().await;
}
