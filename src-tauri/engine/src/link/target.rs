//! One Maya driven by the live link: maps Mosketch's joints onto its nodes, reads
//! their rest data (one helper call), starts the helper's receiver, then one task
//! owns the link's UDP socket — it turns each new Mosketch pose into channel values
//! (the maths run here, never in Maya), sends them, and reads back what Maya
//! applied, how long its main thread spent, and which plugs refused a value.

use super::euler::RotateOrder;
use super::mapping::{self, Mapping, MayaNode, Overrides};
use super::rig::{RestNode, RigNode, SceneUnits};
use super::stats::{LinkFigures, Recorder};
use super::wire::{self, FromMaya, PoseEntry, Token, ROTATE, TRANSLATE};
use crate::maya::MayaSession;
use crate::mosketch::{JointSample, MosketchSession, PoseSnapshot};
use crate::{AppError, ErrorCode};
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::{CancellationToken, DropGuard};

/// How the link reaches one Maya.
pub struct TargetSpec {
    pub session: Arc<MayaSession>,
    /// The Maya's host, where the helper's receiver listens (loopback for a local Maya).
    pub host: IpAddr,
    pub overrides: Overrides,
}

/// What a target reports: its mapping, figures and warnings, on a watch.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TargetStatus {
    pub session: String,
    pub mapping: Mapping,
    pub figures: LinkFigures,
    /// Plugs Maya refused (locked, connected…), each reported once, and link problems.
    pub warnings: Vec<String>,
    /// Maya's pose goes to Mosketch live (instead of Mosketch driving Maya).
    pub following: bool,
    /// The link to this Maya ended (Maya gone, or stopped).
    pub ended: Option<String>,
    /// Poses go out but this Maya has applied none for a while (frozen, paused in a
    /// debugger, busy): said until it applies one again.
    pub stalled: Option<String>,
}

/// Poses sent and none applied for this long: the Maya is said to have stopped applying.
const STALL_AFTER: Duration = Duration::from_millis(1500);

enum Command {
    Follow(bool, tokio::sync::oneshot::Sender<Result<(), AppError>>),
}

/// The handle. Dropping it stops the task; `stop` also stops the helper's receiver.
pub struct MayaTarget {
    pub link_id: String,
    session: Arc<MayaSession>,
    nodes: Vec<String>,
    rig: Vec<RigNode>,
    status: watch::Receiver<TargetStatus>,
    commands: mpsc::Sender<Command>,
    _guard: DropGuard,
}

/// Helper call, with the helper's `{ok:false, error}` turned into an `AppError`.
async fn call(
    session: &MayaSession,
    body: serde_json::Value,
) -> Result<serde_json::Value, AppError> {
    let v = session.call(body).await?;
    if v["ok"] == json!(true) {
        return Ok(v);
    }
    Err(AppError::new(
        ErrorCode::ScriptError,
        format!(
            "Maya refused the live link: {}",
            v["error"]["message"].as_str().unwrap_or("unknown error")
        ),
    ))
}

fn parse<T: serde::de::DeserializeOwned>(v: &serde_json::Value, what: &str) -> Result<T, AppError> {
    serde_json::from_value(v.clone())
        .map_err(|e| AppError::protocol(format!("Maya's helper sent an odd {what}: {e}")))
}

/// How Mosketch's joints would map onto this Maya's nodes (one helper call),
/// without starting anything: the mapping table before a link runs.
pub async fn map_only(
    session: &MayaSession,
    joints: &[String],
    overrides: &Overrides,
) -> Result<(Mapping, usize), AppError> {
    let listed = call(session, json!({"op": "link_nodes"})).await?;
    let nodes: Vec<MayaNode> = parse(&listed["nodes"], "node list")?;
    Ok((mapping::map(joints, &nodes, overrides), nodes.len()))
}

