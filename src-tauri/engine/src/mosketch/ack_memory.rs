//! Which hierarchy-ack spelling each Mosketch server accepted, remembered across
//! sessions (the app's and the CLI's alike) so that the next connection to the same
//! address tries that one first and needs no retry.
//!
//! A small JSON file, `<config dir>/mayalink/mosketch-acks.json` (or
//! `$MAYALINK_CONFIG_DIR/mosketch-acks.json`), written atomically (temp file +
//! rename). It is a cache: a missing or unreadable file is an empty one, and a
//! failed write costs a retry next time, never the session.

use super::command::HierarchyAckSpelling;
use crate::console::now_ms;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Servers remembered at most; the least recently confirmed ones are forgotten first.
pub const MAX_SERVERS: usize = 64;

const FILE_NAME: &str = "mosketch-acks.json";

/// `<config dir>/mayalink/mosketch-acks.json` unless `MAYALINK_CONFIG_DIR` says otherwise.
pub fn default_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("MAYALINK_CONFIG_DIR") {
        return PathBuf::from(dir).join(FILE_NAME);
    }
    dirs::config_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("mayalink")
        .join(FILE_NAME)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AckFile {
    #[serde(default)]
    servers: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    ack_spelling: HierarchyAckSpelling,
    /// When this spelling was last confirmed (ms since the Unix epoch).
    #[serde(default)]
    confirmed_ms: u64,
}

/// The remembered spellings in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckMemory {
    path: PathBuf,
}

impl AckMemory {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self) -> AckFile {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(path = %self.path.display(), "ignoring an unreadable Mosketch ack memory: {e}");
                AckFile::default()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => AckFile::default(),
            Err(e) => {
                tracing::warn!(path = %self.path.display(), "cannot read the Mosketch ack memory: {e}");
                AckFile::default()
            }
        }
    }

    /// The spelling `address` (host:port) accepted last time, if any.
    pub fn recall(&self, address: &str) -> Option<HierarchyAckSpelling> {
        self.load().servers.get(address).map(|e| e.ack_spelling)
    }

    /// Records that `address` accepted `spelling`.
    pub fn remember(&self, address: &str, spelling: HierarchyAckSpelling) -> std::io::Result<()> {
        let mut file = self.load();
        file.servers.insert(
            address.to_string(),
            Entry {
                ack_spelling: spelling,
                confirmed_ms: now_ms(),
            },
        );
        while file.servers.len() > MAX_SERVERS {
            let oldest = file
                .servers
                .iter()
                .filter(|(a, _)| a.as_str() != address)
                .min_by_key(|(_, e)| e.confirmed_ms)
                .map(|(a, _)| a.clone());
            match oldest {
                Some(a) => file.servers.remove(&a),
                None => break,
            };
        }
        self.save(&file)
    }

    fn save(&self, file: &AckFile) -> std::io::Result<()> {
        // Two sessions (the app and a CLI) may write at once: each through its own temp file.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension(format!(
            "json.{}-{}.tmp",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let bytes = serde_json::to_vec_pretty(file).expect("ack memory serializes");
        std::fs::write(&tmp, bytes)
            .and_then(|_| std::fs::rename(&tmp, &self.path))
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HierarchyAckSpelling::{
        AckHierarchyInitialized as Documented, HierarchyInitializedAck as Late,
    };

    #[test]
    fn remembers_per_address_across_instances() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/mosketch-acks.json");
        let m = AckMemory::new(&path);
        assert_eq!(m.recall("127.0.0.1:16094"), None);
        m.remember("127.0.0.1:16094", Late).unwrap();
        m.remember("studio-pc:16094", Documented).unwrap();
        let again = AckMemory::new(&path);
        assert_eq!(again.recall("127.0.0.1:16094"), Some(Late));
        assert_eq!(again.recall("studio-pc:16094"), Some(Documented));
        assert_eq!(again.recall("127.0.0.1:16095"), None);
        again.remember("127.0.0.1:16094", Documented).unwrap();
        assert_eq!(m.recall("127.0.0.1:16094"), Some(Documented));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\"ackSpelling\": \"AckHierarchyInitialized\""),
            "{text}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    }

    #[test]
    fn an_unreadable_file_is_an_empty_memory_and_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mosketch-acks.json");
        std::fs::write(&path, b"{not json").unwrap();
        let m = AckMemory::new(&path);
        assert_eq!(m.recall("a:1"), None);
        m.remember("a:1", Late).unwrap();
        assert_eq!(m.recall("a:1"), Some(Late));
    }

    #[test]
    fn keeps_at_most_max_servers_forgetting_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let m = AckMemory::new(dir.path().join("mosketch-acks.json"));
        for i in 0..MAX_SERVERS + 3 {
            m.remember(&format!("host:{i}"), Late).unwrap();
        }
        let file = m.load();
        assert_eq!(file.servers.len(), MAX_SERVERS);
        assert!(file
            .servers
            .contains_key(&format!("host:{}", MAX_SERVERS + 2)));
    }

    #[cfg(unix)]
    #[test]
    fn a_failed_write_is_an_error_and_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("not-a-dir");
        std::fs::write(&blocked, b"").unwrap();
        let m = AckMemory::new(blocked.join("mosketch-acks.json"));
        assert!(m.remember("a:1", Late).is_err());
        assert_eq!(m.recall("a:1"), None);
    }
}
