//! The artist's mapping choices, kept per (Maya scene, Mosketch character) in
//! `link-mappings.json` beside the saved sessions, and exported or imported as a
//! small JSON file (`mayalink-mapping/1`) to share a rig's mapping.

use super::Overrides;
use crate::{AppError, ErrorCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "mayalink-mapping/1";

/// A character is known by its joint names (Mosketch gives no other identity).
pub fn character_key(joints: &[String]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in joints.join("\n").bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    format!("{}-joints-{h:016x}", joints.len())
}

pub fn key(scene: &str, character: &str) -> String {
    format!("{scene}|{character}")
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Stored {
    #[serde(default)]
    mappings: BTreeMap<String, Overrides>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Exported {
    format: String,
    pairs: Overrides,
}

/// The store: a file, or memory when the engine has no config folder (tests).
#[derive(Debug, Default)]
pub struct OverrideStore {
    path: Option<PathBuf>,
    memory: BTreeMap<String, Overrides>,
}

impl OverrideStore {
    pub fn new(config_dir: Option<&Path>) -> Self {
        Self {
            path: config_dir.map(|d| d.join("link-mappings.json")),
            memory: BTreeMap::new(),
        }
    }

    fn load(&self) -> BTreeMap<String, Overrides> {
        match &self.path {
            None => self.memory.clone(),
            // A corrupt file counts as empty; the next save rewrites it whole.
            Some(p) => std::fs::read(p)
                .ok()
                .and_then(|b| serde_json::from_slice::<Stored>(&b).ok())
                .map(|s| s.mappings)
                .unwrap_or_default(),
        }
    }

    pub fn get(&self, key: &str) -> Overrides {
        self.load().remove(key).unwrap_or_default()
    }

    pub fn set(&mut self, key: &str, overrides: Overrides) -> Result<(), AppError> {
        let mut all = self.load();
        if overrides.is_empty() {
            all.remove(key);
        } else {
            all.insert(key.to_string(), overrides);
        }
        match &self.path {
            None => {
                self.memory = all;
                Ok(())
            }
            Some(p) => write_json(p, &Stored { mappings: all }),
        }
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), AppError> {
    let io = |e: std::io::Error| {
        AppError::new(
            ErrorCode::Io,
            format!("Could not write {}: {e}", path.display()),
        )
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("mayalink-tmp");
    let text = serde_json::to_vec_pretty(value).map_err(|e| AppError::internal(e.to_string()))?;
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

pub fn export(path: &Path, pairs: &Overrides) -> Result<(), AppError> {
    write_json(
        path,
        &Exported {
            format: FORMAT.into(),
            pairs: pairs.clone(),
        },
    )
}

pub fn import(path: &Path) -> Result<Overrides, AppError> {
    let bytes = std::fs::read(path).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("Could not read {}: {e}", path.display()),
        )
    })?;
    let e: Exported = serde_json::from_slice(&bytes).map_err(|e| {
        AppError::invalid(format!(
            "{} is not a Mayalink mapping file: {e}",
            path.display()
        ))
    })?;
    if e.format != FORMAT {
        return Err(AppError::invalid(format!(
            "{} is a {:?} file, not {FORMAT}",
            path.display(),
            e.format
        )));
    }
    Ok(e.pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_are_kept_per_scene_and_character_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["Hips".to_string(), "Spine".to_string()];
        let k = key("/shots/a.ma", &character_key(&names));
        let pairs = Overrides::from([("Hips".to_string(), Some("|b:Hips".to_string()))]);
        OverrideStore::new(Some(dir.path()))
            .set(&k, pairs.clone())
            .unwrap();
        let again = OverrideStore::new(Some(dir.path()));
        assert_eq!(again.get(&k), pairs);
        assert!(again
            .get(&key("/shots/b.ma", &character_key(&names)))
            .is_empty());
        // Another character in the same scene has its own.
        assert!(again
            .get(&key("/shots/a.ma", &character_key(&names[..1])))
            .is_empty());
    }

    #[test]
    fn export_and_import_round_trip_and_foreign_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rig.mapping.json");
        let pairs = Overrides::from([("Head".to_string(), None)]);
        export(&p, &pairs).unwrap();
        assert_eq!(import(&p).unwrap(), pairs);
        std::fs::write(&p, r#"{"format":"other/2","pairs":{}}"#).unwrap();
        assert!(import(&p)
            .unwrap_err()
            .message
            .contains("not mayalink-mapping/1"));
        std::fs::write(&p, "garbage").unwrap();
        assert_eq!(import(&p).unwrap_err().code, ErrorCode::InvalidInput);
    }
}