impl MayaTarget {
    /// Maps, reads rest data, starts the helper's receiver and the task.
    pub async fn start(
        spec: TargetSpec,
        mosketch: Arc<MosketchSession>,
        joints: &[String],
    ) -> Result<Self, AppError> {
        let session_id = spec.session.status().borrow().id.clone();
        let (mut mapping, node_count) = map_only(&spec.session, joints, &spec.overrides).await?;
        if let Some(why) = mapping.nothing_mapped(joints.len(), node_count) {
            return Err(AppError::invalid(why));
        }
        let paths: Vec<String> = mapping.pairs.iter().map(|p| p.maya.clone()).collect();
        let rest = call(&spec.session, json!({"op": "link_rest", "nodes": paths})).await?;
        let units: SceneUnits = parse(&rest["units"], "unit")?;
        let rest_nodes: Vec<RestNode> = parse(&rest["nodes"], "rest pose")?;
        for (pair, r) in mapping.pairs.iter_mut().zip(&rest_nodes) {
            pair.rotate_order = RotateOrder::from_maya(r.rotate_order);
        }
        let mut rig = Vec::with_capacity(rest_nodes.len());
        let mut warnings = vec![];
        let mut masks = Vec::with_capacity(rest_nodes.len());
        for r in &rest_nodes {
            rig.push(RigNode::new(r, &units).map_err(AppError::invalid)?);
            let mut mask = ROTATE | TRANSLATE;
            for (i, why) in r.blocked.iter().enumerate() {
                if let Some(why) = why {
                    mask &= !(1 << i);
                    let channel = [
                        "rotateX",
                        "rotateY",
                        "rotateZ",
                        "translateX",
                        "translateY",
                        "translateZ",
                    ][i];
                    warnings.push(format!(
                        "{}.{channel} is {why}: the link leaves it alone.",
                        r.path
                    ));
                }
            }
            masks.push(mask);
        }
        let bind: SocketAddr = if spec.host.is_ipv6() {
            "[::]:0".parse().expect("address")
        } else {
            "0.0.0.0:0".parse().expect("address")
        };
        let socket = UdpSocket::bind(bind).await?;
        let token: Token = rand::random();
        let link_id = format!("{session_id}:link");
        use base64::Engine as _;
        let started = call(
            &spec.session,
            json!({"op": "link_start", "link": link_id, "session": session_id,
                   "token": base64::engine::general_purpose::STANDARD.encode(token),
                   "nodes": paths, "host": spec.host.to_string()}),
        )
        .await?;
        let port = started["port"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| AppError::protocol("Maya's helper did not say where it listens"))?;
        socket.connect(SocketAddr::new(spec.host, port)).await?;
        let status = TargetStatus {
            session: session_id,
            mapping,
            warnings,
            ..Default::default()
        };
        let (status_tx, status_rx) = watch::channel(status);
        let (commands, commands_rx) = mpsc::channel(8);
        let cancel = CancellationToken::new();
        let task = Task {
            socket,
            token,
            index: joints_index(joints, &rest_nodes, &status_rx.borrow().mapping),
            rig: rig.clone(),
            masks,
            mosketch,
            session: spec.session.clone(),
            status: status_tx,
            recorder: Recorder::default(),
            last_sent: None,
            seq: 0,
            following: false,
            unapplied_since: None,
        };
        tokio::spawn(task.run(commands_rx, cancel.clone()));
        Ok(Self {
            link_id,
            session: spec.session,
            nodes: paths,
            rig,
            status: status_rx,
            commands,
            _guard: cancel.drop_guard(),
        })
    }

    pub fn status(&self) -> watch::Receiver<TargetStatus> {
        self.status.clone()
    }

