//! The skeleton file format, `mayalink-skeleton/1`: what a user loads when neither
//! Mosketch nor Maya can tell the preview the parents and rest offsets.
//!
//! ```json
//! {
//!   "format": "mayalink-skeleton/1",
//!   "units": "m",
//!   "joints": [
//!     {"name": "Hips",  "parent": null,   "offset": [0, 1.0, 0]},
//!     {"name": "Spine", "parent": "Hips", "offset": [0, 0.1, 0], "orient": [0, 0, 0, 1]}
//!   ]
//! }
//! ```
//!
//! - `format` must be `"mayalink-skeleton/1"`.
//! - `units` (optional, default `"m"`): `m`, `cm`, `mm` or `in`; offsets are converted to metres.
//! - `joints`: in any order. `parent` is a joint name (or an index into `joints`), `null`
//!   or absent for a root. `offset` is the rest translation relative to the parent
//!   (default `[0,0,0]`). `orient` (optional, default identity) is the rest rotation
//!   relative to the parent as a quaternion `[x, y, z, w]`. Y is up.
//!
//! The same object is accepted as a `Skeleton` extra field of a Hierarchy packet.

use super::{LengthUnit, Skeleton, SkeletonJoint, SkeletonSource};
use crate::error::AppError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const FORMAT: &str = "mayalink-skeleton/1";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    format: String,
    #[serde(default)]
    units: Option<String>,
    joints: Vec<FileJoint>,
}

#[derive(Debug, Serialize, Deserialize)]
struct FileJoint {
    name: String,
    #[serde(default)]
    parent: Option<ParentRef>,
    #[serde(default)]
    offset: Option<[f64; 3]>,
    #[serde(default)]
    orient: Option<[f64; 4]>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum ParentRef {
    Name(String),
    Index(usize),
}

/// Reads a `mayalink-skeleton/1` document.
pub fn from_json_str(text: &str) -> Result<Skeleton, AppError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| AppError::invalid(format!("the skeleton file is not valid JSON: {e}")))?;
    from_value(v, SkeletonSource::File)
}

pub fn from_value(v: Value, source: SkeletonSource) -> Result<Skeleton, AppError> {
    let doc: FileDoc = serde_json::from_value(v)
        .map_err(|e| AppError::invalid(format!("not a {FORMAT} skeleton: {e}")))?;
    if doc.format != FORMAT {
        return Err(AppError::invalid(format!(
            "unsupported skeleton format '{}' (expected {FORMAT})",
            doc.format
        )));
    }
    let unit = match doc.units.as_deref() {
        None => LengthUnit::M,
        Some(u) => LengthUnit::parse(u)
            .ok_or_else(|| AppError::invalid(format!("unknown units '{u}' (m, cm, mm or in)")))?,
    };
    let scale = unit.to_metres();
    let names: std::collections::HashMap<&str, usize> = doc
        .joints
        .iter()
        .enumerate()
        .map(|(i, j)| (j.name.as_str(), i))
        .collect();
    let joints = doc
        .joints
        .iter()
        .map(|j| {
            let parent = match &j.parent {
                None => None,
                Some(ParentRef::Name(n)) if n.is_empty() => None,
                Some(ParentRef::Name(n)) => Some(*names.get(n.as_str()).ok_or_else(|| {
                    AppError::invalid(format!("joint '{}' has an unknown parent '{n}'", j.name))
                })?),
                Some(ParentRef::Index(i)) => Some(*i),
            };
            let o = j.offset.unwrap_or_default();
            Ok(SkeletonJoint {
                name: j.name.clone(),
                parent,
                offset: [o[0] * scale, o[1] * scale, o[2] * scale],
                orient: j.orient.unwrap_or([0.0, 0.0, 0.0, 1.0]),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Skeleton::new(joints, source)
}

/// Writes a skeleton as a `mayalink-skeleton/1` value (metres, parents by name).
pub fn to_value(s: &Skeleton) -> Value {
    let joints = s
        .joints()
        .iter()
        .map(|j| FileJoint {
            name: j.name.clone(),
            parent: j
                .parent
                .map(|p| ParentRef::Name(s.joints()[p].name.clone())),
            offset: Some(j.offset),
            orient: Some(j.orient),
        })
        .collect();
    serde_json::to_value(FileDoc {
        format: FORMAT.into(),
        units: Some("m".into()),
        joints,
    })
    .expect("skeleton serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_example_in_any_order_and_units() {
        let text = r#"{"format":"mayalink-skeleton/1","units":"cm","joints":[
            {"name":"Spine","parent":"Hips","offset":[0,10,0],"orient":[0,0,0,2]},
            {"name":"Hips","parent":null,"offset":[0,100,0]},
            {"name":"Head","parent":0}]}"#;
        let s = from_json_str(text).unwrap();
        assert_eq!(s.joints()[0].name, "Hips");
        assert_eq!(s.joints()[0].offset, [0.0, 1.0, 0.0]);
        let spine = &s.joints()[s.index_of("Spine").unwrap()];
        assert_eq!(spine.parent, Some(0));
        assert!((spine.offset[1] - 0.1).abs() < 1e-12);
        assert_eq!(spine.orient, [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(
            s.joints()[s.index_of("Head").unwrap()].parent,
            s.index_of("Spine")
        );
        assert_eq!(s.source(), SkeletonSource::File);
    }

    #[test]
    fn round_trips() {
        let s = from_json_str(r#"{"format":"mayalink-skeleton/1","joints":[{"name":"A"},{"name":"B","parent":"A","offset":[1,2,3]}]}"#).unwrap();
        let again = from_value(to_value(&s), SkeletonSource::File).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn explains_bad_files() {
        let e = from_json_str(r#"{"format":"other/2","joints":[]}"#).unwrap_err();
        assert!(
            e.message.contains("unsupported skeleton format"),
            "{}",
            e.message
        );
        let e = from_json_str(
            r#"{"format":"mayalink-skeleton/1","joints":[{"name":"A","parent":"Z"}]}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("unknown parent 'Z'"), "{}", e.message);
        let e = from_json_str(r#"{"format":"mayalink-skeleton/1","units":"parsec","joints":[]}"#)
            .unwrap_err();
        assert!(e.message.contains("unknown units"));
        assert!(from_json_str("{not json").is_err());
        assert_eq!(
            from_json_str(
                r#"{"format":"mayalink-skeleton/1","joints":[{"name":"A","parent":"A"}]}"#
            )
            .unwrap_err()
            .code,
            crate::ErrorCode::InvalidInput
        );
    }
}
