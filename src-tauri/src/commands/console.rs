//! Console streaming: the UI hands us a Channel and receives batched lines,
//! at most one batch per display frame, starting with the recent history.

use crate::AppState;
use mayalink_engine::console::{forward_batched, ConsoleBatch};
use mayalink_engine::AppError;
use std::time::Duration;
use tauri::ipc::Channel;

/// One display frame at 60 Hz: the UI never gets more than one batch per frame.
pub const FRAME: Duration = Duration::from_millis(16);

#[tauri::command]
pub async fn console_subscribe(
    state: tauri::State<'_, AppState>,
    on_batch: Channel<ConsoleBatch>,
) -> Result<(), AppError> {
    let (recent, rx) = state.console.subscribe_with_recent();
    if !recent.is_empty() {
        on_batch
            .send(ConsoleBatch { lines: recent })
            .map_err(|e| AppError::internal(format!("console channel closed: {e}")))?;
    }
    tauri::async_runtime::spawn(forward_batched(rx, FRAME, move |batch| {
        // A failed send means the webview went away (reload, window closed): stop.
        on_batch.send(batch).is_ok()
    }));
    Ok(())
}
