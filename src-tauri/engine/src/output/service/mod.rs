//! [`OutputService`]: the app-wide live-output listener shared by all sessions.
//! It opens the UDP socket when the first session registers and closes it when
//! the last registration is dropped; it keeps each session's history, counters
//! and liveness for as long as the service lives (or until [`OutputService::forget`]).
//!
//! Here: the service and its registrations, and opening and closing the listener;
//! its settings are in `config`, the socket in `socket`, what it keeps per session
//! in `sessions`.

mod config;
mod sessions;
mod socket;
#[cfg(test)]
mod tests;

pub use config::OutputConfig;
pub use sessions::Liveness;
pub(crate) use sessions::SessionData;
pub use socket::ListenerInfo;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::datagram::Token;
use super::listener::{Cmd, ListenerTask};
use super::ring::LineRing;
use super::stats::OutputStats;
use crate::console::ConsoleHub;
use crate::error::{AppError, ErrorCode, Result};
use sessions::SessionInner;
use socket::{advertised_addr, bind};

struct Running {
    generation: u64,
    cmd: mpsc::UnboundedSender<Cmd>,
    info: ListenerInfo,
    registrations: usize,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct State {
    running: Option<Running>,
    /// The task of a listener being closed (awaited before binding again).
    closing: Option<JoinHandle<()>>,
    next_generation: u64,
}

struct ServiceInner {
    hub: ConsoleHub,
    config: OutputConfig,
    sessions: Mutex<HashMap<String, Arc<SessionData>>>,
    global: Arc<Mutex<OutputStats>>,
    state: Mutex<State>,
}

/// The live-output listener shared by every session. Cheap to clone; when the
/// last clone is dropped the listener task ends (delivering what it holds).
#[derive(Clone)]
pub struct OutputService {
    inner: Arc<ServiceInner>,
}

/// A session's right to receive output: the token and address its helper in
/// Maya must send to. Dropping it unregisters (held messages are delivered, the
/// partial line is flushed); the last one dropped closes the socket.
pub struct Registration {
    session: String,
    token: Token,
    addr: SocketAddr,
    generation: u64,
    service: Weak<ServiceInner>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret of sorts: keep it out of logs.
        f.debug_struct("Registration")
            .field("session", &self.session)
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Registration {
    pub fn session(&self) -> &str {
        &self.session
    }
    /// The 16 bytes the helper puts in every datagram.
    pub fn token(&self) -> &Token {
        &self.token
    }
    /// The token as 32 lowercase hex digits (how the helper receives it).
    pub fn token_hex(&self) -> String {
        self.token.iter().map(|b| format!("{b:02x}")).collect()
    }
    /// Where the helper must send its datagrams.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(inner) = self.service.upgrade() {
            inner.unregister(self.generation, self.token);
        }
    }
}

impl ServiceInner {
    fn unregister(&self, generation: u64, token: Token) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(r) = st.running.as_mut() else { return };
        if r.generation != generation {
            return;
        }
        let _ = r.cmd.send(Cmd::Unregister { token });
        r.registrations -= 1;
        if r.registrations == 0 {
            // No session needs the listener: closing the command channel ends the
            // task (after it handled the unregistration), which closes the socket.
            let r = st.running.take().expect("running");
            tracing::debug!(
                "output listener on {} closing: no session needs it",
                r.info.local_addr
            );
            st.closing = Some(r.task);
        }
    }

    fn session(&self, id: &str) -> Arc<SessionData> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions
            .entry(id.to_owned())
            .or_insert_with(|| {
                Arc::new(SessionData {
                    id: id.to_owned(),
                    inner: Mutex::new(SessionInner {
                        ring: LineRing::new(self.config.history_lines),
                        stats: OutputStats::default(),
                    }),
                    liveness: watch::channel(Liveness::default()).0,
                })
            })
            .clone()
    }

    fn existing(&self, id: &str) -> Option<Arc<SessionData>> {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }
}

impl OutputService {
    /// Lines go to `hub`. Nothing is opened until the first [`OutputService::register`].
    pub fn new(hub: ConsoleHub, config: OutputConfig) -> Self {
        Self {
            inner: Arc::new(ServiceInner {
                hub,
                config,
                sessions: Mutex::new(HashMap::new()),
                global: Arc::new(Mutex::new(OutputStats::default())),
                state: Mutex::new(State::default()),
            }),
        }
    }

