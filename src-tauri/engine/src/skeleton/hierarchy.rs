//! A skeleton from a Hierarchy packet, when it carries more than names. What a real
//! Mosketch sends is unknown, so every plausible shape is accepted (metres unless a
//! `Units` field says otherwise):
//!
//! 1. a `Skeleton` field holding a `mayalink-skeleton/1` object (see [`super::file`]);
//! 2. arrays parallel to `Joints`: `Parents` (names or indices; null, "" or -1 for a
//!    root), with optional `Offsets` / `RestT` ([x,y,z]) and `Orients` / `RestR` ([x,y,z,w]);
//!    this is what the simulator sends;
//! 3. `Joints` entries that are objects: `{"Name", "Parent", "T" | "Offset", "R" | "Orient"}`.
//!
//! No parent information at all gives `Ok(None)`: the preview then looks elsewhere.

use super::{file, LengthUnit, Skeleton, SkeletonJoint, SkeletonSource};
use crate::error::AppError;
use crate::mosketch::packet::Hierarchy;
use serde_json::{Map, Value};
use std::collections::HashMap;

pub fn from_hierarchy(h: &Hierarchy) -> Result<Option<Skeleton>, AppError> {
    if let Some(v) = field(&h.extra, &["Skeleton", "skeleton"]) {
        return file::from_value(v.clone(), SkeletonSource::Hierarchy).map(Some);
    }
    let scale = match field(&h.extra, &["Units", "units"]).and_then(Value::as_str) {
        None => 1.0,
        Some(u) => LengthUnit::parse(u)
            .ok_or_else(|| AppError::protocol(format!("Hierarchy has unknown units '{u}'")))?
            .to_metres(),
    };
    let n = h.joints.len();
    let per_joint = |keys: &[&str]| -> Vec<Option<&Value>> {
        if h.joint_objects.len() == n {
            h.joint_objects
                .iter()
                .map(|o| {
                    o.as_object()
                        .and_then(|m| field(m, keys))
                        .filter(|v| !v.is_null())
                })
                .collect::<Vec<_>>()
        } else {
            vec![None; n]
        }
    };
    let parallel = |keys: &[&str]| -> Result<Option<&Vec<Value>>, AppError> {
        match field(&h.extra, keys) {
            None => Ok(None),
            Some(Value::Array(a)) if a.len() == n => Ok(Some(a)),
            Some(_) => Err(AppError::protocol(format!(
                "Hierarchy field {} is not an array of {n} entries",
                keys[0]
            ))),
        }
    };
    let parents_obj = per_joint(&["Parent", "parent"]);
    let parents_arr = parallel(&["Parents", "parents"])?;
    if parents_arr.is_none() && parents_obj.iter().all(Option::is_none) {
        return Ok(None);
    }
    let offsets_arr = parallel(&["Offsets", "RestT", "offsets"])?;
    let orients_arr = parallel(&["Orients", "RestR", "orients"])?;
    let offsets_obj = per_joint(&["Offset", "T", "offset"]);
    let orients_obj = per_joint(&["Orient", "R", "orient"]);
    let index: HashMap<&str, usize> = h
        .joints
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();

    let mut joints = Vec::with_capacity(n);
    for (i, name) in h.joints.iter().enumerate() {
        let parent_v = parents_arr.map(|a| &a[i]).or(parents_obj[i]);
        let parent = match parent_v {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(*index.get(s.as_str()).ok_or_else(|| {
                AppError::protocol(format!(
                    "Hierarchy: parent '{s}' of '{name}' is not a joint"
                ))
            })?),
            Some(Value::Number(k)) if k.as_i64().is_some_and(|k| k < 0) => None,
            Some(Value::Number(k)) => Some(
                k.as_u64()
                    .map(|k| k as usize)
                    .filter(|&k| k < n)
                    .ok_or_else(|| {
                        AppError::protocol(format!("Hierarchy: bad parent index of '{name}'"))
                    })?,
            ),
            Some(other) => {
                return Err(AppError::protocol(format!(
                    "Hierarchy: parent of '{name}' is {other}"
                )))
            }
        };
        let offset: [f64; 3] =
            numbers(offsets_arr.map(|a| &a[i]).or(offsets_obj[i]), name)?.unwrap_or([0.0; 3]);
        let orient: [f64; 4] = numbers(orients_arr.map(|a| &a[i]).or(orients_obj[i]), name)?
            .unwrap_or([0.0, 0.0, 0.0, 1.0]);
        joints.push(SkeletonJoint {
            name: name.clone(),
            parent,
            offset: offset.map(|x| x * scale),
            orient,
        });
    }
    Skeleton::new(joints, SkeletonSource::Hierarchy).map(Some)
}

