//! The types of the Maya link that the UI and the CLI see: port kinds, run
//! requests and results, what we know about a Maya.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum PortKind {
    /// `cmds.commandPort(..., sourceType="python")`
    Python,
    /// The default `sourceType="mel"`: we reach Python through MEL's `python("...")`.
    Mel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Language {
    #[default]
    Python,
    Mel,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunOptions {
    /// Wrap the run in one undo chunk with this name (Ctrl+Z in Maya undoes it all).
    #[serde(default)]
    pub undo_chunk: Option<String>,
    /// File name shown in tracebacks (the editor tab's file), `<mayalink>` otherwise.
    #[serde(default)]
    pub file_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScriptError {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    pub traceback: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunResult {
    pub ok: bool,
    /// `repr()` of an expression's value (Python) or MEL's result, when there is one.
    pub value: Option<String>,
    pub error: Option<ScriptError>,
    /// Seconds Maya spent running the code.
    pub duration: f64,
    /// Seconds from sending the first byte to reading the reply.
    pub round_trip: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MayaInfo {
    pub port_kind: PortKind,
    /// Maya's version as `cmds.about(version=True)` says it ("2025").
    pub maya_version: String,
    pub python_version: String,
    pub pid: u32,
    /// Current scene path, empty for an untitled scene.
    pub scene: String,
    pub user: String,
    pub helper_version: String,
    /// Set for a simulated Maya ("Demo Maya (simulated)"), so it is always labelled.
    pub label: Option<String>,
}
