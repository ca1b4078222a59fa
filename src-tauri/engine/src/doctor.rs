//! `doctor`: what the user (or a bug report) needs to know about this machine —
//! versions, the log folder, and whether the ports Mayalink uses are free.

use serde::{Deserialize, Serialize};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, UdpSocket};
use ts_rs::TS;

/// Ports the product cares about by default.
pub const WELL_KNOWN_PORTS: &[(u16, &str, PortProto)] = &[
    (
        7001,
        "Maya commandPort (Python, the usual choice)",
        PortProto::Tcp,
    ),
    (
        7002,
        "Maya commandPort (MEL, the usual choice)",
        PortProto::Tcp,
    ),
    (16094, "Mosketch streaming server", PortProto::Tcp),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum PortProto {
    Tcp,
    Udp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PortStatus {
    pub port: u16,
    pub proto: PortProto,
    pub purpose: String,
    /// True when nothing on this machine listens there (we could bind it on loopback).
    /// False means something is listening: Maya, Mosketch, or another program.
    pub free: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DoctorReport {
    pub app_version: String,
    pub engine_version: String,
    pub os: String,
    pub arch: String,
    pub log_dir: String,
    /// Where the saved sessions, autosaved tabs and link mappings live (absent
    /// when they are kept in memory only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub config_dir: Option<String>,
    pub ports: Vec<PortStatus>,
    /// The `mayalink` CLI installed beside the running program (absolute path), if
    /// there is one: what an assistant's MCP configuration starts (`mayalink mcp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cli_path: Option<String>,
}

/// The `mayalink` CLI next to the running executable (the app and the CLI are
/// installed side by side), when it exists.
pub fn cli_path() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let cli = exe
        .parent()?
        .join(format!("mayalink{}", std::env::consts::EXE_SUFFIX));
    cli.is_file().then(|| cli.display().to_string())
}

/// Binding is the only check that sends nothing to anyone: a busy port could be a
/// Maya with its security dialog on, and probing it would pop that dialog.
pub fn port_free(port: u16, proto: PortProto) -> bool {
    let addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
    match proto {
        PortProto::Tcp => TcpListener::bind(addr).is_ok(),
        PortProto::Udp => UdpSocket::bind(addr).is_ok(),
    }
}

pub fn report(app_version: &str, config_dir: Option<&std::path::Path>) -> DoctorReport {
    DoctorReport {
        app_version: app_version.to_string(),
        engine_version: crate::VERSION.to_string(),
        os: std::env::consts::OS.to_string(),
        arch: std::env::consts::ARCH.to_string(),
        log_dir: crate::logging::log_dir().display().to_string(),
        config_dir: config_dir.map(|d| d.display().to_string()),
        ports: WELL_KNOWN_PORTS
            .iter()
            .map(|&(port, purpose, proto)| PortStatus {
                port,
                proto,
                purpose: purpose.to_string(),
                free: port_free(port, proto),
            })
            .collect(),
        cli_path: cli_path(),
    }
}

impl DoctorReport {
    /// Plain text for the terminal and for "copy diagnostics".
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "Mayalink {} (engine {}) on {}/{}\nlog folder: {}\n",
            self.app_version, self.engine_version, self.os, self.arch, self.log_dir
        );
        if let Some(dir) = &self.config_dir {
            s.push_str(&format!("settings folder: {dir}\n"));
        }
        s.push_str("ports:\n");
        for p in &self.ports {
            let state = if p.free { "free" } else { "in use" };
            s.push_str(&format!(
                "  {:>5}/{:?}  {:<7} {}\n",
                p.port, p.proto, state, p.purpose
            ));
        }
        if let Some(cli) = &self.cli_path {
            s.push_str(&format!("cli: {cli} (assistants: {cli} mcp)\n"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listening_port_is_reported_in_use() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        assert!(!port_free(port, PortProto::Tcp));
        drop(l);
        assert!(port_free(port, PortProto::Tcp));
    }

    #[test]
    fn report_lists_the_well_known_ports_and_the_folders() {
        let settings = std::path::Path::new("/home/ana/.config/mayalink");
        let r = report("9.9.9", Some(settings));
        assert_eq!(r.app_version, "9.9.9");
        assert_eq!(r.ports.len(), WELL_KNOWN_PORTS.len());
        assert!(r.ports.iter().any(|p| p.port == 16094));
        assert!(r.to_text().contains(&r.log_dir));
        assert!(r
            .to_text()
            .contains("settings folder: /home/ana/.config/mayalink"));
        assert_eq!(report("9.9.9", None).config_dir, None);
    }
}
