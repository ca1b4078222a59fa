//! Where a Maya listens: a TCP host:port or a Unix socket path, parsed from what
//! an artist types (":7001", "7001", "localhost:7001", "[::1]:7001", "/tmp/maya").

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[ts(export)]
pub enum MayaAddress {
    Tcp { host: String, port: u16 },
    Unix { path: String },
}

impl MayaAddress {
    pub fn parse(text: &str) -> Result<Self, crate::AppError> {
        Self::parse_on(text, cfg!(unix))
    }

    /// As on a system with (Linux, macOS) or without (Windows) Unix sockets, where a
    /// socket path is refused before anything tries to connect to it.
    fn parse_on(text: &str, unix_sockets: bool) -> Result<Self, crate::AppError> {
        let t = text.trim();
        let bad = || {
            crate::AppError::invalid(format!(
                "\"{t}\" is not a Maya address: use host:port (e.g. localhost:7001 or :7001) or a Unix socket path"
            ))
        };
        if t.is_empty() {
            return Err(bad());
        }
        if t.starts_with('/') || t.starts_with("unix:") {
            if !unix_sockets {
                return Err(crate::AppError::invalid(format!(
                    "\"{t}\" is a Unix socket path, which Maya on Windows cannot open: open a TCP port in Maya (commandPort -name \":7001\" -sourceType \"python\";) and enter :7001"
                )));
            }
            return Ok(MayaAddress::Unix {
                path: t.trim_start_matches("unix:").to_string(),
            });
        }
        if let Ok(port) = t.parse::<u16>() {
            return Ok(MayaAddress::Tcp {
                host: "127.0.0.1".into(),
                port,
            });
        }
        let (host, port) = if let Some(rest) = t.strip_prefix('[') {
            let (h, p) = rest.split_once("]:").ok_or_else(bad)?;
            (h.to_string(), p)
        } else {
            let (h, p) = t.rsplit_once(':').ok_or_else(bad)?;
            (
                if h.is_empty() {
                    "127.0.0.1".to_string()
                } else {
                    h.to_string()
                },
                p,
            )
        };
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(bad)?;
        Ok(MayaAddress::Tcp { host, port })
    }

    /// The IP address Maya is reached at (a Unix socket's Maya is on this machine),
    /// for what Mayalink sends it over UDP (the live link).
    pub async fn ip(&self) -> Result<std::net::IpAddr, crate::AppError> {
        match self {
            MayaAddress::Unix { .. } => Ok(std::net::Ipv4Addr::LOCALHOST.into()),
            MayaAddress::Tcp { host, port } => {
                let host = if host.is_empty() { "127.0.0.1" } else { host };
                let host = host.trim_start_matches('[').trim_end_matches(']');
                tokio::net::lookup_host((host, *port))
                    .await?
                    .next()
                    .map(|a| a.ip())
                    .ok_or_else(|| crate::AppError::invalid(format!("cannot resolve {host}")))
            }
        }
    }

    pub fn port(&self) -> Option<u16> {
        match self {
            MayaAddress::Tcp { port, .. } => Some(*port),
            MayaAddress::Unix { .. } => None,
        }
    }

    /// True when Maya runs on this machine (its output can come back over loopback).
    pub fn is_local(&self) -> bool {
        match self {
            MayaAddress::Unix { .. } => true,
            MayaAddress::Tcp { host, .. } => {
                host == "localhost"
                    || host
                        .parse::<std::net::IpAddr>()
                        .map(|ip| ip.is_loopback())
                        .unwrap_or(false)
            }
        }
    }
}

impl fmt::Display for MayaAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MayaAddress::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            MayaAddress::Tcp { host, port } => write!(f, "{host}:{port}"),
            MayaAddress::Unix { path } => write!(f, "{path}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(h: &str, p: u16) -> MayaAddress {
        MayaAddress::Tcp {
            host: h.into(),
            port: p,
        }
    }

    #[test]
    fn unix_socket_paths_are_refused_where_there_are_no_unix_sockets() {
        for text in ["/tmp/maya.sock", "unix:/tmp/maya.sock"] {
            assert!(matches!(
                MayaAddress::parse_on(text, true),
                Ok(MayaAddress::Unix { .. })
            ));
            let e = MayaAddress::parse_on(text, false).unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::InvalidInput);
            assert!(
                e.message.contains("Maya on Windows cannot open"),
                "{}",
                e.message
            );
            assert!(e.message.contains(":7001"), "{}", e.message);
        }
        assert!(MayaAddress::parse_on(":7001", false).is_ok());
    }

    #[test]
    fn parses_what_artists_type() {
        assert_eq!(MayaAddress::parse(":7001").unwrap(), tcp("127.0.0.1", 7001));
        assert_eq!(MayaAddress::parse("7002").unwrap(), tcp("127.0.0.1", 7002));
        assert_eq!(
            MayaAddress::parse("localhost:7001").unwrap(),
            tcp("localhost", 7001)
        );
        assert_eq!(
            MayaAddress::parse(" 10.0.0.5:7001 ").unwrap(),
            tcp("10.0.0.5", 7001)
        );
        assert_eq!(MayaAddress::parse("[::1]:7001").unwrap(), tcp("::1", 7001));
        assert_eq!(
            MayaAddress::parse("/tmp/maya7001").unwrap(),
            MayaAddress::Unix {
                path: "/tmp/maya7001".into()
            }
        );
        assert_eq!(
            MayaAddress::parse("[::1]:7001").unwrap().to_string(),
            "[::1]:7001"
        );
    }

    #[test]
    fn rejects_nonsense_with_a_helpful_message() {
        for bad in ["", "maya", "host:", "host:99999", ":0"] {
            let e = MayaAddress::parse(bad).unwrap_err();
            assert!(e.message.contains("host:port"), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn knows_local_from_remote() {
        assert!(MayaAddress::parse(":7001").unwrap().is_local());
        assert!(MayaAddress::parse("localhost:7001").unwrap().is_local());
        assert!(!MayaAddress::parse("10.1.2.3:7001").unwrap().is_local());
    }
}
