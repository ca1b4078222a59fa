//! [`OutputConfig`]: the listener's tuning (address, receive buffer, history size,
//! reordering and batching).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

#[cfg(doc)]
use super::{ListenerInfo, OutputService};

/// Tuning of the listener. The defaults suit a local Maya.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    /// Where to listen. Loopback by default; `0.0.0.0:0` (or a fixed port) only
    /// when the user asks for Mayas on other machines.
    pub bind: SocketAddr,
    /// SO_RCVBUF to request (the OS may grant less; see [`ListenerInfo`]).
    pub recv_buffer: usize,
    /// Lines kept per session for [`OutputService::history`].
    pub history_lines: usize,
    /// Messages that may wait behind a missing one before it is declared lost.
    pub reorder_window: u32,
    /// How long a missing message is waited for.
    pub reorder_timeout: Duration,
    /// How long an incomplete chunked message is waited for after its last chunk.
    pub reassembly_timeout: Duration,
    /// Bytes of out-of-order or incomplete messages held per registration.
    pub max_pending_bytes: usize,
    /// A partial line (no `"\n"` yet) is shown after this much quiet.
    pub line_flush_after: Duration,
    /// Lines are committed (ring, hub) at most this often while output streams in.
    pub batch_interval: Duration,
    /// ... or as soon as this many lines wait.
    pub max_batch_lines: usize,
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            recv_buffer: 8 << 20,
            history_lines: 1_000_000,
            reorder_window: 64,
            reorder_timeout: Duration::from_millis(50),
            reassembly_timeout: Duration::from_millis(250),
            max_pending_bytes: 64 << 20,
            line_flush_after: Duration::from_millis(100),
            batch_interval: Duration::from_millis(4),
            max_batch_lines: 8192,
        }
    }
}
