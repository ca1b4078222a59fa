//! `Engine`: the state every host shares — handles to the engine's services (the
//! console, the Maya workspace, the current Mosketch session, demo mode's
//! simulators). Cloning shares them; each service owns its own tasks.

use crate::console::ConsoleHub;
use crate::mosketch::link::MosketchLink;
use crate::mosketch::MosketchConfig;
use crate::simulators::{DemoMaya, MosketchSimulator, SimConfig};
use crate::workspace::{SessionSpec, Workspace};
use crate::{AppError, ErrorCode};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where an engine keeps what it saves.
#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    /// The folder of `sessions.json` and `tabs.json`; `None` keeps both in memory (tests).
    pub config_dir: Option<PathBuf>,
}

impl EngineConfig {
    /// The OS's usual place (`MAYALINK_CONFIG_DIR` overrides it).
    pub fn user() -> Self {
        let sessions = crate::workspace::saved::default_path();
        Self {
            config_dir: sessions.parent().map(PathBuf::from),
        }
    }
}

#[derive(Clone)]
pub struct Engine {
    pub console: ConsoleHub,
    pub workspace: Workspace,
    pub mosketch: MosketchLink,
    pub(super) config: EngineConfig,
    /// Autosaved tabs when there is no config folder.
    pub(super) tabs_in_memory: Arc<Mutex<Option<String>>>,
    /// The built-in simulators of demo mode, alive while the engine runs. An async
    /// mutex on purpose: it serialises demo start-up (two clicks start one demo).
    demo: Arc<tokio::sync::Mutex<Demo>>,
}

#[derive(Default)]
struct Demo {
    maya: Option<DemoMaya>,
    mosketch: Option<MosketchSimulator>,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        let console = ConsoleHub::default();
        let store = config.config_dir.as_ref().map(|d| d.join("sessions.json"));
        let workspace = Workspace::new(console.clone(), store);
        let mosketch = MosketchLink::new(console.clone());
        Self {
            console,
            workspace,
            mosketch,
            config,
            tabs_in_memory: Default::default(),
            demo: Default::default(),
        }
    }

    /// Where the editor's tabs are autosaved, if on disk.
    pub fn tabs_path(&self) -> Option<PathBuf> {
        self.config.config_dir.as_ref().map(|d| d.join("tabs.json"))
    }

    /// Removes Mayalink's callbacks from every Maya and closes the Mosketch session;
    /// each Maya gives up within about a second when it is gone.
    pub async fn shutdown(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(3), async {
            tokio::join!(self.workspace.shutdown(), self.mosketch.disconnect());
        })
        .await;
    }

    /// Demo mode: starts the built-in Demo Maya (and the Mosketch simulator) inside
    /// the engine and connects to them, so an artist sees the whole product working
    /// without Maya or Mosketch. Starting it twice reuses what runs.
    pub async fn start_demo(&self) -> Result<(), AppError> {
        self.start_demo_with(true, true).await
    }

    async fn start_demo_with(&self, maya: bool, mosketch: bool) -> Result<(), AppError> {
        let io = |what: &str, e: String| {
            AppError::new(ErrorCode::Io, format!("Could not start {what}: {e}"))
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

    /// `--demo` (the README's run command): real Mayas and a real Mosketch win when
    /// they are reachable; the simulated ones fill in for what is missing.
    pub async fn demo_where_needed(&self) -> Result<(), AppError> {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(2500);
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
            Duration::from_millis(300),
            tokio::net::TcpStream::connect(("127.0.0.1", crate::mosketch::DEFAULT_PORT)),
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
