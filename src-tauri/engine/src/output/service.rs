//! [`OutputService`]: the app-wide live-output listener shared by all sessions.
//! It opens the UDP socket when the first session registers and closes it when
//! the last registration is dropped; it keeps each session's history, counters
//! and liveness for as long as the service lives (or until [`OutputService::forget`]).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::Range;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::datagram::Token;
use super::listener::{Cmd, ListenerTask};
use super::ring::LineRing;
use super::stats::OutputStats;
use crate::console::{ConsoleHub, ConsoleLine};
use crate::error::{AppError, ErrorCode, Result};

/// Tuning of the listener. The defaults suit a local Maya.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    /// Where to listen. Loopback by default; `0.0.0.0:0` (or a fixed port) only
    /// when the user asks for Mayas on other machines.
    pub bind: SocketAddr,
    /// SO_RCVBUF to request (the OS may grant less; see [`ListenerInfo`]).
    pub recv_buffer: usize,
    /// Lines kept per session for [`OutputService::history`].
    pub history_lines: usize,
    /// Messages that may wait behind a missing one before it is declared lost.
    pub reorder_window: u32,
    /// How long a missing message is waited for.
    pub reorder_timeout: Duration,
    /// How long an incomplete chunked message is waited for after its last chunk.
    pub reassembly_timeout: Duration,
    /// Bytes of out-of-order or incomplete messages held per registration.
    pub max_pending_bytes: usize,
    /// A partial line (no `"\n"` yet) is shown after this much quiet.
    pub line_flush_after: Duration,
    /// Lines are committed (ring, hub) at most this often while output streams in.
    pub batch_interval: Duration,
    /// ... or as soon as this many lines wait.
    pub max_batch_lines: usize,
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            recv_buffer: 8 << 20,
            history_lines: 1_000_000,
            reorder_window: 64,
            reorder_timeout: Duration::from_millis(50),
            reassembly_timeout: Duration::from_millis(250),
            max_pending_bytes: 64 << 20,
            line_flush_after: Duration::from_millis(100),
            batch_interval: Duration::from_millis(4),
            max_batch_lines: 8192,
        }
    }
}

/// The open socket, while at least one session is registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListenerInfo {
    pub local_addr: SocketAddr,
    /// SO_RCVBUF as the OS reports it after our request (Linux reports double the
    /// usable size and caps the request at `net.core.rmem_max`).
    pub recv_buffer: usize,
    pub recv_buffer_requested: usize,
}

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

struct Running {
    generation: u64,
    cmd: mpsc::UnboundedSender<Cmd>,
    info: ListenerInfo,
    registrations: usize,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct State {
    running: Option<Running>,
    /// The task of a listener being closed (awaited before binding again).
    closing: Option<JoinHandle<()>>,
    next_generation: u64,
}

struct ServiceInner {
    hub: ConsoleHub,
    config: OutputConfig,
    sessions: Mutex<HashMap<String, Arc<SessionData>>>,
    global: Arc<Mutex<OutputStats>>,
    state: Mutex<State>,
}

/// The live-output listener shared by every session. Cheap to clone; when the
/// last clone is dropped the listener task ends (delivering what it holds).
#[derive(Clone)]
pub struct OutputService {
    inner: Arc<ServiceInner>,
}

/// A session's right to receive output: the token and address its helper in
/// Maya must send to. Dropping it unregisters (held messages are delivered, the
/// partial line is flushed); the last one dropped closes the socket.
pub struct Registration {
    session: String,
    token: Token,
    addr: SocketAddr,
    generation: u64,
    service: Weak<ServiceInner>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret of sorts: keep it out of logs.
        f.debug_struct("Registration")
            .field("session", &self.session)
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Registration {
    pub fn session(&self) -> &str {
        &self.session
    }
    /// The 16 bytes the helper puts in every datagram.
    pub fn token(&self) -> &Token {
        &self.token
    }
    /// The token as 32 lowercase hex digits (how the helper receives it).
    pub fn token_hex(&self) -> String {
        self.token.iter().map(|b| format!("{b:02x}")).collect()
    }
    /// Where the helper must send its datagrams.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(inner) = self.service.upgrade() {
            inner.unregister(self.generation, self.token);
        }
    }
}

