//! Demo mode: "Try the demo" starts the built-in Demo Maya and Mosketch
//! simulator inside the app and connects to them.

use crate::AppState;
use mayalink_engine::AppError;
use tauri::State;

#[tauri::command]
pub async fn demo_start(state: State<'_, AppState>) -> Result<(), AppError> {
    state.start_demo().await
}
