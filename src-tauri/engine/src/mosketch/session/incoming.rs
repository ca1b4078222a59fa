//! What Mosketch sends, as the connection task reads it: frames acked the moment they
//! are parsed, then typed and applied to the pose (or kept while they come
//! back-to-back); other packets handed to the handshake; unknown and malformed counted.

use super::task::{Conn, SessionTask};
use crate::console::now_ms;
use crate::error::AppError;
use crate::mosketch::packet::{encode, JointSample, Packet, TYPE_JOINTS_STREAM};
use crate::mosketch::status::{ConnectionState, MosketchEvent};
use crate::mosketch::wire_packet::WireItem;
use std::time::Duration;
use tokio::time::Instant;

// A stream is "back-to-back" when Mosketch sends the next frame within BACK_TO_BACK of
// our ack: it streams as fast as acks allow, far above any display's rate. Then:
// - the link polls its socket for the next frame instead of sleeping (waking a
//   sleeping thread costs tens of µs on a virtual machine, more than a frame's
//   whole work), for at most BACK_TO_BACK after each ack;
// - frames are acked after the validating pass and kept raw; every POSE_PERIOD they
//   are typed newest first, down to the newest one that carries every joint (older
//   ones cannot show: it overwrites them all). The pose is at most POSE_PERIOD old,
//   still fresher than any screen shows it.
// At artist rates (24–120 Hz) neither happens: each frame is typed as it comes.
const BACK_TO_BACK: Duration = Duration::from_micros(250);
pub(super) const POSE_PERIOD: Duration = Duration::from_millis(4);
/// Raw frames kept at most before typing them anyway (~8 KB each).
const MAX_PENDING: usize = 512;

/// A `JointsStream` object in the compact form Mosketch writes (`Type` first).
/// Anything else (array-wrapped, other key order) is typed first, then acked.
fn is_frame(json: &[u8]) -> bool {
    let head = &json[..json.len().min(64)];
    let head = match std::str::from_utf8(head) {
        Ok(h) => h,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or(""),
    };
    let after_type = head
        .trim_start()
        .strip_prefix('{')
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix("\"Type\""))
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix(':'))
        .map(str::trim_start);
    after_type.is_some_and(|r| r.starts_with("\"JointsStream\""))
}

impl SessionTask {
    /// Streaming, connection open, no frame for a while: say so once (status warning
    /// and a notice); [`Self::frame_arrived`] takes it back.
    pub(super) fn check_silence(&mut self, conn: &mut Conn) {
        if !conn.streaming {
            return;
        }
        if let Some(message) = conn.silence.check(std::time::Instant::now()) {
            tracing::warn!(address = %self.address, "{message}");
            self.status_tx
                .send_modify(|s| s.warning = Some(message.clone()));
            self.emit(MosketchEvent::Notice { message });
        }
    }

    /// `at`: when the frame was decoded (no extra clock read per frame).
    fn frame_arrived(&mut self, conn: &mut Conn, at: Instant) {
        if let Some(message) = conn.silence.frame(at.into_std()) {
            tracing::info!(address = %self.address, "{message}");
            self.status_tx.send_modify(|s| s.warning = None);
            self.emit(MosketchEvent::Notice { message });
        }
    }

    /// A complete, syntactically valid JSON value (validated without being built). A
    /// frame in the form Mosketch writes (`{"Type":"JointsStream",…`) is acked right
    /// here, before its joints are typed: the ack travels and Mosketch prepares the
    /// next frame while this one is read.
    pub(super) async fn on_raw(
        &mut self,
        conn: &mut Conn,
        raw: bytes::Bytes,
        decoded_at: Instant,
    ) -> Result<(), AppError> {
        let acked = is_frame(&raw);
        if acked {
            Self::write(conn, encode::JOINTS_STREAM_ACK).await?;
            self.frame_arrived(conn, decoded_at);
            let acked_at = Instant::now();
            self.stats.ack_written(acked_at - decoded_at);
            let back_to_back = self
                .last_ack_at
                .is_some_and(|t| decoded_at - t < BACK_TO_BACK);
            self.last_ack_at = Some(acked_at);
            self.poll_until = back_to_back.then(|| acked_at + BACK_TO_BACK);
            if back_to_back && self.joint_count > 0 {
                self.stats.frame(decoded_at.into_std(), false);
                self.pending.push((raw, decoded_at));
                if self.pending.len() >= MAX_PENDING {
                    self.type_pending(conn);
                }
                return Ok(());
            }
        }
        // Whatever came before this packet is applied first.
        self.type_pending(conn);
        if !acked {
            // Not a frame (a new Hierarchy, say): the next frame starts a new streak.
            self.last_ack_at = None;
            self.poll_until = None;
        }
        match serde_json::from_slice::<WireItem>(&raw) {
            Ok(item) => self.on_value(conn, item, decoded_at, acked).await,
            Err(e) => {
                self.on_malformed(conn, format!("not a packet: {e}"));
                Ok(())
            }
        }
    }

