//! Diagnostics: the doctor report.

use super::{Engine, NoArgs};
use crate::doctor::{self, DoctorReport};
use crate::AppError;

pub async fn doctor(_: &Engine, _: NoArgs) -> Result<DoctorReport, AppError> {
    // Port checks bind sockets: keep them off the async runtime's threads.
    tokio::task::spawn_blocking(|| doctor::report(crate::VERSION))
        .await
        .map_err(|e| AppError::internal(e.to_string()))
}
