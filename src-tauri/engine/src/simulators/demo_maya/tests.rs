//! Demo Maya over real sockets on 127.0.0.1: the raw wire protocol with the
//! app's own lines, UDP output, one client at a time, rude clients, and the
//! whole thing through a real `MayaSession` with the real output listener.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value as Json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use super::{DemoMaya, DemoOptions, LABEL};
use crate::console::{ConsoleHub, ConsoleLine, LineKind};
use crate::maya::helper::{self, call_line, install_lines, probe_line};
use crate::maya::{Language, MayaSession, PortKind, RunOptions, SessionConfig};
use crate::output::datagram::{self, DatagramKind};
use crate::output::OutputService;

const T: Duration = Duration::from_secs(10);

fn local() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

struct Client {
    sock: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Self {
        let sock = TcpStream::connect(addr).await.expect("connect");
        sock.set_nodelay(true).unwrap();
        Self {
            sock,
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, line: &str) {
        self.sock.write_all(line.as_bytes()).await.expect("write");
    }

    async fn reply(&mut self) -> String {
        loop {
            if let Some(i) = self.buf.iter().position(|b| *b == 0) {
                let frame: Vec<u8> = self.buf.drain(..=i).collect();
                let text = String::from_utf8(frame[..i].to_vec()).expect("utf-8 reply");
                return text
                    .strip_suffix('\n')
                    .expect("reply ends with \\n\\0")
                    .to_string();
            }
            let mut chunk = [0u8; 65536];
            let n = tokio::time::timeout(T, self.sock.read(&mut chunk))
                .await
                .expect("reply in time")
                .expect("read");
            assert!(n > 0, "connection closed before the reply");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    async fn ask(&mut self, line: &str) -> String {
        self.send(line).await;
        self.reply().await
    }

    async fn call(&mut self, body: Json) -> Json {
        let r = self.ask(&call_line(&body)).await;
        serde_json::from_str(&r).unwrap_or_else(|_| panic!("not JSON: {r}"))
    }
}

/// A datagram as the test sees it: (kind, maya type, seq, payload text).
async fn datagram(udp: &UdpSocket) -> (DatagramKind, u8, u32, String) {
    let mut buf = vec![0u8; 70_000];
    let n = tokio::time::timeout(T, udp.recv(&mut buf))
        .await
        .expect("datagram in time")
        .unwrap();
    let d = datagram::parse(&buf[..n]).expect("well-formed datagram");
    assert_eq!(d.header.token, [9u8; 16]);
    assert_eq!((d.header.chunk_index, d.header.chunk_count), (0, 1));
    (
        d.header.kind,
        d.header.maya_type,
        d.header.seq,
        String::from_utf8_lossy(d.payload).into_owned(),
    )
}

/// The next message datagram, skipping heartbeats.
async fn message(udp: &UdpSocket) -> (u8, u32, String) {
    loop {
        match datagram(udp).await {
            (DatagramKind::Message, t, seq, text) => return (t, seq, text),
            (DatagramKind::Heartbeat, ..) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn raw_wire_protocol_install_run_and_output() {
    let demo = DemoMaya::start(local()).await.unwrap();
    assert_eq!(DemoMaya::label(), "Demo Maya (simulated)");
    let mut c = Client::connect(demo.addr()).await;
    assert_eq!(c.ask(&probe_line()).await, "mayalink-py:none");
    assert_eq!(
        c.ask(&call_line(&json!({"op": "info"}))).await,
        "No module named 'mayalink_helper'"
    );
    let lines = install_lines();
    for (i, l) in lines.iter().enumerate() {
        let expected = if i + 1 == lines.len() {
            format!("installed {}", helper::version())
        } else {
            format!("staged {i}")
        };
        assert_eq!(c.ask(l).await, expected);
    }
    assert_eq!(
        c.ask(&probe_line()).await,
        format!("mayalink-py:{}", helper::version())
    );

    let info = c.call(json!({"op": "info"})).await;
    assert_eq!(info["ok"], true);
    assert_eq!(info["maya"], "2025");
    assert_eq!(info["label"], LABEL);
    assert_eq!(info["pid"], std::process::id());
    assert_eq!(info["scene"], "/projects/demo/scenes/walk_cycle.ma");
    assert!(info["user"].as_str().is_some_and(|u| !u.is_empty()));

    let udp = UdpSocket::bind(local()).await.unwrap();
    let port = udp.local_addr().unwrap().port();
    let token = base64::engine::general_purpose::STANDARD.encode([9u8; 16]);
    let r = c
        .call(json!({"op": "output_start", "session": "s1", "host": "127.0.0.1", "port": port, "token": token, "heartbeat": 0.1}))
        .await;
    assert_eq!(r, json!({"ok": true, "callbacks": 1}));
    let (kind, _, seq, payload) = datagram(&udp).await;
    assert_eq!((kind, seq), (DatagramKind::Heartbeat, 0));
    let hb: Json = serde_json::from_str(&payload).unwrap();
    assert_eq!(hb["pid"], std::process::id());

    let r = c
        .call(json!({"op": "run", "id": "s1:0", "data": b64("print(\"héllo\")")}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    assert!(r.get("value").is_none(), "{r}");
    assert_eq!(message(&udp).await, (1, 0, "héllo".to_string()));
    assert_eq!(message(&udp).await, (1, 1, "\n".to_string()));

    // Exactly once: the same id again answers without running.
    let again = c
        .call(json!({"op": "run", "id": "s1:0", "data": b64("print(\"héllo\")")}))
        .await;
    assert_eq!(again, r);

    let r = c
        .call(json!({"op": "run", "id": "s1:1", "data": b64("x = 1\nprint(foo)")}))
        .await;
    assert_eq!(r["ok"], false);
    assert_eq!(r["error"]["type"], "NameError");
    assert_eq!(r["error"]["message"], "name 'foo' is not defined");
    let tb = "Traceback (most recent call last):\n  File \"<mayalink>\", line 2, in <module>\n    print(foo)\nNameError: name 'foo' is not defined\n";
    assert_eq!(r["error"]["traceback"], tb);
    assert_eq!(message(&udp).await, (6, 2, tb.to_string()));

    let r = c
        .call(json!({"op": "run", "id": "s1:2", "data": b64("cmds.warning('w')\nx + 41")}))
        .await;
    assert_eq!(r["value"], "42", "names persist: {r}");
    assert_eq!(message(&udp).await, (3, 3, "Warning: w\n".to_string()));

    // A heartbeat carries the next seq.
    loop {
        if let (DatagramKind::Heartbeat, _, seq, _) = datagram(&udp).await {
            assert_eq!(seq, 4);
            break;
        }
    }
    let r = c.call(json!({"op": "cleanup", "session": "s1"})).await;
    assert_eq!(r, json!({"ok": true, "removed": true, "sessions_left": 0}));
    loop {
        match datagram(&udp).await {
            (DatagramKind::Bye, _, seq, _) => {
                assert_eq!(seq, 4);
                break;
            }
            (DatagramKind::Heartbeat, ..) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
    // Nothing after the bye.
    let mut buf = [0u8; 100];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), udp.recv(&mut buf))
            .await
            .is_err()
    );
    let r = c.call(json!({"op": "cleanup", "session": "s1"})).await;
    assert_eq!(r, json!({"ok": true, "removed": false, "sessions_left": 0}));
    assert_eq!(demo.snapshot().runs, 3);
}

#[tokio::test]
async fn chunked_runs_and_the_mel_wrapping_work_on_the_wire() {
    let demo = DemoMaya::start(local()).await.unwrap();
    let mut c = Client::connect(demo.addr()).await;
    for l in install_lines() {
        // Through MEL's python("...") on a Python port: accepted too.
        c.ask(&helper::for_port(&l, PortKind::Mel)).await;
    }
    assert_eq!(demo.snapshot().helper.as_deref(), Some(helper::version()));
    let code = format!("s = '{}'\nlen(s)", "é".repeat(3000));
    let bytes = code.as_bytes();
    let chunks: Vec<&[u8]> = bytes.chunks(helper::CODE_CHUNK).collect();
    for (i, ch) in chunks.iter().enumerate() {
        let data = base64::engine::general_purpose::STANDARD.encode(ch);
        let r = c
            .call(json!({"op": "stage", "id": "s:9", "index": i, "data": data}))
            .await;
        assert_eq!(r, json!({"ok": true}));
    }
    let r = c
        .call(json!({"op": "run", "id": "s:9", "chunks": chunks.len()}))
        .await;
    assert_eq!(r["value"], "3000", "{r}");
    let r = c
        .call(json!({"op": "skeleton", "names": ["Hips", "Spine", "Nope"]}))
        .await;
    assert_eq!(r["joints"][1]["parent"], "Hips");
    assert_eq!(r["joints"][1]["translate"], json!([0.0, 10.0, 0.0]));
    assert_eq!(r["joints"][2]["found"], false);
}

#[tokio::test]
async fn serves_one_connection_at_a_time() {
    let demo = DemoMaya::start(local()).await.unwrap();
    let mut a = Client::connect(demo.addr()).await;
    assert_eq!(a.ask("1 + 1").await, "2");
    let mut b = Client::connect(demo.addr()).await; // waits in the backlog
    b.send("2 + 2").await;
    let mut chunk = [0u8; 16];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), b.sock.read(&mut chunk))
            .await
            .is_err(),
        "b is served while a holds the port"
    );
    assert_eq!(a.ask("3 + 3").await, "6");
    drop(a);
    assert_eq!(b.reply().await, "4");
}

#[tokio::test]
async fn garbage_big_messages_and_rude_clients() {
    let demo = DemoMaya::start(local()).await.unwrap();
    let mut c = Client::connect(demo.addr()).await;
    c.sock.write_all(&[0xff, 0xfe, 0x00, 0x80]).await.unwrap();
    assert!(c.reply().await.contains("not valid UTF-8"));
    assert!(c
        .ask("def f(): pass")
        .await
        .contains("Demo Maya runs only simple code"));
    assert!(c.ask("def f(:").await.contains("never closed"));
    assert!(!c.ask(")))(((").await.is_empty());
    // 200 KB in one message: read whole, not as fragments.
    let big = format!("len('{}')", "x".repeat(200_000));
    assert_eq!(c.ask(&big).await, "200000");
    // A client that leaves before its reply, and one that leaves mid-stream.
    let mut rude = c;
    rude.send("'y' * 1000000").await;
    drop(rude);
    let mut c = Client::connect(demo.addr()).await;
    assert_eq!(c.ask("'still' + ' here'").await, "still here");
    drop(c);
    let mut c = Client::connect(demo.addr()).await;
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    for _ in 0..200 {
        let len = rng.random_range(1..300);
        let msg: String = (0..len)
            .map(|_| rng.random_range(0x20u8..0x7f) as char)
            .collect();
        if msg.trim().is_empty() {
            continue;
        }
        c.ask(&msg).await;
    }
    assert_eq!(c.ask(&probe_line()).await, "mayalink-py:none");
}

#[tokio::test]
async fn dropping_the_handle_stops_port_and_heartbeats() {
    let demo = DemoMaya::start(local()).await.unwrap();
    let addr = demo.addr();
    let udp = UdpSocket::bind(local()).await.unwrap();
    let mut c = Client::connect(addr).await;
    for l in install_lines() {
        c.ask(&l).await;
    }
    let token = base64::engine::general_purpose::STANDARD.encode([9u8; 16]);
    let port = udp.local_addr().unwrap().port();
    c.call(json!({"op": "output_start", "session": "s", "host": "127.0.0.1", "port": port, "token": token, "heartbeat": 0.05}))
        .await;
    datagram(&udp).await;
    drop(demo);
    // The held connection ends…
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(T, c.sock.read(&mut buf))
        .await
        .expect("closed in time")
        .unwrap_or(0);
    assert_eq!(n, 0);
    // …the port closes, and heartbeats stop without a bye (Maya is gone).
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(TcpStream::connect(addr).await.is_err(), "port still open");
    while tokio::time::timeout(Duration::from_millis(10), udp.recv(&mut [0u8; 100]))
        .await
        .is_ok()
    {}
    let mut buf = [0u8; 100];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), udp.recv(&mut buf))
            .await
            .is_err(),
        "heartbeats go on"
    );
}

// ------------------------------------------------------------ through a real session

fn session(
    demo: &DemoMaya,
    id: &str,
    hub: &ConsoleHub,
    output: Option<OutputService>,
) -> MayaSession {
    MayaSession::spawn(
        SessionConfig::new(id, "demo", demo.address()),
        hub.clone(),
        output,
    )
}

async fn run(s: &MayaSession, code: &str, lang: Language) -> crate::maya::RunResult {
    tokio::time::timeout(T, s.run(code, lang, RunOptions::default()))
        .await
        .expect("run in time")
        .expect("run delivered")
}

/// Console lines of `session` until one satisfies `until`.
async fn lines_until(
    rx: &mut tokio::sync::broadcast::Receiver<std::sync::Arc<Vec<ConsoleLine>>>,
    seen: &mut Vec<ConsoleLine>,
    session: &str,
    until: impl Fn(&ConsoleLine) -> bool,
) {
    let deadline = tokio::time::Instant::now() + T;
    while !seen.iter().any(&until) {
        let batch = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("lines arrive")
            .unwrap();
        seen.extend(batch.iter().filter(|l| l.session == session).cloned());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_maya_session_runs_against_demo_maya() {
    let demo = DemoMaya::start(local()).await.unwrap();
    let hub = ConsoleHub::default();
    let output = OutputService::new(hub.clone(), Default::default());
    let (_, mut rx) = hub.subscribe_with_recent();
    let s = session(&demo, "demo-1", &hub, Some(output.clone()));

    let info = tokio::time::timeout(T, s.connect()).await.unwrap().unwrap();
    assert_eq!(info.port_kind, PortKind::Python);
    assert_eq!(info.maya_version, "2025");
    assert_eq!(info.pid, std::process::id());
    assert_eq!(info.scene, "/projects/demo/scenes/walk_cycle.ma");
    assert_eq!(info.helper_version, helper::version());
    let raw = s.call(json!({"op": "info"})).await.unwrap();
    assert_eq!(
        (raw["label"].as_str(), raw["demo"].as_bool()),
        (Some(LABEL), Some(true))
    );
    assert_eq!(demo.snapshot().sessions, ["demo-1"]);

    let r = run(&s, "print(\"héllo\")", Language::Python).await;
    assert!(r.ok && r.value.is_none(), "{r:?}");
    let mut seen = Vec::new();
    lines_until(&mut rx, &mut seen, "demo-1", |l| {
        l.kind == LineKind::Output && l.text == "héllo"
    })
    .await;
    assert!(
        seen.iter()
            .any(|l| l.kind == LineKind::Echo && l.text == "print(\"héllo\")"),
        "{seen:?}"
    );

    assert!(run(&s, "x = 41", Language::Python).await.ok);
    let r = run(&s, "x + 1", Language::Python).await;
    assert_eq!(r.value.as_deref(), Some("42"), "names persist: {r:?}");
    let r = run(&s, "cmds.polySphere(name='ball')", Language::Python).await;
    assert_eq!(r.value.as_deref(), Some("['ball', 'polySphere1']"));

    let r = run(&s, "print(foo)", Language::Python).await;
    assert!(!r.ok);
    let e = r.error.expect("error");
    assert_eq!(
        (e.kind.as_str(), e.message.as_str()),
        ("NameError", "name 'foo' is not defined")
    );
    assert!(
        e.traceback.starts_with(
            "Traceback (most recent call last):\n  File \"<mayalink>\", line 1, in <module>"
        ),
        "{}",
        e.traceback
    );
    lines_until(&mut rx, &mut seen, "demo-1", |l| {
        l.kind == LineKind::StackTrace && l.text.contains("NameError")
    })
    .await;

    let r = run(&s, "for i in range(3):\n    print(i)", Language::Python).await;
    assert_eq!(
        r.error.as_ref().map(|e| e.kind.as_str()),
        Some("DemoLimitation"),
        "{r:?}"
    );
    assert!(r.error.unwrap().message.contains("Connect a real Maya"));

    let r = run(&s, "print \"from MEL\\n\"; about -v;", Language::Mel).await;
    assert_eq!(r.value.as_deref(), Some("2025"), "{r:?}");
    lines_until(&mut rx, &mut seen, "demo-1", |l| {
        l.kind == LineKind::Output && l.text == "from MEL"
    })
    .await;

    let sk = s
        .call(json!({"op": "skeleton", "names": ["Hips", "LeftArm", "Tail"]}))
        .await
        .unwrap();
    assert_eq!(sk["joints"][1]["parent"], "LeftShoulder");
    assert_eq!(sk["joints"][2]["found"], false);

    // Liveness from heartbeats, without holding Demo Maya's port.
    let mut st = s.status();
    tokio::time::timeout(T, st.wait_for(|s| s.alive && !s.holding_port))
        .await
        .expect("alive, port released")
        .unwrap();

    let report = tokio::time::timeout(T, s.shutdown())
        .await
        .unwrap()
        .unwrap();
    assert!(report.callback_removed && !report.maya_gone, "{report:?}");
    assert!(demo.snapshot().sessions.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_finds_a_mel_port_and_two_sessions_keep_their_own_streams() {
    let demo = DemoMaya::start_with(
        local(),
        DemoOptions {
            port_kind: PortKind::Mel,
        },
    )
    .await
    .unwrap();
    let hub = ConsoleHub::default();
    let output = OutputService::new(hub.clone(), Default::default());
    let a = session(&demo, "mel-a", &hub, Some(output.clone()));
    let b = session(&demo, "mel-b", &hub, Some(output.clone()));
    assert_eq!(
        tokio::time::timeout(T, a.connect())
            .await
            .unwrap()
            .unwrap()
            .port_kind,
        PortKind::Mel
    );
    tokio::time::timeout(T, b.connect()).await.unwrap().unwrap();
    assert_eq!(demo.snapshot().sessions, ["mel-a", "mel-b"]);
    let r = run(&a, "'quoted \"text\" and \\\\ backslash'", Language::Python).await;
    assert_eq!(
        r.value.as_deref(),
        Some("'quoted \"text\" and \\\\ backslash'"),
        "{r:?}"
    );
    assert!(a.cleanup().await.unwrap().callback_removed);
    assert_eq!(
        demo.snapshot().sessions,
        ["mel-b"],
        "a's clean-up leaves b's stream"
    );
    b.shutdown().await.unwrap();
    assert!(demo.snapshot().sessions.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_notices_when_demo_maya_stops() {
    let demo = DemoMaya::start(local()).await.unwrap();
    let hub = ConsoleHub::default();
    let output = OutputService::new(hub.clone(), Default::default());
    let s = session(&demo, "gone", &hub, Some(output));
    tokio::time::timeout(T, s.connect()).await.unwrap().unwrap();
    drop(demo);
    // Clean-up with Maya gone is quick and clean.
    let started = std::time::Instant::now();
    let report = tokio::time::timeout(T, s.shutdown())
        .await
        .unwrap()
        .unwrap();
    assert!(report.maya_gone || !report.callback_removed, "{report:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
