//! Never stuck on the hierarchy acknowledgement, against the real simulator over real
//! sockets: a Mosketch that accepts only the other spelling gets the ack again in that
//! spelling and streams, and the spelling is remembered per address for the next
//! session (the app's and the CLI's); a Mosketch that accepts neither ends in
//! `failed` with a message within a bounded time, and `mayalink mosketch` exits
//! non-zero with that message instead of waiting forever.

use mayalink_engine::mosketch::{
    AckMemory, ConnectionState, HierarchyAckSpelling, MosketchConfig, MosketchEvent,
    MosketchSession, MosketchStatus,
};
use mayalink_engine::simulators::{MosketchSimulator, SimSettings};
use mayalink_engine::ErrorCode;
use mayalink_integration_tests::{mayalink_bin, wait_watch};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;
use HierarchyAckSpelling::{
    AckHierarchyInitialized as DOCUMENTED, HierarchyInitializedAck as LATE,
};

const LIMIT: Duration = Duration::from_secs(10);
/// Short, so that a retry and a give-up take well under a second each.
const UUIDS_TIMEOUT_MS: u64 = 300;

async fn start_sim(only_ack: Option<HierarchyAckSpelling>) -> MosketchSimulator {
    mayalink_integration_tests::start_sim(SimSettings {
        rate_hz: 200.0,
        only_ack,
        ..Default::default()
    })
    .await
}

fn config(port: u16, memory: &Path) -> MosketchConfig {
    MosketchConfig {
        port,
        uuids_timeout_ms: UUIDS_TIMEOUT_MS,
        reconnect_initial_ms: 50,
        reconnect_max_ms: 200,
        ack_memory: Some(memory.to_path_buf()),
        ..Default::default()
    }
}

fn memory_file(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("mayalink/mosketch-acks.json")
}

async fn wait_status(
    rx: &mut watch::Receiver<MosketchStatus>,
    what: &str,
    pred: impl FnMut(&MosketchStatus) -> bool,
) -> MosketchStatus {
    wait_watch(rx, LIMIT, what, pred).await
}

