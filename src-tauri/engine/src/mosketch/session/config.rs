//! The session's settings ([`MosketchConfig`]: address, handshake choices, timeouts,
//! where the accepted ack spelling is remembered) and the message for an address
//! where nothing listens.

use crate::mosketch::ack_memory;
use crate::mosketch::codec::DEFAULT_MAX_PACKET_BYTES;
use crate::mosketch::command::{HierarchyAckSpelling, JointSpace, OrientMode};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use ts_rs::TS;

pub const DEFAULT_PORT: u16 = 16094;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct MosketchConfig {
    pub host: String,
    pub port: u16,
    /// The spelling tried first, unless this server's accepted one is remembered.
    pub ack_spelling: HierarchyAckSpelling,
    pub joint_space: JointSpace,
    pub orient_mode: OrientMode,
    /// When no JointsUuids (and no frame) follows the hierarchy ack within this, the
    /// ack is sent again in the other spelling; when that one too goes unanswered as
    /// long, the session gives up.
    pub uuids_timeout_ms: u64,
    /// Reconnect after a lost or refused connection; when false the session waits in
    /// `failed` until `reconnect_now`.
    pub reconnect: bool,
    pub reconnect_initial_ms: u64,
    pub reconnect_max_ms: u64,
    pub connect_timeout_ms: u64,
    /// Abandon a packet left incomplete this long (a truncated packet can swallow the next).
    pub stall_timeout_ms: u64,
    pub max_packet_bytes: usize,
    /// How many recent frames the ack latency percentiles cover.
    pub latency_samples: usize,
    /// Streaming, but no frame for this long (the connection still open): the status
    /// carries a warning until frames come again.
    pub silence_warning_ms: u64,
    /// A write to Mosketch (an ack, a command, a pose) that cannot complete this long
    /// means Mosketch stopped reading: the command fails and the link reconnects.
    pub write_timeout_ms: u64,
    /// The file where the ack spelling each server accepted is remembered (default
    /// [`ack_memory::default_path`]); `None`: neither read nor written. Not a setting
    /// the UI sees: the app and the CLI share the default file, tests pass their own.
    #[serde(skip, default = "default_ack_memory")]
    #[ts(skip)]
    pub ack_memory: Option<PathBuf>,
}

fn default_ack_memory() -> Option<PathBuf> {
    Some(ack_memory::default_path())
}

impl Default for MosketchConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: DEFAULT_PORT,
            ack_spelling: HierarchyAckSpelling::default(),
            joint_space: JointSpace::default(),
            orient_mode: OrientMode::default(),
            uuids_timeout_ms: 3000,
            reconnect: true,
            reconnect_initial_ms: 500,
            reconnect_max_ms: 10_000,
            connect_timeout_ms: 3000,
            stall_timeout_ms: 1000,
            max_packet_bytes: DEFAULT_MAX_PACKET_BYTES,
            latency_samples: 1024,
            silence_warning_ms: 3000,
            write_timeout_ms: 3000,
            ack_memory: default_ack_memory(),
        }
    }
}

impl MosketchConfig {
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// The artist-facing message when nothing listens at the address.
pub fn not_reachable_message(address: &str) -> String {
    format!(
        "Mosketch's streaming server is not reachable at {address} — enable streaming in Mosketch"
    )
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn a_config_from_json_remembers_acks_in_the_default_file_and_never_shows_it() {
        // The app's config comes from the UI as JSON: the memory is on for it too.
        let c: MosketchConfig = serde_json::from_str(r#"{"port": 16095}"#).unwrap();
        assert_eq!(c.ack_memory, Some(ack_memory::default_path()));
        assert_eq!(c.ack_memory, MosketchConfig::default().ack_memory);
        let json = serde_json::to_string(&c).unwrap();
        assert!(!json.contains("ackMemory"), "{json}");
        assert!(ack_memory::default_path().ends_with("mosketch-acks.json"));
    }
}
