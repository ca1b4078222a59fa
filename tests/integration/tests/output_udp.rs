//! The live-output UDP listener against real sockets on 127.0.0.1: what a
//! helper inside Maya sends, the app's console and history receive.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mayalink_engine::console::{ConsoleHub, ConsoleLine, LineKind};
use mayalink_engine::output::datagram::{self, maya_type};
use mayalink_engine::output::{OutputConfig, OutputEncoder, OutputService, Registration};
use tokio::sync::broadcast;

const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
const WAIT: Duration = Duration::from_secs(5);

struct Fixture {
    svc: OutputService,
    rx: broadcast::Receiver<Arc<Vec<ConsoleLine>>>,
    seen: Vec<ConsoleLine>,
}

impl Fixture {
    fn new(cfg: OutputConfig) -> Self {
        let hub = ConsoleHub::new(100_000, 10);
        let rx = hub.subscribe();
        Self {
            svc: OutputService::new(hub, cfg),
            rx,
            seen: Vec::new(),
        }
    }

    async fn register(&self, session: &str) -> (Registration, Sender) {
        let reg = self.svc.register(session, LOCAL).await.expect("register");
        let sender = Sender::new(&reg, "127.0.0.1");
        (reg, sender)
    }

    /// Waits until `n` lines (of any session) were published in total.
    async fn lines(&mut self, n: usize) -> Vec<ConsoleLine> {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.seen.len() < n {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Ok(batch)) => self.seen.extend(batch.iter().cloned()),
                Ok(Err(e)) => panic!("hub: {e}"),
                Err(_) => panic!(
                    "timed out with {} of {n} lines: {:#?}",
                    self.seen.len(),
                    self.seen
                ),
            }
        }
        self.seen.clone()
    }

    /// Nothing more arrives for a while.
    async fn quiet(&mut self) -> Vec<ConsoleLine> {
        while let Ok(Ok(batch)) =
            tokio::time::timeout(Duration::from_millis(300), self.rx.recv()).await
        {
            self.seen.extend(batch.iter().cloned());
        }
        self.seen.clone()
    }

    /// Waits until the global counters satisfy `f`.
    async fn stats_until(
        &self,
        f: impl Fn(&mayalink_engine::output::OutputStats) -> bool,
    ) -> mayalink_engine::output::OutputStats {
        let deadline = Instant::now() + WAIT;
        loop {
            let s = self.svc.stats();
            if f(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "stats never matched: {s:?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// What the helper inside Maya does, from a given local IP.
struct Sender {
    sock: UdpSocket,
    to: SocketAddr,
    enc: OutputEncoder,
}

impl Sender {
    fn new(reg: &Registration, from_ip: &str) -> Self {
        let sock = UdpSocket::bind((from_ip, 0)).expect("bind sender");
        Self {
            sock,
            to: reg.addr(),
            enc: OutputEncoder::new(*reg.token()),
        }
    }
    fn raw(&self, d: &[u8]) {
        self.sock.send_to(d, self.to).expect("send");
    }
    fn msg(&mut self, t: u8, text: &str) -> Vec<Vec<u8>> {
        let parts = self.enc.message(t, text);
        for p in &parts {
            self.raw(p);
        }
        parts
    }
    fn print(&mut self, text: &str) {
        self.msg(maya_type::INFO, text);
        self.msg(maya_type::INFO, "\n");
    }
}

/// A fixture with the default configuration and one session, "s", registered.
async fn one_session() -> (Fixture, Registration, Sender) {
    let f = Fixture::new(OutputConfig::default());
    let (reg, tx) = f.register("s").await;
    (f, reg, tx)
}

fn texts(lines: &[ConsoleLine]) -> Vec<&str> {
    lines.iter().map(|l| l.text.as_str()).collect()
}

#[tokio::test]
async fn lines_reach_the_hub_with_their_kinds() {
    let mut f = Fixture::new(OutputConfig::default());
    let (_reg, mut tx) = f.register("maya1").await;
    tx.print("hello");
    tx.msg(maya_type::DISPLAY, "shown\n");
    tx.msg(maya_type::WARNING, "careful\n");
    tx.msg(maya_type::ERROR, "boom\n");
    tx.msg(maya_type::RESULT, "42\n");
    tx.msg(maya_type::STACK_TRACE, "Traceback\n");
    tx.msg(maya_type::HISTORY, "polyCube;\n");
    let lines = f.lines(7).await;
    let got: Vec<(LineKind, &str)> = lines.iter().map(|l| (l.kind, l.text.as_str())).collect();
    assert_eq!(
        got,
        [
            (LineKind::Output, "hello"),
            (LineKind::Output, "shown"),
            (LineKind::Warning, "careful"),
            (LineKind::Error, "boom"),
            (LineKind::Result, "42"),
            (LineKind::StackTrace, "Traceback"),
            (LineKind::History, "polyCube;"),
        ]
    );
    assert!(lines.iter().all(|l| l.session == "maya1" && l.time_ms > 0));
    assert_eq!(f.svc.line_count("maya1"), 7);
    assert_eq!(
        texts(&f.svc.history("maya1", 5, 10)),
        ["Traceback", "polyCube;"]
    );
    let st = f.svc.session_stats("maya1").unwrap();
    assert_eq!((st.messages, st.lines, st.lost), (8, 7, 0));
}

#[tokio::test]
async fn print_as_two_messages_is_one_line() {
    let (mut f, _reg, mut tx) = one_session().await;
    tx.msg(maya_type::INFO, "x");
    tx.msg(maya_type::INFO, "\n");
    tx.msg(maya_type::INFO, "windows\r\n");
    let lines = f.lines(2).await;
    assert_eq!(texts(&lines), ["x", "windows"]);
    assert_eq!(texts(&f.quiet().await), ["x", "windows"]);
}

#[tokio::test]
async fn a_partial_line_shows_after_a_pause_or_a_flush() {
    let (mut f, _reg, mut tx) = one_session().await;
    tx.msg(maya_type::INFO, "Working...");
    let t0 = Instant::now();
    assert_eq!(texts(&f.lines(1).await), ["Working..."]);
    assert!(
        t0.elapsed() >= Duration::from_millis(80),
        "{:?}",
        t0.elapsed()
    );
    tx.msg(maya_type::INFO, "\n"); // ends the line already shown: no empty line
    tx.msg(maya_type::INFO, "done");
    f.stats_until(|s| s.messages == 3).await;
    f.svc.flush("s").await;
    assert_eq!(texts(&f.svc.history("s", 0, 10)), ["Working...", "done"]);
}

#[tokio::test]
async fn a_large_message_is_reassembled_before_decoding() {
    let (mut f, reg, tx) = one_session().await;
    // 3- and 4-byte characters; 1000-byte chunks cut through many of them.
    let unit = "abc€🎬é";
    let mut text = String::new();
    while text.len() < 200_000 {
        text.push_str(unit);
    }
    let parts = datagram::encode_message(reg.token(), 0, maya_type::INFO, text.as_bytes(), 1000);
    assert!(parts.len() > 200);
    let straddles = (1..parts.len())
        .filter(|i| !text.is_char_boundary(i * 1000))
        .count();
    assert!(straddles > 50, "{straddles}");
    // Chunks in reverse order, for good measure.
    for p in parts.iter().rev() {
        tx.raw(p);
    }
    tx.raw(&datagram::encode_message(reg.token(), 1, maya_type::INFO, b"\n", 1000)[0]);
    let lines = f.lines(1).await;
    assert_eq!(lines.len(), 1);
    assert!(lines[0].text == text, "reassembled text differs");
    assert!(!lines[0].text.contains('\u{FFFD}'));
    assert_eq!(f.svc.stats().lost, 0);
}

#[tokio::test]
async fn reordered_datagrams_come_out_in_order() {
    let (mut f, _reg, mut tx) = one_session().await;
    let parts: Vec<Vec<u8>> = (0..40)
        .map(|i| {
            tx.enc
                .message(maya_type::INFO, &format!("line {i}\n"))
                .remove(0)
        })
        .collect();
    // A fixed shuffle that moves messages up to 10 places.
    let mut order: Vec<usize> = (0..40).collect();
    for block in order.chunks_mut(10) {
        block.reverse();
    }
    order.swap(3, 25);
    for i in order {
        tx.raw(&parts[i]);
    }
    let lines = f.lines(40).await;
    let want: Vec<String> = (0..40).map(|i| format!("line {i}")).collect();
    assert_eq!(texts(&lines), want);
    let st = f.svc.stats();
    assert_eq!(st.lost, 0);
    assert!(st.reordered > 0);
}

#[tokio::test]
async fn a_sequence_gap_becomes_a_lost_notice() {
    let (mut f, _reg, mut tx) = one_session().await;
    tx.msg(maya_type::INFO, "a\n");
    tx.msg(maya_type::INFO, "b\n");
    tx.enc.skip(3); // three messages the network ate
    tx.msg(maya_type::INFO, "c\n");
    let lines = f.lines(4).await;
    assert_eq!(lines[2].kind, LineKind::Notice);
    assert!(
        lines[2]
            .text
            .starts_with("3 output messages from Maya were lost"),
        "{}",
        lines[2].text
    );
    assert_eq!(texts(&lines)[..2], ["a", "b"]);
    assert_eq!(lines[3].text, "c");
    assert_eq!(f.svc.session_stats("s").unwrap().lost, 3);
    // The notice is in the history too.
    assert_eq!(f.svc.history("s", 2, 1)[0].kind, LineKind::Notice);
}

#[tokio::test]
async fn loss_at_the_tail_is_seen_from_the_heartbeat() {
    let (mut f, _reg, mut tx) = one_session().await;
    tx.msg(maya_type::INFO, "a\n");
    tx.enc.skip(2);
    // A heartbeat's seq counts only once the next heartbeat arrives (a message may
    // still be on its way from Maya's main thread): the second one proves the loss.
    tx.raw(&tx.enc.heartbeat(r#"{"pid":4242,"dropped":2}"#));
    tx.raw(&tx.enc.heartbeat(r#"{"pid":4242,"dropped":2}"#));
    let lines = f.lines(2).await;
    assert_eq!(lines[0].text, "a");
    assert!(
        lines[1].text.starts_with("2 output messages"),
        "{}",
        lines[1].text
    );
    let live = f.svc.liveness("s").borrow().clone();
    assert_eq!(live.pid, Some(4242));
    assert_eq!(live.sender_dropped, 2);
}

#[tokio::test]
async fn duplicates_are_ignored() {
    let (mut f, _reg, mut tx) = one_session().await;
    for i in 0..10 {
        let parts = tx.msg(maya_type::INFO, &format!("{i}\n"));
        tx.raw(&parts[0]);
    }
    let lines = f.lines(10).await;
    assert_eq!(
        texts(&lines),
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
    );
    let st = f.stats_until(|s| s.duplicates == 10).await;
    assert_eq!(st.lost, 0);
    assert_eq!(texts(&f.quiet().await).len(), 10);
}

#[tokio::test]
async fn wrong_token_and_wrong_address_are_dropped_and_counted() {
    let (mut f, reg, mut tx) = one_session().await;
    // A stranger who guessed the port but not the token.
    let mut stranger = Sender::new(&reg, "127.0.0.1");
    stranger.enc = OutputEncoder::new([0xAB; 16]);
    stranger.print("spoofed");
    // Someone with the token, but not on Maya's address.
    let mut elsewhere = Sender::new(&reg, "127.0.0.2");
    elsewhere.print("spoofed too");
    let st = f
        .stats_until(|s| s.bad_token == 2 && s.bad_address == 2)
        .await;
    assert_eq!(st.lines, 0);
    assert_eq!(f.svc.session_stats("s").unwrap().bad_address, 2);
    tx.print("genuine");
    assert_eq!(texts(&f.lines(1).await), ["genuine"]);
    assert_eq!(texts(&f.quiet().await), ["genuine"]);
}

#[tokio::test]
async fn garbage_is_counted_and_the_listener_keeps_working() {
    let (mut f, reg, mut tx) = one_session().await;
    let mut seed = 0x1234_5678_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut sent = 0;
    for i in 0..300 {
        let len = (next() % 100) as usize;
        let mut d: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if i % 3 == 0 && d.len() >= 30 {
            // Right magic and token, broken chunk fields.
            d[..4].copy_from_slice(b"MLK1");
            d[4..20].copy_from_slice(reg.token());
            d[20] = 0;
            d[26..28].copy_from_slice(&5u16.to_be_bytes());
            d[28..30].copy_from_slice(&5u16.to_be_bytes());
        }
        if d.len() < 30 || &d[..4] != b"MLK1" || i % 3 == 0 {
            sent += 1;
            tx.raw(&d);
        }
    }
    tx.raw(&[]);
    sent += 1;
    f.stats_until(|s| s.malformed == sent).await;
    tx.print("still here");
    assert_eq!(texts(&f.lines(1).await), ["still here"]);
}

#[tokio::test]
async fn the_history_is_bounded() {
    let mut f = Fixture::new(OutputConfig {
        history_lines: 100,
        ..OutputConfig::default()
    });
    let (_reg, mut tx) = f.register("s").await;
    for i in 0..250 {
        tx.msg(maya_type::INFO, &format!("{i}\n"));
    }
    let live = f.lines(250).await;
    assert_eq!(f.svc.line_count("s"), 250);
    assert_eq!(f.svc.history_range("s"), 150..250);
    let h = f.svc.history("s", 0, 1000);
    assert_eq!(h.len(), 100);
    assert_eq!((h[0].text.as_str(), h[99].text.as_str()), ("150", "249"));
    // Live lines carry the numbers the history gives the same lines.
    assert_eq!(&live[150..], &h[..]);
    assert_eq!((h[0].line, h[99].line), (Some(150), Some(249)));
    assert_eq!(texts(&f.svc.history("s", 200, 2)), ["200", "201"]);
}

#[tokio::test]
async fn the_listener_closes_when_the_last_registration_is_dropped() {
    let f = Fixture::new(OutputConfig::default());
    let a = f.svc.register("a", LOCAL).await.unwrap();
    let b = f.svc.register("b", LOCAL).await.unwrap();
    let addr = a.addr();
    drop(a);
    assert!(UdpSocket::bind(addr).is_err(), "still needed by b");
    drop(b);
    assert!(f.svc.listener().is_none());
    let deadline = Instant::now() + WAIT;
    while UdpSocket::bind(addr).is_err() {
        assert!(Instant::now() < deadline, "port {addr} never released");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // And it opens again on demand.
    let c = f.svc.register("c", LOCAL).await.unwrap();
    assert!(f.svc.listener().is_some());
    drop(c);
}

#[tokio::test]
async fn dropping_the_service_ends_its_task() {
    let f = Fixture::new(OutputConfig::default());
    let reg = f.svc.register("a", LOCAL).await.unwrap();
    let addr = reg.addr();
    drop(f);
    let deadline = Instant::now() + WAIT;
    while UdpSocket::bind(addr).is_err() {
        assert!(Instant::now() < deadline, "port {addr} never released");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(reg); // harmless once the service is gone
}

#[tokio::test]
async fn two_sessions_are_demultiplexed() {
    let mut f = Fixture::new(OutputConfig::default());
    let (_ra, mut a) = f.register("maya-a").await;
    let (_rb, mut b) = f.register("maya-b").await;
    for i in 0..20 {
        a.msg(maya_type::INFO, &format!("a{i}"));
        b.msg(maya_type::ERROR, &format!("b{i}"));
        a.msg(maya_type::INFO, "\n");
        b.msg(maya_type::ERROR, "\n");
    }
    let lines = f.lines(40).await;
    let of = |s: &str| {
        lines
            .iter()
            .filter(|l| l.session == s)
            .map(|l| l.text.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of("maya-a"),
        (0..20).map(|i| format!("a{i}")).collect::<Vec<_>>()
    );
    assert_eq!(
        of("maya-b"),
        (0..20).map(|i| format!("b{i}")).collect::<Vec<_>>()
    );
    assert!(lines
        .iter()
        .filter(|l| l.session == "maya-b")
        .all(|l| l.kind == LineKind::Error));
    assert_eq!(f.svc.line_count("maya-a"), 20);
    assert_eq!(f.svc.history("maya-b", 0, 1)[0].text, "b0");
    assert_eq!(f.svc.stats().lines, 40);
}

#[tokio::test]
async fn heartbeats_show_liveness_and_bye_ends_the_stream() {
    let (mut f, _reg, mut tx) = one_session().await;
    let mut live = f.svc.liveness("s");
    assert!(f.svc.last_heartbeat_age("s").is_none());
    tx.raw(&tx.enc.heartbeat(r#"{"pid":99,"dropped":0}"#));
    tokio::time::timeout(WAIT, live.wait_for(|l| l.last_heartbeat.is_some()))
        .await
        .unwrap()
        .unwrap();
    assert!(f.svc.last_heartbeat_age("s").unwrap() < Duration::from_secs(2));
    assert_eq!(live.borrow().pid, Some(99));
    assert!(live.borrow().registered);
    tx.msg(maya_type::INFO, "last words"); // no newline: the bye flushes it
    tx.raw(&tx.enc.bye());
    tokio::time::timeout(WAIT, live.wait_for(|l| l.ended))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(texts(&f.lines(1).await), ["last words"]);
    tx.print("after bye");
    assert_eq!(texts(&f.quiet().await), ["last words"]);
}

#[tokio::test]
async fn a_batch_of_messages_in_one_datagram_becomes_lines_in_order() {
    use mayalink_engine::output::datagram::{encode, push_batch_entry, DatagramKind, Header};
    let (mut f, reg, tx) = one_session().await;
    // What the helper sends for print("x"); print("y"): four writes, one datagram,
    // here with the entries out of order.
    let mut payload = Vec::new();
    for (seq, text) in [(2u32, "y"), (0, "x"), (1, "\n"), (3, "\n")] {
        push_batch_entry(&mut payload, seq, maya_type::INFO, text.as_bytes());
    }
    let header = Header {
        token: *reg.token(),
        kind: DatagramKind::Batch,
        maya_type: 0,
        seq: 0,
        chunk_index: 0,
        chunk_count: 1,
    };
    tx.raw(&encode(&header, &payload));
    let lines = f.lines(2).await;
    assert_eq!(texts(&lines), ["x", "y"]);
    // A truncated batch is counted as malformed, never half-applied.
    tx.raw(&encode(&header, &payload[..payload.len() - 1]));
    let st = f.stats_until(|s| s.malformed == 1).await;
    assert_eq!(st.lost, 0);
}
