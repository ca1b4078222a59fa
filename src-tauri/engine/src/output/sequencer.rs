//! Per-registration message sequencing: reassembles chunked messages, drops
//! duplicates, puts messages back in order within a small window, and declares
//! gaps lost. Pure logic (time is passed in), driven by the listener task.
//!
//! Rules:
//! * Messages are delivered strictly in seq order, each exactly once.
//! * A message that arrives ahead of a missing one is held. The missing one is
//!   declared lost when it is still missing `reorder_timeout` after the first
//!   evidence of the gap (a later message, or a heartbeat/bye announcing a
//!   higher seq), or as soon as more than `window` messages are waiting behind it.
//! * A message whose chunks do not all arrive within `reassembly_timeout` of the
//!   last one that did is dropped (and counted lost) once it blocks the stream;
//!   so is one that would take the held bytes past `max_pending_bytes`.
//! * A bye announces the end: once everything before its seq is delivered or
//!   given up on, the stream has ended; anything arriving later is ignored.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::datagram::Header;
use super::stats::OutputStats;

#[derive(Debug, Clone, Copy)]
pub(crate) struct SeqConfig {
    pub window: u64,
    pub reorder_timeout: Duration,
    pub reassembly_timeout: Duration,
    pub max_pending_bytes: usize,
}

/// Where the sequencer delivers, in order.
pub(crate) trait MessageSink {
    /// One complete message (its UTF-8 bytes, undecoded).
    fn message(&mut self, maya_type: u8, bytes: &[u8]);
    /// `n` messages, at this point of the stream, will never arrive.
    fn lost(&mut self, n: u64);
}

#[derive(Debug)]
enum Pending {
    Complete {
        maya_type: u8,
        data: Vec<u8>,
        arrived: Instant,
    },
    Partial {
        maya_type: u8,
        count: u16,
        chunks: BTreeMap<u16, Vec<u8>>,
        bytes: usize,
        arrived: Instant,
        progress: Instant,
    },
    /// Given up on before it blocked the stream (too large to hold); later chunks are ignored.
    Abandoned { arrived: Instant },
}

