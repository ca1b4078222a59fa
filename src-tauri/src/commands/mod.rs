//! IPC commands, one file per domain. Each returns `Result<_, AppError>` so the
//! UI always receives `{code, message}` on failure.

pub mod console;
pub mod demo;
pub mod diagnostics;
pub mod editor;
pub mod maya;
pub mod mosketch;
