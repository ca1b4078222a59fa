//! The task that owns the connection to one Maya commandPort: its request loop, the
//! port opened on demand and released when idle, and reconnecting with backoff.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::{Request, SessionConfig, SessionState, SessionStatus};
use crate::console::{ConsoleHub, ConsoleLine, LineKind};
use crate::error::{AppError, ErrorCode};
use crate::maya::connection::{PortConnection, RequestError};
use crate::maya::helper;
use crate::maya::protocol::{MayaInfo, PortKind};
use crate::output::{OutputService, Registration};

pub(super) struct SessionTask {
    pub(super) config: SessionConfig,
    pub(super) hub: ConsoleHub,
    pub(super) output: Option<OutputService>,
    pub(super) registration: Option<Registration>,
    pub(super) conn: Option<PortConnection>,
    /// A request timed out or was cancelled: Maya still owes us its reply.
    pub(super) owed_reply: bool,
    pub(super) kind: Option<PortKind>,
    pub(super) info: Option<MayaInfo>,
    pub(super) status: watch::Sender<SessionStatus>,
    pub(super) last_work: Instant,
    pub(super) run_counter: Arc<AtomicU64>,
    /// The user asked to be connected: keep reconnecting after Maya restarts.
    pub(super) want_connected: bool,
    pub(super) reconnect_attempt: u32,
}

/// How long to wait when (re)opening the port.
#[derive(Clone, Copy)]
pub(super) struct Limits {
    pub(super) connect: Duration,
    /// For the reply a timed-out request still owes, before the next one is sent.
    pub(super) owed_reply: Duration,
}

impl Limits {
    fn of(config: &SessionConfig) -> Self {
        Self {
            connect: config.connect_timeout,
            owed_reply: config.call_timeout,
        }
    }
}

