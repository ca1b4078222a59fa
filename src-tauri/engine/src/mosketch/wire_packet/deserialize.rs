//! Reading JSON into [`WireItem`]s with serde in one pass: visitors for items,
//! packets, keys (recognised without allocating), `Joints` and each joint.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

use super::lenient::Lenient;
use super::{WireItem, WireJoint, WireJoints, WirePacket};

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