impl ServiceInner {
    fn unregister(&self, generation: u64, token: Token) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(r) = st.running.as_mut() else { return };
        if r.generation != generation {
            return;
        }
        let _ = r.cmd.send(Cmd::Unregister { token });
        r.registrations -= 1;
        if r.registrations == 0 {
            // No session needs the listener: closing the command channel ends the
            // task (after it handled the unregistration), which closes the socket.
            let r = st.running.take().expect("running");
            tracing::debug!(
                "output listener on {} closing: no session needs it",
                r.info.local_addr
            );
            st.closing = Some(r.task);
        }
    }

    fn session(&self, id: &str) -> Arc<SessionData> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions
            .entry(id.to_owned())
            .or_insert_with(|| {
                Arc::new(SessionData {
                    id: id.to_owned(),
                    inner: Mutex::new(SessionInner {
                        ring: LineRing::new(self.config.history_lines),
                        stats: OutputStats::default(),
                    }),
                    liveness: watch::channel(Liveness::default()).0,
                })
            })
            .clone()
    }

    fn existing(&self, id: &str) -> Option<Arc<SessionData>> {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }
}

impl OutputService {
    /// Lines go to `hub`. Nothing is opened until the first [`OutputService::register`].
    pub fn new(hub: ConsoleHub, config: OutputConfig) -> Self {
        Self {
            inner: Arc::new(ServiceInner {
                hub,
                config,
                sessions: Mutex::new(HashMap::new()),
                global: Arc::new(Mutex::new(OutputStats::default())),
                state: Mutex::new(State::default()),
            }),
        }
    }

    pub fn config(&self) -> &OutputConfig {
        &self.inner.config
    }

    /// Registers a session's output stream: a fresh random token, accepted only
    /// from `allowed_peer` (the IP Maya's datagrams come from: 127.0.0.1 for a
    /// local Maya, else the commandPort connection's peer IP). Opens the listener
    /// if it is closed. Needs a tokio runtime.
    pub async fn register(&self, session: &str, allowed_peer: IpAddr) -> Result<Registration> {
        // A listener being closed must be gone before we bind (its port may be fixed).
        loop {
            let closing = {
                let mut st = self.inner.state.lock().unwrap_or_else(|p| p.into_inner());
                if st.running.is_some() {
                    None
                } else {
                    st.closing.take()
                }
            };
            match closing {
                Some(task) => {
                    let _ = task.await;
                }
                None => break,
            }
        }
        let data = self.inner.session(session);
        let token: Token = rand::random();
        let mut st = self.inner.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.running.is_none() {
            let cfg = &self.inner.config;
            let (sock, info) = bind(cfg.bind, cfg.recv_buffer).map_err(|e| {
                AppError::new(
                    ErrorCode::Io,
                    format!("Mayalink could not open its output listener on {}: {e}. Check that no other program uses this address.", cfg.bind),
                )
            })?;
            let sock = tokio::net::UdpSocket::from_std(sock)
                .map_err(|e| AppError::internal(format!("output listener: {e}")))?;
            if info.recv_buffer < info.recv_buffer_requested {
                tracing::info!(
                    "output listener: asked for a {} byte receive buffer, got {} (raise net.core.rmem_max for more)",
                    info.recv_buffer_requested,
                    info.recv_buffer
                );
            }
            tracing::debug!("output listener on {}", info.local_addr);
            let (tx, rx) = mpsc::unbounded_channel();
            let task = ListenerTask::new(
                sock,
                rx,
                self.inner.hub.clone(),
                self.inner.global.clone(),
                cfg,
            );
            let task = tokio::spawn(task.run());
            st.next_generation += 1;
            st.running = Some(Running {
                generation: st.next_generation,
                cmd: tx,
                info,
                registrations: 0,
                task,
            });
        }
        let r = st.running.as_mut().expect("running");
        r.cmd
            .send(Cmd::Register {
                token,
                peer: allowed_peer,
                session: data,
            })
            .map_err(|_| AppError::internal("output listener task ended unexpectedly"))?;
        r.registrations += 1;
        Ok(Registration {
            session: session.to_owned(),
            token,
            addr: advertised_addr(r.info.local_addr, allowed_peer),
            generation: r.generation,
            service: Arc::downgrade(&self.inner),
        })
    }

