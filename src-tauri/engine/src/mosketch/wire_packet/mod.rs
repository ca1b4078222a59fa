//! Packets typed in the same pass as they are parsed: the item type the session and the
//! simulator read with [`super::codec::JsonStreamCodec`]. Reading a frame into a
//! `serde_json::Value` tree first costs about twice as much (a map and a string per
//! field); this reads any JSON value too, so nothing valid is ever rejected here: fields
//! of unexpected shape are flagged and judged when the packet is typed
//! ([`WirePacket::into_packet`]), after the session has seen its `Type` and acked it.
//!
//! Here: the types read from the wire; reading them is in `deserialize` (lenient
//! numbers in `lenient`), typing them into [`Packet`](super::packet::Packet)s in `into_packet`.

mod deserialize;
mod into_packet;
mod lenient;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

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