    pub fn config(&self) -> &OutputConfig {
        &self.inner.config
    }

    /// Registers a session's output stream: a fresh random token, accepted only
    /// from `allowed_peer` (the IP Maya's datagrams come from: 127.0.0.1 for a
    /// local Maya, else the commandPort connection's peer IP). Opens the listener
    /// if it is closed. Needs a tokio runtime.
    pub async fn register(&self, session: &str, allowed_peer: IpAddr) -> Result<Registration> {
        // A listener being closed must be gone before we bind (its port may be fixed).
        loop {
            let closing = {
                let mut st = self.inner.state.lock().unwrap_or_else(|p| p.into_inner());
                if st.running.is_some() {
                    None
                } else {
                    st.closing.take()
                }
            };
            match closing {
                Some(task) => {
                    let _ = task.await;
                }
                None => break,
            }
        }
        let data = self.inner.session(session);
        let token: Token = rand::random();
        let mut st = self.inner.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.running.is_none() {
            let cfg = &self.inner.config;
            let (sock, info) = bind(cfg.bind, cfg.recv_buffer).map_err(|e| {
                AppError::new(
                    ErrorCode::Io,
                    format!("Mayalink could not open its output listener on {}: {e}. Check that no other program uses this address.", cfg.bind),
                )
            })?;
            let sock = tokio::net::UdpSocket::from_std(sock)
                .map_err(|e| AppError::internal(format!("output listener: {e}")))?;
            if info.recv_buffer < info.recv_buffer_requested {
                tracing::info!(
                    "output listener: asked for a {} byte receive buffer, got {} (raise net.core.rmem_max for more)",
                    info.recv_buffer_requested,
                    info.recv_buffer
                );
            }
            tracing::debug!("output listener on {}", info.local_addr);
            let (tx, rx) = mpsc::unbounded_channel();
            let task = ListenerTask::new(
                sock,
                rx,
                self.inner.hub.clone(),
                self.inner.global.clone(),
                cfg,
            );
            let task = tokio::spawn(task.run());
            st.next_generation += 1;
            st.running = Some(Running {
                generation: st.next_generation,
                cmd: tx,
                info,
                registrations: 0,
                task,
            });
        }
        let r = st.running.as_mut().expect("running");
        r.cmd
            .send(Cmd::Register {
                token,
                peer: allowed_peer,
                session: data,
            })
            .map_err(|_| AppError::internal("output listener task ended unexpectedly"))?;
        r.registrations += 1;
        Ok(Registration {
            session: session.to_owned(),
            token,
            addr: advertised_addr(r.info.local_addr, allowed_peer),
            generation: r.generation,
            service: Arc::downgrade(&self.inner),
        })
    }

    /// The open socket, if any session is registered.
    pub fn listener(&self) -> Option<ListenerInfo> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .running
            .as_ref()
            .map(|r| r.info)
    }

    /// Emits the session's partial line now (e.g. when a run finished), and
    /// returns once it and every line received before it are in the history and
    /// published. (Messages still held back behind a missing one are not forced out.)
    pub async fn flush(&self, session: &str) {
        let cmd = self
            .inner
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .running
            .as_ref()
            .map(|r| r.cmd.clone());
        if let Some(cmd) = cmd {
            let (done, wait) = oneshot::channel();
            if cmd
                .send(Cmd::Flush {
                    session: session.to_owned(),
                    done,
                })
                .is_ok()
            {
                let _ = wait.await;
            }
        }
    }

    /// Closes the listener now (app exit): held output is delivered, the task
    /// ends and the socket is closed before this returns. Registrations still
    /// alive become inert.
    pub async fn shutdown(&self) {
        let tasks = {
            let mut st = self.inner.state.lock().unwrap_or_else(|p| p.into_inner());
            let running = st.running.take().map(|r| r.task);
            [running, st.closing.take()]
        };
        for t in tasks.into_iter().flatten() {
            let _ = t.await;
        }
    }
}