    /// "Follow Maya": Maya's pose goes to Mosketch live (up to 30 Hz, when it changes).
    pub async fn follow(&self, on: bool) -> Result<(), AppError> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.commands
            .send(Command::Follow(on, reply))
            .await
            .map_err(|_| AppError::new(ErrorCode::Cancelled, "the link to this Maya has ended"))?;
        rx.await
            .map_err(|_| AppError::new(ErrorCode::Cancelled, "the link to this Maya has ended"))?
    }

    /// Maya's current pose of the mapped joints, as one `JointsStream` for Mosketch.
    pub async fn read_pose(&self) -> Result<Vec<JointSample>, AppError> {
        let v = call(
            &self.session,
            json!({"op": "link_read", "nodes": self.nodes}),
        )
        .await?;
        let values: Vec<Option<[f64; 6]>> = parse(&v["values"], "pose")?;
        let mapping = self.status.borrow().mapping.clone();
        Ok(samples(&mapping, &self.rig, &values))
    }

    /// Stops the helper's receiver in Maya, then the task.
    pub async fn stop(self) -> Result<(), AppError> {
        let r = call(
            &self.session,
            json!({"op": "link_stop", "link": self.link_id}),
        )
        .await;
        drop(self);
        r.map(|_| ())
    }
}

/// Mosketch samples from Maya values (UI units) of the mapped nodes, in map order.
fn samples(mapping: &Mapping, rig: &[RigNode], values: &[Option<[f64; 6]>]) -> Vec<JointSample> {
    mapping
        .pairs
        .iter()
        .zip(rig)
        .zip(values)
        .filter_map(|((pair, node), v)| {
            let v = (*v)?;
            Some(JointSample {
                name: pair.mosketch.clone(),
                anatom: None,
                r: Some(node.rotate_to_mosketch([v[0], v[1], v[2]])),
                t: Some(node.translate_to_mosketch([v[3], v[4], v[5]])),
            })
        })
        .collect()
}

/// For each mapped pair (in map order): the Mosketch joint's index in the pose.
fn joints_index(joints: &[String], rest: &[RestNode], mapping: &Mapping) -> Vec<Option<usize>> {
    mapping
        .pairs
        .iter()
        .zip(rest)
        .map(|(p, _)| joints.iter().position(|j| *j == p.mosketch))
        .collect()
}

/// The channel values of every mapped joint a frame after `since` updated: partial
/// frames move only the joints they carry; channels Maya refuses are left out.
fn pose_entries(
    index: &[Option<usize>],
    rig: &mut [RigNode],
    masks: &[u8],
    snapshot: &PoseSnapshot,
    since: u64,
) -> Vec<PoseEntry> {
    let mut entries = Vec::with_capacity(index.len());
    for (i, joint) in index.iter().enumerate() {
        let Some(joint) = joint.and_then(|j| snapshot.joints.get(j)) else {
            continue;
        };
        if joint.last_frame == 0 || joint.last_frame <= since {
            continue;
        }
        let mut mask = masks[i] & ROTATE;
        let rotate = rig[i].rotate_from_mosketch(joint.r);
        let mut translate = [0.0; 3];
        if let Some(t) = joint.t {
            translate = rig[i].translate_from_mosketch(t);
            mask |= masks[i] & TRANSLATE;
        }
        if mask != 0 {
            entries.push(PoseEntry {
                index: i as u16,
                mask,
                rotate,
                translate,
            });
        }
    }
    entries
}

struct Task {
    socket: UdpSocket,
    token: Token,
    /// Mapped pair → index of its joint in `PoseSnapshot::joints`.
    index: Vec<Option<usize>>,
    rig: Vec<RigNode>,
    masks: Vec<u8>,
    mosketch: Arc<MosketchSession>,
    session: Arc<MayaSession>,
    status: watch::Sender<TargetStatus>,
    recorder: Recorder,
    /// (hierarchy id, frame) of the last pose sent.
    last_sent: Option<(u64, u64)>,
    seq: u32,
    following: bool,
    /// When the first pose after Maya's last "applied" word went out.
    unapplied_since: Option<Instant>,
}

