//! Live Script Editor output from Maya, over UDP.
//!
//! The helper the app installs in Maya registers an `MCommandMessage` output
//! callback that sends each message as [`datagram`]s to the app. Here is the
//! app side:
//!
//! * [`OutputService`] owns the UDP listener, shared by all sessions. A session
//!   calls [`OutputService::register`] and passes the [`Registration`]'s token and
//!   address to its helper; dropping the registration unregisters. The socket
//!   opens with the first registration and closes with the last.
//! * Per registration, datagrams are authenticated (token + source IP),
//!   reassembled, de-duplicated, put back in order within a small window, and
//!   gaps are reported as a console notice ("n output messages … were lost").
//! * Messages become lines (`print("x")` arrives as `"x"` then `"\n"`), which go
//!   to the [`ConsoleHub`](crate::console::ConsoleHub) in batches and into a
//!   bounded per-session history ([`OutputService::history`]).
//! * Heartbeats give each session's liveness without touching Maya's
//!   commandPort ([`OutputService::liveness`]).

pub mod datagram;
#[doc(hidden)]
pub mod fuzzing;
mod lines;
mod listener;
mod ring;
mod sequencer;
mod service;
mod stats;

pub use datagram::{OutputEncoder, Token};
pub use service::{ListenerInfo, Liveness, OutputConfig, OutputService, Registration};
pub use stats::OutputStats;
