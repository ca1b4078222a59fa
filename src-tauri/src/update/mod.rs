//! Updating Mayalink itself with tauri-plugin-updater: check the release's latest.json,
//! download the offered package (the plugin verifies its signature against Mayalink's
//! key once the bytes are in, and nothing unverified is kept), install it where this copy
//! can be replaced, and the artist's "check at start" choice. Shell-only: the engine and
//! the browser host (`mayalink serve`) know nothing of updates.

pub mod errors;
mod install;
mod settings;
mod source;

use std::sync::Mutex;
use std::time::Duration;

use mayalink_engine::AppError;
use serde::Serialize;
use tauri::ipc::Channel;
#[cfg(windows)]
use tauri::Manager;
use tauri::{AppHandle, State};
use tauri_plugin_updater::Update;
use ts_rs::TS;

pub use install::UpdateInstall;
pub use settings::UpdateSettings;

/// A whole download may take this long (a slow line, a ~10 MB package).
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(600);

/// What a check found: always the running version, and the newer one on offer, if any.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UpdateCheck {
    pub current_version: String,
    pub offer: Option<UpdateOffer>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UpdateOffer {
    pub version: String,
    /// The release's date (RFC 3339), when latest.json gives one.
    pub date: Option<String>,
    /// The release notes, as written in the release.
    pub notes: Option<String>,
    pub install: UpdateInstall,
}

/// Download progress, at most a few times a second.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UpdateProgress {
    pub downloaded: u64,
    /// Null when the server did not say how big the package is.
    pub total: Option<u64>,
}

/// A downloaded package whose signature matched: ready to install.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UpdateDownloaded {
    pub version: String,
    pub bytes: u64,
}

/// The update last offered by a check, and its verified package once downloaded.
#[derive(Default)]
pub struct UpdateState {
    pending: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    update: Option<Update>,
    package: Option<Vec<u8>>,
}

impl UpdateState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // A panic elsewhere cannot leave `Pending` half-written: take it as it is.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[tauri::command]
pub async fn update_check<R: tauri::Runtime>(
    app: AppHandle<R>,
    state: State<'_, UpdateState>,
) -> Result<UpdateCheck, AppError> {
    let current_version = app.package_info().version.to_string();
    let found = source::updater(&app)?
        .check()
        .await
        .map_err(errors::from_updater)?;
    let page = source::release_page(&app);
    let offer = found.as_ref().map(|u| UpdateOffer {
        version: u.version.clone(),
        // The plugin has parsed it as RFC 3339 already; passed on as written.
        date: u
            .raw_json
            .get("pub_date")
            .and_then(|d| d.as_str())
            .map(str::to_owned),
        notes: u.body.clone().filter(|n| !n.trim().is_empty()),
        install: install::install_method(&app, page.as_deref()),
    });
    *state.lock() = Pending {
        update: found,
        package: None,
    };
    Ok(UpdateCheck {
        current_version,
        offer,
    })
}

/// Downloads the offered package; resolves only when its signature matches Mayalink's key.
#[tauri::command]
pub async fn update_download(
    state: State<'_, UpdateState>,
    on_progress: Channel<UpdateProgress>,
) -> Result<UpdateDownloaded, AppError> {
    let mut update = state
        .lock()
        .update
        .clone()
        .ok_or_else(|| AppError::invalid("No update is on offer: check for updates first."))?;
    update.timeout = Some(DOWNLOAD_TIMEOUT);
    let mut downloaded = 0u64;
    let mut last_sent = std::time::Instant::now();
    let package = update
        .download(
            |chunk, total| {
                downloaded += chunk as u64;
                if last_sent.elapsed() >= Duration::from_millis(150) {
                    last_sent = std::time::Instant::now();
                    let _ = on_progress.send(UpdateProgress { downloaded, total });
                }
            },
            || {},
        )
        .await
        .map_err(errors::from_updater)?;
    let _ = on_progress.send(UpdateProgress {
        downloaded: package.len() as u64,
        total: Some(package.len() as u64),
    });
    let done = UpdateDownloaded {
        version: update.version.clone(),
        bytes: package.len() as u64,
    };
    let mut pending = state.lock();
    // Keep it only if no newer check replaced the offer meanwhile.
    if pending.update.as_ref().map(|u| &u.version) == Some(&update.version) {
        pending.package = Some(package);
    }
    Ok(done)
}

/// Installs the downloaded package and restarts into it (Windows: its installer takes over).
#[tauri::command]
pub async fn update_install<R: tauri::Runtime>(
    app: AppHandle<R>,
    state: State<'_, UpdateState>,
) -> Result<(), AppError> {
    match install::install_method(&app, source::release_page(&app).as_deref()) {
        UpdateInstall::InApp => {}
        UpdateInstall::PackageManager { how, .. } => return Err(AppError::invalid(how)),
        UpdateInstall::Unavailable { reason } => return Err(AppError::invalid(reason)),
    }
    let (update, package) = {
        let pending = state.lock();
        match (&pending.update, &pending.package) {
            (Some(u), Some(p)) => (u.clone(), p.clone()),
            _ => {
                return Err(AppError::invalid(
                    "Download the update before installing it.",
                ))
            }
        }
    };
    tracing::info!(version = %update.version, "installing the update");
    // On Windows `install` starts the installer and ends this process itself, past
    // RunEvent::Exit: take Mayalink's callbacks out of every Maya first.
    #[cfg(windows)]
    if let Some(engine) = app.try_state::<mayalink_engine::api::Engine>() {
        engine.inner().clone().shutdown().await;
    }
    // `install` verifies the bytes again and writes files (or starts the Windows installer).
    tauri::async_runtime::spawn_blocking(move || update.install(package))
        .await
        .map_err(|e| AppError::internal(format!("The installer stopped: {e}")))?
        .map_err(errors::from_updater)?;
    // From a command's thread this exits through RunEvent::Exit (the engine shuts down
    // there, the single-instance lock is released), then starts the new version.
    app.restart()
}

#[tauri::command]
pub fn update_settings_get<R: tauri::Runtime>(app: AppHandle<R>) -> UpdateSettings {
    settings::load(&app)
}

#[tauri::command]
pub fn update_settings_set<R: tauri::Runtime>(
    app: AppHandle<R>,
    settings: UpdateSettings,
) -> Result<(), AppError> {
    settings::save(&app, settings)
}
