//! The sequencer's rules, case by case: order, duplicates, chunk reassembly, gaps
//! declared lost, heartbeats and bye, wrap-around, the held-bytes cap, random traffic.

use super::*;
use crate::output::datagram::{encode_message, parse, DatagramKind};

#[derive(Default, Debug)]
struct Rec {
    events: Vec<String>,
}
impl MessageSink for Rec {
    fn message(&mut self, _t: u8, bytes: &[u8]) {
        self.events
            .push(String::from_utf8_lossy(bytes).into_owned());
    }
    fn lost(&mut self, n: u64) {
        self.events.push(format!("<lost {n}>"));
    }
}

fn cfg() -> SeqConfig {
    SeqConfig {
        window: 4,
        reorder_timeout: Duration::from_millis(50),
        reassembly_timeout: Duration::from_millis(200),
        max_pending_bytes: 1000,
    }
}

struct H {
    s: Sequencer,
    st: OutputStats,
    rec: Rec,
    t0: Instant,
}
impl H {
    fn new() -> Self {
        Self {
            s: Sequencer::new(cfg()),
            st: OutputStats::default(),
            rec: Rec::default(),
            t0: Instant::now(),
        }
    }
    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }
    fn send_chunks(&mut self, seq: u32, text: &str, chunk: usize, order: &[usize], ms: u64) {
        let parts = encode_message(&[0; 16], seq, 1, text.as_bytes(), chunk);
        for &i in order {
            let d = parse(&parts[i]).unwrap();
            let now = self.at(ms);
            self.s
                .on_message(&d.header, d.payload, now, &mut self.st, &mut self.rec);
        }
    }
    fn msg(&mut self, seq: u32, text: &str, ms: u64) {
        self.send_chunks(seq, text, 1 << 16, &[0], ms);
    }
    fn announce(&mut self, seq: u32, bye: bool, ms: u64) {
        let now = self.at(ms);
        self.s
            .on_announce(seq, bye, now, &mut self.st, &mut self.rec);
    }
    fn poll(&mut self, ms: u64) {
        let now = self.at(ms);
        self.s.poll(now, &mut self.st, &mut self.rec);
    }
    fn events(&self) -> Vec<&str> {
        self.rec.events.iter().map(|s| s.as_str()).collect()
    }
}

#[test]
fn in_order_messages_pass_straight_through() {
    let mut h = H::new();
    for (i, t) in ["a", "b", "c"].iter().enumerate() {
        h.msg(i as u32, t, 0);
    }
    assert_eq!(h.events(), ["a", "b", "c"]);
    assert_eq!(h.st.messages, 3);
    assert_eq!(h.s.deadline(), None);
}

#[test]
fn reordered_messages_come_out_in_order() {
    let mut h = H::new();
    h.msg(1, "b", 0);
    h.msg(2, "c", 0);
    assert!(h.events().is_empty());
    assert!(h.s.deadline().is_some());
    h.msg(0, "a", 10);
    assert_eq!(h.events(), ["a", "b", "c"]);
    assert_eq!(h.st.lost, 0);
    assert_eq!(h.st.reordered, 2);
    assert_eq!(h.s.deadline(), None);
}

#[test]
fn a_gap_is_declared_lost_after_the_timeout() {
    let mut h = H::new();
    h.msg(0, "a", 0);
    h.msg(3, "d", 0);
    h.poll(49);
    assert_eq!(h.events(), ["a"]);
    assert_eq!(h.s.deadline(), Some(h.at(50)));
    h.poll(50);
    assert_eq!(h.events(), ["a", "<lost 2>", "d"]);
    assert_eq!(h.st.lost, 2);
    // The late arrival is ignored.
    h.msg(1, "b", 60);
    assert_eq!(h.st.duplicates, 1);
    assert_eq!(h.events().len(), 3);
}

#[test]
fn a_gap_wider_than_the_window_is_lost_at_once() {
    let mut h = H::new();
    for s in 1..=5 {
        h.msg(s, &s.to_string(), 0);
    }
    assert_eq!(h.events(), ["<lost 1>", "1", "2", "3", "4", "5"]);
    // A huge jump (sender dropped many) is one notice, not a loop.
    h.msg(1_000_000, "x", 0);
    h.poll(100);
    assert_eq!(h.events()[6..], ["<lost 999994>", "x"]);
}

#[test]
fn duplicates_are_dropped() {
    let mut h = H::new();
    h.msg(0, "a", 0);
    h.msg(0, "a", 0);
    h.msg(2, "c", 0);
    h.msg(2, "c", 0);
    h.msg(1, "b", 0);
    assert_eq!(h.events(), ["a", "b", "c"]);
    assert_eq!(h.st.duplicates, 2);
}

#[test]
fn chunks_reassemble_in_any_order_and_utf8_survives() {
    let mut h = H::new();
    let text = "né€𝄞".repeat(50);
    h.send_chunks(
        0,
        &text,
        7,
        &(0..text.len().div_ceil(7)).rev().collect::<Vec<_>>(),
        0,
    );
    assert_eq!(h.events(), [text.as_str()]);
    assert_eq!(h.s.held_bytes(), 0);
}

#[test]
fn duplicate_chunks_are_ignored() {
    let mut h = H::new();
    h.send_chunks(0, "abcdef", 2, &[0, 0, 1, 2], 0);
    assert_eq!(h.events(), ["abcdef"]);
    h.send_chunks(0, "abcdef", 2, &[1], 0);
    assert_eq!(h.st.duplicates, 2);
}

