//! A Maya session: one task owns one Maya commandPort. Callers talk to it through
//! a queue; one request is in flight at a time. The task holds the connection only
//! while work is in flight and releases it after a short idle time, because Maya
//! serves one client at a time and a held connection locks every other tool out.
//! Liveness comes from the helper's heartbeat datagrams, not from polling the port.
//! Dropping the handle cancels the task (after a best-effort, sub-second clean-up).

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::{CancellationToken, DropGuard};
use ts_rs::TS;

use super::address::MayaAddress;
use super::connection::{PortConnection, RequestError};
use super::helper;
use super::protocol::{Language, MayaInfo, PortKind, RunOptions, RunResult, ScriptError};
use crate::console::{ConsoleHub, ConsoleLine, LineKind};
use crate::error::{AppError, ErrorCode};
use crate::output::{OutputService, Registration};

#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Stable id: keys this session's callback in Maya, so a reconnect replaces
    /// its own callback and clean-up never touches another session's.
    pub id: String,
    pub name: String,
    pub address: MayaAddress,
    /// Release the port after this long without work.
    pub idle_release: Duration,
    pub connect_timeout: Duration,
    /// For the helper's own calls (install, info, clean-up).
    pub call_timeout: Duration,
    /// For user code; `None` waits as long as Maya takes (the UI offers cancel).
    pub run_timeout: Option<Duration>,
    /// Stream Maya's output to the app (installs the output callback).
    pub output: bool,
    /// Heartbeat silence after which Maya counts as gone (and reconnect starts).
    pub liveness_timeout: Duration,
}

