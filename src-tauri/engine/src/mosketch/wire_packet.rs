//! Packets typed in the same pass as they are parsed: the item type the session and the
//! simulator read with [`super::codec::JsonStreamCodec`]. Reading a frame into a
//! `serde_json::Value` tree first costs about twice as much (a map and a string per
//! field); this reads any JSON value too, so nothing valid is ever rejected here: fields
//! of unexpected shape are flagged and judged when the packet is typed
//! ([`WirePacket::into_packet`]), after the session has seen its `Type` and acked it.

use super::command::{HierarchyAckSpelling, MosketchCommand};
use super::packet::{Hierarchy, JointSample, Packet, TYPE_JOINTS_STREAM};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// One top-level JSON value from the stream.
#[derive(Debug, Clone, PartialEq)]
pub enum WireItem {
    Packet(WirePacket),
    /// An array (clients wrap packets in arrays); its elements.
    Array(Vec<WireItem>),
    /// A string, number, bool or null: not a packet.
    Scalar,
}

/// A JSON object, with the fields Mosketch packets use typed and the rest kept.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WirePacket {
    pub ty: Option<String>,
    pub joints: Option<WireJoints>,
    /// Every other field (command fields, Hierarchy extras).
    pub extra: Map<String, Value>,
    /// `Type` was present but not a string.
    pub bad_type: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WireJoints {
    List(Vec<WireJoint>),
    /// `Joints` as one object (tolerated for JointsUuids).
    Object(Map<String, Value>),
    Other,
}

/// One entry of `Joints`: a name string, or an object.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WireJoint {
    pub name: Option<String>,
    pub anatom: Option<i32>,
    pub r: Option<[f64; 4]>,
    pub t: Option<[f64; 3]>,
    /// Other fields (the uuid of a JointsUuids entry, skeleton fields of a Hierarchy entry).
    pub extra: Vec<(String, Value)>,
    pub is_object: bool,
    /// A Name/Anatom/R/T of the wrong shape.
    pub invalid: Option<&'static str>,
}

impl WireItem {
    /// The packets in this value: itself, or an array's elements.
    pub fn packets(self) -> Result<Vec<WirePacket>, String> {
        match self {
            WireItem::Packet(p) => Ok(vec![p]),
            WireItem::Array(items) => items
                .into_iter()
                .map(|i| match i {
                    WireItem::Packet(p) => Ok(p),
                    _ => Err("array holding something other than packet objects".to_string()),
                })
                .collect(),
            WireItem::Scalar => Err("not a packet: a bare JSON value".into()),
        }
    }
}

impl WirePacket {
    pub fn type_name(&self) -> Option<&str> {
        self.ty.as_deref()
    }

