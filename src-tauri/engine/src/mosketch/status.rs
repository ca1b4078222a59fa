//! What the UI and the CLI see of a session: its connection state, settings and
//! stats (a watch, newest wins), the hierarchy, and the rare notices (events).

use super::command::{HierarchyAckSpelling, JointSpace, OrientMode};
use super::stats::StreamStats;
use crate::error::AppError;
use crate::skeleton::Skeleton;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum ConnectionState {
    Disconnected,
    Connecting,
    /// Connected, between the Hierarchy and the first frame (or waiting for the Hierarchy).
    Handshaking,
    Streaming,
    Reconnecting {
        #[serde(rename = "inMs")]
        in_ms: u64,
    },
    /// Given up — the connection failed with reconnect off, or Mosketch accepted
    /// neither hierarchy-ack spelling — until a reconnect is asked for: `reason` is
    /// written for the artist.
    Failed {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MosketchStatus {
    /// host:port of the streaming server.
    pub address: String,
    pub connection: ConnectionState,
    pub ack_spelling: HierarchyAckSpelling,
    pub joint_space: JointSpace,
    pub orient_mode: OrientMode,
    pub hierarchy_id: u64,
    pub joint_count: u32,
    /// True when the Hierarchy packet carried parents (the preview can draw bones).
    pub has_skeleton: bool,
    pub stats: StreamStats,
    /// Something looks wrong but the session goes on (e.g. the ack spelling).
    pub warning: Option<String>,
    pub last_error: Option<AppError>,
}

/// The current character as Mosketch announced it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MosketchHierarchy {
    pub id: u64,
    pub joints: Vec<String>,
    /// Parents and rest offsets, when the Hierarchy packet carried them.
    pub skeleton: Option<Skeleton>,
}

/// Rare notices, for the console and logs. Frames never go through here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum MosketchEvent {
    Connected {
        address: String,
    },
    Hierarchy {
        id: u64,
        joints: u32,
        has_skeleton: bool,
    },
    Uuids {
        count: u32,
    },
    FirstFrame,
    /// No JointsUuids came after the hierarchy ack in `sent`: it was sent again in
    /// `suggested`, the other spelling (said once per handshake).
    AckSpellingSuspect {
        sent: HierarchyAckSpelling,
        suggested: HierarchyAckSpelling,
        message: String,
    },
    UnknownPacket {
        packet_type: String,
    },
    Malformed {
        reason: String,
    },
    Disconnected {
        error: AppError,
    },
    Notice {
        message: String,
    },
}

impl MosketchEvent {
    /// One line for a console.
    pub fn message(&self) -> String {
        match self {
            Self::Connected { address } => format!("Connected to Mosketch at {address}."),
            Self::Hierarchy {
                joints,
                has_skeleton,
                ..
            } => format!(
                "Mosketch sent a hierarchy of {joints} joints{}.",
                if *has_skeleton {
                    " with parents and rest offsets"
                } else {
                    " (names only)"
                }
            ),
            Self::Uuids { count } => format!("Mosketch sent the uuids of {count} joints."),
            Self::FirstFrame => "Mosketch is streaming.".into(),
            Self::AckSpellingSuspect { message, .. } => message.clone(),
            Self::UnknownPacket { packet_type } => {
                format!("Mosketch sent a packet of unknown type '{packet_type}' (ignored).")
            }
            Self::Malformed { reason } => {
                format!("Skipped data from Mosketch that is not a packet: {reason}")
            }
            Self::Disconnected { error } => error.message.clone(),
            Self::Notice { message } => message.clone(),
        }
    }
}
