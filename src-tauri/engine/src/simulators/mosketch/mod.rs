//! A simulated Mosketch streaming server, for demo mode, `mayalink mosketch-sim` and
//! the tests. It follows the protocol notes and exercises every variant the client must
//! tolerate: both hierarchy-ack spellings (or only one, or none, to test the retry), commands
//! before the ack, ack-gated frames at a chosen rate, partial frames, three framings,
//! garbage between frames, a mid-session character change, and poses relayed between
//! clients. Everything clients send is recorded for inspection ([`MosketchSimulator::clients`]).
//! Dropping the simulator closes the listener and every client connection.

mod character;
mod client;
mod output;

pub use character::{Character, CharacterKind};

use crate::error::AppError;
use crate::mosketch::command::{HierarchyAckSpelling, MosketchCommand};
use crate::mosketch::packet::JointSample;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::{CancellationToken, DropGuard};
use ts_rs::TS;

/// How frames are cut on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum SimFraming {
    /// One compact JSON object per `\n`-terminated line (what Mosketch most likely does).
    #[default]
    Lines,
    /// Objects back to back with no delimiter.
    Concatenated,
    /// No delimiter, and each packet cut into small writes of random size.
    Split,
}

impl std::str::FromStr for SimFraming {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "lines" | "line" => Ok(Self::Lines),
            "concatenated" | "concat" => Ok(Self::Concatenated),
            "split" => Ok(Self::Split),
            _ => Err(format!(
                "unknown framing '{s}' (lines, concatenated or split)"
            )),
        }
    }
}

/// What the simulator does; can be changed while it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct SimSettings {
    /// Frames per second; 0 = as fast as the client's acks allow.
    pub rate_hz: f64,
    pub framing: SimFraming,
    /// Every odd frame carries only every third joint.
    pub partial: bool,
    /// Malformed data and unknown packet types between frames (one in every 7 frames).
    pub garbage: bool,
    /// Parents and rest offsets as extra Hierarchy fields (the real server may not send them).
    pub send_skeleton: bool,
    /// Accept only this hierarchy-ack spelling (null: both).
    pub only_ack: Option<HierarchyAckSpelling>,
}

impl Default for SimSettings {
    fn default() -> Self {
        Self {
            rate_hz: 60.0,
            framing: SimFraming::Lines,
            partial: false,
            garbage: false,
            send_skeleton: true,
            only_ack: None,
        }
    }
}

