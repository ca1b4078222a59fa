//! The listener task: the one owner of the UDP socket. It demultiplexes
//! datagrams by token, runs each registration's sequencer and line splitter,
//! and commits the resulting lines (ring buffer, hub, stats, liveness) in
//! batches: at most one commit per `batch_interval` while datagrams keep
//! coming, immediately when a lone line arrives after a quiet period.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use super::datagram::{self, DatagramKind, Token, MAX_DATAGRAM};
use super::lines::{LineSplitter, OutLine};
use super::ring::StoredLine;
use super::sequencer::{MessageSink, SeqConfig, Sequencer};
use super::service::{Liveness, OutputConfig, SessionData};
use super::stats::OutputStats;
use crate::console::{now_ms, ConsoleHub, ConsoleLine, LineKind};

/// Datagrams read in one go before the task looks at its commands and timers again.
const MAX_BURST: usize = 512;

pub(crate) enum Cmd {
    Register {
        token: Token,
        peer: IpAddr,
        session: Arc<SessionData>,
    },
    Unregister {
        token: Token,
    },
    Flush {
        session: String,
        done: oneshot::Sender<()>,
    },
}

/// The artist-facing text of a loss notice.
pub(crate) fn lost_notice(n: u64) -> String {
    if n == 1 {
        "1 output message from Maya was lost on its way to Mayalink (network drop or Maya's send buffer full); \
         the console may be missing some text here."
            .to_owned()
    } else {
        format!(
            "{n} output messages from Maya were lost on their way to Mayalink (network drop or Maya's send buffer full); \
             the console may be missing some text here."
        )
    }
}

/// Turns delivered messages into lines (and loss into notices) for one registration.
struct Emitter {
    splitter: LineSplitter,
    out: Vec<OutLine>,
    now: Instant,
    /// Index in `out` of the loss notice that further loss can be merged into.
    notice_at: Option<usize>,
    notice_n: u64,
}

impl MessageSink for Emitter {
    fn message(&mut self, maya_type: u8, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        self.splitter.push(
            LineKind::from_maya_type(maya_type),
            &text,
            self.now,
            &mut self.out,
        );
    }

    fn lost(&mut self, n: u64) {
        if n == 0 {
            return;
        }
        // The lost text may have ended the partial line: show what we have first.
        self.splitter.force_flush(&mut self.out);
        match self.notice_at {
            Some(i) if i + 1 == self.out.len() => {
                self.notice_n += n;
                self.out[i].text = lost_notice(self.notice_n);
            }
            _ => {
                self.notice_n = n;
                self.out.push(OutLine {
                    kind: LineKind::Notice,
                    text: lost_notice(n),
                });
                self.notice_at = Some(self.out.len() - 1);
            }
        }
    }
}

struct Heartbeat {
    at: Instant,
    pid: Option<u32>,
    dropped: Option<u64>,
}

#[derive(serde::Deserialize)]
struct HeartbeatPayload {
    pid: Option<u32>,
    dropped: Option<u64>,
}

struct Stream {
    session: Arc<SessionData>,
    peer: IpAddr,
    seq: Sequencer,
    emit: Emitter,
    /// Counters since the last commit.
    delta: OutputStats,
    heard: Option<Instant>,
    heartbeat: Option<Heartbeat>,
    /// The last heartbeat's seq, applied when the next heartbeat arrives.
    announced: Option<u32>,
    end_flushed: bool,
    dirty: bool,
}

impl Stream {
    fn after_seq(&mut self) {
        if self.seq.ended() && !self.end_flushed {
            self.emit.splitter.force_flush(&mut self.emit.out);
            self.end_flushed = true;
        }
    }

    fn deadline(&self) -> Option<Instant> {
        min_opt(self.seq.deadline(), self.emit.splitter.deadline())
    }
}

fn min_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

