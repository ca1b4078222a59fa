//! Mosketch packets: the typed form of what Mosketch and its clients send each other
//! (both directions, so the simulator shares it), and their wire encodings: compact
//! JSON, no delimiter, one buffer per packet (the caller writes it in one write).

use super::command::{HierarchyAckSpelling, MosketchCommand};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One joint in a `JointsStream` packet (a frame from Mosketch, or a pose sent to it).
/// Keeps Mosketch's own field names on the wire and in TypeScript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct JointSample {
    #[serde(rename = "Name")]
    pub name: String,
    /// 5 = rotation only, 7 = rotation + translation; other codes are kept as they are.
    #[serde(rename = "Anatom", default, skip_serializing_if = "Option::is_none")]
    pub anatom: Option<i32>,
    /// Quaternion [x, y, z, w].
    #[serde(rename = "R", default, skip_serializing_if = "Option::is_none")]
    pub r: Option<[f64; 4]>,
    /// Translation in metres.
    #[serde(rename = "T", default, skip_serializing_if = "Option::is_none")]
    pub t: Option<[f64; 3]>,
}

/// The `Hierarchy` packet. Only the names are known to exist; whatever else a
/// Mosketch build sends is kept for the skeleton reader.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hierarchy {
    pub joints: Vec<String>,
    /// The `Joints` entries themselves when they were objects rather than names.
    pub joint_objects: Vec<Value>,
    /// Every field other than `Type` and `Joints`.
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Packet {
    Hierarchy(Hierarchy),
    /// name → uuid, in Mosketch's order.
    JointsUuids(Vec<(String, String)>),
    JointsStream(Vec<JointSample>),
    HierarchyAck(HierarchyAckSpelling),
    JointsUuidsAck,
    JointsStreamAck,
    /// `MosketchCommand` (or the older `NetCommand` / `MoCommand`), with its type name.
    Command {
        type_name: String,
        command: MosketchCommand,
    },
    Unknown(String),
}

pub const TYPE_JOINTS_STREAM: &str = "JointsStream";

/// The `Type` of a packet object, if it has one.
pub fn type_of(v: &Value) -> Option<&str> {
    v.get("Type").and_then(Value::as_str)
}

/// The packet objects in one JSON value: itself, or the elements of an array
/// (clients wrap packets in arrays). Anything else is not a packet.
pub fn packet_objects(v: Value) -> Result<Vec<Value>, String> {
    match v {
        Value::Object(_) => Ok(vec![v]),
        Value::Array(items) => {
            if items.iter().all(Value::is_object) {
                Ok(items)
            } else {
                Err("array holding something other than packet objects".into())
            }
        }
        other => Err(format!("not a packet: {}", short(&other))),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!(
            "{}…",
            &s[..s
                .char_indices()
                .take_while(|(i, _)| *i < 60)
                .last()
                .map_or(0, |(i, _)| i)]
        )
    } else {
        s
    }
}

impl Packet {
    /// The packet's `Type` as it appears on the wire.
    pub fn type_name(&self) -> &str {
        match self {
            Packet::Hierarchy(_) => "Hierarchy",
            Packet::JointsUuids(_) => "JointsUuids",
            Packet::JointsStream(_) => TYPE_JOINTS_STREAM,
            Packet::HierarchyAck(s) => s.type_name(),
            Packet::JointsUuidsAck => "JointsUuidsAck",
            Packet::JointsStreamAck => "JointsStreamAck",
            Packet::Command { type_name, .. } => type_name,
            Packet::Unknown(t) => t,
        }
    }

    /// Types a packet object. Errors mean "malformed": a known type with a body we cannot read.
    pub fn from_object(v: Value) -> Result<Packet, String> {
        use serde::Deserialize;
        if !v.is_object() {
            return Err("not an object".into());
        }
        super::wire_packet::WirePacket::deserialize(v)
            .map_err(|e| e.to_string())?
            .into_packet()
    }
}

/// Wire encodings. Each returns one packet's bytes, compact, without delimiter.
pub mod encode {
    use super::*;

    pub const JOINTS_UUIDS_ACK: &[u8] = br#"{"Type":"JointsUuidsAck"}"#;
    pub const JOINTS_STREAM_ACK: &[u8] = br#"{"Type":"JointsStreamAck"}"#;

