//! The Tauri shell: builds the app, wires state, registers commands. Everything
//! the app *does* lives in `mayalink_engine`; this crate only adapts it to IPC.

mod commands;
mod mosketch_link;
mod state;

pub use state::AppState;

/// Registers every command on a builder (shared by the real app and the tests'
/// mock app, so both expose exactly the same IPC surface).
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::diagnostics::doctor,
        commands::diagnostics::open_log_folder,
        commands::console::console_subscribe,
        commands::maya::maya_sessions_subscribe,
        commands::maya::maya_session_add,
        commands::maya::maya_session_update,
        commands::maya::maya_session_remove,
        commands::maya::maya_session_set_active,
        commands::maya::maya_session_connect,
        commands::maya::maya_session_cleanup,
        commands::maya::maya_run,
        commands::maya::maya_run_all,
        commands::maya::maya_cancel,
        commands::maya::maya_discover,
        commands::maya::console_history,
        commands::editor::editor_read_file,
        commands::editor::editor_write_file,
        commands::editor::editor_tabs_load,
        commands::editor::editor_tabs_save,
        commands::demo::demo_start,
        commands::mosketch::mosketch_connect,
        commands::mosketch::mosketch_disconnect,
        commands::mosketch::mosketch_subscribe,
        commands::mosketch::mosketch_set_joint_space,
        commands::mosketch::mosketch_set_orient_mode,
        commands::mosketch::mosketch_set_ack_spelling,
        commands::mosketch::mosketch_send_command,
        commands::mosketch::mosketch_send_pose,
        commands::mosketch::mosketch_command_presets,
        commands::mosketch::skeleton_from_maya,
        commands::mosketch::skeleton_load_file,
    ])
}

pub fn run() {
    let _log_guard = mayalink_engine::logging::init("mayalink-app", true);
    tracing::info!(version = mayalink_engine::VERSION, "starting Mayalink");
    let demo = std::env::args().any(|a| a == "--demo");
    let state = AppState::new(Some(mayalink_engine::workspace::saved::default_path()));
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
        .manage(state.clone());
    let setup_state = state.clone();
    let app = with_commands(builder)
        .setup(move |app| {
            // Ctrl-C in a terminal, or a session manager's SIGTERM: exit through
            // RunEvent::Exit so every Maya's callback is removed first.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                wait_for_termination().await;
                handle.exit(0);
            });
            let state = setup_state.clone();
            state.console.notice(
                "app",
                format!("Mayalink {} ready.", mayalink_engine::VERSION),
            );
            tauri::async_runtime::spawn(async move {
                state.workspace.restore();
                if demo {
                    if let Err(e) = state.demo_where_needed().await {
                        state
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
            let ws = state.workspace.clone();
            let mosketch = state.mosketch.clone();
            tauri::async_runtime::block_on(async move {
                let _ = tokio::time::timeout(std::time::Duration::from_secs(3), async {
                    tokio::join!(ws.shutdown(), mosketch.disconnect());
                })
                .await;
            });
        }
    });
}

async fn wait_for_termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
