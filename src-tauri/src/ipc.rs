//! The shell's IPC: the engine's whole command map behind one Tauri command,
//! `api`, and its streams behind `api_subscribe` (a Channel each). What only a
//! desktop window can do (open a folder; dialogs and the clipboard are plugins
//! called from the UI) stays here.

use mayalink_engine::api::{self, Engine};
use mayalink_engine::{AppError, ErrorCode};
use tauri::ipc::{Channel, InvokeResponseBody, Response};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

/// Runs one command of the engine's map (`ui/src/bindings/ApiSchema.ts`).
#[tauri::command]
pub async fn api(
    engine: State<'_, Engine>,
    call: String,
    args: serde_json::Value,
) -> Result<Response, AppError> {
    let engine = engine.inner().clone();
    let json = api::dispatch(&engine, &call, args).await?;
    Ok(Response::new(InvokeResponseBody::Json(json)))
}

/// Starts one stream of the map (`ui/src/bindings/ApiStreams.ts`) into a Channel;
/// it ends when the webview goes away (a send fails).
#[tauri::command]
pub async fn api_subscribe(
    engine: State<'_, Engine>,
    stream: String,
    on_message: Channel<InvokeResponseBody>,
) -> Result<(), AppError> {
    api::subscribe(&engine, &stream, move |json| {
        on_message.send(InvokeResponseBody::Json(json)).is_ok()
    })
}

#[tauri::command]
pub async fn open_log_folder<R: tauri::Runtime>(app: AppHandle<R>) -> Result<(), AppError> {
    let dir = mayalink_engine::logging::log_dir();
    std::fs::create_dir_all(&dir)?;
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| {
            AppError::new(
                ErrorCode::Io,
                format!("Could not open {}: {e}", dir.display()),
            )
        })
}
