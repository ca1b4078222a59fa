//! The app's one Mosketch session, replaceable (connect to another address) and
//! removable, with a generation counter so UI streams follow the current one.
//! Holds handles only; the session's task owns the connection.

use crate::console::ConsoleHub;
use crate::mosketch::{
    MosketchConfig, MosketchHierarchy, MosketchSession, MosketchStatus, PoseSnapshot,
};
use crate::{AppError, ErrorCode};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

#[derive(Clone)]
pub struct MosketchLink {
    current: Arc<Mutex<Option<Arc<MosketchSession>>>>,
    generation: Arc<watch::Sender<u64>>,
    hub: ConsoleHub,
}

pub struct Watches {
    pub status: watch::Receiver<MosketchStatus>,
    pub hierarchy: watch::Receiver<Option<Arc<MosketchHierarchy>>>,
    pub pose: watch::Receiver<PoseSnapshot>,
}

impl MosketchLink {
    pub fn new(hub: ConsoleHub) -> Self {
        Self {
            current: Default::default(),
            generation: Arc::new(watch::channel(0).0),
            hub,
        }
    }

    pub fn generation(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    fn take(&self) -> Option<Arc<MosketchSession>> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// The current session, if any (a handle: the session's task owns the connection).
    pub fn current(&self) -> Option<Arc<MosketchSession>> {
        self.get()
    }

    fn get(&self) -> Option<Arc<MosketchSession>> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the current session with one for `config`.
    pub async fn connect(&self, config: MosketchConfig) {
        self.disconnect().await;
        let (session, mut events) = MosketchSession::start(config);
        let hub = self.hub.clone();
        // Rare notices (connected, hierarchy, ack spelling, malformed…) go to the console.
        tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match events.recv().await {
                    Ok(e) => hub.notice("mosketch", e.message()),
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                }
            }
        });
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(session));
        self.generation.send_modify(|g| *g += 1);
    }

    pub async fn disconnect(&self) {
        if let Some(old) = self.take() {
            self.generation.send_modify(|g| *g += 1);
            match Arc::try_unwrap(old) {
                Ok(session) => session.shutdown().await,
                Err(shared) => drop(shared), // a call in flight holds it; dropping the last handle ends the task
            }
        }
    }

    pub fn watches(&self) -> Option<Watches> {
        self.get().map(|s| Watches {
            status: s.status(),
            hierarchy: s.hierarchy(),
            pose: s.pose(),
        })
    }

    /// Runs `f` on the current session (never while holding the lock).
    pub async fn session_do<F, Fut>(&self, f: F) -> Result<(), AppError>
    where
        F: FnOnce(Arc<MosketchSession>) -> Fut,
        Fut: Future<Output = Result<(), AppError>>,
    {
        let s = self.get().ok_or_else(|| {
            AppError::new(
                ErrorCode::InvalidInput,
                "Not connected to Mosketch: connect first.",
            )
        })?;
        f(s).await
    }
}
