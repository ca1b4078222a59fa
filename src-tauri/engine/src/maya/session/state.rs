//! What a session is configured with (`SessionConfig`) and what it reports to the
//! app: its state, its status and the outcome of a clean-up.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use ts_rs::TS;

use crate::error::AppError;
use crate::maya::address::MayaAddress;
use crate::maya::protocol::MayaInfo;

#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Stable id: keys this session's callback in Maya, so a reconnect replaces
    /// its own callback and clean-up never touches another session's.
    pub id: String,
    pub name: String,
    pub address: MayaAddress,
    /// Release the port after this long without work.
    pub idle_release: Duration,
    pub connect_timeout: Duration,
    /// For the helper's own calls (install, info, clean-up).
    pub call_timeout: Duration,
    /// For user code; `None` waits as long as Maya takes (the UI offers cancel).
    pub run_timeout: Option<Duration>,
    /// Stream Maya's output to the app (installs the output callback).
    pub output: bool,
    /// Heartbeat silence after which Maya counts as gone (and reconnect starts).
    pub liveness_timeout: Duration,
}

impl SessionConfig {
    pub fn new(id: impl Into<String>, name: impl Into<String>, address: MayaAddress) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            address,
            idle_release: Duration::from_millis(500),
            connect_timeout: Duration::from_secs(3),
            call_timeout: Duration::from_secs(15),
            run_timeout: None,
            output: true,
            liveness_timeout: Duration::from_secs(4),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "state",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum SessionState {
    Connecting,
    Connected,
    /// A run is in progress since `since_ms` (Unix ms).
    Busy {
        since_ms: u64,
    },
    /// Maya went away; the next attempt is in `in_ms`.
    Reconnecting {
        in_ms: u64,
        attempt: u32,
    },
    Lost {
        reason: String,
    },
    Disconnected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SessionStatus {
    pub id: String,
    pub name: String,
    pub address: String,
    pub state: SessionState,
    pub info: Option<MayaInfo>,
    /// Heartbeats from the helper are arriving (Maya is up) without holding the port.
    pub alive: bool,
    /// The connection is currently held (a request in flight or just finished).
    pub holding_port: bool,
    pub last_error: Option<AppError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CleanupReport {
    /// The helper confirmed it removed this session's callback.
    pub callback_removed: bool,
    /// Maya could not be reached: nothing left to remove there.
    pub maya_gone: bool,
}
