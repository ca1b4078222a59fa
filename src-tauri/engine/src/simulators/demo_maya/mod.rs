//! Demo Maya: a built-in **simulated** Maya, labelled "Demo Maya (simulated)",
//! so the app and the CLI work on a machine with no Maya ("Try the demo").
//!
//! It listens on TCP and speaks Maya's commandPort wire protocol (one client at
//! a time, every reply followed by `"\n\0"`), answers the exact lines the app
//! sends (the helper probe, its chunked install, `call(...)` lines, also wrapped
//! in MEL's `python("...")`), answers the helper's ops with helper.py's JSON
//! shapes (`info`, `stage`, `run` exactly once, `output_start` with real UDP
//! datagrams and heartbeats, `cleanup`, `skeleton`, and the live link's `link_*`
//! ops with its receiver and datagrams, [`link`]), and "runs" simple Python
//! and MEL with a toy interpreter ([`interpreter`], [`mel`]) on a fake scene
//! ([`scene`]): prints, variables, arithmetic, a few `cmds` calls, Python-style
//! errors, and a `DemoLimitation` error (telling the artist to connect a real
//! Maya) for anything more.
//!
//! It is **not** a test oracle: the engine's tests of the Maya link use the
//! Python emulator in `tests/emulators/`, which runs the real helper.

mod access;
pub mod cmds;
mod eval;
pub mod interpreter;
pub mod lexer;
mod link;
pub mod mel;
mod op_json;
mod ops;
mod parser;
mod process;
pub mod scene;
mod stream;
pub mod value;

#[cfg(test)]
mod link_tests;
#[cfg(test)]
mod tests;

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::maya::address::MayaAddress;
use crate::maya::protocol::PortKind;
pub use process::DemoSnapshot;
use process::Process;

/// Fuzzing entry point (not API; `fuzz/fuzz_targets/demo_maya_parser.rs`): lexes and
/// parses `code` as [`interpreter::Interpreter::run`] does, without running it.
#[doc(hidden)]
pub fn fuzz_parse(code: &str) {
    let Ok(lines) = lexer::tokenize(code) else {
        return;
    };
    for line in &lines {
        for stmt in parser::split_semicolons(&line.toks) {
            let _ = parser::parse_statement(stmt);
        }
    }
}

/// How Demo Maya names itself everywhere (UI, CLI, the helper's `info`).
pub const LABEL: &str = "Demo Maya (simulated)";

/// Maya's default commandPort `bufferSize`: the size of the first read.
const BUFFER_SIZE: usize = 4096;
/// A message that filled the buffer is read on until the client pauses this long
/// (Maya reads on only while the buffer fills; the demo is kinder to big messages).
const MORE_DATA_WAIT: Duration = Duration::from_millis(50);
/// Larger messages close the connection.
const MAX_MESSAGE: usize = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// The kind of port to simulate: `Python` (what Mayalink tells artists to
    /// open) or `Mel` (Maya's default `sourceType`).
    pub port_kind: PortKind,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            port_kind: PortKind::Python,
        }
    }
}

/// A running Demo Maya. Dropping the handle stops it: the port closes, the
/// output streams stop (no bye, like a Maya that quit).
pub struct DemoMaya {
    addr: SocketAddr,
    port_kind: PortKind,
    process: Arc<Mutex<Process>>,
    link_receivers: Arc<AtomicUsize>,
    _guard: DropGuard,
}

/// Work for Demo Maya's main thread.
enum Job {
    /// A message from the port, and where its replies go.
    Message {
        message: Vec<u8>,
        reply: oneshot::Sender<Vec<String>>,
    },
    /// `maya.utils.executeDeferred`: a live link's receiver hands a pose over.
    Deferred(link::Deferred),
}

impl DemoMaya {
    pub const LABEL: &'static str = LABEL;

