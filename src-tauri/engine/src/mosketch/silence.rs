//! Tells a Mosketch that went quiet mid-stream (connection open, no frames) from a
//! live one: after `after` without a frame the artist is told once, and told again
//! when frames come back. Pure bookkeeping; the session owns the clock and the status.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct SilenceWatch {
    after: Duration,
    last_frame: Option<Instant>,
    reported: bool,
}

impl SilenceWatch {
    pub fn new(after: Duration) -> Self {
        Self {
            after,
            last_frame: None,
            reported: false,
        }
    }

    /// A frame arrived. `Some(message)` when it ends a reported silence.
    pub fn frame(&mut self, now: Instant) -> Option<String> {
        let gap = self.last_frame.map(|t| now.saturating_duration_since(t));
        self.last_frame = Some(now);
        if !std::mem::take(&mut self.reported) {
            return None;
        }
        Some(format!(
            "Mosketch is streaming again (after {:.1} s without frames).",
            gap.unwrap_or_default().as_secs_f64()
        ))
    }

    /// `Some(message)` the first time the stream has been silent for `after` since its
    /// last frame (never before the first frame: a handshake has its own timeout).
    pub fn check(&mut self, now: Instant) -> Option<String> {
        let last = self.last_frame?;
        let quiet = now.saturating_duration_since(last);
        if self.reported || quiet < self.after {
            return None;
        }
        self.reported = true;
        Some(format!(
            "Mosketch stopped sending frames {:.0} s ago (the connection is still open): it may \
             be paused, busy or frozen. The last pose stays; streaming resumes by itself when \
             frames come again.",
            quiet.as_secs_f64()
        ))
    }

    /// When [`SilenceWatch::check`] will next have something to say (none before the
    /// first frame or once said): the session sleeps until then instead of polling.
    pub fn deadline(&self) -> Option<Instant> {
        self.last_frame
            .filter(|_| !self.reported)
            .map(|t| t + self.after)
    }

    /// The silence was reported and has not ended yet.
    pub fn is_reported(&self) -> bool {
        self.reported
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_is_reported_once_and_its_end_once() {
        let t0 = Instant::now();
        let mut w = SilenceWatch::new(Duration::from_secs(3));
        assert_eq!(w.check(t0 + Duration::from_secs(60)), None, "no frame yet");
        assert_eq!(w.frame(t0), None);
        assert_eq!(w.deadline(), Some(t0 + Duration::from_secs(3)));
        assert_eq!(w.check(t0 + Duration::from_millis(2900)), None);
        let m = w.check(t0 + Duration::from_secs(3)).unwrap();
        assert!(
            m.starts_with("Mosketch stopped sending frames 3 s ago"),
            "{m}"
        );
        assert!(w.is_reported());
        assert_eq!(
            w.deadline(),
            None,
            "nothing more to say until a frame comes"
        );
        assert_eq!(w.check(t0 + Duration::from_secs(9)), None, "said once");
        let back = w.frame(t0 + Duration::from_secs(10)).unwrap();
        assert!(back.contains("streaming again (after 10.0 s"), "{back}");
        assert_eq!(w.frame(t0 + Duration::from_secs(11)), None);
    }
}
