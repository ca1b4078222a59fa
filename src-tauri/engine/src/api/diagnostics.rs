//! Diagnostics: the doctor report.

use super::{Engine, NoArgs};
use crate::doctor::{self, DoctorReport};
use crate::AppError;

pub async fn doctor(e: &Engine, _: NoArgs) -> Result<DoctorReport, AppError> {
    let config_dir = e.config.config_dir.clone();
    // Port checks bind sockets: keep them off the async runtime's threads.
    tokio::task::spawn_blocking(move || doctor::report(crate::VERSION, config_dir.as_deref()))
        .await
        .map_err(|e| AppError::internal(e.to_string()))
}
