//! The Mosketch link: connect/disconnect, settings, commands and poses; skeleton
//! sources for the preview (a connected Maya, or a JSON/BVH file).

use super::*;
use crate::mosketch::command_presets;
use crate::skeleton::{self, LengthUnit};
use crate::{AppError, ErrorCode};

type Res<T> = Result<T, AppError>;

pub async fn mosketch_connect(e: &Engine, a: MosketchConnectArgs) -> Res<()> {
    e.mosketch.connect(a.config.unwrap_or_default()).await;
    Ok(())
}

pub async fn mosketch_disconnect(e: &Engine, _: NoArgs) -> Res<()> {
    e.mosketch.disconnect().await;
    Ok(())
}

pub async fn mosketch_set_joint_space(e: &Engine, a: JointSpaceArgs) -> Res<()> {
    e.mosketch
        .session_do(|s| async move { s.set_joint_space(a.space).await })
        .await
}

pub async fn mosketch_set_orient_mode(e: &Engine, a: OrientModeArgs) -> Res<()> {
    e.mosketch
        .session_do(|s| async move { s.set_orient_mode(a.mode).await })
        .await
}

pub async fn mosketch_set_ack_spelling(e: &Engine, a: AckSpellingArgs) -> Res<()> {
    e.mosketch
        .session_do(|s| async move { s.set_ack_spelling(a.spelling).await })
        .await
}

pub async fn mosketch_send_command(e: &Engine, a: MosketchCommandArgs) -> Res<()> {
    e.mosketch
        .session_do(|s| async move { s.send_command(a.command).await })
        .await
}

pub async fn mosketch_send_pose(e: &Engine, a: SendPoseArgs) -> Res<()> {
    e.mosketch
        .session_do(|s| async move { s.send_pose(a.joints).await })
        .await
}

pub async fn mosketch_command_presets(_: &Engine, _: NoArgs) -> Res<Vec<CommandPreset>> {
    Ok(command_presets())
}

/// Parents and rest offsets of `names`, queried from a connected Maya by the same
/// joint names (one helper call).
pub async fn skeleton_from_maya(e: &Engine, a: SkeletonFromMayaArgs) -> Res<Skeleton> {
    let v = e
        .workspace
        .call(
            &a.session,
            serde_json::json!({"op": "skeleton", "names": a.names}),
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
pub async fn skeleton_load_file(_: &Engine, a: PathArgs) -> Res<Skeleton> {
    let path = a.path;
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| AppError::new(ErrorCode::Io, format!("Could not read {path}: {e}")))?;
    if path.to_ascii_lowercase().ends_with(".bvh") {
        Ok(skeleton::bvh::from_bvh_str(&text, None)?.skeleton)
    } else {
        skeleton::file::from_json_str(&text)
    }
}
