//! A Maya session: one task owns one Maya commandPort. Callers talk to it through
//! a queue; one request is in flight at a time. The task holds the connection only
//! while work is in flight and releases it after a short idle time, because Maya
//! serves one client at a time and a held connection locks every other tool out.
//! Liveness comes from the helper's heartbeat datagrams, not from polling the port.
//! Dropping the handle cancels the task (after a best-effort, sub-second clean-up).

mod helper_calls;
mod run;
mod state;
mod task;

pub use state::{CleanupReport, SessionConfig, SessionState, SessionStatus};

use serde_json::Value;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::{CancellationToken, DropGuard};

use super::protocol::{Language, MayaInfo, RunOptions, RunResult};
use crate::console::ConsoleHub;
use crate::error::{AppError, ErrorCode};
use crate::output::OutputService;
use task::SessionTask;

enum Request {
    Run {
        code: String,
        lang: Language,
        opts: RunOptions,
        reply: oneshot::Sender<Result<RunResult, AppError>>,
    },
    Call {
        body: Value,
        reply: oneshot::Sender<Result<Value, AppError>>,
    },
    Connect {
        reply: oneshot::Sender<Result<MayaInfo, AppError>>,
    },
    Cleanup {
        reply: oneshot::Sender<Result<CleanupReport, AppError>>,
    },
}

/// The handle. Cheap to clone the status receiver; dropping the last handle ends the task.
pub struct MayaSession {
    tx: mpsc::Sender<Request>,
    status: watch::Receiver<SessionStatus>,
    cancel: CancellationToken,
    _guard: DropGuard,
}

impl MayaSession {
    pub fn spawn(config: SessionConfig, hub: ConsoleHub, output: Option<OutputService>) -> Self {
        let (tx, rx) = mpsc::channel(64);
        let status = SessionStatus {
            id: config.id.clone(),
            name: config.name.clone(),
            address: config.address.to_string(),
            state: SessionState::Disconnected,
            info: None,
            alive: false,
            holding_port: false,
            last_error: None,
        };
        let (status_tx, status_rx) = watch::channel(status);
        let cancel = CancellationToken::new();
        let task = SessionTask {
            config,
            hub,
            output,
            registration: None,
            conn: None,
            owed_reply: false,
            kind: None,
            info: None,
            status: status_tx,
            last_work: Instant::now(),
            run_counter: Arc::new(AtomicU64::new(0)),
            want_connected: false,
            reconnect_attempt: 0,
        };
        // A run is a chain of wake-ups (request in, write, reply ready, answer out);
        // each one that crosses threads costs a parked thread's wake-up. A caller on a
        // single-threaded runtime (the CLI) keeps the task beside it: no hand-off at
        // all. Anywhere else (the app), each Maya gets a thread with its own
        // single-threaded runtime, so a busy worker never delays Maya's replies.
        let task_cancel = cancel.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread => {
                h.spawn(task.run(rx, task_cancel));
            }
            _ => {
                let spawned = std::thread::Builder::new()
                    .name(format!("maya-{}", task.config.name))
                    .spawn(move || {
                        match tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                        {
                            Ok(rt) => rt.block_on(task.run(rx, task_cancel)),
                            Err(e) => tracing::error!("cannot start a Maya session's runtime: {e}"),
                        }
                    });
                if let Err(e) = spawned {
                    tracing::error!("cannot start a Maya session's thread: {e}");
                }
            }
        }
        Self {
            tx,
            status: status_rx,
            _guard: cancel.clone().drop_guard(),
            cancel,
        }
    }

    pub fn status(&self) -> watch::Receiver<SessionStatus> {
        self.status.clone()
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, AppError>>) -> Request,
    ) -> Result<T, AppError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(make(reply))
            .await
            .map_err(|_| AppError::new(ErrorCode::Cancelled, "this Maya session was closed"))?;
        rx.await
            .map_err(|_| AppError::new(ErrorCode::Cancelled, "this Maya session was closed"))?
    }

    /// Connects (installing the helper and the output callback) and returns what we know of Maya.
    pub async fn connect(&self) -> Result<MayaInfo, AppError> {
        self.ask(|reply| Request::Connect { reply }).await
    }

    /// Runs code exactly once. A Python error in Maya is `Ok(RunResult { ok: false, .. })`;
    /// `Err` means the run could not be delivered or answered.
    pub async fn run(
        &self,
        code: &str,
        lang: Language,
        opts: RunOptions,
    ) -> Result<RunResult, AppError> {
        self.ask(|reply| Request::Run {
            code: code.to_string(),
            lang,
            opts,
            reply,
        })
        .await
    }

    /// A raw helper call (`{"op": ...}`), for features built on the helper (skeleton query).
    pub async fn call(&self, body: Value) -> Result<Value, AppError> {
        self.ask(|reply| Request::Call { body, reply }).await
    }

    /// Removes this session's callback in Maya and stops its output stream.
    pub async fn cleanup(&self) -> Result<CleanupReport, AppError> {
        self.ask(|reply| Request::Cleanup { reply }).await
    }

    /// Clean-up, then end the task. Finishes within about a second if Maya is gone.
    pub async fn shutdown(self) -> Result<CleanupReport, AppError> {
        let report = self.cleanup().await;
        self.cancel.cancel();
        report
    }
}