impl SessionConfig {
    pub fn new(id: impl Into<String>, name: impl Into<String>, address: MayaAddress) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            address,
            idle_release: Duration::from_millis(500),
            connect_timeout: Duration::from_secs(3),
            call_timeout: Duration::from_secs(15),
            run_timeout: None,
            output: true,
            liveness_timeout: Duration::from_secs(4),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "state",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum SessionState {
    Connecting,
    Connected,
    /// A run is in progress since `since_ms` (Unix ms).
    Busy {
        since_ms: u64,
    },
    /// Maya went away; the next attempt is in `in_ms`.
    Reconnecting {
        in_ms: u64,
        attempt: u32,
    },
    Lost {
        reason: String,
    },
    Disconnected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SessionStatus {
    pub id: String,
    pub name: String,
    pub address: String,
    pub state: SessionState,
    pub info: Option<MayaInfo>,
    /// Heartbeats from the helper are arriving (Maya is up) without holding the port.
    pub alive: bool,
    /// The connection is currently held (a request in flight or just finished).
    pub holding_port: bool,
    pub last_error: Option<AppError>,
}

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CleanupReport {
    /// The helper confirmed it removed this session's callback.
    pub callback_removed: bool,
    /// Maya could not be reached: nothing left to remove there.
    pub maya_gone: bool,
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

struct SessionTask {
    config: SessionConfig,
    hub: ConsoleHub,
    output: Option<OutputService>,
    registration: Option<Registration>,
    conn: Option<PortConnection>,
    /// A request timed out or was cancelled: Maya still owes us its reply.
    owed_reply: bool,
    kind: Option<PortKind>,
    info: Option<MayaInfo>,
    status: watch::Sender<SessionStatus>,
    last_work: Instant,
    run_counter: Arc<AtomicU64>,
    /// The user asked to be connected: keep reconnecting after Maya restarts.
    want_connected: bool,
    reconnect_attempt: u32,
}

/// How long to wait when (re)opening the port.
#[derive(Clone, Copy)]
struct Limits {
    connect: Duration,
    /// For the reply a timed-out request still owes, before the next one is sent.
    owed_reply: Duration,
}

impl Limits {
    fn of(config: &SessionConfig) -> Self {
        Self {
            connect: config.connect_timeout,
            owed_reply: config.call_timeout,
        }
    }
}

const HELPER_MISSING: &str = "No module named 'mayalink_helper'";

fn helper_json(reply: &str) -> Result<Value, AppError> {
    serde_json::from_str::<Value>(reply.trim()).map_err(|_| {
        AppError::protocol(format!(
            "Unexpected reply from Maya's helper: {:.300}",
            reply.trim()
        ))
    })
}

impl SessionTask {
    async fn run(mut self, mut rx: mpsc::Receiver<Request>, cancel: CancellationToken) {
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
    fn record(&self, lines: Vec<ConsoleLine>) {
        match &self.output {
            Some(o) => o.record(&self.config.id, lines),
            None => self.hub.publish(lines),
        }
    }

    fn notice(&self, text: impl Into<String>) {
        self.record(vec![ConsoleLine::new(
            &self.config.id,
            LineKind::Notice,
            text,
        )]);
    }

    fn set_state(&self, state: SessionState) {
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
    async fn open(&mut self) -> Result<(), AppError> {
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
    async fn line(&mut self, python_line: &str, timeout: Duration) -> Result<String, AppError> {
        self.line_within(python_line, timeout, Limits::of(&self.config))
            .await
    }

    async fn line_within(
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

    /// Detects the port kind, installs (or upgrades) the helper, reads Maya's
    /// identity and starts the output stream: everything a first call needs.
    async fn ready(&mut self) -> Result<(), AppError> {
        if self.info.is_some() && self.kind.is_some() {
            return Ok(());
        }
        self.open().await?;
        let t = self.config.call_timeout;
        let installed = match self.kind {
            Some(_) => self.probe().await?,
            None => {
                self.kind = Some(PortKind::Python);
                match self.probe().await {
                    Ok(v) => v,
                    Err(not_python) if not_python.code == ErrorCode::Protocol => {
                        // Not a Python port: maybe MEL (Maya's default sourceType).
                        self.kind = Some(PortKind::Mel);
                        match self.probe().await {
                            Ok(v) => v,
                            Err(_) => {
                                // Neither: report what the peer said to the Python probe.
                                self.kind = None;
                                self.conn = None;
                                return Err(not_python);
                            }
                        }
                    }
                    Err(e) => {
                        self.kind = None;
                        return Err(e);
                    }
                }
            }
        };
        if installed != helper::version() {
            self.install().await?;
        }
        let info = self.helper_call(&json!({"op": "info"}), t).await?;
        let str_of = |k: &str| info[k].as_str().unwrap_or_default().to_string();
        let new_info = MayaInfo {
            port_kind: self.kind.expect("probed"),
            maya_version: str_of("maya"),
            python_version: str_of("python"),
            pid: info["pid"].as_u64().unwrap_or(0) as u32,
            scene: str_of("scene"),
            user: str_of("user"),
            helper_version: str_of("helper"),
            label: info["label"].as_str().map(str::to_string),
        };
        let restarted = self
            .info
            .as_ref()
            .map(|i| i.pid != new_info.pid)
            .unwrap_or(false);
        self.info = Some(new_info.clone());
        if self.config.output {
            self.start_output().await?;
        }
        let kind = match new_info.port_kind {
            PortKind::Python => "Python",
            PortKind::Mel => "MEL",
        };
        self.notice(format!(
            "{} {} {} at {} ({} port, pid {}, scene {}).",
            if restarted {
                "Reconnected to"
            } else {
                "Connected to"
            },
            new_info.label.as_deref().unwrap_or("Maya"),
            new_info.maya_version,
            self.config.address,
            kind,
            new_info.pid,
            if new_info.scene.is_empty() {
                "untitled"
            } else {
                &new_info.scene
            },
        ));
        Ok(())
    }

    async fn probe(&mut self) -> Result<String, AppError> {
        let reply = self
            .line(&helper::probe_line(), self.config.call_timeout)
            .await?;
        match helper::parse_probe(&reply) {
            Some(v) => Ok(v.to_string()),
            None => Err(AppError::protocol(format!(
                "Something answers at {}, but not like a Maya commandPort (it said: {:.120})",
                self.config.address,
                reply.trim()
            ))),
        }
    }

    async fn install(&mut self) -> Result<(), AppError> {
        let t = self.config.call_timeout;
        let lines = helper::install_lines();
        let last = lines.len() - 1;
        for (i, l) in lines.iter().enumerate() {
            let reply = self.line(l, t).await?;
            let expected = if i == last { "installed " } else { "staged " };
            if !reply.starts_with(expected) {
                return Err(AppError::protocol(format!(
                    "Maya refused Mayalink's helper: {:.300}",
                    reply.trim()
                )));
            }
        }
        tracing::info!(session = %self.config.id, version = helper::version(), "helper installed");
        Ok(())
    }

    /// A helper call. If Maya restarted (helper gone), re-install and retry: the
    /// failed import means nothing ran, so the retry cannot run anything twice.
    async fn helper_call(&mut self, body: &Value, timeout: Duration) -> Result<Value, AppError> {
        helper_json(&self.helper_line(&helper::call_line(body), timeout).await?)
    }

    /// Sends a helper line; re-installs the helper once if Maya restarted without it.
    async fn helper_line(&mut self, line: &str, timeout: Duration) -> Result<String, AppError> {
        let reply = self.line(line, timeout).await?;
        if !reply.contains(HELPER_MISSING) {
            return Ok(reply);
        }
        self.notice("Maya restarted: re-installing Mayalink's helper.");
        self.info = None;
        self.registration = None;
        self.install().await?;
        self.line(line, timeout).await
    }

    async fn start_output(&mut self) -> Result<(), AppError> {
        let Some(service) = self.output.clone() else {
            return Ok(());
        };
        let peer = self.peer_ip().await;
        let registration = service.register(&self.config.id, peer).await?;
        let host = match registration.addr().ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_string(),
            ip => ip.to_string(),
        };
        let body = json!({
            "op": "output_start",
            "session": self.config.id,
            "host": host,
            "port": registration.addr().port(),
            "token": base64::engine::general_purpose::STANDARD.encode(registration.token()),
            "heartbeat": 1.0,
        });
        let r = self.helper_call(&body, self.config.call_timeout).await?;
        if r["ok"] != json!(true) {
            return Err(AppError::protocol(format!(
                "Maya could not start the output stream: {}",
                r["error"]["message"]
            )));
        }
        self.registration = Some(registration);
        Ok(())
    }

    async fn peer_ip(&self) -> std::net::IpAddr {
        use std::net::{IpAddr, Ipv4Addr};
        match &self.config.address {
            MayaAddress::Tcp { host, port } => tokio::net::lookup_host((host.as_str(), *port))
                .await
                .ok()
                .and_then(|mut a| a.next())
                .map(|a| a.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            MayaAddress::Unix { .. } => IpAddr::V4(Ipv4Addr::LOCALHOST),
        }
    }

    async fn do_run(
        &mut self,
        code: &str,
        lang: Language,
        opts: &RunOptions,
        reply: &oneshot::Sender<Result<RunResult, AppError>>,
    ) -> Result<RunResult, AppError> {
        self.ready().await?;
        self.record(echo_lines(&self.config.id, code));
        let since = crate::console::now_ms();
        self.set_state(SessionState::Busy { since_ms: since });
        let id = format!(
            "{}:{}",
            self.config.id,
            self.run_counter.fetch_add(1, Ordering::Relaxed)
        );
        let started = Instant::now();
        let bytes = code.as_bytes();
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let mut body = json!({"op": "run", "id": id});
        if lang == Language::Mel {
            body["lang"] = json!("mel");
        }
        if let Some(u) = &opts.undo_chunk {
            body["undo"] = json!(u);
        }
        if let Some(f) = &opts.file_name {
            body["file"] = json!(f);
        }
        if bytes.len() <= helper::CODE_CHUNK {
            body["data"] = json!(b64(bytes));
        } else {
            let chunks: Vec<&[u8]> = bytes.chunks(helper::CODE_CHUNK).collect();
            for (i, c) in chunks.iter().enumerate() {
                if reply.is_closed() {
                    return Err(AppError::new(
                        ErrorCode::Cancelled,
                        "run cancelled before it started in Maya",
                    ));
                }
                let r = self
                    .helper_call(
                        &json!({"op": "stage", "id": id, "index": i, "data": b64(c)}),
                        self.config.call_timeout,
                    )
                    .await?;
                if r["ok"] != json!(true) {
                    return Err(AppError::protocol(format!(
                        "Maya's helper refused a chunk: {}",
                        r
                    )));
                }
            }
            body["chunks"] = json!(chunks.len());
        }
        let timeout = self
            .config
            .run_timeout
            .unwrap_or(Duration::from_secs(60 * 60 * 24));
        let quick = lang == Language::Python
            && body.get("undo").is_none()
            && body.get("file").is_none()
            && body.get("data").is_some();
        let line = match quick {
            true => helper::quick_run_line(&id, bytes),
            false => None,
        };
        let reply = self
            .helper_line(&line.unwrap_or_else(|| helper::call_line(&body)), timeout)
            .await?;
        let round_trip = started.elapsed().as_secs_f64();
        let result = match helper::parse_quick_ok(&reply) {
            Some((duration, value)) => RunResult {
                ok: true,
                value: value.map(str::to_string),
                error: None,
                duration,
                round_trip,
            },
            None => {
                let v = helper_json(&reply)?;
                let error = (v["ok"] != json!(true)).then(|| ScriptError {
                    kind: v["error"]["type"].as_str().unwrap_or("Error").to_string(),
                    message: v["error"]["message"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    traceback: v["error"]["traceback"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                });
                RunResult {
                    ok: error.is_none(),
                    value: v["value"].as_str().map(str::to_string),
                    error,
                    duration: v["duration"].as_f64().unwrap_or(0.0),
                    round_trip,
                }
            }
        };
        if let (Some(output), true) = (&self.output, self.registration.is_some()) {
            // Output of this run is already in our socket buffer: let it reach the
            // console before the result line.
            output.flush(&self.config.id).await;
        }
        self.record(result_lines(&self.config.id, &result));
        Ok(result)
    }

    async fn do_cleanup(&mut self) -> Result<CleanupReport, AppError> {
        let had_registration = self.registration.is_some();
        if !had_registration && self.info.is_none() {
            return Ok(CleanupReport {
                callback_removed: false,
                maya_gone: false,
            });
        }
        // Maya may be gone: keep every step short so clean-up never hangs.
        let quick = Duration::from_millis(800);
        // A live Maya gets a few seconds to answer; one that already owes us a reply, not.
        let answer = if self.owed_reply {
            quick
        } else {
            Duration::from_secs(5)
        };
        let limits = Limits {
            connect: quick,
            owed_reply: answer,
        };
        let line = helper::call_line(&json!({"op": "cleanup", "session": self.config.id}));
        let r = self.line_within(&line, answer, limits).await;
        self.registration = None; // closes our side of the stream
        self.info = None;
        let report = match r {
            Ok(reply) => {
                let v: Value = serde_json::from_str(reply.trim()).unwrap_or(Value::Null);
                CleanupReport {
                    callback_removed: v["removed"] == json!(true),
                    maya_gone: false,
                }
            }
            Err(e) if matches!(e.code, ErrorCode::Unreachable | ErrorCode::Timeout) => {
                CleanupReport {
                    callback_removed: false,
                    maya_gone: true,
                }
            }
            Err(e) => return Err(e),
        };
        self.notice(if report.maya_gone {
            "Cleaned up (Maya was already gone)."
        } else {
            "Cleaned up: Mayalink's callback removed from Maya."
        });
        Ok(report)
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

/// The code as run, echoed in the console like Maya's Script Editor history.
fn echo_lines(session: &str, code: &str) -> Vec<ConsoleLine> {
    let mut lines: Vec<ConsoleLine> = code
        .lines()
        .take(20)
        .map(|l| ConsoleLine::new(session, LineKind::Echo, l.to_string()))
        .collect();
    let total = code.lines().count();
    if total > 20 {
        lines.push(ConsoleLine::new(
            session,
            LineKind::Echo,
            format!("… ({} more lines)", total - 20),
        ));
    }
    lines
}

fn result_lines(session: &str, r: &RunResult) -> Vec<ConsoleLine> {
    match (&r.error, &r.value) {
        (Some(e), _) => vec![ConsoleLine::new(
            session,
            LineKind::Error,
            format!("# Error: {}: {}", e.kind, e.message),
        )],
        (None, Some(v)) => vec![ConsoleLine::new(
            session,
            LineKind::Result,
            format!("# Result: {v}"),
        )],
        (None, None) => vec![],
    }
}
