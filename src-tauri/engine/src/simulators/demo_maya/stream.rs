//! One app session's output stream, as the helper's `_Stream` does it: a
//! non-blocking UDP socket sending message datagrams (numbered per message,
//! chunked, chunk size halved on `EMSGSIZE`), a heartbeat every period with the
//! next seq, and a bye when the session cleans up.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::output::datagram::{self, Token, DEFAULT_CHUNK};

pub struct Stream {
    sender: Arc<Mutex<Sender>>,
    stop: CancellationToken,
}

struct Sender {
    sock: UdpSocket,
    addr: SocketAddr,
    token: Token,
    seq: u32,
    chunk: usize,
    dropped: u64,
    /// The bye went out: nothing may follow it.
    closed: bool,
}

/// `EMSGSIZE` on Linux, Windows and macOS (the helper's list).
fn is_emsgsize(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(90 | 10040 | 40))
}

impl Sender {
    fn send_message(&mut self, maya_type: u8, data: &[u8]) {
        if self.closed {
            return;
        }
        let seq = self.seq;
        self.seq = seq.wrapping_add(1);
        loop {
            let size = self.chunk;
            if data.len().div_ceil(size) > 0xFFFF {
                self.dropped += 1;
                return;
            }
            let parts = datagram::encode_message(&self.token, seq, maya_type, data, size);
            match parts
                .iter()
                .try_for_each(|p| self.sock.send_to(p, self.addr).map(|_| ()))
            {
                Ok(()) => return,
                Err(e) if is_emsgsize(&e) && size > 512 => self.chunk = (size / 2).max(512),
                // Never wait (Maya's main thread pays for it): a full buffer drops the message.
                Err(_) => {
                    self.dropped += 1;
                    return;
                }
            }
        }
    }

    fn payload(&self) -> String {
        format!(
            "{{\"pid\":{},\"dropped\":{}}}",
            std::process::id(),
            self.dropped
        )
    }

    fn heartbeat(&self) {
        if self.closed {
            return;
        }
        let _ = self.sock.send_to(
            &datagram::encode_heartbeat(&self.token, self.seq, self.payload().as_bytes()),
            self.addr,
        );
    }

    fn bye(&mut self) {
        self.closed = true;
        let _ = self
            .sock
            .send_to(&datagram::encode_bye(&self.token, self.seq), self.addr);
    }
}

fn lock(s: &Mutex<Sender>) -> std::sync::MutexGuard<'_, Sender> {
    s.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Stream {
    /// Opens the socket, sends the first heartbeat and, given a runtime, starts
    /// the heartbeat task (stopped by `stop`, a child of Demo Maya's own token).
    pub fn start(
        host: &str,
        port: u16,
        token: Token,
        period: Duration,
        runtime: Option<&tokio::runtime::Handle>,
        parent: &CancellationToken,
    ) -> io::Result<Self> {
        let addr = (host, port).to_socket_addrs()?.next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}"))
        })?;
        let local: SocketAddr = if addr.is_ipv6() {
            "[::]:0".parse()
        } else {
            "0.0.0.0:0".parse()
        }
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let sock = UdpSocket::bind(local)?;
        sock.set_nonblocking(true)?;
        let sender = Arc::new(Mutex::new(Sender {
            sock,
            addr,
            token,
            seq: 0,
            chunk: DEFAULT_CHUNK,
            dropped: 0,
            closed: false,
        }));
        let stop = parent.child_token();
        lock(&sender).heartbeat();
        if let Some(rt) = runtime {
            let (s, stop) = (sender.clone(), stop.clone());
            let period = period.max(Duration::from_millis(20));
            rt.spawn(async move {
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tokio::time::sleep(period) => lock(&s).heartbeat(),
                    }
                }
            });
        }
        Ok(Self { sender, stop })
    }

    /// One Script Editor message (the callback's job).
    pub fn send(&self, maya_type: u8, text: &str) {
        lock(&self.sender).send_message(maya_type, text.as_bytes());
    }

    /// The session's clean-up: stop the heartbeat, send the bye (sent last).
    pub fn stop(self) {
        self.stop.cancel();
        lock(&self.sender).bye();
    }
}

impl Drop for Stream {
    /// Demo Maya quitting: the heartbeat stops, no bye (like a Maya that died).
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