impl Task {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>, cancel: CancellationToken) {
        let mut pose = self.mosketch.pose();
        let mut maya = self.session.status();
        let mut keepalive = tokio::time::interval(Duration::from_secs(1));
        let mut figures = tokio::time::interval(Duration::from_millis(250));
        let mut buf = vec![0u8; 65536];
        let mut last_datagram = Instant::now();
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                changed = pose.changed(), if !self.following => {
                    if changed.is_err() {
                        return self.end("Mosketch's session ended.");
                    }
                    let snapshot = pose.borrow_and_update().clone();
                    self.send_pose(&snapshot).await;
                    last_datagram = Instant::now();
                }
                received = self.socket.recv(&mut buf) => match received {
                    Ok(n) => self.on_datagram(&buf[..n]).await,
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                        return self.end("Maya's link receiver is gone (Maya quit or restarted).");
                    }
                    Err(_) => {}
                },
                Some(cmd) = commands.recv() => match cmd {
                    Command::Follow(on, reply) => {
                        let r = call(&self.session, json!({"op": "link_follow", "link": format!("{}:link", self.status.borrow().session), "hz": if on { 30.0 } else { 0.0 }})).await;
                        if r.is_ok() {
                            self.following = on;
                            self.status.send_modify(|s| s.following = on);
                        }
                        let _ = reply.send(r.map(|_| ()));
                    }
                },
                _ = keepalive.tick() => {
                    if last_datagram.elapsed() >= Duration::from_millis(900) {
                        let _ = self.socket.send(&wire::encode_keepalive(&self.token)).await;
                        last_datagram = Instant::now();
                    }
                }
                _ = figures.tick() => {
                    let f = self.recorder.figures();
                    let stalled = self.stall_message(&f);
                    self.status.send_if_modified(|s| {
                        let changed = s.figures != f || s.stalled != stalled;
                        s.figures = f;
                        s.stalled = stalled;
                        changed
                    });
                }
                changed = maya.changed() => {
                    if changed.is_err() {
                        return self.end("The Maya session was closed.");
                    }
                    let lost = {
                        let st = maya.borrow_and_update();
                        !matches!(st.state, crate::maya::SessionState::Connected | crate::maya::SessionState::Busy { .. })
                            && st.info.is_none()
                    };
                    if lost {
                        return self.end("Maya is no longer connected: the link to it stopped (Mosketch keeps streaming).");
                    }
                }
            }
        }
    }

    /// `Some` while poses go out and Maya has applied none for [`STALL_AFTER`]
    /// (the pose sent last is the one Maya applies when it comes back: newest wins).
    fn stall_message(&self, f: &super::stats::LinkFigures) -> Option<String> {
        let since = self.unapplied_since?.elapsed();
        (since >= STALL_AFTER).then(|| {
            format!(
                "Maya stopped applying poses {:.0} s ago (Mosketch frame {} sent, {} applied): \
                 it may be frozen or busy. Only the newest pose is kept for it.",
                since.as_secs_f64().floor(),
                f.last_frame_sent,
                f.last_frame_applied
            )
        })
    }

    fn end(&self, why: &str) {
        let why = why.to_string();
        self.status.send_modify(|s| s.ended = Some(why));
    }

    async fn send_pose(&mut self, snapshot: &PoseSnapshot) {
        let hierarchy_changed = self
            .last_sent
            .is_none_or(|(h, _)| h != snapshot.hierarchy_id);
        let since = if hierarchy_changed {
            0
        } else {
            self.last_sent.map_or(0, |(_, f)| f)
        };
        if !hierarchy_changed && since >= snapshot.frame {
            return;
        }
        let entries = pose_entries(&self.index, &mut self.rig, &self.masks, snapshot, since);
        self.last_sent = Some((snapshot.hierarchy_id, snapshot.frame));
        if entries.is_empty() {
            return;
        }
        self.seq = self.seq.wrapping_add(1);
        let now = Instant::now();
        self.unapplied_since.get_or_insert(now);
        self.recorder.sent(self.seq, now, snapshot.frame);
        let _ = self
            .socket
            .send(&wire::encode_pose(&self.token, self.seq, &entries))
            .await;
    }

    async fn on_datagram(&mut self, data: &[u8]) {
        match wire::decode(&self.token, data) {
            Some(FromMaya::Applied {
                seq,
                main_thread_s,
                applied,
                superseded,
                failures,
            }) => {
                self.recorder
                    .applied(seq, Instant::now(), main_thread_s, applied, superseded);
                // Applying again: the stall (if any) is over.
                self.unapplied_since = None;
                self.status.send_if_modified(|s| s.stalled.take().is_some());
                if !failures.is_empty() {
                    self.status.send_modify(|s| {
                        for (plug, why) in failures {
                            s.warnings.push(format!("{plug}: {why}"));
                        }
                    });
                }
            }
            Some(FromMaya::Sample(values)) if self.following => {
                let values: Vec<Option<[f64; 6]>> = values.into_iter().map(Some).collect();
                let mapping = self.status.borrow().mapping.clone();
                let joints = samples(&mapping, &self.rig, &values);
                if let Err(e) = self.mosketch.send_pose(joints).await {
                    self.status.send_modify(|s| {
                        s.warnings.push(format!(
                            "Sending Maya's pose to Mosketch failed: {}",
                            e.message
                        ))
                    });
                }
            }
            _ => {} // not ours, or malformed: dropped unread
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::rig::SceneUnits;
    use crate::mosketch::JointPose;

    fn rest(path: &str) -> RestNode {
        RestNode {
            path: path.into(),
            kind: "joint".into(),
            parent: None,
            rotate_order: 0,
            rotate: [0.0; 3],
            translate: [0.0; 3],
            joint_orient: [0.0; 3],
            rotate_axis: [0.0; 3],
            blocked: Default::default(),
        }
    }

    fn joint(name: &str, last_frame: u64, t: Option<[f64; 3]>) -> JointPose {
        JointPose {
            name: name.into(),
            uuid: None,
            anatom: None,
            r: [0.0, 0.0, 0.0, 1.0],
            t,
            last_frame,
        }
    }

    #[test]
    fn a_partial_frame_moves_only_the_joints_it_carries() {
        let mut rig: Vec<RigNode> = ["|Hips", "|Spine", "|Head"]
            .iter()
            .map(|p| RigNode::new(&rest(p), &SceneUnits::default()).unwrap())
            .collect();
        let index = vec![Some(0), Some(1), Some(2)];
        let masks = vec![ROTATE | TRANSLATE; 3];
        let snapshot = PoseSnapshot {
            hierarchy_id: 1,
            frame: 8,
            joints: vec![
                joint("Hips", 8, Some([0.0, 1.0, 0.0])),
                joint("Spine", 7, None),
                joint("Head", 8, None),
            ],
            ..Default::default()
        };
        let e = pose_entries(&index, &mut rig, &masks, &snapshot, 7);
        assert_eq!(e.iter().map(|e| e.index).collect::<Vec<_>>(), vec![0, 2]);
        assert_eq!(e[0].mask, ROTATE | TRANSLATE, "the root carries T");
        assert_eq!(e[0].translate, [0.0, 100.0, 0.0]);
        assert_eq!(e[1].mask, ROTATE, "no T: translate left alone");
        // From the start of a character, every joint a frame ever carried.
        assert_eq!(
            pose_entries(&index, &mut rig, &masks, &snapshot, 0).len(),
            3
        );
    }

    #[test]
    fn channels_maya_refuses_are_never_sent() {
        let mut rig = vec![RigNode::new(&rest("|Hips"), &SceneUnits::default()).unwrap()];
        let snapshot = PoseSnapshot {
            hierarchy_id: 1,
            frame: 1,
            joints: vec![joint("Hips", 1, Some([0.0; 3]))],
            ..Default::default()
        };
        // rotateY and every translate channel locked.
        let e = pose_entries(&[Some(0)], &mut rig, &[0b000_101], &snapshot, 0);
        assert_eq!(e[0].mask, 0b000_101);
        // Everything locked: nothing to send for that joint.
        assert!(pose_entries(&[Some(0)], &mut rig, &[0], &snapshot, 0).is_empty());
    }
}
