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

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::process::{b64_decode, error_json, exception, field, key_of};
use super::scene::{Node, Scene};
// What the main thread hands back to the receiver to send is what the app decodes.
use crate::link::wire::{self, FromMaya, PoseEntry, ToMaya, Token, ROTATE, TRANSLATE};

/// No datagram from the app this long: it is gone, the link stops (the helper's limit).
const IDLE_LIMIT: Duration = Duration::from_secs(10);
/// How often a quiet receiver looks at the clock (the helper's socket timeout).
const POLL: Duration = Duration::from_millis(250);
/// How long `link_stop` waits for the receiver to end (the helper's `join(1.0)`).
const JOIN: Duration = Duration::from_secs(1);
/// At most this share of the main thread goes to applying poses (the helper's
/// `_LINK_DUTY`): after an apply that took t, the next waits t·(1 − duty)/duty.
const DUTY: f64 = 0.5;
const CHANNELS: [&str; 6] = [
    "rotateX",
    "rotateY",
    "rotateZ",
    "translateX",
    "translateY",
    "translateZ",
];

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

fn units() -> Json {
    json!({"linear": "cm", "angle": "deg"})
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

fn node_name(scene: &Scene, path: &str) -> Option<String> {
    find(scene, path)
        .filter(|n| n.kind.is_transform())
        .map(|n| n.name.clone())
}

/// Python's `float(x)`.
fn float_of(v: &Json, op: &str) -> Result<f64, Json> {
    v.as_f64()
        .or_else(|| v.as_bool().map(|b| f64::from(u8::from(b))))
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        .ok_or_else(|| exception("ValueError", format!("could not convert to float: {v}"), op))
}

/// Python's `list(req["nodes"])` of paths.
fn paths_of(v: &Json, op: &str) -> Result<Vec<String>, Json> {
    match v {
        Json::Array(a) => Ok(a.iter().map(key_of).collect()),
        Json::String(s) => Ok(s.chars().map(String::from).collect()),
        other => Err(exception(
            "TypeError",
            format!("'{}' object is not iterable", py_type(other)),
            op,
        )),
    }
}

fn py_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "NoneType",
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_f64() => "float",
        Json::Number(_) => "int",
        Json::String(_) => "str",
        Json::Array(_) => "list",
        Json::Object(_) => "dict",
    }
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

    /// `link_nodes`: every joint and transform (long paths), with the scene's units.
    pub(crate) fn op_nodes(scene: &Scene) -> Json {
        let mut nodes = Vec::new();
        let mut seen = HashSet::new();
        for kind in ["joint", "transform"] {
            for name in scene.ls(&[], Some(kind)) {
                let Some(n) = scene.get(&name) else { continue };
                let path = long_path(scene, n);
                if seen.insert(path.clone()) {
                    nodes.push(json!({"path": path, "kind": kind}));
                }
            }
        }
        json!({"ok": true, "nodes": nodes, "units": units()})
    }

    /// `link_rest`: rest data of the mapped nodes. Demo Maya locks and connects
    /// nothing, so nothing is blocked (but a shape has no such channels).
    pub(crate) fn op_rest(scene: &Scene, req: &Json) -> Result<Json, Json> {
        let paths = match req.get("nodes") {
            None => vec![],
            Some(v) => paths_of(v, "link_rest")?,
        };
        let out: Vec<Json> = paths
            .into_iter()
            .map(|path| match find(scene, &path) {
                None => json!({"path": path, "found": false}),
                Some(n) => {
                    let channels = n.kind.is_transform();
                    let zero = [0.0; 3];
                    let pick = |v: [f64; 3]| if channels { v } else { zero };
                    let blocked = if channels { Json::Null } else { json!("missing") };
                    json!({
                        "path": path,
                        "found": true,
                        "kind": n.kind.type_name(),
                        "parent": n.parent.as_deref().and_then(|p| scene.get(p)).map(|p| long_path(scene, p)),
                        "rotateOrder": if channels { n.rotate_order } else { 0 },
                        "rotate": pick(n.rotate),
                        "translate": pick(n.translate),
                        "jointOrient": if n.kind == super::scene::NodeKind::Joint { n.joint_orient } else { zero },
                        "rotateAxis": pick(n.rotate_axis),
                        "blocked": vec![blocked; 6],
                    })
                }
            })
            .collect();
        Ok(json!({"ok": true, "nodes": out, "units": units()}))
    }

    /// `link_read`: rotate and translate of nodes (UI units), `null` for a missing one.
    pub(crate) fn op_read(scene: &Scene, req: &Json) -> Result<Json, Json> {
        let paths = match req.get("nodes") {
            None => vec![],
            Some(v) => paths_of(v, "link_read")?,
        };
        let values: Vec<Json> = paths
            .iter()
            .map(|p| match find(scene, p).filter(|n| n.kind.is_transform()) {
                Some(n) => json!([
                    n.rotate[0],
                    n.rotate[1],
                    n.rotate[2],
                    n.translate[0],
                    n.translate[1],
                    n.translate[2]
                ]),
                None => Json::Null,
            })
            .collect();
        Ok(json!({"ok": true, "values": values, "units": units()}))
    }

    /// `link_start`: a socket and its receiver; answers the port the app sends to.
    pub(crate) fn op_start(&mut self, req: &Json) -> Result<Json, Json> {
        let op = "link_start";
        let id = key_of(field(req, "link", op)?);
        self.stop_one(&id);
        let session = req.get("session").map(key_of).unwrap_or_default();
        let token = b64_decode(field(req, "token", op)?, op)?;
        let token: Token = token.try_into().map_err(|t: Vec<u8>| {
            exception(
                "ValueError",
                format!("the token must be 16 bytes, got {}", t.len()),
                op,
            )
        })?;
        let nodes = paths_of(field(req, "nodes", op)?, op)?;
        let host = req
            .get("host")
            .and_then(Json::as_str)
            .unwrap_or("127.0.0.1")
            .to_string();
        let follow_hz = match req.get("follow_hz") {
            None => 0.0,
            Some(v) => float_of(v, op)?.min(30.0),
        };
        let (Some(runtime), Some(post)) = (self.runtime.clone(), self.post.clone()) else {
            return Err(exception(
                "OSError",
                "Demo Maya runs no event loop here: the live link cannot start",
                op,
            ));
        };
        // The helper binds every interface of the host's family; a loopback link
        // stays on loopback.
        let bind = match host.parse::<IpAddr>() {
            Ok(ip) if ip.is_loopback() => SocketAddr::new(ip, 0),
            Ok(IpAddr::V6(_)) => SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), 0),
            Ok(IpAddr::V4(_)) => SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), 0),
            Err(_) if host.contains(':') => SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), 0),
            Err(_) => SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), 0),
        };
        let socket = std::net::UdpSocket::bind(bind)
            .and_then(|s| {
                s.set_nonblocking(true)?;
                let _entered = runtime.enter();
                UdpSocket::from_std(s)
            })
            .map_err(|e| exception("OSError", e.to_string(), op))?;
        let port = socket
            .local_addr()
            .map_err(|e| exception("OSError", e.to_string(), op))?
            .port();
        let mailbox = Arc::new(Mutex::new(Mailbox {
            follow_hz,
            ..Default::default()
        }));
        let (replies, replies_rx) = mpsc::unbounded_channel();
        let (ended_tx, ended) = std::sync::mpsc::channel();
        let stop = self.cancel.child_token();
        let receiver = Receiver {
            id: id.clone(),
            socket,
            token,
            count: nodes.len(),
            mailbox: mailbox.clone(),
            post,
            idle_limit: self.idle_limit,
            _alive: Alive::new(self.receivers.clone(), ended_tx),
        };
        runtime.spawn(receiver.run(replies_rx, stop.clone()));
        self.links.insert(
            id,
            Link {
                session,
                nodes,
                mailbox,
                applied: 0,
                refused: Refused::default(),
                last_sample: None,
                replies,
                stop,
                ended,
            },
        );
        Ok(json!({"ok": true, "port": port}))
    }

    /// `link_follow`: "Follow Maya" on (up to 30 Hz) or off.
    pub(crate) fn op_follow(&mut self, req: &Json) -> Result<Json, Json> {
        let op = "link_follow";
        let id = key_of(field(req, "link", op)?);
        let hz = match req.get("hz") {
            None => 0.0,
            Some(v) => float_of(v, op)?.min(30.0),
        };
        let Some(link) = self.links.get_mut(&id) else {
            return Ok(error_json("MayalinkError", "no such link", ""));
        };
        lock(&link.mailbox).follow_hz = hz;
        link.last_sample = None;
        Ok(json!({"ok": true}))
    }

    /// `link_stop`.
    pub(crate) fn op_stop(&mut self, req: &Json) -> Result<Json, Json> {
        let id = key_of(field(req, "link", "link_stop")?);
        let stopped = self.stop_one(&id);
        Ok(json!({"ok": true, "stopped": stopped, "links_left": self.links.len()}))
    }

    /// The session's clean-up hook: its links stop.
    pub(crate) fn cleanup(&mut self, session: &str) {
        let doomed: Vec<String> = self
            .links
            .iter()
            .filter(|(_, l)| l.session == session)
            .map(|(id, _)| id.clone())
            .collect();
        for id in doomed {
            self.stop_one(&id);
        }
    }

    /// Ends the receiver and waits (briefly) until its socket is closed.
    fn stop_one(&mut self, id: &str) -> bool {
        let Some(link) = self.links.remove(id) else {
            return false;
        };
        link.stop.cancel();
        let _ = link.ended.recv_timeout(JOIN);
        true
    }

    /// The link whose mailbox this is (not a newer link started under the same id).
    fn link_of(&mut self, id: &str, mailbox: &Arc<Mutex<Mailbox>>) -> Option<&mut Link> {
        self.links
            .get_mut(id)
            .filter(|l| Arc::ptr_eq(&l.mailbox, mailbox))
    }

    /// Main thread: the newest pose, set with ready values (the helper's `apply`).
    fn apply(&mut self, id: &str, mailbox: &Arc<Mutex<Mailbox>>, scene: &mut Scene) {
        let frame = {
            let mut m = lock(mailbox);
            m.pending = false;
            m.latest.take()
        };
        let (Some((seq, entries)), Some(link)) = (frame, self.link_of(id, mailbox)) else {
            return;
        };
        let started = Instant::now();
        let (nodes, refused) = (&link.nodes, &mut link.refused);
        for e in &entries {
            let Some(path) = nodes.get(e.index as usize) else {
                continue;
            };
            let name = node_name(scene, path);
            for (group, values, first) in [
                (e.mask & ROTATE, e.rotate, 0usize),
                (e.mask & TRANSLATE, e.translate, 3),
            ] {
                let bits = group >> first;
                if bits == 0 {
                    continue;
                }
                let node = name.as_deref().and_then(|n| scene.get_mut(n));
                let Some(node) = node else {
                    let group_name = if first == 0 { "rotate" } else { "translate" };
                    if bits == 0b111 {
                        refused.fail(format!("{path}.{group_name}"));
                    } else {
                        for k in (0..3).filter(|k| bits & (1 << k) != 0) {
                            refused.fail(format!("{path}.{}", CHANNELS[first + k]));
                        }
                    }
                    continue;
                };
                let target = if first == 0 {
                    &mut node.rotate
                } else {
                    &mut node.translate
                };
                for k in (0..3).filter(|k| bits & (1 << k) != 0) {
                    target[k] = values[k];
                }
            }
        }
        let ended = Instant::now();
        let took = ended - started;
        let main_thread_s = took.as_secs_f64();
        link.applied = link.applied.wrapping_add(1);
        let superseded = {
            let mut m = lock(mailbox);
            m.not_before = Some(ended + took.mul_f64((1.0 - DUTY) / DUTY));
            m.superseded
        };
        let _ = link.replies.send(FromMaya::Applied {
            seq,
            main_thread_s,
            applied: link.applied,
            superseded,
            failures: std::mem::take(&mut link.refused.unreported),
        });
    }

    /// Main thread, "Follow Maya": the nodes' values, sent only when they changed.
    fn sample(&mut self, id: &str, mailbox: &Arc<Mutex<Mailbox>>, scene: &Scene) {
        lock(mailbox).pending = false;
        let Some(link) = self.link_of(id, mailbox) else {
            return;
        };
        let values: Vec<[f64; 6]> = link
            .nodes
            .iter()
            .map(|p| match find(scene, p).filter(|n| n.kind.is_transform()) {
                Some(n) => {
                    let (r, t) = (n.rotate, n.translate);
                    [r[0], r[1], r[2], t[0], t[1], t[2]]
                }
                None => [0.0; 6],
            })
            .collect();
        if link.last_sample.as_ref() != Some(&values) {
            link.last_sample = Some(values.clone());
            let _ = link.replies.send(FromMaya::Sample(values));
        }
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

/// Counts a live receiver; dropped last, after the socket, it says the link ended.
struct Alive {
    count: Arc<AtomicUsize>,
    _ended: std::sync::mpsc::Sender<()>,
}

impl Alive {
    fn new(count: Arc<AtomicUsize>, ended: std::sync::mpsc::Sender<()>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self {
            count,
            _ended: ended,
        }
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The receiver: the one owner of the link's socket.
struct Receiver {
    id: String,
    socket: UdpSocket,
    token: Token,
    count: usize,
    mailbox: Arc<Mutex<Mailbox>>,
    post: Post,
    idle_limit: Duration,
    /// Declared last: dropped after the socket.
    _alive: Alive,
}

impl Receiver {
    async fn run(self, mut replies: mpsc::UnboundedReceiver<FromMaya>, stop: CancellationToken) {
        let mut buf = vec![0u8; 65536];
        let mut peer: Option<SocketAddr> = None;
        let mut quiet_since = Instant::now();
        let mut next_sample = Instant::now();
        loop {
            let (follow_hz, held) = {
                let m = lock(&self.mailbox);
                (m.follow_hz, m.held_until())
            };
            let now = Instant::now();
            let mut wake = now + POLL;
            if follow_hz > 0.0 && peer.is_some() {
                wake = wake.min(next_sample);
            }
            if let Some(due) = held {
                // A pose held back by the duty limit is asked for as soon as it is due.
                wake = wake.min(due.max(now + Duration::from_micros(500)));
            }
            tokio::select! {
                _ = stop.cancelled() => break,
                received = self.socket.recv_from(&mut buf) => match received {
                    Ok((n, from)) => {
                        if let Some(msg) = wire::decode_to_maya(&self.token, &buf[..n]) {
                            quiet_since = Instant::now();
                            peer = Some(from);
                            if let ToMaya::Pose { seq, mut entries } = msg {
                                entries.retain(|e| usize::from(e.index) < self.count);
                                self.hand_over(seq, entries);
                            }
                        }
                    }
                    // An ICMP "port unreachable" for an earlier reply (Windows reports
                    // it on the next receive): not fatal.
                    Err(e) if matches!(e.kind(), std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionRefused) => {}
                    Err(_) => break,
                },
                Some(reply) = replies.recv() => {
                    if let Some(peer) = peer {
                        let data = match reply {
                            FromMaya::Applied { seq, main_thread_s, applied, superseded, failures } => {
                                wire::encode_applied(&self.token, seq, main_thread_s, applied, superseded, &failures)
                            }
                            FromMaya::Sample(values) => wire::encode_sample(&self.token, &values),
                            FromMaya::Scene(name) => wire::encode_scene(&self.token, &name),
                        };
                        let _ = self.socket.send_to(&data, peer).await;
                    }
                }
                _ = tokio::time::sleep_until(wake.into()) => {}
            }
            let now = Instant::now();
            if now.duration_since(quiet_since) > self.idle_limit {
                break; // the app is gone without a goodbye: leave nothing running
            }
            if lock(&self.mailbox).take_turn(now) {
                self.queue_apply();
            }
            let follow_hz = lock(&self.mailbox).follow_hz;
            // Sampled only once the app has been heard: a sample with nowhere to go
            // would count as sent, and an unchanged pose is not sent again.
            if follow_hz > 0.0 && now >= next_sample && peer.is_some() {
                let queue = {
                    let mut m = lock(&self.mailbox);
                    !std::mem::replace(&mut m.pending, true)
                };
                if !queue {
                    // The main thread is busy with this link: look again shortly.
                    next_sample = now + Duration::from_millis(5);
                } else {
                    next_sample = now + Duration::from_secs_f64(1.0 / follow_hz);
                    let (id, mailbox) = (self.id.clone(), self.mailbox.clone());
                    self.defer(Box::new(move |links: &mut Links, scene: &mut Scene| {
                        links.sample(&id, &mailbox, scene)
                    }));
                }
            }
        }
        lock(&self.mailbox).latest = None;
    }

    /// Newest pose wins: it replaces one the main thread has not taken yet, and one
    /// apply is queued at a time (and not before the duty limit allows).
    fn hand_over(&self, seq: u32, entries: Vec<PoseEntry>) {
        let queue = {
            let mut m = lock(&self.mailbox);
            if m.latest.is_some() {
                m.superseded = m.superseded.wrapping_add(1);
            }
            m.latest = Some((seq, entries));
            m.take_turn(Instant::now())
        };
        if queue {
            self.queue_apply();
        }
    }

    fn queue_apply(&self) {
        let (id, mailbox) = (self.id.clone(), self.mailbox.clone());
        self.defer(Box::new(move |links: &mut Links, scene: &mut Scene| {
            links.apply(&id, &mailbox, scene)
        }));
    }

    fn defer(&self, job: Deferred) {
        if !(self.post)(job) {
            lock(&self.mailbox).pending = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::wire::FromMaya;
    use base64::Engine as _;

    const TOKEN: Token = [5u8; 16];

    /// Links whose main thread is the test: queued jobs land in `jobs`.
    fn links() -> (Links, std::sync::mpsc::Receiver<Deferred>) {
        let mut l = Links::new(
            Some(tokio::runtime::Handle::current()),
            CancellationToken::new(),
        );
        let (tx, rx) = std::sync::mpsc::channel::<Deferred>();
        l.set_main_thread(Arc::new(move |job| tx.send(job).is_ok()));
        (l, rx)
    }

    fn start(l: &mut Links, id: &str, session: &str, nodes: &[&str]) -> u16 {
        let r = l
            .op_start(&json!({"link": id, "session": session, "nodes": nodes,
                "token": base64::engine::general_purpose::STANDARD.encode(TOKEN), "host": "127.0.0.1"}))
            .unwrap();
        r["port"].as_u64().unwrap() as u16
    }

    async fn app(port: u16) -> UdpSocket {
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        s.connect(("127.0.0.1", port)).await.unwrap();
        s
    }

    async fn next_job(jobs: &std::sync::mpsc::Receiver<Deferred>) -> Deferred {
        for _ in 0..1000 {
            if let Ok(j) = jobs.try_recv() {
                return j;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("no job queued for the main thread");
    }

    async fn from_maya(app: &UdpSocket) -> FromMaya {
        let mut buf = vec![0u8; 65536];
        let n = tokio::time::timeout(Duration::from_secs(5), app.recv(&mut buf))
            .await
            .expect("a datagram from Maya")
            .unwrap();
        wire::decode(&TOKEN, &buf[..n]).expect("ours")
    }

    fn rotate(index: u16, r: [f64; 3]) -> PoseEntry {
        PoseEntry {
            index,
            mask: ROTATE,
            rotate: r,
            translate: [0.0; 3],
        }
    }

    async fn until_no_receivers(l: &Links) {
        for _ in 0..200 {
            if l.receivers.load(Ordering::SeqCst) == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("a receiver is still running");
    }

    #[test]
    fn nodes_rest_and_read_have_the_helpers_shapes() {
        let scene = Scene::demo();
        let n = Links::op_nodes(&scene);
        let nodes = n["nodes"].as_array().unwrap();
        assert_eq!(nodes[0], json!({"path": "|Hips", "kind": "joint"}));
        assert_eq!(nodes.iter().filter(|n| n["kind"] == "joint").count(), 65);
        assert!(nodes.contains(&json!({"path": "|persp", "kind": "transform"})));
        assert_eq!(n["units"], json!({"linear": "cm", "angle": "deg"}));
        let arm = "|Hips|Spine|Spine1|Spine2|LeftShoulder|LeftArm";
        assert!(nodes.contains(&json!({"path": arm, "kind": "joint"})));

        let r = Links::op_rest(&scene, &json!({"nodes": [arm, "|Nope", "LeftArm"]})).unwrap();
        assert_eq!(r["nodes"][0]["found"], true);
        assert_eq!(r["nodes"][0]["kind"], "joint");
        assert_eq!(
            r["nodes"][0]["parent"],
            "|Hips|Spine|Spine1|Spine2|LeftShoulder"
        );
        assert_eq!(r["nodes"][0]["translate"], json!([12.0, 0.0, 0.0]));
        assert_eq!(r["nodes"][0]["rotateOrder"], 0);
        assert_eq!(
            r["nodes"][0]["blocked"],
            json!([null, null, null, null, null, null])
        );
        assert_eq!(r["nodes"][1], json!({"path": "|Nope", "found": false}));
        assert_eq!(r["nodes"][2]["found"], true, "a short name is found too");
        assert_eq!(
            Links::op_rest(&scene, &json!({"nodes": ["|Hips|LeftArm"]})).unwrap()["nodes"][0]
                ["found"],
            false,
            "a wrong path is not"
        );

        let v = Links::op_read(&scene, &json!({"nodes": ["|Hips", "|Nope"]})).unwrap();
        assert_eq!(v["values"], json!([[0.0, 0.0, 0.0, 0.0, 100.0, 0.0], null]));
    }

    #[test]
    fn the_duty_limit_holds_a_pose_back_until_it_is_due() {
        let now = Instant::now();
        let mut m = Mailbox::default();
        assert!(!m.take_turn(now), "nothing waits");
        m.latest = Some((1, vec![]));
        assert!(m.take_turn(now) && m.pending);
        assert!(!m.take_turn(now), "one apply queued at a time");
        m.pending = false;
        let due = now + Duration::from_millis(3);
        m.not_before = Some(due);
        assert!(!m.take_turn(now), "held back");
        assert_eq!(m.held_until(), Some(due));
        assert!(m.take_turn(due));
        assert_eq!(m.held_until(), None, "queued: nothing held");
    }

    #[test]
    fn bad_requests_fail_like_the_helper() {
        let mut l = Links::new(None, CancellationToken::new());
        let r = l.op_start(&json!({"token": "AA=="})).unwrap_err();
        assert_eq!(r["error"]["message"], "'link'");
        let r = l
            .op_start(&json!({"link": "a", "token": "AA==", "nodes": []}))
            .unwrap_err();
        assert_eq!(r["error"]["type"], "ValueError");
        let r = l.op_follow(&json!({"link": "a", "hz": 30})).unwrap();
        assert_eq!(
            r,
            json!({"ok": false, "error": {"type": "MayalinkError", "message": "no such link", "traceback": ""}})
        );
        let r = l.op_stop(&json!({"link": "a"})).unwrap();
        assert_eq!(r, json!({"ok": true, "stopped": false, "links_left": 0}));
        assert_eq!(
            l.op_stop(&json!({})).unwrap_err()["error"]["type"],
            "KeyError"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn newest_pose_wins_on_the_main_thread_and_figures_come_back() {
        let (mut l, jobs) = links();
        let mut scene = Scene::demo();
        let port = start(&mut l, "s:link", "s", &["|Hips", "LeftArm", "|Gone"]);
        assert_eq!(l.receivers.load(Ordering::SeqCst), 1);
        let app = app(port).await;
        // Three poses before the main thread gets to them: one apply, of the newest.
        for seq in 1..=3u32 {
            let pose = wire::encode_pose(
                &TOKEN,
                seq,
                &[rotate(1, [seq as f64, 0.0, 0.0]), rotate(9, [1.0; 3])],
            );
            app.send(&pose).await.unwrap();
        }
        // Not ours: never acted on.
        app.send(&wire::encode_pose(&[6u8; 16], 4, &[rotate(1, [99.0; 3])]))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let job = next_job(&jobs).await;
        assert!(jobs.try_recv().is_err(), "one apply queued at a time");
        job(&mut l, &mut scene);
        assert_eq!(scene.get("LeftArm").unwrap().rotate, [3.0, 0.0, 0.0]);
        match from_maya(&app).await {
            FromMaya::Applied {
                seq,
                applied,
                superseded,
                main_thread_s,
                failures,
            } => {
                assert_eq!((seq, applied, superseded), (3, 1, 2));
                assert!(main_thread_s >= 0.0);
                assert!(failures.is_empty());
            }
            other => panic!("{other:?}"),
        }
        // A node that is gone is reported once, not per frame; partial masks set
        // only their channels; translate lands in centimetres as sent.
        for seq in [5u32, 6] {
            let entries = [
                PoseEntry {
                    index: 0,
                    mask: 0b101_010,
                    rotate: [0.0, 45.0, 0.0],
                    translate: [7.0, 0.0, 9.0],
                },
                rotate(2, [1.0; 3]),
            ];
            app.send(&wire::encode_pose(&TOKEN, seq, &entries))
                .await
                .unwrap();
            next_job(&jobs).await(&mut l, &mut scene);
            let FromMaya::Applied {
                failures, seq: s, ..
            } = from_maya(&app).await
            else {
                panic!("applied expected")
            };
            assert_eq!(s, seq);
            if seq == 5 {
                assert_eq!(
                    failures,
                    [(
                        "|Gone.rotate".to_string(),
                        "No object matches name: |Gone.rotate".to_string()
                    )]
                );
            } else {
                assert!(failures.is_empty(), "reported once");
            }
        }
        let hips = scene.get("Hips").unwrap();
        assert_eq!(hips.rotate, [0.0, 45.0, 0.0]);
        assert_eq!(hips.translate, [7.0, 100.0, 9.0]);

        // Follow Maya: sampled on the main thread, sent when changed.
        assert_eq!(
            l.op_follow(&json!({"link": "s:link", "hz": 50})).unwrap(),
            json!({"ok": true})
        );
        next_job(&jobs).await(&mut l, &mut scene);
        match from_maya(&app).await {
            FromMaya::Sample(v) => {
                assert_eq!(v.len(), 3);
                assert_eq!(v[0], [0.0, 45.0, 0.0, 7.0, 100.0, 9.0]);
                assert_eq!(v[2], [0.0; 6]);
            }
            other => panic!("{other:?}"),
        }
        next_job(&jobs).await(&mut l, &mut scene); // unchanged: nothing sent
        scene.get_mut("LeftArm").unwrap().rotate = [1.0, 2.0, 3.0];
        next_job(&jobs).await(&mut l, &mut scene);
        let FromMaya::Sample(v) = from_maya(&app).await else {
            panic!("sample expected")
        };
        assert_eq!(v[1][..3], [1.0, 2.0, 3.0]);
        l.op_follow(&json!({"link": "s:link", "hz": 0})).unwrap();

        // Stop: the receiver ends before link_stop answers, and its socket is closed.
        let r = l.op_stop(&json!({"link": "s:link"})).unwrap();
        assert_eq!(r, json!({"ok": true, "stopped": true, "links_left": 0}));
        assert_eq!(l.receivers.load(Ordering::SeqCst), 0);
        while let Ok(job) = jobs.try_recv() {
            job(&mut l, &mut scene); // a job queued before the stop does nothing
        }
        assert!(
            std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok(),
            "port released"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cleanup_restart_and_silence_stop_receivers() {
        let (mut l, _jobs) = links();
        start(&mut l, "a:link", "a", &["|Hips"]);
        start(&mut l, "b:link", "b", &["|Hips"]);
        // Starting a link again replaces it.
        start(&mut l, "b:link", "b", &["|Hips"]);
        assert_eq!(l.receivers.load(Ordering::SeqCst), 2);
        l.cleanup("a");
        assert_eq!(l.ids(), ["b:link"]);
        assert_eq!(l.receivers.load(Ordering::SeqCst), 1);
        l.cleanup("b");
        assert_eq!(l.receivers.load(Ordering::SeqCst), 0);

        // An app that goes quiet: the link stops by itself; keepalives keep it up.
        l.set_idle_limit(Duration::from_millis(600));
        let quiet = start(&mut l, "q:link", "q", &["|Hips"]);
        let kept = start(&mut l, "k:link", "k", &["|Hips"]);
        let (_quiet_app, kept_app) = (app(quiet).await, app(kept).await);
        for _ in 0..12 {
            kept_app
                .send(&wire::encode_keepalive(&TOKEN))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            l.receivers.load(Ordering::SeqCst),
            1,
            "the quiet one stopped"
        );
        l.cancel.cancel(); // Demo Maya quits
        until_no_receivers(&l).await;
    }
}
