//! Maya's rotate orders and the Euler ↔ quaternion conversions of the live link,
//! in one convention: column vectors and Hamilton quaternions (glam). Maya's order
//! "xyz" applies X first, then Y, then Z: `q = Rz·Ry·Rx` here (`Rx·Ry·Rz` in Maya's
//! row-vector notation), which is glam's *extrinsic* XYZ.

use glam::{DQuat, EulerRot};
use serde::{Deserialize, Serialize};
use std::f64::consts::{PI, TAU};
use ts_rs::TS;

/// `rotateOrder`'s enum, in Maya's numbering (0 xyz … 5 zyx).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RotateOrder {
    #[default]
    Xyz,
    Yzx,
    Zxy,
    Xzy,
    Yxz,
    Zyx,
}

impl RotateOrder {
    pub const ALL: [RotateOrder; 6] = [
        RotateOrder::Xyz,
        RotateOrder::Yzx,
        RotateOrder::Zxy,
        RotateOrder::Xzy,
        RotateOrder::Yxz,
        RotateOrder::Zyx,
    ];

    /// Maya's enum value; anything out of range is refused.
    pub fn from_maya(v: i64) -> Option<Self> {
        usize::try_from(v)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    /// glam's extrinsic order whose angles are (first, second, third) axis.
    fn glam(self) -> EulerRot {
        match self {
            RotateOrder::Xyz => EulerRot::XYZEx,
            RotateOrder::Yzx => EulerRot::YZXEx,
            RotateOrder::Zxy => EulerRot::ZXYEx,
            RotateOrder::Xzy => EulerRot::XZYEx,
            RotateOrder::Yxz => EulerRot::YXZEx,
            RotateOrder::Zyx => EulerRot::ZYXEx,
        }
    }

    /// Index (0 x, 1 y, 2 z) of the first, second and third axis applied.
    fn axes(self) -> [usize; 3] {
        match self {
            RotateOrder::Xyz => [0, 1, 2],
            RotateOrder::Yzx => [1, 2, 0],
            RotateOrder::Zxy => [2, 0, 1],
            RotateOrder::Xzy => [0, 2, 1],
            RotateOrder::Yxz => [1, 0, 2],
            RotateOrder::Zyx => [2, 1, 0],
        }
    }
}

/// `rotateOrder` as Maya's `getAttr` gives it (an index 0–5) or as a name ("xyz").
impl<'de> Deserialize<'de> for RotateOrder {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Index(i64),
            Name(String),
        }
        let bad = |what: String| {
            serde::de::Error::custom(format!("rotateOrder {what} is not 0–5 or xyz…zyx"))
        };
        match Wire::deserialize(d)? {
            Wire::Index(i) => Self::from_maya(i).ok_or_else(|| bad(i.to_string())),
            Wire::Name(n) => ["xyz", "yzx", "zxy", "xzy", "yxz", "zyx"]
                .iter()
                .position(|o| o.eq_ignore_ascii_case(&n))
                .and_then(|i| Self::from_maya(i as i64))
                .ok_or_else(|| bad(format!("'{n}'"))),
        }
    }
}

/// The rotation of Euler angles `[x, y, z]` (radians) applied in `order`.
pub fn to_quat(xyz: [f64; 3], order: RotateOrder) -> DQuat {
    let [a, b, c] = order.axes();
    DQuat::from_euler(order.glam(), xyz[a], xyz[b], xyz[c])
}

/// Euler angles `[x, y, z]` (radians) of `q` in `order`. With `near`, the solution
/// closest to those angles (the previous frame's), so channels never flip by 360°
/// or jump to the equivalent set near gimbal lock.
pub fn from_quat(q: DQuat, order: RotateOrder, near: Option<[f64; 3]>) -> [f64; 3] {
    let [a, b, c] = order.axes();
    let (e1, e2, e3) = q.normalize().to_euler(order.glam());
    let mut out = [0.0; 3];
    out[a] = e1;
    out[b] = e2;
    out[c] = e3;
    let Some(prev) = near else {
        return out;
    };
    // The other set giving the same rotation: first and third +π, middle mirrored.
    let mut alt = out;
    alt[a] += PI;
    alt[b] = PI - alt[b];
    alt[c] += PI;
    let (out, alt) = (closest_turns(out, prev), closest_turns(alt, prev));
    if distance(alt, prev) < distance(out, prev) {
        alt
    } else {
        out
    }
}

