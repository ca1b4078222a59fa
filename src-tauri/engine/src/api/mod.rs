//! The command map: everything a UI can ask of the engine, declared once. Each
//! command is `name(arguments) -> result`, each stream `name: message`. Hosts are
//! thin adapters over it: the Tauri shell (one `api` command plus Channels) and
//! `mayalink serve` (the same map over a WebSocket). The TypeScript schema in
//! `ui/src/bindings/ApiSchema.ts` and `ApiStreams.ts` is generated from it.
//! To add a command: one line here, its argument type in `args.rs`, and its
//! handler (same name) in the domain file re-exported by `handlers`.

mod args;
mod diagnostics;
mod editor;
mod engine;
mod link;
pub(crate) mod map;
mod maya;
mod mosketch;
mod streams;

pub use args::*;
pub use engine::{Engine, EngineConfig, LinkView};

use crate::console::ConsoleBatch;
use crate::doctor::DoctorReport;
use crate::maya::discovery::DiscoveredMaya;
use crate::maya::session::CleanupReport;
use crate::maya::{MayaInfo, RunResult};
use crate::mosketch::{CommandPreset, MosketchHierarchy, MosketchStatus, PoseSnapshot};
use crate::skeleton::Skeleton;
use crate::workspace::{ConsoleHistory, RunOutcome, SessionView};

/// Every handler, by command name.
mod handlers {
    pub use super::diagnostics::*;
    pub use super::editor::*;
    pub use super::link::*;
    pub use super::maya::*;
    pub use super::mosketch::*;
}

map::define_api! {
    commands {
        /// Versions, OS, log folder and the state of the ports Mayalink uses.
        doctor(NoArgs) -> DoctorReport;
        /// Adds a Maya session (address like ":7001", "host:7001" or a Unix socket path).
        maya_session_add(SessionAddArgs) -> SessionView;
        maya_session_update(SessionUpdateArgs) -> SessionView;
        maya_session_remove(SessionIdArgs) -> ();
        /// The session that receives runs from the editor.
        maya_session_set_active(SessionIdArgs) -> ();
        maya_session_connect(SessionIdArgs) -> MayaInfo;
        /// Removes Mayalink's callback and helper state in that Maya and releases the port.
        maya_session_cleanup(SessionIdArgs) -> CleanupReport;
        /// Runs code in one session; a Python/MEL error is a result with `ok: false`.
        maya_run(MayaRunArgs) -> RunResult;
        /// Runs the same code in every connected session, in parallel.
        maya_run_all(MayaRunAllArgs) -> Vec<RunOutcome>;
        /// Stops waiting for the run in flight (Maya itself finishes the code).
        maya_cancel(SessionIdArgs) -> ();
        /// Mayas running on this machine with an open commandPort.
        maya_discover(DiscoverArgs) -> Vec<DiscoveredMaya>;
        /// What went wrong restoring the saved sessions at start (a corrupt file kept
        /// aside…), for the UI to show; empty when all went well.
        startup_warnings(NoArgs) -> Vec<String>;
        /// Up to `max` lines of a session's output history from absolute line `from`.
        console_history(ConsoleHistoryArgs) -> ConsoleHistory;
        editor_read_file(PathArgs) -> String;
        editor_write_file(WriteFileArgs) -> ();
        /// The autosaved editor tabs (null: none yet).
        editor_tabs_load(NoArgs) -> Option<String>;
        editor_tabs_save(TabsSaveArgs) -> ();
        /// Starts the built-in Demo Maya and Mosketch simulator and connects to them.
        demo_start(NoArgs) -> ();
        /// (Re)connects to Mosketch's streaming server (missing fields take defaults).
        mosketch_connect(MosketchConnectArgs) -> ();
        mosketch_disconnect(NoArgs) -> ();
        mosketch_set_joint_space(JointSpaceArgs) -> ();
        mosketch_set_orient_mode(OrientModeArgs) -> ();
        mosketch_set_ack_spelling(AckSpellingArgs) -> ();
        mosketch_send_command(MosketchCommandArgs) -> ();
        /// Sends a pose (`JointsStream` with Name/R/T, T in metres).
        mosketch_send_pose(SendPoseArgs) -> ();
        mosketch_command_presets(NoArgs) -> Vec<CommandPreset>;
        /// Parents and rest offsets of `names` from a connected Maya session.
        skeleton_from_maya(SkeletonFromMayaArgs) -> Skeleton;
        /// A skeleton file: `mayalink-skeleton/1` JSON or a BVH hierarchy.
        skeleton_load_file(PathArgs) -> Skeleton;
        /// Mosketch drives these Mayas live (replaces a running link).
        link_start(LinkStartArgs) -> LinkView;
        /// Stops the live link: nothing of it stays in any Maya.
        link_stop(NoArgs) -> ();
        /// "Follow Maya": that Maya's pose goes to Mosketch live (Mosketch stops driving it).
        link_follow(LinkFollowArgs) -> ();
        /// "Send Maya pose to Mosketch", once: how many joints were sent.
        link_send_maya_pose(LinkMayaArgs) -> u32;
        /// The artist's choice for one Mosketch joint (saved per scene and character).
        link_set_override(LinkOverrideArgs) -> LinkView;
        link_export_overrides(LinkFileArgs) -> ();
        link_import_overrides(LinkFileArgs) -> LinkView;
    }
    streams {
        /// Console lines, batched (at most one batch per frame), starting with the recent history.
        console: ConsoleBatch;
        /// The full session list, now and on every change.
        sessions: Vec<SessionView>;
        /// The Mosketch session's status; null when there is none.
        mosketch_status: Option<MosketchStatus>;
        /// The current character; null before the first Hierarchy or without a session.
        mosketch_hierarchy: Option<MosketchHierarchy>;
        /// The live pose: newest only, at most once per frame.
        mosketch_pose: PoseSnapshot;
        /// The live link: mapping, figures and warnings per Maya.
        link: LinkView;
    }
}

#[cfg(test)]
mod tests;
