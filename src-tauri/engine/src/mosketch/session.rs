//! A Mosketch session: one task owns the TCP connection to Mosketch's streaming server
//! (and its reconnects); everything else talks to it through channels.
//!
//! Handshake: Hierarchy → (joint space and orient mode commands) → hierarchy ack →
//! JointsUuids → JointsUuidsAck → JointsStream frames, each acked the moment it is
//! parsed (Mosketch sends the next frame only after the ack), before the pose is
//! updated. A Hierarchy at any time starts over. Outputs are watches (newest wins:
//! frames are never queued) plus a broadcast of rare events. Dropping the
//! [`MosketchSession`] ends the task and closes the connection.
//!
//! Which hierarchy-ack spelling a Mosketch build wants is unknown. When no JointsUuids
//! (nor frame) follows the ack within `uuids_timeout_ms`, the session sends the ack
//! again in the other spelling and says so once; the spelling that worked is
//! remembered per server address ([`super::ack_memory`]) and tried first by the next
//! session. When neither spelling works the session ends in `failed` with a message.

use super::ack_memory::{self, AckMemory};
use super::codec::{JsonItem, JsonStreamCodec, DEFAULT_MAX_PACKET_BYTES};
use super::command::{HierarchyAckSpelling, JointSpace, MosketchCommand, OrientMode};
use super::packet::{encode, Hierarchy, JointSample, Packet, TYPE_JOINTS_STREAM};
use super::pose::{PoseIndex, PoseSnapshot};
use super::silence::SilenceWatch;
use super::stats::{StatsRecorder, StreamStats};
use super::status::{ConnectionState, MosketchEvent, MosketchHierarchy, MosketchStatus};
use super::wire::PacketReader;
use super::wire_packet::WireItem;
use crate::console::now_ms;
use crate::error::{AppError, ErrorCode};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, DropGuard};
use ts_rs::TS;

pub const DEFAULT_PORT: u16 = 16094;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct MosketchConfig {
    pub host: String,
    pub port: u16,
    /// The spelling tried first, unless this server's accepted one is remembered.
    pub ack_spelling: HierarchyAckSpelling,
    pub joint_space: JointSpace,
    pub orient_mode: OrientMode,
    /// When no JointsUuids (and no frame) follows the hierarchy ack within this, the
    /// ack is sent again in the other spelling; when that one too goes unanswered as
    /// long, the session gives up.
    pub uuids_timeout_ms: u64,
    /// Reconnect after a lost or refused connection; when false the session waits in
    /// `failed` until `reconnect_now`.
    pub reconnect: bool,
    pub reconnect_initial_ms: u64,
    pub reconnect_max_ms: u64,
    pub connect_timeout_ms: u64,
    /// Abandon a packet left incomplete this long (a truncated packet can swallow the next).
    pub stall_timeout_ms: u64,
    pub max_packet_bytes: usize,
    /// How many recent frames the ack latency percentiles cover.
    pub latency_samples: usize,
    /// Streaming, but no frame for this long (the connection still open): the status
    /// carries a warning until frames come again.
    pub silence_warning_ms: u64,
    /// A write to Mosketch (an ack, a command, a pose) that cannot complete this long
    /// means Mosketch stopped reading: the command fails and the link reconnects.
    pub write_timeout_ms: u64,
    /// The file where the ack spelling each server accepted is remembered (default
    /// [`ack_memory::default_path`]); `None`: neither read nor written. Not a setting
    /// the UI sees: the app and the CLI share the default file, tests pass their own.
    #[serde(skip, default = "default_ack_memory")]
    #[ts(skip)]
    pub ack_memory: Option<PathBuf>,
}

fn default_ack_memory() -> Option<PathBuf> {
    Some(ack_memory::default_path())
}

impl Default for MosketchConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: DEFAULT_PORT,
            ack_spelling: HierarchyAckSpelling::default(),
            joint_space: JointSpace::default(),
            orient_mode: OrientMode::default(),
            uuids_timeout_ms: 3000,
            reconnect: true,
            reconnect_initial_ms: 500,
            reconnect_max_ms: 10_000,
            connect_timeout_ms: 3000,
            stall_timeout_ms: 1000,
            max_packet_bytes: DEFAULT_MAX_PACKET_BYTES,
            latency_samples: 1024,
            silence_warning_ms: 3000,
            write_timeout_ms: 3000,
            ack_memory: default_ack_memory(),
        }
    }
}

impl MosketchConfig {
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// The artist-facing message when nothing listens at the address.
/// A `JointsStream` object in the compact form Mosketch writes (`Type` first).
/// Anything else (array-wrapped, other key order) is typed first, then acked.
fn is_frame(json: &[u8]) -> bool {
    let head = &json[..json.len().min(64)];
    let head = match std::str::from_utf8(head) {
        Ok(h) => h,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or(""),
    };
    let after_type = head
        .trim_start()
        .strip_prefix('{')
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix("\"Type\""))
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix(':'))
        .map(str::trim_start);
    after_type.is_some_and(|r| r.starts_with("\"JointsStream\""))
}