    /// Types the packet. Errors mean "malformed": no Type, or a known Type with a body
    /// we cannot read.
    pub fn into_packet(self) -> Result<Packet, String> {
        if self.bad_type {
            return Err("packet whose \"Type\" is not a string".into());
        }
        let ty = self.ty.ok_or("packet without a \"Type\"")?;
        let joints = self.joints;
        let mut extra = self.extra;
        match ty.as_str() {
            TYPE_JOINTS_STREAM => {
                let Some(WireJoints::List(list)) = joints else {
                    return Err("JointsStream without a \"Joints\" array".into());
                };
                list.into_iter()
                    .map(|j| {
                        if let Some(why) = j.invalid {
                            return Err(format!("bad JointsStream: {why}"));
                        }
                        let name = j.name.ok_or("bad JointsStream: a joint without a Name")?;
                        Ok(JointSample {
                            name,
                            anatom: j.anatom,
                            r: j.r,
                            t: j.t,
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()
                    .map(Packet::JointsStream)
            }
            "Hierarchy" => {
                let Some(WireJoints::List(list)) = joints else {
                    return Err("Hierarchy without a \"Joints\" array".into());
                };
                let mut h = Hierarchy {
                    extra,
                    ..Default::default()
                };
                for j in list {
                    let name = j.name.clone().ok_or("Hierarchy joint without a name")?;
                    if j.is_object {
                        h.joint_objects.push(j.into_value());
                    }
                    h.joints.push(name);
                }
                Ok(Packet::Hierarchy(h))
            }
            "JointsUuids" => {
                let text = |v: Value| match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                match joints {
                    Some(WireJoints::List(list)) => {
                        let mut out = Vec::with_capacity(list.len());
                        for j in list {
                            if !j.is_object {
                                return Err("JointsUuids entry is not an object".into());
                            }
                            out.extend(j.into_value_pairs().map(|(k, v)| (k, text(v))));
                        }
                        Ok(Packet::JointsUuids(out))
                    }
                    Some(WireJoints::Object(o)) => Ok(Packet::JointsUuids(
                        o.into_iter().map(|(k, v)| (k, text(v))).collect(),
                    )),
                    _ => Err("JointsUuids without \"Joints\"".into()),
                }
            }
            "JointsUuidsAck" => Ok(Packet::JointsUuidsAck),
            "JointsStreamAck" => Ok(Packet::JointsStreamAck),
            "MosketchCommand" | "NetCommand" | "MoCommand" => {
                let text = |v: Option<Value>| match v {
                    Some(Value::String(s)) => Some(s),
                    _ => None,
                };
                let command =
                    text(extra.remove("command")).ok_or("command packet without \"command\"")?;
                let object = text(extra.remove("object")).unwrap_or_else(|| "scene".into());
                let parameters = match extra.remove("parameters") {
                    Some(Value::Object(p)) => p
                        .into_iter()
                        .map(|(k, v)| {
                            let v = match v {
                                Value::String(s) => s,
                                other => other.to_string(),
                            };
                            (k, v)
                        })
                        .collect(),
                    None | Some(Value::Null) => Default::default(),
                    Some(_) => return Err("command \"parameters\" is not an object".into()),
                };
                Ok(Packet::Command {
                    type_name: ty,
                    command: MosketchCommand {
                        object,
                        command,
                        parameters,
                    },
                })
            }
            other => match HierarchyAckSpelling::from_type_name(other) {
                Some(s) => Ok(Packet::HierarchyAck(s)),
                None => Ok(Packet::Unknown(ty)),
            },
        }
    }
}

impl WireJoint {
    /// A string under a key that holds numbers in a frame: invalid there, but kept
    /// (in a JointsUuids entry the key is a joint's name and the string its uuid).
    fn text(&mut self, key: &str, s: String, why: &'static str) {
        self.invalid = Some(why);
        self.extra.push((key.to_string(), Value::String(s)));
    }

    fn into_value_pairs(self) -> impl Iterator<Item = (String, Value)> {
        let named = self.name.map(|n| ("Name".to_string(), Value::String(n)));
        named.into_iter().chain(self.extra)
    }

    /// Back to a JSON object (Hierarchy joint objects, read by the skeleton code).
    fn into_value(self) -> Value {
        let mut m = Map::new();
        let to = |v: &[f64]| {
            Value::Array(
                v.iter()
                    .map(|x| serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number))
                    .collect(),
            )
        };
        if let Some(n) = &self.name {
            m.insert("Name".into(), Value::String(n.clone()));
        }
        if let Some(a) = self.anatom {
            m.insert("Anatom".into(), a.into());
        }
        if let Some(r) = &self.r {
            m.insert("R".into(), to(r));
        }
        if let Some(t) = &self.t {
            m.insert("T".into(), to(t));
        }
        m.extend(self.extra);
        Value::Object(m)
    }
}

impl<'de> Deserialize<'de> for WireItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ItemVisitor)
    }
}

impl<'de> Deserialize<'de> for WirePacket {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(ItemVisitor)? {
            WireItem::Packet(p) => Ok(p),
            _ => Err(de::Error::custom("not a packet object")),
        }
    }
}

/// A visitor's methods for every scalar (bool, number, string, null), each
/// giving `$value` whatever the scalar was.
macro_rules! scalars_are {
    ($value:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = WireItem;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    scalars_are!(WireItem::Scalar);
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WireItem, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<WireItem>()? {
            items.push(item);
        }
        Ok(WireItem::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireItem, A::Error> {
        let mut p = WirePacket::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Type => match map.next_value::<Value>()? {
                    Value::String(s) => p.ty = Some(s),
                    _ => p.bad_type = true,
                },
                Key::Joints => p.joints = Some(map.next_value::<WireJoints>()?),
                other => {
                    let v = map.next_value::<Value>()?;
                    p.extra.insert(other.into_string(), v);
                }
            }
        }
        Ok(WireItem::Packet(p))
    }
}

/// A map key: the ones packets use are recognised without allocating.
enum Key {
    Type,
    Joints,
    Name,
    Anatom,
    R,
    T,
    Other(String),
}

