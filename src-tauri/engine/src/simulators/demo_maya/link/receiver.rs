//! A link's receiver: the tokio task that owns the link's UDP socket, hands the
//! newest pose to the main thread and sends back what the main thread answers.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{lock, Deferred, Links, Mailbox, Post};
use crate::link::wire::{self, FromMaya, PoseEntry, ToMaya, Token};
use crate::simulators::demo_maya::scene::Scene;

/// How often a quiet receiver looks at the clock (the helper's socket timeout).
const POLL: Duration = Duration::from_millis(250);

/// Counts a live receiver; dropped last, after the socket, it says the link ended.
pub(super) struct Alive {
    count: Arc<AtomicUsize>,
    _ended: std::sync::mpsc::Sender<()>,
}

impl Alive {
    pub(super) fn new(count: Arc<AtomicUsize>, ended: std::sync::mpsc::Sender<()>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self {
            count,
            _ended: ended,
        }
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The receiver: the one owner of the link's socket.
pub(super) struct Receiver {
    pub(super) id: String,
    pub(super) socket: UdpSocket,
    pub(super) token: Token,
    pub(super) count: usize,
    pub(super) mailbox: Arc<Mutex<Mailbox>>,
    pub(super) post: Post,
    pub(super) idle_limit: Duration,
    /// Declared last: dropped after the socket.
    pub(super) _alive: Alive,
}

impl Receiver {
    pub(super) async fn run(
        self,
        mut replies: mpsc::UnboundedReceiver<FromMaya>,
        stop: CancellationToken,
    ) {
        let mut buf = vec![0u8; 65536];
        let mut peer: Option<SocketAddr> = None;
        let mut quiet_since = Instant::now();
        let mut next_sample = Instant::now();
        loop {
            let (follow_hz, held) = {
                let m = lock(&self.mailbox);
                (m.follow_hz, m.held_until())
            };
            let now = Instant::now();
            let mut wake = now + POLL;
            if follow_hz > 0.0 && peer.is_some() {
                wake = wake.min(next_sample);
            }
            if let Some(due) = held {
                // A pose held back by the duty limit is asked for as soon as it is due.
                wake = wake.min(due.max(now + Duration::from_micros(500)));
            }
            tokio::select! {
                _ = stop.cancelled() => break,
                received = self.socket.recv_from(&mut buf) => match received {
                    Ok((n, from)) => {
                        if let Some(msg) = wire::decode_to_maya(&self.token, &buf[..n]) {
                            quiet_since = Instant::now();
                            peer = Some(from);
                            if let ToMaya::Pose { seq, mut entries } = msg {
                                entries.retain(|e| usize::from(e.index) < self.count);
                                self.hand_over(seq, entries);
                            }
                        }
                    }
                    // An ICMP "port unreachable" for an earlier reply (Windows reports
                    // it on the next receive): not fatal.
                    Err(e) if matches!(e.kind(), std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionRefused) => {}
                    Err(_) => break,
                },
                Some(reply) = replies.recv() => {
                    if let Some(peer) = peer {
                        let data = match reply {
                            FromMaya::Applied { seq, main_thread_s, applied, superseded, failures } => {
                                wire::encode_applied(&self.token, seq, main_thread_s, applied, superseded, &failures)
                            }
                            FromMaya::Sample(values) => wire::encode_sample(&self.token, &values),
                            FromMaya::Scene(name) => wire::encode_scene(&self.token, &name),
                        };
                        let _ = self.socket.send_to(&data, peer).await;
                    }
                }
                _ = tokio::time::sleep_until(wake.into()) => {}
            }
            let now = Instant::now();
            if now.duration_since(quiet_since) > self.idle_limit {
                break; // the app is gone without a goodbye: leave nothing running
            }
            if lock(&self.mailbox).take_turn(now) {
                self.queue_apply();
            }
            let follow_hz = lock(&self.mailbox).follow_hz;
            // Sampled only once the app has been heard: a sample with nowhere to go
            // would count as sent, and an unchanged pose is not sent again.
            if follow_hz > 0.0 && now >= next_sample && peer.is_some() {
                let queue = {
                    let mut m = lock(&self.mailbox);
                    !std::mem::replace(&mut m.pending, true)
                };
                if !queue {
                    // The main thread is busy with this link: look again shortly.
                    next_sample = now + Duration::from_millis(5);
                } else {
                    next_sample = now + Duration::from_secs_f64(1.0 / follow_hz);
                    let (id, mailbox) = (self.id.clone(), self.mailbox.clone());
                    self.defer(Box::new(move |links: &mut Links, scene: &mut Scene| {
                        links.sample(&id, &mailbox, scene)
                    }));
                }
            }
        }
        lock(&self.mailbox).latest = None;
    }

    /// Newest pose wins: it replaces one the main thread has not taken yet, and one
    /// apply is queued at a time (and not before the duty limit allows).
    fn hand_over(&self, seq: u32, entries: Vec<PoseEntry>) {
        let queue = {
            let mut m = lock(&self.mailbox);
            if m.latest.is_some() {
                m.superseded = m.superseded.wrapping_add(1);
            }
            m.latest = Some((seq, entries));
            m.take_turn(Instant::now())
        };
        if queue {
            self.queue_apply();
        }
    }

    fn queue_apply(&self) {
        let (id, mailbox) = (self.id.clone(), self.mailbox.clone());
        self.defer(Box::new(move |links: &mut Links, scene: &mut Scene| {
            links.apply(&id, &mailbox, scene)
        }));
    }

    fn defer(&self, job: Deferred) {
        if !(self.post)(job) {
            lock(&self.mailbox).pending = false;
        }
    }
}
