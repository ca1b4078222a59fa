//! The helper's live-link ops on Demo Maya's links (`link_nodes`, `link_rest`,
//! `link_read`, `link_start`, `link_follow`, `link_stop` and the session's
//! clean-up), with helper_link.py's JSON shapes and errors.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value as Json};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::receiver::{Alive, Receiver};
use super::{find, lock, long_path, Link, Links, Mailbox, Refused};
use crate::link::wire::Token;
use crate::simulators::demo_maya::op_json::{b64_decode, error_json, exception, field, key_of};
use crate::simulators::demo_maya::scene::{NodeKind, Scene};

/// How long `link_stop` waits for the receiver to end (the helper's `join(1.0)`).
const JOIN: Duration = Duration::from_secs(1);

fn units() -> Json {
    json!({"linear": "cm", "angle": "deg"})
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
                        "jointOrient": if n.kind == NodeKind::Joint { n.joint_orient } else { zero },
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
}
