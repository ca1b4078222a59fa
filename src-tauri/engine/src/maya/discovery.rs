//! Discovery of running Mayas: processes whose name matches a pattern and the TCP
//! ports they listen on. Reads the OS's socket tables only; it never sends a byte
//! to any port (a port with Maya's security dialog on would pop it).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Maya's process name: `maya.bin` (Linux), `maya.exe` (Windows), `Maya` (macOS).
pub const DEFAULT_PROCESS_PATTERN: &str = r"(?i)^maya(\.bin|\.exe)?$";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DiscoveredMaya {
    pub pid: u32,
    pub process_name: String,
    pub host: String,
    pub port: u16,
    /// `host:port` ready to paste into "Add Maya".
    pub address: String,
}

/// Listening TCP ports of processes whose name matches `pattern` (a regex).
pub fn discover(pattern: &str) -> Result<Vec<DiscoveredMaya>, crate::AppError> {
    let re = regex_lite::Regex::new(pattern).map_err(|e| {
        crate::AppError::invalid(format!("bad process-name pattern {pattern:?}: {e}"))
    })?;
    let all = listeners::get_all().map_err(|e| {
        crate::AppError::new(
            crate::ErrorCode::Io,
            format!("cannot read the system's socket table: {e}"),
        )
    })?;
    let mut found: Vec<DiscoveredMaya> = all
        .into_iter()
        .filter(|l| {
            l.protocol == listeners::Protocol::TCP && l.state == listeners::SocketState::Listen
        })
        .filter(|l| re.is_match(&l.process.name))
        .map(|l| {
            let ip = l.socket.ip();
            let host = if ip.is_unspecified() {
                "127.0.0.1".to_string()
            } else {
                ip.to_string()
            };
            let address = if host.contains(':') {
                format!("[{host}]:{}", l.socket.port())
            } else {
                format!("{host}:{}", l.socket.port())
            };
            DiscoveredMaya {
                pid: l.process.pid,
                process_name: l.process.name,
                host,
                port: l.socket.port(),
                address,
            }
        })
        .collect();
    found.sort_by_key(|f| (f.pid, f.port));
    found.dedup_by(|a, b| a.pid == b.pid && a.port == b.port);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pattern_matches_maya_on_every_os() {
        let re = regex_lite::Regex::new(DEFAULT_PROCESS_PATTERN).unwrap();
        for n in ["maya.bin", "maya.exe", "Maya", "maya"] {
            assert!(re.is_match(n), "{n}");
        }
        for n in ["mayapy", "python3", "mayabatch.exe"] {
            assert!(!re.is_match(n), "{n}");
        }
    }

    #[test]
    fn finds_a_listening_port_of_this_process() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let me = std::fs::read_to_string("/proc/self/comm").unwrap_or_default();
        let pattern = format!("^{}$", regex_lite::escape(me.trim()));
        let found = discover(&pattern).unwrap();
        assert!(
            found
                .iter()
                .any(|d| d.port == port && d.pid == std::process::id()),
            "{found:?}"
        );
    }

    #[test]
    fn a_bad_pattern_is_invalid_input() {
        assert_eq!(
            discover("(").unwrap_err().code,
            crate::ErrorCode::InvalidInput
        );
    }
}
