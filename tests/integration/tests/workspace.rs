//! The workspace the app drives: sessions saved and restored, the active one,
//! run in all, cancel, removal cleaning up in Maya, history per session.

use mayalink_engine::console::ConsoleHub;
use mayalink_engine::error::ErrorCode;
use mayalink_engine::maya::{Language, RunOptions};
use mayalink_engine::workspace::{SessionSpec, Workspace};
use mayalink_integration_tests::Emulator;
use std::time::Duration;

fn spec(name: &str, emu: &Emulator) -> SessionSpec {
    SessionSpec {
        name: name.into(),
        address: emu.address(),
        color: Some("#4ec9b0".into()),
        auto_connect: true,
    }
}

/// The Python emulator and a workspace with one session ("A") connected to it.
async fn one_connected() -> (Emulator, Workspace, String) {
    let emu = Emulator::python();
    let ws = Workspace::new(ConsoleHub::default(), None);
    let id = ws.add(spec("A", &emu)).unwrap().id;
    ws.connect(&id).await.unwrap();
    (emu, ws, id)
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_are_saved_and_restored_with_the_active_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("sessions.json");
    let (a, b) = (Emulator::python(), Emulator::python());
    let ws = Workspace::new(ConsoleHub::default(), Some(store.clone()));
    let va = ws.add(spec("Anim", &a)).unwrap();
    let vb = ws.add(spec("Rig", &b)).unwrap();
    assert_eq!(
        ws.active().as_deref(),
        Some(va.id.as_str()),
        "the first session becomes active"
    );
    ws.set_active(&vb.id).unwrap();
    ws.shutdown().await;

    let again = Workspace::new(ConsoleHub::default(), Some(store));
    again.restore();
    let list = again.list();
    assert_eq!(
        list.iter()
            .map(|v| v.spec.name.as_str())
            .collect::<Vec<_>>(),
        ["Anim", "Rig"]
    );
    assert_eq!(again.active().as_deref(), Some(vb.id.as_str()));
    assert_eq!(list[1].spec.color.as_deref(), Some("#4ec9b0"));
    // auto-connect brings them up in the background
    let mut changes = again.changes();
    tokio::time::timeout(Duration::from_secs(15), async {
        while !again.list().iter().all(|v| v.status.info.is_some()) {
            changes.changed().await.unwrap();
        }
    })
    .await
    .expect("restored sessions connect");
    again.shutdown().await;
    assert_eq!(a.state()["callbacks"], 0);
    assert_eq!(b.state()["callbacks"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn run_in_all_connected_sessions() {
    let (a, b) = (Emulator::python(), Emulator::python());
    let ws = Workspace::new(ConsoleHub::default(), None);
    let ids: Vec<String> = [("A", &a), ("B", &b)]
        .iter()
        .map(|(n, e)| ws.add(spec(n, e)).unwrap().id)
        .collect();
    for id in &ids {
        ws.connect(id).await.unwrap();
    }
    let outcomes = ws
        .run_all(
            "__import__('mayaemu').bump('all') and None",
            Language::Python,
            RunOptions::default(),
        )
        .await;
    assert_eq!(outcomes.len(), 2);
    assert!(
        outcomes
            .iter()
            .all(|o| o.result.as_ref().is_some_and(|r| r.ok)),
        "{outcomes:?}"
    );
    assert_eq!((a.counter("all"), b.counter("all")), (1, 1));
    ws.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_stops_waiting_and_the_session_stays_usable() {
    let (_emu, ws, id) = one_connected().await;
    let ws2 = ws.clone();
    let id2 = id.clone();
    let long = tokio::spawn(async move {
        ws2.run(
            &id2,
            "import time\ntime.sleep(1.5)",
            Language::Python,
            RunOptions::default(),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    ws.cancel(&id).unwrap();
    let e = tokio::time::timeout(Duration::from_secs(1), long)
        .await
        .expect("cancel is immediate")
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Cancelled);
    assert!(e.message.contains("cannot be interrupted"), "{}", e.message);
    // The next run waits for Maya to finish the first (its reply is read first), then runs.
    let r = ws
        .run(&id, "6*7", Language::Python, RunOptions::default())
        .await
        .unwrap();
    assert_eq!(r.value.as_deref(), Some("42"));
    ws.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_a_session_cleans_up_in_maya_and_forgets_it() {
    let (emu, ws, id) = one_connected().await;
    assert_eq!(emu.state()["callbacks"], 1);
    ws.remove(&id).await.unwrap();
    assert_eq!(emu.state()["callbacks"], 0);
    assert!(ws.list().is_empty());
    assert_eq!(
        ws.connect(&id).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_session_keeps_its_own_history() {
    let (a, b) = (Emulator::python(), Emulator::python());
    let ws = Workspace::new(ConsoleHub::default(), None);
    let ia = ws.add(spec("A", &a)).unwrap().id;
    let ib = ws.add(spec("B", &b)).unwrap().id;
    ws.run(
        &ia,
        "print('only in A')",
        Language::Python,
        RunOptions::default(),
    )
    .await
    .unwrap();
    ws.run(
        &ib,
        "print('only in B')",
        Language::Python,
        RunOptions::default(),
    )
    .await
    .unwrap();
    let ha = ws.history(&ia, 0, 1000);
    let hb = ws.history(&ib, 0, 1000);
    assert!(ha.lines.iter().any(|l| l.text == "only in A"), "{ha:?}");
    assert!(!ha.lines.iter().any(|l| l.text == "only in B"));
    assert!(hb.lines.iter().any(|l| l.text == "only in B"));
    assert_eq!(ha.total as usize, ha.lines.len());
    ws.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_address_is_refused_before_anything_is_sent() {
    let ws = Workspace::new(ConsoleHub::default(), None);
    let e = ws
        .add(SessionSpec {
            name: "x".into(),
            address: "not an address".into(),
            color: None,
            auto_connect: false,
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
}
