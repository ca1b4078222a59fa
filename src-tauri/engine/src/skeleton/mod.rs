//! Skeletons for the 3D preview: joints with a parent and a rest transform (metres,
//! Y-up, quaternions [x, y, z, w]), built from whichever source has them — the
//! Hierarchy packet's extra fields ([`hierarchy`]), a Maya scene ([`maya`]), a
//! skeleton file ([`file`]) or a BVH hierarchy ([`bvh`]) — and the world transforms
//! of a pose, computed in one pass over joints stored parents-first.

pub mod bvh;
pub mod file;
pub mod hierarchy;
pub mod maya;

use crate::error::AppError;
use crate::mosketch::pose::PoseSnapshot;
use glam::{DQuat, DVec3};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SkeletonJoint {
    pub name: String,
    /// Index of the parent in `Skeleton::joints` (always smaller than this joint's); null for a root.
    pub parent: Option<usize>,
    /// Rest translation relative to the parent, in metres.
    pub offset: [f64; 3],
    /// Rest rotation relative to the parent, quaternion [x, y, z, w].
    pub orient: [f64; 4],
}

/// Where a skeleton came from, so the UI can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum SkeletonSource {
    Hierarchy,
    Maya,
    File,
    Bvh,
    Simulator,
}

/// Joints sorted parents-first with unique names. Built only through [`Skeleton::new`],
/// which checks and orders them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Skeleton {
    source: SkeletonSource,
    joints: Vec<SkeletonJoint>,
    #[serde(skip)]
    #[ts(skip)]
    index: HashMap<String, usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorldTransform {
    pub translation: DVec3,
    pub rotation: DQuat,
}

