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

mod config;
mod handshake;
mod incoming;
mod requests;
mod task;

pub use config::{not_reachable_message, MosketchConfig, DEFAULT_PORT};

use super::ack_memory::AckMemory;
use super::command::{HierarchyAckSpelling, JointSpace, MosketchCommand, OrientMode};
use super::packet::JointSample;
use super::pose::{PoseIndex, PoseSnapshot};
use super::stats::{StatsRecorder, StreamStats};
use super::status::{ConnectionState, MosketchEvent, MosketchHierarchy, MosketchStatus};
use crate::error::{AppError, ErrorCode};
use std::sync::Arc;
use task::SessionTask;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_util::sync::{CancellationToken, DropGuard};

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
