//! Faults: every one ends in a clear state and message, with no hang and no panic.

use mayalink_engine::console::ConsoleHub;
use mayalink_engine::error::ErrorCode;
use mayalink_engine::maya::{
    Language, MayaAddress, MayaSession, RunOptions, SessionConfig, SessionState,
};
use mayalink_engine::output::OutputService;
use mayalink_integration_tests::{run_within, session_id, Emulator};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn config(addr: &str) -> SessionConfig {
    SessionConfig::new(
        session_id("fault"),
        "fault",
        MayaAddress::parse(addr).unwrap(),
    )
}

async fn run_err(s: &MayaSession, code: &str) -> mayalink_engine::AppError {
    run_within(s, code, Duration::from_secs(20))
        .await
        .expect_err("must fail")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_port_says_how_to_open_it() {
    let port = free_port();
    let s = MayaSession::spawn(
        config(&format!("127.0.0.1:{port}")),
        ConsoleHub::default(),
        None,
    );
    let e = run_err(&s, "1").await;
    assert_eq!(e.code, ErrorCode::Unreachable);
    assert!(
        e.message.contains("cmds.commandPort(name=\":"),
        "{}",
        e.message
    );
    let st = s.status().borrow().clone();
    // Lost, or already counting down to the next attempt; the reason stays visible.
    assert!(
        matches!(
            st.state,
            SessionState::Lost { .. } | SessionState::Reconnecting { .. }
        ),
        "{st:?}"
    );
    assert_eq!(st.last_error.unwrap().code, ErrorCode::Unreachable);
}

#[tokio::test(flavor = "multi_thread")]
async fn maya_killed_mid_command_ends_the_run_with_a_clear_error() {
    let mut emu = Emulator::python();
    let s = MayaSession::spawn(config(&emu.address()), ConsoleHub::default(), None);
    s.connect().await.unwrap();
    let started = Instant::now();
    let run = s.run(
        "import time\ntime.sleep(30)",
        Language::Python,
        RunOptions::default(),
    );
    let killer = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        emu.kill();
    };
    let (r, _) = tokio::join!(tokio::time::timeout(Duration::from_secs(10), run), killer);
    let e = r.expect("no hang").expect_err("Maya died");
    assert_eq!(e.code, ErrorCode::Unreachable, "{e:?}");
    assert!(
        e.message.contains("closed the connection") || e.message.contains("Lost the connection"),
        "{}",
        e.message
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_maya_that_never_replies_times_out_mentioning_the_security_dialog() {
    let emu = Emulator::python();
    let mut cfg = config(&emu.address());
    cfg.run_timeout = Some(Duration::from_secs(1));
    let s = MayaSession::spawn(cfg, ConsoleHub::default(), None);
    s.connect().await.unwrap();
    emu.fault("hang");
    let e = run_err(&s, "1").await;
    assert_eq!(e.code, ErrorCode::Timeout);
    assert!(e.message.contains("security dialog"), "{}", e.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_without_its_end_marker_then_eof_is_an_error() {
    let emu = Emulator::python();
    let s = MayaSession::spawn(config(&emu.address()), ConsoleHub::default(), None);
    s.connect().await.unwrap();
    emu.fault("no_nul_eof");
    let e = run_err(&s, "1").await;
    assert_eq!(e.code, ErrorCode::Unreachable, "{e:?}");
    // And the session recovers on the next run.
    let r = s
        .run("40 + 2", Language::Python, RunOptions::default())
        .await
        .unwrap();
    assert_eq!(r.value.as_deref(), Some("42"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_port_held_by_something_that_is_not_maya() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for c in l.incoming().take(4) {
            let mut c = c.unwrap();
            let mut buf = [0u8; 4096];
            let _ = c.read(&mut buf);
            let _ = c.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n\0");
        }
    });
    let s = MayaSession::spawn(
        config(&format!("127.0.0.1:{port}")),
        ConsoleHub::default(),
        None,
    );
    let e = run_err(&s, "1").await;
    assert_eq!(e.code, ErrorCode::Protocol, "{e:?}");
    assert!(
        e.message.contains("not like a Maya commandPort"),
        "{}",
        e.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_listener_times_out() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let mut cfg = config(&format!("127.0.0.1:{port}"));
    cfg.call_timeout = Duration::from_millis(800);
    let s = MayaSession::spawn(cfg, ConsoleHub::default(), None);
    let e = run_err(&s, "1").await;
    assert_eq!(e.code, ErrorCode::Timeout, "{e:?}");
    drop(l);
}

#[tokio::test(flavor = "multi_thread")]
async fn cleanup_when_maya_is_gone_is_quick_and_quiet() {
    let mut emu = Emulator::python();
    let hub = ConsoleHub::default();
    let output = OutputService::new(hub.clone(), Default::default());
    let s = MayaSession::spawn(config(&emu.address()), hub, Some(output));
    s.connect().await.unwrap();
    emu.kill();
    let started = Instant::now();
    let report = s.shutdown().await.unwrap();
    assert!(report.maya_gone);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reconnects_after_maya_restarts_and_reinstalls_everything() {
    let port = free_port();
    let p = port.to_string();
    let mut first = Emulator::start(&["--port", &p]);
    let hub = ConsoleHub::default();
    let output = OutputService::new(hub.clone(), Default::default());
    let mut cfg = config(&format!("127.0.0.1:{port}"));
    cfg.liveness_timeout = Duration::from_millis(1500);
    let s = MayaSession::spawn(cfg, hub, Some(output));
    let before = s.connect().await.unwrap();
    first.kill();
    let mut st = s.status();
    tokio::time::timeout(
        Duration::from_secs(10),
        st.wait_for(|s| matches!(s.state, SessionState::Reconnecting { .. })),
    )
    .await
    .expect("notices Maya is gone")
    .unwrap();
    let second = Emulator::start(&["--port", &p]);
    tokio::time::timeout(
        Duration::from_secs(20),
        st.wait_for(|s| s.info.as_ref().is_some_and(|i| i.pid == second.pid) && s.alive),
    )
    .await
    .expect("reconnected with output")
    .unwrap();
    assert_ne!(before.pid, second.pid);
    assert_eq!(second.state()["callbacks"], 1);
    s.shutdown().await.unwrap();
    assert_eq!(second.state()["callbacks"], 0);
}
