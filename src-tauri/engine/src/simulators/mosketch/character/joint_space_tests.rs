//! Frames in world and parent-in-world space, and with the initial orientations
//! discarded, against rotations composed from the parent-space frame.

use super::*;
use crate::mosketch::command::{JointSpace, OrientMode};
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
    let parent = samples(&c.frame_bytes_in(42, dt, false, JointSpace::Parent, OrientMode::Keep));
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
