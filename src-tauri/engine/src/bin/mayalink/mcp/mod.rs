//! `mayalink mcp`: a Model Context Protocol server on stdio (rmcp, the official
//! Rust SDK), so an assistant (Claude Code, Claude Desktop, VS Code, Cursor)
//! drives Maya through the engine: exactly-once runs, real tracebacks, the
//! Script Editor output, several Mayas, and Mosketch poses.
//!
//! stdout carries the protocol only: logs go to the log file (the CLI's logging
//! never writes to stdout), messages for a person to stderr. When the client disconnects (stdin closes) or
//! the process is told to stop, every Maya the server touched is cleaned up (its
//! output callback removed) before it exits.

mod capture;
mod mayas;
mod mosketch;
mod targets;
mod tools;

use clap::Args;
use mayalink_engine::maya::discovery::DEFAULT_PROCESS_PATTERN;
use rmcp::ServiceExt;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct McpArgs {
    /// A Maya the tools may use besides the discovered ones and the app's saved
    /// sessions (HOST:PORT, :PORT or a Unix socket path). Repeat for several.
    #[arg(long = "maya", value_name = "HOST:PORT")]
    maya: Vec<String>,
    /// Mosketch's streaming server for mosketch_pose.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:16094")]
    mosketch: String,
    /// Offer only the tools that do not run the assistant's code in Maya
    /// (list_mayas, read_output, scene_info, mosketch_pose).
    #[arg(long)]
    read_only: bool,
    /// Process-name regex of the running Mayas to discover ("" turns discovery off).
    #[arg(long, value_name = "REGEX", default_value = DEFAULT_PROCESS_PATTERN)]
    process_pattern: String,
}

pub fn run(a: McpArgs) -> ExitCode {
    let mut named = Vec::new();
    for m in &a.maya {
        match targets::parse(m) {
            Ok((_, address)) => named.push(address),
            Err(e) => {
                eprintln!("mayalink mcp: {}", e.message);
                return ExitCode::from(2);
            }
        }
    }
    if let Err(e) = crate::mosketch_cmd::parse_address(&a.mosketch) {
        eprintln!("mayalink mcp: --mosketch: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mayalink mcp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shared = Arc::new(tools::Shared::new(
        targets::Targets {
            named,
            process_pattern: (!a.process_pattern.is_empty()).then_some(a.process_pattern),
        },
        a.mosketch,
    ));
    let code = runtime.block_on(serve(shared, a.read_only));
    // stdin's reader thread may still be blocked on a read nobody will answer
    // (when a signal ended the server): do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    code
}

async fn serve(shared: Arc<tools::Shared>, read_only: bool) -> ExitCode {
    tracing::info!(read_only, "mcp server starting on stdio");
    let server = tools::MayalinkMcp::new(shared.clone(), read_only);
    let code = match server.serve(rmcp::transport::stdio()).await {
        Err(e) => {
            tracing::error!("mcp: the client's initialization failed: {e}");
            eprintln!("mayalink mcp: the client's initialization failed: {e}");
            ExitCode::FAILURE
        }
        Ok(running) => {
            let cancel = running.cancellation_token();
            tokio::select! {
                r = running.waiting() => {
                    tracing::info!("mcp: the client disconnected ({r:?})");
                }
                _ = stop_signal() => {
                    tracing::info!("mcp: stopped by a signal");
                    cancel.cancel();
                }
            }
            ExitCode::SUCCESS
        }
    };
    shared.mayas.close_all().await;
    shared.mosketches.close_all().await;
    tracing::info!("mcp server: cleaned up, exiting");
    code
}

/// Ctrl-C, or SIGTERM (what a client sends when the server does not exit on its own).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
