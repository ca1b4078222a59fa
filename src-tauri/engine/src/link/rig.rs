//! A mapped Maya node's rest data and the two conversions of the live link, per
//! `shared/docs/maya-joints.md` (column vectors, Hamilton quaternions):
//! Mosketch → Maya `R = JO⁻¹ · q · RA⁻¹` (Euler in the node's rotate order), and
//! Maya → Mosketch `q = JO · R · RA`. A plain transform has no joint orient: its
//! rotation when the link started stands in for it (the official client's rule).
//! The 6-DoF root's `T` (metres) is translate; like the official client it is
//! expressed through `RA⁻¹`. Values cross to Maya in the scene's UI units.

use super::euler::{self, RotateOrder};
use glam::{DQuat, DVec3};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The scene's UI units (`cmds.currentUnit`): what setAttr and getAttr use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SceneUnits {
    pub linear: String,
    pub angle: String,
}

impl Default for SceneUnits {
    fn default() -> Self {
        Self {
            linear: "cm".into(),
            angle: "deg".into(),
        }
    }
}

impl SceneUnits {
    /// Centimetres per UI linear unit (None: a unit Maya does not have).
    pub fn cm_per_unit(&self) -> Option<f64> {
        Some(match self.linear.as_str() {
            "mm" | "millimeter" => 0.1,
            "cm" | "centimeter" => 1.0,
            "m" | "meter" => 100.0,
            "km" | "kilometer" => 100_000.0,
            "in" | "inch" => 2.54,
            "ft" | "foot" => 30.48,
            "yd" | "yard" => 91.44,
            "mi" | "mile" => 160_934.4,
            _ => return None,
        })
    }

    /// Radians per UI angle unit.
    pub fn rad_per_unit(&self) -> Option<f64> {
        Some(match self.angle.as_str() {
            "deg" | "degree" => std::f64::consts::PI / 180.0,
            "rad" | "radian" => 1.0,
            "min" | "angMinute" => std::f64::consts::PI / (180.0 * 60.0),
            "sec" | "angSecond" => std::f64::consts::PI / (180.0 * 3600.0),
            _ => return None,
        })
    }
}

/// What Maya told us about a mapped node when the link started (UI units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestNode {
    pub path: String,
    pub kind: String,
    #[serde(default)]
    pub parent: Option<String>,
    pub rotate_order: i64,
    pub rotate: [f64; 3],
    pub translate: [f64; 3],
    pub joint_orient: [f64; 3],
    pub rotate_axis: [f64; 3],
    /// Per channel (rotate X/Y/Z, translate X/Y/Z): why it cannot be set, if it cannot.
    #[serde(default)]
    pub blocked: [Option<String>; 6],
}

/// A node ready for per-frame maths: quaternions precomputed, units resolved.
#[derive(Debug, Clone)]
pub struct RigNode {
    pub order: RotateOrder,
    /// `JO` for a joint; the rest rotation for a plain transform.
    orient: DQuat,
    axis: DQuat,
    rad_per_unit: f64,
    cm_per_unit: f64,
    /// The last Euler angles sent (radians), for continuity across frames.
    pub last: Option<[f64; 3]>,
}

impl RigNode {
    pub fn new(rest: &RestNode, units: &SceneUnits) -> Result<Self, String> {
        let rad = units
            .rad_per_unit()
            .ok_or_else(|| format!("unknown angle unit {:?}", units.angle))?;
        let cm = units
            .cm_per_unit()
            .ok_or_else(|| format!("unknown linear unit {:?}", units.linear))?;
        let order = RotateOrder::from_maya(rest.rotate_order).ok_or_else(|| {
            format!(
                "{}: rotateOrder {} is not one of Maya's",
                rest.path, rest.rotate_order
            )
        })?;
        let to_rad = |v: [f64; 3]| v.map(|a| a * rad);
        let orient = if rest.kind == "joint" {
            euler::to_quat(to_rad(rest.joint_orient), RotateOrder::Xyz)
        } else {
            euler::to_quat(to_rad(rest.rotate), order)
        };
        Ok(Self {
            order,
            orient,
            axis: euler::to_quat(to_rad(rest.rotate_axis), RotateOrder::Xyz),
            rad_per_unit: rad,
            cm_per_unit: cm,
            last: Some(to_rad(rest.rotate)),
        })
    }

    /// Mosketch's parent-space rotation `[x, y, z, w]` → rotate in UI units.
    pub fn rotate_from_mosketch(&mut self, r: [f64; 4]) -> [f64; 3] {
        let q = DQuat::from_xyzw(r[0], r[1], r[2], r[3]).normalize();
        let local = self.orient.inverse() * q * self.axis.inverse();
        let e = euler::from_quat(local, self.order, self.last);
        self.last = Some(e);
        e.map(|a| a / self.rad_per_unit)
    }

    /// Mosketch's translation (metres) → translate in UI units.
    pub fn translate_from_mosketch(&self, t: [f64; 3]) -> [f64; 3] {
        let v = self.axis.inverse() * DVec3::from_array(t) * 100.0;
        (v / self.cm_per_unit).to_array()
    }

    /// Maya's rotate (UI units) → Mosketch's parent-space rotation `[x, y, z, w]`.
    pub fn rotate_to_mosketch(&self, rotate: [f64; 3]) -> [f64; 4] {
        let r = euler::to_quat(rotate.map(|a| a * self.rad_per_unit), self.order);
        (self.orient * r * self.axis).normalize().to_array()
    }

