//! The app's IPC surface, exercised through Tauri's mock runtime (no display):
//! the engine's whole command map behind `api`, its streams behind
//! `api_subscribe`, and what the UI receives on success and failure.

use mayalink_app_lib::{with_commands, Engine, EngineConfig};
use mayalink_engine::api::{COMMANDS, STREAMS};
use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;

fn request(cmd: &str, body: Value) -> InvokeRequest {
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

type Webview = tauri::WebviewWindow<tauri::test::MockRuntime>;

fn app() -> (tauri::App<tauri::test::MockRuntime>, Webview) {
    let app = with_commands(mock_builder().manage(Engine::new(EngineConfig::default())))
        .build(tauri::generate_context!())
        .expect("mock app builds");
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (app, webview)
}

/// One command of the map through the `api` command, as the UI calls it.
fn api(webview: &Webview, call: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(webview, request("api", json!({"call": call, "args": args})))
        .map(|r| r.deserialize().unwrap())
}

/// `maya_session_add` of a session that does not connect on its own.
fn add_session(webview: &Webview, name: &str, address: &str, color: Value) -> Result<Value, Value> {
    api(
        webview,
        "maya_session_add",
        json!({"spec": {"name": name, "address": address, "color": color, "autoConnect": false}}),
    )
}

/// An `invalid_input` error whose message says `says`.
fn assert_invalid_input(err: &Value, says: &str) {
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert!(err["message"].as_str().unwrap().contains(says), "{err}");
}

#[test]
fn every_command_of_the_map_is_reachable_through_the_one_api_command() {
    let (_app, webview) = app();
    for name in COMMANDS {
        // Every command's own decoder refuses the probe argument by name.
        let err = api(&webview, name, json!({"__probe": true})).unwrap_err();
        assert_eq!(err["code"], "invalid_input", "{name}: {err}");
        let message = err["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("Bad arguments for {name}")) && message.contains("__probe"),
            "{name}: {err}"
        );
    }
}

#[test]
fn every_stream_of_the_map_can_be_subscribed_and_an_unknown_one_is_refused() {
    let (_app, webview) = app();
    for name in STREAMS {
        get_ipc_response(
            &webview,
            request(
                "api_subscribe",
                json!({"stream": name, "onMessage": "__CHANNEL__:7"}),
            ),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let err = get_ipc_response(
        &webview,
        request(
            "api_subscribe",
            json!({"stream": "no_such_stream", "onMessage": "__CHANNEL__:8"}),
        ),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
}

#[test]
fn doctor_returns_versions_ports_and_log_folder() {
    let (_app, webview) = app();
    let v = api(&webview, "doctor", json!({})).expect("doctor succeeds");
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
fn an_unknown_command_is_rejected_with_code_and_message() {
    let (_app, webview) = app();
    let err = api(&webview, "no_such_command", json!({})).unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert!(err["message"].as_str().unwrap().contains("no_such_command"));
    // Only the map's host commands exist at the IPC level.
    assert!(get_ipc_response(&webview, request("doctor", json!({}))).is_err());
}

#[test]
fn api_subscribe_without_a_channel_is_a_clear_error() {
    let (_app, webview) = app();
    let err = get_ipc_response(
        &webview,
        request("api_subscribe", json!({"stream": "console"})),
    )
    .expect_err("missing channel must be refused");
    assert!(err.to_string().contains("onMessage"), "{err}");
}

#[test]
fn adding_a_session_with_a_bad_address_returns_code_and_message() {
    let (_app, webview) = app();
    let err = add_session(&webview, "x", "nonsense", Value::Null).expect_err("refused");
    assert_invalid_input(&err, "host:port");
}

#[test]
fn a_session_added_through_ipc_is_listed_and_removable() {
    let (_app, webview) = app();
    let v = add_session(&webview, "Anim", ":7999", json!("#4ec9b0")).unwrap();
    assert_eq!(v["spec"]["name"], "Anim");
    assert_eq!(v["status"]["state"]["state"], "disconnected");
    assert_eq!(v["active"], true);
    let id = v["id"].as_str().unwrap();
    assert_eq!(
        api(&webview, "maya_session_remove", json!({"id": id})).unwrap(),
        Value::Null
    );
    let err = api(&webview, "maya_session_connect", json!({"id": id})).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
}

#[test]
fn command_presets_include_the_documented_commands() {
    let (_app, webview) = app();
    let v = api(&webview, "mosketch_command_presets", json!({})).unwrap();
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
    let err = api(
        &webview,
        "mosketch_set_joint_space",
        json!({"space": "World"}),
    )
    .unwrap_err();
    assert_invalid_input(&err, "connect first");
}
