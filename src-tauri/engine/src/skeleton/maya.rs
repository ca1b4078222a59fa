//! Maya joints → skeleton, and the rotation maths between Maya's joint attributes and
//! Mosketch's streamed quaternions. Pure functions: whoever queries Maya (the Maya link)
//! hands over [`MayaJointRecord`]s.
//!
//! Maya's joint matrix is `[S]·[RO]·[R]·[JO]·[IS]·[T]` with row vectors (RO =
//! rotateAxis, R = rotate in its rotate order, JO = jointOrient, both of those in xyz
//! order). With glam's column convention the same rotation is `JO * R * RO`, which is
//! what Mosketch streams in Parent space with orient mode 1. Translations are in
//! centimetres in Maya and metres here.

use super::{LengthUnit, Skeleton, SkeletonJoint, SkeletonSource};
use crate::error::AppError;
use crate::link::euler;
pub use crate::link::euler::RotateOrder;
use glam::DQuat;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One joint (or transform) as queried from Maya. Angles in degrees, translate in the
/// scene's linear unit (centimetres unless told otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MayaJointRecord {
    pub name: String,
    /// The parent's name; null for a root (or a parent outside the queried set).
    #[serde(default)]
    pub parent: Option<String>,
    pub translate: [f64; 3],
    #[serde(default)]
    pub joint_orient: [f64; 3],
    #[serde(default)]
    pub rotate_axis: [f64; 3],
    #[serde(default)]
    pub rotate_order: RotateOrder,
    /// The rest pose's rotate, if not zero (degrees, in `rotate_order`).
    #[serde(default)]
    pub rotate: [f64; 3],
}

/// Rotation from Euler angles in degrees, applied in Maya's `order`.
pub fn euler_to_quat(degrees: [f64; 3], order: RotateOrder) -> DQuat {
    euler::to_quat(degrees.map(f64::to_radians), order)
}

/// Euler angles in degrees (Maya's `order`) of a rotation.
pub fn quat_to_euler(q: DQuat, order: RotateOrder) -> [f64; 3] {
    euler::from_quat(q, order, None).map(f64::to_degrees)
}

/// The quaternion Mosketch streams (Parent space, orient kept) for a Maya rotate:
/// `JO * R * RO` (the official client's `q = RO·R·JO` in row-vector notation).
pub fn mosketch_from_maya_rotate(
    rotate: [f64; 3],
    order: RotateOrder,
    joint_orient: [f64; 3],
    rotate_axis: [f64; 3],
) -> DQuat {
    let jo = euler_to_quat(joint_orient, RotateOrder::Xyz);
    let ra = euler_to_quat(rotate_axis, RotateOrder::Xyz);
    (jo * euler_to_quat(rotate, order) * ra).normalize()
}

/// The Maya rotate (degrees, in `order`) for a streamed quaternion: `JO⁻¹ * q * RO⁻¹`.
pub fn maya_rotate_from_mosketch(
    q: DQuat,
    order: RotateOrder,
    joint_orient: [f64; 3],
    rotate_axis: [f64; 3],
) -> [f64; 3] {
    let jo = euler_to_quat(joint_orient, RotateOrder::Xyz);
    let ra = euler_to_quat(rotate_axis, RotateOrder::Xyz);
    quat_to_euler(jo.inverse() * q.normalize() * ra.inverse(), order)
}

