//! Typing a read packet ([`WirePacket::into_packet`]): its `Type` picks the
//! [`Packet`] kind, and fields of the wrong shape make it malformed.

use serde_json::Value;

use super::{WireJoints, WirePacket};
use crate::mosketch::command::{HierarchyAckSpelling, MosketchCommand};
use crate::mosketch::packet::{Hierarchy, JointSample, Packet, TYPE_JOINTS_STREAM};

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
