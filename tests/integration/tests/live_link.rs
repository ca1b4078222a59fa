//! The live link against the Maya emulator (running the real helper) and the
//! Mosketch simulator, over real sockets: Maya's channels rebuild Mosketch's pose
//! by the spec's own definition (`JO · R · RA`, composed axis by axis) on rigs with
//! namespaces, every rotate order and non-zero rotate axes; MEL ports; two Mayas;
//! locked channels reported once; Maya's pose back to Mosketch; the CLI's contract;
//! and nothing of the link left in Maya afterwards.

use glam::{DQuat, DVec3};
use mayalink_engine::link::euler::{self, RotateOrder};
use mayalink_engine::link::LiveLink;
use mayalink_engine::maya::{Language, MayaSession, RunOptions};
use mayalink_engine::mosketch::{ConnectionState, MosketchConfig, MosketchSession};
use mayalink_engine::simulators::mosketch::{Character, CharacterKind};
use mayalink_engine::simulators::{MosketchSimulator, SimSettings};
use mayalink_integration_tests::link_world::{
    helper_links, maya, mosketch, mosketch_with, spec, until,
};
use mayalink_integration_tests::{mayalink_bin, run_ok, sim_at, start_sim, Emulator};
use serde_json::{json, Value};
use std::time::Duration;

/// How a test rig differs from the simulator's character.
#[derive(Clone, Copy)]
struct Quirks {
    namespace: Option<&'static str>,
    /// Joint i gets rotate order (i + shift) % 6.
    order_shift: Option<usize>,
    rotate_axis: bool,
}

const PLAIN: Quirks = Quirks {
    namespace: None,
    order_shift: None,
    rotate_axis: false,
};

/// The emulator's scene for the simulator's humanoid (the simulator writes it), with
/// the test's quirks applied.
fn scene_file(dir: &std::path::Path, quirks: Quirks) -> std::path::PathBuf {
    let mut scene = Character::new(CharacterKind::Humanoid).maya_scene();
    let name = |n: &str| match quirks.namespace {
        Some(ns) => format!("{ns}:{n}"),
        None => n.to_string(),
    };
    for (i, j) in scene["joints"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        j["name"] = json!(name(j["name"].as_str().unwrap()));
        if let Some(p) = j["parent"].as_str().map(&name) {
            j["parent"] = json!(p);
        }
        j["rotateOrder"] = json!(quirks.order_shift.map_or(0, |s| (i + s) % 6));
        if quirks.rotate_axis {
            j["rotateAxis"] = json!([7.0 + i as f64, -12.0, 25.0]);
        }
    }
    let path = dir.join("humanoid.json");
    std::fs::write(&path, scene.to_string()).unwrap();
    path
}

/// The plain rig's scene file, in a folder of its own (kept while the guard lives).
fn plain_scene() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let scene = scene_file(dir.path(), PLAIN);
    (dir, scene)
}

struct World {
    sim: MosketchSimulator,
    _dir: tempfile::TempDir,
    emulators: Vec<Emulator>,
}

async fn world(quirks: &[Quirks], rate_hz: f64, extra: &[&str]) -> World {
    let dir = tempfile::tempdir().unwrap();
    let emulators = quirks
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let sub = dir.path().join(i.to_string());
            std::fs::create_dir_all(&sub).unwrap();
            let scene = scene_file(&sub, *q);
            let mut args = vec!["--scene", scene.to_str().unwrap()];
            args.extend_from_slice(extra);
            Emulator::start(&args)
        })
        .collect();
    let sim = sim_at(rate_hz).await;
    World {
        sim,
        _dir: dir,
        emulators,
    }
}

/// Every joint's channels, read through the commandPort as Maya has them.
async fn channels(s: &MayaSession) -> Value {
    let code = "import json, maya.cmds as c\njson.dumps({n: [list(c.getAttr(n + '.rotate')[0]), list(c.getAttr(n + '.jointOrient')[0]), list(c.getAttr(n + '.rotateAxis')[0]), c.getAttr(n + '.rotateOrder'), list(c.getAttr(n + '.translate')[0])] for n in c.ls(type='joint')})";
    let r = run_ok(s, code, Language::Python).await;
    // The value is the repr of the JSON string: '{...}'.
    let text = r.value.unwrap();
    serde_json::from_str(text.trim_matches('\'')).unwrap()
}