fn field<'a>(m: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| m.get(*k))
}

fn numbers<const N: usize>(v: Option<&Value>, name: &str) -> Result<Option<[f64; N]>, AppError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value::<Vec<f64>>(v.clone())
            .ok()
            .and_then(|n| <[f64; N]>::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                AppError::protocol(format!(
                    "Hierarchy: '{name}' has a value that is not {N} numbers: {v}"
                ))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mosketch::packet::Packet;
    use serde_json::json;

    fn hierarchy(v: Value) -> Hierarchy {
        match Packet::from_object(v).unwrap() {
            Packet::Hierarchy(h) => h,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_only_gives_none() {
        assert_eq!(
            from_hierarchy(&hierarchy(json!({"Type":"Hierarchy","Joints":["a","b"]}))).unwrap(),
            None
        );
    }

    #[test]
    fn parallel_arrays_by_name_and_index() {
        let h = hierarchy(json!({"Type":"Hierarchy","Joints":["Hips","Spine","Head"],
            "Parents":[null,"Hips",1],"Offsets":[[0,1,0],[0,0.1,0],[0,0.5,0]],"Orients":[null,[0,0,0,1],[0,0,0,1]]}));
        let s = from_hierarchy(&h).unwrap().unwrap();
        assert_eq!(s.source(), SkeletonSource::Hierarchy);
        assert_eq!(s.joints()[2].parent, Some(1));
        assert_eq!(s.joints()[0].offset, [0.0, 1.0, 0.0]);
        let top = s.rest_world()[2].translation;
        assert!((top.y - 1.6).abs() < 1e-12);
    }

    #[test]
    fn joint_objects_with_units() {
        let h = hierarchy(json!({"Type":"Hierarchy","Units":"cm","Joints":[
            {"Name":"Hips","Parent":-1,"T":[0,100,0]},{"Name":"Spine","Parent":"Hips","T":[0,10,0],"R":[0,0,0,1]}]}));
        let s = from_hierarchy(&h).unwrap().unwrap();
        assert_eq!(s.joints()[0].offset, [0.0, 1.0, 0.0]);
        assert_eq!(s.joints()[1].parent, Some(0));
    }

    #[test]
    fn skeleton_field_in_file_format() {
        let h = hierarchy(
            json!({"Type":"Hierarchy","Joints":["A","B"],"Skeleton":{"format":"mayalink-skeleton/1",
            "joints":[{"name":"A"},{"name":"B","parent":"A","offset":[0,1,0]}]}}),
        );
        assert_eq!(from_hierarchy(&h).unwrap().unwrap().len(), 2);
    }

    #[test]
    fn inconsistent_fields_are_protocol_errors() {
        for v in [
            json!({"Type":"Hierarchy","Joints":["a","b"],"Parents":[null]}),
            json!({"Type":"Hierarchy","Joints":["a","b"],"Parents":[null,"zz"]}),
            json!({"Type":"Hierarchy","Joints":["a","b"],"Parents":[null,"a"],"Offsets":[[0,0,0],[1,2]]}),
            json!({"Type":"Hierarchy","Joints":["a","b"],"Parents":[null,7]}),
        ] {
            assert_eq!(
                from_hierarchy(&hierarchy(v)).unwrap_err().code,
                crate::ErrorCode::Protocol
            );
        }
    }
}
