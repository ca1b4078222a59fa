//! The state the app shares between commands: handles to engine services only.
//! Each service owns its own tasks; this struct just holds the handles.

use crate::mosketch_link::MosketchLink;
use mayalink_engine::console::ConsoleHub;
use mayalink_engine::maya::demo::DemoMaya;
use mayalink_engine::mosketch::{MosketchConfig, MosketchSimulator, SimConfig};
use mayalink_engine::workspace::SessionSpec;
use mayalink_engine::workspace::Workspace;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub console: ConsoleHub,
    pub workspace: Workspace,
    pub mosketch: MosketchLink,
    /// The built-in simulators of demo mode, alive while the app runs. An async
    /// mutex on purpose: it serialises demo start-up (two clicks start one demo).
    demo: Arc<tokio::sync::Mutex<Demo>>,
}

#[derive(Default)]
struct Demo {
    maya: Option<DemoMaya>,
    mosketch: Option<MosketchSimulator>,
}

impl AppState {
    /// `store`: where sessions are saved; `None` keeps them in memory (tests).
    pub fn new(store: Option<PathBuf>) -> Self {
        let console = ConsoleHub::default();
        let workspace = Workspace::new(console.clone(), store);
        let mosketch = MosketchLink::new(console.clone());
        Self {
            console,
            workspace,
            mosketch,
            demo: Default::default(),
        }
    }
}

impl AppState {
    /// Demo mode: starts the built-in Demo Maya (and the Mosketch simulator) inside
    /// the app and connects to them, so an artist sees the whole product working
    /// without Maya or Mosketch. Starting it twice reuses what runs.
    pub async fn start_demo(&self) -> Result<(), mayalink_engine::AppError> {
        self.start_demo_with(true, true).await
    }

    async fn start_demo_with(
        &self,
        maya: bool,
        mosketch: bool,
    ) -> Result<(), mayalink_engine::AppError> {
        let io = |what: &str, e: String| {
            mayalink_engine::AppError::new(
                mayalink_engine::ErrorCode::Io,
                format!("Could not start {what}: {e}"),
            )
        };
        let mut demo = self.demo.lock().await;
        let mut demo_maya = None;
        if maya && demo.maya.is_none() {
            let m = DemoMaya::start("127.0.0.1:0".parse().expect("loopback"))
                .await
                .map_err(|e| io("Demo Maya", e.to_string()))?;
            let view = self.workspace.add_demo(SessionSpec {
                name: DemoMaya::label().to_string(),
                address: m.addr().to_string(),
                color: Some("#c586c0".into()),
                auto_connect: true,
            })?;
            demo.maya = Some(m);
            demo_maya = Some(view.id);
        }
        if mosketch && demo.mosketch.is_none() {
            let sim = MosketchSimulator::start(SimConfig::default()).await?;
            self.mosketch
                .connect(MosketchConfig {
                    port: sim.port(),
                    ..Default::default()
                })
                .await;
            demo.mosketch = Some(sim);
        }
        drop(demo);
        self.console.notice(
            "app",
            "Demo mode: Demo Maya (simulated) runs simple Python (print, variables, a few cmds calls) and the simulated Mosketch streams a walking character. Connect a real Maya or Mosketch at any time.",
        );
        if let Some(id) = demo_maya {
            self.workspace.set_active(&id)?;
            self.workspace.connect(&id).await?;
        }
        Ok(())
    }
}

impl AppState {
    /// `--demo` (the README's run command): real Mayas and a real Mosketch win when
    /// they are reachable; the simulated ones fill in for what is missing.
    pub async fn demo_where_needed(&self) -> Result<(), mayalink_engine::AppError> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(2500);
        let mut changes = self.workspace.changes();
        let any_maya = || {
            self.workspace
                .list()
                .iter()
                .any(|v| v.status.info.is_some())
        };
        while !any_maya() && tokio::time::Instant::now() < deadline {
            let _ = tokio::time::timeout_at(deadline, changes.changed()).await;
        }
        let real_mosketch = tokio::time::timeout(
            std::time::Duration::from_millis(300),
            tokio::net::TcpStream::connect(("127.0.0.1", mayalink_engine::mosketch::DEFAULT_PORT)),
        )
        .await
        .is_ok_and(|r| r.is_ok());
        if any_maya() && real_mosketch {
            self.console
                .notice("app", "Real Maya and Mosketch found: demo mode not needed.");
            return Ok(());
        }
        if real_mosketch {
            self.mosketch.connect(Default::default()).await;
        }
        self.start_demo_with(!any_maya(), !real_mosketch).await
    }
}