impl Skeleton {
    /// Checks the joints (unique names, parents that exist, no cycles, finite numbers)
    /// and reorders them parents-first, keeping the given order otherwise.
    pub fn new(joints: Vec<SkeletonJoint>, source: SkeletonSource) -> Result<Self, AppError> {
        let n = joints.len();
        let mut seen = HashMap::with_capacity(n);
        for (i, j) in joints.iter().enumerate() {
            if j.name.is_empty() {
                return Err(AppError::invalid(format!("joint {i} has no name")));
            }
            if seen.insert(j.name.as_str(), i).is_some() {
                return Err(AppError::invalid(format!(
                    "two joints are named '{}'",
                    j.name
                )));
            }
            if let Some(p) = j.parent {
                if p >= n || p == i {
                    return Err(AppError::invalid(format!(
                        "joint '{}' has an invalid parent",
                        j.name
                    )));
                }
            }
            if !j
                .offset
                .iter()
                .chain(j.orient.iter())
                .all(|x| x.is_finite())
            {
                return Err(AppError::invalid(format!(
                    "joint '{}' has a non-finite offset or orientation",
                    j.name
                )));
            }
        }
        // Depth of each joint; a walk longer than n means a cycle.
        let mut depth = vec![usize::MAX; n];
        for start in 0..n {
            let mut chain = vec![];
            let mut at = Some(start);
            while let Some(i) = at {
                if depth[i] != usize::MAX {
                    break;
                }
                if chain.len() > n {
                    return Err(AppError::invalid(format!(
                        "the parents of '{}' form a loop",
                        joints[start].name
                    )));
                }
                chain.push(i);
                at = joints[i].parent;
            }
            let base = at.map_or(0, |i| depth[i] + 1);
            for (d, &i) in (base..).zip(chain.iter().rev()) {
                depth[i] = d;
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| depth[i]);
        let mut new_index = vec![0; n];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let mut old = joints.into_iter().map(Some).collect::<Vec<_>>();
        let joints: Vec<SkeletonJoint> = order
            .iter()
            .map(|&i| {
                let mut j = old[i].take().expect("each joint once");
                j.parent = j.parent.map(|p| new_index[p]);
                let q = DQuat::from_array(j.orient);
                j.orient = if q.length_squared() > 1e-12 {
                    q.normalize().to_array()
                } else {
                    DQuat::IDENTITY.to_array()
                };
                j
            })
            .collect();
        let index = joints
            .iter()
            .enumerate()
            .map(|(i, j)| (j.name.clone(), i))
            .collect();
        Ok(Self {
            source,
            joints,
            index,
        })
    }

    pub fn joints(&self) -> &[SkeletonJoint] {
        &self.joints
    }
    pub fn source(&self) -> SkeletonSource {
        self.source
    }
    pub fn len(&self) -> usize {
        self.joints.len()
    }
    pub fn is_empty(&self) -> bool {
        self.joints.is_empty()
    }
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// World transforms from parent-local ones, in one pass (parents come first).
    /// `local(i, joint)` gives joint i's rotation and translation relative to its parent.
    pub fn world_transforms(
        &self,
        mut local: impl FnMut(usize, &SkeletonJoint) -> (DQuat, DVec3),
    ) -> Vec<WorldTransform> {
        let mut out: Vec<WorldTransform> = Vec::with_capacity(self.joints.len());
        for (i, j) in self.joints.iter().enumerate() {
            let (r, t) = local(i, j);
            let w = match j.parent {
                None => WorldTransform {
                    translation: t,
                    rotation: r,
                },
                Some(p) => {
                    let pw = out[p];
                    WorldTransform {
                        translation: pw.translation + pw.rotation * t,
                        rotation: (pw.rotation * r).normalize(),
                    }
                }
            };
            out.push(w);
        }
        out
    }

    pub fn rest_world(&self) -> Vec<WorldTransform> {
        self.world_transforms(|_, j| (DQuat::from_array(j.orient), DVec3::from_array(j.offset)))
    }

    /// The world transforms of a streamed pose (Parent joint space, orient kept): a joint's
    /// R replaces its rest rotation, T (6-DoF joints) replaces its rest offset; joints the
    /// pose lacks stay at rest.
    pub fn posed_world(&self, pose: &PoseSnapshot) -> Vec<WorldTransform> {
        let mut by_joint: Vec<Option<usize>> = vec![None; self.joints.len()];
        for (pi, pj) in pose.joints.iter().enumerate() {
            if let Some(i) = self.index_of(&pj.name) {
                by_joint[i] = Some(pi);
            }
        }
        self.world_transforms(|i, j| match by_joint[i].map(|pi| &pose.joints[pi]) {
            Some(p) if p.last_frame > 0 => {
                let r = DQuat::from_array(p.r);
                let r = if r.length_squared() > 1e-12 {
                    r.normalize()
                } else {
                    DQuat::IDENTITY
                };
                (r, DVec3::from_array(p.t.unwrap_or(j.offset)))
            }
            _ => (DQuat::from_array(j.orient), DVec3::from_array(j.offset)),
        })
    }
}

/// Length units skeleton sources may use; everything is stored in metres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum LengthUnit {
    M,
    Cm,
    Mm,
    In,
}

