//! The procedural animation: each joint's local rotation (and the roots' translation)
//! at a time in the loop, from its role (walk cycle, breathing, swimming, crawling).

use glam::{DQuat, DVec3};
use std::f64::consts::{PI, TAU};

use super::{Role, LOOP_SECONDS};

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
pub(super) fn animate(role: Role, t: f64) -> (DQuat, DVec3) {
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
