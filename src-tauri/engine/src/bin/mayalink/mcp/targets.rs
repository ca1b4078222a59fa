//! Which Mayas the server may use and which one a tool call means: the Mayas
//! named with `--maya`, the running Mayas found by discovery (the socket table,
//! nothing is sent), and the sessions saved by the desktop app.

use mayalink_engine::maya::{discovery, open_port_snippet, MayaAddress};
use mayalink_engine::workspace::saved;
use mayalink_engine::AppError;
use std::time::Duration;

/// Where a candidate Maya comes from (shown by `list_mayas`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--maya` on the command line.
    Flag,
    /// A running Maya process listening on this port (pid, process name).
    Discovered { pid: u32, process: String },
    /// A session saved by the desktop app (its name there).
    Saved { name: String },
    /// Named by a tool call earlier in this connection.
    Used,
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Flag => "named with --maya".to_string(),
            Source::Discovered { pid, process } => format!("running {process}, pid {pid}"),
            Source::Saved { name } => format!("saved in the Mayalink app as \"{name}\""),
            Source::Used => "named by an earlier tool call".to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Candidate {
    /// The address as the tools name it (`HOST:PORT`, `localhost` spelt 127.0.0.1).
    pub key: String,
    pub address: MayaAddress,
    pub sources: Vec<Source>,
}

/// The key a Maya is known by: one spelling per address, so `:7001`,
/// `localhost:7001` and `127.0.0.1:7001` are the same Maya.
pub fn normalize(address: &MayaAddress) -> (String, MayaAddress) {
    let a = match address {
        MayaAddress::Tcp { host, port } if host.eq_ignore_ascii_case("localhost") => {
            MayaAddress::Tcp {
                host: "127.0.0.1".into(),
                port: *port,
            }
        }
        other => other.clone(),
    };
    (a.to_string(), a)
}

/// Parses what a tool call or `--maya` says.
pub fn parse(text: &str) -> Result<(String, MayaAddress), AppError> {
    Ok(normalize(&MayaAddress::parse(text)?))
}

pub struct Targets {
    /// `--maya`, in the order given.
    pub named: Vec<MayaAddress>,
    /// Process-name regex for discovery; `None` turns discovery off.
    pub process_pattern: Option<String>,
}

impl Targets {
    /// Every Maya the server knows of, each address once, in a stable order:
    /// `--maya` first, then discovered, then saved.
    pub async fn candidates(&self) -> (Vec<Candidate>, Vec<String>) {
        let mut out: Vec<Candidate> = Vec::new();
        let mut notes = Vec::new();
        let mut add = |address: &MayaAddress, source: Source| {
            let (key, address) = normalize(address);
            match out.iter_mut().find(|c| c.key == key) {
                Some(c) => {
                    if !c.sources.contains(&source) {
                        c.sources.push(source)
                    }
                }
                None => out.push(Candidate {
                    key,
                    address,
                    sources: vec![source],
                }),
            }
        };
        for a in &self.named {
            add(a, Source::Flag);
        }
        if let Some(pattern) = self.process_pattern.clone() {
            // Reads the OS's socket table: blocking, and sends nothing to anyone.
            match tokio::task::spawn_blocking(move || discovery::discover(&pattern)).await {
                Ok(Ok(found)) => {
                    for d in found {
                        if let Ok(a) = MayaAddress::parse(&d.address) {
                            add(
                                &a,
                                Source::Discovered {
                                    pid: d.pid,
                                    process: d.process_name,
                                },
                            );
                        }
                    }
                }
                Ok(Err(e)) => notes.push(format!("Discovery failed: {}", e.message)),
                Err(e) => notes.push(format!("Discovery failed: {e}")),
            }
        }
        let (saved, problem) = saved::load(&saved::default_path());
        if let Some(p) = problem {
            notes.push(p);
        }
        for s in saved.sessions {
            if let Ok(a) = MayaAddress::parse(&s.spec.address) {
                add(&a, Source::Saved { name: s.spec.name });
            }
        }
        (out, notes)
    }
}

/// Why there is no default Maya.
#[derive(Debug, PartialEq, Eq)]
pub enum NotOne {
    None,
    /// Several Mayas (their addresses).
    Several(Vec<String>),
    /// One Maya process (pid) listening on several ports, none of them named by
    /// the user: any of them may be something else than a commandPort.
    SeveralPorts(u32, Vec<String>),
}