pub fn not_reachable_message(address: &str) -> String {
    format!(
        "Mosketch's streaming server is not reachable at {address} — enable streaming in Mosketch"
    )
}

type Reply = oneshot::Sender<Result<(), AppError>>;

enum Request {
    JointSpace(JointSpace, Reply),
    OrientMode(OrientMode, Reply),
    AckSpelling(HierarchyAckSpelling, Reply),
    Command(MosketchCommand, Reply),
    Pose(Vec<JointSample>, Reply),
    Stats(oneshot::Sender<StreamStats>),
    ReconnectNow,
}

/// The handle to a running session. Cheap watches for the pose and the status; dropping
/// it stops the session.
pub struct MosketchSession {
    requests: mpsc::UnboundedSender<Request>,
    pose: watch::Receiver<PoseSnapshot>,
    status: watch::Receiver<MosketchStatus>,
    hierarchy: watch::Receiver<Option<Arc<MosketchHierarchy>>>,
    events: broadcast::Sender<MosketchEvent>,
    /// Resolves when the session's thread has finished.
    task: Option<oneshot::Receiver<()>>,
    _stop: DropGuard,
}

impl MosketchSession {
    /// Starts the session on its own thread (callable from anywhere). The returned receiver sees every
    /// event from the start; [`MosketchSession::subscribe_events`] gives more.
    pub fn start(config: MosketchConfig) -> (Self, broadcast::Receiver<MosketchEvent>) {
        let address = config.address();
        // The spelling this server accepted last time (this or another session) goes first.
        let memory = config.ack_memory.clone().map(AckMemory::new);
        let remembered = memory.as_ref().and_then(|m| m.recall(&address));
        let ack_spelling = remembered.unwrap_or(config.ack_spelling);
        let status = MosketchStatus {
            address: address.clone(),
            connection: ConnectionState::Disconnected,
            ack_spelling,
            joint_space: config.joint_space,
            orient_mode: config.orient_mode,
            hierarchy_id: 0,
            joint_count: 0,
            has_skeleton: false,
            stats: Default::default(),
            warning: None,
            last_error: None,
        };
        let (requests_tx, requests) = mpsc::unbounded_channel();
        let (pose_tx, pose) = watch::channel(PoseSnapshot::default());
        let (status_tx, status) = watch::channel(status);
        let (hierarchy_tx, hierarchy) = watch::channel(None);
        let (events, events_rx) = broadcast::channel(256);
        let cancel = CancellationToken::new();
        let task = SessionTask {
            stats: StatsRecorder::new(config.latency_samples),
            ack_spelling,
            memory,
            remembered,
            give_up: false,
            joint_space: config.joint_space,
            orient_mode: config.orient_mode,
            address,
            config,
            requests,
            pose_tx,
            status_tx,
            hierarchy_tx,
            events: events.clone(),
            index: PoseIndex::default(),
            hierarchy_id: 0,
            joint_count: 0,
            reconnect_now: false,
            cancel: cancel.clone(),
            pending: Vec::new(),
            last_ack_at: None,
            poll_until: None,
        };
        // The link's latency is a chain of wake-ups (frame in, ack out, next frame in):
        // its task gets a thread and a single-threaded runtime of its own, so the
        // thread that sees the socket ready is the one that parses and acks.
        let (done_tx, done) = oneshot::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("mosketch-link".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(task.run()),
                    Err(e) => tracing::error!("cannot start the Mosketch link's runtime: {e}"),
                }
                let _ = done_tx.send(());
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the Mosketch link's thread: {e}");
        }
        let session = Self {
            requests: requests_tx,
            pose,
            status,
            hierarchy,
            events,
            task: Some(done),
            _stop: cancel.drop_guard(),
        };
        (session, events_rx)
    }

    /// The latest pose (newest wins). `changed()` wakes on every applied frame.
    pub fn pose(&self) -> watch::Receiver<PoseSnapshot> {
        self.pose.clone()
    }
    pub fn status(&self) -> watch::Receiver<MosketchStatus> {
        self.status.clone()
    }
    /// The current hierarchy (names and, when Mosketch sent them, parents and rest offsets).
    pub fn hierarchy(&self) -> watch::Receiver<Option<Arc<MosketchHierarchy>>> {
        self.hierarchy.clone()
    }
    pub fn subscribe_events(&self) -> broadcast::Receiver<MosketchEvent> {
        self.events.subscribe()
    }

    async fn ask(&self, make: impl FnOnce(Reply) -> Request) -> Result<(), AppError> {
        let (tx, rx) = oneshot::channel();
        let gone = || AppError::new(ErrorCode::Cancelled, "the Mosketch session has stopped");
        self.requests.send(make(tx)).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// Stored, and sent to Mosketch now if connected and at every handshake.
    pub async fn set_joint_space(&self, space: JointSpace) -> Result<(), AppError> {
        self.ask(|r| Request::JointSpace(space, r)).await
    }
    pub async fn set_orient_mode(&self, mode: OrientMode) -> Result<(), AppError> {
        self.ask(|r| Request::OrientMode(mode, r)).await
    }
    /// Stored for the next handshake; if Mosketch is still waiting for an ack, sent now.
    pub async fn set_ack_spelling(&self, spelling: HierarchyAckSpelling) -> Result<(), AppError> {
        self.ask(|r| Request::AckSpelling(spelling, r)).await
    }
    /// Fails with `unreachable` when not connected.
    pub async fn send_command(&self, command: MosketchCommand) -> Result<(), AppError> {
        self.ask(|r| Request::Command(command, r)).await
    }
    /// Sends a pose (`JointsStream` with Name/R/T, T in metres). Fails when not connected.
    pub async fn send_pose(&self, joints: Vec<JointSample>) -> Result<(), AppError> {
        self.ask(|r| Request::Pose(joints, r)).await
    }
    /// Up-to-date stats (the status watch refreshes them only a few times a second).
    pub async fn stats(&self) -> Result<StreamStats, AppError> {
        let (tx, rx) = oneshot::channel();
        let gone = || AppError::new(ErrorCode::Cancelled, "the Mosketch session has stopped");
        self.requests.send(Request::Stats(tx)).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())
    }

    /// Drops the current connection (if any) and connects again without waiting.
    pub fn reconnect_now(&self) {
        let _ = self.requests.send(Request::ReconnectNow);
    }

    /// Stops the session and waits until its connection is closed.
    pub async fn shutdown(mut self) {
        let task = self.task.take();
        drop(self);
        if let Some(t) = task {
            let _ = t.await;
        }
    }
}

