//! Maya sessions against the Python emulator over real sockets: port kinds, the
//! helper, exactly-once runs, names persisting, errors, non-ASCII, sharing the
//! port with other tools. Their live output and clean-up: maya_output.rs.

use mayalink_engine::console::ConsoleHub;
use mayalink_engine::maya::{
    Language, MayaAddress, MayaSession, PortKind, RunOptions, SessionConfig,
};
use mayalink_engine::output::OutputService;
use mayalink_integration_tests::{run, run_ok, session, session_id, Emulator};
use std::io::{Read, Write};
use std::time::Duration;

/// The Python emulator and a session on it, with a console of its own and no output.
fn fresh() -> (Emulator, MayaSession) {
    let emu = Emulator::python();
    let s = session(&emu, &ConsoleHub::default(), None);
    (emu, s)
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_detects_a_python_port_and_reads_mayas_identity() {
    let (emu, s) = fresh();
    let info = s.connect().await.unwrap();
    assert_eq!(info.port_kind, PortKind::Python);
    assert_eq!(info.maya_version, "2025");
    assert_eq!(info.pid, emu.pid);
    assert_eq!(
        info.helper_version,
        mayalink_engine::maya::helper::version()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mel_port_is_detected_and_python_runs_through_it() {
    let emu = Emulator::start(&["--source-type", "mel"]);
    let s = session(&emu, &ConsoleHub::default(), None);
    let info = s.connect().await.unwrap();
    assert_eq!(info.port_kind, PortKind::Mel);
    let r = run(
        &s,
        "import mayaemu\nmayaemu.bump('mel-port')\n'quoted \"text\" and \\\\ backslash'",
    )
    .await;
    assert!(r.ok, "{r:?}");
    assert_eq!(
        r.value.as_deref(),
        Some("'quoted \"text\" and \\\\ backslash'")
    );
    assert_eq!(emu.counter("mel-port"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_line_statements_run_exactly_once() {
    let (emu, s) = fresh();
    // Sent raw, this line would run twice (eval returns None, then exec).
    let r = run(&s, "__import__('mayaemu').bump('one-liner') and None").await;
    assert!(r.ok, "{r:?}");
    assert_eq!(emu.counter("one-liner"), 1);
    run(
        &s,
        "import mayaemu\nfor _ in range(3):\n    pass\nmayaemu.bump('block')",
    )
    .await;
    assert_eq!(emu.counter("block"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_megabyte_script_runs_once_and_intact() {
    let (emu, s) = fresh();
    let filler: String = (0..20_000).map(|i| format!("v{i} = 'é{i}✓'\n")).collect();
    let mut code = format!("import mayaemu\n{filler}");
    while code.len() < 1_000_000 {
        code.push_str("# padding comment with ünïcödé so chunk boundaries split characters\n");
    }
    code.push_str("mayaemu.bump('big')\nresult_len = len(v19999)");
    assert!(code.len() >= 1_000_000);
    let r = run(&s, &code).await;
    assert!(r.ok, "{r:?}");
    assert_eq!(emu.counter("big"), 1);
    let v = run(&s, "v19999").await;
    assert_eq!(v.value.as_deref(), Some("'é19999✓'"));
}

#[tokio::test(flavor = "multi_thread")]
async fn names_persist_between_runs_like_the_script_editor() {
    let (_emu, s) = fresh();
    assert!(run(&s, "answer = 41").await.ok);
    let r = run(&s, "answer + 1").await;
    assert_eq!(r.value.as_deref(), Some("42"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exception_comes_back_with_type_message_and_traceback() {
    let (_emu, s) = fresh();
    let r = run(&s, "def f():\n    return undefined_name\nf()").await;
    assert!(!r.ok);
    let e = r.error.unwrap();
    assert_eq!(e.kind, "NameError");
    assert!(e.message.contains("undefined_name"), "{}", e.message);
    assert!(e.traceback.contains("line 2, in f"), "{}", e.traceback);
    // It starts at the artist's code: none of the helper's frames.
    assert!(
        e.traceback.starts_with(
            "Traceback (most recent call last):\n  File \"<mayalink>\", line 3, in <module>\n"
        ),
        "{}",
        e.traceback
    );
    assert!(!e.traceback.contains("mayalink_helper"), "{}", e.traceback);
    // Quoting the artist's lines, like a file's.
    assert!(
        e.traceback
            .contains("line 2, in f\n    return undefined_name\n"),
        "{}",
        e.traceback
    );
    // A syntax error points at the line, with no frame at all.
    let r = run(&s, "x = 1\nif x\n    pass").await;
    let e = r.error.unwrap();
    assert_eq!(e.kind, "SyntaxError");
    assert!(
        e.traceback.contains("File \"<mayalink>\", line 2"),
        "{}",
        e.traceback
    );
    assert!(!e.traceback.contains("mayalink_helper"), "{}", e.traceback);
}

#[tokio::test(flavor = "multi_thread")]
async fn mel_runs_as_one_block() {
    let (_emu, s) = fresh();
    let r = run_ok(&s, "print \"one\";\nabout -v;", Language::Mel).await;
    assert_eq!(r.value.as_deref(), Some("2025"));
}

#[tokio::test(flavor = "multi_thread")]
async fn undo_chunks_wrap_the_run() {
    let (emu, s) = fresh();
    let opts = RunOptions {
        undo_chunk: Some("mayalink run".into()),
        file_name: None,
    };
    let r = s
        .run(
            "import maya.cmds as cmds\ncmds.undoInfo(q=True, chunkName=True) if False else 1",
            Language::Python,
            opts,
        )
        .await
        .unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(emu.state()["undo_depth"], 0, "chunk closed after the run");
}

#[tokio::test(flavor = "multi_thread")]
async fn non_ascii_code_and_values_round_trip() {
    let (_emu, s) = fresh();
    run(&s, "chemin = 'C:/Users/Zoë/场景/シーン.ma'").await;
    let r = run(&s, "chemin").await;
    assert_eq!(r.value.as_deref(), Some("'C:/Users/Zoë/场景/シーン.ma'"));
}

#[tokio::test(flavor = "multi_thread")]
async fn values_come_back_byte_for_byte_whatever_they_contain() {
    let (_emu, s) = fresh();
    run(&s, "class Shown:\n    def __init__(self, t):\n        self.t = t\n    def __repr__(self):\n        return self.t").await;
    // Spaces at both ends and a raw newline travel in the short "ok" reply; a NUL
    // (which would end Maya's reply) makes the helper answer in JSON instead.
    for text in ["  two\nlines  ", "a\u{0}b", "ok 1 2", ""] {
        let r = run(&s, &format!("Shown({text:?})")).await;
        assert!(r.ok, "{r:?}");
        assert_eq!(r.value.as_deref(), Some(text));
    }
    let r = run(&s, "None").await;
    assert_eq!((r.ok, r.value), (true, None));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_code_sent_twice_runs_twice() {
    // Maya's helper keeps compiled code by source: a second run must still run.
    let (emu, s) = fresh();
    for _ in 0..2 {
        assert!(run(&s, "__import__('mayaemu').bump('again')").await.ok);
        assert!(
            run(&s, "import mayaemu\nmayaemu.bump('again-block')\n'done'")
                .await
                .ok
        );
    }
    assert_eq!(emu.counter("again"), 2);
    assert_eq!(emu.counter("again-block"), 2);
}

// The CLI's placement: on a single-threaded runtime the session's task runs beside
// its caller instead of on a thread of its own.
#[tokio::test(flavor = "current_thread")]
async fn a_session_on_the_callers_single_threaded_runtime() {
    let (emu, s) = fresh();
    s.connect().await.unwrap();
    let r = run(&s, "__import__('mayaemu').bump('beside') and None").await;
    assert!(r.ok, "{r:?}");
    let r = run(&s, "1/0").await;
    assert_eq!(
        r.error.map(|e| e.kind).as_deref(),
        Some("ZeroDivisionError")
    );
    assert_eq!(emu.counter("beside"), 1);
    let report = s.shutdown().await.unwrap();
    assert!(!report.maya_gone);
}

#[tokio::test(flavor = "multi_thread")]
async fn other_tools_get_the_port_between_two_runs() {
    let (emu, s) = fresh();
    assert!(run(&s, "1").await.ok);
    // Maya serves one client at a time: a held connection would lock this one out.
    let other = tokio::task::spawn_blocking({
        let port = emu.port;
        move || {
            let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            c.write_all(b"6*7").unwrap();
            let mut buf = [0u8; 16];
            let n = c.read(&mut buf).expect("served while the session is idle");
            buf[..n].to_vec()
        }
    })
    .await
    .unwrap();
    assert_eq!(other, b"42\n\0");
    assert!(run(&s, "2").await.ok, "the session reconnects on demand");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outdated_helper_is_replaced() {
    let emu = Emulator::python();
    {
        let mut c = std::net::TcpStream::connect(("127.0.0.1", emu.port)).unwrap();
        c.write_all(b"__import__('sys').modules.__setitem__('mayalink_helper', type('M', (), {'VERSION': 'old'})) or 'ok'").unwrap();
        let mut buf = [0u8; 64];
        let _ = c.read(&mut buf).unwrap();
    }
    let s = session(&emu, &ConsoleHub::default(), None);
    let info = s.connect().await.unwrap();
    assert_eq!(
        info.helper_version,
        mayalink_engine::maya::helper::version()
    );
    assert!(run(&s, "1").await.ok);
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_mayas_at_once() {
    let emus: Vec<Emulator> = (0..8).map(|_| Emulator::python()).collect();
    let hub = ConsoleHub::default();
    let sessions: Vec<MayaSession> = emus.iter().map(|e| session(e, &hub, None)).collect();
    let runs = sessions
        .iter()
        .map(|s| run(s, "__import__('mayaemu').bump('parallel') and None"));
    let results = futures::future::join_all(runs).await;
    assert!(results.iter().all(|r| r.ok));
    for e in &emus {
        assert_eq!(e.counter("parallel"), 1);
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_unix_socket_port_works_like_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("maya7001");
    let emu = Emulator::start(&["--unix", path.to_str().unwrap()]);
    let hub = ConsoleHub::default();
    let output = OutputService::new(hub.clone(), Default::default());
    let cfg = SessionConfig::new(
        session_id("unix"),
        "unix",
        MayaAddress::parse(path.to_str().unwrap()).unwrap(),
    );
    let s = MayaSession::spawn(cfg, hub, Some(output.clone()));
    let info = s.connect().await.unwrap();
    assert_eq!(info.pid, emu.pid);
    let r = run(&s, "print('over a unix socket')\n2 ** 10").await;
    assert_eq!(r.value.as_deref(), Some("1024"));
    let id = s.status().borrow().id.clone();
    let history = output.history(&id, 0, 100);
    assert!(
        history.iter().any(|l| l.text == "over a unix socket"),
        "{history:?}"
    );
    s.shutdown().await.unwrap();
    assert_eq!(emu.state()["callbacks"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_single_write_is_chunked_and_reassembled() {
    let emu = Emulator::python();
    let hub = ConsoleHub::default();
    let output = OutputService::new(hub.clone(), Default::default());
    let s = session(&emu, &hub, Some(output.clone()));
    let r = run(&s, "import sys\nsys.stdout.write('é' * 100000 + 'end\\n')").await;
    assert!(r.ok, "{r:?}");
    let id = s.status().borrow().id.clone();
    let line = output
        .history(&id, 0, 100)
        .into_iter()
        .find(|l| l.text.ends_with("end"))
        .expect("the long line arrives");
    assert_eq!(line.text.chars().count(), 100_003);
    assert_eq!(output.session_stats(&id).unwrap().lost, 0);
    s.shutdown().await.unwrap();
}