impl Key {
    fn into_string(self) -> String {
        match self {
            Key::Type => "Type".into(),
            Key::Joints => "Joints".into(),
            Key::Name => "Name".into(),
            Key::Anatom => "Anatom".into(),
            Key::R => "R".into(),
            Key::T => "T".into(),
            Key::Other(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(match s {
                    "Type" => Key::Type,
                    "Joints" => Key::Joints,
                    "Name" => Key::Name,
                    "Anatom" => Key::Anatom,
                    "R" => Key::R,
                    "T" => Key::T,
                    other => Key::Other(other.to_string()),
                })
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for WireJoints {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WireJoints;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("Joints")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WireJoints, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(70));
                while let Some(j) = seq.next_element::<WireJoint>()? {
                    v.push(j);
                }
                Ok(WireJoints::List(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireJoints, A::Error> {
                let mut m = Map::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    m.insert(k, v);
                }
                Ok(WireJoints::Object(m))
            }
            scalars_are!(WireJoints::Other);
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for WireJoint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WireJoint;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a joint")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<WireJoint, E> {
                Ok(WireJoint {
                    name: Some(s.to_string()),
                    ..Default::default()
                })
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<WireJoint, E> {
                Ok(WireJoint {
                    name: Some(s),
                    ..Default::default()
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireJoint, A::Error> {
                let mut j = WireJoint {
                    is_object: true,
                    ..Default::default()
                };
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Name => match map.next_value::<Value>()? {
                            Value::String(s) => j.name = Some(s),
                            _ => j.invalid = Some("a Name that is not a string"),
                        },
                        Key::Anatom => match map.next_value::<Lenient<1>>()? {
                            Lenient::Null => {}
                            Lenient::Numbers([a]) if a.fract() == 0.0 && a.abs() < 1e9 => {
                                j.anatom = Some(a as i32)
                            }
                            Lenient::Text(s) => {
                                j.text("Anatom", s, "an Anatom that is not an integer")
                            }
                            _ => j.invalid = Some("an Anatom that is not an integer"),
                        },
                        Key::R => match map.next_value::<Lenient<4>>()? {
                            Lenient::Null => {}
                            Lenient::Numbers(r) => j.r = Some(r),
                            Lenient::Text(s) => j.text("R", s, "an R that is not 4 numbers"),
                            Lenient::Bad => j.invalid = Some("an R that is not 4 numbers"),
                        },
                        Key::T => match map.next_value::<Lenient<3>>()? {
                            Lenient::Null => {}
                            Lenient::Numbers(t) => j.t = Some(t),
                            Lenient::Text(s) => j.text("T", s, "a T that is not 3 numbers"),
                            Lenient::Bad => j.invalid = Some("a T that is not 3 numbers"),
                        },
                        Key::Other(k) if k == "name" => match map.next_value::<Value>()? {
                            Value::String(s) => j.name = Some(s),
                            _ => j.invalid = Some("a Name that is not a string"),
                        },
                        other => j
                            .extra
                            .push((other.into_string(), map.next_value::<Value>()?)),
                    }
                }
                Ok(j)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<WireJoint, E> {
                Ok(WireJoint {
                    invalid: Some("a joint that is neither a name nor an object"),
                    ..Default::default()
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<WireJoint, E> {
                self.visit_bool(v != 0)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WireJoint, E> {
                self.visit_bool(v != 0)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<WireJoint, E> {
                self.visit_bool(v != 0.0)
            }
            fn visit_unit<E: de::Error>(self) -> Result<WireJoint, E> {
                self.visit_bool(false)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WireJoint, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                self.visit_bool(false)
            }
        }
        d.deserialize_any(V)
    }
}

/// N numbers (a lone number for N = 1), null, or anything else (Bad), without failing.
enum Lenient<const N: usize> {
    Null,
    Numbers([f64; N]),
    /// A string where numbers belong: kept, since a JointsUuids entry's key is a joint
    /// name, and a joint may be called "R", "T" or "Anatom".
    Text(String),
    Bad,
}

impl<'de, const N: usize> Deserialize<'de> for Lenient<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const N: usize>;
        impl<'de, const N: usize> Visitor<'de> for V<N> {
            type Value = Lenient<N>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "{N} numbers")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Lenient<N>, E> {
                Ok(Lenient::Null)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lenient<N>, E> {
                Ok(if N == 1 {
                    Lenient::Numbers([v; N])
                } else {
                    Lenient::Bad
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Lenient<N>, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lenient<N>, E> {
                self.visit_f64(v as f64)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Lenient<N>, E> {
                Ok(Lenient::Bad)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Lenient<N>, E> {
                Ok(Lenient::Text(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lenient<N>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Lenient::Bad)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lenient<N>, A::Error> {
                let mut out = [0.0; N];
                let mut n = 0;
                let mut ok = true;
                while let Some(x) = seq.next_element::<Number>()? {
                    match x.0 {
                        Some(v) if n < N => out[n] = v,
                        _ => ok = false,
                    }
                    n += 1;
                }
                Ok(if ok && n == N {
                    Lenient::Numbers(out)
                } else {
                    Lenient::Bad
                })
            }
        }
        d.deserialize_any(V::<N>)
    }
}

/// A number, or None for any other value (skipped).
struct Number(Option<f64>);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                Ok(Number(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Number, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Number(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Number, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Number(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(text: &str) -> WireItem {
        serde_json::from_str(text).unwrap()
    }

    fn packet(text: &str) -> Result<Packet, String> {
        let mut ps = item(text).packets()?;
        assert_eq!(ps.len(), 1);
        ps.remove(0).into_packet()
    }

    #[test]
    fn frames_are_typed_in_one_pass() {
        let p = packet(
            r#"{"Type":"JointsStream","Joints":[{"Name":"Hips","Anatom":7,"R":[0,0.1,0,0.99],"T":[1,2,3]},{"Name":"Spine","R":null}]}"#,
        );
        let Ok(Packet::JointsStream(j)) = p else {
            panic!("{p:?}")
        };
        assert_eq!(
            j[0],
            JointSample {
                name: "Hips".into(),
                anatom: Some(7),
                r: Some([0.0, 0.1, 0.0, 0.99]),
                t: Some([1.0, 2.0, 3.0])
            }
        );
        assert_eq!(j[1].r, None);
    }

    #[test]
    fn bad_fields_keep_the_type_but_make_the_packet_malformed() {
        for text in [
            r#"{"Type":"JointsStream","Joints":[{"Name":"a","R":[1,2]}]}"#,
            r#"{"Type":"JointsStream","Joints":[{"Name":"a","T":"x"}]}"#,
            r#"{"Type":"JointsStream","Joints":[{"Name":"a","Anatom":5.5}]}"#,
            r#"{"Type":"JointsStream","Joints":[{"R":[0,0,0,1]}]}"#,
            r#"{"Type":"JointsStream","Joints":[{"Name":"a","R":[0,0,"z",1]}]}"#,
            r#"{"Type":"JointsStream","Joints":[7]}"#,
            r#"{"Type":"JointsStream"}"#,
        ] {
            let mut ps = item(text).packets().unwrap();
            assert_eq!(ps[0].type_name(), Some("JointsStream"), "{text}");
            assert!(ps.remove(0).into_packet().is_err(), "{text}");
        }
        assert!(packet(r#"{"Type":5}"#).is_err());
        assert!(packet(r#"{"Name":"x"}"#).is_err());
        assert!(item("42").packets().is_err());
        assert!(item("[1]").packets().is_err());
    }

    #[test]
    fn agrees_with_the_value_path_on_every_packet_kind() {
        let samples = [
            json!({"Joints":["Hips","Spine"],"Type":"Hierarchy","Parents":[null,"Hips"],"Units":"cm"}),
            json!({"Type":"Hierarchy","Joints":[{"Name":"Hips","T":[0,1,0]},{"Name":"Spine","Parent":"Hips","R":[0,0,0,1]}]}),
            json!({"Type":"JointsUuids","Joints":[{"Hips":"a"},{"Spine":12}]}),
            json!({"Type":"JointsUuids","Joints":{"Hips":"a"}}),
            json!({"Type":"JointsUuids","Joints":[{"R":"u1"},{"T":"u2"},{"Anatom":"u3"}]}),
            json!({"Type":"NetCommand","object":"scene","command":"x","parameters":{"a":"1","b":2}}),
            json!({"Type":"HierarchyInitializedAck"}),
            json!({"Type":"JointsStreamAck"}),
            json!({"Type":"SceneInfo","x":{"deep":[1,2]}}),
        ];
        for v in samples {
            let typed = item(&v.to_string())
                .packets()
                .unwrap()
                .remove(0)
                .into_packet()
                .unwrap();
            let from_value = Packet::from_object(v.clone()).unwrap();
            assert_eq!(typed, from_value, "{v}");
        }
        assert_eq!(
            item(r#"[{"Type":"a"},{"Type":"b"}]"#)
                .packets()
                .unwrap()
                .len(),
            2
        );
    }
}