    /// "Demo Maya (simulated)".
    pub fn label() -> &'static str {
        LABEL
    }

    /// Starts a Python-port Demo Maya on `bind` (`127.0.0.1:0` picks a free port).
    /// Needs a tokio runtime.
    pub async fn start(bind: SocketAddr) -> io::Result<DemoMaya> {
        Self::start_with(bind, DemoOptions::default()).await
    }

    pub async fn start_with(bind: SocketAddr, options: DemoOptions) -> io::Result<DemoMaya> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let cancel = CancellationToken::new();
        let process = Arc::new(Mutex::new(Process::new(
            options.port_kind,
            Some(tokio::runtime::Handle::current()),
            cancel.clone(),
        )));
        // Maya's main thread: every command runs there, one at a time. Its own
        // thread (with a roomy stack) keeps the toy interpreter off tokio's workers.
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let deferred = tx.clone();
        let link_receivers = {
            let mut p = process.lock().unwrap_or_else(PoisonError::into_inner);
            p.links.set_main_thread(Arc::new(move |job| {
                deferred.send(Job::Deferred(job)).is_ok()
            }));
            p.links.receivers()
        };
        let p = process.clone();
        let quit = cancel.clone();
        std::thread::Builder::new()
            .name("demo-maya-main".into())
            .stack_size(16 << 20)
            .spawn(move || main_thread(p, rx, quit))?;
        tokio::spawn(serve(listener, tx, cancel.clone()));
        tracing::info!(%addr, kind = ?options.port_kind, "{LABEL} started");
        Ok(DemoMaya {
            addr,
            port_kind: options.port_kind,
            process,
            link_receivers,
            _guard: cancel.drop_guard(),
        })
    }

    /// Live link receivers running in this Demo Maya (each owns one UDP socket).
    pub fn link_receivers(&self) -> usize {
        self.link_receivers.load(Ordering::SeqCst)
    }

    /// Ids of the live links this Demo Maya holds (started and not stopped).
    pub fn links(&self) -> Vec<String> {
        self.process
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .links
            .ids()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address to give a `MayaSession` (loopback when bound to all interfaces).
    pub fn address(&self) -> MayaAddress {
        let host = if self.addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            self.addr.ip().to_string()
        };
        MayaAddress::Tcp {
            host,
            port: self.addr.port(),
        }
    }

    pub fn port_kind(&self) -> PortKind {
        self.port_kind
    }

    /// What Demo Maya holds now: helper, sessions, counters, scene, recent output.
    pub fn snapshot(&self) -> DemoSnapshot {
        self.process
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .snapshot()
    }
}

fn main_thread(
    process: Arc<Mutex<Process>>,
    jobs: std::sync::mpsc::Receiver<Job>,
    quit: CancellationToken,
) {
    use std::sync::mpsc::RecvTimeoutError;
    loop {
        // The links hold a way back here, so the channel alone never closes.
        let (message, reply) = match jobs.recv_timeout(Duration::from_millis(200)) {
            Ok(Job::Message { message, reply }) => (message, reply),
            Ok(Job::Deferred(job)) => {
                let mut p = process.lock().unwrap_or_else(PoisonError::into_inner);
                let _ =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| p.run_deferred(job)));
                continue;
            }
            Err(RecvTimeoutError::Timeout) if !quit.is_cancelled() => continue,
            Err(_) => break,
        };
        let replies = {
            let mut p = process.lock().unwrap_or_else(PoisonError::into_inner);
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| p.handle_message(&message)))
                .unwrap_or_else(|_| {
                    vec![format!(
                        "{LABEL}: internal error while handling this command"
                    )]
                })
        };
        let _ = reply.send(replies);
    }
}

/// Accepts one client at a time, like Maya's port server: others wait in the backlog.
async fn serve(
    listener: TcpListener,
    jobs: std::sync::mpsc::Sender<Job>,
    cancel: CancellationToken,
) {
    loop {
        let sock = tokio::select! {
            _ = cancel.cancelled() => break,
            r = listener.accept() => match r {
                Ok((sock, _)) => sock,
                Err(e) => {
                    tracing::debug!("{LABEL}: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = sock.set_nodelay(true);
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = serve_client(sock, &jobs) => {}
        }
    }
}

async fn serve_client(mut sock: TcpStream, jobs: &std::sync::mpsc::Sender<Job>) {
    let mut buf = vec![0u8; BUFFER_SIZE];
    loop {
        let message = match read_message(&mut sock, &mut buf).await {
            Ok(Some(m)) => m,
            Ok(None) => return,
            Err(e) => {
                if e.kind() == io::ErrorKind::InvalidData {
                    let _ = sock.write_all(format!("{LABEL}: {e}\n\0").as_bytes()).await;
                }
                return;
            }
        };
        let (reply, answer) = oneshot::channel();
        if jobs.send(Job::Message { message, reply }).is_err() {
            return;
        }
        let Ok(replies) = answer.await else { return };
        for r in replies {
            let mut bytes = r.into_bytes();
            bytes.extend_from_slice(b"\n\0");
            if sock.write_all(&bytes).await.is_err() {
                return; // the client left mid-reply: fine, serve the next one
            }
        }
    }
}

/// One message: a first read of up to `BUFFER_SIZE` bytes, and more only if
/// that read filled the buffer. `None` at EOF.
async fn read_message(sock: &mut TcpStream, buf: &mut [u8]) -> io::Result<Option<Vec<u8>>> {
    let n = sock.read(buf).await?;
    if n == 0 {
        return Ok(None);
    }
    let mut message = buf[..n].to_vec();
    if n == buf.len() {
        while let Ok(r) = tokio::time::timeout(MORE_DATA_WAIT, sock.read(buf)).await {
            match r? {
                0 => break,
                n => message.extend_from_slice(&buf[..n]),
            }
            if message.len() > MAX_MESSAGE {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "command larger than {} MiB: connection closed",
                        MAX_MESSAGE >> 20
                    ),
                ));
            }
        }
    }
    Ok(Some(message))
}