pub(crate) struct ListenerTask {
    sock: UdpSocket,
    cmds: mpsc::UnboundedReceiver<Cmd>,
    hub: ConsoleHub,
    global: Arc<Mutex<OutputStats>>,
    seq_cfg: SeqConfig,
    line_flush_after: Duration,
    batch_interval: Duration,
    max_batch_lines: usize,
    streams: HashMap<Token, Stream>,
    /// Counters not attributable to a session, since the last commit.
    global_delta: OutputStats,
    uncommitted_lines: usize,
    last_commit: Instant,
    dirty: bool,
}

impl ListenerTask {
    pub fn new(
        sock: UdpSocket,
        cmds: mpsc::UnboundedReceiver<Cmd>,
        hub: ConsoleHub,
        global: Arc<Mutex<OutputStats>>,
        cfg: &OutputConfig,
    ) -> Self {
        Self {
            sock,
            cmds,
            hub,
            global,
            seq_cfg: SeqConfig {
                window: cfg.reorder_window.max(1) as u64,
                reorder_timeout: cfg.reorder_timeout,
                reassembly_timeout: cfg.reassembly_timeout,
                max_pending_bytes: cfg.max_pending_bytes,
            },
            line_flush_after: cfg.line_flush_after,
            batch_interval: cfg.batch_interval,
            max_batch_lines: cfg.max_batch_lines.max(1),
            streams: HashMap::new(),
            global_delta: OutputStats::default(),
            uncommitted_lines: 0,
            last_commit: Instant::now(),
            dirty: false,
        }
    }

    pub async fn run(mut self) {
        let mut buf = vec![0u8; MAX_DATAGRAM + 1024];
        let mut errors_in_a_row = 0u32;
        // One timer for all deadlines, moved only when an earlier wake is needed or
        // after it fired: re-arming a timer per datagram would cost more than the datagram.
        let timer = tokio::time::sleep(Duration::from_secs(3600));
        tokio::pin!(timer);
        loop {
            let wake = self.next_wake();
            if let Some(w) = wake {
                let w = tokio::time::Instant::from_std(w);
                if timer.is_elapsed() || timer.deadline() > w {
                    timer.as_mut().reset(w);
                }
            }
            tokio::select! {
                biased;
                cmd = self.cmds.recv() => match cmd {
                    Some(cmd) => self.on_cmd(cmd),
                    None => break,
                },
                r = self.sock.recv_from(&mut buf) => {
                    let now = Instant::now();
                    match r {
                        Ok((n, from)) => {
                            errors_in_a_row = 0;
                            self.on_datagram(&buf[..n], from, now);
                            for _ in 1..MAX_BURST {
                                if self.uncommitted_lines >= self.max_batch_lines {
                                    break;
                                }
                                match self.sock.try_recv_from(&mut buf) {
                                    Ok((n, from)) => self.on_datagram(&buf[..n], from, now),
                                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                                    Err(e) => {
                                        tracing::debug!("output listener: recv error: {e}");
                                        break;
                                    }
                                }
                            }
                            self.after_burst(now);
                        }
                        Err(e) => {
                            // E.g. Windows reports an earlier ICMP "port unreachable" here. Keep going,
                            // but never spin on an error that repeats.
                            tracing::debug!("output listener: recv error: {e}");
                            errors_in_a_row += 1;
                            if errors_in_a_row > 100 {
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            }
                        }
                    }
                },
                () = &mut timer, if wake.is_some() => {
                    self.on_timer(Instant::now());
                },
            }
        }
        // The service is gone: deliver what is held and end.
        let tokens: Vec<Token> = self.streams.keys().copied().collect();
        for t in tokens {
            self.unregister(t);
        }
        self.commit(Instant::now());
    }

    fn next_wake(&self) -> Option<Instant> {
        let mut w = if self.dirty {
            Some(self.last_commit + self.batch_interval)
        } else {
            None
        };
        for s in self.streams.values() {
            w = min_opt(w, s.deadline());
        }
        w
    }

