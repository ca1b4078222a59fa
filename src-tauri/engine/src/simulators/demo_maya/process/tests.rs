//! Demo Maya's process on its own: the app's lines (probe, install, calls, MEL's
//! `python("...")`), the helper's ops, raw Python and MEL, and garbage.

use base64::Engine as _;
use serde_json::json;

use super::*;

fn process() -> Process {
    Process::new(PortKind::Python, None, CancellationToken::new())
}

fn call(p: &mut Process, body: Json) -> Json {
    let reply = p
        .handle_message(helper::call_line(&body).as_bytes())
        .remove(0);
    serde_json::from_str(&reply).unwrap_or_else(|_| panic!("not JSON: {reply}"))
}

fn install(p: &mut Process) {
    for l in helper::install_lines() {
        p.handle_message(l.as_bytes());
    }
}

#[test]
fn install_then_call() {
    let mut p = process();
    assert_eq!(
        p.handle_message(helper::probe_line().as_bytes()),
        ["mayalink-py:none"]
    );
    assert_eq!(
        p.handle_message(helper::call_line(&json!({"op": "info"})).as_bytes()),
        ["No module named 'mayalink_helper'"]
    );
    let lines = helper::install_lines();
    for (i, l) in lines.iter().enumerate() {
        let reply = p.handle_message(l.as_bytes()).remove(0);
        if i + 1 == lines.len() {
            assert_eq!(reply, format!("installed {}", helper::version()));
        } else {
            assert_eq!(reply, format!("staged {i}"));
        }
    }
    assert_eq!(
        p.handle_message(helper::probe_line().as_bytes()),
        [format!("mayalink-py:{}", helper::version())]
    );
    let info = call(&mut p, json!({"op": "info"}));
    assert_eq!(info["maya"], "2025");
    assert_eq!(info["label"], "Demo Maya (simulated)");
    assert_eq!(info["pid"], std::process::id());
    assert_eq!(info["scene"], "/projects/demo/scenes/walk_cycle.ma");
    assert_eq!(info["helper"], helper::version());
}

#[test]
fn final_install_line_without_chunks_fails_like_python() {
    let mut p = process();
    let last = helper::install_lines().pop().unwrap();
    assert_eq!(p.handle_message(last.as_bytes()), ["'_mayalink_stage'"]);
    assert_eq!(p.helper, None);
}

#[test]
fn runs_are_exactly_once_and_chunks_join() {
    let mut p = process();
    install(&mut p);
    let data = b64().encode("n = 1");
    let first = call(&mut p, json!({"op": "run", "id": "s:0", "data": data}));
    assert_eq!(first["ok"], true);
    let again = call(
        &mut p,
        json!({"op": "run", "id": "s:0", "data": b64().encode("n = n + 1")}),
    );
    assert_eq!(again, first);
    assert_eq!(p.runs, 1);
    // "é" split across two chunks: joined as bytes before decoding.
    let code = "x = 'é'\nx".as_bytes();
    let (a, b) = code.split_at(6);
    assert_eq!(
        call(
            &mut p,
            json!({"op": "stage", "id": "s:1", "index": 1, "data": b64().encode(b)})
        ),
        json!({"ok": true})
    );
    call(
        &mut p,
        json!({"op": "stage", "id": "s:1", "index": 0, "data": b64().encode(a)}),
    );
    let r = call(&mut p, json!({"op": "run", "id": "s:1", "chunks": 2}));
    assert_eq!(r["value"], "'é'", "{r}");
    let r = call(&mut p, json!({"op": "run", "id": "s:2", "chunks": 3}));
    assert_eq!(r["error"]["message"], "missing chunks: got 0 of 3");
    let r = call(&mut p, json!({"op": "run"}));
    assert_eq!(
        (r["error"]["type"].as_str(), r["error"]["message"].as_str()),
        (Some("KeyError"), Some("'id'"))
    );
    let r = call(&mut p, json!({"op": "nope"}));
    assert_eq!(r["error"]["message"], "unknown op 'nope'");
}

#[test]
fn mel_runs_and_errors() {
    let mut p = process();
    install(&mut p);
    let r = call(
        &mut p,
        json!({"op": "run", "id": "m:0", "lang": "mel", "data": b64().encode("print \"hi\\n\"; about -v;")}),
    );
    assert_eq!(
        (r["ok"].clone(), r["value"].clone()),
        (json!(true), json!("2025"))
    );
    let r = call(
        &mut p,
        json!({"op": "run", "id": "m:1", "lang": "mel", "data": b64().encode("polySphere;")}),
    );
    assert_eq!(r["error"]["type"], "RuntimeError");
    assert_eq!(
        r["error"]["message"],
        "Error occurred during execution of MEL script"
    );
    let out = p.snapshot().output;
    assert!(
        out.iter()
            .any(|(t, s)| *t == 4 && s.contains("Cannot find procedure \"polySphere\"")),
        "{out:?}"
    );
    assert!(out.iter().any(|(t, s)| *t == 1 && s == "hi\n"));
}

