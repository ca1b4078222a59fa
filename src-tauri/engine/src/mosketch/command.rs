//! What the app can ask of Mosketch: the handshake settings (hierarchy-ack spelling,
//! joint space, orient mode) and generic `MosketchCommand`s with their known presets.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use ts_rs::TS;

/// How the hierarchy acknowledgement is spelled. Which one a Mosketch build wants is
/// unknown: the documented one is the default, the 2019 client's is the alternative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum HierarchyAckSpelling {
    /// `{"Type":"AckHierarchyInitialized"}` (the seed document, clients before 2019).
    #[default]
    AckHierarchyInitialized,
    /// `[{"Type":"HierarchyInitializedAck"}]` (the last official client, 2019).
    HierarchyInitializedAck,
}

impl HierarchyAckSpelling {
    pub fn type_name(self) -> &'static str {
        match self {
            Self::AckHierarchyInitialized => "AckHierarchyInitialized",
            Self::HierarchyInitializedAck => "HierarchyInitializedAck",
        }
    }
    pub fn other(self) -> Self {
        match self {
            Self::AckHierarchyInitialized => Self::HierarchyInitializedAck,
            Self::HierarchyInitializedAck => Self::AckHierarchyInitialized,
        }
    }
    pub fn from_type_name(s: &str) -> Option<Self> {
        match s {
            "AckHierarchyInitialized" => Some(Self::AckHierarchyInitialized),
            "HierarchyInitializedAck" => Some(Self::HierarchyInitializedAck),
            _ => None,
        }
    }
}

impl fmt::Display for HierarchyAckSpelling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name())
    }
}

impl FromStr for HierarchyAckSpelling {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let norm: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        match norm.as_str() {
            "ackhierarchyinitialized" | "documented" | "default" => {
                Ok(Self::AckHierarchyInitialized)
            }
            "hierarchyinitializedack" | "2019" | "alternative" => Ok(Self::HierarchyInitializedAck),
            _ => Err(format!(
                "unknown ack spelling '{s}' (AckHierarchyInitialized or HierarchyInitializedAck)"
            )),
        }
    }
}

/// The space Mosketch expresses streamed rotations in (`setStreamingJointSpace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum JointSpace {
    /// Relative to the parent (Mosketch's default; what a Maya joint's rotate wants).
    #[default]
    Parent,
    World,
    /// Relative to the parent, expressed in world axes (HumanIK controllers).
    ParentInWorld,
}

impl JointSpace {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Parent => "Parent",
            Self::World => "World",
            Self::ParentInWorld => "ParentInWorld",
        }
    }
}

impl FromStr for JointSpace {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "parent" => Ok(Self::Parent),
            "world" => Ok(Self::World),
            "parentinworld" => Ok(Self::ParentInWorld),
            _ => Err(format!(
                "unknown joint space '{s}' (Parent, World or ParentInWorld)"
            )),
        }
    }
}

/// Whether streamed rotations include the joints' initial orientation
/// (`setStreamingJointOrientMode`: "1" keep, "0" discard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum OrientMode {
    #[default]
    Keep,
    Discard,
}

impl OrientMode {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Keep => "1",
            Self::Discard => "0",
        }
    }
}

impl FromStr for OrientMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "keep" | "1" => Ok(Self::Keep),
            "discard" | "0" => Ok(Self::Discard),
            _ => Err(format!("unknown orient mode '{s}' (keep or discard)")),
        }
    }
}

/// One `MosketchCommand`. Mosketch wants every parameter value as a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MosketchCommand {
    /// The addressed object: "scene" or "joint".
    pub object: String,
    pub command: String,
    pub parameters: BTreeMap<String, String>,
}