impl LengthUnit {
    pub fn to_metres(self) -> f64 {
        match self {
            Self::M => 1.0,
            Self::Cm => 0.01,
            Self::Mm => 0.001,
            Self::In => 0.0254,
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "m" | "meter" | "meters" | "metre" | "metres" => Some(Self::M),
            "cm" | "centimeter" | "centimeters" | "centimetre" | "centimetres" => Some(Self::Cm),
            "mm" | "millimeter" | "millimeters" | "millimetre" | "millimetres" => Some(Self::Mm),
            "in" | "inch" | "inches" => Some(Self::In),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::FRAC_PI_2;

    fn joint(name: &str, parent: Option<usize>, offset: [f64; 3]) -> SkeletonJoint {
        SkeletonJoint {
            name: name.into(),
            parent,
            offset,
            orient: [0.0, 0.0, 0.0, 1.0],
        }
    }

    #[test]
    fn orders_parents_first_and_remaps_indices() {
        // Child listed before its parent.
        let s = Skeleton::new(
            vec![
                joint("Hand", Some(2), [0.2, 0.0, 0.0]),
                joint("Root", None, [0.0, 1.0, 0.0]),
                joint("Arm", Some(1), [0.3, 0.0, 0.0]),
            ],
            SkeletonSource::File,
        )
        .unwrap();
        let names: Vec<_> = s.joints().iter().map(|j| j.name.as_str()).collect();
        assert_eq!(names, ["Root", "Arm", "Hand"]);
        assert_eq!(s.joints()[2].parent, Some(1));
        assert_eq!(s.index_of("Hand"), Some(2));
        for (i, j) in s.joints().iter().enumerate() {
            assert!(j.parent.is_none_or(|p| p < i));
        }
    }

    #[test]
    fn rejects_bad_skeletons() {
        assert!(Skeleton::new(
            vec![joint("a", None, [0.0; 3]), joint("a", None, [0.0; 3])],
            SkeletonSource::File
        )
        .is_err());
        assert!(Skeleton::new(
            vec![joint("a", Some(1), [0.0; 3]), joint("b", Some(0), [0.0; 3])],
            SkeletonSource::File
        )
        .is_err());
        assert!(Skeleton::new(vec![joint("a", Some(5), [0.0; 3])], SkeletonSource::File).is_err());
        assert!(Skeleton::new(
            vec![joint("a", None, [f64::NAN, 0.0, 0.0])],
            SkeletonSource::File
        )
        .is_err());
    }

    #[test]
    fn world_transforms_compose_parent_rotations() {
        let s = Skeleton::new(
            vec![
                joint("Root", None, [0.0, 1.0, 0.0]),
                joint("Arm", Some(0), [1.0, 0.0, 0.0]),
                joint("Hand", Some(1), [1.0, 0.0, 0.0]),
            ],
            SkeletonSource::File,
        )
        .unwrap();
        let rest = s.rest_world();
        assert!((rest[2].translation - DVec3::new(2.0, 1.0, 0.0)).length() < 1e-12);
        // Rotate the arm 90° about Y: the hand, 1 m along the arm's X, moves to -Z.
        let w = s.world_transforms(|i, j| {
            let r = if i == 1 {
                DQuat::from_rotation_y(FRAC_PI_2)
            } else {
                DQuat::IDENTITY
            };
            (r, DVec3::from_array(j.offset))
        });
        assert!(
            (w[2].translation - DVec3::new(1.0, 1.0, -1.0)).length() < 1e-12,
            "{:?}",
            w[2].translation
        );
        assert!(w[2]
            .rotation
            .abs_diff_eq(DQuat::from_rotation_y(FRAC_PI_2), 1e-12));
    }

    #[test]
    fn posed_world_uses_r_and_root_t() {
        let s = Skeleton::new(
            vec![
                joint("Hips", None, [0.0, 1.0, 0.0]),
                joint("Spine", Some(0), [0.0, 0.5, 0.0]),
            ],
            SkeletonSource::File,
        )
        .unwrap();
        let mut pose = PoseSnapshot::for_hierarchy(1, &["Hips".into(), "Spine".into()]);
        pose.joints[0].t = Some([1.0, 0.9, 0.0]);
        pose.joints[0].r = DQuat::from_rotation_z(FRAC_PI_2).to_array();
        pose.joints[0].last_frame = 1;
        let w = s.posed_world(&pose);
        assert!((w[0].translation - DVec3::new(1.0, 0.9, 0.0)).length() < 1e-12);
        // Spine (never streamed) stays at rest relative to the rotated hips: +Y becomes -X.
        assert!(
            (w[1].translation - DVec3::new(0.5, 0.9, 0.0)).length() < 1e-12,
            "{:?}",
            w[1].translation
        );
    }

    #[test]
    fn serializes_for_the_ui() {
        let s = Skeleton::new(
            vec![joint("Hips", None, [0.0, 1.0, 0.0])],
            SkeletonSource::Bvh,
        )
        .unwrap();
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["source"], "bvh");
        assert_eq!(v["joints"][0]["parent"], serde_json::Value::Null);
        assert!(v.get("index").is_none());
    }
}
