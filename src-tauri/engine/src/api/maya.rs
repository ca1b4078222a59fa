//! Maya sessions: add/edit/remove, connect/clean up, run, cancel, discovery,
//! console history, demo mode. Thin wrappers over `crate::workspace`.

use super::*;
use crate::maya::discovery;
use crate::AppError;

type Res<T> = Result<T, AppError>;

pub async fn maya_session_add(e: &Engine, a: SessionAddArgs) -> Res<SessionView> {
    e.workspace.add(a.spec)
}

pub async fn maya_session_update(e: &Engine, a: SessionUpdateArgs) -> Res<SessionView> {
    e.workspace.update(&a.id, a.spec).await
}

pub async fn maya_session_remove(e: &Engine, a: SessionIdArgs) -> Res<()> {
    e.workspace.remove(&a.id).await
}

pub async fn maya_session_set_active(e: &Engine, a: SessionIdArgs) -> Res<()> {
    e.workspace.set_active(&a.id)
}

pub async fn maya_session_connect(e: &Engine, a: SessionIdArgs) -> Res<MayaInfo> {
    e.workspace.connect(&a.id).await
}

pub async fn maya_session_cleanup(e: &Engine, a: SessionIdArgs) -> Res<CleanupReport> {
    e.workspace.disconnect(&a.id).await
}

pub async fn maya_run(e: &Engine, a: MayaRunArgs) -> Res<RunResult> {
    e.workspace
        .run(&a.id, &a.code, a.lang, a.options.unwrap_or_default())
        .await
}

pub async fn maya_run_all(e: &Engine, a: MayaRunAllArgs) -> Res<Vec<RunOutcome>> {
    Ok(e.workspace
        .run_all(&a.code, a.lang, a.options.unwrap_or_default())
        .await)
}

pub async fn maya_cancel(e: &Engine, a: SessionIdArgs) -> Res<()> {
    e.workspace.cancel(&a.id)
}

pub async fn maya_discover(_: &Engine, a: DiscoverArgs) -> Res<Vec<DiscoveredMaya>> {
    let pattern = a
        .pattern
        .unwrap_or_else(|| discovery::DEFAULT_PROCESS_PATTERN.to_string());
    tokio::task::spawn_blocking(move || discovery::discover(&pattern))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
}

pub async fn startup_warnings(e: &Engine, _: NoArgs) -> Res<Vec<String>> {
    Ok(e.workspace.startup_warnings())
}

pub async fn console_history(e: &Engine, a: ConsoleHistoryArgs) -> Res<ConsoleHistory> {
    Ok(e.workspace
        .history(&a.session, a.from, a.max.min(100_000) as usize))
}

pub async fn demo_start(e: &Engine, _: NoArgs) -> Res<()> {
    e.start_demo().await
}