#[test]
fn incomplete_message_is_dropped_after_the_reassembly_timeout() {
    let mut h = H::new();
    h.send_chunks(0, "abcdef", 2, &[0, 2], 0);
    h.msg(1, "next", 10);
    h.poll(150);
    assert!(h.events().is_empty());
    assert_eq!(h.s.deadline(), Some(h.at(200)));
    h.poll(200);
    assert_eq!(h.events(), ["<lost 1>", "next"]);
    assert_eq!(h.st.reassembly_drops, 1);
    assert_eq!(h.st.lost, 1);
    assert_eq!(h.s.held_bytes(), 0);
}

#[test]
fn a_rechunked_message_restarts_its_reassembly() {
    let mut h = H::new();
    h.send_chunks(0, "abcdefgh", 4, &[0], 0);
    h.send_chunks(0, "abcdefgh", 2, &[0, 1, 2, 3], 0);
    assert_eq!(h.events(), ["abcdefgh"]);
    h.send_chunks(0, "abcdefgh", 4, &[1], 0);
    assert_eq!(h.events().len(), 1);
}

#[test]
fn held_bytes_are_capped() {
    let mut h = H::new();
    // 1200 bytes in chunks of 100, cap 1000: abandoned, later chunks ignored, then lost.
    let text = "x".repeat(1200);
    h.send_chunks(0, &text, 100, &(0..12).collect::<Vec<_>>(), 0);
    assert!(h.s.held_bytes() <= 1000);
    h.msg(1, "after", 0);
    assert_eq!(h.events(), ["<lost 1>", "after"]);
    assert_eq!(h.st.reassembly_drops, 1);
}

#[test]
fn heartbeat_reveals_tail_loss() {
    let mut h = H::new();
    h.msg(0, "a", 0);
    h.announce(3, false, 5);
    assert_eq!(h.s.deadline(), Some(h.at(55)));
    h.poll(55);
    assert_eq!(h.events(), ["a", "<lost 2>"]);
    // A later heartbeat with the same seq changes nothing.
    h.announce(3, false, 60);
    h.poll(200);
    assert_eq!(h.st.lost, 2);
}

#[test]
fn heartbeat_overtaking_messages_is_not_loss() {
    let mut h = H::new();
    h.announce(2, false, 0);
    h.msg(0, "a", 1);
    h.msg(1, "b", 2);
    h.poll(100);
    assert_eq!(h.events(), ["a", "b"]);
    assert_eq!(h.st.lost, 0);
}

#[test]
fn bye_ends_the_stream() {
    let mut h = H::new();
    h.msg(0, "a", 0);
    h.announce(2, true, 0);
    assert!(!h.s.ended());
    h.msg(1, "b", 1);
    assert!(h.s.ended());
    h.msg(2, "late", 2);
    h.announce(2, true, 2);
    assert_eq!(h.events(), ["a", "b"]);
    assert_eq!(h.s.deadline(), None);
}

#[test]
fn bye_with_missing_messages_ends_after_the_window() {
    let mut h = H::new();
    h.announce(2, true, 0);
    h.msg(1, "b", 0);
    h.poll(50);
    assert!(h.s.ended());
    assert_eq!(h.events(), ["<lost 1>", "b"]);
}

#[test]
fn sequence_wraps() {
    let mut h = H::new();
    h.s.next = u32::MAX as u64 - 1;
    h.s.seen_end = h.s.next;
    h.msg(u32::MAX - 1, "a", 0);
    h.msg(0, "c", 0);
    h.msg(u32::MAX, "b", 0);
    h.msg(u32::MAX, "b", 0);
    assert_eq!(h.events(), ["a", "b", "c"]);
    assert_eq!(h.st.duplicates, 1);
}

#[test]
fn finish_delivers_what_is_held() {
    let mut h = H::new();
    h.msg(1, "b", 0);
    h.send_chunks(3, "abcd", 2, &[0], 0);
    h.announce(6, false, 0);
    h.s.finish(&mut h.st, &mut h.rec);
    assert_eq!(
        h.events(),
        ["<lost 1>", "b", "<lost 1>", "<lost 1>", "<lost 2>"]
    );
    assert_eq!(h.st.lost, 5);
}

#[test]
fn random_traffic_never_panics_and_stays_bounded() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut h = H::new();
    for i in 0..50_000u64 {
        let hd = Header {
            token: [0; 16],
            kind: DatagramKind::Message,
            maya_type: rng.random_range(0..8),
            seq: if rng.random_bool(0.9) {
                rng.random_range(0..300)
            } else {
                rng.random()
            },
            chunk_index: 0,
            chunk_count: rng.random_range(1..5),
        };
        let hd = Header {
            chunk_index: rng.random_range(0..hd.chunk_count),
            ..hd
        };
        let len = rng.random_range(0..200);
        let payload: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        let now = h.at(i / 10);
        h.s.on_message(&hd, &payload, now, &mut h.st, &mut h.rec);
        if rng.random_bool(0.01) {
            h.s.on_announce(rng.random(), false, now, &mut h.st, &mut h.rec);
        }
        if i % 100 == 0 {
            h.s.poll(now, &mut h.st, &mut h.rec);
        }
        assert!(h.s.held_bytes() <= 1000 + 200);
        assert!(h.s.pending.len() as u64 <= cfg().window + 2);
        h.rec.events.clear();
    }
}
