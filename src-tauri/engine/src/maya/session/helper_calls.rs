//! Mayalink's helper in Maya: getting a port ready (port kind, helper install, Maya's
//! identity), calls to the helper, the output stream's registration, and clean-up.

use base64::Engine as _;
use serde_json::{json, Value};
use std::time::Duration;

use super::task::{Limits, SessionTask};
use super::CleanupReport;
use crate::error::{AppError, ErrorCode};
use crate::maya::address::MayaAddress;
use crate::maya::helper;
use crate::maya::protocol::{MayaInfo, PortKind};

const HELPER_MISSING: &str = "No module named 'mayalink_helper'";

pub(super) fn helper_json(reply: &str) -> Result<Value, AppError> {
    serde_json::from_str::<Value>(reply.trim()).map_err(|_| {
        AppError::protocol(format!(
            "Unexpected reply from Maya's helper: {:.300}",
            reply.trim()
        ))
    })
}
impl SessionTask {
    /// Detects the port kind, installs (or upgrades) the helper, reads Maya's
    /// identity and starts the output stream: everything a first call needs.
    pub(super) async fn ready(&mut self) -> Result<(), AppError> {
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
    pub(super) async fn helper_call(
        &mut self,
        body: &Value,
        timeout: Duration,
    ) -> Result<Value, AppError> {
        helper_json(&self.helper_line(&helper::call_line(body), timeout).await?)
    }

    /// Sends a helper line; re-installs the helper once if Maya restarted without it.
    pub(super) async fn helper_line(
        &mut self,
        line: &str,
        timeout: Duration,
    ) -> Result<String, AppError> {
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
    pub(super) async fn do_cleanup(&mut self) -> Result<CleanupReport, AppError> {
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
}
