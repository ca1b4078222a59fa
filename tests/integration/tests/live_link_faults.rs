//! A Maya that stops answering while the live link streams to it and to a second
//! Maya: the Maya emulator (real helper, real sockets) is frozen with SIGSTOP. The
//! link says for that Maya that it stopped applying, the other Maya and Mosketch
//! keep going, memory stays bounded (newest pose wins), and after SIGCONT the link
//! to it resumes or has ended with a message; stopping the link leaves nothing in
//! either Maya.

use mayalink_engine::link::LiveLink;
use mayalink_engine::mosketch::ConnectionState;
use mayalink_engine::simulators::mosketch::{Character, CharacterKind};
use mayalink_integration_tests::link_world::{helper_links, maya, mosketch, spec, until};
use mayalink_integration_tests::{rss_mb, sim_at, wait_watch, Emulator};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);

fn signal(emu: &Emulator, sig: &str) {
    let ok = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(emu.pid.to_string())
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill -{sig} {}", emu.pid);
}

/// Continues a stopped emulator even when the test fails half-way.
struct Frozen<'a>(&'a Emulator);
impl Drop for Frozen<'_> {
    fn drop(&mut self) {
        signal(self.0, "CONT");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_maya_is_reported_while_the_other_maya_and_mosketch_keep_going() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("humanoid.json");
    std::fs::write(
        &scene,
        Character::new(CharacterKind::Humanoid)
            .maya_scene()
            .to_string(),
    )
    .unwrap();
    let frozen = Emulator::start(&["--scene", scene.to_str().unwrap()]);
    let other = Emulator::start(&["--scene", scene.to_str().unwrap()]);
    let sim = sim_at(60.0).await;
    let m = mosketch(&sim).await;
    let (sa, sb) = (maya(&frozen).await, maya(&other).await);
    let link = LiveLink::start(m.clone(), vec![spec(&sa), spec(&sb)])
        .await
        .unwrap();
    until(&link, "both Mayas apply", |s| {
        s.iter().all(|t| t.figures.frames_applied > 5)
    })
    .await;
    let before = rss_mb();

    let guard = Frozen(&frozen);
    signal(&frozen, "STOP");
    let stopped_at = std::time::Instant::now();
    let st = until(&link, "the frozen Maya reported", |s| {
        s[0].stalled.is_some()
    })
    .await;
    let said_after = stopped_at.elapsed();
    let message = st[0].stalled.clone().unwrap();
    assert!(
        message.starts_with("Maya stopped applying poses"),
        "{message}"
    );
    assert!(
        said_after < Duration::from_secs(4),
        "said after {said_after:?}"
    );
    assert!(
        st[1].stalled.is_none() && st[1].ended.is_none(),
        "{:?}",
        st[1]
    );

    // The other Maya keeps applying and Mosketch keeps streaming while the first is frozen.
    let applied = st[1].figures.frames_applied;
    let frame = m.pose().borrow().frame;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let st = link.status().borrow().clone();
    assert!(st[1].figures.frames_applied > applied + 30, "{:?}", st[1]);
    assert!(
        st[1].stalled.is_none() && st[1].ended.is_none(),
        "{:?}",
        st[1]
    );
    assert!(
        m.pose().borrow().frame > frame + 100,
        "Mosketch kept streaming"
    );
    assert_eq!(m.status().borrow().connection, ConnectionState::Streaming);
    // Still said (or, past the session's liveness delay, the link to it ended, with a message).
    assert!(
        st[0].stalled.is_some() || st[0].ended.as_deref().is_some_and(|e| e.contains("Maya")),
        "{:?}",
        st[0]
    );
    let grew = rss_mb() - before;
    assert!(
        grew < 30.0,
        "memory grew by {grew:.1} MB while Maya was frozen"
    );

    drop(guard); // SIGCONT
    let st = until(
        &link,
        "the link to the thawed Maya resumes or has ended",
        |s| {
            s[0].ended.is_some()
                || (s[0].stalled.is_none()
                    && s[0].figures.frames_applied > st[0].figures.frames_applied)
        },
    )
    .await;
    eprintln!(
        "after SIGCONT: ended {:?}, stalled {:?}",
        st[0].ended, st[0].stalled
    );
    assert!(st[1].ended.is_none(), "{:?}", st[1]);

    tokio::time::timeout(LIMIT, link.stop())
        .await
        .expect("the link stops");
    // The thawed Maya's session reconnects (if it had lost it); then nothing is left.
    wait_watch(&mut sa.status(), LIMIT, "the thawed Maya connected", |s| {
        s.info.is_some()
    })
    .await;
    for (s, emu) in [(&sa, &frozen), (&sb, &other)] {
        let deadline = tokio::time::Instant::now() + LIMIT;
        // A receiver left by an ended link stops by itself (10 s without Mayalink).
        while helper_links(s).await != "0" {
            assert!(
                tokio::time::Instant::now() < deadline,
                "a link left in Maya"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let _ = s.cleanup().await;
        assert_eq!(emu.state()["callbacks"], 0);
    }
}