struct SessionTask {
    config: MosketchConfig,
    address: String,
    requests: mpsc::UnboundedReceiver<Request>,
    pose_tx: watch::Sender<PoseSnapshot>,
    status_tx: watch::Sender<MosketchStatus>,
    hierarchy_tx: watch::Sender<Option<Arc<MosketchHierarchy>>>,
    events: broadcast::Sender<MosketchEvent>,
    stats: StatsRecorder,
    index: PoseIndex,
    hierarchy_id: u64,
    joint_count: usize,
    ack_spelling: HierarchyAckSpelling,
    /// Where the accepted spelling is remembered, and what it says for this address.
    memory: Option<AckMemory>,
    remembered: Option<HierarchyAckSpelling>,
    /// Set when Mosketch accepted neither spelling: fail instead of reconnecting.
    give_up: bool,
    joint_space: JointSpace,
    orient_mode: OrientMode,
    reconnect_now: bool,
    cancel: CancellationToken,
    /// Back-to-back frames acked but not typed yet, oldest first (see `type_pending`).
    pending: Vec<(bytes::Bytes, Instant)>,
    /// When the last frame's ack was written (to tell a back-to-back stream).
    last_ack_at: Option<Instant>,
    /// While frames come back-to-back: poll the socket until then instead of sleeping.
    poll_until: Option<Instant>,
}

/// Per-connection state.
struct Conn {
    wr: OwnedWriteHalf,
    got_hierarchy: bool,
    /// The ack spelling sent (last) for the current hierarchy.
    ack_sent: HierarchyAckSpelling,
    /// The ack was already sent again in the other spelling for the current hierarchy.
    ack_retried: bool,
    /// JointsUuids or a frame came after the current hierarchy's ack.
    ack_confirmed: bool,
    /// Set after the hierarchy ack until JointsUuids or a frame arrives.
    uuids_deadline: Option<Instant>,
    streaming: bool,
    unknown_seen: HashSet<String>,
    malformed_reported: bool,
    silence: SilenceWatch,
    write_timeout: Duration,
}

const STATUS_PERIOD: Duration = Duration::from_millis(250);

// A stream is "back-to-back" when Mosketch sends the next frame within BACK_TO_BACK of
// our ack: it streams as fast as acks allow, far above any display's rate. Then:
// - the link polls its socket for the next frame instead of sleeping (waking a
//   sleeping thread costs tens of µs on a virtual machine, more than a frame's
//   whole work), for at most BACK_TO_BACK after each ack;
// - frames are acked after the validating pass and kept raw; every POSE_PERIOD they
//   are typed newest first, down to the newest one that carries every joint (older
//   ones cannot show: it overwrites them all). The pose is at most POSE_PERIOD old,
//   still fresher than any screen shows it.
// At artist rates (24–120 Hz) neither happens: each frame is typed as it comes.
const BACK_TO_BACK: Duration = Duration::from_micros(250);
const POSE_PERIOD: Duration = Duration::from_millis(4);
/// Raw frames kept at most before typing them anyway (~8 KB each).
const MAX_PENDING: usize = 512;

