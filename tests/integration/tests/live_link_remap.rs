//! The live link keeps up with a changing world: Mosketch loading another character,
//! a Maya opening another scene (mapped again, or ended with why when nothing maps),
//! and Mosketch's streaming settings given back when the link stops. Real sockets:
//! the Mosketch simulator and the Python Maya emulator running the real helper.

use mayalink_engine::link::LiveLink;
use mayalink_engine::maya::{Language, MayaSession};
use mayalink_engine::mosketch::{JointSpace, OrientMode};
use mayalink_engine::simulators::mosketch::{Character, CharacterKind};
use mayalink_integration_tests::link_world::{helper_links, maya, mosketch, spec, until};
use mayalink_integration_tests::{run_ok, sim_at, wait_watch, Emulator};
use serde_json::json;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(10);

/// The emulator's scene: the humanoid's joints, then those of the fish whose names
/// the humanoid does not already have (one node per name: nothing is ambiguous).
fn humanoid_and_fish(dir: &std::path::Path) -> std::path::PathBuf {
    let mut scene = Character::new(CharacterKind::Humanoid).maya_scene();
    let fish = Character::new(CharacterKind::Fish).maya_scene();
    let joints = scene["joints"].as_array_mut().unwrap();
    let taken: Vec<String> = joints
        .iter()
        .map(|j| j["name"].as_str().unwrap().to_string())
        .collect();
    for j in fish["joints"].as_array().unwrap() {
        let mut j = j.clone();
        if taken.iter().any(|t| t == j["name"].as_str().unwrap()) {
            continue;
        }
        // A fish joint under a humanoid name hangs from the humanoid's node.
        if j["parent"].is_null() {
            j["parent"] = json!("Hips");
        }
        joints.push(j);
    }
    let path = dir.join("both.json");
    std::fs::write(&path, scene.to_string()).unwrap();
    path
}

fn humanoid(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("humanoid.json");
    let scene = Character::new(CharacterKind::Humanoid).maya_scene();
    std::fs::write(&path, scene.to_string()).unwrap();
    path
}

async fn hips_rotate(s: &MayaSession) -> String {
    run_ok(
        s,
        "import maya.cmds as c\nc.getAttr('Hips.rotate')",
        Language::Python,
    )
    .await
    .value
    .unwrap_or_default()
}

/// The test's world: the simulator at 30 Hz, one emulated Maya holding `scene`'s
/// joints, a session on each (the folder and the processes live as long as it).
struct World {
    _dir: tempfile::TempDir,
    _emu: Emulator,
    sim: mayalink_engine::simulators::MosketchSimulator,
    m: std::sync::Arc<mayalink_engine::mosketch::MosketchSession>,
    s: std::sync::Arc<MayaSession>,
}

async fn world(scene: fn(&std::path::Path) -> std::path::PathBuf) -> World {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::start(&["--scene", scene(dir.path()).to_str().unwrap()]);
    let sim = sim_at(30.0).await;
    let m = mosketch(&sim).await;
    let s = maya(&emu).await;
    World {
        _dir: dir,
        _emu: emu,
        sim,
        m,
        s,
    }
}

