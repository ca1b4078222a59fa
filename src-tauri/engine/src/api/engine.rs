//! `Engine`: the state every host shares — handles to the engine's services (the
//! console, the Maya workspace, the current Mosketch session, demo mode's
//! simulators). Cloning shares them; each service owns its own tasks.

use crate::console::ConsoleHub;
use crate::link::overrides::OverrideStore;
use crate::link::{LiveLink, TargetStatus};
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
    /// The live link, when running, and the Maya sessions it drives.
    pub(super) link: Arc<Mutex<LinkSlot>>,
    pub(super) link_view: Arc<tokio::sync::watch::Sender<LinkView>>,
    overrides: Arc<Mutex<OverrideStore>>,
    /// The built-in simulators of demo mode, alive while the engine runs. An async
    /// mutex on purpose: it serialises demo start-up (two clicks start one demo).
    demo: Arc<tokio::sync::Mutex<Demo>>,
}

#[derive(Default)]
pub(super) struct LinkSlot {
    pub live: Option<LiveLink>,
    pub sessions: Vec<String>,
}

/// What the UI shows of the live link.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LinkView {
    pub running: bool,
    /// The Maya session ids driven, in order.
    pub sessions: Vec<String>,
    pub mayas: Vec<TargetStatus>,
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
        let overrides = OverrideStore::new(config.config_dir.as_deref());
        // A log file that cannot be written (full disk) is said on the console.
        let hub = console.clone();
        crate::logging::on_write_failure(move |m| hub.notice("app", m));
        Self {
            console,
            workspace,
            mosketch,
            config,
            tabs_in_memory: Default::default(),
            link: Default::default(),
            link_view: Arc::new(tokio::sync::watch::channel(LinkView::default()).0),
            overrides: Arc::new(Mutex::new(overrides)),
            demo: Default::default(),
        }
    }

    /// Where the editor's tabs are autosaved, if on disk.
    pub fn tabs_path(&self) -> Option<PathBuf> {
        self.config.config_dir.as_ref().map(|d| d.join("tabs.json"))
    }

    /// The artist's saved mapping choices (never held across an await).
    pub fn link_overrides(&self) -> std::sync::MutexGuard<'_, OverrideStore> {
        self.overrides.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// No link runs, but these Mayas' mapping is shown (and can be edited by index).
    pub(super) fn set_preview(&self, sessions: Vec<String>, mayas: Vec<TargetStatus>) {
        self.link_view.send_replace(LinkView {
            running: false,
            sessions: sessions.clone(),
            mayas,
        });
        let mut slot = self.link.lock().unwrap_or_else(|p| p.into_inner());
        slot.live = None;
        slot.sessions = sessions;
    }

    /// Installs (or clears) the running link and mirrors its status into the view.
    pub(super) fn set_link(&self, live: Option<LiveLink>, sessions: Vec<String>) {
        let view = self.link_view.clone();
        if let Some(l) = &live {
            // The view is current before the caller returns it; the task follows changes.
            view.send_replace(LinkView {
                running: true,
                sessions: sessions.clone(),
                mayas: l.status().borrow().clone(),
            });
            let mut status = l.status();
            let ids = sessions.clone();
            tokio::spawn(async move {
                loop {
                    let mayas = status.borrow_and_update().clone();
                    view.send_replace(LinkView {
                        running: true,
                        sessions: ids.clone(),
                        mayas,
                    });
                    if status.changed().await.is_err() {
                        break;
                    }
                }
            });
        } else {
            self.link_view.send_replace(LinkView::default());
        }
        let mut slot = self.link.lock().unwrap_or_else(|p| p.into_inner());
        slot.live = live;
        slot.sessions = sessions;
    }

    /// Stops the live link, removes Mayalink's callbacks from every Maya and closes
    /// the Mosketch session; each Maya gives up within about a second when it is gone.
    pub async fn shutdown(&self) {
        let live = self
            .link
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .live
            .take();
        let _ = tokio::time::timeout(Duration::from_secs(3), async {
            if let Some(live) = live {
                live.stop().await;
            }
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
