//! The command editor's files: open/save scripts the user picked in a dialog,
//! and the autosave of every tab (so no typed script is ever lost).

use mayalink_engine::{AppError, ErrorCode};
use std::path::PathBuf;

type Res<T> = Result<T, AppError>;

fn io_err(what: &str, path: &std::path::Path, e: std::io::Error) -> AppError {
    let hint = match e.raw_os_error() {
        Some(28) => {
            " — the disk is full; free some space and save again (your text is still in the editor)"
        }
        _ => "",
    };
    AppError::new(
        ErrorCode::Io,
        format!("Could not {what} {}: {e}{hint}", path.display()),
    )
}

#[tauri::command]
pub async fn editor_read_file(path: String) -> Res<String> {
    let p = PathBuf::from(&path);
    let bytes = tokio::fs::read(&p)
        .await
        .map_err(|e| io_err("open", &p, e))?;
    // Scripts from Windows machines may be in a legacy code page: never refuse them.
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

#[tauri::command]
pub async fn editor_write_file(path: String, text: String) -> Res<()> {
    let p = PathBuf::from(&path);
    write_atomic(&p, text.as_bytes())
        .await
        .map_err(|e| io_err("save", &p, e))
}

/// Where open tabs are autosaved: `<config>/mayalink/tabs.json`.
fn tabs_path() -> PathBuf {
    mayalink_engine::workspace::saved::default_path().with_file_name("tabs.json")
}

#[tauri::command]
pub async fn editor_tabs_load() -> Res<Option<String>> {
    let p = tabs_path();
    match tokio::fs::read_to_string(&p).await {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("read autosaved tabs from", &p, e)),
    }
}

#[tauri::command]
pub async fn editor_tabs_save(state: String) -> Res<()> {
    let p = tabs_path();
    write_atomic(&p, state.as_bytes())
        .await
        .map_err(|e| io_err("autosave tabs to", &p, e))
}

async fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let tmp = path.with_extension("mayalink-tmp");
    let r = async {
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, path).await
    }
    .await;
    if r.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    r
}
