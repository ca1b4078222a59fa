//! Fuzzing entry point (not API; `fuzz/fuzz_targets/output_sequencer.rs`): drives a
//! [`Sequencer`] with datagrams and clock steps the way the listener does, so the
//! reassembly and reordering logic sees arbitrary, hostile streams.

use std::time::{Duration, Instant};

use super::datagram::{self, DatagramKind};
use super::sequencer::{MessageSink, SeqConfig, Sequencer};
use super::stats::OutputStats;

#[derive(Default)]
struct Count {
    messages: u64,
    bytes: usize,
}

impl MessageSink for Count {
    fn message(&mut self, _maya_type: u8, bytes: &[u8]) {
        self.messages += 1;
        self.bytes += bytes.len();
    }
    fn lost(&mut self, _n: u64) {}
}

const MAX_PENDING: usize = 64 * 1024;

/// `data` is a list of steps, each `[op, millis, len_lo, len_hi, bytes[len]...]`:
/// op % 4 = 0 a datagram (`bytes`) as the listener dispatches it, 1 a poll, 2 a poll at
/// the sequencer's deadline, 3 the registration's end (then the run stops). `millis`
/// advances the clock first. Panics if the held bytes ever exceed the configured bound.
pub fn sequencer(mut data: &[u8]) {
    let cfg = SeqConfig {
        window: 32,
        reorder_timeout: Duration::from_millis(50),
        reassembly_timeout: Duration::from_millis(200),
        max_pending_bytes: MAX_PENDING,
    };
    let mut seq = Sequencer::new(cfg);
    let mut st = OutputStats::default();
    let mut sink = Count::default();
    let mut now = Instant::now();
    let mut announced = None;
    while data.len() >= 4 {
        let (op, ms) = (data[0], data[1]);
        let len = (u16::from_le_bytes([data[2], data[3]]) as usize).min(data.len() - 4);
        let bytes = &data[4..4 + len];
        data = &data[4 + len..];
        now += Duration::from_millis(ms as u64);
        match op % 4 {
            0 => match datagram::parse(bytes) {
                Ok(d) => match d.header.kind {
                    DatagramKind::Message => {
                        seq.on_message(&d.header, d.payload, now, &mut st, &mut sink)
                    }
                    DatagramKind::Batch => {
                        if let Some(entries) = datagram::batch_entries(d.payload) {
                            for e in entries {
                                let h = e.message_header(d.header.token);
                                seq.on_message(&h, e.bytes, now, &mut st, &mut sink);
                            }
                        }
                    }
                    DatagramKind::Heartbeat => {
                        if let Some(previous) = announced.replace(d.header.seq) {
                            seq.on_announce(previous, false, now, &mut st, &mut sink);
                        }
                    }
                    DatagramKind::Bye => {
                        seq.on_announce(d.header.seq, true, now, &mut st, &mut sink)
                    }
                },
                Err(_) => st.malformed += 1,
            },
            1 => seq.poll(now, &mut st, &mut sink),
            2 => {
                if let Some(d) = seq.deadline() {
                    now = now.max(d);
                    seq.poll(now, &mut st, &mut sink);
                }
            }
            _ => {
                seq.finish(&mut st, &mut sink);
                return;
            }
        }
        assert!(
            seq.held_bytes() <= MAX_PENDING,
            "held {} bytes, bound {MAX_PENDING}",
            seq.held_bytes()
        );
    }
    seq.finish(&mut st, &mut sink);
}