impl MosketchCommand {
    pub fn new(object: &str, command: &str, parameters: &[(&str, &str)]) -> Self {
        Self {
            object: object.into(),
            command: command.into(),
            parameters: parameters
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
    pub fn joint_space(space: JointSpace) -> Self {
        Self::new(
            "scene",
            "setStreamingJointSpace",
            &[("jointSpace", space.wire())],
        )
    }
    pub fn orient_mode(mode: OrientMode) -> Self {
        Self::new(
            "scene",
            "setStreamingJointOrientMode",
            &[("jointOrientMode", mode.wire())],
        )
    }
    pub fn select_by_uuid(uuid: &str) -> Self {
        Self::new(
            "scene",
            "selectByUuid",
            &[
                ("uuid", uuid),
                ("eraseGroup", "1"),
                ("toggleIfSelected", "1"),
            ],
        )
    }
    pub fn set_sketchable(uuid: &str, sketchable: bool) -> Self {
        Self::new(
            "joint",
            "setSketchable",
            &[
                ("uuid", uuid),
                ("sketchable", if sketchable { "true" } else { "false" }),
            ],
        )
    }
    pub fn set_wireframe_visibility(visible: bool) -> Self {
        Self::new(
            "scene",
            "setWireframeVisibility",
            &[("visible", if visible { "true" } else { "false" })],
        )
    }
    pub fn attach_num_ik_effector() -> Self {
        Self::new("scene", "attachNumIKEffector", &[])
    }
}

/// A command the UI can offer in its "send command" list. Parameters whose value is
/// `"{uuid}"` are to be filled with the selected joint's uuid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CommandPreset {
    pub id: String,
    pub label: String,
    pub description: String,
    pub template: MosketchCommand,
    /// True when the template needs a joint's uuid (`"{uuid}"` placeholders).
    pub needs_uuid: bool,
}

pub const UUID_PLACEHOLDER: &str = "{uuid}";

/// The commands seen in Moka's scripts beyond the two handshake settings (2018 work in progress).
pub fn command_presets() -> Vec<CommandPreset> {
    let p = |id: &str, label: &str, description: &str, template: MosketchCommand| CommandPreset {
        id: id.into(),
        label: label.into(),
        description: description.into(),
        needs_uuid: template.parameters.values().any(|v| v == UUID_PLACEHOLDER),
        template,
    };
    vec![
        p(
            "selectByUuid",
            "Select joint",
            "Select the joint in Mosketch (replaces the selection).",
            MosketchCommand::select_by_uuid(UUID_PLACEHOLDER),
        ),
        p(
            "setSketchableOn",
            "Make sketchable",
            "Let the joint be moved by sketching.",
            MosketchCommand::set_sketchable(UUID_PLACEHOLDER, true),
        ),
        p(
            "setSketchableOff",
            "Make not sketchable",
            "Lock the joint against sketching.",
            MosketchCommand::set_sketchable(UUID_PLACEHOLDER, false),
        ),
        p(
            "wireframeOn",
            "Show wireframe",
            "Show the character's wireframe in Mosketch.",
            MosketchCommand::set_wireframe_visibility(true),
        ),
        p(
            "wireframeOff",
            "Hide wireframe",
            "Hide the character's wireframe in Mosketch.",
            MosketchCommand::set_wireframe_visibility(false),
        ),
        p(
            "attachNumIKEffector",
            "Add IK effectors",
            "Add position effectors to the selected joints.",
            MosketchCommand::attach_num_ik_effector(),
        ),
    ]
}

impl CommandPreset {
    /// The preset's command with the uuid filled in.
    pub fn with_uuid(&self, uuid: &str) -> MosketchCommand {
        let mut c = self.template.clone();
        for v in c.parameters.values_mut() {
            if v == UUID_PLACEHOLDER {
                *v = uuid.to_string();
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_parse_and_swap() {
        assert_eq!(
            "AckHierarchyInitialized".parse(),
            Ok(HierarchyAckSpelling::AckHierarchyInitialized)
        );
        assert_eq!(
            "hierarchy-initialized-ack".parse(),
            Ok(HierarchyAckSpelling::HierarchyInitializedAck)
        );
        assert!("nope".parse::<HierarchyAckSpelling>().is_err());
        assert_eq!(
            HierarchyAckSpelling::default().other(),
            HierarchyAckSpelling::HierarchyInitializedAck
        );
        assert_eq!(
            serde_json::to_value(HierarchyAckSpelling::HierarchyInitializedAck).unwrap(),
            "HierarchyInitializedAck"
        );
    }

    #[test]
    fn settings_commands_use_string_parameters() {
        let c = MosketchCommand::joint_space(JointSpace::ParentInWorld);
        assert_eq!(c.parameters["jointSpace"], "ParentInWorld");
        assert_eq!(
            MosketchCommand::orient_mode(OrientMode::Discard).parameters["jointOrientMode"],
            "0"
        );
        assert_eq!("parent-in-world".parse(), Ok(JointSpace::ParentInWorld));
        assert_eq!("1".parse(), Ok(OrientMode::Keep));
    }

    #[test]
    fn presets_fill_the_uuid() {
        let presets = command_presets();
        let select = presets.iter().find(|p| p.id == "selectByUuid").unwrap();
        assert!(select.needs_uuid);
        assert_eq!(select.with_uuid("abc").parameters["uuid"], "abc");
        assert!(
            !presets
                .iter()
                .find(|p| p.id == "attachNumIKEffector")
                .unwrap()
                .needs_uuid
        );
    }
}