#[test]
fn raw_python_follows_mayas_port_rules() {
    let mut p = process();
    assert_eq!(p.handle_message(b"1 + 1"), ["2"]);
    assert_eq!(p.handle_message(b"cmds.about(version=True)\0\0"), ["2025"]);
    assert_eq!(p.handle_message(b"  y = 5  \n"), ["None"]);
    assert_eq!(
        p.handle_message(b"y"),
        ["name 'y' is not defined"],
        "throw-away namespace"
    );
    // A one-line statement whose value is None runs twice (eval, then exec).
    assert_eq!(p.handle_message(b"print('twice')"), ["None"]);
    let printed: Vec<String> = p
        .snapshot()
        .output
        .into_iter()
        .map(|(_, s)| s)
        .filter(|s| s == "twice")
        .collect();
    assert_eq!(printed.len(), 2);
    assert_eq!(p.handle_message(b"python(\"1 + 2\")"), ["3"]);
    assert!(p.handle_message(&[0xff, 0xfe, b'x'])[0].contains("not valid UTF-8"));
    assert!(p.handle_message(b"for i in x: pass")[0].contains("Demo Maya runs only simple code"));
}

#[test]
fn mel_port_lines_and_python_passthrough() {
    let mut p = Process::new(PortKind::Mel, None, CancellationToken::new());
    let probe = p.handle_message(helper::probe_line().as_bytes()).remove(0);
    assert!(
        helper::parse_probe(&probe).is_none(),
        "raw Python is not MEL: {probe}"
    );
    let wrapped = helper::for_port(&helper::probe_line(), PortKind::Mel);
    assert_eq!(p.handle_message(wrapped.as_bytes()), ["mayalink-py:none"]);
    for l in helper::install_lines() {
        p.handle_message(helper::for_port(&l, PortKind::Mel).as_bytes());
    }
    assert_eq!(p.helper.as_deref(), Some(helper::version()));
    assert_eq!(p.handle_message(b"about -v;\nprint \"x\";\nbogus;"), ["2025", "", "// Error: Line 1.1: Cannot find procedure \"bogus\". (Demo Maya's MEL runs only print and about -v; connect a real Maya for everything.) //"]);
}

#[test]
fn cleanup_and_skeleton() {
    let mut p = process();
    install(&mut p);
    call(
        &mut p,
        json!({"op": "stage", "id": "a:7", "index": 0, "data": "eA=="}),
    );
    let r = call(&mut p, json!({"op": "cleanup", "session": "a"}));
    assert_eq!(r, json!({"ok": true, "removed": false, "sessions_left": 0}));
    assert!(p.staged.is_empty());
    let r = call(
        &mut p,
        json!({"op": "skeleton", "names": ["Hips", "LeftArm", "Tail"]}),
    );
    assert_eq!(r["joints"][0]["parent"], Json::Null);
    assert_eq!(r["joints"][1]["parent"], "LeftShoulder");
    assert_eq!(r["joints"][2], json!({"name": "Tail", "found": false}));
    call(
        &mut p,
        json!({"op": "cleanup", "session": "a", "unload": true}),
    );
    assert_eq!(p.helper, None);
}

#[test]
fn garbage_never_panics() {
    use rand::{Rng, SeedableRng};
    let mut p = process();
    install(&mut p);
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let call_prefix = "__import__(\"mayalink_helper\").call(\"";
    for i in 0..3000 {
        let len = rng.random_range(0..200);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.random_range(0x20u8..0x7f)).collect();
        if i % 3 == 0 {
            let body: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            bytes = format!("{call_prefix}{}\")", b64().encode(body)).into_bytes();
        }
        let replies = p.handle_message(&bytes);
        assert!(!replies.is_empty());
    }
    for body in [
        json!(null),
        json!([1]),
        json!({"op": "run", "id": 1, "chunks": "x"}),
        json!({"op": "output_start", "session": "s", "host": "127.0.0.1", "port": 99999, "token": "AA=="}),
        json!({"op": "stage", "id": "x", "index": 0, "data": "%%%"}),
    ] {
        let r = call(&mut p, body);
        assert_eq!(r["ok"], false, "{r}");
    }
}
