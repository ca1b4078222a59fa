//! BVH import: the HIERARCHY section only (ROOT / JOINT / End Site / OFFSET / CHANNELS);
//! MOTION is ignored. BVH has no rest rotations (identity) and no unit field: units
//! are given by the caller or guessed from the skeleton's size.

use super::{LengthUnit, Skeleton, SkeletonJoint, SkeletonSource};
use crate::error::AppError;
use std::collections::HashSet;

#[derive(Debug, Clone)]
pub struct BvhImport {
    pub skeleton: Skeleton,
    /// The units the file was read in (given, or guessed).
    pub units: LengthUnit,
    pub units_guessed: bool,
}

/// Reads a BVH file's hierarchy. End Sites become joints named `<parent>_End` so the
/// last bone of each chain can be drawn.
pub fn from_bvh_str(text: &str, units: Option<LengthUnit>) -> Result<BvhImport, AppError> {
    let padded = text.replace('{', " { ").replace('}', " } ");
    let mut tokens = padded.split_whitespace().peekable();
    let bad = |m: String| AppError::invalid(format!("not a BVH hierarchy: {m}"));
    if tokens.next().map(|t| t.eq_ignore_ascii_case("HIERARCHY")) != Some(true) {
        return Err(bad("the file does not start with HIERARCHY".into()));
    }
    let mut joints: Vec<SkeletonJoint> = Vec::new();
    let mut names = HashSet::new();
    let mut stack: Vec<usize> = Vec::new();
    // A joint header waits for its `{` before it is pushed.
    let mut pending: Option<usize> = None;
    while let Some(tok) = tokens.next() {
        match tok.to_ascii_uppercase().as_str() {
            "ROOT" | "JOINT" => {
                let name = tokens
                    .next()
                    .ok_or_else(|| bad(format!("{tok} without a name")))?;
                if tok.eq_ignore_ascii_case("JOINT") && stack.is_empty() {
                    return Err(bad(format!("JOINT {name} outside any ROOT")));
                }
                if !names.insert(name.to_string()) {
                    return Err(bad(format!("two joints are named '{name}'")));
                }
                joints.push(SkeletonJoint {
                    name: name.into(),
                    parent: stack.last().copied(),
                    offset: [0.0; 3],
                    orient: [0.0, 0.0, 0.0, 1.0],
                });
                pending = Some(joints.len() - 1);
            }
            "END" => {
                if tokens.next().map(|t| t.eq_ignore_ascii_case("Site")) != Some(true) {
                    return Err(bad("End not followed by Site".into()));
                }
                let parent = *stack
                    .last()
                    .ok_or_else(|| bad("End Site outside any joint".into()))?;
                let base = format!("{}_End", joints[parent].name);
                let mut name = base.clone();
                let mut k = 2;
                while !names.insert(name.clone()) {
                    name = format!("{base}{k}");
                    k += 1;
                }
                joints.push(SkeletonJoint {
                    name,
                    parent: Some(parent),
                    offset: [0.0; 3],
                    orient: [0.0, 0.0, 0.0, 1.0],
                });
                pending = Some(joints.len() - 1);
            }
            "{" => stack.push(
                pending
                    .take()
                    .ok_or_else(|| bad("'{' without a joint".into()))?,
            ),
            "}" => {
                stack.pop().ok_or_else(|| bad("unbalanced '}'".into()))?;
            }
            "OFFSET" => {
                let j = *stack
                    .last()
                    .ok_or_else(|| bad("OFFSET outside any joint".into()))?;
                let mut o = [0.0; 3];
                for v in &mut o {
                    let t = tokens
                        .next()
                        .ok_or_else(|| bad("OFFSET needs three numbers".into()))?;
                    *v = t
                        .parse()
                        .map_err(|_| bad(format!("OFFSET value '{t}' is not a number")))?;
                }
                joints[j].offset = o;
            }
            "CHANNELS" => {
                let t = tokens
                    .next()
                    .ok_or_else(|| bad("CHANNELS without a count".into()))?;
                let n: usize = t
                    .parse()
                    .map_err(|_| bad(format!("CHANNELS count '{t}' is not a number")))?;
                if n > 6 {
                    return Err(bad(format!("{n} channels on one joint")));
                }
                for _ in 0..n {
                    tokens
                        .next()
                        .ok_or_else(|| bad("missing channel names".into()))?;
                }
            }
            "MOTION" => break,
            other => return Err(bad(format!("unexpected '{other}'"))),
        }
    }
    if !stack.is_empty() || pending.is_some() {
        return Err(bad("the hierarchy ends before its last '}'".into()));
    }
    if joints.is_empty() {
        return Err(bad("no ROOT".into()));
    }
    let (units, units_guessed) = match units {
        Some(u) => (u, false),
        None => (guess_units(&joints)?, true),
    };
    let scale = units.to_metres();
    for j in &mut joints {
        j.offset = j.offset.map(|x| x * scale);
    }
    Ok(BvhImport {
        skeleton: Skeleton::new(joints, SkeletonSource::Bvh)?,
        units,
        units_guessed,
    })
}

