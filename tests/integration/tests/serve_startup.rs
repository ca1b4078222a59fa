//! A corrupt saved-sessions file at start, through `mayalink serve` as a real
//! process: the file is kept aside byte for byte, the app starts with no sessions,
//! and the artist is told, both by `startup_warnings` (the sessions sidebar shows
//! it) and on the console stream, however late the UI connects; the next save
//! writes a fresh file and leaves the kept copy alone.

use mayalink_integration_tests::serve_client::{Client, Serve};
use serde_json::{json, Value};

const CORRUPT: &[u8] = b"{\"sessions\": [{\"id\": \"a\", \"name\": \"Anim\", \"address\": \":70";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_sessions_file_is_kept_aside_and_the_ui_is_told() {
    let serve = Serve::start_with(
        |dir| std::fs::write(dir.join("sessions.json"), CORRUPT).unwrap(),
        |bin, args| {
            let mut c = std::process::Command::new(bin);
            c.args(args);
            c
        },
    );
    // The UI connects well after the start.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut c = Client::connect(&serve).await;

    let warnings = c.call("startup_warnings", json!({})).await.unwrap();
    let warnings = warnings.as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = warnings[0].as_str().unwrap();
    let aside = serve.config_dir.join("sessions.json.corrupt");
    assert!(
        w.starts_with("Saved sessions were unreadable")
            && w.contains(&format!("kept as {}", aside.display()))
            && w.contains("started without them"),
        "{w}"
    );
    assert_eq!(
        std::fs::read(&aside).unwrap(),
        CORRUPT,
        "kept byte for byte"
    );

    let sub = c.request(json!({"subscribe": "console"})).await["id"].clone();
    c.stream_until(&sub, "the warning on the console", |d| {
        d["lines"].as_array().is_some_and(|ls| {
            ls.iter()
                .any(|l| l["session"] == "app" && l["text"].as_str() == Some(w))
        })
    })
    .await;
    let sessions = c.request(json!({"subscribe": "sessions"})).await["id"].clone();
    c.stream_until(&sessions, "an empty session list", |d| d == &json!([]))
        .await;

    // The next save writes a good file; the kept copy is untouched.
    c.call(
        "maya_session_add",
        json!({"spec": {"name": "Anim", "address": ":7001", "autoConnect": false}}),
    )
    .await
    .unwrap();
    let saved: Value =
        serde_json::from_slice(&std::fs::read(serve.config_dir.join("sessions.json")).unwrap())
            .unwrap();
    assert_eq!(saved["sessions"][0]["name"], "Anim", "{saved}");
    assert_eq!(std::fs::read(&aside).unwrap(), CORRUPT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_start_has_no_startup_warning() {
    let serve = Serve::start();
    let mut c = Client::connect(&serve).await;
    assert_eq!(
        c.call("startup_warnings", json!({})).await.unwrap(),
        json!([])
    );
}
