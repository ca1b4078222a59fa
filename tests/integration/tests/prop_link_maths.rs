//! Property tests of the live link's maths through the engine's public API, away
//! from gimbal lock (middle angle within ±80°): Euler ↔ quaternion round trips in
//! every rotate order (and the closest solution to the previous frame's angles,
//! whole turns included), and the rig formula `R = JO⁻¹ · q · RA⁻¹` and back
//! `q = JO · R · RA` for joints with any joint orient and rotate axis, in degrees and
//! radians.

use glam::DQuat;
use mayalink_engine::link::euler::{self, RotateOrder};
use mayalink_engine::link::rig::{RestNode, RigNode, SceneUnits};
use mayalink_integration_tests::proptest_cases;
use proptest::prelude::*;
use std::f64::consts::{FRAC_PI_2, PI, TAU};

const EPS: f64 = 1e-9;
/// The middle angle stays this far from ±90° (where Euler angles are not unique).
const LOCK_MARGIN: f64 = 10.0 * PI / 180.0;

fn order() -> impl Strategy<Value = RotateOrder> {
    prop::sample::select(RotateOrder::ALL.to_vec())
}

/// Euler angles `[x, y, z]` in `order`, with its middle axis away from gimbal lock
/// and the others strictly inside (-π, π) (where the principal solution is unique).
fn angles(order: RotateOrder) -> impl Strategy<Value = [f64; 3]> {
    let outer = -PI + 1e-3..PI - 1e-3;
    let middle = -FRAC_PI_2 + LOCK_MARGIN..FRAC_PI_2 - LOCK_MARGIN;
    (outer.clone(), middle, outer).prop_map(move |(first, second, third)| {
        let mut e = [0.0; 3];
        let axes = axes_of(order);
        e[axes[0]] = first;
        e[axes[1]] = second;
        e[axes[2]] = third;
        e
    })
}

/// (first, second, third) axis index of `order`, as Maya names it.
fn axes_of(order: RotateOrder) -> [usize; 3] {
    let name = format!("{order:?}").to_lowercase();
    let mut out = [0; 3];
    for (i, c) in name.chars().enumerate() {
        out[i] = (c as u8 - b'x') as usize;
    }
    out
}

fn same_rotation(a: DQuat, b: DQuat) -> bool {
    a.dot(b).abs() > 1.0 - EPS
}

fn close(a: [f64; 3], b: [f64; 3], eps: f64) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() < eps)
}

fn node(order: RotateOrder, jo: [f64; 3], ra: [f64; 3], rotate: [f64; 3], angle: &str) -> RigNode {
    RigNode::new(
        &RestNode {
            path: "|rig|Spine".into(),
            kind: "joint".into(),
            parent: None,
            rotate_order: RotateOrder::ALL.iter().position(|o| *o == order).unwrap() as i64,
            rotate,
            translate: [0.0; 3],
            joint_orient: jo,
            rotate_axis: ra,
            blocked: Default::default(),
        },
        &SceneUnits {
            linear: "cm".into(),
            angle: angle.into(),
        },
    )
    .unwrap()
}

fn order_and_angles() -> impl Strategy<Value = (RotateOrder, [f64; 3])> {
    order().prop_flat_map(|o| angles(o).prop_map(move |e| (o, e)))
}

fn any_rotation() -> impl Strategy<Value = [f64; 3]> {
    [-PI..PI, -PI..PI, -PI..PI]
}

proptest! {
    #![proptest_config(proptest_cases(512))]

    #[test]
    fn euler_to_quaternion_and_back_gives_the_same_angles((order, e) in order_and_angles()) {
        let q = euler::to_quat(e, order);
        let back = euler::from_quat(q, order, None);
        prop_assert!(close(back, e, 1e-7), "{order:?}: {e:?} -> {back:?}");
        prop_assert!(same_rotation(euler::to_quat(back, order), q));
    }

    #[test]
    fn the_solution_nearest_the_previous_frame_keeps_whole_turns_and_small_steps(
        (order, e) in order_and_angles(),
        turns in [-2i32..=2, -2i32..=2, -2i32..=2],
        step in [-0.05f64..0.05, -0.05f64..0.05, -0.05f64..0.05],
    ) {
        // The previous frame: these angles a few turns away, and a small step off.
        let prev: [f64; 3] = std::array::from_fn(|i| e[i] + turns[i] as f64 * TAU + step[i]);
        let want: [f64; 3] = std::array::from_fn(|i| e[i] + turns[i] as f64 * TAU);
        let got = euler::from_quat(euler::to_quat(e, order), order, Some(prev));
        prop_assert!(close(got, want, 1e-7), "{order:?}: {e:?} near {prev:?} -> {got:?}");
    }

    #[test]
    fn the_rig_formula_round_trips_for_any_joint_orient_and_rotate_axis(
        (order, e) in order_and_angles(),
        jo in any_rotation(),
        ra in any_rotation(),
        radians in any::<bool>(),
    ) {
        let (unit, per_rad) = if radians { ("rad", 1.0) } else { ("deg", 180.0 / PI) };
        let ui = |v: [f64; 3]| v.map(|a| a * per_rad);
        // The rig rests a little away from the pose (the previous frame).
        let rest = ui(e.map(|a| a + 0.02));
        let mut n = node(order, ui(jo), ui(ra), rest, unit);
        let jo_q = euler::to_quat(jo, RotateOrder::Xyz);
        let ra_q = euler::to_quat(ra, RotateOrder::Xyz);
        // Mosketch's q for rotate `e`, by the formula: q = JO · R · RA.
        let q = (jo_q * euler::to_quat(e, order) * ra_q).normalize();
        let to_mosketch = DQuat::from_array(n.rotate_to_mosketch(ui(e)));
        prop_assert!(same_rotation(to_mosketch, q), "{to_mosketch} vs {q}");
        // And back: R = JO⁻¹ · q · RA⁻¹, in the rig's order and units.
        let rotate = n.rotate_from_mosketch(q.to_array());
        prop_assert!(close(rotate, ui(e), 1e-6 * per_rad), "{order:?}: {:?} -> {rotate:?}", ui(e));
        prop_assert!(same_rotation(jo_q.inverse() * q * ra_q.inverse(), euler::to_quat(rotate.map(|a| a / per_rad), order)));
    }
}
