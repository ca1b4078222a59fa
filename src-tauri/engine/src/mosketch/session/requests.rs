//! The handle's requests as the connection task answers them: settings stored (and
//! sent when connected), commands and poses written, stats, reconnect.

use super::task::{Conn, SessionTask};
use super::Request;
use crate::error::{AppError, ErrorCode};
use crate::mosketch::command::MosketchCommand;
use crate::mosketch::packet::encode;
use std::time::Duration;
use tokio::time::Instant;

impl SessionTask {
    pub(super) fn answer_disconnected(&mut self, req: Request) {
        let not_connected = || {
            AppError::new(
                ErrorCode::Unreachable,
                "Not connected to Mosketch: the command was not sent.",
            )
        };
        match req {
            Request::JointSpace(s, r) => {
                self.joint_space = s;
                self.status_tx.send_modify(|st| st.joint_space = s);
                let _ = r.send(Ok(()));
            }
            Request::OrientMode(m, r) => {
                self.orient_mode = m;
                self.status_tx.send_modify(|st| st.orient_mode = m);
                let _ = r.send(Ok(()));
            }
            Request::AckSpelling(a, r) => {
                self.ack_spelling = a;
                self.status_tx.send_modify(|st| st.ack_spelling = a);
                let _ = r.send(Ok(()));
            }
            Request::Command(_, r) | Request::Pose(_, r) => {
                let _ = r.send(Err(not_connected()));
            }
            Request::Stats(r) => {
                let _ = r.send(self.stats.refresh(Instant::now().into_std()).clone());
            }
            Request::ReconnectNow => {}
        }
    }

    pub(super) async fn on_request(
        &mut self,
        conn: &mut Conn,
        req: Request,
    ) -> Result<(), AppError> {
        let (bytes, reply) = match req {
            Request::JointSpace(s, r) => {
                self.joint_space = s;
                self.status_tx.send_modify(|st| st.joint_space = s);
                (encode::command(&MosketchCommand::joint_space(s)), r)
            }
            Request::OrientMode(m, r) => {
                self.orient_mode = m;
                self.status_tx.send_modify(|st| st.orient_mode = m);
                (encode::command(&MosketchCommand::orient_mode(m)), r)
            }
            Request::AckSpelling(a, r) => {
                self.ack_spelling = a;
                self.status_tx.send_modify(|st| st.ack_spelling = a);
                // Still waiting for the uuids: try the new spelling right away.
                if conn.uuids_deadline.is_some()
                    || (conn.got_hierarchy && !conn.streaming && conn.ack_sent != a)
                {
                    conn.ack_sent = a;
                    // The artist's choice first; if it goes unanswered, the other one.
                    conn.ack_retried = false;
                    conn.uuids_deadline =
                        Some(Instant::now() + Duration::from_millis(self.config.uuids_timeout_ms));
                    self.status_tx.send_modify(|st| st.warning = None);
                    (encode::hierarchy_ack(a).to_vec(), r)
                } else {
                    let _ = r.send(Ok(()));
                    return Ok(());
                }
            }
            Request::Command(c, r) => (encode::command(&c), r),
            Request::Pose(joints, r) => (encode::joints_stream(&joints), r),
            Request::Stats(r) => {
                let _ = r.send(self.stats.refresh(Instant::now().into_std()).clone());
                return Ok(());
            }
            Request::ReconnectNow => {
                self.reconnect_now = true;
                return Err(AppError::new(
                    ErrorCode::Cancelled,
                    "Reconnecting to Mosketch as asked.",
                ));
            }
        };
        let result = Self::write(conn, &bytes).await;
        let _ = reply.send(result.clone());
        result
    }
}