/// Each angle shifted by whole turns to lie within half a turn of `prev`.
fn closest_turns(mut v: [f64; 3], prev: [f64; 3]) -> [f64; 3] {
    for i in 0..3 {
        v[i] += ((prev[i] - v[i]) / TAU).round() * TAU;
    }
    v
}

fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    (0..3).map(|i| (a[i] - b[i]).abs()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::DVec3;

    /// Maya's definition, composed axis by axis: the first axis applied is rightmost.
    fn composed(xyz: [f64; 3], order: RotateOrder) -> DQuat {
        let axis = [DVec3::X, DVec3::Y, DVec3::Z];
        let [a, b, c] = order.axes();
        DQuat::from_axis_angle(axis[c], xyz[c])
            * DQuat::from_axis_angle(axis[b], xyz[b])
            * DQuat::from_axis_angle(axis[a], xyz[a])
    }

    fn same_rotation(p: DQuat, q: DQuat) -> bool {
        p.dot(q).abs() > 1.0 - 1e-9
    }

    #[test]
    fn every_order_matches_mayas_definition_and_round_trips() {
        let angles = [0.3, -1.1, 2.4];
        for order in RotateOrder::ALL {
            let q = to_quat(angles, order);
            assert!(same_rotation(q, composed(angles, order)), "{order:?}");
            let back = from_quat(q, order, None);
            assert!(same_rotation(to_quat(back, order), q), "{order:?} {back:?}");
        }
    }

    #[test]
    fn xyz_applies_x_first() {
        // X then Y: the X axis, turned 90° about X (unchanged), then about Y, points at -Z.
        let q = to_quat([PI / 2.0, PI / 2.0, 0.0], RotateOrder::Xyz);
        let v = q * DVec3::X;
        assert!((v - DVec3::NEG_Z).length() < 1e-9, "{v}");
        // Y then X (order yxz): Y turns X to -Z, then X turns -Z to +Y.
        let q = to_quat([PI / 2.0, PI / 2.0, 0.0], RotateOrder::Yxz);
        let v = q * DVec3::X;
        assert!((v - DVec3::Y).length() < 1e-9, "{v}");
    }

    #[test]
    fn near_the_previous_frame_no_channel_flips() {
        for order in RotateOrder::ALL {
            // A channel past 180° stays past 180° when the previous frame was there.
            let prev = [3.0, 0.2, -3.0];
            let q = to_quat([3.1, 0.25, -3.05], order);
            let e = from_quat(q, order, Some(prev));
            assert!(distance(e, [3.1, 0.25, -3.05]) < 1e-6, "{order:?} {e:?}");
            // Whole turns are kept: 370° stays 370° after 365°.
            let prev = [365f64.to_radians(), 0.0, 0.0];
            let e = from_quat(
                to_quat([370f64.to_radians(), 0.0, 0.0], order),
                order,
                Some(prev),
            );
            assert!((e[0].to_degrees() - 370.0).abs() < 1e-6, "{order:?} {e:?}");
        }
    }

    #[test]
    fn rotate_order_enum_matches_maya() {
        assert_eq!(RotateOrder::from_maya(0), Some(RotateOrder::Xyz));
        assert_eq!(RotateOrder::from_maya(5), Some(RotateOrder::Zyx));
        assert_eq!(RotateOrder::from_maya(3), Some(RotateOrder::Xzy));
        assert_eq!(RotateOrder::from_maya(6), None);
        assert_eq!(RotateOrder::from_maya(-1), None);
    }
}