/// A link from `w`'s Mosketch into its Maya, once Maya has applied a few frames.
async fn linked(w: &World) -> LiveLink {
    let link = LiveLink::start(w.m.clone(), vec![spec(&w.s)])
        .await
        .unwrap();
    until(&link, "frames applied", |s| s[0].figures.frames_applied > 3).await;
    link
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_character_in_mosketch_is_mapped_again_and_drives_maya() {
    let w = world(humanoid_and_fish).await;
    let (sim, s) = (&w.sim, &w.s);
    let link = linked(&w).await;
    assert_eq!(link.status().borrow()[0].mapping.pairs.len(), 65);

    sim.set_character(CharacterKind::Fish);
    let fish: Vec<String> = Character::new(CharacterKind::Fish).names().to_vec();
    until(&link, "the fish mapped and applied", |s| {
        let mosketch_names: Vec<&str> = s[0]
            .mapping
            .pairs
            .iter()
            .map(|p| p.mosketch.as_str())
            .collect();
        mosketch_names.len() == fish.len()
            && fish.iter().all(|f| mosketch_names.contains(&f.as_str()))
            && s[0].figures.frames_applied > 3
            && s[0].ended.is_none()
    })
    .await;
    let warnings = link.status().borrow()[0].warnings.clone();
    assert!(
        warnings.iter().any(|w| w
            == &format!(
                "Mosketch sent a new character: mapped again ({} joints).",
                fish.len()
            )),
        "{warnings:?}"
    );
    // One link in Maya: the humanoid's was stopped before the fish's started.
    assert_eq!(helper_links(s).await, "1");
    link.stop().await;
    assert_eq!(helper_links(s).await, "0");
    let _ = s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_scene_opened_in_maya_is_mapped_again() {
    let w = world(humanoid).await;
    let s = &w.s;
    let link = linked(&w).await;

    // The artist opens another shot: a fresh scene holding only Hips and Spine
    // (one command, as opening a file is one step on Maya's main thread).
    run_ok(
        s,
        "import maya.cmds as c\nc.file(new=True, force=True)\nc.select(clear=True)\n\
         c.joint(name='Hips', position=(0, 100, 0))\nc.joint(name='Spine', position=(0, 110, 0))\n\
         c.file(rename='shot_020.ma')",
        Language::Python,
    )
    .await;
    until(&link, "mapped onto the new scene", |s| {
        s[0].mapping.pairs.len() == 2 && s[0].figures.frames_applied > 3
    })
    .await;
    let st = link.status().borrow()[0].clone();
    assert!(
        st.warnings
            .iter()
            .any(|w| w == "Maya opened shot_020.ma: mapped again (2 joints)."),
        "{:?}",
        st.warnings
    );
    assert_eq!(st.mapping.unmapped_mosketch.len(), 63);
    // The new Hips moves with Mosketch.
    let a = hips_rotate(s).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_ne!(a, hips_rotate(s).await, "Hips follows Mosketch");
    link.stop().await;
    assert_eq!(helper_links(s).await, "0");
    let _ = s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scene_where_nothing_maps_ends_that_maya_with_why_and_mosketch_streams_on() {
    let w = world(humanoid).await;
    let (m, s) = (&w.m, &w.s);
    let link = linked(&w).await;

    run_ok(
        s,
        "import maya.cmds as c\nc.file(new=True, force=True)\nc.file(rename='props.ma')",
        Language::Python,
    )
    .await;
    until(&link, "ended", |s| s[0].ended.is_some()).await;
    let why = link.status().borrow()[0].ended.clone().unwrap();
    assert!(
        why.starts_with("Maya opened props.ma, and mapping again failed:"),
        "{why}"
    );
    assert!(why.contains("No Mosketch joint"), "{why}");
    // The Mayas's slot keeps its place; asking it for anything says it ended.
    let err = link.send_maya_pose(0).await.unwrap_err();
    assert!(err.message.contains("has ended"), "{}", err.message);
    // Nothing of the link is left in Maya, and Mosketch keeps streaming.
    assert_eq!(helper_links(s).await, "0");
    let frame = m.pose().borrow().frame;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(m.pose().borrow().frame > frame);
    link.stop().await;
    let _ = s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosketchs_streaming_settings_are_given_back_when_the_link_stops() {
    let w = world(humanoid).await;
    let (sim, m, s) = (&w.sim, &w.m, &w.s);
    // The artist streams world space without joint orients for some other tool.
    m.set_joint_space(JointSpace::World).await.unwrap();
    m.set_orient_mode(OrientMode::Discard).await.unwrap();
    let sent = |sim: &mayalink_engine::simulators::MosketchSimulator| -> Vec<String> {
        sim.clients()[0]
            .commands
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c.command.command,
                    c.command
                        .parameters
                        .values()
                        .next()
                        .cloned()
                        .unwrap_or_default()
                )
            })
            .collect()
    };
    // Waits until what the simulator received ends with `tail`; returns it all.
    let received_ending = |tail: &'static [&'static str]| {
        let sim = &sim;
        async move {
            for _ in 0..500 {
                let got = sent(sim);
                if got.ends_with(&tail.iter().map(|t| t.to_string()).collect::<Vec<_>>()) {
                    return got;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("the simulator received {:?}", sent(sim));
        }
    };
    const ARTISTS: &[&str] = &[
        "setStreamingJointSpace World",
        "setStreamingJointOrientMode 0",
    ];
    let before = received_ending(ARTISTS).await.len();

    let link = LiveLink::start(m.clone(), vec![spec(s)]).await.unwrap();
    let st = wait_watch(&mut m.status(), LIMIT, "Parent space, orients kept", |s| {
        s.joint_space == JointSpace::Parent && s.orient_mode == OrientMode::Keep
    })
    .await;
    assert_eq!(st.joint_space, JointSpace::Parent);
    until(&link, "frames applied", |s| s[0].figures.frames_applied > 3).await;
    link.stop().await;
    wait_watch(&mut m.status(), LIMIT, "the artist's settings back", |s| {
        s.joint_space == JointSpace::World && s.orient_mode == OrientMode::Discard
    })
    .await;
    // What Mosketch itself received: Parent + keep for the link, then the artist's own.
    let commands = received_ending(ARTISTS).await[before..].to_vec();
    assert_eq!(
        commands,
        [
            "setStreamingJointSpace Parent",
            "setStreamingJointOrientMode 1",
            "setStreamingJointSpace World",
            "setStreamingJointOrientMode 0",
        ],
    );
    let _ = s.cleanup().await;
}
