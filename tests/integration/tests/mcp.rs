//! `mayalink mcp` driven by a real MCP client (rmcp's client side, the server as a
//! child process on stdio) against the Maya emulator on Python and MEL ports.

use mayalink_engine::console::ConsoleHub;
use mayalink_engine::maya::{Language, MayaAddress, MayaSession, SessionConfig};
use mayalink_engine::output::OutputService;
use mayalink_engine::simulators::{MosketchSimulator, SimConfig};
use mayalink_integration_tests::{mayalink_bin, session_id, Emulator};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

const ALL_TOOLS: [&str; 6] = [
    "list_mayas",
    "run_python",
    "run_mel",
    "read_output",
    "scene_info",
    "mosketch_pose",
];

/// A running `mayalink mcp` with its own (empty) config and log folders, so the
/// desktop app's saved sessions on this machine play no part.
struct Server {
    client: RunningService<RoleClient, ()>,
    pid: u32,
    _dirs: tempfile::TempDir,
}

/// `--process-pattern ""` turns discovery off unless a test passes its own.
async fn server(args: &[&str]) -> Server {
    let bin = mayalink_bin();
    let dirs = tempfile::tempdir().unwrap();
    let mut all: Vec<String> = vec!["mcp".into()];
    if !args.contains(&"--process-pattern") {
        all.extend(["--process-pattern".into(), String::new()]);
    }
    all.extend(args.iter().map(|s| s.to_string()));
    let cmd = tokio::process::Command::new(bin).configure(|c| {
        c.args(&all)
            .env("MAYALINK_CONFIG_DIR", dirs.path().join("config"))
            .env("MAYALINK_LOG_DIR", dirs.path().join("logs"));
    });
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("mayalink mcp starts");
    let pid = transport.id().expect("the server's pid");
    let client = ().serve(transport).await.expect("MCP handshake");
    Server {
        client,
        pid,
        _dirs: dirs,
    }
}

/// The Python emulator, its address, and a server pointed at it (with `extra` arguments).
async fn server_for_emulator(extra: &[&str]) -> (Emulator, String, Server) {
    let emu = Emulator::python();
    let maya = emu.address();
    let mut args = vec!["--maya", maya.as_str()];
    args.extend_from_slice(extra);
    let s = server(&args).await;
    (emu, maya, s)
}

async fn call(s: &Server, tool: &str, args: Value) -> CallToolResult {
    let params = CallToolRequestParams::new(tool.to_string())
        .with_arguments(args.as_object().cloned().unwrap_or_default());
    tokio::time::timeout(Duration::from_secs(30), s.client.call_tool(params))
        .await
        .unwrap_or_else(|_| panic!("{tool} answered within 30 s"))
        .unwrap_or_else(|e| panic!("{tool}: {e}"))
}

fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_error(r: &CallToolResult) -> bool {
    r.is_error == Some(true)
}

/// The text of a call that must have failed as a tool error.
fn error_text(r: &CallToolResult) -> String {
    let t = text(r);
    assert!(is_error(r), "{t}");
    t
}

async fn run_ok(s: &Server, tool: &str, args: Value) -> String {
    let r = call(s, tool, args).await;
    let t = text(&r);
    assert!(!is_error(&r), "{tool} failed: {t}");
    t
}

/// `run_python` of `code` in the Maya at `maya`, which must succeed; its text.
async fn python_ok(s: &Server, maya: &str, code: &str) -> String {
    run_ok(s, "run_python", json!({"code": code, "maya": maya})).await
}

