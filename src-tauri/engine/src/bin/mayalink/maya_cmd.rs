//! `mayalink run`, `mayalink tail`, `mayalink sessions discover`: the Maya link
//! from a terminal, an editor or a script (like MayaSublime or MayaCharm).

use clap::{Args, Subcommand};
use mayalink_engine::console::{ConsoleHub, ConsoleLine, LineKind};
use mayalink_engine::maya::{
    discovery, Language, MayaAddress, MayaSession, RunOptions, SessionConfig,
};
use mayalink_engine::output::OutputService;
use mayalink_engine::{AppError, ErrorCode};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

#[derive(Args)]
pub struct RunArgs {
    /// Maya's commandPort: host:port, :port, or a Unix socket path.
    #[arg(long)]
    maya: String,
    /// The code is MEL (run with maya.mel.eval as one block).
    #[arg(long)]
    mel: bool,
    /// Code to run.
    #[arg(long, conflicts_with = "file")]
    code: Option<String>,
    /// A file to run (`-` reads standard input).
    #[arg(long)]
    file: Option<String>,
    /// Read the code from standard input.
    #[arg(value_name = "-", hide = true)]
    stdin: Option<String>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    json: bool,
    /// Wrap the run in one undo chunk.
    #[arg(long)]
    undo: bool,
    /// Give up after this many seconds (default: wait for Maya).
    #[arg(long)]
    timeout: Option<f64>,
}

#[derive(Args)]
pub struct TailArgs {
    #[arg(long)]
    maya: String,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum SessionsCommand {
    /// Running Mayas and the ports they listen on (reads the socket table; sends nothing).
    Discover {
        /// Process-name regex (default matches maya.bin, maya.exe, Maya).
        #[arg(long, default_value = discovery::DEFAULT_PROCESS_PATTERN)]
        pattern: String,
        #[arg(long)]
        json: bool,
    },
}

struct Printer {
    json: bool,
    color: bool,
}

impl Printer {
    fn new(json: bool) -> Self {
        Self {
            json,
            color: !json && std::io::stdout().is_terminal(),
        }
    }

