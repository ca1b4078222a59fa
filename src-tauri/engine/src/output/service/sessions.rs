//! What the service keeps for each session (its line history, counters and
//! [`Liveness`]) and how callers read it.

use std::ops::Range;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::OutputService;
use crate::console::ConsoleLine;
use crate::output::ring::{LineRing, StoredLine};
use crate::output::stats::OutputStats;

/// Whether a session's helper is alive, as seen from its datagrams (no need to
/// hold Maya's commandPort). Watch it with [`OutputService::liveness`]: watchers
/// are woken on each heartbeat, on registration and on the end of the stream;
/// `last_datagram` is updated without waking them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Liveness {
    /// A registration of this session is active.
    pub registered: bool,
    /// When the last heartbeat arrived (None: none since the registration).
    pub last_heartbeat: Option<Instant>,
    /// When the last valid datagram of any kind arrived.
    pub last_datagram: Option<Instant>,
    /// Maya's process id, from the heartbeat.
    pub pid: Option<u32>,
    /// Messages the helper says it dropped because its socket buffer was full.
    pub sender_dropped: u64,
    /// The helper said bye (its callback was removed) and the stream is complete.
    pub ended: bool,
}

pub(crate) struct SessionInner {
    pub ring: LineRing,
    pub stats: OutputStats,
}

pub(crate) struct SessionData {
    pub id: String,
    pub inner: Mutex<SessionInner>,
    pub liveness: watch::Sender<Liveness>,
}

impl OutputService {
    /// Lines the app itself adds to a session's console (the echo of a run, its
    /// result, notices): kept in the session's history and published like Maya's
    /// output, so switching sessions in the UI shows them too.
    pub fn record(&self, session: &str, mut lines: Vec<ConsoleLine>) {
        if lines.is_empty() {
            return;
        }
        let s = self.inner.session(session);
        {
            let mut inner = s.inner.lock().unwrap_or_else(|p| p.into_inner());
            for l in &mut lines {
                l.line = Some(inner.ring.push(StoredLine {
                    kind: l.kind,
                    time_ms: l.time_ms,
                    text: l.text.clone(),
                }));
            }
        }
        self.inner.hub.publish_live(lines);
    }

    /// Up to `max` lines of the session's history from absolute line `from_line`
    /// (0 = its first line ever; lines older than the ring's capacity are gone,
    /// and the result then starts at the oldest line held, see [`OutputService::history_range`]).
    pub fn history(&self, session: &str, from_line: u64, max: usize) -> Vec<ConsoleLine> {
        match self.inner.existing(session) {
            Some(s) => s
                .inner
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .ring
                .range(session, from_line, max),
            None => Vec::new(),
        }
    }

    /// Lines the session produced so far (including the evicted ones and notices).
    pub fn line_count(&self, session: &str) -> u64 {
        self.history_range(session).end
    }

    /// Absolute line numbers still held for the session.
    pub fn history_range(&self, session: &str) -> Range<u64> {
        match self.inner.existing(session) {
            Some(s) => {
                let i = s.inner.lock().unwrap_or_else(|p| p.into_inner());
                i.ring.first()..i.ring.total()
            }
            None => 0..0,
        }
    }

    /// The session's liveness, to watch (created if the session is new).
    pub fn liveness(&self, session: &str) -> watch::Receiver<Liveness> {
        self.inner.session(session).liveness.subscribe()
    }

    /// Time since the session's helper last sent a heartbeat (None: none since it registered).
    pub fn last_heartbeat_age(&self, session: &str) -> Option<Duration> {
        let s = self.inner.existing(session)?;
        let t = s.liveness.borrow().last_heartbeat?;
        Some(t.elapsed())
    }

    /// Counters of all sessions together, plus datagrams no session could claim.
    pub fn stats(&self) -> OutputStats {
        *self.inner.global.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn session_stats(&self, session: &str) -> Option<OutputStats> {
        let s = self.inner.existing(session)?;
        let stats = s.inner.lock().unwrap_or_else(|p| p.into_inner()).stats;
        Some(stats)
    }

    /// Drops a removed session's history, counters and liveness. Call after its
    /// registrations were dropped.
    pub fn forget(&self, session: &str) {
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(session);
    }
}