/// Every event until `pred` matches one (included).
async fn events_until(
    events: &mut broadcast::Receiver<MosketchEvent>,
    what: &str,
    mut pred: impl FnMut(&MosketchEvent) -> bool,
) -> Vec<MosketchEvent> {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(LIMIT, async {
        loop {
            match events.recv().await {
                Ok(e) => {
                    let done = pred(&e);
                    seen.push(e);
                    if done {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("{what}: events closed: {e}"),
            }
        }
    })
    .await;
    assert!(
        found.is_ok(),
        "timed out waiting for {what}; events: {seen:#?}"
    );
    seen
}

fn retries(events: &[MosketchEvent]) -> Vec<&MosketchEvent> {
    events
        .iter()
        .filter(|e| matches!(e, MosketchEvent::AckSpellingSuspect { .. }))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_other_spelling_is_sent_again_and_remembered_for_the_next_session() {
    let dir = tempfile::tempdir().unwrap();
    let memory = memory_file(&dir);
    let sim = start_sim(Some(LATE)).await;

    // First session: the documented spelling goes unanswered, the other one works.
    let started = Instant::now();
    let (session, mut events) = MosketchSession::start(config(sim.port(), &memory));
    assert_eq!(session.status().borrow().ack_spelling, DOCUMENTED);
    let seen = events_until(&mut events, "streaming after the retry", |e| {
        *e == MosketchEvent::FirstFrame
    })
    .await;
    let r = retries(&seen);
    assert_eq!(r.len(), 1, "said once: {seen:#?}");
    let MosketchEvent::AckSpellingSuspect {
        sent,
        suggested,
        message,
    } = r[0]
    else {
        unreachable!()
    };
    assert_eq!((*sent, *suggested), (DOCUMENTED, LATE));
    assert!(
        message.contains("sending it again as HierarchyInitializedAck"),
        "{message}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(UUIDS_TIMEOUT_MS),
        "the retry waits for the timeout"
    );
    let mut status = session.status();
    let s = wait_status(&mut status, "streaming in the other spelling", |s| {
        s.connection == ConnectionState::Streaming && s.stats.frames >= 3
    })
    .await;
    assert_eq!(s.ack_spelling, LATE);
    assert_eq!(
        s.warning, None,
        "the retry's warning is cleared once it worked"
    );
    let first = &sim.clients()[0];
    assert_eq!(first.rejected, vec![DOCUMENTED.type_name().to_string()]);
    assert_eq!(first.hierarchy_acks, vec![LATE]);
    assert_eq!(
        AckMemory::new(&memory).recall(&format!("127.0.0.1:{}", sim.port())),
        Some(LATE)
    );
    session.shutdown().await;

    // Second session, same address: the remembered spelling first, and no retry (the
    // simulator saw no refused ack and the session said nothing about the spelling).
    let (session, mut events) = MosketchSession::start(config(sim.port(), &memory));
    assert_eq!(session.status().borrow().ack_spelling, LATE);
    let seen = events_until(&mut events, "streaming at once", |e| {
        *e == MosketchEvent::FirstFrame
    })
    .await;
    assert!(retries(&seen).is_empty(), "no retry: {seen:#?}");
    let second = &sim.clients()[1];
    assert!(second.rejected.is_empty(), "{second:#?}");
    assert_eq!(second.hierarchy_acks, vec![LATE]);
    session.shutdown().await;

    // Another address is not confused with this one.
    let other = start_sim(None).await;
    let (session, mut events) = MosketchSession::start(config(other.port(), &memory));
    assert_eq!(session.status().borrow().ack_spelling, DOCUMENTED);
    events_until(&mut events, "the other server streams", |e| {
        *e == MosketchEvent::FirstFrame
    })
    .await;
    assert_eq!(other.clients()[0].hierarchy_acks, vec![DOCUMENTED]);
    session.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remembered_spelling_the_server_no_longer_takes_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let memory = memory_file(&dir);
    let sim = start_sim(Some(DOCUMENTED)).await;
    let address = format!("127.0.0.1:{}", sim.port());
    AckMemory::new(&memory).remember(&address, LATE).unwrap();

    let (session, mut events) = MosketchSession::start(config(sim.port(), &memory));
    assert_eq!(session.status().borrow().ack_spelling, LATE);
    let seen = events_until(&mut events, "streaming after the retry", |e| {
        *e == MosketchEvent::FirstFrame
    })
    .await;
    assert_eq!(retries(&seen).len(), 1, "{seen:#?}");
    assert_eq!(sim.clients()[0].hierarchy_acks, vec![DOCUMENTED]);
    assert_eq!(AckMemory::new(&memory).recall(&address), Some(DOCUMENTED));
    session.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mosketch_that_accepts_neither_spelling_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let memory = memory_file(&dir);
    let sim = start_sim(None).await;
    sim.refuse_hierarchy_acks(true);

    // Reconnect is on (the app's default): giving up must not turn into a reconnect loop.
    let started = Instant::now();
    let (session, mut events) = MosketchSession::start(config(sim.port(), &memory));
    let seen = events_until(&mut events, "the session gives up", |e| {
        matches!(e, MosketchEvent::Disconnected { .. })
    })
    .await;
    assert_eq!(retries(&seen).len(), 1, "the retry is said once: {seen:#?}");
    let Some(MosketchEvent::Disconnected { error }) = seen.last() else {
        unreachable!()
    };
    assert_eq!(error.code, ErrorCode::Protocol);
    assert!(
        error
            .message
            .contains("accepted neither hierarchy acknowledgement"),
        "{}",
        error.message
    );
    let mut status = session.status();
    let s = wait_status(&mut status, "failed", |s| {
        matches!(s.connection, ConnectionState::Failed { .. })
    })
    .await;
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(2 * UUIDS_TIMEOUT_MS + 5000),
        "gave up after {elapsed:?}"
    );
    let ConnectionState::Failed { reason } = &s.connection else {
        unreachable!()
    };
    assert_eq!(reason, &error.message);
    assert!(
        reason.contains("AckHierarchyInitialized") && reason.contains("HierarchyInitializedAck")
    );
    assert_eq!(s.last_error.as_ref(), Some(error));
    assert_eq!(s.warning, None);
    assert_eq!(session.pose().borrow().frame, 0);

    // It stays there: no reconnect, no third ack.
    tokio::time::sleep(Duration::from_millis(3 * UUIDS_TIMEOUT_MS)).await;
    assert!(matches!(
        session.status().borrow().connection,
        ConnectionState::Failed { .. }
    ));
    let clients = sim.clients();
    assert_eq!(clients.len(), 1, "{clients:#?}");
    assert_eq!(
        clients[0].rejected,
        vec![
            DOCUMENTED.type_name().to_string(),
            LATE.type_name().to_string()
        ]
    );
    assert!(!clients[0].connected, "the connection is closed");
    assert!(!memory.exists(), "nothing worked, nothing remembered");

    // Once Mosketch is fixed, asking to reconnect is enough.
    sim.refuse_hierarchy_acks(false);
    session.reconnect_now();
    wait_status(&mut status, "streaming after reconnecting", |s| {
        s.connection == ConnectionState::Streaming
    })
    .await;
    session.shutdown().await;
}

/// `mayalink mosketch` as a user runs it, with its own config dir (where the CLI's
/// ack memory lives).
async fn cli(config_dir: &Path, args: &[&str]) -> std::process::Output {
    let run = tokio::process::Command::new(mayalink_bin())
        .arg("mosketch")
        .args(args)
        .env("MAYALINK_CONFIG_DIR", config_dir)
        .env(
            "MAYALINK_LOG_DIR",
            std::env::temp_dir().join("mayalink-cli-test-logs"),
        )
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the CLI exits on its own")
        .expect("the CLI runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_exits_non_zero_when_mosketch_accepts_neither_spelling() {
    // Built before the clock starts (the first use may build it).
    let _ = tokio::task::spawn_blocking(mayalink_bin).await;
    let dir = tempfile::tempdir().unwrap();
    let sim = start_sim(None).await;
    sim.refuse_hierarchy_acks(true);
    let started = Instant::now();
    let out = cli(
        dir.path(),
        &[
            "--connect",
            &format!("127.0.0.1:{}", sim.port()),
            "--uuids-timeout-ms",
            &UUIDS_TIMEOUT_MS.to_string(),
            "--reconnect",
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stderr.contains("error: Mosketch at 127.0.0.1:")
            && stderr.contains("accepted neither hierarchy acknowledgement"),
        "{stderr}"
    );
    assert!(
        stderr.contains("sending it again as HierarchyInitializedAck"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_retries_and_remembers_the_spelling_for_its_next_run() {
    let _ = tokio::task::spawn_blocking(mayalink_bin).await;
    let dir = tempfile::tempdir().unwrap();
    let sim = start_sim(Some(LATE)).await;
    let address = format!("127.0.0.1:{}", sim.port());
    let args = [
        "--connect",
        address.as_str(),
        "--uuids-timeout-ms",
        "300",
        "--frames",
        "3",
    ];

    let out = cli(dir.path(), &args).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stderr.contains("sending it again as HierarchyInitializedAck"),
        "{stderr}"
    );
    assert_eq!(
        AckMemory::new(dir.path().join("mosketch-acks.json")).recall(&address),
        Some(LATE)
    );

    let out = cli(dir.path(), &args).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{out:?}");
    assert!(
        !stderr.contains("sending it again"),
        "no retry the second time: {stderr}"
    );
    let clients = sim.clients();
    assert_eq!(clients.len(), 2);
    assert!(clients[1].rejected.is_empty(), "{clients:#?}");
    assert_eq!(clients[1].hierarchy_acks, vec![LATE]);
}
