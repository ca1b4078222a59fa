//! How this copy of Mayalink can take an update: in the app (AppImage, Windows
//! installers, macOS app), through the system's package manager (.deb, .rpm: the
//! artist installs the new package), or not at all (a build that was not installed).

use serde::Serialize;
use tauri::utils::{config::BundleType, platform::bundle_type};
#[cfg(target_os = "linux")]
use tauri::Manager;
use ts_rs::TS;

/// How the offered update gets installed on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum UpdateInstall {
    /// "Download & install" replaces this app and restarts it.
    InApp,
    /// Installed from a .deb or .rpm: the system's package manager owns the files, so the
    /// artist installs the new package (`how` says the command).
    PackageManager { package: String, how: String },
    /// A development or test build, not installed from a package: nothing to replace.
    Unavailable { reason: String },
}

pub fn install_method<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    release_page: Option<&str>,
) -> UpdateInstall {
    let from = release_page
        .map(|p| format!(" from {p}"))
        .unwrap_or_default();
    // The updater replaces the AppImage file the app was started from (APPIMAGE).
    #[cfg(target_os = "linux")]
    if app.env().appimage.is_some() {
        return UpdateInstall::InApp;
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
    match bundle_type() {
        Some(BundleType::Deb) => UpdateInstall::PackageManager {
            package: "deb".into(),
            how: format!(
                "Mayalink was installed from a .deb package: download the new .deb{from} and \
                 install it with `sudo apt install ./Mayalink_<version>_amd64.deb`."
            ),
        },
        Some(BundleType::Rpm) => UpdateInstall::PackageManager {
            package: "rpm".into(),
            how: format!(
                "Mayalink was installed from an .rpm package: download the new .rpm{from} and \
                 install it with `sudo dnf install ./Mayalink-<version>-1.x86_64.rpm`."
            ),
        },
        Some(BundleType::Nsis | BundleType::Msi | BundleType::App) => UpdateInstall::InApp,
        _ => UpdateInstall::Unavailable {
            reason: format!(
                "This is a development build, not an installed Mayalink: it can check and \
                 download updates but not install them. Install Mayalink{from} to update it."
            ),
        },
    }
}