    /// Maya's translate (UI units) → Mosketch's translation in metres.
    pub fn translate_to_mosketch(&self, translate: [f64; 3]) -> [f64; 3] {
        (self.axis * (DVec3::from_array(translate) * self.cm_per_unit) / 100.0).to_array()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rest(kind: &str, order: i64, jo: [f64; 3], ra: [f64; 3], rotate: [f64; 3]) -> RestNode {
        RestNode {
            path: "|rig|Hips".into(),
            kind: kind.into(),
            parent: None,
            rotate_order: order,
            rotate,
            translate: [0.0; 3],
            joint_orient: jo,
            rotate_axis: ra,
            blocked: Default::default(),
        }
    }

    fn same(a: [f64; 4], b: [f64; 4]) -> bool {
        let d: f64 = (0..4).map(|i| a[i] * b[i]).sum();
        d.abs() > 1.0 - 1e-9
    }

    /// The joint's local rotation as Maya builds it from its channels, independently
    /// of `RigNode`: `JO · R · RA` composed axis by axis.
    fn maya_local(jo: [f64; 3], rotate: [f64; 3], ra: [f64; 3], order: RotateOrder) -> [f64; 4] {
        let rad = |v: [f64; 3]| v.map(f64::to_radians);
        (euler::to_quat(rad(jo), RotateOrder::Xyz)
            * euler::to_quat(rad(rotate), order)
            * euler::to_quat(rad(ra), RotateOrder::Xyz))
        .to_array()
    }

    #[test]
    fn mosketch_to_maya_gives_the_channels_that_rebuild_mosketchs_rotation_in_every_order() {
        let jo = [10.0, -35.0, 80.0];
        let ra = [5.0, 20.0, -15.0];
        let q = DQuat::from_euler(glam::EulerRot::XYZ, 0.4, -0.7, 1.2).to_array();
        for order in RotateOrder::ALL {
            let mut node = RigNode::new(
                &rest("joint", order as i64, jo, ra, [0.0; 3]),
                &SceneUnits::default(),
            )
            .unwrap();
            let rotate = node.rotate_from_mosketch(q);
            assert!(
                same(maya_local(jo, rotate, ra, order), q),
                "{order:?} {rotate:?}"
            );
            // And back: Maya → Mosketch gives the same rotation.
            assert!(same(node.rotate_to_mosketch(rotate), q), "{order:?}");
        }
    }

    #[test]
    fn a_plain_transform_uses_its_rest_rotation_as_orient() {
        let rest_rotate = [0.0, 90.0, 0.0];
        let mut node = RigNode::new(
            &rest("transform", 0, [0.0; 3], [0.0; 3], rest_rotate),
            &SceneUnits::default(),
        )
        .unwrap();
        // `R = R0⁻¹ · q`: Mosketch sending the rest rotation gives zero channels, and
        // zero channels go back as the rest rotation.
        let rest_q = euler::to_quat([0.0, 90f64.to_radians(), 0.0], RotateOrder::Xyz).to_array();
        let r = node.rotate_from_mosketch(rest_q);
        assert!(r.iter().all(|v| v.abs() < 1e-9), "{r:?}");
        assert!(same(node.rotate_to_mosketch([0.0; 3]), rest_q));
        let r = node.rotate_from_mosketch([0.0, 0.0, 0.0, 1.0]);
        assert!((r[1] + 90.0).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn units_follow_the_scene() {
        let q = DQuat::from_rotation_y(0.5).to_array();
        let units = SceneUnits {
            linear: "m".into(),
            angle: "rad".into(),
        };
        let mut node =
            RigNode::new(&rest("joint", 0, [0.0; 3], [0.0; 3], [0.0; 3]), &units).unwrap();
        let r = node.rotate_from_mosketch(q);
        assert!((r[1] - 0.5).abs() < 1e-9, "{r:?}");
        let t = node.translate_from_mosketch([1.0, 2.0, 3.0]);
        assert!(
            (t[0] - 1.0).abs() < 1e-12 && (t[2] - 3.0).abs() < 1e-12,
            "{t:?}"
        );
        let cm = RigNode::new(
            &rest("joint", 0, [0.0; 3], [0.0; 3], [0.0; 3]),
            &SceneUnits::default(),
        )
        .unwrap();
        assert_eq!(cm.translate_from_mosketch([1.0, 0.0, 0.0])[0], 100.0);
        assert_eq!(cm.translate_to_mosketch([250.0, 0.0, 0.0])[0], 2.5);
        let bad = SceneUnits {
            linear: "parsec".into(),
            angle: "deg".into(),
        };
        assert!(RigNode::new(&rest("joint", 0, [0.0; 3], [0.0; 3], [0.0; 3]), &bad).is_err());
    }

    #[test]
    fn translate_round_trips_through_a_rotate_axis() {
        let node = RigNode::new(
            &rest("joint", 0, [0.0; 3], [0.0, 0.0, 90.0], [0.0; 3]),
            &SceneUnits::default(),
        )
        .unwrap();
        let t = [0.1, 0.2, 0.3];
        let back = node.translate_to_mosketch(node.translate_from_mosketch(t));
        assert!((0..3).all(|i| (back[i] - t[i]).abs() < 1e-12), "{back:?}");
    }
}
