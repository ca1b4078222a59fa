//! The Mosketch link: the client session the app uses ([`session`]) and what it shares
//! with the simulated Mosketch (`crate::simulators::mosketch`) — the stream codec,
//! packets, commands, pose model, stats and status types.
//! The protocol notes are in `shared/docs/mosketch-protocol.md`.

pub mod ack_memory;
pub mod codec;
pub mod command;
pub mod link;
pub mod packet;
pub mod pose;
pub mod session;
pub mod silence;
pub mod stats;
pub mod status;
pub mod wire;
pub mod wire_packet;

pub use ack_memory::AckMemory;
pub use command::{
    command_presets, CommandPreset, HierarchyAckSpelling, JointSpace, MosketchCommand, OrientMode,
};
pub use packet::JointSample;
pub use pose::{JointPose, PoseSnapshot};
pub use session::{MosketchConfig, MosketchSession, DEFAULT_PORT};
pub use stats::StreamStats;
pub use status::{ConnectionState, MosketchEvent, MosketchHierarchy, MosketchStatus};
