//! The characters on their own: joint counts, the humanoid's shape, smooth looping
//! animation, cached and partial frames, and the Hierarchy packet.

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
    let top = c.skeleton().rest_world()[c.skeleton().index_of("HeadTop_End").unwrap()].translation;
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
