//! Property tests of the chunking round trip: messages cut into datagrams the way
//! the helper cuts them (chunks, a re-send with half the chunk size, batches,
//! heartbeats, a bye), then lost, duplicated and reordered on the way, parsed and
//! fed to the [`Sequencer`] the way the listener feeds it.
//!
//! What the sequencer promises, checked on every run:
//! * Messages come out strictly in seq order, each at most once, byte for byte
//!   and with their Maya type; a gap is reported as `lost(n)` at its place (so
//!   counting messages and losses gives every message's position).
//! * Nothing is invented: every delivered message was sent, whole.
//! * The bytes it holds never exceed `max_pending_bytes`.
//! * Once the bye is in and the timeouts are over, every seq before it was
//!   either delivered or declared lost, and the stream has ended.
//! * With a window and timeouts wider than the whole exchange, every message
//!   whose datagrams all arrived (at least once, in any order) is delivered.

use super::*;
use crate::output::datagram::{
    batch_entries, encode, encode_bye, encode_heartbeat, encode_message, parse, push_batch_entry,
    DatagramKind, Token,
};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeSet, HashMap};

const TOKEN: Token = [9; 16];

#[derive(Debug, Clone)]
struct Msg {
    maya_type: u8,
    text: String,
    chunk: usize,
    /// Sent again with half the chunk size (what the helper does after `EMSGSIZE`).
    resend_halved: bool,
    /// Sent inside a batch datagram (when it fits in one chunk).
    batched: bool,
}

fn msg(resends: bool) -> impl Strategy<Value = Msg> {
    (
        0u8..8,
        prop::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter),
        1usize..20,
        any::<bool>(),
        prop::bool::weighted(0.3),
    )
        .prop_map(move |(maya_type, text, chunk, resend, batched)| Msg {
            maya_type,
            text,
            chunk,
            resend_halved: resends && resend,
            batched,
        })
}

/// How the network treats the datagrams: each is lost, delivered once, or
/// duplicated, each copy delayed by a random jitter (which reorders them).
#[derive(Debug, Clone)]
struct Net {
    seed: u64,
    loss_percent: u32,
    dup_percent: u32,
    /// Milliseconds between two datagrams sent.
    step_ms: u64,
    max_jitter_ms: u64,
    /// A heartbeat after every this many messages (0: none).
    heartbeat_every: usize,
    lose_bye: bool,
}

prop_compose! {
    fn net(max_loss: u32)(
        seed in any::<u64>(),
        loss_percent in 0..=max_loss,
        dup_percent in 0u32..40,
        step_ms in 0u64..3,
        max_jitter_ms in 0u64..120,
        heartbeat_every in 0usize..6,
        lose_bye in prop::bool::weighted(if max_loss > 0 { 0.2 } else { 0.0 }),
    ) -> Net {
        Net {
            seed,
            loss_percent,
            dup_percent,
            step_ms,
            max_jitter_ms,
            heartbeat_every,
            lose_bye,
        }
    }
}

fn seq_config() -> impl Strategy<Value = SeqConfig> {
    (
        1u64..64,
        1u64..80,
        1u64..150,
        prop_oneof![Just(1usize << 20), 20usize..400],
    )
        .prop_map(
            |(window, reorder, reassembly, max_pending_bytes)| SeqConfig {
                window,
                reorder_timeout: Duration::from_millis(reorder),
                reassembly_timeout: Duration::from_millis(reassembly),
                max_pending_bytes,
            },
        )
}

