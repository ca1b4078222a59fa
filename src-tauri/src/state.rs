//! The state the app shares between commands: handles to engine services only.
//! Each service owns its own tasks; this struct just holds the handles.

use mayalink_engine::console::ConsoleHub;

#[derive(Clone, Default)]
pub struct AppState {
    pub console: ConsoleHub,
}

impl AppState {
    pub fn new() -> Self {
        Self::default()
    }
}
