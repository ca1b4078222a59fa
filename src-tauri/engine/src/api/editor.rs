//! The command editor's files: open/save scripts by path, and the autosave of
//! every tab (so no typed script is ever lost).

use super::{Engine, NoArgs, PathArgs, TabsSaveArgs, WriteFileArgs};
use crate::{AppError, ErrorCode};
use std::path::{Path, PathBuf};

type Res<T> = Result<T, AppError>;

fn io_err(what: &str, path: &Path, e: std::io::Error) -> AppError {
    let hint = match e.raw_os_error() {
        Some(28) => {
            " — the disk is full; free some space and save again (your text is still in the editor)"
        }
        _ => "",
    };
    let message = format!("Could not {what} {}: {e}{hint}", path.display());
    tracing::warn!("{message}");
    AppError::new(ErrorCode::Io, message)
}

pub async fn editor_read_file(_: &Engine, a: PathArgs) -> Res<String> {
    let p = PathBuf::from(&a.path);
    let bytes = tokio::fs::read(&p)
        .await
        .map_err(|e| io_err("open", &p, e))?;
    // Scripts from Windows machines may be in a legacy code page: never refuse them.
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

pub async fn editor_write_file(_: &Engine, a: WriteFileArgs) -> Res<()> {
    let p = PathBuf::from(&a.path);
    write_atomic(&p, a.text.as_bytes())
        .await
        .map_err(|e| io_err("save", &p, e))
}

pub async fn editor_tabs_load(e: &Engine, _: NoArgs) -> Res<Option<String>> {
    let Some(p) = e.tabs_path() else {
        return Ok(e
            .tabs_in_memory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone());
    };
    match tokio::fs::read_to_string(&p).await {
        Ok(s) => Ok(Some(s)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(io_err("read autosaved tabs from", &p, err)),
    }
}

pub async fn editor_tabs_save(e: &Engine, a: TabsSaveArgs) -> Res<()> {
    let Some(p) = e.tabs_path() else {
        *e.tabs_in_memory.lock().unwrap_or_else(|p| p.into_inner()) = Some(a.state);
        return Ok(());
    };
    write_atomic(&p, a.state.as_bytes())
        .await
        .map_err(|err| io_err("autosave tabs to", &p, err))
}

async fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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
