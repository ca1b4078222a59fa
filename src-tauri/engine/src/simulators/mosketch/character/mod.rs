//! The simulator's characters and their procedural animation: a 65-joint Mixamo-like
//! humanoid (6-DoF Hips in metres, 4-segment fingers) that alternates walking and
//! idling, and a small fish. Poses are a pure function of the frame number, so tests
//! can recompute exactly what the simulator sent.
//!
//! Here: what the parts share (`CharacterKind`, the joint roles, the loop's length)
//! and [`Character`] itself; the joint tables are in `skeletons`, the animation in
//! `animation`, frames in other joint spaces in `joint_space`.

mod animation;
mod joint_space;
#[cfg(test)]
mod joint_space_tests;
mod skeletons;
#[cfg(test)]
mod tests;

use crate::mosketch::packet::{encode, JointSample};
use crate::skeleton::{Skeleton, SkeletonJoint, SkeletonSource};
use bytes::Bytes;
use glam::DQuat;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::OnceLock;
use ts_rs::TS;

use animation::animate;
use skeletons::{creature, fish, humanoid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum CharacterKind {
    #[default]
    Humanoid,
    Fish,
    /// A 200-joint centipede: creatures past 100 joints, for the load figures.
    Creature,
}

/// Every animation loops over this many seconds, so frames at 60 Hz can be cached.
const LOOP_SECONDS: f64 = 4.0;
const CACHE_FPS: f64 = 60.0;
const CACHE_FRAMES: usize = (LOOP_SECONDS * CACHE_FPS) as usize;

#[derive(Debug, Clone, Copy)]
enum Role {
    Root,
    Spine(u8),
    Neck,
    Head,
    Shoulder(f64),
    Arm(f64),
    ForeArm(f64),
    Hand(f64),
    Finger {
        side: f64,
        finger: u8,
        segment: u8,
    },
    UpLeg(f64),
    Leg(f64),
    Foot(f64),
    Toe(f64),
    End,
    FishBody,
    FishSpine(u8),
    FishHead,
    FishJaw,
    FishFin(f64),
    FishDorsal,
    /// Body segment `k` of the creature, and its legs (side, segment, lower?).
    Segment(u8),
    CreatureLeg {
        side: f64,
        k: u8,
        lower: bool,
    },
}

pub struct Character {
    kind: CharacterKind,
    skeleton: Skeleton,
    roles: Vec<Role>,
    names: Vec<String>,
    /// Full frames then partial frames, for 60 Hz timing.
    cache: Vec<OnceLock<Bytes>>,
}

impl std::fmt::Debug for Character {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Character")
            .field("kind", &self.kind)
            .field("joints", &self.names.len())
            .finish()
    }
}

impl Character {
    pub fn new(kind: CharacterKind) -> Self {
        let table = match kind {
            CharacterKind::Humanoid => humanoid(),
            CharacterKind::Fish => fish(),
            CharacterKind::Creature => creature(),
        };
        let joints: Vec<SkeletonJoint> = table
            .iter()
            .map(|(name, parent, offset, _)| SkeletonJoint {
                name: name.clone(),
                parent: parent.as_ref().map(|p| {
                    table
                        .iter()
                        .position(|(n, ..)| n == p)
                        .expect("parent listed")
                }),
                offset: *offset,
                orient: [0.0, 0.0, 0.0, 1.0],
            })
            .collect();
        let skeleton =
            Skeleton::new(joints, SkeletonSource::Simulator).expect("built-in skeleton is valid");
        let roles = skeleton
            .joints()
            .iter()
            .map(|j| {
                table
                    .iter()
                    .find(|(n, ..)| *n == j.name)
                    .expect("same joints")
                    .3
            })
            .collect();
        let names = skeleton.joints().iter().map(|j| j.name.clone()).collect();
        Self {
            kind,
            skeleton,
            roles,
            names,
            cache: (0..2 * CACHE_FRAMES).map(|_| OnceLock::new()).collect(),
        }
    }

    pub fn kind(&self) -> CharacterKind {
        self.kind
    }
    /// The same character as a Maya scene for the project's Maya emulator (`--scene`):
    /// joints with Mosketch's names and parents, rest offsets in centimetres and rest
    /// orientations as jointOrient, so the simulator and the emulator agree on it.
    pub fn maya_scene(&self) -> serde_json::Value {
        use crate::link::euler::{from_quat, RotateOrder};
        let joints = self.skeleton.joints();
        let list: Vec<serde_json::Value> = joints
            .iter()
            .map(|j| {
                let jo = from_quat(DQuat::from_array(j.orient), RotateOrder::Xyz, None)
                    .map(f64::to_degrees);
                serde_json::json!({
                    "name": j.name,
                    "parent": j.parent.map(|p| &joints[p].name),
                    "translate": j.offset.map(|v| v * 100.0),
                    "jointOrient": jo,
                })
            })
            .collect();
        serde_json::json!({"sceneName": format!("{:?}.ma", self.kind).to_lowercase(), "joints": list})
    }

