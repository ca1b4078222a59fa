//! Logging: tracing to stdout and to a daily rolling file in the OS log folder.
//! The level comes from `MAYALINK_LOG` (tracing's EnvFilter syntax), `info` by default.
//! A log file that cannot be written (a full disk) is said once per failure streak
//! to whoever registered with [`on_write_failure`] (the app's console); the lines
//! are dropped meanwhile, never the process.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
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
            let (writer, guard) = tracing_appender::non_blocking(Reporting::new(appender, &dir));
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

type FailureSink = Box<dyn Fn(String) + Send + Sync>;

static FAILURE_SINK: Mutex<Option<FailureSink>> = Mutex::new(None);

/// `sink` hears the first failed write to the log file after good ones (and only
/// that one until writing works again). It must not log (it runs in the writer).
pub fn on_write_failure(sink: impl Fn(String) + Send + Sync + 'static) {
    *FAILURE_SINK.lock().unwrap_or_else(|p| p.into_inner()) = Some(Box::new(sink));
}

/// The artist-facing text of a failed log write.
pub fn write_failure_message(dir: &Path, e: &std::io::Error) -> String {
    let full = e.raw_os_error() == Some(28);
    format!(
        "Mayalink could not write its log file in {} ({e}){}. Log lines are dropped until it \
         can write again; everything else keeps working.",
        dir.display(),
        if full { ": the disk is full" } else { "" }
    )
}

fn report_to_sink(message: String) {
    eprintln!("{message}");
    if let Some(sink) = FAILURE_SINK
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
    {
        sink(message);
    }
}

/// A log file writer that reports its failures (to [`on_write_failure`]'s sink).
struct Reporting<W> {
    inner: W,
    dir: PathBuf,
    failing: bool,
    report: fn(String),
}

impl<W> Reporting<W> {
    fn new(inner: W, dir: &Path) -> Self {
        Self {
            inner,
            dir: dir.to_path_buf(),
            failing: false,
            report: report_to_sink,
        }
    }

    fn outcome<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        match &r {
            Ok(_) => self.failing = false,
            Err(e) if !self.failing => {
                self.failing = true;
                (self.report)(write_failure_message(&self.dir, e));
            }
            Err(_) => {}
        }
        r
    }
}

impl<W: Write> Write for Reporting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.outcome(r)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.outcome(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_full_disk_is_reported_once_per_streak_and_never_panics() {
        let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
            return;
        };
        static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let mut w = Reporting::new(full, Path::new("/logs"));
        w.report = |m| SEEN.lock().unwrap().push(m);
        for _ in 0..3 {
            assert!(w.write_all(b"a line\n").is_err());
        }
        let seen = SEEN.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(
            seen[0].contains("/logs") && seen[0].contains("the disk is full"),
            "{}",
            seen[0]
        );
    }

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