/// The default among the reachable candidates: exactly one Maya. The ports one
/// Maya process listens on count as one Maya; among them, the one the user named
/// (`--maya`, a saved session) is meant.
pub fn the_only_one(mut reachable: Vec<Candidate>) -> Result<Candidate, NotOne> {
    let pid = |c: &Candidate| {
        c.sources.iter().find_map(|s| match s {
            Source::Discovered { pid, .. } => Some(*pid),
            _ => None,
        })
    };
    let named = |c: &Candidate| {
        c.sources
            .iter()
            .any(|s| !matches!(s, Source::Discovered { .. }))
    };
    let keys = |cs: &[Candidate]| cs.iter().map(|c| c.key.clone()).collect::<Vec<_>>();
    match reachable.len() {
        0 => return Err(NotOne::None),
        1 => return Ok(reachable.remove(0)),
        _ => {}
    }
    let first_pid = pid(&reachable[0]);
    let one_process = first_pid.is_some() && reachable.iter().all(|c| pid(c) == first_pid);
    if !one_process {
        return Err(NotOne::Several(keys(&reachable)));
    }
    let mut chosen: Vec<Candidate> = reachable.iter().filter(|c| named(c)).cloned().collect();
    if chosen.len() == 1 {
        return Ok(chosen.remove(0));
    }
    Err(NotOne::SeveralPorts(
        first_pid.unwrap_or_default(),
        keys(&reachable),
    ))
}

/// Whether something accepts connections at the address. Connects and closes
/// without sending a byte: Maya runs nothing and shows no security dialog.
pub async fn listening(address: &MayaAddress) -> bool {
    let limit = Duration::from_millis(500);
    match address {
        MayaAddress::Tcp { host, port } => matches!(
            tokio::time::timeout(
                limit,
                tokio::net::TcpStream::connect((host.as_str(), *port))
            )
            .await,
            Ok(Ok(_))
        ),
        #[cfg(unix)]
        MayaAddress::Unix { path } => matches!(
            tokio::time::timeout(limit, tokio::net::UnixStream::connect(path)).await,
            Ok(Ok(_))
        ),
        #[cfg(not(unix))]
        MayaAddress::Unix { .. } => false,
    }
}

/// The message when no Maya can be reached: what to type in Maya.
pub fn none_reachable_message(tried: &[String]) -> String {
    let tried = if tried.is_empty() {
        "No running Maya with an open commandPort was found".to_string()
    } else {
        format!(
            "No Maya is reachable (tried {}; discovery found no other running Maya with an open port)",
            tried.join(", ")
        )
    };
    format!(
        "{tried}. In Maya's Script Editor (Python tab), open a port with:\n    {}\n\
         then call this tool again (with maya=\"127.0.0.1:7001\" if several Mayas are open), \
         or start the server with --maya HOST:PORT.",
        open_port_snippet(7001)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_per_address() {
        for text in [":7001", "7001", "localhost:7001", "127.0.0.1:7001"] {
            assert_eq!(parse(text).unwrap().0, "127.0.0.1:7001", "{text}");
        }
        assert_eq!(parse("[::1]:7002").unwrap().0, "[::1]:7002");
        assert!(parse("nonsense").is_err());
    }

    fn candidate(key: &str, sources: Vec<Source>) -> Candidate {
        let (key, address) = parse(key).unwrap();
        Candidate {
            key,
            address,
            sources,
        }
    }

    fn running(pid: u32) -> Source {
        Source::Discovered {
            pid,
            process: "maya.bin".into(),
        }
    }

    #[test]
    fn the_default_is_the_only_maya() {
        assert_eq!(the_only_one(vec![]).unwrap_err(), NotOne::None);
        let one = the_only_one(vec![candidate(":7001", vec![Source::Flag])]).unwrap();
        assert_eq!(one.key, "127.0.0.1:7001");
        // Two Mayas: the assistant must say which.
        assert_eq!(
            the_only_one(vec![
                candidate(":7001", vec![running(1)]),
                candidate(":7002", vec![running(2)]),
            ])
            .unwrap_err(),
            NotOne::Several(vec!["127.0.0.1:7001".into(), "127.0.0.1:7002".into()])
        );
        // One Maya with two ports: the one the user named, else ask.
        let two_ports = |named: bool| {
            vec![
                candidate(":7001", vec![running(1)]),
                candidate(
                    ":7002",
                    if named {
                        vec![running(1), Source::Saved { name: "m".into() }]
                    } else {
                        vec![running(1)]
                    },
                ),
            ]
        };
        assert_eq!(the_only_one(two_ports(true)).unwrap().key, "127.0.0.1:7002");
        assert!(matches!(
            the_only_one(two_ports(false)).unwrap_err(),
            NotOne::SeveralPorts(1, _)
        ));
    }

    #[test]
    fn the_hint_tells_how_to_open_a_port() {
        let m = none_reachable_message(&["127.0.0.1:1".into()]);
        assert!(m.contains("cmds.commandPort(name=\":7001\""), "{m}");
        assert!(m.contains("127.0.0.1:1"), "{m}");
    }
}