    fn on_cmd(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Register {
                token,
                peer,
                session,
            } => {
                session.liveness.send_modify(|l| {
                    *l = Liveness {
                        registered: true,
                        ..Liveness::default()
                    }
                });
                let stream = Stream {
                    session,
                    peer: peer.to_canonical(),
                    seq: Sequencer::new(self.seq_cfg),
                    emit: Emitter {
                        splitter: LineSplitter::new(self.line_flush_after),
                        out: Vec::new(),
                        now: Instant::now(),
                        notice_at: None,
                        notice_n: 0,
                    },
                    delta: OutputStats::default(),
                    heard: None,
                    heartbeat: None,
                    announced: None,
                    end_flushed: false,
                    dirty: false,
                };
                self.streams.insert(token, stream);
            }
            Cmd::Unregister { token } => {
                self.unregister(token);
            }
            Cmd::Flush { session, done } => {
                // Commands win over datagrams in the select: read what is already in
                // the socket first (a run's output arrives before its reply does).
                self.drain_socket();
                for s in self
                    .streams
                    .values_mut()
                    .filter(|s| s.session.id == session)
                {
                    s.emit.splitter.force_flush(&mut s.emit.out);
                    s.dirty = true;
                    self.dirty = true;
                }
                self.commit(Instant::now());
                let _ = done.send(());
            }
        }
    }

    fn drain_socket(&mut self) {
        let mut buf = vec![0u8; 65_536];
        let now = Instant::now();
        while let Ok((n, from)) = self.sock.try_recv_from(&mut buf) {
            self.on_datagram(&buf[..n], from, now);
        }
    }

    fn unregister(&mut self, token: Token) {
        let Some(mut s) = self.streams.remove(&token) else {
            return;
        };
        s.seq.finish(&mut s.delta, &mut s.emit);
        s.emit.splitter.force_flush(&mut s.emit.out);
        let still_registered = self
            .streams
            .values()
            .any(|o| Arc::ptr_eq(&o.session, &s.session));
        let mut batch = Vec::new();
        let mut global_add = OutputStats::default();
        commit_stream(&mut s, now_ms(), &mut batch, &mut global_add);
        s.session.liveness.send_if_modified(|l| {
            let changed = l.registered != still_registered;
            l.registered = still_registered;
            changed
        });
        self.global
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .add(&global_add);
        self.hub.publish_live(batch);
    }

    fn on_datagram(&mut self, buf: &[u8], from: SocketAddr, now: Instant) {
        self.dirty = true;
        let d = match datagram::parse(buf) {
            Ok(d) => d,
            Err(_) => {
                self.global_delta.datagrams += 1;
                self.global_delta.bytes += buf.len() as u64;
                self.global_delta.malformed += 1;
                return;
            }
        };
        let Some(s) = self.streams.get_mut(&d.header.token) else {
            self.global_delta.datagrams += 1;
            self.global_delta.bytes += buf.len() as u64;
            self.global_delta.bad_token += 1;
            return;
        };
        s.dirty = true;
        s.delta.datagrams += 1;
        s.delta.bytes += buf.len() as u64;
        if from.ip().to_canonical() != s.peer {
            s.delta.bad_address += 1;
            return;
        }
        s.heard = Some(now);
        s.emit.now = now;
        let before = s.emit.out.len();
        match d.header.kind {
            DatagramKind::Message => {
                s.seq
                    .on_message(&d.header, d.payload, now, &mut s.delta, &mut s.emit)
            }
            DatagramKind::Batch => match datagram::batch_entries(d.payload) {
                Some(entries) => {
                    for e in entries {
                        let h = e.message_header(d.header.token);
                        s.seq
                            .on_message(&h, e.bytes, now, &mut s.delta, &mut s.emit);
                    }
                }
                None => s.delta.malformed += 1,
            },
            DatagramKind::Heartbeat => {
                s.delta.heartbeats += 1;
                let p: Option<HeartbeatPayload> = serde_json::from_slice(d.payload).ok();
                s.heartbeat = Some(Heartbeat {
                    at: now,
                    pid: p.as_ref().and_then(|p| p.pid),
                    dropped: p.and_then(|p| p.dropped),
                });
                // A heartbeat may overtake a message that Maya's main thread numbered
                // but had not sent yet (it holds a write until its line ends): hold
                // each announcement back by one heartbeat period before using it.
                if let Some(previous) = s.announced.replace(d.header.seq) {
                    s.seq
                        .on_announce(previous, false, now, &mut s.delta, &mut s.emit);
                }
            }
            DatagramKind::Bye => {
                s.seq
                    .on_announce(d.header.seq, true, now, &mut s.delta, &mut s.emit)
            }
        }
        s.after_seq();
        self.uncommitted_lines += s.emit.out.len() - before;
    }

    fn after_burst(&mut self, now: Instant) {
        if self.uncommitted_lines >= self.max_batch_lines
            || now >= self.last_commit + self.batch_interval
        {
            self.commit(now);
        }
    }

    fn on_timer(&mut self, now: Instant) {
        for s in self.streams.values_mut() {
            if s.deadline().is_some_and(|d| now >= d) {
                s.emit.now = now;
                let before = s.emit.out.len();
                s.seq.poll(now, &mut s.delta, &mut s.emit);
                s.after_seq();
                s.emit.splitter.poll(now, &mut s.emit.out);
                self.uncommitted_lines += s.emit.out.len() - before;
                s.dirty = true;
                self.dirty = true;
            }
        }
        if self.dirty && now >= self.last_commit + self.batch_interval {
            self.commit(now);
        }
    }

    fn commit(&mut self, now: Instant) {
        let time_ms = now_ms();
        let mut batch = Vec::with_capacity(self.uncommitted_lines);
        let mut global_add = std::mem::take(&mut self.global_delta);
        for s in self.streams.values_mut().filter(|s| s.dirty) {
            commit_stream(s, time_ms, &mut batch, &mut global_add);
        }
        if !global_add.is_zero() {
            self.global
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .add(&global_add);
        }
        self.hub.publish_live(batch);
        self.uncommitted_lines = 0;
        self.last_commit = now;
        self.dirty = false;
    }
}