impl Pending {
    fn arrived(&self) -> Instant {
        match self {
            Pending::Complete { arrived, .. }
            | Pending::Partial { arrived, .. }
            | Pending::Abandoned { arrived } => *arrived,
        }
    }
    fn bytes(&self) -> usize {
        match self {
            Pending::Complete { data, .. } => data.len(),
            Pending::Partial { bytes, .. } => *bytes,
            Pending::Abandoned { .. } => 0,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Sequencer {
    cfg: SeqConfig,
    /// The next seq to deliver (extended to 64 bits so the u32 wrap is invisible).
    next: u64,
    /// One past the highest message seq seen.
    seen_end: u64,
    /// One past the highest seq a heartbeat or bye said was sent.
    announced_end: u64,
    announced_at: Option<Instant>,
    pending: BTreeMap<u64, Pending>,
    pending_bytes: usize,
    bye_at: Option<u64>,
    ended: bool,
}

impl Sequencer {
    pub fn new(cfg: SeqConfig) -> Self {
        Self {
            cfg,
            next: 0,
            seen_end: 0,
            announced_end: 0,
            announced_at: None,
            pending: BTreeMap::new(),
            pending_bytes: 0,
            bye_at: None,
            ended: false,
        }
    }

    /// A bye was received and everything before it was delivered or given up on.
    pub fn ended(&self) -> bool {
        self.ended
    }

    pub fn held_bytes(&self) -> usize {
        self.pending_bytes
    }

    /// `seq` as a 64-bit position, or None when it is behind the delivery point.
    fn extend(&self, seq: u32) -> Option<u64> {
        let d = seq.wrapping_sub(self.next as u32) as i32;
        if d < 0 {
            None
        } else {
            Some(self.next + d as u64)
        }
    }

    fn horizon(&self) -> u64 {
        self.seen_end.max(self.announced_end)
    }

    pub fn on_message(
        &mut self,
        h: &Header,
        payload: &[u8],
        now: Instant,
        st: &mut OutputStats,
        sink: &mut impl MessageSink,
    ) {
        if self.ended {
            st.duplicates += 1;
            return;
        }
        let Some(ext) = self.extend(h.seq) else {
            st.duplicates += 1;
            return;
        };
        if h.chunk_count == 1 {
            if self.pending.contains_key(&ext) {
                st.duplicates += 1;
                return;
            }
            if ext == self.next {
                // The common case: in order, in one datagram. No copy.
                st.messages += 1;
                sink.message(h.maya_type, payload);
                self.next += 1;
                self.seen_end = self.seen_end.max(self.next);
                if !self.pending.is_empty()
                    || self.announced_end > self.next
                    || self.bye_at.is_some()
                {
                    self.release(now, st, sink);
                }
                return;
            }
            st.reordered += 1;
            self.pending.insert(
                ext,
                Pending::Complete {
                    maya_type: h.maya_type,
                    data: payload.to_vec(),
                    arrived: now,
                },
            );
            self.pending_bytes += payload.len();
        } else {
            let entry = self.pending.entry(ext).or_insert_with(|| {
                if ext > self.next {
                    st.reordered += 1;
                }
                Pending::Partial {
                    maya_type: h.maya_type,
                    count: h.chunk_count,
                    chunks: BTreeMap::new(),
                    bytes: 0,
                    arrived: now,
                    progress: now,
                }
            });
            match entry {
                Pending::Complete { .. } => {
                    st.duplicates += 1;
                    return;
                }
                Pending::Abandoned { .. } => return,
                Pending::Partial { count, .. } if h.chunk_count < *count => {
                    // A chunk of a superseded, coarser chunking.
                    st.duplicates += 1;
                    return;
                }
                Pending::Partial {
                    count,
                    bytes,
                    arrived,
                    ..
                } if h.chunk_count > *count => {
                    // The sender halved its chunk size and re-sent the message: start over.
                    self.pending_bytes -= *bytes;
                    *entry = Pending::Partial {
                        maya_type: h.maya_type,
                        count: h.chunk_count,
                        chunks: BTreeMap::new(),
                        bytes: 0,
                        arrived: *arrived,
                        progress: now,
                    };
                }
                Pending::Partial { .. } => {}
            }
            let Pending::Partial {
                maya_type,
                count,
                chunks,
                bytes,
                arrived,
                progress,
            } = entry
            else {
                unreachable!()
            };
            if chunks.contains_key(&h.chunk_index) {
                st.duplicates += 1;
                return;
            }
            chunks.insert(h.chunk_index, payload.to_vec());
            *bytes += payload.len();
            *progress = now;
            self.pending_bytes += payload.len();
            if chunks.len() == *count as usize {
                let mut data = Vec::with_capacity(*bytes);
                for c in chunks.values() {
                    data.extend_from_slice(c);
                }
                *entry = Pending::Complete {
                    maya_type: *maya_type,
                    data,
                    arrived: *arrived,
                };
            }
        }
        if self.pending_bytes > self.cfg.max_pending_bytes {
            if let Some(e) = self.pending.get_mut(&ext) {
                self.pending_bytes -= e.bytes();
                *e = Pending::Abandoned {
                    arrived: e.arrived(),
                };
                st.reassembly_drops += 1;
            }
        }
        self.seen_end = self.seen_end.max(ext + 1);
        self.release(now, st, sink);
    }

    /// A heartbeat (or bye) saying `next_seq` messages were sent so far.
    pub fn on_announce(
        &mut self,
        next_seq: u32,
        bye: bool,
        now: Instant,
        st: &mut OutputStats,
        sink: &mut impl MessageSink,
    ) {
        if self.ended {
            return;
        }
        let Some(ext) = self.extend(next_seq) else {
            return;
        };
        if ext > self.announced_end {
            self.announced_end = ext;
            self.announced_at = Some(now);
        }
        if bye {
            self.bye_at = Some(ext);
        }
        self.release(now, st, sink);
    }

    /// Gives up on what has waited too long. Call at [`Sequencer::deadline`].
    pub fn poll(&mut self, now: Instant, st: &mut OutputStats, sink: &mut impl MessageSink) {
        self.release(now, st, sink);
    }

    /// When [`Sequencer::poll`] has something to do, if ever.
    pub fn deadline(&self) -> Option<Instant> {
        if self.ended || self.next >= self.horizon() {
            return None;
        }
        match self.pending.get(&self.next) {
            Some(Pending::Partial { progress, .. }) => {
                Some(*progress + self.cfg.reassembly_timeout)
            }
            Some(e) => Some(e.arrived()),
            None => self.gap_since().map(|t| t + self.cfg.reorder_timeout),
        }
    }

    /// When the gap at the head was first evident.
    fn gap_since(&self) -> Option<Instant> {
        let a = self
            .pending
            .range(self.next..)
            .next()
            .map(|(_, e)| e.arrived());
        let b = if self.announced_end > self.next {
            self.announced_at
        } else {
            None
        };
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn release(&mut self, now: Instant, st: &mut OutputStats, sink: &mut impl MessageSink) {
        loop {
            if let Some(entry) = self.pending.first_entry() {
                if *entry.key() == self.next && matches!(entry.get(), Pending::Complete { .. }) {
                    let Pending::Complete {
                        maya_type, data, ..
                    } = entry.remove()
                    else {
                        unreachable!()
                    };
                    self.pending_bytes -= data.len();
                    st.messages += 1;
                    sink.message(maya_type, &data);
                    self.next += 1;
                    continue;
                }
            }
            let horizon = self.horizon();
            if self.next >= horizon {
                break;
            }
            let over_window = horizon - self.next > self.cfg.window;
            match self.pending.get(&self.next) {
                Some(Pending::Partial { progress, .. }) => {
                    if !(over_window || now >= *progress + self.cfg.reassembly_timeout) {
                        break;
                    }
                    let e = self.pending.remove(&self.next).expect("head present");
                    self.pending_bytes -= e.bytes();
                    st.reassembly_drops += 1;
                    st.lost += 1;
                    sink.lost(1);
                    self.next += 1;
                }
                Some(Pending::Abandoned { .. }) => {
                    self.pending.remove(&self.next);
                    st.lost += 1;
                    sink.lost(1);
                    self.next += 1;
                }
                Some(Pending::Complete { .. }) => unreachable!("delivered above"),
                None => {
                    let expired = match self.gap_since() {
                        Some(t) => now >= t + self.cfg.reorder_timeout,
                        None => true,
                    };
                    if !(over_window || expired) {
                        break;
                    }
                    let run_end = self
                        .pending
                        .range(self.next..)
                        .next()
                        .map_or(horizon, |(k, _)| *k);
                    let n = run_end - self.next;
                    st.lost += n;
                    sink.lost(n);
                    self.next = run_end;
                }
            }
        }
        if self.bye_at.is_some_and(|b| self.next >= b) {
            self.end();
        }
    }

    /// Delivers everything held, declaring every gap lost (the registration is going away).
    pub fn finish(&mut self, st: &mut OutputStats, sink: &mut impl MessageSink) {
        if self.ended {
            return;
        }
        while let Some((k, e)) = self.pending.pop_first() {
            if k > self.next {
                st.lost += k - self.next;
                sink.lost(k - self.next);
            }
            match e {
                Pending::Complete {
                    maya_type, data, ..
                } => {
                    st.messages += 1;
                    sink.message(maya_type, &data);
                }
                Pending::Partial { .. } => {
                    st.reassembly_drops += 1;
                    st.lost += 1;
                    sink.lost(1);
                }
                Pending::Abandoned { .. } => {
                    st.lost += 1;
                    sink.lost(1);
                }
            }
            self.next = k + 1;
        }
        let horizon = self.horizon();
        if horizon > self.next {
            st.lost += horizon - self.next;
            sink.lost(horizon - self.next);
            self.next = horizon;
        }
        self.end();
    }

    fn end(&mut self) {
        self.ended = true;
        self.pending.clear();
        self.pending_bytes = 0;
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests;
