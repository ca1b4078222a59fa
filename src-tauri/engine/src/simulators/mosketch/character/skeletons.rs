//! The built-in skeletons as joint tables (name, parent, rest offset in metres, role):
//! the Mixamo-like humanoid, the 200-joint creature and the fish.

use super::Role;

type JointRow = (String, Option<String>, [f64; 3], Role);

pub(super) fn humanoid() -> Vec<JointRow> {
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
pub(super) fn creature() -> Vec<JointRow> {
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

pub(super) fn fish() -> Vec<JointRow> {
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
