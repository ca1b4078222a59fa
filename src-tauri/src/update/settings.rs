//! The artist's updater preference, kept beside the window state in the app's config
//! folder: whether Mayalink quietly checks for an update when it starts.

use mayalink_engine::AppError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tauri::Manager;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct UpdateSettings {
    /// Check quietly at start; an update found shows as a notice in the status bar.
    pub check_at_start: bool,
}

impl Default for UpdateSettings {
    fn default() -> Self {
        Self {
            check_at_start: true,
        }
    }
}

fn file<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Result<PathBuf, AppError> {
    let dir = app
        .path()
        .app_config_dir()
        .map_err(|e| AppError::internal(format!("No config folder for the updater: {e}")))?;
    Ok(dir.join("updater.json"))
}

/// The saved settings; defaults when there are none or the file is unreadable (a broken
/// file must not stop the app, and the next save replaces it).
pub fn load<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> UpdateSettings {
    file(app).map(|f| read(&f)).unwrap_or_default()
}

pub fn save<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    settings: UpdateSettings,
) -> Result<(), AppError> {
    write(&file(app)?, settings)
}

fn read(path: &Path) -> UpdateSettings {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn write(path: &Path, settings: UpdateSettings) -> Result<(), AppError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let json = serde_json::to_vec_pretty(&settings)
        .map_err(|e| AppError::internal(format!("Could not encode the settings: {e}")))?;
    // Write then rename: a crash mid-write leaves the old file, not half a new one.
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_choice_is_read_back_and_a_broken_file_means_the_default() {
        let dir = std::env::temp_dir().join(format!("mayalink-updater-{}", std::process::id()));
        let path = dir.join("updater.json");
        assert_eq!(read(&path), UpdateSettings::default());
        write(
            &path,
            UpdateSettings {
                check_at_start: false,
            },
        )
        .unwrap();
        assert!(!read(&path).check_at_start);
        std::fs::write(&path, b"{not json").unwrap();
        assert!(read(&path).check_at_start);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
