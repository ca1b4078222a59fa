//! The Maya link: sessions with Maya's commandPort, the helper Mayalink installs in
//! Maya, and discovery of running Mayas. See `../../../../README.md` ("Maya link")
//! and `shared/docs/maya-commandport.md` for the rules this code lives with.

pub mod address;
pub mod connection;
pub mod discovery;
pub mod helper;
pub mod protocol;
pub mod session;
pub mod wire;

pub use address::MayaAddress;
pub use protocol::{Language, MayaInfo, PortKind, RunOptions, RunResult, ScriptError};
pub use session::{MayaSession, SessionConfig, SessionState, SessionStatus};

/// What the artist pastes into Maya's Script Editor (Python tab) to open a port.
pub fn open_port_snippet(port: u16) -> String {
    format!("import maya.cmds as cmds; cmds.commandPort(name=\":{port}\", sourceType=\"python\")")
}

/// The same, for `userSetup.py`, so the port opens at every Maya start.
pub fn user_setup_snippet(port: u16) -> String {
    format!(
        "# userSetup.py (in your Maya scripts folder): open Mayalink's port at start-up\n\
         import maya.cmds as cmds\n\
         import maya.utils\n\
         maya.utils.executeDeferred(lambda: cmds.commandPort(name=\":{port}\", sourceType=\"python\"))\n"
    )
}