impl SessionTask {
    async fn run(mut self) {
        let cancel = self.cancel.clone();
        let mut delay = self.config.reconnect_initial_ms.max(1);
        loop {
            self.set_connection(ConnectionState::Connecting);
            let mut got_hierarchy = false;
            let ended = tokio::select! {
                _ = cancel.cancelled() => None,
                e = self.connect_and_serve(&mut got_hierarchy) => Some(e),
            };
            let Some(error) = ended else { break };
            if got_hierarchy {
                delay = self.config.reconnect_initial_ms.max(1);
            }
            if std::mem::take(&mut self.reconnect_now) {
                continue;
            }
            tracing::info!(address = %self.address, error = %error.message, "mosketch connection ended");
            self.emit(MosketchEvent::Disconnected {
                error: error.clone(),
            });
            self.status_tx
                .send_modify(|s| s.last_error = Some(error.clone()));
            let wait = if std::mem::take(&mut self.give_up) {
                // Reconnecting would only ask the same question again: wait for the artist.
                self.set_connection(ConnectionState::Failed {
                    reason: error.message.clone(),
                });
                None
            } else if self.config.reconnect {
                self.stats.stats.reconnects += 1;
                self.set_connection(ConnectionState::Reconnecting { in_ms: delay });
                Some(Duration::from_millis(delay))
            } else {
                self.set_connection(ConnectionState::Failed {
                    reason: error.message.clone(),
                });
                None
            };
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = self.idle(wait) => {}
            }
            delay = (delay * 2).min(self.config.reconnect_max_ms.max(1));
        }
        self.set_connection(ConnectionState::Disconnected);
    }

    /// Between connections: answers requests until `wait` is over (forever when None)
    /// or a reconnect is asked for.
    async fn idle(&mut self, wait: Option<Duration>) {
        let until = wait.map(|w| Instant::now() + w);
        let mut tick = tokio::time::interval(STATUS_PERIOD);
        loop {
            tokio::select! {
                _ = async { tokio::time::sleep_until(until.unwrap()).await }, if until.is_some() => return,
                _ = tick.tick() => self.refresh_stats(),
                req = self.requests.recv() => match req {
                    // The handle is gone: its drop guard is cancelling us.
                    None => std::future::pending::<()>().await,
                    Some(Request::ReconnectNow) => return,
                    Some(req) => self.answer_disconnected(req),
                },
            }
        }
    }

    fn answer_disconnected(&mut self, req: Request) {
        let not_connected = || {
            AppError::new(
                ErrorCode::Unreachable,
                "Not connected to Mosketch: the command was not sent.",
            )
        };
        match req {
            Request::JointSpace(s, r) => {
                self.joint_space = s;
                self.status_tx.send_modify(|st| st.joint_space = s);
                let _ = r.send(Ok(()));
            }
            Request::OrientMode(m, r) => {
                self.orient_mode = m;
                self.status_tx.send_modify(|st| st.orient_mode = m);
                let _ = r.send(Ok(()));
            }
            Request::AckSpelling(a, r) => {
                self.ack_spelling = a;
                self.status_tx.send_modify(|st| st.ack_spelling = a);
                let _ = r.send(Ok(()));
            }
            Request::Command(_, r) | Request::Pose(_, r) => {
                let _ = r.send(Err(not_connected()));
            }
            Request::Stats(r) => {
                let _ = r.send(self.stats.refresh(Instant::now().into_std()).clone());
            }
            Request::ReconnectNow => {}
        }
    }

    async fn connect_and_serve(&mut self, got_hierarchy: &mut bool) -> AppError {
        let timeout = Duration::from_millis(self.config.connect_timeout_ms.max(1));
        let connect = TcpStream::connect((self.config.host.as_str(), self.config.port));
        let stream = match tokio::time::timeout(timeout, connect).await {
            Err(_) => {
                return AppError::new(
                    ErrorCode::Timeout,
                    format!("Mosketch did not answer at {} within {} s — check the address and that streaming is enabled in Mosketch", self.address, timeout.as_secs_f32()),
                )
            }
            Ok(Err(e)) => {
                let mut err = AppError::from(e);
                err.message = if err.code == ErrorCode::Unreachable {
                    not_reachable_message(&self.address)
                } else {
                    format!("{} ({})", not_reachable_message(&self.address), err.message)
                };
                err.code = ErrorCode::Unreachable;
                return err;
            }
            Ok(Ok(s)) => s,
        };
        // Acks are tiny and latency-critical: never let Nagle hold them back.
        let _ = stream.set_nodelay(true);
        let (rd, wr) = stream.into_split();
        let mut reader = PacketReader::new(
            rd,
            JsonStreamCodec::<IgnoredAny>::new(self.config.max_packet_bytes).keeping_raw(),
            Some(Duration::from_millis(self.config.stall_timeout_ms.max(1))),
        );
        let mut conn = Conn {
            wr,
            got_hierarchy: false,
            ack_sent: self.ack_spelling,
            ack_retried: false,
            ack_confirmed: false,
            uuids_deadline: None,
            streaming: false,
            unknown_seen: HashSet::new(),
            malformed_reported: false,
            silence: SilenceWatch::new(Duration::from_millis(
                self.config.silence_warning_ms.max(1),
            )),
            write_timeout: Duration::from_millis(self.config.write_timeout_ms.max(1)),
        };
        self.emit(MosketchEvent::Connected {
            address: self.address.clone(),
        });
        self.status_tx.send_modify(|s| {
            s.last_error = None;
            s.connection = ConnectionState::Handshaking;
        });
        let mut tick = tokio::time::interval(STATUS_PERIOD);
        self.last_ack_at = None;
        self.poll_until = None;
        let result = loop {
            let deadline = conn.uuids_deadline;
            let polling = self.poll_until.is_some_and(|t| Instant::now() < t);
            let step = tokio::select! {
                item = reader.next() => {
                    let decoded_at = Instant::now();
                    match item {
                        None => Err(AppError::new(ErrorCode::Unreachable, format!("Mosketch closed the connection at {}", self.address))),
                        Some(Err(e)) => Err(AppError::new(ErrorCode::Unreachable, format!("The connection to Mosketch at {} broke: {e}", self.address))),
                        Some(Ok(JsonItem::Value(_))) => {
                            let raw = reader.take_raw().unwrap_or_default();
                            self.on_raw(&mut conn, raw, decoded_at).await
                        }
                        Some(Ok(JsonItem::Malformed(m))) => {
                            self.type_pending(&mut conn);
                            self.on_malformed(&mut conn, format!("{} ({} bytes skipped)", m.reason, m.skipped_bytes));
                            Ok(())
                        }
                    }
                }
                req = self.requests.recv() => match req {
                    None => Err(AppError::new(ErrorCode::Cancelled, "session closed")),
                    Some(req) => {
                        self.type_pending(&mut conn);
                        self.on_request(&mut conn, req).await
                    }
                },
                // Yielding lets this thread's runtime look at the socket without parking.
                _ = tokio::task::yield_now(), if polling => Ok(()),
                _ = async { tokio::time::sleep_until(deadline.unwrap()).await }, if deadline.is_some() => {
                    self.on_uuids_timeout(&mut conn).await
                }
                _ = tick.tick() => {
                    self.refresh_stats();
                    self.check_silence(&mut conn);
                    Ok(())
                }
            };
            *got_hierarchy |= conn.got_hierarchy;
            if let Err(e) = step {
                break e;
            }
            if let Some(&(_, oldest)) = self.pending.first() {
                let now = Instant::now();
                if now >= oldest + POSE_PERIOD || self.poll_until.is_none_or(|t| now >= t) {
                    self.type_pending(&mut conn);
                }
            }
        };
        self.type_pending(&mut conn);
        let _ = conn.wr.shutdown().await;
        result
    }

    /// One packet to Mosketch. A write that cannot finish in `write_timeout` (Mosketch
    /// stopped reading and the socket's buffers are full) ends the connection: half a
    /// packet would desynchronise the stream anyway.
    async fn write(conn: &mut Conn, bytes: &[u8]) -> Result<(), AppError> {
        match tokio::time::timeout(conn.write_timeout, conn.wr.write_all(bytes)).await {
            Ok(r) => r.map_err(|e| {
                AppError::new(
                    ErrorCode::Unreachable,
                    format!("Could not write to Mosketch: {e}"),
                )
            }),
            Err(_) => Err(AppError::new(
                ErrorCode::Timeout,
                format!(
                    "Mosketch stopped reading what Mayalink sends (nothing could be written for \
                     {:.1} s): the command was not sent; reconnecting.",
                    conn.write_timeout.as_secs_f64()
                ),
            )),
        }
    }

    /// Streaming, connection open, no frame for a while: say so once (status warning
    /// and a notice); [`Self::frame_arrived`] takes it back.
    fn check_silence(&mut self, conn: &mut Conn) {
        if !conn.streaming {
            return;
        }
        if let Some(message) = conn.silence.check(std::time::Instant::now()) {
            tracing::warn!(address = %self.address, "{message}");
            self.status_tx
                .send_modify(|s| s.warning = Some(message.clone()));
            self.emit(MosketchEvent::Notice { message });
        }
    }

    /// `at`: when the frame was decoded (no extra clock read per frame).
    fn frame_arrived(&mut self, conn: &mut Conn, at: Instant) {
        if let Some(message) = conn.silence.frame(at.into_std()) {
            tracing::info!(address = %self.address, "{message}");
            self.status_tx.send_modify(|s| s.warning = None);
            self.emit(MosketchEvent::Notice { message });
        }
    }

    /// A complete, syntactically valid JSON value (validated without being built). A
    /// frame in the form Mosketch writes (`{"Type":"JointsStream",…`) is acked right
    /// here, before its joints are typed: the ack travels and Mosketch prepares the
    /// next frame while this one is read.
    async fn on_raw(
        &mut self,
        conn: &mut Conn,
        raw: bytes::Bytes,
        decoded_at: Instant,
    ) -> Result<(), AppError> {
        let acked = is_frame(&raw);
        if acked {
            Self::write(conn, encode::JOINTS_STREAM_ACK).await?;
            self.frame_arrived(conn, decoded_at);
            let acked_at = Instant::now();
            self.stats.ack_written(acked_at - decoded_at);
            let back_to_back = self
                .last_ack_at
                .is_some_and(|t| decoded_at - t < BACK_TO_BACK);
            self.last_ack_at = Some(acked_at);
            self.poll_until = back_to_back.then(|| acked_at + BACK_TO_BACK);
            if back_to_back && self.joint_count > 0 {
                self.stats.frame(decoded_at.into_std(), false);
                self.pending.push((raw, decoded_at));
                if self.pending.len() >= MAX_PENDING {
                    self.type_pending(conn);
                }
                return Ok(());
            }
        }
        // Whatever came before this packet is applied first.
        self.type_pending(conn);
        if !acked {
            // Not a frame (a new Hierarchy, say): the next frame starts a new streak.
            self.last_ack_at = None;
            self.poll_until = None;
        }
        match serde_json::from_slice::<WireItem>(&raw) {
            Ok(item) => self.on_value(conn, item, decoded_at, acked).await,
            Err(e) => {
                self.on_malformed(conn, format!("not a packet: {e}"));
                Ok(())
            }
        }
    }

    async fn on_value(
        &mut self,
        conn: &mut Conn,
        item: WireItem,
        decoded_at: Instant,
        mut acked: bool,
    ) -> Result<(), AppError> {
        let packets = match item.packets() {
            Ok(p) => p,
            Err(reason) => {
                self.on_malformed(conn, reason);
                return Ok(());
            }
        };
        for p in packets {
            if p.type_name() == Some(TYPE_JOINTS_STREAM) && !std::mem::take(&mut acked) {
                // Mosketch's flow control: the ack goes out before any other work
                // (on_raw already sent it for a plain frame).
                Self::write(conn, encode::JOINTS_STREAM_ACK).await?;
                self.stats.ack_written(decoded_at.elapsed());
                self.frame_arrived(conn, decoded_at);
            }
            match p.into_packet() {
                Err(reason) => self.on_malformed(conn, reason),
                Ok(Packet::JointsStream(samples)) => self.apply_frame(conn, samples, true),
                Ok(Packet::Hierarchy(h)) => self.on_hierarchy(conn, h).await?,
                Ok(Packet::JointsUuids(pairs)) => self.on_uuids(conn, pairs).await?,
                Ok(Packet::Unknown(ty)) => self.on_unknown(conn, ty),
                // Client-side packets coming from the server: unexpected, counted as unknown.
                Ok(other) => self.on_unknown(conn, other.type_name().to_string()),
            }
        }
        Ok(())
    }

    /// Types the kept back-to-back frames (acked and counted on arrival): newest first
    /// down to the newest one that carries every joint, then applied oldest first, so
    /// the pose is what applying all of them would give. The frames older than that
    /// one are never typed (not even checked for a malformed body): nothing of them
    /// could show.
    fn type_pending(&mut self, conn: &mut Conn) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        let mut typed = Vec::new();
        let mut unread = pending.len();
        for (raw, _) in pending.iter().rev() {
            unread -= 1;
            let packet = serde_json::from_slice::<WireItem>(raw)
                .map_err(|e| format!("not a packet: {e}"))
                .and_then(|item| item.packets())
                .and_then(|mut p| p.pop().ok_or_else(|| "empty packet".to_string()))
                .and_then(|p| p.into_packet());
            match packet {
                Ok(Packet::JointsStream(samples)) => {
                    let supersedes = self.index.carries_all(&samples, self.joint_count);
                    typed.push(samples);
                    if supersedes {
                        break;
                    }
                }
                Ok(other) => self.on_unknown(conn, other.type_name().to_string()),
                Err(reason) => self.on_malformed(conn, reason),
            }
        }
        if unread > 0 {
            self.pose_tx.send_modify(|p| p.frame += unread as u64);
        }
        for samples in typed.into_iter().rev() {
            self.apply_frame(conn, samples, false);
        }
    }

    /// Applies a typed frame to the pose; `arrived_now`: not yet counted in the stats.
    fn apply_frame(&mut self, conn: &mut Conn, samples: Vec<JointSample>, arrived_now: bool) {
        let now = Instant::now();
        let time_ms = now_ms();
        let index = &mut self.index;
        let mut missing = 0;
        self.pose_tx
            .send_modify(|p| missing = index.apply(p, samples, time_ms));
        let partial = missing > 0 && self.joint_count > 0;
        if arrived_now {
            self.stats.frame(now.into_std(), partial);
        } else if partial {
            self.stats.partial_frame();
        }
        // Frames flow, so whatever ack we sent was accepted (older servers send no uuids).
        conn.uuids_deadline = None;
        if !conn.ack_confirmed {
            self.ack_accepted(conn);
        }
        if !conn.streaming {
            conn.streaming = true;
            self.status_tx.send_modify(|s| {
                s.connection = ConnectionState::Streaming;
                s.warning = None;
            });
            self.emit(MosketchEvent::FirstFrame);
        }
    }

    async fn on_hierarchy(&mut self, conn: &mut Conn, h: Hierarchy) -> Result<(), AppError> {
        self.hierarchy_id += 1;
        let skeleton = match crate::skeleton::hierarchy::from_hierarchy(&h) {
            Ok(s) => s,
            Err(e) => {
                self.emit(MosketchEvent::Notice {
                    message: format!(
                        "The Hierarchy's skeleton fields could not be used: {}",
                        e.message
                    ),
                });
                None
            }
        };
        let has_skeleton = skeleton.is_some();
        let mut snapshot = PoseSnapshot::for_hierarchy(self.hierarchy_id, &h.joints);
        snapshot.stats = self.stats.stats.clone();
        snapshot.time_ms = now_ms();
        self.index = PoseIndex::for_snapshot(&snapshot);
        self.joint_count = h.joints.len();
        self.pose_tx.send_replace(snapshot);
        let joints = h.joints.len() as u32;
        self.hierarchy_tx
            .send_replace(Some(Arc::new(MosketchHierarchy {
                id: self.hierarchy_id,
                joints: h.joints,
                skeleton,
            })));

        // Settings first (the official client does), then the ack.
        Self::write(
            conn,
            &encode::command(&MosketchCommand::joint_space(self.joint_space)),
        )
        .await?;
        Self::write(
            conn,
            &encode::command(&MosketchCommand::orient_mode(self.orient_mode)),
        )
        .await?;
        Self::write(conn, encode::hierarchy_ack(self.ack_spelling)).await?;
        conn.got_hierarchy = true;
        conn.ack_sent = self.ack_spelling;
        conn.ack_retried = false;
        conn.ack_confirmed = false;
        conn.uuids_deadline =
            Some(Instant::now() + Duration::from_millis(self.config.uuids_timeout_ms));
        conn.streaming = false;
        let id = self.hierarchy_id;
        self.status_tx.send_modify(|s| {
            s.connection = ConnectionState::Handshaking;
            s.hierarchy_id = id;
            s.joint_count = joints;
            s.has_skeleton = has_skeleton;
            s.warning = None;
        });
        self.emit(MosketchEvent::Hierarchy {
            id,
            joints,
            has_skeleton,
        });
        Ok(())
    }

    async fn on_uuids(
        &mut self,
        conn: &mut Conn,
        pairs: Vec<(String, String)>,
    ) -> Result<(), AppError> {
        let count = pairs.len() as u32;
        let index = &mut self.index;
        self.pose_tx.send_modify(|p| index.set_uuids(p, pairs));
        Self::write(conn, encode::JOINTS_UUIDS_ACK).await?;
        conn.uuids_deadline = None;
        self.status_tx.send_modify(|s| s.warning = None);
        self.emit(MosketchEvent::Uuids { count });
        if !conn.ack_confirmed {
            self.ack_accepted(conn);
        }
        Ok(())
    }

    /// Mosketch answered the hierarchy ack (uuids or frames): that spelling is the one
    /// for this server, from now on and, remembered, for the next session.
    fn ack_accepted(&mut self, conn: &mut Conn) {
        if !conn.got_hierarchy {
            return;
        }
        conn.ack_confirmed = true;
        let spelling = conn.ack_sent;
        if self.ack_spelling != spelling {
            self.ack_spelling = spelling;
            self.status_tx.send_modify(|s| s.ack_spelling = spelling);
        }
        // Written only when the next session would otherwise start with the other one
        // (a server that takes the configured spelling leaves no trace).
        if self.remembered.unwrap_or(self.config.ack_spelling) == spelling {
            return;
        }
        if let Some(memory) = &self.memory {
            match memory.remember(&self.address, spelling) {
                Ok(()) => self.remembered = Some(spelling),
                Err(e) => tracing::warn!(
                    path = %memory.path().display(),
                    "cannot remember Mosketch's hierarchy-ack spelling: {e}"
                ),
            }
        }
    }

    /// No JointsUuids (nor frame) came after the hierarchy ack: send it again in the
    /// other spelling, once; when that goes unanswered too, give up.
    async fn on_uuids_timeout(&mut self, conn: &mut Conn) -> Result<(), AppError> {
        conn.uuids_deadline = None;
        let sent = conn.ack_sent;
        let other = sent.other();
        let waited = self.config.uuids_timeout_ms as f64 / 1000.0;
        if conn.ack_retried {
            let message = format!(
                "Mosketch at {} accepted neither hierarchy acknowledgement: no joint uuids or \
                 frames came within {waited:.1} s of {other} nor of {sent}. This Mosketch build \
                 may speak another version of the streaming protocol (its log may say \
                 \"receiving wrong packet type\"). Reconnect to try again.",
                self.address
            );
            tracing::warn!("{message}");
            self.status_tx.send_modify(|s| s.warning = None);
            self.give_up = true;
            return Err(AppError::new(ErrorCode::Protocol, message));
        }
        let message = format!(
            "Mosketch sent no joint uuids within {waited:.1} s of the hierarchy acknowledgement \
             ({sent}): sending it again as {other}, the other spelling Mosketch builds use."
        );
        tracing::warn!("{message}");
        Self::write(conn, encode::hierarchy_ack(other)).await?;
        conn.ack_sent = other;
        conn.ack_retried = true;
        conn.uuids_deadline =
            Some(Instant::now() + Duration::from_millis(self.config.uuids_timeout_ms));
        self.status_tx
            .send_modify(|s| s.warning = Some(message.clone()));
        self.emit(MosketchEvent::AckSpellingSuspect {
            sent,
            suggested: other,
            message,
        });
        Ok(())
    }

    fn on_unknown(&mut self, conn: &mut Conn, ty: String) {
        self.stats.unknown(&ty);
        if conn.unknown_seen.insert(ty.clone()) {
            self.emit(MosketchEvent::UnknownPacket { packet_type: ty });
        }
    }

    fn on_malformed(&mut self, conn: &mut Conn, reason: String) {
        self.stats.malformed(&reason);
        if !std::mem::replace(&mut conn.malformed_reported, true) {
            self.emit(MosketchEvent::Malformed { reason });
        }
    }

    async fn on_request(&mut self, conn: &mut Conn, req: Request) -> Result<(), AppError> {
        let (bytes, reply) = match req {
            Request::JointSpace(s, r) => {
                self.joint_space = s;
                self.status_tx.send_modify(|st| st.joint_space = s);
                (encode::command(&MosketchCommand::joint_space(s)), r)
            }
            Request::OrientMode(m, r) => {
                self.orient_mode = m;
                self.status_tx.send_modify(|st| st.orient_mode = m);
                (encode::command(&MosketchCommand::orient_mode(m)), r)
            }
            Request::AckSpelling(a, r) => {
                self.ack_spelling = a;
                self.status_tx.send_modify(|st| st.ack_spelling = a);
                // Still waiting for the uuids: try the new spelling right away.
                if conn.uuids_deadline.is_some()
                    || (conn.got_hierarchy && !conn.streaming && conn.ack_sent != a)
                {
                    conn.ack_sent = a;
                    // The artist's choice first; if it goes unanswered, the other one.
                    conn.ack_retried = false;
                    conn.uuids_deadline =
                        Some(Instant::now() + Duration::from_millis(self.config.uuids_timeout_ms));
                    self.status_tx.send_modify(|st| st.warning = None);
                    (encode::hierarchy_ack(a).to_vec(), r)
                } else {
                    let _ = r.send(Ok(()));
                    return Ok(());
                }
            }
            Request::Command(c, r) => (encode::command(&c), r),
            Request::Pose(joints, r) => (encode::joints_stream(&joints), r),
            Request::Stats(r) => {
                let _ = r.send(self.stats.refresh(Instant::now().into_std()).clone());
                return Ok(());
            }
            Request::ReconnectNow => {
                self.reconnect_now = true;
                return Err(AppError::new(
                    ErrorCode::Cancelled,
                    "Reconnecting to Mosketch as asked.",
                ));
            }
        };
        let result = Self::write(conn, &bytes).await;
        let _ = reply.send(result.clone());
        result
    }

    fn set_connection(&mut self, state: ConnectionState) {
        let stats = self.stats.refresh(Instant::now().into_std()).clone();
        self.status_tx.send_modify(|s| {
            s.connection = state;
            s.stats = stats;
        });
    }

    fn refresh_stats(&mut self) {
        let stats = self.stats.refresh(Instant::now().into_std()).clone();
        // The pose's copy is updated without waking its readers: frames do that.
        self.pose_tx.send_if_modified(|p| {
            p.stats = stats.clone();
            false
        });
        self.status_tx.send_modify(|s| s.stats = stats);
    }

    fn emit(&self, e: MosketchEvent) {
        let _ = self.events.send(e);
    }
}

