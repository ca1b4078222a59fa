//! Diagnostics: the doctor report and the log folder.

use mayalink_engine::{doctor, AppError, ErrorCode};
use tauri::AppHandle;
use tauri_plugin_opener::OpenerExt;

#[tauri::command]
pub async fn doctor() -> Result<doctor::DoctorReport, AppError> {
    // Port checks bind sockets: keep them off the async runtime's threads.
    tokio::task::spawn_blocking(|| doctor::report(mayalink_engine::VERSION))
        .await
        .map_err(|e| AppError::internal(e.to_string()))
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
