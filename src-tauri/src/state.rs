//! The state the app shares between commands: handles to engine services only.
//! Each service owns its own tasks; this struct just holds the handles.

use mayalink_engine::console::ConsoleHub;
use mayalink_engine::workspace::Workspace;
use crate::mosketch_link::MosketchLink;
use mayalink_engine::maya::demo::DemoMaya;
use mayalink_engine::mosketch::{MosketchConfig, MosketchSimulator, SimConfig};
use mayalink_engine::workspace::SessionSpec;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub console: ConsoleHub,
    pub workspace: Workspace,
    pub mosketch: MosketchLink,
    /// The built-in simulators of demo mode, alive while the app runs.
    demo: Arc<tokio::sync::Mutex<Option<Demo>>>,
}

struct Demo {
    _maya: DemoMaya,
    _mosketch: MosketchSimulator,
}

impl AppState {
    /// `store`: where sessions are saved; `None` keeps them in memory (tests).
    pub fn new(store: Option<PathBuf>) -> Self {
        let console = ConsoleHub::default();
        let workspace = Workspace::new(console.clone(), store);
        let mosketch = MosketchLink::new(console.clone());
        Self { console, workspace, mosketch, demo: Default::default() }
    }
}

impl AppState {
    /// Demo mode: starts the built-in Demo Maya (and the Mosketch simulator) inside
    /// the app and connects to them, so an artist sees the whole product working
    /// without Maya or Mosketch. Starting it twice reuses what runs.
    pub async fn start_demo(&self) -> Result<(), mayalink_engine::AppError> {
        let mut demo = self.demo.lock().await;
        if demo.is_some() {
            return Ok(());
        }
        let maya = DemoMaya::start("127.0.0.1:0".parse().expect("loopback"))
            .await
            .map_err(|e| mayalink_engine::AppError::new(mayalink_engine::ErrorCode::Io, format!("Could not start Demo Maya: {e}")))?;
        let view = self.workspace.add_demo(SessionSpec {
            name: DemoMaya::label().to_string(),
            address: maya.addr().to_string(),
            color: Some("#c586c0".into()),
            auto_connect: true,
        })?;
        let sim = MosketchSimulator::start(SimConfig::default()).await?;
        let sim_port = sim.port();
        *demo = Some(Demo { _maya: maya, _mosketch: sim });
        drop(demo);
        self.mosketch.connect(MosketchConfig { port: sim_port, ..Default::default() }).await;
        self.workspace.set_active(&view.id)?;
        self.console.notice("app", "Demo mode: connected to Demo Maya (simulated) and a simulated Mosketch character. Demo Maya runs simple Python (print, variables, a few cmds calls); connect a real Maya for everything else.");
        self.workspace.connect(&view.id).await.map(|_| ())
    }
}
