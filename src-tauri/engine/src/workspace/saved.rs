//! The sessions an artist set up, saved as JSON so they come back at the next
//! start. Written atomically (temp file + rename): a crash or a full disk never
//! leaves a half-written file, and a failed save is reported, not fatal.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SessionSpec {
    pub name: String,
    /// What the artist typed: host:port, :port, or a Unix socket path.
    pub address: String,
    /// A CSS colour for the session's tag in the sidebar and console.
    #[serde(default)]
    pub color: Option<String>,
    /// Connect when the app starts.
    #[serde(default = "yes")]
    pub auto_connect: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedSession {
    pub id: String,
    #[serde(flatten)]
    pub spec: SessionSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedSessions {
    #[serde(default)]
    pub sessions: Vec<SavedSession>,
    #[serde(default)]
    pub active: Option<String>,
}

/// `<data dir>/mayalink/sessions.json` unless `MAYALINK_CONFIG_DIR` says otherwise.
pub fn default_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("MAYALINK_CONFIG_DIR") {
        return PathBuf::from(dir).join("sessions.json");
    }
    dirs::config_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("mayalink")
        .join("sessions.json")
}

/// A missing file is an empty list; a corrupt one is kept aside (never lost) and
/// reported.
pub fn load(path: &Path) -> (SavedSessions, Option<String>) {
    match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (SavedSessions::default(), None),
        Err(e) => (
            SavedSessions::default(),
            Some(format!(
                "Could not read saved sessions ({}): {e}",
                path.display()
            )),
        ),
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(s) => (s, None),
            Err(e) => {
                let aside = path.with_extension("json.corrupt");
                let kept = match std::fs::rename(path, &aside) {
                    Ok(()) => format!("the file was kept as {}", aside.display()),
                    // Left in place: the next save replaces it, so say where it is now.
                    Err(re) => format!(
                        "it could not be set aside ({re}) and stays at {} until the next save",
                        path.display()
                    ),
                };
                (
                    SavedSessions::default(),
                    Some(format!(
                        "Saved sessions were unreadable ({e}); {kept}. Mayalink started without them."
                    )),
                )
            }
        },
    }
}

pub fn save(path: &Path, sessions: &SavedSessions) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec_pretty(sessions).expect("sessions serialize");
    std::fs::write(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SavedSessions {
        SavedSessions {
            sessions: vec![SavedSession {
                id: "a".into(),
                spec: SessionSpec {
                    name: "Anim".into(),
                    address: ":7001".into(),
                    color: Some("#4ec9b0".into()),
                    auto_connect: true,
                },
            }],
            active: Some("a".into()),
        }
    }

    #[test]
    fn round_trips_through_disk() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s/sessions.json");
        save(&p, &sample()).unwrap();
        assert_eq!(load(&p), (sample(), None));
    }

    #[test]
    fn a_corrupt_file_is_kept_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sessions.json");
        std::fs::write(&p, b"{not json").unwrap();
        let (s, warning) = load(&p);
        assert!(s.sessions.is_empty());
        assert!(warning.unwrap().contains("unreadable"));
        assert!(dir.path().join("sessions.json.corrupt").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_full_disk_is_an_error_not_a_panic() {
        if !Path::new("/dev/full").exists() {
            return;
        }
        // Writing to /dev/full fails with ENOSPC: exactly what a full disk does.
        let e = std::fs::write("/dev/full", b"x").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(28));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sessions.json");
        std::os::unix::fs::symlink("/dev/full", p.with_extension("json.tmp")).unwrap();
        assert!(save(&p, &sample()).is_err());
        assert!(!p.exists());
    }
}