/// A skeleton from Maya joints. Parents named but missing from `records` make roots.
pub fn skeleton_from_maya(
    records: &[MayaJointRecord],
    units: LengthUnit,
) -> Result<Skeleton, AppError> {
    let index: std::collections::HashMap<&str, usize> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.as_str(), i))
        .collect();
    let scale = units.to_metres();
    let joints = records
        .iter()
        .map(|r| SkeletonJoint {
            name: r.name.clone(),
            parent: r.parent.as_deref().and_then(|p| index.get(p).copied()),
            offset: r.translate.map(|x| x * scale),
            orient: mosketch_from_maya_rotate(
                r.rotate,
                r.rotate_order,
                r.joint_orient,
                r.rotate_axis,
            )
            .to_array(),
        })
        .collect();
    Skeleton::new(joints, SkeletonSource::Maya)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDERS: [RotateOrder; 6] = RotateOrder::ALL;

    fn axis(i: usize, deg: f64) -> DQuat {
        let a = deg.to_radians();
        [
            DQuat::from_rotation_x(a),
            DQuat::from_rotation_y(a),
            DQuat::from_rotation_z(a),
        ][i]
    }

    #[test]
    fn rotate_orders_apply_the_first_named_axis_first() {
        let r = [10.0, 20.0, 30.0];
        for o in ORDERS {
            let name = format!("{o:?}").to_lowercase();
            let ax: Vec<usize> = name.chars().map(|c| (c as u8 - b'x') as usize).collect();
            // First-named axis applies first: in column convention it is rightmost.
            let expected = axis(ax[2], r[ax[2]]) * axis(ax[1], r[ax[1]]) * axis(ax[0], r[ax[0]]);
            assert!(euler_to_quat(r, o).abs_diff_eq(expected, 1e-12), "{o:?}");
        }
    }

    #[test]
    fn euler_round_trips_in_every_order() {
        for o in ORDERS {
            let r = [12.0, -33.0, 71.0];
            let back = quat_to_euler(euler_to_quat(r, o), o);
            for k in 0..3 {
                assert!((back[k] - r[k]).abs() < 1e-9, "{o:?}: {back:?}");
            }
        }
    }

    #[test]
    fn mosketch_and_maya_rotations_are_inverse() {
        let (jo, ra) = ([0.0, 0.0, -90.0], [5.0, 10.0, 0.0]);
        for o in ORDERS {
            let q = mosketch_from_maya_rotate([20.0, -40.0, 15.0], o, jo, ra);
            let back = maya_rotate_from_mosketch(q, o, jo, ra);
            assert!(
                mosketch_from_maya_rotate(back, o, jo, ra).abs_diff_eq(q, 1e-9)
                    || mosketch_from_maya_rotate(back, o, jo, ra).abs_diff_eq(-q, 1e-9)
            );
        }
        // With no joint orient or rotate axis, it is the plain Euler rotation.
        let q = mosketch_from_maya_rotate([0.0, 90.0, 0.0], RotateOrder::Xyz, [0.0; 3], [0.0; 3]);
        assert!(q.abs_diff_eq(DQuat::from_rotation_y(std::f64::consts::FRAC_PI_2), 1e-12));
    }

    #[test]
    fn skeleton_from_maya_records_json() {
        let records: Vec<MayaJointRecord> = serde_json::from_str(
            r#"[{"name":"hips","parent":null,"translate":[0,100,0],"rotateOrder":0},
                {"name":"spine","parent":"hips","translate":[0,10,0],"jointOrient":[0,0,90],"rotateOrder":"yzx"},
                {"name":"arm","parent":"outside_set","translate":[5,0,0],"rotateOrder":5}]"#,
        )
        .unwrap();
        assert_eq!(records[1].rotate_order, RotateOrder::Yzx);
        assert_eq!(records[2].rotate_order, RotateOrder::Zyx);
        let s = skeleton_from_maya(&records, LengthUnit::Cm).unwrap();
        assert_eq!(s.source(), SkeletonSource::Maya);
        assert_eq!(s.joints()[0].offset, [0.0, 1.0, 0.0]);
        let spine = &s.joints()[s.index_of("spine").unwrap()];
        assert_eq!(spine.parent, Some(0));
        assert!(DQuat::from_array(spine.orient)
            .abs_diff_eq(DQuat::from_rotation_z(std::f64::consts::FRAC_PI_2), 1e-12));
        assert_eq!(s.joints()[s.index_of("arm").unwrap()].parent, None);
        assert!(serde_json::from_str::<MayaJointRecord>(
            r#"{"name":"a","translate":[0,0,0],"rotateOrder":9}"#
        )
        .is_err());
    }
}
