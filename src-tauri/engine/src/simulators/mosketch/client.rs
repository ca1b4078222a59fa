//! One simulated-Mosketch connection: its handshake, its ack-gated frames, and
//! whatever the client sends (recorded; poses are relayed to the other clients).

use super::output::{FramedWriter, Garbage};
use super::{Character, ReceivedCommand, Relay, Shared, SimClientRecord, SimSettings};
use crate::mosketch::codec::{JsonItem, JsonStreamCodec};
use crate::mosketch::command::{JointSpace, OrientMode};
use crate::mosketch::packet::{encode, Packet};
use crate::mosketch::wire::PacketReader;
use crate::mosketch::wire_packet::WireItem;
use bytes::Bytes;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Streaming as fast as acks allow, the simulator polls for the ack this long after
/// each frame instead of sleeping: waking a sleeping thread costs tens of µs on a
/// virtual machine, more than a fast client's whole frame, and the simulator must
/// not be what limits the frame rate it measures. A slower client's ack is awaited
/// asleep.
const ACK_POLL: Duration = Duration::from_millis(2);
/// Older clients never sent JointsUuidsAck: stream anyway after this long.
const UUIDS_ACK_GRACE: Duration = Duration::from_millis(500);
const GARBAGE_EVERY: u64 = 7;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    AwaitHierarchyAck,
    AwaitUuidsAck(Instant),
    Streaming,
}

struct Client {
    id: u64,
    shared: Arc<Shared>,
    out: FramedWriter,
    settings: SimSettings,
    /// What this client asked R to mean (setStreamingJointSpace / OrientMode).
    space: JointSpace,
    orient: OrientMode,
    character: Arc<Character>,
    phase: Phase,
    frame: u64,
    /// JointsStream packets sent and not yet acked (frames and relayed poses).
    outstanding: u32,
    next_frame_at: Instant,
    /// Until when to poll for the last frame's ack (see [`ACK_POLL`]).
    poll_ack_until: Instant,
}

