//! The map through `dispatch`/`subscribe`, as every host calls it: names resolve,
//! arguments are checked, errors are `{code, message}`, streams deliver JSON.

use super::*;
use crate::ErrorCode;
use serde_json::json;

fn engine() -> Engine {
    Engine::new(EngineConfig::default())
}

/// A probe every command's decoder refuses by name: proof that a host reached it.
pub const PROBE: &str = "__probe";

#[tokio::test]
async fn every_command_in_the_map_has_a_handler_that_checks_its_arguments() {
    let e = engine();
    for name in COMMANDS {
        let err = dispatch(&e, name, json!({PROBE: true})).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{name}: {err:?}");
        assert!(
            err.message.contains(&format!("Bad arguments for {name}"))
                && err.message.contains(PROBE),
            "{name}: {err:?}"
        );
    }
    let err = dispatch(&e, "maya_run", json!({"id": "x"}))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("maya_run"), "{err:?}");
}

#[tokio::test]
async fn an_unknown_command_or_stream_is_refused_by_name() {
    let e = engine();
    let err = dispatch(&e, "maya_runn", json!({})).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("maya_runn"));
    assert!(subscribe(&e, "nope", |_| true).is_err());
}

#[tokio::test]
async fn results_and_errors_cross_as_json() {
    let e = engine();
    let presets = dispatch(&e, "mosketch_command_presets", json!(null))
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&presets).unwrap();
    assert!(v.as_array().is_some_and(|a| !a.is_empty()), "{v}");
    let added = dispatch(
        &e,
        "maya_session_add",
        json!({"spec": {"name": "M", "address": ":1", "autoConnect": false}}),
    )
    .await
    .unwrap();
    let view: serde_json::Value = serde_json::from_str(&added).unwrap();
    assert_eq!(view["spec"]["name"], "M", "{view}");
    let err = dispatch(&e, "maya_session_remove", json!({"id": "no-such"}))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    // Tabs without a config folder stay in memory.
    dispatch(&e, "editor_tabs_save", json!({"state": "{\"tabs\":[]}"}))
        .await
        .unwrap();
    let tabs = dispatch(&e, "editor_tabs_load", json!({})).await.unwrap();
    assert_eq!(tabs, "\"{\\\"tabs\\\":[]}\"");
}

#[tokio::test]
async fn streams_deliver_json_until_the_sink_stops() {
    let e = engine();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    subscribe(&e, "sessions", move |json| tx.send(json).is_ok()).unwrap();
    assert_eq!(rx.recv().await.unwrap(), "[]");
    e.workspace
        .add(crate::workspace::SessionSpec {
            name: "M".into(),
            address: ":1".into(),
            color: None,
            auto_connect: false,
        })
        .unwrap();
    let next = tokio::time::timeout(std::time::Duration::from_secs(2), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(next.contains("\"M\""), "{next}");
    for name in STREAMS {
        subscribe(&e, name, |_| false).unwrap();
    }
}
