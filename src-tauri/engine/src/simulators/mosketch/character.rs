//! The simulator's characters and their procedural animation: a 65-joint Mixamo-like
//! humanoid (6-DoF Hips in metres, 4-segment fingers) that alternates walking and
//! idling, and a small fish. Poses are a pure function of the frame number, so tests
//! can recompute exactly what the simulator sent.

use crate::mosketch::command::{JointSpace, OrientMode};
use crate::mosketch::packet::{encode, JointSample};
use crate::skeleton::{Skeleton, SkeletonJoint, SkeletonSource};
use bytes::Bytes;
use glam::{DQuat, DVec3};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::f64::consts::{PI, TAU};
use std::sync::OnceLock;
use ts_rs::TS;

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

impl Character {
    /// A frame as a client that chose `space` and `orient` receives it. Parent space
    /// with the orientation kept is what [`Character::pose_at`] produces (and is cached).
    pub fn frame_bytes_in(
        &self,
        frame: u64,
        dt: f64,
        partial: bool,
        space: JointSpace,
        orient: OrientMode,
    ) -> Bytes {
        if space == JointSpace::Parent && orient == OrientMode::Keep {
            return self.frame_bytes(frame, dt, partial);
        }
        let mut samples = self.pose_at(frame, dt);
        let joints = self.skeleton.joints();
        let local: Vec<(DQuat, glam::DVec3)> = samples
            .iter()
            .zip(joints)
            .map(|(s, j)| {
                (
                    DQuat::from_array(s.r.unwrap_or(j.orient)),
                    glam::DVec3::from_array(s.t.unwrap_or(j.offset)),
                )
            })
            .collect();
        let world = self.skeleton.world_transforms(|i, _| local[i]);
        for (i, (s, j)) in samples.iter_mut().zip(joints).enumerate() {
            let parent_world = j
                .parent
                .map(|p| world[p].rotation)
                .unwrap_or(DQuat::IDENTITY);
            let r = match space {
                JointSpace::Parent => local[i].0,
                JointSpace::World => world[i].rotation,
                // The rotation relative to the parent, expressed in world axes.
                JointSpace::ParentInWorld => world[i].rotation * parent_world.inverse(),
            };
            // Discard: the joint's initial orientation is taken out of what is streamed.
            let r = if orient == OrientMode::Discard {
                DQuat::from_array(j.orient).inverse() * r
            } else {
                r
            };
            s.r = Some(single(r.normalize().to_array()));
            if s.t.is_some() && space != JointSpace::Parent {
                s.t = Some(single(world[i].translation.to_array()));
            }
        }
        if partial && Self::is_partial_frame(frame) {
            samples = samples
                .into_iter()
                .enumerate()
                .filter(|(i, _)| Self::in_partial_subset(*i))
                .map(|(_, s)| s)
                .collect();
        }
        Bytes::from(encode::joints_stream(&samples))
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

type JointRow = (String, Option<String>, [f64; 3], Role);

fn humanoid() -> Vec<JointRow> {
    let mut t: Vec<JointRow> = vec![
        ("Hips".into(), None, [0.0, 1.0, 0.0], Role::Root),
        (
            "Spine".into(),
            Some("Hips".into()),
            [0.0, 0.1, 0.0],
            Role::Spine(0),
        ),
        (
            "Spine1".into(),
            Some("Spine".into()),
            [0.0, 0.12, 0.0],
            Role::Spine(1),
        ),
        (
            "Spine2".into(),
            Some("Spine1".into()),
            [0.0, 0.13, 0.0],
            Role::Spine(2),
        ),
        (
            "Neck".into(),
            Some("Spine2".into()),
            [0.0, 0.15, 0.01],
            Role::Neck,
        ),
        (
            "Head".into(),
            Some("Neck".into()),
            [0.0, 0.1, 0.02],
            Role::Head,
        ),
        (
            "HeadTop_End".into(),
            Some("Head".into()),
            [0.0, 0.18, 0.0],
            Role::End,
        ),
    ];
    let fingers: [(&str, [[f64; 3]; 4]); 5] = [
        (
            "Thumb",
            [
                [0.025, -0.01, 0.03],
                [0.03, 0.0, 0.015],
                [0.03, 0.0, 0.01],
                [0.025, 0.0, 0.005],
            ],
        ),
        (
            "Index",
            [
                [0.09, 0.005, 0.03],
                [0.04, 0.0, 0.0],
                [0.025, 0.0, 0.0],
                [0.02, 0.0, 0.0],
            ],
        ),
        (
            "Middle",
            [
                [0.095, 0.005, 0.01],
                [0.045, 0.0, 0.0],
                [0.03, 0.0, 0.0],
                [0.022, 0.0, 0.0],
            ],
        ),
        (
            "Ring",
            [
                [0.09, 0.003, -0.01],
                [0.04, 0.0, 0.0],
                [0.028, 0.0, 0.0],
                [0.02, 0.0, 0.0],
            ],
        ),
        (
            "Pinky",
            [
                [0.08, 0.0, -0.03],
                [0.03, 0.0, 0.0],
                [0.02, 0.0, 0.0],
                [0.018, 0.0, 0.0],
            ],
        ),
    ];
    for (side, s) in [("Left", 1.0), ("Right", -1.0)] {
        let m = |o: [f64; 3]| [o[0] * s, o[1], o[2]];
        let n = |x: &str| format!("{side}{x}");
        t.push((
            n("Shoulder"),
            Some("Spine2".into()),
            m([0.06, 0.11, 0.0]),
            Role::Shoulder(s),
        ));
        t.push((
            n("Arm"),
            Some(n("Shoulder")),
            m([0.12, 0.0, 0.0]),
            Role::Arm(s),
        ));
        t.push((
            n("ForeArm"),
            Some(n("Arm")),
            m([0.27, 0.0, 0.0]),
            Role::ForeArm(s),
        ));
        t.push((
            n("Hand"),
            Some(n("ForeArm")),
            m([0.25, 0.0, 0.0]),
            Role::Hand(s),
        ));
        for (f, (finger, segs)) in fingers.iter().enumerate() {
            for (k, off) in segs.iter().enumerate() {
                let name = n(&format!("Hand{finger}{}", k + 1));
                let parent = if k == 0 {
                    n("Hand")
                } else {
                    n(&format!("Hand{finger}{k}"))
                };
                let role = if k == 3 {
                    Role::End
                } else {
                    Role::Finger {
                        side: s,
                        finger: f as u8,
                        segment: k as u8,
                    }
                };
                t.push((name, Some(parent), m(*off), role));
            }
        }
        t.push((
            n("UpLeg"),
            Some("Hips".into()),
            m([0.09, -0.06, 0.0]),
            Role::UpLeg(s),
        ));
        t.push((
            n("Leg"),
            Some(n("UpLeg")),
            m([0.0, -0.42, 0.0]),
            Role::Leg(s),
        ));
        t.push((
            n("Foot"),
            Some(n("Leg")),
            m([0.0, -0.41, 0.0]),
            Role::Foot(s),
        ));
        t.push((
            n("ToeBase"),
            Some(n("Foot")),
            m([0.0, -0.07, 0.12]),
            Role::Toe(s),
        ));
        t.push((
            n("Toe_End"),
            Some(n("ToeBase")),
            m([0.0, 0.0, 0.06]),
            Role::End,
        ));
    }
    t
}

/// 200 joints: a head with a jaw and two antennae, 39 body segments, and on each
/// segment two legs of two joints.
fn creature() -> Vec<JointRow> {
    let mut t: Vec<JointRow> = vec![
        ("Body".into(), None, [0.0, 0.3, 0.0], Role::Root),
        (
            "Head".into(),
            Some("Body".into()),
            [0.0, 0.0, 0.1],
            Role::Head,
        ),
        (
            "Jaw".into(),
            Some("Head".into()),
            [0.0, -0.02, 0.04],
            Role::FishJaw,
        ),
    ];
    for side in ["L", "R"] {
        let s = if side == "L" { 1.0 } else { -1.0 };
        t.push((
            format!("Antenna_{side}"),
            Some("Head".into()),
            [0.02 * s, 0.02, 0.05],
            Role::FishFin(s),
        ));
    }
    for k in 1..=39u8 {
        let parent = if k == 1 {
            "Body".to_string()
        } else {
            format!("Segment{}", k - 1)
        };
        t.push((
            format!("Segment{k}"),
            Some(parent),
            [0.0, 0.0, -0.05],
            Role::Segment(k),
        ));
        for side in ["L", "R"] {
            let s = if side == "L" { 1.0 } else { -1.0 };
            t.push((
                format!("Leg{k}_{side}"),
                Some(format!("Segment{k}")),
                [0.04 * s, 0.0, 0.0],
                Role::CreatureLeg {
                    side: s,
                    k,
                    lower: false,
                },
            ));
            t.push((
                format!("Foot{k}_{side}"),
                Some(format!("Leg{k}_{side}")),
                [0.06 * s, -0.03, 0.0],
                Role::CreatureLeg {
                    side: s,
                    k,
                    lower: true,
                },
            ));
        }
    }
    t
}

fn fish() -> Vec<JointRow> {
    let mut t: Vec<JointRow> = vec![
        ("Body".into(), None, [0.0, 0.5, 0.0], Role::FishBody),
        (
            "Head".into(),
            Some("Body".into()),
            [0.0, 0.0, 0.25],
            Role::FishHead,
        ),
        (
            "Jaw".into(),
            Some("Head".into()),
            [0.0, -0.03, 0.08],
            Role::FishJaw,
        ),
    ];
    for k in 1..=6u8 {
        let parent = if k == 1 {
            "Body".to_string()
        } else {
            format!("Spine{}", k - 1)
        };
        t.push((
            format!("Spine{k}"),
            Some(parent),
            [0.0, 0.0, if k == 1 { -0.15 } else { -0.12 }],
            Role::FishSpine(k),
        ));
    }
    t.push((
        "TailFin".into(),
        Some("Spine6".into()),
        [0.0, 0.0, -0.1],
        Role::FishSpine(7),
    ));
    t.push((
        "TailFin_End".into(),
        Some("TailFin".into()),
        [0.0, 0.0, -0.12],
        Role::End,
    ));
    t.push((
        "LeftFin".into(),
        Some("Body".into()),
        [0.08, -0.03, 0.1],
        Role::FishFin(1.0),
    ));
    t.push((
        "RightFin".into(),
        Some("Body".into()),
        [-0.08, -0.03, 0.1],
        Role::FishFin(-1.0),
    ));
    t.push((
        "DorsalFin".into(),
        Some("Body".into()),
        [0.0, 0.1, 0.0],
        Role::FishDorsal,
    ));
    t
}

fn rx(a: f64) -> DQuat {
    DQuat::from_rotation_x(a)
}
fn ry(a: f64) -> DQuat {
    DQuat::from_rotation_y(a)
}
fn rz(a: f64) -> DQuat {
    DQuat::from_rotation_z(a)
}

/// A joint's local rotation (and translation, for roots) at time `t` in the loop.
fn animate(role: Role, t: f64) -> (DQuat, DVec3) {
    let phi = TAU * t; // walk cycle: 1 Hz
    let psi = TAU * t / LOOP_SECONDS; // breathing and walk/idle blend: one per loop
    let w = 0.5 - 0.5 * psi.cos(); // 0 = idle, 1 = walking
    let zero = DVec3::ZERO;
    let q = match role {
        Role::Root => {
            let pos = DVec3::new(
                0.03 * w * phi.sin(),
                1.0 + 0.02 * w * (2.0 * phi).cos() + 0.005 * psi.sin(),
                0.0,
            );
            return (ry(0.12 * w * phi.sin()) * rz(0.04 * w * phi.sin()), pos);
        }
        Role::Spine(k) => ry(-0.05 * w * phi.sin() / (k as f64 + 1.0)) * rx(0.02 * psi.sin()),
        Role::Neck => rx(0.05 * psi.sin()),
        Role::Head => ry(0.25 * (1.0 - w) * (2.0 * psi).sin()) * rx(-0.05 * w * (2.0 * phi).cos()),
        Role::Shoulder(s) => rz(s * 0.05 * psi.sin()),
        Role::Arm(s) => rx(s * 0.4 * w * phi.sin()) * rz(-s * 1.25),
        Role::ForeArm(s) => ry(-s * (0.3 + 0.1 * w * phi.sin())),
        Role::Hand(s) => rz(-s * 0.1),
        Role::Finger {
            side,
            finger,
            segment,
        } => {
            let curl = (0.2 + 0.15 * (psi + finger as f64 * 0.5).sin())
                * if segment == 0 { 0.8 } else { 1.0 };
            if finger == 0 {
                ry(side * curl * 0.5)
            } else {
                rz(-side * curl)
            }
        }
        Role::UpLeg(s) => rx(-0.45 * w * leg_phase(phi, s).sin()),
        Role::Leg(s) => rx(0.65 * w * (0.5 - 0.5 * (leg_phase(phi, s) + 0.5).cos())),
        Role::Foot(s) => rx(0.2 * w * leg_phase(phi, s).sin()),
        Role::Toe(s) => rx(0.1 * w * (0.5 - 0.5 * leg_phase(phi, s).cos())),
        Role::End => DQuat::IDENTITY,
        Role::FishBody => {
            let a = psi;
            let pos = DVec3::new(0.6 * a.cos(), 0.5 + 0.05 * (2.0 * a).sin(), 0.6 * a.sin());
            return (ry(-a) * rz(0.1 * (1.5 * phi).sin()), pos);
        }
        Role::FishSpine(k) => {
            ry(0.18 * (k as f64 / 6.0 + 0.3) * (1.5 * phi - 0.7 * k as f64).sin())
        }
        Role::FishHead => ry(-0.05 * (1.5 * phi).sin()),
        Role::FishJaw => rx(0.1 * (1.0 + phi.sin())),
        Role::FishFin(s) => rz(s * 0.3 * (1.5 * phi).sin()),
        Role::FishDorsal => rz(0.05 * (1.5 * phi + PI / 3.0).sin()),
        Role::Segment(k) => ry(0.15 * (phi - 0.3 * k as f64).sin()),
        Role::CreatureLeg { side, k, lower } => {
            let step = (phi + 0.5 * k as f64 + if side > 0.0 { 0.0 } else { PI }).sin();
            if lower {
                rz(side * (0.6 + 0.2 * step))
            } else {
                rx(0.35 * step) * rz(-side * 0.3)
            }
        }
    };
    (q, zero)
}

fn leg_phase(phi: f64, side: f64) -> f64 {
    if side > 0.0 {
        phi
    } else {
        phi + PI
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_creature_has_200_joints() {
        assert_eq!(Character::new(CharacterKind::Creature).names().len(), 200);
    }

    #[test]
    fn humanoid_has_65_mixamo_joints_under_a_6dof_hips() {
        let c = Character::new(CharacterKind::Humanoid);
        assert_eq!(c.names().len(), 65);
        assert_eq!(c.names()[0], "Hips");
        for n in [
            "Spine2",
            "HeadTop_End",
            "LeftHandIndex4",
            "RightHandPinky1",
            "LeftToe_End",
            "RightForeArm",
        ] {
            assert!(c.skeleton().index_of(n).is_some(), "{n}");
        }
        let pose = c.pose_at(10, 1.0 / 60.0);
        assert_eq!(pose[0].anatom, Some(7));
        assert!(pose[0].t.is_some());
        assert!(pose[1..]
            .iter()
            .all(|s| s.anatom == Some(5) && s.t.is_none()));
        let bytes = c.frame_bytes(10, 1.0 / 60.0, false);
        assert!(
            (6_500..9_500).contains(&bytes.len()),
            "{} bytes",
            bytes.len()
        );
        // Head top at a human height.
        let top =
            c.skeleton().rest_world()[c.skeleton().index_of("HeadTop_End").unwrap()].translation;
        assert!((1.6..1.9).contains(&top.y), "{top:?}");
    }

    #[test]
    fn animation_is_smooth_normalised_and_loops() {
        let c = Character::new(CharacterKind::Humanoid);
        let dt = 1.0 / 60.0;
        for f in 0..240u64 {
            let a = c.pose_at(f, dt);
            let b = c.pose_at(f + 1, dt);
            for (x, y) in a.iter().zip(&b) {
                let (qa, qb) = (
                    DQuat::from_array(x.r.unwrap()),
                    DQuat::from_array(y.r.unwrap()),
                );
                assert!((qa.length() - 1.0).abs() < 1e-5);
                assert!(qa.angle_between(qb) < 0.1, "{} jumps at frame {f}", x.name);
            }
        }
        assert_eq!(c.pose_at(3, dt), c.pose_at(243, dt));
        assert_ne!(c.pose_at(3, dt), c.pose_at(30, dt));
    }

    #[test]
    fn cached_frames_equal_fresh_ones_and_partial_frames_are_subsets() {
        let c = Character::new(CharacterKind::Humanoid);
        let dt = 1.0 / 60.0;
        assert_eq!(
            &c.frame_bytes(7, dt, true)[..],
            &encode::joints_stream(&c.frame_samples(7, dt, true))[..]
        );
        assert_eq!(c.frame_bytes(247, dt, true), c.frame_bytes(7, dt, true));
        assert_eq!(c.frame_samples(7, dt, true).len(), 22);
        assert_eq!(c.frame_samples(8, dt, true).len(), 65);
    }

    #[test]
    fn hierarchy_carries_the_skeleton_when_asked() {
        let c = Character::new(CharacterKind::Fish);
        let v: Value = serde_json::from_slice(&c.hierarchy_packet(true)).unwrap();
        assert_eq!(v["Joints"].as_array().unwrap().len(), c.names().len());
        assert_eq!(v["Parents"][0], Value::Null);
        let v: Value = serde_json::from_slice(&c.hierarchy_packet(false)).unwrap();
        assert!(v.get("Parents").is_none());
        let u = c.uuids();
        assert_eq!(u.len(), c.names().len());
        assert_eq!(u[0].1.len(), 36);
    }
}

#[cfg(test)]
mod joint_space_tests {
    use super::*;
    use crate::mosketch::packet::Packet;

    fn samples(bytes: &[u8]) -> Vec<JointSample> {
        let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        match Packet::from_object(v).unwrap() {
            Packet::JointsStream(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn world_and_parent_in_world_agree_with_composed_parent_rotations() {
        let c = Character::new(CharacterKind::Humanoid);
        let dt = 1.0 / 60.0;
        let parent =
            samples(&c.frame_bytes_in(42, dt, false, JointSpace::Parent, OrientMode::Keep));
        let world = samples(&c.frame_bytes_in(42, dt, false, JointSpace::World, OrientMode::Keep));
        let piw =
            samples(&c.frame_bytes_in(42, dt, false, JointSpace::ParentInWorld, OrientMode::Keep));
        let joints = c.skeleton().joints();
        let q = |s: &JointSample| DQuat::from_array(s.r.unwrap());
        let mut composed: Vec<DQuat> = Vec::new();
        for (i, j) in joints.iter().enumerate() {
            let pw = j.parent.map(|p| composed[p]).unwrap_or(DQuat::IDENTITY);
            composed.push(pw * q(&parent[i]));
            // World R is the composed chain; ParentInWorld R maps the parent's world rotation onto the joint's.
            assert!(composed[i].angle_between(q(&world[i])) < 1e-3, "{}", j.name);
            assert!(
                (q(&piw[i]) * pw).angle_between(q(&world[i])) < 1e-3,
                "{}",
                j.name
            );
        }
        let discard =
            samples(&c.frame_bytes_in(42, dt, false, JointSpace::Parent, OrientMode::Discard));
        for (i, j) in joints.iter().enumerate() {
            let back = DQuat::from_array(j.orient) * q(&discard[i]);
            assert!(back.angle_between(q(&parent[i])) < 1e-3, "{}", j.name);
        }
    }
}