    /// The documented spelling goes bare; the 2019 client wrapped its ack in an array.
    pub fn hierarchy_ack(spelling: HierarchyAckSpelling) -> &'static [u8] {
        match spelling {
            HierarchyAckSpelling::AckHierarchyInitialized => {
                br#"{"Type":"AckHierarchyInitialized"}"#
            }
            HierarchyAckSpelling::HierarchyInitializedAck => {
                br#"[{"Type":"HierarchyInitializedAck"}]"#
            }
        }
    }

    #[derive(Serialize)]
    struct CommandOut<'a> {
        #[serde(rename = "Type")]
        ty: &'static str,
        object: &'a str,
        command: &'a str,
        parameters: &'a std::collections::BTreeMap<String, String>,
    }

    /// `[{"Type":"MosketchCommand","object":..,"command":..,"parameters":{..}}]`.
    pub fn command(c: &MosketchCommand) -> Vec<u8> {
        let out = [CommandOut {
            ty: "MosketchCommand",
            object: &c.object,
            command: &c.command,
            parameters: &c.parameters,
        }];
        serde_json::to_vec(&out).expect("command serializes")
    }

    #[derive(Serialize)]
    struct StreamOut<'a> {
        #[serde(rename = "Type")]
        ty: &'static str,
        #[serde(rename = "Joints")]
        joints: &'a [JointSample],
    }

    /// A `JointsStream` packet: a frame (server side) or a pose (client side: leave
    /// `anatom` empty; Mosketch does not need it).
    pub fn joints_stream(joints: &[JointSample]) -> Vec<u8> {
        serde_json::to_vec(&StreamOut {
            ty: TYPE_JOINTS_STREAM,
            joints,
        })
        .expect("frame serializes")
    }

    #[derive(Serialize)]
    struct HierarchyOut<'a> {
        #[serde(rename = "Type")]
        ty: &'static str,
        #[serde(rename = "Joints")]
        joints: &'a [String],
        #[serde(flatten)]
        extra: &'a Map<String, Value>,
    }

    /// `{"Type":"Hierarchy","Joints":[names...], ...extra}` (Type first, as Mosketch's own packets).
    pub fn hierarchy(names: &[String], extra: &Map<String, Value>) -> Vec<u8> {
        serde_json::to_vec(&HierarchyOut {
            ty: "Hierarchy",
            joints: names,
            extra,
        })
        .expect("hierarchy serializes")
    }

    #[derive(Serialize)]
    struct UuidsOut {
        #[serde(rename = "Type")]
        ty: &'static str,
        #[serde(rename = "Joints")]
        joints: Vec<Map<String, Value>>,
    }

    /// `{"Type":"JointsUuids","Joints":[{"name":"uuid"}, ...]}`.
    pub fn joints_uuids(pairs: &[(String, String)]) -> Vec<u8> {
        let joints = pairs
            .iter()
            .map(|(n, u)| {
                let mut o = Map::new();
                o.insert(n.clone(), Value::String(u.clone()));
                o
            })
            .collect();
        serde_json::to_vec(&UuidsOut {
            ty: "JointsUuids",
            joints,
        })
        .expect("uuids serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(v: Value) -> Packet {
        Packet::from_object(v).unwrap()
    }

    #[test]
    fn hierarchy_with_names_and_extras() {
        let Packet::Hierarchy(h) =
            one(json!({"Type":"Hierarchy","Joints":["Hips","Spine"],"Parents":[null,"Hips"]}))
        else {
            panic!()
        };
        assert_eq!(h.joints, ["Hips", "Spine"]);
        assert!(h.joint_objects.is_empty());
        assert_eq!(h.extra["Parents"], json!([null, "Hips"]));
    }

    #[test]
    fn hierarchy_with_joint_objects() {
        let Packet::Hierarchy(h) = one(
            json!({"Type":"Hierarchy","Joints":[{"Name":"Hips"},{"Name":"Spine","Parent":"Hips"}]}),
        ) else {
            panic!()
        };
        assert_eq!(h.joints, ["Hips", "Spine"]);
        assert_eq!(h.joint_objects.len(), 2);
    }

    #[test]
    fn uuids_in_both_shapes() {
        let Packet::JointsUuids(u) =
            one(json!({"Type":"JointsUuids","Joints":[{"Hips":"a"},{"Spine":12}]}))
        else {
            panic!()
        };
        assert_eq!(
            u,
            vec![("Hips".into(), "a".into()), ("Spine".into(), "12".into())]
        );
        let Packet::JointsUuids(u) = one(json!({"Type":"JointsUuids","Joints":{"Hips":"a"}}))
        else {
            panic!()
        };
        assert_eq!(u.len(), 1);
    }

    #[test]
    fn stream_frames_with_optional_fields() {
        let p = one(json!({"Type":"JointsStream","Joints":[
            {"Name":"Hips","Anatom":7,"R":[0,0,0,1],"T":[0.1,1.0,0.0]},
            {"Name":"Spine","Anatom":9,"R":[0,0.6,0,0.8]},
            {"Name":"Head"}]}));
        let Packet::JointsStream(j) = p else { panic!() };
        assert_eq!(j[0].t, Some([0.1, 1.0, 0.0]));
        assert_eq!(j[1].anatom, Some(9));
        assert_eq!(j[1].t, None);
        assert_eq!(j[2].r, None);
    }

    #[test]
    fn malformed_known_types_are_errors_and_unknown_types_are_kept() {
        assert!(Packet::from_object(
            json!({"Type":"JointsStream","Joints":[{"Name":"a","R":[1,2]}]})
        )
        .is_err());
        assert!(Packet::from_object(json!({"Type":"Hierarchy"})).is_err());
        assert!(Packet::from_object(json!({"Name":"Hips"})).is_err());
        assert_eq!(
            one(json!({"Type":"SceneInfo","x":1})),
            Packet::Unknown("SceneInfo".into())
        );
    }

    #[test]
    fn client_packets() {
        assert_eq!(
            one(json!({"Type":"AckHierarchyInitialized"})),
            Packet::HierarchyAck(HierarchyAckSpelling::AckHierarchyInitialized)
        );
        assert_eq!(
            one(json!({"Type":"HierarchyInitializedAck"})),
            Packet::HierarchyAck(HierarchyAckSpelling::HierarchyInitializedAck)
        );
        let Packet::Command { type_name, command } = one(
            json!({"Type":"NetCommand","object":"scene","command":"x","parameters":{"a":"1","b":2}}),
        ) else {
            panic!()
        };
        assert_eq!(type_name, "NetCommand");
        assert_eq!(command.parameters["b"], "2");
    }

    #[test]
    fn arrays_hold_packets() {
        assert_eq!(
            packet_objects(json!([{"Type":"a"},{"Type":"b"}]))
                .unwrap()
                .len(),
            2
        );
        assert!(packet_objects(json!(42)).is_err());
        assert!(packet_objects(json!([1])).is_err());
    }

    #[test]
    fn encodings_are_compact_and_round_trip() {
        let c = MosketchCommand::joint_space(crate::mosketch::command::JointSpace::World);
        let bytes = encode::command(&c);
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"[{"Type":"MosketchCommand","object":"scene","command":"setStreamingJointSpace","parameters":{"jointSpace":"World"}}]"#
        );
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        let objs = packet_objects(v).unwrap();
        assert_eq!(
            one(objs[0].clone()),
            Packet::Command {
                type_name: "MosketchCommand".into(),
                command: c
            }
        );

        let pose = vec![JointSample {
            name: "Hips".into(),
            anatom: None,
            r: Some([0.0, 0.0, 0.0, 1.0]),
            t: Some([0.0, 1.0, 0.0]),
        }];
        let bytes = encode::joints_stream(&pose);
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"Type":"JointsStream","Joints":[{"Name":"Hips","R":[0.0,0.0,0.0,1.0],"T":[0.0,1.0,0.0]}]}"#
        );
        assert_eq!(
            one(serde_json::from_slice(&bytes).unwrap()),
            Packet::JointsStream(pose)
        );

        let h = encode::hierarchy(&["A".into()], &Map::new());
        assert_eq!(
            std::str::from_utf8(&h).unwrap(),
            r#"{"Type":"Hierarchy","Joints":["A"]}"#
        );
        let Packet::Hierarchy(hh) = one(serde_json::from_slice(&h).unwrap()) else {
            panic!()
        };
        assert_eq!(hh.joints, ["A"]);
        let u = encode::joints_uuids(&[("A".into(), "u".into())]);
        assert_eq!(
            one(serde_json::from_slice(&u).unwrap()),
            Packet::JointsUuids(vec![("A".into(), "u".into())])
        );
        assert!(!encode::hierarchy_ack(HierarchyAckSpelling::default()).contains(&b'\n'));
    }
}
