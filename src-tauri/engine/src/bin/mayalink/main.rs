//! `mayalink`: the headless command line. Every subcommand is a thin wrapper
//! over the engine, so what works here works in the app.

mod bench_link;
mod bench_maya;
mod bench_mosketch;
mod bench_output;
mod link_cmd;
mod maya_cmd;
mod mcp;
mod mosketch_cmd;
mod serve;

use clap::{Parser, Subcommand};
use mayalink_engine::{doctor, logging};

#[derive(Parser)]
#[command(name = "mayalink", version = mayalink_engine::VERSION, about = "Script Maya and watch Mosketch from the terminal")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Versions, the log folder, and which of Mayalink's usual ports are free.
    Doctor {
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run Python (or MEL with --mel) in a Maya, streaming its output. Exit 0 on
    /// success, 1 when the code raised in Maya, 2 when Maya cannot be reached.
    Run(maya_cmd::RunArgs),
    /// Stream a Maya's output until Ctrl-C, then clean up.
    Tail(maya_cmd::TailArgs),
    /// Maya sessions: discovery of running Mayas.
    #[command(subcommand)]
    Sessions(maya_cmd::SessionsCommand),
    /// Benchmark: run round trip and the output callback's cost in Maya (prints figures).
    BenchMaya(bench_maya::Args),
    /// Benchmark: the live link's latency, Maya main-thread cost and other clients' round trips (prints figures).
    BenchLink(bench_link::Args),
    /// Benchmark: UDP output ingest through the listener vs a raw recv loop (prints figures).
    BenchOutput(bench_output::Args),
    /// The live link: Mosketch drives Mayas' joints (or, with --to-mosketch, Maya's pose goes to Mosketch).
    Link(link_cmd::Args),
    /// Serve the app's UI and engine to a browser on this machine (prints the URL).
    Serve(serve::Args),
    /// An MCP server on stdio: assistants (Claude Code, Claude Desktop, VS Code) run
    /// code in Maya, read its output and Mosketch's pose through Mayalink.
    Mcp(mcp::McpArgs),
    /// Mosketch: watch a streaming server, run the simulator, benchmark the link.
    #[command(flatten)]
    Mosketch(mosketch_cmd::MosketchCommands),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let _guard = logging::init("mayalink-cli", false);
    match cli.command {
        Command::Doctor { json } => {
            let config = mayalink_engine::api::EngineConfig::user();
            let r = doctor::report(mayalink_engine::VERSION, config.config_dir.as_deref());
            if json {
                println!("{}", serde_json::to_string(&r).expect("report serializes"));
            } else {
                print!("{}", r.to_text());
            }
            std::process::ExitCode::SUCCESS
        }
        Command::Run(a) => runtime().block_on(maya_cmd::run(a)),
        Command::Tail(a) => runtime().block_on(maya_cmd::tail(a)),
        Command::Sessions(c) => maya_cmd::sessions(c),
        Command::Serve(a) => serve::run(a),
        Command::Link(a) => link_cmd::run(a),
        Command::Mcp(a) => mcp::run(a),
        Command::Mosketch(c) => mosketch_cmd::run(c),
        Command::BenchMaya(args) => bench_maya::run(args),
        Command::BenchOutput(args) => bench_output::run(args),
        Command::BenchLink(args) => bench_link::run(args),
    }
}

/// One thread does it all: the session's task then runs beside its caller, with no
/// hand-off between threads in a run's round trip.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}