/// The datagrams in the order the helper sends them; the bye is last.
fn datagrams(msgs: &[Msg], heartbeat_every: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut batch = Vec::new();
    let flush = |batch: &mut Vec<u8>, out: &mut Vec<Vec<u8>>| {
        if !batch.is_empty() {
            let h = Header {
                token: TOKEN,
                kind: DatagramKind::Batch,
                maya_type: 0,
                seq: 0,
                chunk_index: 0,
                chunk_count: 1,
            };
            out.push(encode(&h, batch));
            batch.clear();
        }
    };
    for (i, m) in msgs.iter().enumerate() {
        let seq = i as u32;
        let bytes = m.text.as_bytes();
        if m.batched && bytes.len() <= m.chunk {
            push_batch_entry(&mut batch, seq, m.maya_type, bytes);
            if batch.len() > 48 {
                flush(&mut batch, &mut out);
            }
        } else {
            flush(&mut batch, &mut out);
            let first = encode_message(&TOKEN, seq, m.maya_type, bytes, m.chunk);
            let count = first.len();
            out.extend(first);
            if m.resend_halved && m.chunk >= 2 && count > 1 {
                out.extend(encode_message(&TOKEN, seq, m.maya_type, bytes, m.chunk / 2));
            }
        }
        if heartbeat_every > 0 && (i + 1) % heartbeat_every == 0 {
            flush(&mut batch, &mut out);
            out.push(encode_heartbeat(
                &TOKEN,
                seq + 1,
                br#"{"pid":1,"dropped":0}"#,
            ));
        }
    }
    flush(&mut batch, &mut out);
    out.push(encode_bye(&TOKEN, msgs.len() as u32));
    out
}

/// What reaches the listener: (milliseconds after the start, datagram), in arrival order.
fn through_network(sent: Vec<Vec<u8>>, net: &Net) -> Vec<(u64, Vec<u8>)> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(net.seed);
    let last = sent.len() - 1;
    let mut arrivals = Vec::new();
    for (i, d) in sent.into_iter().enumerate() {
        let lost = if i == last {
            net.lose_bye
        } else {
            rng.random_range(0..100) < net.loss_percent
        };
        if lost {
            continue;
        }
        let copies = if rng.random_range(0..100) < net.dup_percent {
            rng.random_range(2..=3)
        } else {
            1
        };
        for _ in 0..copies {
            let at = i as u64 * net.step_ms + rng.random_range(0..=net.max_jitter_ms);
            arrivals.push((at, d.clone()));
        }
    }
    // Stable: datagrams due at the same time keep their sending order.
    arrivals.sort_by_key(|(at, _)| *at);
    arrivals
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Message(u8, Vec<u8>),
    Lost(u64),
}

#[derive(Default)]
struct Rec(Vec<Event>);

impl MessageSink for Rec {
    fn message(&mut self, maya_type: u8, bytes: &[u8]) {
        self.0.push(Event::Message(maya_type, bytes.to_vec()));
    }
    fn lost(&mut self, n: u64) {
        self.0.push(Event::Lost(n));
    }
}

struct Run {
    events: Vec<Event>,
    stats: OutputStats,
    ended: bool,
    bye_arrived: bool,
    /// seq → the chunk indices that arrived, per chunk count (a batch entry is chunk 0 of 1).
    received: HashMap<u32, HashMap<u16, BTreeSet<u16>>>,
}

/// Feeds the arrivals to a sequencer as the listener does (its timer polls when
/// a deadline passes), then lets every timeout expire and finishes.
fn run(cfg: SeqConfig, arrivals: &[(u64, Vec<u8>)]) -> Result<Run, TestCaseError> {
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let mut s = Sequencer::new(cfg);
    let mut st = OutputStats::default();
    let mut rec = Rec::default();
    let mut received: HashMap<u32, HashMap<u16, BTreeSet<u16>>> = HashMap::new();
    let mut bye_arrived = false;
    for (ms, bytes) in arrivals {
        let now = at(*ms);
        if s.deadline().is_some_and(|d| d <= now) {
            s.poll(now, &mut st, &mut rec);
        }
        let d = parse(bytes).map_err(|e| TestCaseError::fail(format!("unparsable: {e}")))?;
        prop_assert_eq!(d.header.token, TOKEN);
        match d.header.kind {
            DatagramKind::Message => {
                received
                    .entry(d.header.seq)
                    .or_default()
                    .entry(d.header.chunk_count)
                    .or_default()
                    .insert(d.header.chunk_index);
                s.on_message(&d.header, d.payload, now, &mut st, &mut rec);
            }
            DatagramKind::Batch => {
                let entries =
                    batch_entries(d.payload).ok_or_else(|| TestCaseError::fail("bad batch"))?;
                for e in entries {
                    received
                        .entry(e.seq)
                        .or_default()
                        .entry(1)
                        .or_default()
                        .insert(0);
                    let h = e.message_header(d.header.token);
                    s.on_message(&h, e.bytes, now, &mut st, &mut rec);
                }
            }
            DatagramKind::Heartbeat => s.on_announce(d.header.seq, false, now, &mut st, &mut rec),
            DatagramKind::Bye => {
                bye_arrived = true;
                s.on_announce(d.header.seq, true, now, &mut st, &mut rec);
            }
        }
        prop_assert!(
            s.held_bytes() <= cfg.max_pending_bytes,
            "holds {} bytes, more than the cap of {}",
            s.held_bytes(),
            cfg.max_pending_bytes
        );
    }
    // Every timeout over: whatever is still missing is lost.
    let last = arrivals.last().map_or(0, |(ms, _)| *ms);
    let late = at(last) + Duration::from_secs(7200);
    s.poll(late, &mut st, &mut rec);
    let ended_by_bye = s.ended();
    s.finish(&mut st, &mut rec);
    Ok(Run {
        events: rec.0,
        stats: st,
        ended: ended_by_bye,
        bye_arrived,
        received,
    })
}