pub(super) async fn serve(
    stream: TcpStream,
    id: u64,
    shared: Arc<Shared>,
    cancel: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    let mut reader = PacketReader::new(rd, JsonStreamCodec::<WireItem>::default(), None);
    let mut settings_rx = shared.settings.subscribe();
    let mut character_rx = shared.character.subscribe();
    let mut relay_rx = shared.relay.subscribe();
    let mut c = Client {
        id,
        out: FramedWriter::new(wr, id.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        settings: settings_rx.borrow_and_update().clone(),
        space: JointSpace::Parent,
        orient: OrientMode::Keep,
        character: character_rx.borrow_and_update().clone(),
        shared: shared.clone(),
        phase: Phase::AwaitHierarchyAck,
        frame: 0,
        outstanding: 0,
        next_frame_at: Instant::now(),
        poll_ack_until: Instant::now(),
    };
    let result: std::io::Result<()> = async {
        c.send_hierarchy().await?;
        loop {
            let uuids_grace = match c.phase {
                Phase::AwaitUuidsAck(t) => Some(t),
                _ => None,
            };
            let timed = c.settings.rate_hz > 0.0 && c.phase == Phase::Streaming && c.outstanding == 0;
            let next_frame_at = c.next_frame_at;
            let poll_ack = c.settings.rate_hz <= 0.0
                && c.phase == Phase::Streaming
                && c.outstanding > 0
                && Instant::now() < c.poll_ack_until;
            tokio::select! {
                _ = cancel.cancelled() => return Ok(()),
                item = reader.next() => match item {
                    None => return Ok(()),
                    Some(Err(e)) => return Err(e),
                    Some(Ok(JsonItem::Malformed(_))) => c.record(|r| r.malformed += 1),
                    Some(Ok(JsonItem::Value(v))) => c.on_value(v).await?,
                },
                _ = tokio::time::sleep_until(next_frame_at), if timed => {}
                // Yielding lets the runtime look at the sockets without parking the thread.
                _ = tokio::task::yield_now(), if poll_ack => {}
                _ = async { tokio::time::sleep_until(uuids_grace.unwrap()).await }, if uuids_grace.is_some() => {
                    c.start_streaming();
                }
                changed = settings_rx.changed() => {
                    if changed.is_err() { return Ok(()); }
                    c.settings = settings_rx.borrow_and_update().clone();
                }
                changed = character_rx.changed() => {
                    if changed.is_err() { return Ok(()); }
                    c.character = character_rx.borrow_and_update().clone();
                    c.send_hierarchy().await?;
                }
                relay = relay_rx.recv() => match relay {
                    Ok(r) => c.on_relay(r).await?,
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return Ok(()),
                },
            }
            c.maybe_send_frame().await?;
        }
    }
    .await;
    if let Err(e) = result {
        tracing::debug!(id, "mosketch simulator: client connection ended: {e}");
    }
    shared.record(id, |r| r.connected = false);
}

impl Client {
    fn record(&self, f: impl FnOnce(&mut SimClientRecord)) {
        self.shared.record(self.id, f);
    }

    async fn send_hierarchy(&mut self) -> std::io::Result<()> {
        let bytes = self.character.hierarchy_packet(self.settings.send_skeleton);
        self.out.send(&bytes, self.settings.framing).await?;
        self.phase = Phase::AwaitHierarchyAck;
        self.frame = 0;
        self.outstanding = 0;
        self.record(|r| r.hierarchies_sent += 1);
        Ok(())
    }

    fn start_streaming(&mut self) {
        self.phase = Phase::Streaming;
        self.next_frame_at = Instant::now();
    }

    async fn on_value(&mut self, item: WireItem) -> std::io::Result<()> {
        let Ok(packets) = item.packets() else {
            self.record(|r| r.malformed += 1);
            return Ok(());
        };
        for p in packets {
            match p.into_packet() {
                Err(_) => self.record(|r| r.malformed += 1),
                Ok(p) => self.on_packet(p).await?,
            }
        }
        Ok(())
    }

    async fn on_packet(&mut self, p: Packet) -> std::io::Result<()> {
        match p {
            Packet::HierarchyAck(spelling) => {
                let accepted = !self.shared.refuse_acks.load(Ordering::Relaxed)
                    && self.settings.only_ack.is_none_or(|only| only == spelling);
                if !accepted {
                    // What Mosketch logs: "receiving wrong packet type 'X'".
                    self.record(|r| {
                        SimClientRecord::push_bounded(
                            &mut r.rejected,
                            spelling.type_name().to_string(),
                        )
                    });
                } else if self.phase == Phase::AwaitHierarchyAck {
                    self.record(|r| r.hierarchy_acks.push(spelling));
                    let uuids = encode::joints_uuids(&self.character.uuids());
                    self.out.send(&uuids, self.settings.framing).await?;
                    self.phase = Phase::AwaitUuidsAck(Instant::now() + UUIDS_ACK_GRACE);
                } else {
                    self.record(|r| r.hierarchy_acks.push(spelling));
                }
            }
            Packet::JointsUuidsAck => {
                self.record(|r| r.uuids_acks += 1);
                if matches!(self.phase, Phase::AwaitUuidsAck(_)) {
                    self.start_streaming();
                }
            }
            Packet::JointsStreamAck => {
                self.outstanding = self.outstanding.saturating_sub(1);
                self.record(|r| r.stream_acks += 1);
            }
            Packet::JointsStream(joints) => {
                let bytes = Bytes::from(encode::joints_stream(&joints));
                self.record(|r| SimClientRecord::push_bounded(&mut r.poses, joints));
                let _ = self.shared.relay.send(Relay {
                    from: self.id,
                    bytes,
                });
            }
            Packet::Command { type_name, command } => {
                // Honour the two streaming settings like Mosketch: they change what R means.
                match (
                    command.command.as_str(),
                    command.parameters.values().next().map(String::as_str),
                ) {
                    ("setStreamingJointSpace", Some("World")) => self.space = JointSpace::World,
                    ("setStreamingJointSpace", Some("ParentInWorld")) => {
                        self.space = JointSpace::ParentInWorld
                    }
                    ("setStreamingJointSpace", Some("Parent")) => self.space = JointSpace::Parent,
                    ("setStreamingJointOrientMode", Some("0")) => self.orient = OrientMode::Discard,
                    ("setStreamingJointOrientMode", Some("1")) => self.orient = OrientMode::Keep,
                    _ => {}
                }
                let before_ack = self.phase == Phase::AwaitHierarchyAck;
                self.record(|r| {
                    SimClientRecord::push_bounded(
                        &mut r.commands,
                        ReceivedCommand {
                            type_name,
                            command,
                            before_ack,
                        },
                    )
                });
            }
            other => {
                let ty = other.type_name().to_string();
                self.record(|r| SimClientRecord::push_bounded(&mut r.unknown, ty));
            }
        }
        Ok(())
    }

    async fn on_relay(&mut self, relay: Relay) -> std::io::Result<()> {
        if relay.from == self.id || self.phase != Phase::Streaming {
            return Ok(());
        }
        self.out.send(&relay.bytes, self.settings.framing).await?;
        // The client acks it like a frame.
        self.outstanding += 1;
        self.record(|r| r.relayed_in += 1);
        Ok(())
    }

    /// Sends the next frame if the last one was acked and it is time.
    async fn maybe_send_frame(&mut self) -> std::io::Result<()> {
        if self.phase != Phase::Streaming || self.outstanding > 0 {
            return Ok(());
        }
        let now = Instant::now();
        let rate = self.settings.rate_hz;
        if rate > 0.0 && now < self.next_frame_at {
            return Ok(());
        }
        let framing = self.settings.framing;
        if self.settings.garbage && self.frame % GARBAGE_EVERY == GARBAGE_EVERY / 2 {
            let kind = self.out.send_garbage(framing).await?;
            self.record(|r| match kind {
                Garbage::Unknown => r.garbage_unknown_sent += 1,
                Garbage::Malformed => r.garbage_malformed_sent += 1,
            });
        }
        let bytes = self.character.frame_bytes_in(
            self.frame,
            self.settings.frame_dt(),
            self.settings.partial,
            self.space,
            self.orient,
        );
        self.out.send(&bytes, framing).await?;
        self.frame += 1;
        self.outstanding += 1;
        self.poll_ack_until = now + ACK_POLL;
        if rate > 0.0 {
            let period =
                Duration::try_from_secs_f64(1.0 / rate).unwrap_or(Duration::from_secs(3600));
            self.next_frame_at = (self.next_frame_at + period).max(now);
        }
        self.record(|r| r.frames_sent += 1);
        Ok(())
    }
}