async fn names(s: &Server) -> BTreeSet<String> {
    s.client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

/// Polls `read_output` until `needle` shows up (output arrives over UDP).
async fn read_until(s: &Server, maya: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let t = run_ok(s, "read_output", json!({"maya": maya})).await;
        if t.contains(needle) || Instant::now() > deadline {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn tools_are_listed_with_input_schemas_and_say_which_run_code() {
    let (_emu, _, s) = server_for_emulator(&[]).await;
    let tools = s.client.list_all_tools().await.unwrap();
    let listed: BTreeSet<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(listed, ALL_TOOLS.into_iter().collect());
    for t in &tools {
        let schema = Value::Object((*t.input_schema).clone());
        assert_eq!(schema["type"], "object", "{}: {schema}", t.name);
        let props = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let keys: BTreeSet<&str> = props.keys().map(String::as_str).collect();
        let expected: &[&str] = match t.name.as_ref() {
            "list_mayas" => &[],
            "run_python" | "run_mel" => &["code", "maya", "timeout_s"],
            "read_output" => &["maya", "max_lines"],
            "scene_info" => &["maya"],
            "mosketch_pose" => &["mosketch"],
            other => panic!("unexpected tool {other}"),
        };
        assert_eq!(
            keys,
            expected.iter().copied().collect(),
            "{}: {schema}",
            t.name
        );
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let must: Vec<&str> = if t.name.starts_with("run_") {
            vec!["code"]
        } else {
            vec![]
        };
        assert_eq!(required, must, "{}: {schema}", t.name);
        let d = t.description.as_deref().unwrap_or_default();
        assert_eq!(
            d.contains("RUNS CODE IN MAYA"),
            t.name.starts_with("run_"),
            "{}: {d}",
            t.name
        );
    }
    let scene = tools.iter().find(|t| t.name == "scene_info").unwrap();
    assert!(
        scene
            .description
            .as_deref()
            .unwrap()
            .contains("execute a fixed read-only query"),
        "scene_info says it executes a query in Maya"
    );
    s.client.cancel().await.unwrap();
}

#[tokio::test]
async fn read_only_offers_only_the_tools_that_run_no_code() {
    let (emu, _, s) = server_for_emulator(&["--read-only"]).await;
    let expected: BTreeSet<String> = ["list_mayas", "read_output", "scene_info", "mosketch_pose"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(names(&s).await, expected);
    let info = s.client.peer_info().expect("server info");
    let instructions = info.instructions.clone().unwrap_or_default();
    assert!(
        instructions.contains("read-only") && !instructions.contains("run_python"),
        "{instructions}"
    );
    let params = CallToolRequestParams::new("run_python")
        .with_arguments(json!({"code": "1"}).as_object().cloned().unwrap());
    let refused = s.client.call_tool(params).await;
    assert!(
        refused.is_err() || refused.as_ref().is_ok_and(is_error),
        "run_python is not served: {refused:?}"
    );
    assert_eq!(emu.state()["executions"], 0, "nothing ran in Maya");
    s.client.cancel().await.unwrap();
}

#[tokio::test]
async fn python_runs_exactly_once_with_its_output_and_value() {
    let (emu, maya, s) = server_for_emulator(&[]).await;
    // One-line statements: on a raw commandPort these run twice (eval, then exec).
    for _ in 0..3 {
        let t = python_ok(&s, &maya, "mcp_runs = globals().get('mcp_runs', 0) + 1").await;
        assert_eq!(t, "(no output)");
        python_ok(&s, &maya, "__import__('mayaemu').bump('mcp')").await;
    }
    assert_eq!(emu.counter("mcp"), 3, "each run ran once");
    let t = python_ok(&s, &maya, "mcp_runs").await;
    assert_eq!(
        t, "Result: 3",
        "variables persist in __main__, each run once"
    );
    // Printed output and the value of a final expression, in one result.
    let r = call(
        &s,
        "run_python",
        json!({"code": "print('hello from mcp')\nprint('second line')\n6 * 7", "maya": maya}),
    )
    .await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(text(&r), "hello from mcp\nsecond line\nResult: 42");
    let st = r.structured_content.expect("structured content");
    assert_eq!(st["value"], "42");
    assert_eq!(st["maya"], maya.as_str());
    // Without `maya`: the only reachable one is used.
    let t = run_ok(&s, "run_python", json!({"code": "print('default maya')"})).await;
    assert_eq!(t, "default maya");
    assert!(emu.state()["crashes"].as_array().unwrap().is_empty());
    s.client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_raise_is_an_error_with_the_traceback_from_the_users_code() {
    let (_emu, maya, s) = server_for_emulator(&[]).await;
    let code = "print('before the error')\ndef explode(x):\n    raise ValueError('boom from mcp: %d' % x)\nexplode(7)\n";
    let r = call(&s, "run_python", json!({"code": code, "maya": maya})).await;
    let t = error_text(&r);
    assert!(
        t.starts_with("before the error\nTraceback (most recent call last):"),
        "{t}"
    );
    assert!(t.contains("line 4, in <module>"), "{t}");
    assert!(t.contains("line 3, in explode"), "{t}");
    assert!(
        t.contains("raise ValueError('boom from mcp: %d' % x)"),
        "the offending line is quoted: {t}"
    );
    assert!(
        t.trim_end().ends_with("ValueError: boom from mcp: 7"),
        "{t}"
    );
    assert!(!t.contains("mayalink_helper"), "no helper frames: {t}");
    assert_eq!(t.matches("Traceback").count(), 1, "{t}");
    let e = &r.structured_content.unwrap()["error"];
    assert_eq!(e["type"], "ValueError");
    assert_eq!(e["message"], "boom from mcp: 7");
    // A syntax error is the artist's too.
    let r = call(&s, "run_python", json!({"code": "x = (", "maya": maya})).await;
    let t = error_text(&r);
    assert!(t.contains("SyntaxError"), "{t}");
    s.client.cancel().await.unwrap();
}

#[tokio::test]
async fn timeout_s_stops_waiting_and_the_next_run_keeps_its_own_output() {
    let (_emu, maya, s) = server_for_emulator(&[]).await;
    let started = Instant::now();
    let r = call(
        &s,
        "run_python",
        json!({"code": "import time\ntime.sleep(1.5)\nprint('slept')", "maya": maya, "timeout_s": 0.3}),
    )
    .await;
    let t = error_text(&r);
    assert!(t.contains("Gave up waiting after 0.3 s"), "{t}");
    assert!(started.elapsed() < Duration::from_millis(1400));
    // The run goes on in Maya; the next one starts after it, with only its own output.
    let t = python_ok(&s, &maya, "print('after')").await;
    assert_eq!(t, "after");
    let out = read_until(&s, &maya, "after").await;
    assert!(out.contains("slept\nafter"), "{out}");
    let r = call(
        &s,
        "run_python",
        json!({"code": "1", "maya": maya, "timeout_s": -1}),
    )
    .await;
    assert!(
        is_error(&r) && text(&r).contains("timeout_s"),
        "{}",
        text(&r)
    );
    s.client.cancel().await.unwrap();
}

#[tokio::test]
async fn mel_runs_as_one_block_on_a_mel_port() {
    let emu = Emulator::start(&["--source-type", "mel"]);
    let maya = emu.address();
    let s = server(&["--maya", &maya]).await;
    // A procedure defined over several lines, then called: a MEL port evaluates
    // each line on its own and would break it; run_mel sends the block to
    // maya.mel.eval whole.
    let block = "global proc mcpGreet()\n{\n    print (\"mel \" +\n        \"block\\n\");\n    print \"second line\\n\";\n}\nmcpGreet;\nabout -version;\n";
    let r = call(&s, "run_mel", json!({"code": block, "maya": maya})).await;
    assert!(!is_error(&r), "{}", text(&r));
    assert_eq!(text(&r), "mel block\nsecond line\nResult: 2025");
    let t = run_ok(&s, "run_mel", json!({"code": "mcpGreet();", "maya": maya})).await;
    assert_eq!(t, "mel block\nsecond line", "the proc persists in Maya");
    // A MEL error is a tool error with Maya's message.
    let r = call(
        &s,
        "run_mel",
        json!({"code": "print \"ok\\n\";\nnoSuchProc;", "maya": maya}),
    )
    .await;
    let t = error_text(&r);
    assert!(t.contains("Cannot find procedure \"noSuchProc\""), "{t}");
    // Python reaches a MEL port too (through MEL's python()).
    let t = python_ok(
        &s,
        &maya,
        "import maya.cmds as cmds\nprint('python on a mel port')\ncmds.about(version=True)",
    )
    .await;
    assert_eq!(t, "python on a mel port\nResult: '2025'");
    let info = run_ok(&s, "list_mayas", json!({})).await;
    assert!(info.contains("\"portKind\": \"mel\""), "{info}");
    let r = call(&s, "scene_info", json!({})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let v = r.structured_content.unwrap();
    assert_eq!(
        (v["mayaVersion"].as_str(), v["scene"].as_str()),
        (Some("2025"), Some(""))
    );
    assert_eq!(v["units"]["time"], "film", "{v}");
    s.client.cancel().await.unwrap();
}

#[tokio::test]
async fn read_output_shows_what_another_client_caused() {
    let (_emu, maya, s) = server_for_emulator(&[]).await;
    let t = run_ok(&s, "read_output", json!({"maya": maya})).await;
    assert!(!t.contains("from another client"), "{t}");
    // Another tool (an engine session of its own) runs code in the same Maya.
    let hub = ConsoleHub::default();
    let other = MayaSession::spawn(
        SessionConfig::new(
            session_id("other"),
            "other",
            MayaAddress::parse(&maya).unwrap(),
        ),
        hub.clone(),
        Some(OutputService::new(hub, Default::default())),
    );
    mayalink_integration_tests::run_ok(
        &other,
        "print('from another client')\nimport maya.cmds as cmds\ncmds.warning('careful')",
        Language::Python,
    )
    .await;
    let t = read_until(&s, &maya, "Warning: careful").await;
    assert!(t.contains("from another client\nWarning: careful"), "{t}");
    other.shutdown().await.unwrap();
    // And its own runs' output is there too, with max_lines the latest.
    python_ok(&s, &maya, "print('mine')").await;
    let t = run_ok(&s, "read_output", json!({"maya": maya, "max_lines": 1})).await;
    assert!(t.starts_with("mine\n"), "{t}");
    s.client.cancel().await.unwrap();
}

#[tokio::test]
async fn no_maya_fails_with_the_commandport_hint() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let s = server(&["--maya", &closed]).await;
    for args in [json!({"code": "1"}), json!({"code": "1", "maya": closed})] {
        let r = call(&s, "run_python", args.clone()).await;
        let t = text(&r);
        assert!(is_error(&r), "{args}: {t}");
        assert!(t.contains(&closed), "{args}: {t}");
        assert!(
            t.contains("cmds.commandPort(name=\":"),
            "{args}: tells how to open a port: {t}"
        );
    }
    let r = call(&s, "scene_info", json!({})).await;
    assert!(
        is_error(&r) && text(&r).contains("commandPort"),
        "{}",
        text(&r)
    );
    let t = run_ok(&s, "list_mayas", json!({})).await;
    assert!(t.contains("\"reachable\": false"), "{t}");
    s.client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_server_removes_its_callbacks_when_the_client_leaves() {
    let a = Emulator::python();
    let b = Emulator::start(&["--source-type", "mel"]);
    let s = server(&["--maya", &a.address(), "--maya", &b.address()]).await;
    run_ok(
        &s,
        "run_python",
        json!({"code": "print(1)", "maya": a.address()}),
    )
    .await;
    run_ok(&s, "read_output", json!({"maya": b.address()})).await;
    assert_eq!(a.state()["callbacks"], 1);
    assert_eq!(b.state()["callbacks"], 1);
    // Closing the client closes the server's stdin; the client would send SIGTERM
    // after 3 s: the server must have cleaned up and exited on its own by then.
    let started = Instant::now();
    s.client.cancel().await.unwrap();
    let took = started.elapsed();
    assert_eq!(a.state()["callbacks"], 0, "{}", a.state());
    assert_eq!(b.state()["callbacks"], 0, "{}", b.state());
    assert!(
        took < Duration::from_millis(2900),
        "exited on end of input, without a signal ({took:?})"
    );
    assert_eq!(a.state()["early_closes"], 0);
}

/// A client that stops the server with SIGTERM (rmcp's does after 3 s, Claude
/// Desktop on quit) still gets every callback removed.
#[cfg(unix)]
#[tokio::test]
async fn sigterm_also_cleans_up() {
    let (emu, _, s) = server_for_emulator(&[]).await;
    run_ok(&s, "run_python", json!({"code": "print(1)"})).await;
    assert_eq!(emu.state()["callbacks"], 1);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &s.pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    while emu.state()["callbacks"] != 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(emu.state()["callbacks"], 0, "{}", emu.state());
    let _ = s.client.cancel().await;
}

#[tokio::test]
async fn two_mayas_runs_go_to_the_named_one_and_outputs_never_mix() {
    let a = Emulator::python();
    let b = Emulator::python();
    let (ma, mb) = (a.address(), b.address());
    let s = server(&["--maya", &ma, "--maya", &mb]).await;
    let r = call(&s, "run_python", json!({"code": "1"})).await;
    let t = error_text(&r);
    assert!(t.contains(&ma) && t.contains(&mb), "names both: {t}");
    let code = |tag: &str| format!("__import__('mayaemu').bump('{tag}')\nprint('only in {tag}')");
    assert_eq!(
        run_ok(&s, "run_python", json!({"code": code("a"), "maya": ma})).await,
        "only in a"
    );
    assert_eq!(
        run_ok(&s, "run_python", json!({"code": code("b"), "maya": mb})).await,
        "only in b"
    );
    assert_eq!((a.counter("a"), a.counter("b")), (1, 0));
    assert_eq!((b.counter("a"), b.counter("b")), (0, 1));
    let out_a = read_until(&s, &ma, "only in a").await;
    let out_b = read_until(&s, &mb, "only in b").await;
    assert!(
        out_a.contains("only in a") && !out_a.contains("only in b"),
        "{out_a}"
    );
    assert!(
        out_b.contains("only in b") && !out_b.contains("only in a"),
        "{out_b}"
    );
    let listed = run_ok(&s, "list_mayas", json!({})).await;
    assert!(listed.contains(&ma) && listed.contains(&mb), "{listed}");
    s.client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_discovered_maya_is_listed_and_scene_info_describes_it() {
    // A process name of its own, so only this emulator is discovered.
    let name = format!("mcpmaya{}", std::process::id() % 100_000);
    let emu = Emulator::start(&["--proc-name", &name]);
    let maya = emu.address();
    let pattern = format!("^{name}$");
    let s = server(&["--process-pattern", &pattern]).await;
    let listed = run_ok(&s, "list_mayas", json!({})).await;
    assert!(listed.contains(&maya), "{listed}");
    assert!(listed.contains(&format!("running {name}")), "{listed}");
    // The emulator also listens on its control port: one Maya, two ports, none
    // named by the user, so the assistant is asked which (nothing is sent to either).
    let r = call(&s, "run_python", json!({"code": "1"})).await;
    let t = error_text(&r);
    assert!(t.contains("several ports") && t.contains(&maya), "{t}");
    assert_eq!(emu.state()["connections"], 0, "{}", emu.state());
    python_ok(
        &s,
        &maya,
        "import maya.cmds as cmds\ncmds.polyCube(name='mcpBox')\ncmds.select('mcpBox')",
    )
    .await;
    // Once a tool has used one of its ports, that port is the default.
    let r = call(&s, "scene_info", json!({})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let v = r.structured_content.unwrap();
    assert_eq!(v["mayaVersion"], "2025");
    assert_eq!(v["selection"], json!(["mcpBox"]));
    assert_eq!(v["units"]["linear"], "cm");
    assert_eq!(v["maya"], emu.address().as_str());
    // The query left nothing in Maya's console history or namespace.
    let t = python_ok(
        &s,
        &maya,
        "sorted(k for k in globals() if not k.startswith('__'))",
    )
    .await;
    assert!(!t.contains("json") && !t.contains("b64"), "{t}");
    s.client.cancel().await.unwrap();
}

#[tokio::test]
async fn mosketch_pose_reads_the_current_pose() {
    let sim = MosketchSimulator::start(SimConfig::default())
        .await
        .expect("simulator");
    let addr = sim.local_addr().to_string();
    let s = server(&["--mosketch", &addr]).await;
    let r = call(&s, "mosketch_pose", json!({})).await;
    assert!(!is_error(&r), "{}", text(&r));
    let v = r.structured_content.unwrap();
    assert!(v["frame"].as_u64().unwrap() > 0, "{v}");
    let joints = v["joints"].as_array().unwrap();
    assert!(joints.len() > 5, "{v}");
    assert!(joints.iter().all(|j| j["r"].as_array().unwrap().len() == 4));
    assert!(v["root"]["translation"].as_array().is_some(), "{v}");
    // Nothing there: a tool error saying so.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let r = call(&s, "mosketch_pose", json!({"mosketch": closed})).await;
    let t = error_text(&r);
    assert!(t.contains("not reachable"), "{t}");
    s.client.cancel().await.unwrap();
    sim.shutdown().await;
}

/// Every line the server writes to stdout is a JSON-RPC message, also while Maya
/// prints, warns and the engine logs (a stray line would break every client).
#[test]
fn stdout_carries_only_the_protocol() {
    use std::io::{BufRead, BufReader, Write};
    let emu = Emulator::python();
    let dirs = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(mayalink_bin())
        .args(["mcp", "--process-pattern", "", "--maya", &emu.address()])
        .env("MAYALINK_CONFIG_DIR", dirs.path().join("config"))
        .env("MAYALINK_LOG_DIR", dirs.path().join("logs"))
        .env("MAYALINK_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let send = |stdin: &mut std::process::ChildStdin, v: Value| {
        writeln!(stdin, "{v}").unwrap();
        stdin.flush().unwrap();
    };
    let mut lines = Vec::new();
    let wait_for = |id: u64, lines: &mut Vec<String>| loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("an answer within 30 s");
        lines.push(line.clone());
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line:?}"));
        if v["id"] == id {
            return v;
        }
    };
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"}}}),
    );
    let init = wait_for(1, &mut lines);
    assert_eq!(init["result"]["serverInfo"]["name"], "mayalink", "{init}");
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    );
    let code = "import sys, maya.cmds as cmds\nprint('printed')\nsys.stdout.write('written\\n')\ncmds.warning('warned')";
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
               "params": {"name": "run_python", "arguments": {"code": code}}}),
    );
    let r = wait_for(2, &mut lines);
    assert_eq!(
        r["result"]["content"][0]["text"], "printed\nwritten\nWarning: warned",
        "{r}"
    );
    drop(stdin); // the client leaves
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "exits on EOF");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    reader.join().unwrap();
    lines.extend(rx.try_iter());
    for line in &lines {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        assert_eq!(v["jsonrpc"], "2.0", "{line}");
    }
    assert_eq!(emu.state()["callbacks"], 0);
}

/// The Diagnostics panel's MCP snippet names the CLI beside the running program.
#[test]
fn doctor_reports_the_cli_path() {
    let bin = mayalink_bin();
    let out = std::process::Command::new(&bin)
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reported = std::path::PathBuf::from(v["cliPath"].as_str().expect("cliPath"));
    assert_eq!(
        reported.canonicalize().unwrap(),
        bin.canonicalize().unwrap()
    );
}