impl SimSettings {
    /// Seconds of animation per frame (60 Hz timing when streaming as fast as acks allow).
    pub fn frame_dt(&self) -> f64 {
        if self.rate_hz > 0.0 && self.rate_hz.is_finite() {
            (1.0 / self.rate_hz).min(3600.0)
        } else {
            1.0 / 60.0
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    pub settings: SimSettings,
    pub character: CharacterKind,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 0,
            settings: SimSettings::default(),
            character: CharacterKind::Humanoid,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedCommand {
    pub type_name: String,
    pub command: MosketchCommand,
    /// Sent before the hierarchy ack of the current handshake.
    pub before_ack: bool,
}

/// Everything one client did, for tests and the CLI. Lists keep the latest entries.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimClientRecord {
    pub id: u64,
    pub peer: String,
    pub connected: bool,
    pub hierarchies_sent: u32,
    /// Accepted hierarchy acks, in order.
    pub hierarchy_acks: Vec<HierarchyAckSpelling>,
    /// Packets refused ("receiving wrong packet type"), e.g. the spelling not accepted.
    pub rejected: Vec<String>,
    pub uuids_acks: u32,
    pub frames_sent: u64,
    pub stream_acks: u64,
    pub commands: Vec<ReceivedCommand>,
    pub poses: Vec<Vec<JointSample>>,
    /// Poses from other clients forwarded to this one.
    pub relayed_in: u64,
    pub unknown: Vec<String>,
    pub malformed: u64,
    pub garbage_malformed_sent: u64,
    pub garbage_unknown_sent: u64,
}

const MAX_LISTED: usize = 1000;
const MAX_RECORDS: usize = 256;

impl SimClientRecord {
    fn push_bounded<T>(v: &mut Vec<T>, x: T) {
        if v.len() >= MAX_LISTED {
            v.remove(0);
        }
        v.push(x);
    }
}

#[derive(Clone, Debug)]
struct Relay {
    from: u64,
    bytes: Bytes,
}

struct Shared {
    settings: watch::Sender<SimSettings>,
    character: watch::Sender<Arc<Character>>,
    records: Mutex<Vec<SimClientRecord>>,
    relay: broadcast::Sender<Relay>,
    /// Refuse both hierarchy-ack spellings (see [`MosketchSimulator::refuse_hierarchy_acks`]).
    refuse_acks: AtomicBool,
}

impl Shared {
    fn record(&self, id: u64, f: impl FnOnce(&mut SimClientRecord)) {
        let mut records = self.records.lock().expect("records lock");
        if let Some(r) = records.iter_mut().rev().find(|r| r.id == id) {
            f(r);
        }
    }
}

pub struct MosketchSimulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: Option<tokio::task::JoinHandle<()>>,
    _stop: DropGuard,
}

impl MosketchSimulator {
    /// Binds (127.0.0.1 by default) and starts accepting clients.
    pub async fn start(config: SimConfig) -> Result<Self, AppError> {
        let listener = TcpListener::bind((config.host.as_str(), config.port))
            .await
            .map_err(|e| {
                let mut err = AppError::from(e);
                err.message = format!(
                    "The Mosketch simulator cannot listen on {}:{}: {}",
                    config.host, config.port, err.message
                );
                err
            })?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            settings: watch::channel(config.settings).0,
            character: watch::channel(Arc::new(Character::new(config.character))).0,
            records: Mutex::new(Vec::new()),
            relay: broadcast::channel(64).0,
            refuse_acks: AtomicBool::new(false),
        });
        let cancel = CancellationToken::new();
        let task = tokio::spawn(accept_loop(listener, shared.clone(), cancel.clone()));
        Ok(Self {
            addr,
            shared,
            task: Some(task),
            _stop: cancel.drop_guard(),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn settings(&self) -> SimSettings {
        self.shared.settings.borrow().clone()
    }
    /// Changes apply from the next frame (framing, rate, garbage…) or handshake (ack spelling).
    pub fn update_settings(&self, f: impl FnOnce(&mut SimSettings)) {
        self.shared.settings.send_modify(f);
    }

    /// Refuse both hierarchy-ack spellings, like a Mosketch build that wants some third
    /// one: the handshake never gets past the Hierarchy (each ack is recorded as
    /// rejected). Applies to acks received from now on.
    pub fn refuse_hierarchy_acks(&self, refuse: bool) {
        self.shared.refuse_acks.store(refuse, Ordering::Relaxed);
    }

    pub fn character(&self) -> Arc<Character> {
        self.shared.character.borrow().clone()
    }
    /// Switches the scene's character: every client gets a new Hierarchy and handshake.
    pub fn set_character(&self, kind: CharacterKind) {
        self.shared
            .character
            .send_replace(Arc::new(Character::new(kind)));
    }

    /// What each client (connected or not, latest 256) sent and received.
    pub fn clients(&self) -> Vec<SimClientRecord> {
        self.shared.records.lock().expect("records lock").clone()
    }

    /// Stops listening and closes every client connection, and waits until done.
    pub async fn shutdown(mut self) {
        let task = self.task.take();
        drop(self);
        if let Some(t) = task {
            let _ = t.await;
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, cancel: CancellationToken) {
    let mut clients = tokio::task::JoinSet::new();
    let mut next_id = 1u64;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let id = next_id;
                    next_id += 1;
                    {
                        let mut records = shared.records.lock().expect("records lock");
                        if records.len() >= MAX_RECORDS {
                            if let Some(i) = records.iter().position(|r| !r.connected) {
                                records.remove(i);
                            }
                        }
                        records.push(SimClientRecord { id, peer: peer.to_string(), connected: true, ..Default::default() });
                    }
                    tracing::debug!(%peer, id, "mosketch simulator: client connected");
                    clients.spawn(client::serve(stream, id, shared.clone(), cancel.child_token()));
                }
                Err(e) => {
                    tracing::warn!("mosketch simulator: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            Some(_) = clients.join_next(), if !clients.is_empty() => {}
        }
    }
    drop(listener);
    clients.shutdown().await;
    for r in shared.records.lock().expect("records lock").iter_mut() {
        r.connected = false;
    }
}
