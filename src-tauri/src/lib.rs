//! The Tauri shell: builds the app, holds the engine, exposes its command map over
//! IPC. Everything the app *does* lives in `mayalink_engine`; this crate only
//! adapts it to a desktop window.

mod ipc;
mod update;

pub use mayalink_engine::api::{Engine, EngineConfig};

/// Registers the IPC surface on a builder (shared by the real app and the tests'
/// mock app, so both expose exactly the same one).
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .manage(update::UpdateState::default())
        .invoke_handler(tauri::generate_handler![
            ipc::api,
            ipc::api_subscribe,
            ipc::open_log_folder,
            update::update_check,
            update::update_download,
            update::update_install,
            update::update_settings_get,
            update::update_settings_set,
        ])
}

pub fn run() {
    let _log_guard = mayalink_engine::logging::init("mayalink-app", true);
    tracing::info!(version = mayalink_engine::VERSION, "starting Mayalink");
    let demo = std::env::args().any(|a| a == "--demo");
    let engine = Engine::new(EngineConfig::user());
    let builder = tauri::Builder::default()
        // First: a second launch focuses the running window instead of opening another.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            use tauri::Manager;
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(engine.clone());
    let setup_engine = engine.clone();
    let app = with_commands(builder)
        .setup(move |app| {
            // Ctrl-C in a terminal, or a session manager's SIGTERM: exit through
            // RunEvent::Exit so every Maya's callback is removed first.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                mayalink_engine::shutdown::requested().await;
                handle.exit(0);
            });
            let engine = setup_engine.clone();
            engine.console.notice(
                "app",
                format!("Mayalink {} ready.", mayalink_engine::VERSION),
            );
            tauri::async_runtime::spawn(async move {
                engine.workspace.restore();
                if demo {
                    if let Err(e) = engine.demo_where_needed().await {
                        engine
                            .console
                            .notice("app", format!("Demo mode failed: {}", e.message));
                    }
                }
            });
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("error while building Mayalink");
    app.run(move |_app, event| {
        if let tauri::RunEvent::Exit = event {
            // Remove our callbacks from every Maya before the process ends; each
            // session gives up within about a second if its Maya is gone.
            let engine = engine.clone();
            tauri::async_runtime::block_on(async move { engine.shutdown().await });
        }
    });
}
