//! `mayalink run`, `tail` and `sessions discover` as a user runs them, against the
//! Python emulator: output, exit codes, JSON lines, clean-up.

use mayalink_integration_tests::{mayalink_bin, Emulator};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

fn mayalink(args: &[&str]) -> std::process::Output {
    Command::new(mayalink_bin())
        .args(args)
        .env(
            "MAYALINK_LOG_DIR",
            std::env::temp_dir().join("mayalink-cli-test-logs"),
        )
        .output()
        .unwrap()
}

/// `mayalink run --maya <the emulator> <flags> --code <code>`.
fn run_code(emu: &Emulator, flags: &[&str], code: &str) -> std::process::Output {
    let address = emu.address();
    let mut args = vec!["run", "--maya", &address];
    args.extend_from_slice(flags);
    args.extend(["--code", code]);
    mayalink(&args)
}

#[test]
fn run_prints_output_and_result_and_exits_zero() {
    let emu = Emulator::python();
    let out = run_code(&emu, &[], "print('héllo from Maya')\n6 * 7");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("héllo from Maya"), "{stdout}");
    assert!(stdout.contains("# Result: 42"), "{stdout}");
    let st = emu.state();
    assert_eq!(st["callbacks"], 0, "cleaned up: {st}");
    assert_eq!(st["crashes"].as_array().unwrap().len(), 0);
}

#[test]
fn a_script_that_raises_exits_one_with_the_traceback_on_stderr() {
    let emu = Emulator::python();
    let out = run_code(&emu, &[], "x = 1\nraise ValueError('bad rig')");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Traceback") && stderr.contains("ValueError: bad rig"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_maya_exits_two_and_says_what_to_type() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = mayalink(&["run", "--maya", &format!("127.0.0.1:{port}"), "--code", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cmds.commandPort(name=\":"), "{stderr}");
}

#[test]
fn json_mode_prints_one_object_per_line_and_code_comes_from_stdin() {
    let emu = Emulator::python();
    let mut child = Command::new(mayalink_bin())
        .args(["run", "--maya", &emu.address(), "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("import maya.cmds as cmds\ncmds.warning('careful')\nprint('ok')".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let objs: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    assert!(
        objs.iter()
            .any(|o| o["kind"] == "warning" && o["text"].as_str().unwrap().contains("careful")),
        "{objs:?}"
    );
    assert!(
        objs.iter()
            .any(|o| o["kind"] == "output" && o["text"] == "ok"),
        "{objs:?}"
    );
    assert_eq!(objs.last().unwrap()["type"], "result");
    assert_eq!(objs.last().unwrap()["result"]["ok"], true);
}

#[test]
fn mel_runs_with_the_mel_flag() {
    let emu = Emulator::python();
    let out = run_code(&emu, &["--mel"], "about -v;");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("2025"));
}

#[test]
fn tail_streams_until_interrupted_then_cleans_up() {
    let emu = Emulator::python();
    let mut child = Command::new(mayalink_bin())
        .args(["tail", "--maya", &emu.address()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the callback, then make Maya print from "another tool".
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while emu.state()["callbacks"] != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "tail never installed its callback"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut c = std::net::TcpStream::connect(("127.0.0.1", emu.port)).unwrap();
    c.write_all(b"print('from the script editor')\n").unwrap();
    let mut r = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "from the script editor");
    drop(c);
    send_sigint(child.id());
    let status = child.wait().unwrap();
    assert!(status.success());
    assert_eq!(emu.state()["callbacks"], 0);
}

fn send_sigint(pid: u32) {
    Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
}

#[test]
fn discover_finds_the_emulator_by_process_name() {
    let emu = Emulator::start(&["--proc-name", "maya.bin"]);
    let out = mayalink(&["sessions", "discover", "--json"]);
    assert!(out.status.success());
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        found
            .iter()
            .any(|d| d["pid"] == emu.pid && d["port"] == emu.port),
        "{found:?}"
    );
}

#[test]
fn version_and_doctor() {
    let out = mayalink(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("mayalink {}", mayalink_engine::VERSION)
    );
    let out = mayalink(&["doctor", "--json"]);
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["ports"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["port"] == 16094));
    assert!(
        report["logDir"]
            .as_str()
            .unwrap()
            .contains("mayalink-cli-test-logs"),
        "{report}"
    );
}