/// Moves one stream's new lines into its session's ring and the hub batch, and
/// its counters and liveness into the shared state.
fn commit_stream(
    s: &mut Stream,
    time_ms: u64,
    batch: &mut Vec<ConsoleLine>,
    global_add: &mut OutputStats,
) {
    s.delta.lines += s
        .emit
        .out
        .iter()
        .filter(|l| l.kind != LineKind::Notice)
        .count() as u64;
    {
        let mut inner = s.session.inner.lock().unwrap_or_else(|p| p.into_inner());
        for l in s.emit.out.drain(..) {
            let number = inner.ring.push(StoredLine {
                kind: l.kind,
                time_ms,
                text: l.text.clone(),
            });
            batch.push(ConsoleLine {
                session: s.session.id.clone(),
                kind: l.kind,
                text: l.text,
                time_ms,
                line: Some(number),
            });
        }
        inner.stats.add(&s.delta);
    }
    global_add.add(&s.delta);
    s.delta = OutputStats::default();
    s.emit.notice_at = None;
    let heard = s.heard;
    let hb = s.heartbeat.take();
    let ended = s.seq.ended();
    s.session.liveness.send_if_modified(|l| {
        // Datagram times are updated silently; heartbeats and the end wake watchers.
        l.last_datagram = heard.or(l.last_datagram);
        let mut notify = false;
        if let Some(hb) = hb {
            l.last_heartbeat = Some(hb.at);
            l.pid = hb.pid.or(l.pid);
            l.sender_dropped = hb.dropped.unwrap_or(l.sender_dropped);
            notify = true;
        }
        if ended && !l.ended {
            l.ended = true;
            notify = true;
        }
        notify
    });
    s.dirty = false;
}
