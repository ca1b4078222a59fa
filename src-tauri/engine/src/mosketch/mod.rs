//! The Mosketch link: the client session the app uses ([`session`]), the simulated
//! Mosketch used by demo mode, the CLI and the tests ([`simulator`]), and what they
//! share — the stream codec, packets, commands, pose model, stats and status types.
//! The protocol notes are in `shared/docs/mosketch-protocol.md`.

pub mod codec;
pub mod command;
pub mod packet;
pub mod pose;
pub mod session;
pub mod simulator;
pub mod stats;
pub mod status;
pub mod wire;
pub mod wire_packet;

pub use command::{
    command_presets, CommandPreset, HierarchyAckSpelling, JointSpace, MosketchCommand, OrientMode,
};
pub use packet::JointSample;
pub use pose::{JointPose, PoseSnapshot};
pub use session::{MosketchConfig, MosketchSession, DEFAULT_PORT};
pub use simulator::{MosketchSimulator, SimConfig, SimFraming, SimSettings};
pub use stats::StreamStats;
pub use status::{ConnectionState, MosketchEvent, MosketchHierarchy, MosketchStatus};
