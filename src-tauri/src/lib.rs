//! The Tauri shell: builds the app, wires state, registers commands. Everything
//! the app *does* lives in `mayalink_engine`; this crate only adapts it to IPC.

mod commands;
mod state;

pub use state::AppState;

/// Registers every command on a builder (shared by the real app and the tests'
/// mock app, so both expose exactly the same IPC surface).
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::diagnostics::doctor,
        commands::diagnostics::open_log_folder,
        commands::console::console_subscribe,
    ])
}

pub fn run() {
    let _log_guard = mayalink_engine::logging::init("mayalink-app", true);
    tracing::info!(version = mayalink_engine::VERSION, "starting Mayalink");
    let state = AppState::new();
    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .manage(state.clone());
    with_commands(builder)
        .setup(move |_app| {
            state.console.notice("app", format!("Mayalink {} ready.", mayalink_engine::VERSION));
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running Mayalink");
}
