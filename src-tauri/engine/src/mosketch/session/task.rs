//! The task that owns the connection to Mosketch: connects (and reconnects), reads
//! packets and hands them on, answers the handle's requests, writes to Mosketch and
//! keeps the status and the stats current.

use super::incoming::POSE_PERIOD;
use super::{not_reachable_message, MosketchConfig, Request};
use crate::error::{AppError, ErrorCode};
use crate::mosketch::ack_memory::AckMemory;
use crate::mosketch::codec::{JsonItem, JsonStreamCodec};
use crate::mosketch::command::{HierarchyAckSpelling, JointSpace, OrientMode};
use crate::mosketch::pose::{PoseIndex, PoseSnapshot};
use crate::mosketch::silence::SilenceWatch;
use crate::mosketch::stats::StatsRecorder;
use crate::mosketch::status::{ConnectionState, MosketchEvent, MosketchHierarchy, MosketchStatus};
use crate::mosketch::wire::PacketReader;
use serde::de::IgnoredAny;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub(super) struct SessionTask {
    pub(super) config: MosketchConfig,
    pub(super) address: String,
    pub(super) requests: mpsc::UnboundedReceiver<Request>,
    pub(super) pose_tx: watch::Sender<PoseSnapshot>,
    pub(super) status_tx: watch::Sender<MosketchStatus>,
    pub(super) hierarchy_tx: watch::Sender<Option<Arc<MosketchHierarchy>>>,
    pub(super) events: broadcast::Sender<MosketchEvent>,
    pub(super) stats: StatsRecorder,
    pub(super) index: PoseIndex,
    pub(super) hierarchy_id: u64,
    pub(super) joint_count: usize,
    pub(super) ack_spelling: HierarchyAckSpelling,
    /// Where the accepted spelling is remembered, and what it says for this address.
    pub(super) memory: Option<AckMemory>,
    pub(super) remembered: Option<HierarchyAckSpelling>,
    /// Set when Mosketch accepted neither spelling: fail instead of reconnecting.
    pub(super) give_up: bool,
    pub(super) joint_space: JointSpace,
    pub(super) orient_mode: OrientMode,
    pub(super) reconnect_now: bool,
    pub(super) cancel: CancellationToken,
    /// Back-to-back frames acked but not typed yet, oldest first (see `type_pending`).
    pub(super) pending: Vec<(bytes::Bytes, Instant)>,
    /// When the last frame's ack was written (to tell a back-to-back stream).
    pub(super) last_ack_at: Option<Instant>,
    /// While frames come back-to-back: poll the socket until then instead of sleeping.
    pub(super) poll_until: Option<Instant>,
}

/// Per-connection state.
pub(super) struct Conn {
    pub(super) wr: OwnedWriteHalf,
    pub(super) got_hierarchy: bool,
    /// The ack spelling sent (last) for the current hierarchy.
    pub(super) ack_sent: HierarchyAckSpelling,
    /// The ack was already sent again in the other spelling for the current hierarchy.
    pub(super) ack_retried: bool,
    /// JointsUuids or a frame came after the current hierarchy's ack.
    pub(super) ack_confirmed: bool,
    /// Set after the hierarchy ack until JointsUuids or a frame arrives.
    pub(super) uuids_deadline: Option<Instant>,
    pub(super) streaming: bool,
    pub(super) unknown_seen: HashSet<String>,
    pub(super) malformed_reported: bool,
    pub(super) silence: SilenceWatch,
    pub(super) write_timeout: Duration,
}

/// How often the status is refreshed while frames/s moves (frames coming, or decaying
/// after the last one). Otherwise the task sleeps until something arrives or the silence
/// warning is due (a paused stream costs no CPU); `last_frame_age_ms` is then as of the
/// status's last refresh, and readers add the time since.
const STATUS_PERIOD: Duration = Duration::from_millis(250);

impl SessionTask {
    pub(super) async fn run(mut self) {
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
        let mut refresh = self.next_refresh(None);
        loop {
            tokio::select! {
                _ = async { tokio::time::sleep_until(until.unwrap()).await }, if until.is_some() => return,
                _ = async { tokio::time::sleep_until(refresh.unwrap()).await }, if refresh.is_some() => {
                    self.refresh_stats();
                    refresh = self.next_refresh(None);
                }
                req = self.requests.recv() => match req {
                    // The handle is gone: its drop guard is cancelling us.
                    None => std::future::pending::<()>().await,
                    Some(Request::ReconnectNow) => return,
                    Some(req) => self.answer_disconnected(req),
                },
            }
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
        // One timer for the whole connection, reset rather than re-created per packet.
        let mut refresh = Some(Instant::now() + STATUS_PERIOD);
        let refresh_timer = tokio::time::sleep_until(refresh.unwrap());
        tokio::pin!(refresh_timer);
        let mut refreshed = false;
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
                _ = &mut refresh_timer, if refresh.is_some() => {
                    self.refresh_stats();
                    self.check_silence(&mut conn);
                    // Keep refreshing only while the status still moves by itself.
                    let silence = conn.silence.deadline().filter(|_| conn.streaming);
                    refresh = self.next_refresh(silence);
                    refreshed = true;
                    Ok(())
                }
            };
            // Anything else that happened may have changed the stats: publish them soon.
            if !std::mem::take(&mut refreshed) && refresh.is_none() {
                refresh = Some(Instant::now() + STATUS_PERIOD);
            }
            if let Some(at) = refresh.filter(|at| *at != refresh_timer.deadline()) {
                refresh_timer.as_mut().reset(at);
            }
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
    pub(super) async fn write(conn: &mut Conn, bytes: &[u8]) -> Result<(), AppError> {
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

    fn set_connection(&mut self, state: ConnectionState) {
        let stats = self.stats.refresh(Instant::now().into_std()).clone();
        self.status_tx.send_modify(|s| {
            s.connection = state;
            s.stats = stats;
        });
    }

    /// When to refresh the status next: soon while frames/s still moves, at the silence
    /// warning's deadline (`silence`) if that comes first or alone, never otherwise.
    fn next_refresh(&self, silence: Option<std::time::Instant>) -> Option<Instant> {
        let rate = self
            .stats
            .rate_is_moving()
            .then(|| Instant::now() + STATUS_PERIOD);
        // A millisecond late, so the check finds the silence long enough.
        let silence = silence.map(|t| Instant::from_std(t) + Duration::from_millis(1));
        rate.into_iter().chain(silence).min()
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

    pub(super) fn emit(&self, e: MosketchEvent) {
        let _ = self.events.send(e);
    }
}
