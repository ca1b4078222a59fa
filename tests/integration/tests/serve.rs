//! `mayalink serve`, the browser host of the command map, as a real process: the
//! token guards every request, every command and stream of the map is reachable
//! over its WebSocket, a real run against the Maya emulator comes back with its
//! output on the console stream, and SIGTERM exits cleanly.

use futures::SinkExt;
use mayalink_engine::api::{COMMANDS, STREAMS};
use mayalink_integration_tests::serve_client::{Client, Serve};
use mayalink_integration_tests::Emulator;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// A raw HTTP/1.1 GET: the status code.
fn get_status(host_port: &str, path: &str, host_header: &str) -> u16 {
    let mut s = std::net::TcpStream::connect(host_port).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    reply.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn every_request_without_the_token_or_from_another_host_is_refused() {
    let serve = Serve::start();
    let hp = serve.host_port();
    let token_path = serve.url.split(&hp).nth(1).unwrap().to_string(); // "/<token>/"
    assert_eq!(get_status(&hp, &token_path, &hp), 200);
    assert_eq!(get_status(&hp, "/", &hp), 403);
    assert_eq!(get_status(&hp, "/index.html", &hp), 403);
    assert_eq!(get_status(&hp, "/ws", &hp), 403);
    assert_eq!(get_status(&hp, "/0000/", &hp), 403);
    // A page on another name pointing at our port (DNS rebinding) gets nothing.
    assert_eq!(get_status(&hp, &token_path, "evil.example:80"), 403);
    assert!(hp.starts_with("127.0.0.1:"), "loopback only: {hp}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_and_stream_of_the_map_is_reachable_over_the_websocket() {
    let serve = Serve::start();
    let mut c = Client::connect(&serve).await;
    for name in COMMANDS {
        let err = c.call(name, json!({"__probe": true})).await.unwrap_err();
        assert_eq!(err["code"], "invalid_input", "{name}: {err}");
        let message = err["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("Bad arguments for {name}")) && message.contains("__probe"),
            "{name}: {err}"
        );
    }
    for name in STREAMS {
        let v = c.request(json!({"subscribe": name})).await;
        assert_eq!(v["ok"], Value::Null, "{name}: {v}");
        assert!(v.get("err").is_none(), "{name}: {v}");
    }
    let v = c.request(json!({"subscribe": "nope"})).await;
    assert_eq!(v["err"]["code"], "invalid_input", "{v}");
    let err = c.call("no_such_command", json!({})).await.unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    let v = c.request(json!({"neither": 1})).await;
    assert_eq!(v["err"]["code"], "invalid_input", "{v}");
    // Garbage is answered, not fatal: the connection keeps working.
    c.ws.send(Message::Text("{not json".into())).await.unwrap();
    let doctor = c.call("doctor", json!({})).await.unwrap();
    assert_eq!(doctor["engineVersion"], mayalink_engine::VERSION);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_in_the_emulator_returns_its_result_and_its_output_streams_to_the_console() {
    let emulator = Emulator::python();
    let serve = Serve::start();
    let mut c = Client::connect(&serve).await;
    let sub = c.request(json!({"subscribe": "console"})).await["id"].clone();
    let view = c
        .call(
            "maya_session_add",
            json!({"spec": {"name": "Emu", "address": emulator.address(), "autoConnect": false}}),
        )
        .await
        .unwrap();
    let id = view["id"].as_str().unwrap().to_string();
    let info = c
        .call("maya_session_connect", json!({"id": id}))
        .await
        .unwrap();
    assert_eq!(info["portKind"], "python", "{info}");
    let result = c
        .run_python(&id, "print('from the browser host')\n6 * 7")
        .await;
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(result["value"], "42", "{result}");
    let failed = c
        .run_python(&id, "x = 1\nraise ValueError('bad rig')")
        .await;
    assert_eq!(failed["ok"], false, "{failed}");
    assert!(failed.to_string().contains("bad rig"), "{failed}");
    // The printed line reaches the console stream.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let seen = |msgs: &[Value]| {
        msgs.iter().any(|m| {
            m["sub"] == sub
                && m["data"]["lines"].as_array().is_some_and(|ls| {
                    ls.iter().any(|l| {
                        l["text"]
                            .as_str()
                            .is_some_and(|t| t.contains("from the browser host"))
                    })
                })
        })
    };
    while !seen(&c.stream_messages) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no console line: {:?}",
            c.stream_messages
        );
        let v = c.recv().await;
        c.stream_messages.push(v);
    }
    let report = c
        .call("maya_session_cleanup", json!({"id": id}))
        .await
        .unwrap();
    assert!(report.is_object(), "{report}");
}

#[test]
fn sigterm_cleans_up_and_exits_zero() {
    let mut serve = Serve::start();
    let pid = serve.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = serve.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "serve did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}
