//! Logging: tracing to stdout and to a daily rolling file in the OS log folder.
//! The level comes from `MAYALINK_LOG` (tracing's EnvFilter syntax), `info` by default.

use std::path::PathBuf;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

pub const LOG_ENV: &str = "MAYALINK_LOG";

/// The folder log files go to: `$MAYALINK_LOG_DIR`, else the OS's usual place
/// (`~/.local/share/mayalink/logs` on Linux, `%LOCALAPPDATA%\mayalink\logs` on
/// Windows, `~/Library/Logs/Mayalink` on macOS, where Console.app looks).
pub fn log_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MAYALINK_LOG_DIR") {
        return PathBuf::from(dir);
    }
    usual_log_dir(
        std::env::consts::OS,
        dirs::home_dir(),
        dirs::data_local_dir(),
    )
    .unwrap_or_else(|| std::env::temp_dir().join("mayalink").join("logs"))
}

fn usual_log_dir(os: &str, home: Option<PathBuf>, data_local: Option<PathBuf>) -> Option<PathBuf> {
    match os {
        "macos" => home.map(|h| h.join("Library").join("Logs").join("Mayalink")),
        _ => data_local.map(|d| d.join("mayalink").join("logs")),
    }
}

/// Installs the global subscriber. Keep the guard alive for the process's life:
/// dropping it flushes the file writer. Returns `None` for the guard when the
/// folder cannot be created (logging then goes to stdout only, and says why).
pub fn init(file_prefix: &str, to_stdout: bool) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    let dir = log_dir();
    let file = std::fs::create_dir_all(&dir).ok().map(|_| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix(file_prefix)
            .filename_suffix("log")
            .max_log_files(14)
            .build(&dir)
    });
    let (file_layer, guard) = match file {
        Some(Ok(appender)) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (
                Some(fmt::layer().with_ansi(false).with_writer(writer)),
                Some(guard),
            )
        }
        _ => (None, None),
    };
    let stdout_layer = to_stdout.then(|| fmt::layer().with_writer(std::io::stderr));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(file_layer)
        .with(stdout_layer)
        .try_init();
    if guard.is_none() {
        tracing::warn!(dir = %dir.display(), "log folder unavailable; logging to the terminal only");
    }
    guard
}

#[cfg(test)]
mod tests {
    use super::usual_log_dir;
    use std::path::PathBuf;

    #[test]
    fn logs_go_where_each_os_keeps_them() {
        let home = || Some(PathBuf::from("/Users/ana"));
        assert_eq!(
            usual_log_dir(
                "macos",
                home(),
                Some(PathBuf::from("/Users/ana/Library/Application Support"))
            ),
            Some(PathBuf::from("/Users/ana/Library/Logs/Mayalink"))
        );
        assert_eq!(
            usual_log_dir(
                "linux",
                home(),
                Some(PathBuf::from("/home/ana/.local/share"))
            ),
            Some(PathBuf::from("/home/ana/.local/share/mayalink/logs"))
        );
        let local = PathBuf::from(r"C:\Users\ana\AppData\Local");
        assert_eq!(
            usual_log_dir("windows", home(), Some(local.clone())),
            Some(local.join("mayalink").join("logs"))
        );
        assert_eq!(usual_log_dir("linux", home(), None), None);
    }
}
