//! The live link in the command map: start/stop Mosketch driving the chosen Mayas,
//! "Follow Maya", "Send Maya pose", the artist's mapping overrides (kept per Maya
//! scene and Mosketch character; exported and imported as a file).

use super::*;
use crate::link::live::TargetSpecShared;
use crate::link::overrides::{self, character_key};
use crate::link::target::map_only;
use crate::link::LiveLink;
use crate::link::TargetStatus;
use crate::{AppError, ErrorCode};
use std::sync::Arc;

type Res<T> = Result<T, AppError>;

fn not_running() -> AppError {
    AppError::invalid("The live link is not running: start it first.")
}

/// The running link's handle (cloned out of the lock, never awaited under it).
fn running(e: &Engine) -> Res<LiveLink> {
    e.link
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .live
        .clone()
        .ok_or_else(not_running)
}

/// The (scene, character) key of each given Maya session, for its overrides.
fn keys(e: &Engine, sessions: &[String], joints: &[String]) -> Vec<String> {
    let character = character_key(joints);
    sessions
        .iter()
        .map(|id| {
            let scene = e
                .workspace
                .list()
                .into_iter()
                .find(|v| v.id == *id)
                .and_then(|v| v.status.info.map(|i| i.scene))
                .unwrap_or_default();
            overrides::key(&scene, &character)
        })
        .collect()
}

pub async fn link_start(e: &Engine, a: LinkStartArgs) -> Res<LinkView> {
    if a.sessions.is_empty() {
        return Err(AppError::invalid(
            "Pick at least one Maya for the live link.",
        ));
    }
    let mosketch = e.mosketch.current().ok_or_else(|| {
        AppError::new(
            ErrorCode::Unreachable,
            "Not connected to Mosketch: connect first.",
        )
    })?;
    stop_running(e).await;
    let joints = mosketch
        .hierarchy()
        .borrow()
        .as_ref()
        .map(|h| h.joints.clone())
        .unwrap_or_default();
    let keys = keys(e, &a.sessions, &joints);
    let mut specs = Vec::with_capacity(a.sessions.len());
    for (id, key) in a.sessions.iter().zip(&keys) {
        let (session, address) = e.workspace.session_handle(id)?;
        let overrides = e.link_overrides().get(key);
        let host = address.ip().await?;
        specs.push(Arc::new(TargetSpecShared {
            session,
            host,
            overrides,
        }));
    }
    match LiveLink::start(mosketch, specs.clone()).await {
        Ok(live) => {
            e.set_link(Some(live), a.sessions);
            Ok(e.link_view.borrow().clone())
        }
        Err(err) => {
            // Nothing runs, but the artist sees the mapping table (running: false) and
            // can map by hand, then start again.
            let mut mayas = Vec::with_capacity(specs.len());
            for (id, spec) in a.sessions.iter().zip(&specs) {
                if let Ok((mapping, _)) = map_only(&spec.session, &joints, &spec.overrides).await {
                    mayas.push(TargetStatus {
                        session: id.clone(),
                        mapping,
                        ..Default::default()
                    });
                }
            }
            e.set_preview(a.sessions, mayas);
            Err(err)
        }
    }
}

pub async fn link_stop(e: &Engine, _: NoArgs) -> Res<()> {
    stop_running(e).await;
    e.set_link(None, vec![]);
    Ok(())
}

/// Stops the running link without telling the UI it stopped (a restart follows).
async fn stop_running(e: &Engine) {
    let live = e.link.lock().unwrap_or_else(|p| p.into_inner()).live.take();
    if let Some(live) = live {
        live.stop().await;
    }
}

pub async fn link_follow(e: &Engine, a: LinkFollowArgs) -> Res<()> {
    running(e)?.follow(a.maya, a.on).await
}

pub async fn link_send_maya_pose(e: &Engine, a: LinkMayaArgs) -> Res<u32> {
    Ok(running(e)?.send_maya_pose(a.maya).await? as u32)
}

/// Sets one pair (or "drive nothing") for a Maya of the running link, saves it for
/// that scene and character, and maps again.
pub async fn link_set_override(e: &Engine, a: LinkOverrideArgs) -> Res<LinkView> {
    let (sessions, key) = override_target(e, a.maya)?;
    {
        let mut store = e.link_overrides();
        let mut pairs = store.get(&key);
        if a.clear.unwrap_or(false) {
            pairs.remove(&a.mosketch);
        } else {
            pairs.insert(a.mosketch, a.node);
        }
        store.set(&key, pairs)?;
    }
    link_start(e, LinkStartArgs { sessions }).await
}

pub async fn link_export_overrides(e: &Engine, a: LinkFileArgs) -> Res<()> {
    let (_, key) = override_target(e, a.maya)?;
    let pairs = e.link_overrides().get(&key);
    overrides::export(std::path::Path::new(&a.path), &pairs)
}

pub async fn link_import_overrides(e: &Engine, a: LinkFileArgs) -> Res<LinkView> {
    let (sessions, key) = override_target(e, a.maya)?;
    let pairs = overrides::import(std::path::Path::new(&a.path))?;
    {
        e.link_overrides().set(&key, pairs)?;
    }
    link_start(e, LinkStartArgs { sessions }).await
}

/// The running link's sessions and the override key of its Maya #`maya`.
fn override_target(e: &Engine, maya: usize) -> Res<(Vec<String>, String)> {
    let sessions = e
        .link
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .sessions
        .clone();
    let id = sessions.get(maya).cloned().ok_or_else(not_running)?;
    let joints = e
        .mosketch
        .current()
        .and_then(|m| m.hierarchy().borrow().as_ref().map(|h| h.joints.clone()))
        .unwrap_or_default();
    let key = keys(e, &[id], &joints).remove(0);
    Ok((sessions, key))
}
