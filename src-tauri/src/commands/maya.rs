//! Maya sessions: add/edit/remove, connect/clean up, run, cancel, discovery,
//! console history. Thin wrappers over `mayalink_engine::workspace`.

use crate::AppState;
use mayalink_engine::maya::discovery::{self, DiscoveredMaya};
use mayalink_engine::maya::session::CleanupReport;
use mayalink_engine::maya::{Language, MayaInfo, RunOptions, RunResult};
use mayalink_engine::workspace::{ConsoleHistory, RunOutcome, SessionSpec, SessionView};
use mayalink_engine::AppError;
use std::time::Duration;
use tauri::ipc::Channel;
use tauri::State;

type Res<T> = Result<T, AppError>;

/// Sends the full session list now and on every change (coalesced to one per
/// frame): status changes are rare, and a full list keeps the UI stateless.
#[tauri::command]
pub async fn maya_sessions_subscribe(
    state: State<'_, AppState>,
    on_update: Channel<Vec<SessionView>>,
) -> Res<()> {
    let ws = state.workspace.clone();
    let mut changes = ws.changes();
    on_update
        .send(ws.list())
        .map_err(|e| AppError::internal(e.to_string()))?;
    tauri::async_runtime::spawn(async move {
        while changes.changed().await.is_ok() {
            tokio::time::sleep(Duration::from_millis(16)).await;
            changes.borrow_and_update();
            if on_update.send(ws.list()).is_err() {
                break;
            }
        }
    });
    Ok(())
}

#[tauri::command]
pub async fn maya_session_add(state: State<'_, AppState>, spec: SessionSpec) -> Res<SessionView> {
    // async: sessions spawn their task on the runtime.
    state.workspace.add(spec)
}

#[tauri::command]
pub async fn maya_session_update(
    state: State<'_, AppState>,
    id: String,
    spec: SessionSpec,
) -> Res<SessionView> {
    state.workspace.update(&id, spec).await
}

#[tauri::command]
pub async fn maya_session_remove(state: State<'_, AppState>, id: String) -> Res<()> {
    state.workspace.remove(&id).await
}

#[tauri::command]
pub async fn maya_session_set_active(state: State<'_, AppState>, id: String) -> Res<()> {
    state.workspace.set_active(&id)
}

#[tauri::command]
pub async fn maya_session_connect(state: State<'_, AppState>, id: String) -> Res<MayaInfo> {
    state.workspace.connect(&id).await
}

/// "Clean up": removes this session's callback and helper state in Maya.
#[tauri::command]
pub async fn maya_session_cleanup(state: State<'_, AppState>, id: String) -> Res<CleanupReport> {
    state.workspace.disconnect(&id).await
}

#[tauri::command]
pub async fn maya_run(
    state: State<'_, AppState>,
    id: String,
    code: String,
    lang: Language,
    options: Option<RunOptions>,
) -> Res<RunResult> {
    state
        .workspace
        .run(&id, &code, lang, options.unwrap_or_default())
        .await
}

#[tauri::command]
pub async fn maya_run_all(
    state: State<'_, AppState>,
    code: String,
    lang: Language,
    options: Option<RunOptions>,
) -> Res<Vec<RunOutcome>> {
    Ok(state
        .workspace
        .run_all(&code, lang, options.unwrap_or_default())
        .await)
}

#[tauri::command]
pub fn maya_cancel(state: State<'_, AppState>, id: String) -> Res<()> {
    state.workspace.cancel(&id)
}

#[tauri::command]
pub async fn maya_discover(pattern: Option<String>) -> Res<Vec<DiscoveredMaya>> {
    let pattern = pattern.unwrap_or_else(|| discovery::DEFAULT_PROCESS_PATTERN.to_string());
    tokio::task::spawn_blocking(move || discovery::discover(&pattern))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
}

#[tauri::command]
pub fn console_history(
    state: State<'_, AppState>,
    session: String,
    from: u64,
    max: u32,
) -> Res<ConsoleHistory> {
    Ok(state
        .workspace
        .history(&session, from, max.min(100_000) as usize))
}
