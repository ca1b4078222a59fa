//! `mosketch_pose`: one Mosketch link per address, started on first use and kept
//! (it acks every frame, so Mosketch keeps streaming), read through its pose watch.

use mayalink_engine::mosketch::{
    session::not_reachable_message, ConnectionState, MosketchConfig, MosketchSession,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::Mutex;

use crate::mosketch_cmd::parse_address;

#[derive(Default)]
pub struct Mosketches {
    open: Mutex<HashMap<String, MosketchSession>>,
}

impl Mosketches {
    /// The current pose at `address` (`HOST:PORT`), waiting up to `wait` for the
    /// first frame of a new link.
    pub async fn pose(&self, address: &str, wait: Duration) -> Result<Value, String> {
        let (host, port) = parse_address(address)?;
        let config = MosketchConfig {
            host,
            port,
            ..Default::default()
        };
        let key = config.address();
        let (mut pose, mut status) = {
            let mut open = self.open.lock().await;
            let s = open
                .entry(key.clone())
                .or_insert_with(|| MosketchSession::start(config).0);
            (s.pose(), s.status())
        };
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if pose.borrow().frame > 0 {
                break;
            }
            {
                let st = status.borrow();
                match &st.connection {
                    ConnectionState::Failed { reason } => return Err(reason.clone()),
                    ConnectionState::Reconnecting { .. } | ConnectionState::Disconnected
                        if st.last_error.is_some() =>
                    {
                        return Err(not_reachable_message(&key));
                    }
                    _ => {}
                }
            }
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {
                    let st = status.borrow().connection.clone();
                    return Err(match st {
                        ConnectionState::Handshaking | ConnectionState::Streaming =>
                            format!("Mosketch at {key} is connected but sent no frame within {} s: is a character loaded and streaming?", wait.as_secs_f64()),
                        _ => not_reachable_message(&key),
                    });
                }
                r = pose.changed() => if r.is_err() { return Err("the Mosketch link stopped".into()) },
                r = status.changed() => if r.is_err() { return Err("the Mosketch link stopped".into()) },
            }
        }
        let p = pose.borrow().clone();
        let joint_space = status.borrow().joint_space;
        let root = p.joints.iter().find(|j| j.t.is_some()).or(p.joints.first());
        Ok(json!({
            "mosketch": key,
            "hierarchyId": p.hierarchy_id,
            "frame": p.frame,
            "timeMs": p.time_ms,
            "jointSpace": joint_space,
            "rotations": "quaternions [x, y, z, w] in the joint space above",
            "root": root.map(|j| json!({"name": j.name, "translation": j.t, "units": "metres"})),
            "joints": p.joints.iter().map(|j| json!({"name": j.name, "r": j.r, "t": j.t})).collect::<Vec<_>>(),
        }))
    }

    pub async fn close_all(&self) {
        let all: Vec<MosketchSession> = self.open.lock().await.drain().map(|(_, s)| s).collect();
        for s in all {
            let _ = tokio::time::timeout(Duration::from_secs(1), s.shutdown()).await;
        }
    }
}
