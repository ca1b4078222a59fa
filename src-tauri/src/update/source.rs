//! Where updates come from and which key they must be signed with: the committed
//! `plugins.updater` config (the GitHub release's latest.json and Mayalink's public key).

use tauri_plugin_updater::{Updater, UpdaterExt};

use super::errors::from_updater;
use mayalink_engine::AppError;

/// How long a check may take before it counts as unreachable.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// The updater the app uses: the committed endpoint and key, except in debug builds.
pub fn updater<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Result<Updater, AppError> {
    #[cfg_attr(not(debug_assertions), allow(unused_mut))]
    let mut builder = app.updater_builder().timeout(CHECK_TIMEOUT);
    // Debug builds only: the end-to-end tests point the real app at a local server and a
    // throwaway key made in the test, without a release and without our private key.
    // Release builds never read these variables, so they trust only the committed key.
    #[cfg(debug_assertions)]
    {
        if let Ok(endpoint) = std::env::var("MAYALINK_UPDATE_ENDPOINT") {
            let url = endpoint.parse().map_err(|e| {
                AppError::invalid(format!("MAYALINK_UPDATE_ENDPOINT {endpoint:?}: {e}"))
            })?;
            builder = builder.endpoints(vec![url]).map_err(from_updater)?;
        }
        if let Ok(pubkey) = std::env::var("MAYALINK_UPDATE_PUBKEY") {
            builder = builder.pubkey(pubkey);
        }
    }
    builder.build().map_err(from_updater)
}

/// The page a person downloads packages from, from the configured endpoint.
pub fn release_page<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Option<String> {
    let endpoints = app.config().plugins.0.get("updater")?.get("endpoints")?;
    release_page_of(endpoints.get(0)?.as_str()?)
}

/// GitHub's `…/releases/latest` for a `…/releases/latest/download/latest.json` endpoint.
fn release_page_of(endpoint: &str) -> Option<String> {
    endpoint
        .strip_suffix("/download/latest.json")
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::release_page_of;

    #[test]
    fn the_release_page_is_the_endpoint_without_its_download_path() {
        assert_eq!(
            release_page_of("https://github.com/o/mayalink/releases/latest/download/latest.json")
                .as_deref(),
            Some("https://github.com/o/mayalink/releases/latest")
        );
        assert_eq!(
            release_page_of("https://updates.example/mayalink.json"),
            None
        );
    }
}