#[cfg(test)]
mod early_ack_tests {
    use super::is_frame;

    #[test]
    fn only_plain_joints_stream_objects_are_acked_before_typing() {
        assert!(is_frame(br#"{"Type":"JointsStream","Joints":[]}"#));
        assert!(is_frame(br#" { "Type" : "JointsStream" , "Joints":[]}"#));
        assert!(
            !is_frame(br#"[{"Type":"JointsStream","Joints":[]}]"#),
            "array-wrapped: typed first"
        );
        assert!(
            !is_frame(br#"{"Joints":[],"Type":"JointsStream"}"#),
            "other key order: typed first"
        );
        assert!(!is_frame(br#"{"Type":"JointsStreamAck"}"#));
        assert!(!is_frame(br#"{"Type":"Hierarchy","Joints":[]}"#));
    }
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn a_config_from_json_remembers_acks_in_the_default_file_and_never_shows_it() {
        // The app's config comes from the UI as JSON: the memory is on for it too.
        let c: MosketchConfig = serde_json::from_str(r#"{"port": 16095}"#).unwrap();
        assert_eq!(c.ack_memory, Some(ack_memory::default_path()));
        assert_eq!(c.ack_memory, MosketchConfig::default().ack_memory);
        let json = serde_json::to_string(&c).unwrap();
        assert!(!json.contains("ackMemory"), "{json}");
        assert!(ack_memory::default_path().ends_with("mosketch-acks.json"));
    }
}