    pub fn skeleton(&self) -> &Skeleton {
        &self.skeleton
    }
    /// Joint names in Hierarchy order (parents first).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Stable uuid-like strings (Mosketch's real format is unknown).
    pub fn uuids(&self) -> Vec<(String, String)> {
        self.names
            .iter()
            .map(|n| {
                let h = fnv(format!("{:?}/{n}", self.kind).as_bytes());
                let g = fnv(format!("{n}#{:?}", self.kind).as_bytes());
                (
                    n.clone(),
                    format!(
                        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                        h >> 32,
                        (h >> 16) & 0xffff,
                        h & 0xfff,
                        g >> 52,
                        g & 0xffff_ffff_ffff
                    ),
                )
            })
            .collect()
    }

    /// The Hierarchy packet; with `skeleton`, parents and rest offsets ride along as
    /// extra parallel arrays (`Parents`, `Offsets`, `Orients`; metres, Y-up).
    pub fn hierarchy_packet(&self, skeleton: bool) -> Vec<u8> {
        let mut extra = Map::new();
        if skeleton {
            let j = self.skeleton.joints();
            extra.insert(
                "Parents".into(),
                j.iter()
                    .map(|j| {
                        j.parent
                            .map_or(Value::Null, |p| Value::String(self.names[p].clone()))
                    })
                    .collect(),
            );
            extra.insert(
                "Offsets".into(),
                serde_json::to_value(j.iter().map(|j| j.offset).collect::<Vec<_>>())
                    .expect("numbers"),
            );
            extra.insert(
                "Orients".into(),
                serde_json::to_value(j.iter().map(|j| j.orient).collect::<Vec<_>>())
                    .expect("numbers"),
            );
        }
        encode::hierarchy(&self.names, &extra)
    }

    /// Whether frame `frame` carries only some joints when partial frames are on:
    /// every odd frame carries every third joint (the root included).
    pub fn is_partial_frame(frame: u64) -> bool {
        frame % 2 == 1
    }
    pub fn in_partial_subset(joint_index: usize) -> bool {
        joint_index.is_multiple_of(3)
    }

    /// Every joint's sample for frame `frame` at `dt` seconds per frame. Values are
    /// single-precision floats widened to f64, as a C++ float stream would print them,
    /// and each joint carries a small fixed offset rotation so that, as with real data,
    /// no quaternion component is exactly zero (a 65-joint frame is then ~8 KB).
    pub fn pose_at(&self, frame: u64, dt: f64) -> Vec<JointSample> {
        let t = (frame as f64 * dt) % LOOP_SECONDS;
        self.roles
            .iter()
            .zip(&self.names)
            .enumerate()
            .map(|(i, (role, name))| {
                let (r, t) = animate(*role, t);
                let k = i as f64;
                let r = r * DQuat::from_euler(
                    glam::EulerRot::XYZ,
                    0.01 * k.sin(),
                    0.01 * k.cos(),
                    0.005 + 0.001 * k,
                );
                let six = matches!(role, Role::Root | Role::FishBody);
                JointSample {
                    name: name.clone(),
                    anatom: Some(if six { 7 } else { 5 }),
                    r: Some(single(r.normalize().to_array())),
                    t: if six {
                        Some(single(t.to_array()))
                    } else {
                        None
                    },
                }
            })
            .collect()
    }

    /// The samples a frame carries.
    pub fn frame_samples(&self, frame: u64, dt: f64, partial: bool) -> Vec<JointSample> {
        let all = self.pose_at(frame, dt);
        if partial && Self::is_partial_frame(frame) {
            all.into_iter()
                .enumerate()
                .filter(|(i, _)| Self::in_partial_subset(*i))
                .map(|(_, s)| s)
                .collect()
        } else {
            all
        }
    }

    /// The encoded frame (cached at 60 Hz timing, which "as fast as acks allow" uses).
    pub fn frame_bytes(&self, frame: u64, dt: f64, partial: bool) -> Bytes {
        if dt != 1.0 / CACHE_FPS {
            return Bytes::from(encode::joints_stream(
                &self.frame_samples(frame, dt, partial),
            ));
        }
        let slot = (frame % CACHE_FRAMES as u64) as usize + if partial { CACHE_FRAMES } else { 0 };
        self.cache[slot]
            .get_or_init(|| {
                Bytes::from(encode::joints_stream(
                    &self.frame_samples(frame, dt, partial),
                ))
            })
            .clone()
    }
}

fn single<const N: usize>(v: [f64; N]) -> [f64; N] {
    v.map(|x| x as f32 as f64)
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