/// A character is 0.3–3 m tall: a larger extent means centimetres, then millimetres.
fn guess_units(joints: &[SkeletonJoint]) -> Result<LengthUnit, AppError> {
    let rest = Skeleton::new(joints.to_vec(), SkeletonSource::Bvh)?.rest_world();
    let mut lo = glam::DVec3::splat(f64::INFINITY);
    let mut hi = glam::DVec3::splat(f64::NEG_INFINITY);
    for w in &rest {
        lo = lo.min(w.translation);
        hi = hi.max(w.translation);
    }
    let extent = (hi - lo).max_element();
    Ok(if extent <= 3.0 {
        LengthUnit::M
    } else if extent <= 300.0 {
        LengthUnit::Cm
    } else {
        LengthUnit::Mm
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "HIERARCHY
ROOT Hips
{
\tOFFSET 0.00 95.00 0.00
\tCHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
\tJOINT Spine
\t{
\t\tOFFSET 0.00 10.00 0.00
\t\tCHANNELS 3 Zrotation Xrotation Yrotation
\t\tJOINT Head
\t\t{
\t\t\tOFFSET 0.00 50.00 2.00
\t\t\tCHANNELS 3 Zrotation Xrotation Yrotation
\t\t\tEnd Site
\t\t\t{
\t\t\t\tOFFSET 0.00 18.00 0.00
\t\t\t}
\t\t}
\t}
\tJOINT LeftUpLeg
\t{
\t\tOFFSET 9.00 -5.00 0.00
\t\tCHANNELS 3 Zrotation Xrotation Yrotation
\t\tEnd Site
\t\t{
\t\t\tOFFSET 0.00 -85.00 0.00
\t\t}
\t}
}
MOTION
Frames: 1
Frame Time: 0.033333
0 95 0 0 0 0 0 0 0 0 0 0 0 0 0
";

    #[test]
    fn reads_hierarchy_and_guesses_centimetres() {
        let b = from_bvh_str(SAMPLE, None).unwrap();
        assert_eq!(b.units, LengthUnit::Cm);
        assert!(b.units_guessed);
        let s = &b.skeleton;
        let names: Vec<_> = s.joints().iter().map(|j| j.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Hips",
                "Spine",
                "LeftUpLeg",
                "Head",
                "LeftUpLeg_End",
                "Head_End"
            ]
        );
        assert!((s.joints()[0].offset[1] - 0.95).abs() < 1e-12);
        let head = &s.joints()[s.index_of("Head").unwrap()];
        assert_eq!(head.parent, s.index_of("Spine"));
        assert!((head.offset[2] - 0.02).abs() < 1e-12);
        let top = s.rest_world()[s.index_of("Head_End").unwrap()].translation;
        assert!((top.y - 1.73).abs() < 1e-9, "{top:?}");
    }

    #[test]
    fn given_units_win_and_metres_are_guessed() {
        let b = from_bvh_str(SAMPLE, Some(LengthUnit::Mm)).unwrap();
        assert!(!b.units_guessed);
        assert!((b.skeleton.joints()[0].offset[1] - 0.095).abs() < 1e-12);
        let small = SAMPLE
            .replace("95.00", "0.95")
            .replace("10.00", "0.1")
            .replace("50.00", "0.5")
            .replace("-85.00", "-0.85")
            .replace("18.00", "0.18")
            .replace("9.00", "0.09")
            .replace("-5.00", "-0.05")
            .replace("2.00", "0.02");
        assert_eq!(from_bvh_str(&small, None).unwrap().units, LengthUnit::M);
    }

    #[test]
    fn rejects_broken_files_with_a_reason() {
        for (text, why) in [
            ("ROOT a { }", "HIERARCHY"),
            ("HIERARCHY\nROOT a\n{\nOFFSET 1 2\n}", "not a number"),
            ("HIERARCHY\nROOT a\n{\nOFFSET 0 0 0\n", "ends before"),
            ("HIERARCHY\nJOINT a\n{\n}", "outside any ROOT"),
            ("HIERARCHY\nROOT a\n{\n}\n}", "unbalanced"),
            ("HIERARCHY\nMOTION", "no ROOT"),
        ] {
            let e = from_bvh_str(text, None).unwrap_err();
            assert!(e.message.contains(why), "{text:?}: {}", e.message);
        }
    }
}
