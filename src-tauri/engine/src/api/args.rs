//! The arguments of each command in the map: one object per command, fields in
//! camelCase, exported to TypeScript. Optional fields may be left out; unknown
//! ones are refused (a misspelt argument is an error, not silently ignored).

use crate::maya::{Language, RunOptions};
use crate::mosketch::{
    HierarchyAckSpelling, JointSample, JointSpace, MosketchCommand, MosketchConfig, OrientMode,
};
use crate::workspace::SessionSpec;
use serde::Deserialize;
use ts_rs::TS;

/// A command that takes nothing: `{}`.
#[derive(Debug, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NoArgs {}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct SessionAddArgs {
    pub spec: SessionSpec,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct SessionUpdateArgs {
    pub id: String,
    pub spec: SessionSpec,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct SessionIdArgs {
    pub id: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct MayaRunArgs {
    pub id: String,
    pub code: String,
    pub lang: Language,
    #[serde(default)]
    #[ts(optional)]
    pub options: Option<RunOptions>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct MayaRunAllArgs {
    pub code: String,
    pub lang: Language,
    #[serde(default)]
    #[ts(optional)]
    pub options: Option<RunOptions>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct DiscoverArgs {
    /// A process-name pattern (default: Maya's process names on this OS).
    #[serde(default)]
    #[ts(optional)]
    pub pattern: Option<String>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct ConsoleHistoryArgs {
    pub session: String,
    pub from: u64,
    pub max: u32,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct PathArgs {
    pub path: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct WriteFileArgs {
    pub path: String,
    pub text: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct TabsSaveArgs {
    pub state: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct MosketchConnectArgs {
    /// Missing fields (or a missing config) take the defaults: 127.0.0.1:16094.
    #[serde(default)]
    #[ts(optional)]
    pub config: Option<MosketchConfig>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct JointSpaceArgs {
    pub space: JointSpace,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct OrientModeArgs {
    pub mode: OrientMode,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct AckSpellingArgs {
    pub spelling: HierarchyAckSpelling,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct MosketchCommandArgs {
    pub command: MosketchCommand,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct SendPoseArgs {
    pub joints: Vec<JointSample>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct SkeletonFromMayaArgs {
    pub session: String,
    pub names: Vec<String>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct LinkStartArgs {
    /// The Maya sessions Mosketch drives (ids), in the order the figures come back.
    pub sessions: Vec<String>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct LinkFollowArgs {
    /// Which Maya of the running link (its index).
    pub maya: usize,
    pub on: bool,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct LinkMayaArgs {
    pub maya: usize,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct LinkOverrideArgs {
    pub maya: usize,
    pub mosketch: String,
    /// The Maya node (long path) to drive; null: drive nothing.
    #[serde(default)]
    #[ts(optional)]
    pub node: Option<String>,
    /// Forget the artist's choice: back to matching by name.
    #[serde(default)]
    #[ts(optional)]
    pub clear: Option<bool>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct LinkFileArgs {
    pub maya: usize,
    pub path: String,
}