impl SessionTask {
    pub(super) async fn run(mut self, mut rx: mpsc::Receiver<Request>, cancel: CancellationToken) {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut next_reconnect: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                req = rx.recv() => match req {
                    None => break,
                    Some(req) => { self.handle(req).await; self.last_work = Instant::now(); }
                },
                _ = tick.tick() => {
                    if self.conn.is_some() && !self.owed_reply && self.last_work.elapsed() >= self.config.idle_release {
                        self.release().await;
                    }
                    self.check_liveness(&mut next_reconnect).await;
                }
            }
        }
        // Best effort: remove our callback if Maya is still there, never hang.
        if self.registration.is_some() {
            let _ = tokio::time::timeout(Duration::from_millis(900), self.do_cleanup()).await;
        }
        self.release().await;
    }

    /// Adds lines to this session's console and history.
    pub(super) fn record(&self, lines: Vec<ConsoleLine>) {
        match &self.output {
            Some(o) => o.record(&self.config.id, lines),
            None => self.hub.publish(lines),
        }
    }

    pub(super) fn notice(&self, text: impl Into<String>) {
        self.record(vec![ConsoleLine::new(
            &self.config.id,
            LineKind::Notice,
            text,
        )]);
    }

    pub(super) fn set_state(&self, state: SessionState) {
        self.status.send_modify(|s| s.state = state);
    }

    fn publish_status(&self) {
        let holding = self.conn.is_some();
        let info = self.info.clone();
        self.status.send_modify(|s| {
            s.holding_port = holding;
            s.info = info;
        });
    }

    async fn release(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.close().await;
        }
        self.publish_status();
    }

    async fn handle(&mut self, req: Request) {
        match req {
            Request::Connect { reply } => {
                self.want_connected = true;
                let r = self
                    .ready()
                    .await
                    .map(|_| self.info.clone().expect("ready sets info"));
                self.after(&r);
                let _ = reply.send(r);
            }
            Request::Run {
                code,
                lang,
                opts,
                reply,
            } => {
                self.want_connected = true;
                let r = self.do_run(&code, lang, &opts, &reply).await;
                self.after(&r);
                let _ = reply.send(r);
            }
            Request::Call { body, reply } => {
                let r = match self.ready().await {
                    Ok(()) => self.helper_call(&body, self.config.call_timeout).await,
                    Err(e) => Err(e),
                };
                self.after(&r);
                let _ = reply.send(r);
            }
            Request::Cleanup { reply } => {
                self.want_connected = false;
                let r = self.do_cleanup().await;
                self.release().await;
                self.set_state(SessionState::Disconnected);
                let _ = reply.send(r);
            }
        }
    }

    fn after<T>(&mut self, r: &Result<T, AppError>) {
        match r {
            Ok(_) => {
                self.reconnect_attempt = 0;
                self.set_state(SessionState::Connected);
                self.status.send_modify(|s| s.last_error = None);
            }
            Err(e) => {
                if matches!(e.code, ErrorCode::Unreachable) {
                    self.info = None;
                    self.set_state(SessionState::Lost {
                        reason: e.message.clone(),
                    });
                } else {
                    self.set_state(if self.info.is_some() {
                        SessionState::Connected
                    } else {
                        SessionState::Disconnected
                    });
                }
                self.status.send_modify(|s| s.last_error = Some(e.clone()));
            }
        }
        self.publish_status();
    }

    /// Open the port if needed and settle any reply Maya still owes us.
    pub(super) async fn open(&mut self) -> Result<(), AppError> {
        self.open_within(Limits::of(&self.config)).await
    }

    async fn open_within(&mut self, limits: Limits) -> Result<(), AppError> {
        if self.owed_reply {
            if let Some(conn) = self.conn.as_mut() {
                // Never send the next command before the previous reply arrived.
                match tokio::time::timeout(limits.owed_reply, conn.reply()).await {
                    Ok(Ok(Some(_))) => self.owed_reply = false,
                    Ok(_) => {
                        self.conn = None;
                        self.owed_reply = false;
                    }
                    Err(_) => {
                        return Err(
                            RequestError::Timeout.into_app(&self.config.address, limits.owed_reply)
                        )
                    }
                }
            } else {
                self.owed_reply = false;
            }
        }
        if self.conn.is_none() {
            if self.info.is_none() {
                self.set_state(SessionState::Connecting);
            }
            self.conn = Some(PortConnection::open(&self.config.address, limits.connect).await?);
            self.publish_status();
        }
        Ok(())
    }

    /// One line to Maya and its reply, wrapped for the port's kind.
    pub(super) async fn line(
        &mut self,
        python_line: &str,
        timeout: Duration,
    ) -> Result<String, AppError> {
        self.line_within(python_line, timeout, Limits::of(&self.config))
            .await
    }

    pub(super) async fn line_within(
        &mut self,
        python_line: &str,
        timeout: Duration,
        limits: Limits,
    ) -> Result<String, AppError> {
        self.open_within(limits).await?;
        let kind = self.kind.unwrap_or(PortKind::Python);
        let wire = helper::for_port(python_line, kind);
        let conn = self.conn.as_mut().expect("open sets conn");
        match conn.request(&wire, timeout).await {
            Ok(r) => Ok(r),
            Err(RequestError::Timeout) => {
                self.owed_reply = true;
                Err(RequestError::Timeout.into_app(&self.config.address, timeout))
            }
            Err(e) => {
                self.conn = None;
                Err(e.into_app(&self.config.address, timeout))
            }
        }
    }
    /// Heartbeats say whether Maya is up. When they stop while we want to be
    /// connected, reconnect with backoff (re-installing helper and callback).
    async fn check_liveness(&mut self, next: &mut Option<Instant>) {
        let alive = self
            .registration
            .as_ref()
            .and(self.output.as_ref())
            .and_then(|o| o.last_heartbeat_age(&self.config.id))
            .map(|age| age < self.config.liveness_timeout)
            .unwrap_or(false);
        if self.status.borrow().alive != alive {
            self.status.send_modify(|s| s.alive = alive);
        }
        let busy = matches!(self.status.borrow().state, SessionState::Busy { .. });
        if !self.want_connected || busy || self.conn.is_some() {
            return;
        }
        let silent = self.registration.is_some() && !alive;
        let lost = matches!(
            self.status.borrow().state,
            SessionState::Lost { .. } | SessionState::Reconnecting { .. }
        );
        if !(silent || lost) {
            *next = None;
            return;
        }
        let now = Instant::now();
        match *next {
            None => {
                let wait = backoff(self.reconnect_attempt);
                *next = Some(now + wait);
                if silent && !lost {
                    self.notice("Maya stopped answering (no heartbeat): reconnecting…");
                    self.info = None;
                    self.registration = None;
                }
                self.set_state(SessionState::Reconnecting {
                    in_ms: wait.as_millis() as u64,
                    attempt: self.reconnect_attempt + 1,
                });
            }
            Some(at) if now >= at => {
                *next = None;
                self.reconnect_attempt += 1;
                let r = self.ready().await;
                if r.is_ok() {
                    self.reconnect_attempt = 0;
                }
                self.after(&r);
                self.last_work = Instant::now();
            }
            Some(at) => {
                let in_ms = at.saturating_duration_since(now).as_millis() as u64;
                self.set_state(SessionState::Reconnecting {
                    in_ms,
                    attempt: self.reconnect_attempt + 1,
                });
            }
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((500u64 << attempt.min(6)).min(30_000))
}
