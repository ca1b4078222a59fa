//! Stream statistics: frames/s over a sliding second, ack latency percentiles over the
//! recent frames, last-frame age, and the counts of partial, unknown and malformed packets.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use ts_rs::TS;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StreamStats {
    /// JointsStream frames received since the session started (all connections).
    pub frames: u64,
    /// Over the last second.
    pub frames_per_second: f64,
    /// From a frame's last byte being decoded to its JointsStreamAck being written.
    pub ack_latency_p50_us: Option<f64>,
    pub ack_latency_p99_us: Option<f64>,
    /// How many recent frames the percentiles cover.
    pub ack_latency_samples: u32,
    pub last_frame_age_ms: Option<u64>,
    /// Frames that carried only some of the hierarchy's joints.
    pub partial: u64,
    pub malformed: u64,
    /// Packets with a Type we do not know (Mosketch may grow new ones).
    pub unknown: u64,
    pub reconnects: u64,
    pub last_unknown_type: Option<String>,
    pub last_malformed: Option<String>,
}

pub(crate) struct StatsRecorder {
    pub stats: StreamStats,
    window: VecDeque<Instant>,
    latencies_ns: Vec<u32>,
    next_latency: usize,
    capacity: usize,
    last_frame: Option<Instant>,
    /// New latency samples since the percentiles were last computed (an idle
    /// stream's refreshes then cost no sort).
    latencies_changed: bool,
}

const FPS_WINDOW: Duration = Duration::from_secs(1);

impl StatsRecorder {
    pub fn new(latency_samples: usize) -> Self {
        let capacity = latency_samples.max(1);
        Self {
            stats: StreamStats::default(),
            window: VecDeque::new(),
            latencies_ns: Vec::with_capacity(capacity.min(1 << 20)),
            next_latency: 0,
            capacity,
            last_frame: None,
            latencies_changed: false,
        }
    }

    pub fn ack_written(&mut self, latency: Duration) {
        let ns = latency.as_nanos().min(u32::MAX as u128) as u32;
        self.latencies_changed = true;
        if self.latencies_ns.len() < self.capacity {
            self.latencies_ns.push(ns);
        } else {
            self.latencies_ns[self.next_latency] = ns;
            self.next_latency = (self.next_latency + 1) % self.capacity;
        }
    }

    pub fn frame(&mut self, at: Instant, partial: bool) {
        self.stats.frames += 1;
        if partial {
            self.stats.partial += 1;
        }
        self.last_frame = Some(at);
        self.window.push_back(at);
        self.trim(at);
    }

    /// A frame counted by [`StatsRecorder::frame`] on arrival, found partial when typed later.
    pub fn partial_frame(&mut self) {
        self.stats.partial += 1;
    }

    pub fn malformed(&mut self, reason: &str) {
        self.stats.malformed += 1;
        self.stats.last_malformed = Some(reason.chars().take(200).collect());
    }

    pub fn unknown(&mut self, ty: &str) {
        self.stats.unknown += 1;
        self.stats.last_unknown_type = Some(ty.chars().take(100).collect());
    }

    /// Frames/s is not settled yet: a frame came within the last window (or since the
    /// last refresh), so the rate still changes as time passes.
    pub fn rate_is_moving(&self) -> bool {
        !self.window.is_empty() || self.stats.frames_per_second != 0.0
    }

    fn trim(&mut self, now: Instant) {
        while self
            .window
            .front()
            .is_some_and(|t| now.duration_since(*t) > FPS_WINDOW)
        {
            self.window.pop_front();
        }
    }

    /// Recomputes the derived figures (percentiles, rate, age) as of `now`.
    pub fn refresh(&mut self, now: Instant) -> &StreamStats {
        self.trim(now);
        let s = &mut self.stats;
        s.frames_per_second = match (self.window.front(), self.window.len()) {
            (Some(first), n) if n >= 2 => {
                // Span from the oldest frame in the window to now, so a stopped stream decays.
                (n - 1) as f64 / now.duration_since(*first).as_secs_f64().max(1e-6)
            }
            _ => 0.0,
        };
        s.last_frame_age_ms = self
            .last_frame
            .map(|t| now.duration_since(t).as_millis() as u64);
        if std::mem::take(&mut self.latencies_changed) {
            let (p50, p99) = percentiles(&self.latencies_ns);
            s.ack_latency_p50_us = p50;
            s.ack_latency_p99_us = p99;
            s.ack_latency_samples = self.latencies_ns.len() as u32;
        }
        &self.stats
    }
}

/// p50 and p99 in microseconds (nearest-rank).
pub fn percentiles(samples_ns: &[u32]) -> (Option<f64>, Option<f64>) {
    if samples_ns.is_empty() {
        return (None, None);
    }
    let mut v = samples_ns.to_vec();
    let n = v.len();
    let rank = |p: f64| (((p * n as f64).ceil() as usize).max(1) - 1).min(n - 1);
    let p50 = *v.select_nth_unstable(rank(0.50)).1;
    let p99 = *v.select_nth_unstable(rank(0.99)).1;
    (Some(p50 as f64 / 1000.0), Some(p99 as f64 / 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentiles(&v), (Some(50.0), Some(99.0)));
        assert_eq!(percentiles(&[]), (None, None));
        assert_eq!(percentiles(&[7000]), (Some(7.0), Some(7.0)));
    }

    #[test]
    fn latency_ring_keeps_the_most_recent() {
        let mut r = StatsRecorder::new(4);
        for us in [100, 100, 100, 100, 1, 1, 1, 1] {
            r.ack_written(Duration::from_micros(us));
        }
        let s = r.refresh(Instant::now());
        assert_eq!(s.ack_latency_p99_us, Some(1.0));
        assert_eq!(s.ack_latency_samples, 4);
    }

    #[test]
    fn frame_rate_over_the_window() {
        let mut r = StatsRecorder::new(16);
        let t0 = Instant::now();
        for i in 0..=60 {
            r.frame(t0 + Duration::from_millis(i * 10), i % 2 == 0);
        }
        let s = r.refresh(t0 + Duration::from_millis(600));
        assert!(
            (s.frames_per_second - 100.0).abs() < 1.0,
            "{}",
            s.frames_per_second
        );
        assert_eq!(s.frames, 61);
        assert_eq!(s.partial, 31);
        assert_eq!(s.last_frame_age_ms, Some(0));
        // Five seconds later the stream has stopped: no rate, a large age.
        let s = r.refresh(t0 + Duration::from_secs(5));
        assert_eq!(s.frames_per_second, 0.0);
        assert_eq!(s.last_frame_age_ms, Some(4400));
    }
}
