//! The live pose: every joint of the current hierarchy with its uuid, Anatom and latest
//! R and T. Frames update only the joints they carry; the rest keep their last value.

use super::packet::JointSample;
use super::stats::StreamStats;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

pub const IDENTITY: [f64; 4] = [0.0, 0.0, 0.0, 1.0];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JointPose {
    pub name: String,
    pub uuid: Option<String>,
    /// 5 = rotation only, 7 = rotation + translation; null until a frame carried it.
    pub anatom: Option<i32>,
    /// Quaternion [x, y, z, w] in the session's joint space; identity until a frame carried it.
    pub r: [f64; 4],
    /// Translation in metres (6-DoF joints only).
    pub t: Option<[f64; 3]>,
    /// The `frame` that last updated this joint (0: never).
    pub last_frame: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PoseSnapshot {
    /// Changes with every Hierarchy packet (a new character, or a reconnect).
    pub hierarchy_id: u64,
    /// Frames applied since that Hierarchy.
    pub frame: u64,
    /// Milliseconds since the Unix epoch of the last update.
    pub time_ms: u64,
    pub joints: Vec<JointPose>,
    /// As of the last status refresh (a few times a second), not of this frame.
    pub stats: StreamStats,
}

impl PoseSnapshot {
    pub fn for_hierarchy(hierarchy_id: u64, names: &[String]) -> Self {
        Self {
            hierarchy_id,
            joints: names
                .iter()
                .map(|n| JointPose {
                    name: n.clone(),
                    uuid: None,
                    anatom: None,
                    r: IDENTITY,
                    t: None,
                    last_frame: 0,
                })
                .collect(),
            ..Default::default()
        }
    }

    pub fn joint(&self, name: &str) -> Option<&JointPose> {
        self.joints.iter().find(|j| j.name == name)
    }

    /// The pose as a `JointsStream` body to send back to Mosketch.
    pub fn to_samples(&self) -> Vec<JointSample> {
        self.joints
            .iter()
            .map(|j| JointSample {
                name: j.name.clone(),
                anatom: None,
                r: Some(j.r),
                t: j.t,
            })
            .collect()
    }
}

/// Name → position in `PoseSnapshot::joints`, kept by the session beside the snapshot.
#[derive(Debug, Default)]
pub struct PoseIndex {
    by_name: HashMap<String, usize>,
}

impl PoseIndex {
    pub fn for_snapshot(p: &PoseSnapshot) -> Self {
        Self {
            by_name: p
                .joints
                .iter()
                .enumerate()
                .map(|(i, j)| (j.name.clone(), i))
                .collect(),
        }
    }

    /// Applies one frame. Joints the hierarchy did not name are added (a server that
    /// streams more than it announced is still shown). Returns how many joints the
    /// hierarchy had that this frame did not carry.
    pub fn apply(
        &mut self,
        pose: &mut PoseSnapshot,
        samples: Vec<JointSample>,
        time_ms: u64,
    ) -> usize {
        let known = pose.joints.len();
        pose.frame += 1;
        pose.time_ms = time_ms;
        let mut carried = 0;
        // Frames usually list joints in hierarchy order: try the next slot before hashing.
        let mut next = 0;
        for s in samples {
            let hinted = pose
                .joints
                .get(next)
                .filter(|j| j.name == s.name)
                .map(|_| next);
            let i = match hinted.or_else(|| self.by_name.get(&s.name).copied()) {
                Some(i) => i,
                None => {
                    pose.joints.push(JointPose {
                        name: s.name.clone(),
                        uuid: None,
                        anatom: None,
                        r: IDENTITY,
                        t: None,
                        last_frame: 0,
                    });
                    self.by_name.insert(s.name.clone(), pose.joints.len() - 1);
                    pose.joints.len() - 1
                }
            };
            if i < known && pose.joints[i].last_frame != pose.frame {
                carried += 1;
            }
            let j = &mut pose.joints[i];
            if s.anatom.is_some() {
                j.anatom = s.anatom;
            }
            if let Some(r) = s.r {
                j.r = r;
            }
            if s.t.is_some() {
                j.t = s.t;
            }
            j.last_frame = pose.frame;
            next = i + 1;
        }
        known - carried
    }

    /// Whether a frame carries each of the first `known` joints (the hierarchy's):
    /// applying it then overwrites every joint any older frame could have set.
    pub fn carries_all(&self, samples: &[JointSample], known: usize) -> bool {
        if known == 0 || samples.len() < known {
            return false;
        }
        let mut seen = vec![false; known];
        let mut count = 0;
        for s in samples {
            if let Some(&i) = self.by_name.get(&s.name) {
                if i < known && !std::mem::replace(&mut seen[i], true) {
                    count += 1;
                }
            }
        }
        count == known
    }

    pub fn set_uuids(&mut self, pose: &mut PoseSnapshot, pairs: Vec<(String, String)>) {
        for (name, uuid) in pairs {
            if let Some(&i) = self.by_name.get(&name) {
                pose.joints[i].uuid = Some(uuid);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str, r: [f64; 4]) -> JointSample {
        JointSample {
            name: name.into(),
            anatom: Some(5),
            r: Some(r),
            t: None,
        }
    }

    #[test]
    fn partial_frames_keep_other_joints() {
        let names: Vec<String> = ["Hips", "Spine", "Head"].map(String::from).into();
        let mut pose = PoseSnapshot::for_hierarchy(1, &names);
        let mut idx = PoseIndex::for_snapshot(&pose);
        let a = [0.0, 0.0, 0.6, 0.8];
        let b = [0.6, 0.0, 0.0, 0.8];
        assert_eq!(
            idx.apply(
                &mut pose,
                vec![s("Hips", a), s("Spine", a), s("Head", a)],
                1
            ),
            0
        );
        assert_eq!(idx.apply(&mut pose, vec![s("Spine", b)], 2), 2);
        assert_eq!(pose.joint("Hips").unwrap().r, a);
        assert_eq!(pose.joint("Spine").unwrap().r, b);
        assert_eq!(pose.joint("Spine").unwrap().last_frame, 2);
        assert_eq!(pose.joint("Head").unwrap().last_frame, 1);
        idx.set_uuids(
            &mut pose,
            vec![("Head".into(), "u3".into()), ("Nope".into(), "x".into())],
        );
        assert_eq!(pose.joint("Head").unwrap().uuid.as_deref(), Some("u3"));
    }

    #[test]
    fn unannounced_joints_are_added() {
        let mut pose = PoseSnapshot::for_hierarchy(1, &[]);
        let mut idx = PoseIndex::for_snapshot(&pose);
        assert_eq!(idx.apply(&mut pose, vec![s("Tail", IDENTITY)], 1), 0);
        assert_eq!(pose.joints.len(), 1);
        assert_eq!(pose.to_samples()[0].name, "Tail");
    }
}
