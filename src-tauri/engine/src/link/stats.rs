//! The live link's figures per Maya: frames sent and applied, applied per second,
//! latency from a Mosketch frame's arrival to Maya's word that it is applied (so it
//! includes the way back), frames Maya skipped for a newer one, and Maya's
//! main-thread time per applied frame. Bounded memory: recent samples only.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use ts_rs::TS;

const KEEP: usize = 512;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LinkFigures {
    pub frames_sent: u64,
    /// As Maya counts them.
    pub frames_applied: u64,
    pub applied_per_s: f64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    /// Poses Maya replaced by a newer one before its main thread got to them.
    pub superseded: u64,
    pub main_thread_p50_us: Option<f64>,
    pub main_thread_p95_us: Option<f64>,
    /// Mosketch's frame number (since its last Hierarchy) of the last pose sent…
    pub last_frame_sent: u64,
    /// …and of the last pose Maya applied.
    pub last_frame_applied: u64,
}

#[derive(Default)]
pub struct Recorder {
    sent_at: VecDeque<(u32, Instant, u64)>,
    latencies_ms: VecDeque<f64>,
    main_us: VecDeque<f64>,
    applied_at: VecDeque<Instant>,
    frames_sent: u64,
    frames_applied: u64,
    superseded: u64,
    last_frame_sent: u64,
    last_frame_applied: u64,
}

fn push<T>(q: &mut VecDeque<T>, v: T) {
    if q.len() == KEEP {
        q.pop_front();
    }
    q.push_back(v);
}

pub fn percentile(values: impl Iterator<Item = f64>, p: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    Some(v[i])
}

impl Recorder {
    pub fn sent(&mut self, seq: u32, at: Instant, frame: u64) {
        self.frames_sent += 1;
        self.last_frame_sent = frame;
        push(&mut self.sent_at, (seq, at, frame));
    }

    pub fn applied(&mut self, seq: u32, at: Instant, main_s: f64, applied: u32, superseded: u32) {
        if let Some(&(_, sent, frame)) = self.sent_at.iter().rev().find(|(s, _, _)| *s == seq) {
            push(
                &mut self.latencies_ms,
                at.duration_since(sent).as_secs_f64() * 1e3,
            );
            self.last_frame_applied = self.last_frame_applied.max(frame);
        }
        push(&mut self.main_us, main_s * 1e6);
        push(&mut self.applied_at, at);
        self.frames_applied = applied as u64;
        self.superseded = superseded as u64;
    }

    pub fn figures(&self) -> LinkFigures {
        let window = Duration::from_secs(1);
        let now = Instant::now();
        let recent = self
            .applied_at
            .iter()
            .filter(|t| now.duration_since(**t) <= window)
            .count();
        LinkFigures {
            frames_sent: self.frames_sent,
            frames_applied: self.frames_applied,
            applied_per_s: recent as f64,
            latency_p50_ms: percentile(self.latencies_ms.iter().copied(), 0.5),
            latency_p95_ms: percentile(self.latencies_ms.iter().copied(), 0.95),
            superseded: self.superseded,
            main_thread_p50_us: percentile(self.main_us.iter().copied(), 0.5),
            main_thread_p95_us: percentile(self.main_us.iter().copied(), 0.95),
            last_frame_sent: self.last_frame_sent,
            last_frame_applied: self.last_frame_applied,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_pairs_a_sent_frame_with_its_applied_word() {
        let mut r = Recorder::default();
        let t0 = Instant::now();
        r.sent(1, t0, 10);
        r.sent(2, t0 + Duration::from_millis(5), 11);
        r.applied(2, t0 + Duration::from_millis(8), 0.0002, 1, 1);
        let f = r.figures();
        assert_eq!(f.frames_sent, 2);
        assert_eq!(f.frames_applied, 1);
        assert_eq!(f.superseded, 1);
        assert!((f.latency_p95_ms.unwrap() - 3.0).abs() < 1e-6, "{f:?}");
        assert!((f.main_thread_p50_us.unwrap() - 200.0).abs() < 1e-6);
        assert_eq!((f.last_frame_sent, f.last_frame_applied), (11, 11));
        // An applied word for a frame we never sent adds no latency sample.
        r.applied(99, t0, 0.0, 2, 1);
        assert!((r.figures().latency_p50_ms.unwrap() - 3.0).abs() < 1e-6);
    }

    #[test]
    fn memory_is_bounded() {
        let mut r = Recorder::default();
        let t = Instant::now();
        for i in 0..10_000u32 {
            r.sent(i, t, i as u64);
            r.applied(i, t, 0.0, i, 0);
        }
        assert!(
            r.sent_at.len() <= KEEP && r.latencies_ms.len() <= KEEP && r.applied_at.len() <= KEEP
        );
    }
}
