//! Mayalink's engine: everything the app does that is not window plumbing.
//! Maya commandPort sessions, the live-output UDP listener, the Mosketch link,
//! skeleton maths and the simulators (Demo Maya, Mosketch simulator) live here,
//! with no Tauri dependency, so the headless `mayalink` CLI and the tests use
//! exactly what the app uses.

pub mod api;
pub mod console;
pub mod doctor;
pub mod error;
pub mod frames;
pub mod link;
pub mod logging;
pub mod maya;
pub mod mosketch;
pub mod output;
pub mod shutdown;
pub mod simulators;
pub mod skeleton;
pub mod workspace;

pub use error::{AppError, ErrorCode};

/// The version every component reports (CLI, app, helper handshake).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
