//! The workspace: every Maya session the artist set up, which one is active, the
//! shared output listener and console, persistence, and demo mode. The app and
//! the tests drive Mayalink through this; it holds handles only (each session's
//! task owns its connection) and never holds a lock across an await.

pub mod saved;

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::console::{ConsoleHub, ConsoleLine};
use crate::error::{AppError, ErrorCode};
use crate::maya::session::CleanupReport;
use crate::maya::{
    Language, MayaAddress, MayaInfo, MayaSession, RunOptions, RunResult, SessionConfig,
    SessionStatus,
};
use crate::output::{OutputConfig, OutputService};
pub use saved::SessionSpec;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SessionView {
    pub id: String,
    pub spec: SessionSpec,
    /// A session on the built-in Demo Maya (simulated), not saved.
    pub demo: bool,
    pub active: bool,
    pub status: SessionStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunOutcome {
    pub session: String,
    pub result: Option<RunResult>,
    pub error: Option<AppError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConsoleHistory {
    pub lines: Vec<ConsoleLine>,
    /// Absolute number of the first line returned.
    pub first: u64,
    /// Lines the session produced so far.
    pub total: u64,
}

struct Entry {
    spec: SessionSpec,
    demo: bool,
    session: Arc<MayaSession>,
    /// Cancels the caller's wait for the run in flight (Maya itself cannot be interrupted).
    run_cancel: Option<CancellationToken>,
}

struct Inner {
    order: Vec<String>,
    entries: HashMap<String, Entry>,
    active: Option<String>,
}

impl Inner {
    /// The sessions with their ids, in the sidebar's order.
    fn in_order(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.order
            .iter()
            .filter_map(|id| self.entries.get(id).map(|e| (id, e)))
    }
}

#[derive(Clone)]
pub struct Workspace {
    hub: ConsoleHub,
    output: OutputService,
    inner: Arc<Mutex<Inner>>,
    store: Option<PathBuf>,
    /// Bumped on every change of the session list or a session's status.
    changed: Arc<watch::Sender<u64>>,
    session_config: Arc<dyn Fn(SessionConfig) -> SessionConfig + Send + Sync>,
    /// What went wrong restoring the saved sessions (a corrupt file kept aside…),
    /// kept for the UI, which may connect long after the start.
    startup_warnings: Arc<Mutex<Vec<String>>>,
}

fn new_id() -> String {
    let n: u64 = rand::random();
    format!("maya-{n:016x}")
}

impl Workspace {
    /// `store`: where sessions are saved (`None`: not saved, e.g. in tests).
    pub fn new(hub: ConsoleHub, store: Option<PathBuf>) -> Self {
        let output = OutputService::new(hub.clone(), OutputConfig::default());
        Self {
            hub,
            output,
            inner: Arc::new(Mutex::new(Inner {
                order: vec![],
                entries: HashMap::new(),
                active: None,
            })),
            store,
            changed: Arc::new(watch::channel(0).0),
            session_config: Arc::new(|c| c),
            startup_warnings: Arc::default(),
        }
    }

    /// Adjusts every new session's configuration (tests shorten timeouts).
    pub fn with_session_config(
        mut self,
        f: impl Fn(SessionConfig) -> SessionConfig + Send + Sync + 'static,
    ) -> Self {
        self.session_config = Arc::new(f);
        self
    }

    pub fn hub(&self) -> &ConsoleHub {
        &self.hub
    }

    pub fn output(&self) -> &OutputService {
        &self.output
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Restores saved sessions (connecting those marked auto-connect in the background).
    pub fn restore(&self) {
        let Some(path) = &self.store else { return };
        let (saved, warning) = saved::load(path);
        if let Some(w) = warning {
            tracing::warn!("{w}");
            self.hub.notice("app", w.clone());
            self.startup_warnings
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(w);
        }
        for s in saved.sessions {
            if let Ok(view) = self.insert(s.id, s.spec.clone(), false) {
                if s.spec.auto_connect {
                    let ws = self.clone();
                    tokio::spawn(async move {
                        let _ = ws.connect(&view.id).await;
                    });
                }
            }
        }
        let mut inner = self.lock();
        if let Some(a) = saved.active.filter(|a| inner.entries.contains_key(a)) {
            inner.active = Some(a);
        }
        drop(inner);
        self.bump();
    }

    /// What went wrong restoring the saved sessions at start (empty: nothing).
    pub fn startup_warnings(&self) -> Vec<String> {
        self.startup_warnings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn persist(&self) {
        let Some(path) = &self.store else { return };
        let snapshot = {
            let inner = self.lock();
            saved::SavedSessions {
                sessions: inner
                    .in_order()
                    .filter(|(_, e)| !e.demo)
                    .map(|(id, e)| saved::SavedSession {
                        id: id.clone(),
                        spec: e.spec.clone(),
                    })
                    .collect(),
                active: inner
                    .active
                    .clone()
                    .filter(|a| inner.entries.get(a).is_some_and(|e| !e.demo)),
            }
        };
        if let Err(e) = saved::save(path, &snapshot) {
            let full = if e.raw_os_error() == Some(28) {
                " (the disk is full: free some space; the next change saves them again)"
            } else {
                ""
            };
            let message = format!(
                "Could not save your sessions to {}: {e}{full}. They stay open in this window.",
                path.display()
            );
            tracing::warn!("{message}");
            self.hub.notice("app", message);
        }
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    /// Wakes on every change of the list or of a session's status.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    fn insert(&self, id: String, spec: SessionSpec, demo: bool) -> Result<SessionView, AppError> {
        let address = MayaAddress::parse(&spec.address)?;
        let name = if spec.name.trim().is_empty() {
            address.to_string()
        } else {
            spec.name.trim().to_string()
        };
        let spec = SessionSpec {
            name: name.clone(),
            ..spec
        };
        let config = (self.session_config)(SessionConfig::new(id.clone(), name, address));
        let session = Arc::new(MayaSession::spawn(
            config,
            self.hub.clone(),
            Some(self.output.clone()),
        ));
        // Forward this session's status changes to the workspace's change counter.
        let mut status = session.status();
        let changed = Arc::downgrade(&self.changed);
        tokio::spawn(async move {
            while status.changed().await.is_ok() {
                match changed.upgrade() {
                    Some(c) => c.send_modify(|n| *n += 1),
                    None => break,
                }
            }
        });
        {
            let mut inner = self.lock();
            inner.order.push(id.clone());
            if inner.active.is_none() {
                inner.active = Some(id.clone());
            }
            inner.entries.insert(
                id.clone(),
                Entry {
                    spec,
                    demo,
                    session,
                    run_cancel: None,
                },
            );
        }
        self.bump();
        self.view(&id)
    }

    pub fn add(&self, spec: SessionSpec) -> Result<SessionView, AppError> {
        let v = self.insert(new_id(), spec, false)?;
        self.persist();
        Ok(v)
    }

    /// A session on a built-in Demo Maya: labelled, removable, never saved.
    pub fn add_demo(&self, spec: SessionSpec) -> Result<SessionView, AppError> {
        self.insert(format!("demo-{}", new_id()), spec, true)
    }

    fn view_of(id: &str, e: &Entry, active: bool) -> SessionView {
        SessionView {
            id: id.to_string(),
            spec: e.spec.clone(),
            demo: e.demo,
            active,
            status: e.session.status().borrow().clone(),
        }
    }

    pub fn view(&self, id: &str) -> Result<SessionView, AppError> {
        let inner = self.lock();
        let e = inner.entries.get(id).ok_or_else(|| unknown(id))?;
        Ok(Self::view_of(id, e, inner.active.as_deref() == Some(id)))
    }

    pub fn list(&self) -> Vec<SessionView> {
        let inner = self.lock();
        inner
            .in_order()
            .map(|(id, e)| Self::view_of(id, e, inner.active.as_deref() == Some(id)))
            .collect()
    }

    /// A session's handle and its address, for features that drive it (the live link).
    pub fn session_handle(&self, id: &str) -> Result<(Arc<MayaSession>, MayaAddress), AppError> {
        let inner = self.lock();
        let e = inner.entries.get(id).ok_or_else(|| unknown(id))?;
        Ok((e.session.clone(), MayaAddress::parse(&e.spec.address)?))
    }

    fn session(&self, id: &str) -> Result<Arc<MayaSession>, AppError> {
        self.lock()
            .entries
            .get(id)
            .map(|e| e.session.clone())
            .ok_or_else(|| unknown(id))
    }

    /// Renames or recolours a session; a new address replaces its connection.
    pub async fn update(&self, id: &str, spec: SessionSpec) -> Result<SessionView, AppError> {
        let address = MayaAddress::parse(&spec.address)?;
        let old = self.view(id)?;
        if old.spec.address != spec.address {
            let _ = self.disconnect(id).await;
            let name = if spec.name.trim().is_empty() {
                address.to_string()
            } else {
                spec.name.trim().to_string()
            };
            let config = (self.session_config)(SessionConfig::new(id.to_string(), name, address));
            let session = Arc::new(MayaSession::spawn(
                config,
                self.hub.clone(),
                Some(self.output.clone()),
            ));
            if let Some(e) = self.lock().entries.get_mut(id) {
                e.session = session;
            }
        }
        if let Some(e) = self.lock().entries.get_mut(id) {
            e.spec = spec;
        }
        self.persist();
        self.bump();
        self.view(id)
    }

    /// Cleans up in Maya, ends the session, forgets its history.
    pub async fn remove(&self, id: &str) -> Result<(), AppError> {
        let entry = {
            let mut inner = self.lock();
            inner.order.retain(|x| x != id);
            if inner.active.as_deref() == Some(id) {
                inner.active = inner.order.first().cloned();
            }
            inner.entries.remove(id).ok_or_else(|| unknown(id))?
        };
        if let Some(c) = &entry.run_cancel {
            c.cancel();
        }
        if let Ok(session) = Arc::try_unwrap(entry.session) {
            let _ = session.shutdown().await;
        }
        self.output.forget(id);
        self.persist();
        self.bump();
        Ok(())
    }

    pub fn set_active(&self, id: &str) -> Result<(), AppError> {
        {
            let mut inner = self.lock();
            if !inner.entries.contains_key(id) {
                return Err(unknown(id));
            }
            inner.active = Some(id.to_string());
        }
        self.persist();
        self.bump();
        Ok(())
    }

    pub fn active(&self) -> Option<String> {
        self.lock().active.clone()
    }

    pub async fn connect(&self, id: &str) -> Result<MayaInfo, AppError> {
        self.session(id)?.connect().await
    }

    /// Clean-up: removes this session's callback in Maya and releases the port.
    pub async fn disconnect(&self, id: &str) -> Result<CleanupReport, AppError> {
        self.session(id)?.cleanup().await
    }

    pub async fn run(
        &self,
        id: &str,
        code: &str,
        lang: Language,
        opts: RunOptions,
    ) -> Result<RunResult, AppError> {
        let session = self.session(id)?;
        let cancel = CancellationToken::new();
        if let Some(e) = self.lock().entries.get_mut(id) {
            e.run_cancel = Some(cancel.clone());
        }
        let r = tokio::select! {
            r = session.run(code, lang, opts) => r,
            _ = cancel.cancelled() => Err(AppError::new(
                ErrorCode::Cancelled,
                "Stopped waiting for this run. Maya cannot be interrupted from outside: it finishes the code, and its output still appears here.",
            )),
        };
        if let Some(e) = self.lock().entries.get_mut(id) {
            e.run_cancel = None;
        }
        r
    }

    /// Stops waiting for the run in flight in this session.
    pub fn cancel(&self, id: &str) -> Result<(), AppError> {
        let inner = self.lock();
        let e = inner.entries.get(id).ok_or_else(|| unknown(id))?;
        if let Some(c) = &e.run_cancel {
            c.cancel();
        }
        Ok(())
    }

    /// Runs the same code in every connected session, in parallel.
    pub async fn run_all(&self, code: &str, lang: Language, opts: RunOptions) -> Vec<RunOutcome> {
        let ids: Vec<String> = self
            .list()
            .into_iter()
            .filter(|v| v.status.info.is_some())
            .map(|v| v.id)
            .collect();
        let runs = ids.iter().map(|id| {
            let opts = opts.clone();
            async move {
                match self.run(id, code, lang, opts).await {
                    Ok(r) => RunOutcome {
                        session: id.clone(),
                        result: Some(r),
                        error: None,
                    },
                    Err(e) => RunOutcome {
                        session: id.clone(),
                        result: None,
                        error: Some(e),
                    },
                }
            }
        });
        futures::future::join_all(runs).await
    }

    pub fn history(&self, session: &str, from: u64, max: usize) -> ConsoleHistory {
        let range = self.output.history_range(session);
        let lines = self.output.history(session, from.max(range.start), max);
        ConsoleHistory {
            first: from.max(range.start),
            total: range.end,
            lines,
        }
    }

    /// A raw helper call on a session (e.g. the skeleton query for the preview).
    pub async fn call(
        &self,
        id: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, AppError> {
        self.session(id)?.call(body).await
    }

    /// App exit: clean up every session (each finishes within about a second when
    /// its Maya is gone), then close the listener.
    pub async fn shutdown(&self) {
        let sessions: Vec<Arc<MayaSession>> = {
            let mut inner = self.lock();
            inner.order.clear();
            inner.entries.drain().map(|(_, e)| e.session).collect()
        };
        let cleanups = sessions.iter().map(|s| s.cleanup());
        futures::future::join_all(cleanups).await;
        drop(sessions);
        self.output.shutdown().await;
    }
}

fn unknown(id: &str) -> AppError {
    AppError::invalid(format!("no Maya session {id:?} (it may have been removed)"))
}
