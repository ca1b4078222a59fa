//! The handshake as Mosketch drives it: a Hierarchy (settings, then the ack), its
//! JointsUuids, and the ack sent again in the other spelling when no answer comes.

use super::task::{Conn, SessionTask};
use crate::console::now_ms;
use crate::error::{AppError, ErrorCode};
use crate::mosketch::command::MosketchCommand;
use crate::mosketch::packet::{encode, Hierarchy};
use crate::mosketch::pose::{PoseIndex, PoseSnapshot};
use crate::mosketch::status::{ConnectionState, MosketchEvent, MosketchHierarchy};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

impl SessionTask {
    pub(super) async fn on_hierarchy(
        &mut self,
        conn: &mut Conn,
        h: Hierarchy,
    ) -> Result<(), AppError> {
        self.hierarchy_id += 1;
        let skeleton = match crate::skeleton::hierarchy::from_hierarchy(&h) {
            Ok(s) => s,
            Err(e) => {
                self.emit(MosketchEvent::Notice {
                    message: format!(
                        "The Hierarchy's skeleton fields could not be used: {}",
                        e.message
                    ),
                });
                None
            }
        };
        let has_skeleton = skeleton.is_some();
        let mut snapshot = PoseSnapshot::for_hierarchy(self.hierarchy_id, &h.joints);
        snapshot.stats = self.stats.stats.clone();
        snapshot.time_ms = now_ms();
        self.index = PoseIndex::for_snapshot(&snapshot);
        self.joint_count = h.joints.len();
        self.pose_tx.send_replace(snapshot);
        let joints = h.joints.len() as u32;
        self.hierarchy_tx
            .send_replace(Some(Arc::new(MosketchHierarchy {
                id: self.hierarchy_id,
                joints: h.joints,
                skeleton,
            })));

        // Settings first (the official client does), then the ack.
        Self::write(
            conn,
            &encode::command(&MosketchCommand::joint_space(self.joint_space)),
        )
        .await?;
        Self::write(
            conn,
            &encode::command(&MosketchCommand::orient_mode(self.orient_mode)),
        )
        .await?;
        Self::write(conn, encode::hierarchy_ack(self.ack_spelling)).await?;
        conn.got_hierarchy = true;
        conn.ack_sent = self.ack_spelling;
        conn.ack_retried = false;
        conn.ack_confirmed = false;
        conn.uuids_deadline =
            Some(Instant::now() + Duration::from_millis(self.config.uuids_timeout_ms));
        conn.streaming = false;
        let id = self.hierarchy_id;
        self.status_tx.send_modify(|s| {
            s.connection = ConnectionState::Handshaking;
            s.hierarchy_id = id;
            s.joint_count = joints;
            s.has_skeleton = has_skeleton;
            s.warning = None;
        });
        self.emit(MosketchEvent::Hierarchy {
            id,
            joints,
            has_skeleton,
        });
        Ok(())
    }

    pub(super) async fn on_uuids(
        &mut self,
        conn: &mut Conn,
        pairs: Vec<(String, String)>,
    ) -> Result<(), AppError> {
        let count = pairs.len() as u32;
        let index = &mut self.index;
        self.pose_tx.send_modify(|p| index.set_uuids(p, pairs));
        Self::write(conn, encode::JOINTS_UUIDS_ACK).await?;
        conn.uuids_deadline = None;
        self.status_tx.send_modify(|s| s.warning = None);
        self.emit(MosketchEvent::Uuids { count });
        if !conn.ack_confirmed {
            self.ack_accepted(conn);
        }
        Ok(())
    }

    /// Mosketch answered the hierarchy ack (uuids or frames): that spelling is the one
    /// for this server, from now on and, remembered, for the next session.
    pub(super) fn ack_accepted(&mut self, conn: &mut Conn) {
        if !conn.got_hierarchy {
            return;
        }
        conn.ack_confirmed = true;
        let spelling = conn.ack_sent;
        if self.ack_spelling != spelling {
            self.ack_spelling = spelling;
            self.status_tx.send_modify(|s| s.ack_spelling = spelling);
        }
        // Written only when the next session would otherwise start with the other one
        // (a server that takes the configured spelling leaves no trace).
        if self.remembered.unwrap_or(self.config.ack_spelling) == spelling {
            return;
        }
        if let Some(memory) = &self.memory {
            match memory.remember(&self.address, spelling) {
                Ok(()) => self.remembered = Some(spelling),
                Err(e) => tracing::warn!(
                    path = %memory.path().display(),
                    "cannot remember Mosketch's hierarchy-ack spelling: {e}"
                ),
            }
        }
    }

    /// No JointsUuids (nor frame) came after the hierarchy ack: send it again in the
    /// other spelling, once; when that goes unanswered too, give up.
    pub(super) async fn on_uuids_timeout(&mut self, conn: &mut Conn) -> Result<(), AppError> {
        conn.uuids_deadline = None;
        let sent = conn.ack_sent;
        let other = sent.other();
        let waited = self.config.uuids_timeout_ms as f64 / 1000.0;
        if conn.ack_retried {
            let message = format!(
                "Mosketch at {} accepted neither hierarchy acknowledgement: no joint uuids or \
                 frames came within {waited:.1} s of {other} nor of {sent}. This Mosketch build \
                 may speak another version of the streaming protocol (its log may say \
                 \"receiving wrong packet type\"). Reconnect to try again.",
                self.address
            );
            tracing::warn!("{message}");
            self.status_tx.send_modify(|s| s.warning = None);
            self.give_up = true;
            return Err(AppError::new(ErrorCode::Protocol, message));
        }
        let message = format!(
            "Mosketch sent no joint uuids within {waited:.1} s of the hierarchy acknowledgement \
             ({sent}): sending it again as {other}, the other spelling Mosketch builds use."
        );
        tracing::warn!("{message}");
        Self::write(conn, encode::hierarchy_ack(other)).await?;
        conn.ack_sent = other;
        conn.ack_retried = true;
        conn.uuids_deadline =
            Some(Instant::now() + Duration::from_millis(self.config.uuids_timeout_ms));
        self.status_tx
            .send_modify(|s| s.warning = Some(message.clone()));
        self.emit(MosketchEvent::AckSpellingSuspect {
            sent,
            suggested: other,
            message,
        });
        Ok(())
    }
}
