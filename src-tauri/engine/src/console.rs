//! Console lines: the typed unit of output every console (app, CLI) shows.
//! Maya's message types, the echo of what was run, and the app's own notices
//! all become `ConsoleLine`s, delivered to subscribers in `ConsoleBatch`es.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LineKind {
    /// Ordinary script output (`print`). Maya sends it as kDisplay or kInfo, depending on version.
    Output,
    /// Maya's kHistory: the echo of commands Maya ran.
    History,
    Info,
    Warning,
    Error,
    /// A command's result (kResult, or the value a run returned).
    Result,
    StackTrace,
    /// What the user ran from Mayalink, echoed before its output.
    Echo,
    /// Mayalink's own notices (connected, n messages lost, cleaned up).
    Notice,
}

impl LineKind {
    /// Maps Maya's `MCommandMessage` message type. Unknown codes stay visible as output.
    pub fn from_maya_type(t: u8) -> Self {
        match t {
            0 => LineKind::History,
            1 | 2 => LineKind::Output,
            3 => LineKind::Warning,
            4 => LineKind::Error,
            5 => LineKind::Result,
            6 => LineKind::StackTrace,
            _ => LineKind::Output,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConsoleLine {
    /// Session the line belongs to ("app" for the app's global notices).
    pub session: String,
    pub kind: LineKind,
    pub text: String,
    /// Milliseconds since the Unix epoch, when the line reached the app.
    pub time_ms: u64,
    /// The line's absolute number in its session's history, for lines the output
    /// service keeps (a Maya session's): a client that receives live lines and also
    /// fetches the history tells the same line apart exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub line: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ConsoleBatch {
    pub lines: Vec<ConsoleLine>,
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl ConsoleLine {
    pub fn new(session: impl Into<String>, kind: LineKind, text: impl Into<String>) -> Self {
        Self {
            session: session.into(),
            kind,
            text: text.into(),
            time_ms: now_ms(),
            line: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maya_types_map_to_kinds() {
        assert_eq!(LineKind::from_maya_type(1), LineKind::Output);
        assert_eq!(LineKind::from_maya_type(2), LineKind::Output);
        assert_eq!(LineKind::from_maya_type(3), LineKind::Warning);
        assert_eq!(LineKind::from_maya_type(4), LineKind::Error);
        assert_eq!(LineKind::from_maya_type(6), LineKind::StackTrace);
        assert_eq!(LineKind::from_maya_type(42), LineKind::Output);
    }

    #[test]
    fn line_serializes_camel_case() {
        let l = ConsoleLine {
            session: "s".into(),
            kind: LineKind::StackTrace,
            text: "t".into(),
            time_ms: 5,
            line: None,
        };
        let v = serde_json::to_value(&l).unwrap();
        assert_eq!(v["kind"], "stack_trace");
        assert_eq!(v["timeMs"], 5);
        assert!(v.get("line").is_none());
        let numbered = ConsoleLine { line: Some(7), ..l };
        assert_eq!(serde_json::to_value(&numbered).unwrap()["line"], 7);
    }
}

/// Where console lines meet their subscribers. Producers (Maya output listeners,
/// sessions, the app) publish batches; each subscriber (a UI channel, the CLI)
/// drains them at its own pace through [`forward_batched`].
#[derive(Clone)]
pub struct ConsoleHub {
    tx: tokio::sync::broadcast::Sender<std::sync::Arc<Vec<ConsoleLine>>>,
    /// Recent lines, replayed to a subscriber that attaches late (the UI after a
    /// reload, or after the app's first notices were published).
    recent: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<ConsoleLine>>>,
    recent_cap: usize,
}

impl Default for ConsoleHub {
    fn default() -> Self {
        Self::new(4096, 50_000)
    }
}

impl ConsoleHub {
    /// `capacity` is in batches; a subscriber that falls further behind is told how
    /// many lines it missed instead of slowing the producers down. `recent_cap`
    /// lines are kept for late subscribers.
    pub fn new(capacity: usize, recent_cap: usize) -> Self {
        Self {
            tx: tokio::sync::broadcast::channel(capacity).0,
            recent: Default::default(),
            recent_cap,
        }
    }

    pub fn publish(&self, lines: Vec<ConsoleLine>) {
        if lines.is_empty() {
            return;
        }
        // Record and send under one lock so a concurrent subscriber sees every
        // line exactly once: either in its replay or on its receiver.
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        recent.extend(lines.iter().cloned());
        let excess = recent.len().saturating_sub(self.recent_cap);
        recent.drain(..excess);
        let _ = self.tx.send(std::sync::Arc::new(lines));
    }

    /// Publishes lines whose history is kept elsewhere (a Maya session's lines
    /// live in the output service's per-session ring, which the UI pages through):
    /// they go to subscribers but not into the hub's replay buffer, so a client
    /// that replays and then fetches a session's history never gets them twice.
    pub fn publish_live(&self, lines: Vec<ConsoleLine>) {
        if !lines.is_empty() {
            let _ = self.tx.send(std::sync::Arc::new(lines));
        }
    }

    /// A receiver plus the recent lines published before it existed.
    pub fn subscribe_with_recent(
        &self,
    ) -> (
        Vec<ConsoleLine>,
        tokio::sync::broadcast::Receiver<std::sync::Arc<Vec<ConsoleLine>>>,
    ) {
        let recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        (recent.iter().cloned().collect(), self.tx.subscribe())
    }

    pub fn notice(&self, session: &str, text: impl Into<String>) {
        self.publish(vec![ConsoleLine::new(session, LineKind::Notice, text)]);
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<std::sync::Arc<Vec<ConsoleLine>>> {
        self.tx.subscribe()
    }
}

/// Coalesces everything published into at most one batch per `period` (one
/// display frame in the app) and hands it to `sink`. Ends when the hub is gone or
/// `sink` returns false (the UI went away).
pub async fn forward_batched(
    mut rx: tokio::sync::broadcast::Receiver<std::sync::Arc<Vec<ConsoleLine>>>,
    period: std::time::Duration,
    mut sink: impl FnMut(ConsoleBatch) -> bool,
) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        // Wait for the first lines, then give the frame time to fill.
        let first = match rx.recv().await {
            Ok(b) => b,
            Err(RecvError::Lagged(n)) => std::sync::Arc::new(vec![lagged_notice(n)]),
            Err(RecvError::Closed) => return,
        };
        let mut lines: Vec<ConsoleLine> = first.as_ref().clone();
        let deadline = tokio::time::Instant::now() + period;
        let mut closed = false;
        loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Err(_) => break,
                Ok(Ok(b)) => lines.extend(b.iter().cloned()),
                Ok(Err(RecvError::Lagged(n))) => lines.push(lagged_notice(n)),
                Ok(Err(RecvError::Closed)) => {
                    closed = true;
                    break;
                }
            }
        }
        // A burst (a script printing a million lines) leaves in pieces: one huge
        // message would stall the transport and the page that parses it.
        while lines.len() > MAX_BATCH_LINES {
            let rest = lines.split_off(MAX_BATCH_LINES);
            if !sink(ConsoleBatch { lines }) {
                return;
            }
            lines = rest;
        }
        if !sink(ConsoleBatch { lines }) || closed {
            return;
        }
    }
}

/// The most lines one batch carries (a few MB of JSON at most).
pub const MAX_BATCH_LINES: usize = 5_000;

fn lagged_notice(batches: u64) -> ConsoleLine {
    ConsoleLine::new(
        "app",
        LineKind::Notice,
        format!("The console fell behind: {batches} batches of output were skipped (they remain in the session history)."),
    )
}

#[cfg(test)]
mod hub_tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_burst_leaves_in_batches_of_bounded_size_in_order() {
        let hub = ConsoleHub::default();
        let (_, rx) = hub.subscribe_with_recent();
        let n = MAX_BATCH_LINES * 2 + 7;
        hub.publish(
            (0..n)
                .map(|i| ConsoleLine::new("m", LineKind::Output, i.to_string()))
                .collect(),
        );
        let (tx, mut out) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(forward_batched(rx, Duration::from_millis(10), move |b| {
            tx.send(b).is_ok()
        }));
        let mut seen = 0;
        while seen < n {
            let b = tokio::time::timeout(Duration::from_secs(2), out.recv())
                .await
                .unwrap()
                .unwrap();
            assert!(b.lines.len() <= MAX_BATCH_LINES);
            for l in &b.lines {
                assert_eq!(l.text, seen.to_string());
                seen += 1;
            }
        }
    }

    #[tokio::test]
    async fn lines_published_within_a_frame_arrive_as_one_batch() {
        let hub = ConsoleHub::new(64, 100);
        let rx = hub.subscribe();
        let (tx, mut out) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(forward_batched(rx, Duration::from_millis(50), move |b| {
            tx.send(b).is_ok()
        }));
        for i in 0..10 {
            hub.publish(vec![ConsoleLine::new(
                "s",
                LineKind::Output,
                format!("line {i}"),
            )]);
        }
        let batch = tokio::time::timeout(Duration::from_secs(2), out.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(batch.lines.len(), 10);
        assert_eq!(batch.lines[9].text, "line 9");
        drop(hub);
        tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_what_it_missed() {
        let hub = ConsoleHub::new(2, 100);
        let rx = hub.subscribe();
        for i in 0..5 {
            hub.publish(vec![ConsoleLine::new(
                "s",
                LineKind::Output,
                format!("{i}"),
            )]);
        }
        let (tx, mut out) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(forward_batched(rx, Duration::from_millis(10), move |b| {
            tx.send(b).is_ok()
        }));
        let batch = tokio::time::timeout(Duration::from_secs(2), out.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(batch.lines[0].kind, LineKind::Notice);
        assert!(
            batch.lines[0].text.contains("3 batches"),
            "{}",
            batch.lines[0].text
        );
    }

    #[test]
    fn live_only_lines_are_not_replayed() {
        let hub = ConsoleHub::new(16, 10);
        let mut rx = hub.subscribe();
        hub.publish_live(vec![ConsoleLine::new(
            "maya-1",
            LineKind::Output,
            "kept in the session ring",
        )]);
        hub.notice("app", "replayed");
        assert_eq!(rx.try_recv().unwrap()[0].text, "kept in the session ring");
        let (recent, _) = hub.subscribe_with_recent();
        assert_eq!(
            recent.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
            ["replayed"]
        );
    }

    #[test]
    fn late_subscribers_get_recent_lines_bounded() {
        let hub = ConsoleHub::new(16, 3);
        for i in 0..5 {
            hub.notice("app", format!("n{i}"));
        }
        let (recent, _rx) = hub.subscribe_with_recent();
        let texts: Vec<_> = recent.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["n2", "n3", "n4"]);
    }
}
