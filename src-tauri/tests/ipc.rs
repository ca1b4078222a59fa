//! The app's IPC surface, exercised through Tauri's mock runtime (no display):
//! what the UI receives for each command, success and failure shapes.

use mayalink_app_lib::{with_commands, AppState};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;

fn request(cmd: &str, body: serde_json::Value) -> InvokeRequest {
    InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: tauri::ipc::InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    }
}

fn app() -> (
    tauri::App<tauri::test::MockRuntime>,
    tauri::WebviewWindow<tauri::test::MockRuntime>,
) {
    let app = with_commands(mock_builder().manage(AppState::new(None)))
        .build(tauri::generate_context!())
        .expect("mock app builds");
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (app, webview)
}

#[test]
fn doctor_returns_versions_ports_and_log_folder() {
    let (_app, webview) = app();
    let res = get_ipc_response(&webview, request("doctor", serde_json::json!({})))
        .expect("doctor succeeds");
    let v: serde_json::Value = res.deserialize().unwrap();
    assert_eq!(v["engineVersion"], mayalink_engine::VERSION);
    assert!(v["logDir"].as_str().unwrap().contains("mayalink"), "{v}");
    let ports: Vec<u64> = v["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    assert!(ports.contains(&16094) && ports.contains(&7001), "{ports:?}");
}

#[test]
fn an_unknown_command_is_rejected() {
    let (_app, webview) = app();
    let res = get_ipc_response(&webview, request("no_such_command", serde_json::json!({})));
    assert!(res.is_err());
}

#[test]
fn console_subscribe_without_a_channel_is_a_clear_error() {
    let (_app, webview) = app();
    let err = get_ipc_response(
        &webview,
        request("console_subscribe", serde_json::json!({})),
    )
    .expect_err("missing channel must be refused");
    assert!(err.to_string().contains("onBatch"), "{err}");
}

#[test]
fn adding_a_session_with_a_bad_address_returns_code_and_message() {
    let (_app, webview) = app();
    let err = get_ipc_response(
        &webview,
        request("maya_session_add", serde_json::json!({"spec": {"name": "x", "address": "nonsense", "color": null, "autoConnect": false}})),
    )
    .expect_err("refused");
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("host:port"),
        "{err}"
    );
}

#[test]
fn a_session_added_through_ipc_is_listed_and_removable() {
    let (_app, webview) = app();
    let v: serde_json::Value = get_ipc_response(
        &webview,
        request("maya_session_add", serde_json::json!({"spec": {"name": "Anim", "address": ":7999", "color": "#4ec9b0", "autoConnect": false}})),
    )
    .unwrap()
    .deserialize()
    .unwrap();
    assert_eq!(v["spec"]["name"], "Anim");
    assert_eq!(v["status"]["state"]["state"], "disconnected");
    assert_eq!(v["active"], true);
    let id = v["id"].as_str().unwrap();
    get_ipc_response(
        &webview,
        request("maya_session_remove", serde_json::json!({"id": id})),
    )
    .unwrap();
    let err = get_ipc_response(
        &webview,
        request("maya_session_connect", serde_json::json!({"id": id})),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
}

#[test]
fn command_presets_include_the_documented_commands() {
    let (_app, webview) = app();
    let v: serde_json::Value = get_ipc_response(
        &webview,
        request("mosketch_command_presets", serde_json::json!({})),
    )
    .unwrap()
    .deserialize()
    .unwrap();
    let commands: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["template"]["command"].as_str().unwrap())
        .collect();
    for c in [
        "selectByUuid",
        "setSketchable",
        "setWireframeVisibility",
        "attachNumIKEffector",
    ] {
        assert!(commands.contains(&c), "{commands:?}");
    }
}

#[test]
fn mosketch_calls_without_a_session_say_to_connect_first() {
    let (_app, webview) = app();
    let err = get_ipc_response(
        &webview,
        request(
            "mosketch_set_joint_space",
            serde_json::json!({"space": "World"}),
        ),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().unwrap().contains("connect first"),
        "{err}"
    );
}
