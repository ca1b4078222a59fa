//! `mayalink`: the headless command line. Every subcommand is a thin wrapper
//! over the engine, so what works here works in the app.

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
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let _guard = logging::init("mayalink-cli", false);
    match cli.command {
        Command::Doctor { json } => {
            let r = doctor::report(mayalink_engine::VERSION);
            if json {
                println!("{}", serde_json::to_string(&r).expect("report serializes"));
            } else {
                print!("{}", r.to_text());
            }
            std::process::ExitCode::SUCCESS
        }
    }
}