    /// The open socket, if any session is registered.
    pub fn listener(&self) -> Option<ListenerInfo> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .running
            .as_ref()
            .map(|r| r.info)
    }

    /// Emits the session's partial line now (e.g. when a run finished), and
    /// returns once it and every line received before it are in the history and
    /// published. (Messages still held back behind a missing one are not forced out.)
    pub async fn flush(&self, session: &str) {
        let cmd = self
            .inner
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .running
            .as_ref()
            .map(|r| r.cmd.clone());
        if let Some(cmd) = cmd {
            let (done, wait) = oneshot::channel();
            if cmd
                .send(Cmd::Flush {
                    session: session.to_owned(),
                    done,
                })
                .is_ok()
            {
                let _ = wait.await;
            }
        }
    }

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
                l.line = Some(inner.ring.push(super::ring::StoredLine {
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

    /// Closes the listener now (app exit): held output is delivered, the task
    /// ends and the socket is closed before this returns. Registrations still
    /// alive become inert.
    pub async fn shutdown(&self) {
        let tasks = {
            let mut st = self.inner.state.lock().unwrap_or_else(|p| p.into_inner());
            let running = st.running.take().map(|r| r.task);
            [running, st.closing.take()]
        };
        for t in tasks.into_iter().flatten() {
            let _ = t.await;
        }
    }
}

/// Binds the UDP socket with a large receive buffer.
fn bind(
    addr: SocketAddr,
    recv_buffer: usize,
) -> std::io::Result<(std::net::UdpSocket, ListenerInfo)> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() && addr.ip().is_unspecified() {
        // Also accept IPv4 Mayas on a dual-stack "[::]" listener.
        let _ = s.set_only_v6(false);
    }
    if let Err(e) = s.set_recv_buffer_size(recv_buffer) {
        tracing::info!("output listener: could not set SO_RCVBUF to {recv_buffer}: {e}");
    }
    s.bind(&addr.into())?;
    s.set_nonblocking(true)?;
    let granted = s.recv_buffer_size().unwrap_or(0);
    let sock: std::net::UdpSocket = s.into();
    let local_addr = sock.local_addr()?;
    Ok((
        sock,
        ListenerInfo {
            local_addr,
            recv_buffer: granted,
            recv_buffer_requested: recv_buffer,
        },
    ))
}

/// The address a helper on `peer` must send to, for a listener bound to `local`.
fn advertised_addr(local: SocketAddr, peer: IpAddr) -> SocketAddr {
    if !local.ip().is_unspecified() {
        return local;
    }
    let peer = peer.to_canonical();
    let ip = if peer.is_loopback() {
        match peer {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        }
    } else {
        // The local address the route to Maya uses (no packet is sent by connect()).
        route_local_ip(peer).unwrap_or(local.ip())
    };
    SocketAddr::new(ip, local.port())
}

fn route_local_ip(peer: IpAddr) -> Option<IpAddr> {
    let any: SocketAddr = match peer {
        IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        IpAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let s = std::net::UdpSocket::bind(any).ok()?;
    s.connect((peer, 9)).ok()?;
    Some(s.local_addr().ok()?.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advertises_a_reachable_address() {
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        assert_eq!(advertised_addr(local, "127.0.0.1".parse().unwrap()), local);
        let any: SocketAddr = "0.0.0.0:5000".parse().unwrap();
        assert_eq!(advertised_addr(any, "127.0.0.1".parse().unwrap()), local);
    }

    #[tokio::test]
    async fn live_lines_carry_the_number_history_gives_them() {
        let hub = ConsoleHub::default();
        let mut live = hub.subscribe();
        let svc = OutputService::new(hub.clone(), OutputConfig::default());
        let line = |s: &str, t: &str| ConsoleLine::new(s, crate::console::LineKind::Notice, t);
        svc.record("s", vec![line("s", "a"), line("s", "b")]);
        svc.record("other", vec![line("other", "x")]);
        svc.record("s", vec![line("s", "c")]);
        let mut got = Vec::new();
        while let Ok(batch) = live.try_recv() {
            got.extend(batch.iter().filter(|l| l.session == "s").cloned());
        }
        let history = svc.history("s", 0, 10);
        assert_eq!(got, history);
        let numbers: Vec<_> = history.iter().map(|l| l.line).collect();
        assert_eq!(numbers, [Some(0), Some(1), Some(2)]);
        assert_eq!(svc.history("s", 1, 10)[0].line, Some(1));
    }

    #[tokio::test]
    async fn binds_lazily_and_closes_with_the_last_registration() {
        let svc = OutputService::new(ConsoleHub::default(), OutputConfig::default());
        assert!(svc.listener().is_none());
        let a = svc
            .register("a", "127.0.0.1".parse().unwrap())
            .await
            .unwrap();
        let b = svc
            .register("b", "127.0.0.1".parse().unwrap())
            .await
            .unwrap();
        let info = svc.listener().unwrap();
        assert_eq!(a.addr(), info.local_addr);
        assert_ne!(a.token(), b.token());
        assert_eq!(a.token_hex().len(), 32);
        assert!(info.recv_buffer > 0);
        drop(a);
        assert!(svc.listener().is_some());
        drop(b);
        assert!(svc.listener().is_none());
        let c = svc
            .register("c", "127.0.0.1".parse().unwrap())
            .await
            .unwrap();
        assert!(svc.listener().is_some());
        svc.shutdown().await;
        assert!(svc.listener().is_none());
        drop(c);
    }
}