    fn line(&self, l: &ConsoleLine) {
        if l.kind == LineKind::Echo {
            return; // the user knows what they ran
        }
        if self.json {
            println!(
                "{}",
                serde_json::json!({"type": "line", "kind": l.kind, "text": l.text})
            );
            return;
        }
        if l.kind == LineKind::Notice {
            eprintln!(
                "{}",
                paint(
                    self.color && std::io::stderr().is_terminal(),
                    "2",
                    &format!("[mayalink] {}", l.text)
                )
            );
            return;
        }
        let code = match l.kind {
            LineKind::Warning => "33",
            LineKind::Error => "31",
            LineKind::StackTrace => "91",
            LineKind::Result => "36",
            LineKind::History => "2",
            _ => "",
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "{}",
            paint(self.color && !code.is_empty(), code, &l.text)
        );
    }
}

fn paint(on: bool, code: &str, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn fail(json: bool, e: &AppError) -> ExitCode {
    if json {
        println!("{}", serde_json::json!({"type": "error", "error": e}));
    } else {
        eprintln!("mayalink: {}", e.message);
    }
    match e.code {
        ErrorCode::Unreachable | ErrorCode::Timeout | ErrorCode::Protocol => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

fn read_code(a: &RunArgs) -> Result<String, AppError> {
    let from_stdin = || {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map(|_| s)
            .map_err(AppError::from)
    };
    match (&a.code, &a.file, &a.stdin) {
        (Some(c), _, _) => Ok(c.clone()),
        (None, Some(f), _) if f == "-" => from_stdin(),
        (None, Some(f), _) => std::fs::read_to_string(f)
            .map_err(|e| AppError::invalid(format!("cannot read {f}: {e}"))),
        (None, None, Some(d)) if d == "-" => from_stdin(),
        _ => Err(AppError::invalid(
            "give the code with --code CODE, --file PATH, or - for standard input",
        )),
    }
}

/// Starts a session with output streaming and a task printing its lines, and
/// connects it (cleaning up again if Maya cannot be reached).
async fn open(
    maya: &str,
    printer: Printer,
) -> Result<(MayaSession, tokio::task::JoinHandle<()>, ConsoleHub), AppError> {
    let address = MayaAddress::parse(maya)?;
    let hub = ConsoleHub::default();
    let output = OutputService::new(hub.clone(), Default::default());
    let id = format!("cli-{}", std::process::id());
    let (_, mut rx) = hub.subscribe_with_recent();
    let printing = tokio::spawn(async move {
        while let Ok(batch) = rx.recv().await {
            for l in batch.iter() {
                printer.line(l);
            }
        }
    });
    let session = MayaSession::spawn(
        SessionConfig::new(id, "cli", address),
        hub.clone(),
        Some(output),
    );
    if let Err(e) = session.connect().await {
        finish(session, printing, hub).await;
        return Err(e);
    }
    Ok((session, printing, hub))
}

async fn finish(session: MayaSession, printing: tokio::task::JoinHandle<()>, hub: ConsoleHub) {
    let _ = session.shutdown().await;
    drop(hub);
    // Let the printer drain what is already published.
    let _ = tokio::time::timeout(std::time::Duration::from_millis(300), printing).await;
}

pub async fn run(a: RunArgs) -> ExitCode {
    let code = match read_code(&a) {
        Ok(c) => c,
        Err(e) => return fail(a.json, &e),
    };
    let (session, printing, hub) = match open(&a.maya, Printer::new(a.json)).await {
        Ok(x) => x,
        Err(e) => return fail(a.json, &e),
    };
    let lang = if a.mel {
        Language::Mel
    } else {
        Language::Python
    };
    let opts = RunOptions {
        undo_chunk: a.undo.then(|| "mayalink run".to_string()),
        file_name: a.file.clone(),
    };
    let run = session.run(&code, lang, opts);
    let result = match a.timeout {
        Some(t) => tokio::time::timeout(std::time::Duration::from_secs_f64(t), run)
            .await
            .unwrap_or_else(|_| {
                Err(AppError::new(
                    ErrorCode::Timeout,
                    format!(
                        "gave up after {t} s: Maya is still busy (or showing its security dialog)"
                    ),
                ))
            }),
        None => run.await,
    };
    // The printer task prints the output and result lines; finish lets it drain.
    finish(session, printing, hub).await;
    match result {
        Err(e) => fail(a.json, &e),
        Ok(r) => {
            if a.json {
                println!("{}", serde_json::json!({"type": "result", "result": r}));
            } else if let Some(err) = &r.error {
                eprint!("{}", err.traceback);
                if !err.traceback.ends_with('\n') {
                    eprintln!();
                }
            }
            if r.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

pub async fn tail(a: TailArgs) -> ExitCode {
    let (session, printing, hub) = match open(&a.maya, Printer::new(a.json)).await {
        Ok(x) => x,
        Err(e) => return fail(a.json, &e),
    };
    eprintln!(
        "mayalink: streaming Maya's output from {}; Ctrl-C to stop and clean up",
        a.maya
    );
    let _ = tokio::signal::ctrl_c().await;
    finish(session, printing, hub).await;
    ExitCode::SUCCESS
}

pub fn sessions(c: SessionsCommand) -> ExitCode {
    match c {
        SessionsCommand::Discover { pattern, json } => match discovery::discover(&pattern) {
            Err(e) => fail(json, &e),
            Ok(found) => {
                if json {
                    println!("{}", serde_json::to_string(&found).expect("serializes"));
                } else if found.is_empty() {
                    println!(
                        "No running Maya with an open port found. In Maya: {}",
                        mayalink_engine::maya::open_port_snippet(7001)
                    );
                } else {
                    for d in found {
                        println!("{:<22} pid {:<7} {}", d.address, d.pid, d.process_name);
                    }
                }
                ExitCode::SUCCESS
            }
        },
    }
}
