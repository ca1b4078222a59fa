//! The Mosketch link: connect/disconnect, settings, commands and poses, and the
//! live streams to the UI (status and pose at most once per frame over Channels).
//! Skeleton sources for the preview: the Hierarchy packet (in the status stream),
//! a connected Maya, or a file (JSON or BVH).

use crate::AppState;
use mayalink_engine::frames::forward_latest;
use mayalink_engine::mosketch::{
    command_presets, CommandPreset, HierarchyAckSpelling, JointSample, JointSpace, MosketchCommand,
    MosketchConfig, MosketchHierarchy, MosketchStatus, OrientMode, PoseSnapshot,
};
use mayalink_engine::skeleton::{self, LengthUnit, Skeleton};
use mayalink_engine::{AppError, ErrorCode};
use std::time::Duration;
use tauri::ipc::Channel;
use tauri::State;

type Res<T> = Result<T, AppError>;
const FRAME: Duration = Duration::from_millis(16);

#[tauri::command]
pub async fn mosketch_connect(
    state: State<'_, AppState>,
    config: Option<MosketchConfig>,
) -> Res<()> {
    state.mosketch.connect(config.unwrap_or_default()).await;
    Ok(())
}

#[tauri::command]
pub async fn mosketch_disconnect(state: State<'_, AppState>) -> Res<()> {
    state.mosketch.disconnect().await;
    Ok(())
}

/// Streams status (rare), hierarchy (rarer) and the pose (newest only, at most
/// once per frame) of whichever Mosketch session is current, across reconnects
/// and across connect/disconnect.
#[tauri::command]
pub async fn mosketch_subscribe(
    state: State<'_, AppState>,
    on_status: Channel<Option<MosketchStatus>>,
    on_hierarchy: Channel<Option<MosketchHierarchy>>,
    on_pose: Channel<PoseSnapshot>,
) -> Res<()> {
    let link = state.mosketch.clone();
    tauri::async_runtime::spawn(async move {
        let mut generation = link.generation();
        loop {
            let watches = link.watches();
            let _ = on_status.send(watches.as_ref().map(|w| w.status.borrow().clone()));
            let _ = on_hierarchy.send(
                watches
                    .as_ref()
                    .and_then(|w| w.hierarchy.borrow().as_deref().cloned()),
            );
            let forwarding = async {
                let Some(w) = watches else {
                    return std::future::pending::<()>().await;
                };
                let status = forward_latest(w.status, FRAME, |s| on_status.send(Some(s)).is_ok());
                let hierarchy = forward_latest(w.hierarchy, FRAME, |h| {
                    on_hierarchy.send(h.as_deref().cloned()).is_ok()
                });
                let pose = forward_latest(w.pose, FRAME, |p| on_pose.send(p).is_ok());
                tokio::join!(status, hierarchy, pose);
                std::future::pending::<()>().await
            };
            tokio::select! {
                _ = forwarding => {}
                changed = generation.changed() => if changed.is_err() { return },
            }
        }
    });
    Ok(())
}

#[tauri::command]
pub async fn mosketch_set_joint_space(state: State<'_, AppState>, space: JointSpace) -> Res<()> {
    state
        .mosketch
        .session_do(|s| async move { s.set_joint_space(space).await })
        .await
}

#[tauri::command]
pub async fn mosketch_set_orient_mode(state: State<'_, AppState>, mode: OrientMode) -> Res<()> {
    state
        .mosketch
        .session_do(|s| async move { s.set_orient_mode(mode).await })
        .await
}

#[tauri::command]
pub async fn mosketch_set_ack_spelling(
    state: State<'_, AppState>,
    spelling: HierarchyAckSpelling,
) -> Res<()> {
    state
        .mosketch
        .session_do(|s| async move { s.set_ack_spelling(spelling).await })
        .await
}

#[tauri::command]
pub async fn mosketch_send_command(
    state: State<'_, AppState>,
    command: MosketchCommand,
) -> Res<()> {
    state
        .mosketch
        .session_do(|s| async move { s.send_command(command).await })
        .await
}

#[tauri::command]
pub async fn mosketch_send_pose(state: State<'_, AppState>, joints: Vec<JointSample>) -> Res<()> {
    state
        .mosketch
        .session_do(|s| async move { s.send_pose(joints).await })
        .await
}

#[tauri::command]
pub fn mosketch_command_presets() -> Vec<CommandPreset> {
    command_presets()
}

/// Parents and rest offsets of `names`, queried from a connected Maya by the same
/// joint names (one helper call).
#[tauri::command]
pub async fn skeleton_from_maya(
    state: State<'_, AppState>,
    session: String,
    names: Vec<String>,
) -> Res<Skeleton> {
    let v = state
        .workspace
        .call(
            &session,
            serde_json::json!({"op": "skeleton", "names": names}),
        )
        .await?;
    let found: Vec<skeleton::maya::MayaJointRecord> = v["joints"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|j| j["found"] == serde_json::json!(true))
                .filter_map(|j| serde_json::from_value(j.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    if found.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "None of Mosketch's joints exist in that Maya scene (names must match exactly).",
        ));
    }
    skeleton::maya::skeleton_from_maya(&found, LengthUnit::Cm)
}

/// A skeleton file: Mayalink's JSON format, or a BVH file's HIERARCHY.
#[tauri::command]
pub async fn skeleton_load_file(path: String) -> Res<Skeleton> {
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| AppError::new(ErrorCode::Io, format!("Could not read {path}: {e}")))?;
    if path.to_ascii_lowercase().ends_with(".bvh") {
        Ok(skeleton::bvh::from_bvh_str(&text, None)?.skeleton)
    } else {
        skeleton::file::from_json_str(&text)
    }
}
