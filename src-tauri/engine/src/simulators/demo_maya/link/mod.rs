//! The live link in Demo Maya: helper_link.py's ops (`link_nodes`, `link_rest`,
//! `link_read`, `link_start`, `link_follow`, `link_stop`) with its JSON shapes, and
//! its receiver with the same datagrams (`crate::link::wire`).
//!
//! Like the helper, each link has a UDP socket and a receiver that keeps only the
//! newest pose and asks Demo Maya's main thread for one apply at a time (the
//! helper's `executeDeferred`): the receiver is a tokio task that owns its socket
//! and never touches the scene; the pose waits in a one-slot mailbox, the main
//! thread applies it with the scene's lock (at most half of its time goes to the
//! link, like the helper's duty limit) and hands the `applied` figures (or, in
//! "Follow Maya", the sampled values) back to the task, which sends them. Demo Maya
//! has no undo queue, so there is nothing to suspend. A link that hears nothing from
//! the app for 10 s stops itself; `link_stop`, the session's clean-up and Demo Maya
//! quitting end the task, which closes the socket.
//!
//! Here: what the parts share (`Links`, each link's mailbox and refused plugs, node
//! paths); the ops are in `ops`, the main thread's work in `main_thread`, the
//! receiver task in `receiver`.

mod main_thread;
mod ops;
mod receiver;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::scene::{Node, Scene};
// What the main thread hands back to the receiver to send is what the app decodes.
use crate::link::wire::{FromMaya, PoseEntry};

/// No datagram from the app this long: it is gone, the link stops (the helper's limit).
const IDLE_LIMIT: Duration = Duration::from_secs(10);

/// Work for Demo Maya's main thread, run with the scene's lock held.
pub(crate) type Deferred = Box<dyn FnOnce(&mut Links, &mut Scene) + Send>;
/// Queues a job for the main thread (`maya.utils.executeDeferred`); false if it is gone.
pub(crate) type Post = Arc<dyn Fn(Deferred) -> bool + Send + Sync>;

/// Where a pose waits between the receiver and the main thread: one slot, the
/// newest pose replaces an older one that was not applied yet.
#[derive(Default)]
struct Mailbox {
    latest: Option<(u32, Vec<PoseEntry>)>,
    /// A main-thread job (apply or sample) is queued.
    pending: bool,
    superseded: u32,
    follow_hz: f64,
    /// No apply is asked for before this (the duty limit).
    not_before: Option<Instant>,
}

impl Mailbox {
    /// A pose waits and may be handed to the main thread now: mark it queued.
    fn take_turn(&mut self, now: Instant) -> bool {
        let due =
            self.latest.is_some() && !self.pending && self.not_before.is_none_or(|t| now >= t);
        if due {
            self.pending = true;
        }
        due
    }

    /// When a held-back pose will be due, if one waits.
    fn held_until(&self) -> Option<Instant> {
        (self.latest.is_some() && !self.pending)
            .then_some(self.not_before)
            .flatten()
    }
}

/// One link, as the main thread holds it.
struct Link {
    session: String,
    nodes: Vec<String>,
    mailbox: Arc<Mutex<Mailbox>>,
    applied: u32,
    refused: Refused,
    last_sample: Option<Vec<[f64; 6]>>,
    replies: mpsc::UnboundedSender<FromMaya>,
    stop: CancellationToken,
    /// Disconnected once the receiver has ended and its socket is closed.
    ended: std::sync::mpsc::Receiver<()>,
}

/// Every link of this Demo Maya (the helper's `_links()`).
pub(crate) struct Links {
    links: BTreeMap<String, Link>,
    post: Option<Post>,
    runtime: Option<tokio::runtime::Handle>,
    /// Demo Maya's own token: quitting stops every receiver.
    cancel: CancellationToken,
    receivers: Arc<AtomicUsize>,
    idle_limit: Duration,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `|Hips|Spine`: the node's long DAG path.
fn long_path(scene: &Scene, node: &Node) -> String {
    let mut parts = vec![node.name.as_str()];
    let mut cur = node.parent.as_deref();
    while let Some(p) = cur.and_then(|p| scene.get(p)) {
        if parts.len() > 10_000 {
            break;
        }
        parts.push(p.name.as_str());
        cur = p.parent.as_deref();
    }
    parts.iter().rev().fold(String::new(), |mut s, p| {
        s.push('|');
        s.push_str(p);
        s
    })
}

/// A node by short name or long path (Demo Maya's short names are unique).
fn find<'a>(scene: &'a Scene, path: &str) -> Option<&'a Node> {
    let short = path.rsplit('|').next().unwrap_or(path);
    scene
        .get(short)
        .filter(|n| path == short || long_path(scene, n) == path)
}

impl Links {
    pub(crate) fn new(runtime: Option<tokio::runtime::Handle>, cancel: CancellationToken) -> Self {
        Self {
            links: BTreeMap::new(),
            post: None,
            runtime,
            cancel,
            receivers: Arc::new(AtomicUsize::new(0)),
            idle_limit: IDLE_LIMIT,
        }
    }

    /// How receivers queue work for the main thread; without it, links cannot start.
    pub(crate) fn set_main_thread(&mut self, post: Post) {
        self.post = Some(post);
    }

    /// Receiver tasks alive right now (each owns one UDP socket).
    pub(crate) fn receivers(&self) -> Arc<AtomicUsize> {
        self.receivers.clone()
    }

    /// Ids of the links this Demo Maya holds.
    pub(crate) fn ids(&self) -> Vec<String> {
        self.links.keys().cloned().collect()
    }

    #[cfg(test)]
    fn set_idle_limit(&mut self, limit: Duration) {
        self.idle_limit = limit;
    }
}

/// Plugs that refused a value: each is reported once, not per frame.
#[derive(Default)]
struct Refused {
    failed: HashSet<String>,
    unreported: Vec<(String, String)>,
}

impl Refused {
    fn fail(&mut self, plug: String) {
        if self.failed.insert(plug.clone()) {
            let message = format!("No object matches name: {plug}");
            self.unreported.push((plug, message));
        }
    }
}