    async fn on_value(
        &mut self,
        conn: &mut Conn,
        item: WireItem,
        decoded_at: Instant,
        mut acked: bool,
    ) -> Result<(), AppError> {
        let packets = match item.packets() {
            Ok(p) => p,
            Err(reason) => {
                self.on_malformed(conn, reason);
                return Ok(());
            }
        };
        for p in packets {
            if p.type_name() == Some(TYPE_JOINTS_STREAM) && !std::mem::take(&mut acked) {
                // Mosketch's flow control: the ack goes out before any other work
                // (on_raw already sent it for a plain frame).
                Self::write(conn, encode::JOINTS_STREAM_ACK).await?;
                self.stats.ack_written(decoded_at.elapsed());
                self.frame_arrived(conn, decoded_at);
            }
            match p.into_packet() {
                Err(reason) => self.on_malformed(conn, reason),
                Ok(Packet::JointsStream(samples)) => self.apply_frame(conn, samples, true),
                Ok(Packet::Hierarchy(h)) => self.on_hierarchy(conn, h).await?,
                Ok(Packet::JointsUuids(pairs)) => self.on_uuids(conn, pairs).await?,
                Ok(Packet::Unknown(ty)) => self.on_unknown(conn, ty),
                // Client-side packets coming from the server: unexpected, counted as unknown.
                Ok(other) => self.on_unknown(conn, other.type_name().to_string()),
            }
        }
        Ok(())
    }

    /// Types the kept back-to-back frames (acked and counted on arrival): newest first
    /// down to the newest one that carries every joint, then applied oldest first, so
    /// the pose is what applying all of them would give. The frames older than that
    /// one are never typed (not even checked for a malformed body): nothing of them
    /// could show.
    pub(super) fn type_pending(&mut self, conn: &mut Conn) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        let mut typed = Vec::new();
        let mut unread = pending.len();
        for (raw, _) in pending.iter().rev() {
            unread -= 1;
            let packet = serde_json::from_slice::<WireItem>(raw)
                .map_err(|e| format!("not a packet: {e}"))
                .and_then(|item| item.packets())
                .and_then(|mut p| p.pop().ok_or_else(|| "empty packet".to_string()))
                .and_then(|p| p.into_packet());
            match packet {
                Ok(Packet::JointsStream(samples)) => {
                    let supersedes = self.index.carries_all(&samples, self.joint_count);
                    typed.push(samples);
                    if supersedes {
                        break;
                    }
                }
                Ok(other) => self.on_unknown(conn, other.type_name().to_string()),
                Err(reason) => self.on_malformed(conn, reason),
            }
        }
        if unread > 0 {
            self.pose_tx.send_modify(|p| p.frame += unread as u64);
        }
        for samples in typed.into_iter().rev() {
            self.apply_frame(conn, samples, false);
        }
    }

    /// Applies a typed frame to the pose; `arrived_now`: not yet counted in the stats.
    fn apply_frame(&mut self, conn: &mut Conn, samples: Vec<JointSample>, arrived_now: bool) {
        let now = Instant::now();
        let time_ms = now_ms();
        let index = &mut self.index;
        let mut missing = 0;
        self.pose_tx
            .send_modify(|p| missing = index.apply(p, samples, time_ms));
        let partial = missing > 0 && self.joint_count > 0;
        if arrived_now {
            self.stats.frame(now.into_std(), partial);
        } else if partial {
            self.stats.partial_frame();
        }
        // Frames flow, so whatever ack we sent was accepted (older servers send no uuids).
        conn.uuids_deadline = None;
        if !conn.ack_confirmed {
            self.ack_accepted(conn);
        }
        if !conn.streaming {
            conn.streaming = true;
            self.status_tx.send_modify(|s| {
                s.connection = ConnectionState::Streaming;
                s.warning = None;
            });
            self.emit(MosketchEvent::FirstFrame);
        }
    }

    fn on_unknown(&mut self, conn: &mut Conn, ty: String) {
        self.stats.unknown(&ty);
        if conn.unknown_seen.insert(ty.clone()) {
            self.emit(MosketchEvent::UnknownPacket { packet_type: ty });
        }
    }

    pub(super) fn on_malformed(&mut self, conn: &mut Conn, reason: String) {
        self.stats.malformed(&reason);
        if !std::mem::replace(&mut conn.malformed_reported, true) {
            self.emit(MosketchEvent::Malformed { reason });
        }
    }
}

#[cfg(test)]
mod early_ack_tests {
    use super::is_frame;

    #[test]
    fn only_plain_joints_stream_objects_are_acked_before_typing() {
        assert!(is_frame(br#"{"Type":"JointsStream","Joints":[]}"#));
        assert!(is_frame(br#" { "Type" : "JointsStream" , "Joints":[]}"#));
        assert!(
            !is_frame(br#"[{"Type":"JointsStream","Joints":[]}]"#),
            "array-wrapped: typed first"
        );
        assert!(
            !is_frame(br#"{"Joints":[],"Type":"JointsStream"}"#),
            "other key order: typed first"
        );
        assert!(!is_frame(br#"{"Type":"JointsStreamAck"}"#));
        assert!(!is_frame(br#"{"Type":"Hierarchy","Joints":[]}"#));
    }
}