/// Checks the order, contents and accounting of what came out; returns the
/// positions (seqs) delivered.
fn check_delivery(msgs: &[Msg], r: &Run) -> Result<BTreeSet<u32>, TestCaseError> {
    let mut pos = 0u64;
    let mut delivered = BTreeSet::new();
    let mut lost_total = 0;
    for e in &r.events {
        match e {
            Event::Message(t, bytes) => {
                prop_assert!(
                    (pos as usize) < msgs.len(),
                    "a message delivered past the last one sent"
                );
                let m = &msgs[pos as usize];
                prop_assert_eq!(*t, m.maya_type, "type of message {}", pos);
                prop_assert_eq!(
                    bytes.as_slice(),
                    m.text.as_bytes(),
                    "bytes of message {}",
                    pos
                );
                delivered.insert(pos as u32);
                pos += 1;
            }
            Event::Lost(n) => {
                prop_assert!(*n > 0, "a loss of 0 messages was reported");
                lost_total += n;
                pos += n;
            }
        }
    }
    prop_assert_eq!(r.stats.messages, delivered.len() as u64);
    prop_assert_eq!(r.stats.lost, lost_total);
    if r.bye_arrived {
        prop_assert!(r.ended, "the bye arrived but the stream did not end");
        prop_assert_eq!(
            pos,
            msgs.len() as u64,
            "every seq before the bye is accounted for"
        );
    } else {
        prop_assert!(pos <= msgs.len() as u64);
    }
    Ok(delivered)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any loss, duplication, reordering and timing, any window, timeouts and cap.
    #[test]
    fn delivery_is_in_order_exact_and_accounted(
        msgs in prop::collection::vec(msg(true), 0..30),
        net in net(40),
        cfg in seq_config(),
    ) {
        let arrivals = through_network(datagrams(&msgs, net.heartbeat_every), &net);
        let r = run(cfg, &arrivals)?;
        check_delivery(&msgs, &r)?;
    }

    /// With a window and timeouts wider than the whole exchange, exactly the
    /// messages whose datagrams all arrived are delivered; with no loss, all are.
    #[test]
    fn every_message_that_arrived_whole_is_delivered(
        msgs in prop::collection::vec(msg(false), 0..30),
        net in net(30),
    ) {
        let cfg = SeqConfig {
            window: 1 << 20,
            reorder_timeout: Duration::from_secs(3600),
            reassembly_timeout: Duration::from_secs(3600),
            max_pending_bytes: 1 << 20,
        };
        let arrivals = through_network(datagrams(&msgs, net.heartbeat_every), &net);
        let r = run(cfg, &arrivals)?;
        let delivered = check_delivery(&msgs, &r)?;
        let whole: BTreeSet<u32> = (0..msgs.len() as u32)
            .filter(|seq| {
                r.received.get(seq).is_some_and(|by_count| {
                    by_count
                        .iter()
                        .any(|(count, got)| got.len() == *count as usize)
                })
            })
            .collect();
        prop_assert_eq!(&delivered, &whole);
        if net.loss_percent == 0 && !net.lose_bye {
            prop_assert_eq!(delivered.len(), msgs.len());
            prop_assert!(r.events.iter().all(|e| matches!(e, Event::Message(..))));
            prop_assert_eq!(r.stats.lost, 0);
        }
    }
}
