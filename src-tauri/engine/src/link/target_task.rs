//! One Maya target's task: it owns the UDP socket to the helper's receiver in that
//! Maya, turns each new Mosketch pose into channel values (newest pose wins, partial
//! frames send only what they carry), reads `applied`/`sample`/`scene` datagrams
//! back into figures and warnings, and keeps the link alive. [`super::target`]
//! starts it and holds its handle.

use super::rig::RigNode;
use super::stats::Recorder;
use super::target::{call, TargetStatus};
use super::wire::{self, FromMaya, PoseEntry, Token, ROTATE, TRANSLATE};
use super::Mapping;
use crate::maya::MayaSession;
use crate::mosketch::{JointSample, MosketchSession, PoseSnapshot};
use crate::AppError;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// Poses sent and none applied for this long: the Maya is said to have stopped applying.
const STALL_AFTER: Duration = Duration::from_millis(1500);

pub(super) enum Command {
    Follow(bool, tokio::sync::oneshot::Sender<Result<(), AppError>>),
    /// A line for the artist among the target's warnings (e.g. why it was mapped again).
    Note(String),
}

/// Mosketch samples from Maya values (UI units) of the mapped nodes, in map order.
pub(super) fn samples(
    mapping: &Mapping,
    rig: &[RigNode],
    values: &[Option<[f64; 6]>],
) -> Vec<JointSample> {
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

pub(super) struct Task {
    pub(super) socket: UdpSocket,
    pub(super) token: Token,
    /// Mapped pair → index of its joint in `PoseSnapshot::joints`.
    pub(super) index: Vec<Option<usize>>,
    pub(super) rig: Vec<RigNode>,
    pub(super) masks: Vec<u8>,
    pub(super) mosketch: Arc<MosketchSession>,
    pub(super) session: Arc<MayaSession>,
    pub(super) status: watch::Sender<TargetStatus>,
    pub(super) scene_left: watch::Sender<Option<String>>,
    pub(super) recorder: Recorder,
    /// (hierarchy id, frame) of the last pose sent.
    pub(super) last_sent: Option<(u64, u64)>,
    pub(super) seq: u32,
    pub(super) following: bool,
    /// When the first pose after Maya's last "applied" word went out.
    pub(super) unapplied_since: Option<Instant>,
}

impl Task {
    pub(super) async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        cancel: CancellationToken,
    ) {
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
                    // Built under the watch's read lock (no await there), so no
                    // copy of the whole pose per frame per Maya.
                    let datagram = self.pose_datagram(&pose.borrow_and_update());
                    if let Some(d) = datagram {
                        let _ = self.socket.send(&d).await;
                    }
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
                    Command::Note(text) => self.status.send_modify(|s| s.warnings.push(text)),
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

    /// The datagram for what changed since the last pose sent, if anything did.
    fn pose_datagram(&mut self, snapshot: &PoseSnapshot) -> Option<bytes::BytesMut> {
        let hierarchy_changed = self
            .last_sent
            .is_none_or(|(h, _)| h != snapshot.hierarchy_id);
        let since = if hierarchy_changed {
            0
        } else {
            self.last_sent.map_or(0, |(_, f)| f)
        };
        if !hierarchy_changed && since >= snapshot.frame {
            return None;
        }
        let entries = pose_entries(&self.index, &mut self.rig, &self.masks, snapshot, since);
        self.last_sent = Some((snapshot.hierarchy_id, snapshot.frame));
        if entries.is_empty() {
            return None;
        }
        self.seq = self.seq.wrapping_add(1);
        let now = Instant::now();
        self.unapplied_since.get_or_insert(now);
        self.recorder.sent(self.seq, now, snapshot.frame);
        Some(wire::encode_pose(&self.token, self.seq, &entries))
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
            Some(FromMaya::Scene(name)) => {
                self.scene_left
                    .send_if_modified(|s| s.replace(name).is_none());
            }
            _ => {} // not ours, or malformed: dropped unread
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::rig::{RestNode, SceneUnits};
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