/// The local rotation Maya builds from a joint's channels, by the spec's definition.
fn maya_local(ch: &Value) -> DQuat {
    let v = |i: usize| -> [f64; 3] {
        let a = ch[i].as_array().unwrap();
        [0, 1, 2].map(|k| a[k].as_f64().unwrap().to_radians())
    };
    let axis = [DVec3::X, DVec3::Y, DVec3::Z];
    let composed = |e: [f64; 3], order: [usize; 3]| {
        DQuat::from_axis_angle(axis[order[2]], e[order[2]])
            * DQuat::from_axis_angle(axis[order[1]], e[order[1]])
            * DQuat::from_axis_angle(axis[order[0]], e[order[0]])
    };
    let orders = [
        [0, 1, 2],
        [1, 2, 0],
        [2, 0, 1],
        [0, 2, 1],
        [1, 0, 2],
        [2, 1, 0],
    ];
    let ro = orders[ch[3].as_u64().unwrap() as usize];
    composed(v(1), [0, 1, 2]) * composed(v(0), ro) * composed(v(2), [0, 1, 2])
}

/// Waits until Maya applied a frame and no newer frame arrived while reading it back;
/// then every mapped joint's channels must give Mosketch's rotation of that frame.
async fn assert_maya_matches_mosketch(
    link: &LiveLink,
    m: &MosketchSession,
    s: &MayaSession,
    ns: Option<&str>,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no quiet frame to compare"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        let pose = m.pose().borrow().clone();
        let applied = link.status().borrow()[0].figures.last_frame_applied;
        if applied != pose.frame || applied == 0 {
            continue;
        }
        let ch = channels(s).await;
        if m.pose().borrow().frame != pose.frame {
            continue; // a frame arrived while reading: try again
        }
        let mut checked = 0;
        for j in &pose.joints {
            let name = ns.map_or(j.name.clone(), |ns| format!("{ns}:{}", j.name));
            let Some(c) = ch.get(&name) else { continue };
            let want = DQuat::from_array(j.r).normalize();
            let got = maya_local(c);
            assert!(
                want.dot(got).abs() > 1.0 - 1e-6,
                "{name}: Mosketch {want} Maya {got} ({c})"
            );
            if let Some(t) = j.t {
                let cm = c[4].as_array().unwrap();
                // Without rotate axis, translate is T in centimetres.
                if c[2]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|v| v.as_f64() == Some(0.0))
                {
                    for k in 0..3 {
                        assert!(
                            (cm[k].as_f64().unwrap() - t[k] * 100.0).abs() < 1e-6,
                            "{name} T"
                        );
                    }
                }
            }
            checked += 1;
        }
        assert_eq!(checked, pose.joints.len(), "every joint compared");
        return;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosketch_drives_a_rig_with_namespaces_every_rotate_order_and_rotate_axes() {
    let quirks = Quirks {
        namespace: Some("mixamorig"),
        order_shift: Some(1),
        rotate_axis: true,
    };
    let w = world(&[quirks], 8.0, &[]).await;
    let m = mosketch(&w.sim).await;
    let s = maya(&w.emulators[0]).await;
    let link = LiveLink::start(m.clone(), vec![spec(&s)]).await.unwrap();
    let st = link.status().borrow()[0].clone();
    assert_eq!(
        st.mapping.pairs.len(),
        65,
        "{:?}",
        st.mapping.unmapped_mosketch
    );
    assert!(
        st.mapping.pairs[0].maya.contains("mixamorig:"),
        "{:?}",
        st.mapping.pairs[0]
    );
    assert_maya_matches_mosketch(&link, &m, &s, Some("mixamorig")).await;
    link.stop().await;
    let _ = s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_stream_drives_two_mayas_one_of_them_on_a_mel_port() {
    let (_dir, scene) = plain_scene();
    let a = Emulator::start(&["--scene", scene.to_str().unwrap()]);
    let b = Emulator::start(&["--scene", scene.to_str().unwrap(), "--source-type", "mel"]);
    let sim = sim_at(30.0).await;
    let m = mosketch(&sim).await;
    let (sa, sb) = (maya(&a).await, maya(&b).await);
    let link = LiveLink::start(m.clone(), vec![spec(&sa), spec(&sb)])
        .await
        .unwrap();
    let mut status = link.status();
    tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            {
                let s = status.borrow_and_update();
                if s.len() == 2 && s.iter().all(|t| t.figures.frames_applied >= 10) {
                    return;
                }
            }
            status.changed().await.unwrap();
        }
    })
    .await
    .expect("both Mayas apply frames");
    for t in link.status().borrow().iter() {
        assert!(
            t.figures.main_thread_p95_us.is_some() && t.figures.latency_p95_ms.is_some(),
            "{t:?}"
        );
        assert!(t.ended.is_none());
    }
    link.stop().await;
    for (emu, s) in [(&a, &sa), (&b, &sb)] {
        let _ = s.cleanup().await;
        let st = emu.state();
        assert_eq!(st["callbacks"], 0, "{st}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maya_pose_goes_back_to_mosketch_with_mosketchs_names() {
    let w = world(&[PLAIN], 2.0, &[]).await;
    let m = mosketch(&w.sim).await;
    let s = maya(&w.emulators[0]).await;
    let link = LiveLink::start(m.clone(), vec![spec(&s)]).await.unwrap();
    // Stop Mosketch driving, pose a joint by hand in Maya, send it.
    link.follow(0, true).await.unwrap();
    run_ok(
        &s,
        "import maya.cmds as c\nc.setAttr('LeftArm.rotate', 10, 20, 30)",
        Language::Python,
    )
    .await;
    link.follow(0, false).await.unwrap();
    let n = link.send_maya_pose(0).await.unwrap();
    assert_eq!(n, 65);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let pose = loop {
        if let Some(p) = w.sim.clients().iter().flat_map(|c| c.poses.clone()).last() {
            break p;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Mosketch got no pose"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let arm = pose
        .iter()
        .find(|j| j.name == "LeftArm")
        .expect("Mosketch's name");
    let c = Character::new(CharacterKind::Humanoid);
    let jo =
        DQuat::from_array(c.skeleton().joints()[c.skeleton().index_of("LeftArm").unwrap()].orient);
    let want = jo * euler::to_quat([10f64, 20.0, 30.0].map(f64::to_radians), RotateOrder::Xyz);
    assert!(
        want.dot(DQuat::from_array(arm.r.unwrap())).abs() > 1.0 - 1e-9,
        "{arm:?}"
    );
    link.stop().await;
    let _ = s.cleanup().await;
}

fn run_cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(mayalink_bin())
        .args(args)
        .output()
        .expect("mayalink runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_streams_n_frames_to_every_maya_then_leaves_nothing_behind() {
    let w = world(&[PLAIN, PLAIN], 60.0, &[]).await;
    let mosketch = format!("127.0.0.1:{}", w.sim.port());
    let (a, b) = (w.emulators[0].address(), w.emulators[1].address());
    let out = tokio::task::spawn_blocking(move || {
        run_cli(&[
            "link",
            "--mosketch",
            &mosketch,
            "--maya",
            &a,
            "--maya",
            &b,
            "--frames",
            "30",
        ])
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout
            .matches("65 of 65 Mosketch joints mapped, 0 not mapped")
            .count(),
        2,
        "{stdout}"
    );
    for emu in &w.emulators {
        let st = emu.state();
        assert_eq!(st["callbacks"], 0, "{st}");
    }
    // Maya's pose back, once.
    let mosketch = format!("127.0.0.1:{}", w.sim.port());
    let a = w.emulators[0].address();
    let out = tokio::task::spawn_blocking(move || {
        run_cli(&[
            "link",
            "--maya",
            &a,
            "--mosketch",
            &mosketch,
            "--to-mosketch",
        ])
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Sent Maya's pose to Mosketch: 65 joints")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_exits_2_when_mosketch_or_a_maya_cannot_be_reached() {
    let w = world(&[PLAIN], 30.0, &[]).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mosketch = format!("127.0.0.1:{}", w.sim.port());
    let maya = w.emulators[0].address();
    let out = tokio::task::spawn_blocking(move || {
        let no_mosketch = run_cli(&[
            "link",
            "--mosketch",
            &format!("127.0.0.1:{closed}"),
            "--maya",
            &maya,
            "--frames",
            "5",
        ]);
        let no_maya = run_cli(&[
            "link",
            "--mosketch",
            &mosketch,
            "--maya",
            &format!(":{closed}"),
            "--frames",
            "5",
        ]);
        (no_mosketch, no_maya)
    })
    .await
    .unwrap();
    assert_eq!(out.0.status.code(), Some(2), "{:?}", out.0);
    assert_eq!(out.1.status.code(), Some(2), "{:?}", out.1);
    assert!(!String::from_utf8_lossy(&out.1.stderr).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_mapped_is_a_clear_error_not_a_silent_no_op() {
    let (_dir, emu, sim) = unmatched_rig().await;
    let m = mosketch(&sim).await;
    let s = maya(&emu).await;
    let err = LiveLink::start(m.clone(), vec![spec(&s)])
        .await
        .err()
        .expect("refused");
    assert!(err.message.contains("map them by hand"), "{err:?}");
    let _ = s.cleanup().await;
}

/// A Maya whose joints match none of Mosketch's names, and a simulated Mosketch.
async fn unmatched_rig() -> (tempfile::TempDir, Emulator, MosketchSimulator) {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("other.json");
    std::fs::write(
        &scene,
        json!({"joints": [{"name": "root"}, {"name": "spine_01", "parent": "root"}]}).to_string(),
    )
    .unwrap();
    let emu = Emulator::start(&["--scene", scene.to_str().unwrap()]);
    (dir, emu, start_sim(SimSettings::default()).await)
}

/// Waits until `check` holds for the link's status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maya_killed_mid_stream_is_reported_and_mosketch_keeps_streaming() {
    let mut w = world(&[PLAIN], 60.0, &[]).await;
    let m = mosketch(&w.sim).await;
    let s = maya(&w.emulators[0]).await;
    let link = LiveLink::start(m.clone(), vec![spec(&s)]).await.unwrap();
    until(&link, "frames applied", |s| s[0].figures.frames_applied > 5).await;
    w.emulators[0].kill();
    until(&link, "the link says Maya is gone", |s| {
        s[0].ended.is_some()
    })
    .await;
    let frame = m.pose().borrow().frame;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(m.pose().borrow().frame > frame, "Mosketch keeps streaming");
    assert!(matches!(
        m.status().borrow().connection,
        ConnectionState::Streaming
    ));
    tokio::time::timeout(Duration::from_secs(5), link.stop())
        .await
        .expect("stops promptly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosketch_gone_stops_the_maya_side_cleanly() {
    let w = world(&[PLAIN], 60.0, &[]).await;
    let m = mosketch_with(MosketchConfig {
        port: w.sim.port(),
        ack_memory: None,
        reconnect: false,
        ..Default::default()
    })
    .await;
    let s = maya(&w.emulators[0]).await;
    let link = LiveLink::start(m.clone(), vec![spec(&s)]).await.unwrap();
    until(&link, "frames applied", |s| s[0].figures.frames_applied > 3).await;
    assert_eq!(helper_links(&s).await, "1");
    drop(w.sim);
    until(&link, "the link says Mosketch is gone", |s| {
        s.first()
            .is_some_and(|t| t.ended.as_deref().is_some_and(|e| e.contains("Mosketch")))
    })
    .await;
    assert_eq!(
        helper_links(&s).await,
        "0",
        "nothing of the link left in Maya"
    );
    link.stop().await;
    let _ = s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_client_is_answered_while_the_link_streams() {
    let w = world(&[PLAIN], 60.0, &[]).await;
    let m = mosketch(&w.sim).await;
    let s = maya(&w.emulators[0]).await;
    let link = LiveLink::start(m.clone(), vec![spec(&s)]).await.unwrap();
    until(&link, "frames applied", |s| s[0].figures.frames_applied > 5).await;
    // The link never holds the commandPort: another tool's commands go through.
    let other = maya(&w.emulators[0]).await;
    for i in 0..10 {
        let started = std::time::Instant::now();
        let r = other
            .run(&format!("{i} + 1"), Language::Python, RunOptions::default())
            .await
            .unwrap();
        assert_eq!(r.value.as_deref(), Some((i + 1).to_string().as_str()));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
    let before = link.status().borrow()[0].figures.frames_applied;
    until(&link, "still applying", |s| {
        s[0].figures.frames_applied > before + 5
    })
    .await;
    link.stop().await;
    assert_eq!(helper_links(&s).await, "0");
    let _ = other.cleanup().await;
    let _ = s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_frames_reach_maya_and_the_stream_stays_exact() {
    let w = world(&[PLAIN], 8.0, &[]).await;
    w.sim.update_settings(|s| s.partial = true);
    let m = mosketch(&w.sim).await;
    let s = maya(&w.emulators[0]).await;
    let link = LiveLink::start(m.clone(), vec![spec(&s)]).await.unwrap();
    // Odd frames carry a third of the joints: whatever frame Maya shows, every joint
    // equals Mosketch's pose (the untouched ones kept their last value on both sides).
    assert_maya_matches_mosketch(&link, &m, &s, None).await;
    link.stop().await;
    let _ = s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_channels_are_reported_once_the_undo_queue_is_spared_and_nothing_is_left_behind() {
    let (_dir, scene) = plain_scene();
    // Lock Hips.rotateY and drive Spine.rotateX from an expression, as a rig would.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&scene).unwrap()).unwrap();
    for j in v["joints"].as_array_mut().unwrap() {
        match j["name"].as_str().unwrap() {
            "Hips" => j["locked"] = json!(["rotateY"]),
            "Spine" => j["connected"] = json!(["rotateX"]),
            _ => {}
        }
    }
    std::fs::write(&scene, v.to_string()).unwrap();
    let emu = Emulator::start(&["--scene", scene.to_str().unwrap()]);
    let sim = sim_at(60.0).await;
    let m = mosketch(&sim).await;
    let s = maya(&emu).await;
    let undo_before = emu.state()["undo_entries_total"].as_u64().unwrap();
    let link = LiveLink::start(m.clone(), vec![spec(&s)]).await.unwrap();
    let warnings = link.status().borrow()[0].warnings.clone();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("Hips.rotateY is locked")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("Spine.rotateX is connected")),
        "{warnings:?}"
    );
    until(&link, "frames applied", |s| {
        s[0].figures.frames_applied > 10
    })
    .await;
    // A lock added while streaming: reported once, not once per frame.
    run_ok(
        &s,
        "import maya.cmds as c\nc.setAttr('LeftArm.rotate', lock=True)",
        Language::Python,
    )
    .await;
    let applied = link.status().borrow()[0].figures.frames_applied;
    until(&link, "many more frames", |s| {
        s[0].figures.frames_applied > applied + 20
    })
    .await;
    let warnings = link.status().borrow()[0].warnings.clone();
    assert_eq!(
        warnings
            .iter()
            .filter(|w| w.contains("LeftArm.rotate"))
            .count(),
        1,
        "{warnings:?}"
    );
    // Streaming recorded nothing in Maya's undo queue (the lock above is one entry).
    let undo_after = emu.state()["undo_entries_total"].as_u64().unwrap();
    assert!(
        undo_after <= undo_before + 2,
        "undo entries {undo_before} -> {undo_after}"
    );
    let st = emu.state();
    assert!(
        st["user_threads"].to_string().contains("mayalink-link"),
        "{st}"
    );
    link.stop().await;
    let _ = s.cleanup().await;
    let st = emu.state();
    assert!(
        !st["user_threads"].to_string().contains("mayalink-link"),
        "{st}"
    );
    assert!(!st["user_sockets"].to_string().contains("udp"), "{st}");
    assert_eq!(st["deferred_pending"], 0, "{st}");
    assert_eq!(st["callbacks"], 0, "{st}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_drives_demo_maya_and_leaves_no_receiver_behind() {
    // "Try the demo" without the app: Demo Maya (simulated) answers the helper's link
    // ops and datagrams like the real helper does.
    use mayalink_engine::simulators::demo_maya::DemoMaya;
    let demo = DemoMaya::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let sim = sim_at(60.0).await;
    let (mosketch, maya) = (format!("127.0.0.1:{}", sim.port()), demo.addr().to_string());
    let out = tokio::task::spawn_blocking(move || {
        run_cli(&[
            "link",
            "--mosketch",
            &mosketch,
            "--maya",
            &maya,
            "--frames",
            "30",
        ])
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("65 of 65 Mosketch joints mapped, 0 not mapped"),
        "{out:?}"
    );
    assert_eq!(demo.link_receivers(), 0);
    assert!(demo.links().is_empty());
    assert!(demo.snapshot().sessions.is_empty(), "the CLI cleaned up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_mapped_shows_the_mapping_so_the_artist_maps_by_hand_then_it_runs() {
    use mayalink_engine::api::{self, Engine, EngineConfig};
    let (dir, emu, sim) = unmatched_rig().await;
    let e = Engine::new(EngineConfig {
        config_dir: Some(dir.path().join("config")),
    });
    let call = |name: &'static str, args: Value| {
        let e = e.clone();
        async move {
            api::dispatch(&e, name, args)
                .await
                .map(|j| serde_json::from_str::<Value>(&j).unwrap())
        }
    };
    let view = call(
        "maya_session_add",
        json!({"spec": {"name": "Rig", "address": emu.address(), "autoConnect": false}}),
    )
    .await
    .unwrap();
    let id = view["id"].as_str().unwrap().to_string();
    call("maya_session_connect", json!({"id": id}))
        .await
        .unwrap();
    call("mosketch_connect", json!({"config": {"port": sim.port()}}))
        .await
        .unwrap();
    let (tx, mut links) = tokio::sync::mpsc::unbounded_channel::<Value>();
    api::subscribe(&e, "link", move |j| {
        tx.send(serde_json::from_str(&j).unwrap()).is_ok()
    })
    .unwrap();
    // Wait for Mosketch's character, then start: nothing maps, and the table is shown.
    let err = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match call("link_start", json!({"sessions": [id]})).await {
                Err(err) if err.message.contains("not sent its character") => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                other => return other,
            }
        }
    })
    .await
    .unwrap()
    .unwrap_err();
    assert!(err.message.contains("by hand"), "{err:?}");
    let preview = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let v = links.recv().await.unwrap();
            if v["mayas"].as_array().is_some_and(|m| !m.is_empty()) {
                return v;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(preview["running"], false);
    assert_eq!(
        preview["mayas"][0]["mapping"]["unmappedMaya"],
        json!(["|root", "|root|spine_01"])
    );
    // The artist maps Hips by hand: saved, and the link now runs.
    let running = call(
        "link_set_override",
        json!({"maya": 0, "mosketch": "Hips", "node": "|root"}),
    )
    .await
    .unwrap();
    assert_eq!(running["running"], true, "{running}");
    let pair = &running["mayas"][0]["mapping"]["pairs"][0];
    assert_eq!(
        (pair["mosketch"].as_str(), pair["maya"].as_str()),
        (Some("Hips"), Some("|root"))
    );
    assert_eq!(pair["overridden"], true);
    assert_eq!(pair["rotateOrder"], "xyz");
    // Saved per scene and character: a new engine on the same config finds it.
    let saved = std::fs::read_to_string(dir.path().join("config/link-mappings.json")).unwrap();
    assert!(saved.contains("|root"), "{saved}");
    call("link_stop", json!({})).await.unwrap();
    e.shutdown().await;
}
