//! A full disk under `mayalink serve`, as a real process on a real 256 KB tmpfs
//! (mounted in a private mount namespace with `unshare -rm`) holding its config
//! folder (saved sessions, autosaved tabs) and its log folder. With the disk full:
//! the tabs' autosave and a script's save fail with `{code: "io"}` and a message
//! saying the disk is full and the text is still in the editor; the previous good
//! files stay intact; saving sessions and writing logs fail with a console notice;
//! serve keeps answering. Once space is back, the next saves succeed.

use mayalink_integration_tests::serve_client::{Client, Serve};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Fails (never skips) when this machine cannot give the test a private tmpfs.
fn require_unshare() {
    let out = Command::new("unshare")
        .args([
            "-rm",
            "sh",
            "-c",
            "mount -t tmpfs -o size=64k tmpfs /mnt && echo ok",
        ])
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "this test needs `unshare -rm` and a tmpfs mount (user and mount namespaces) to make a \
             real full disk; it failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("this test needs the `unshare` command (util-linux): {e}"),
    }
}

/// `mayalink serve` with its config folder (and logs in it) on a 256 KB tmpfs only it sees.
fn serve_on_tmpfs() -> Serve {
    require_unshare();
    Serve::start_with(
        |_| {},
        |bin, args| {
            let dir = args
                .iter()
                .skip_while(|a| *a != "--config-dir")
                .nth(1)
                .unwrap()
                .clone();
            let mut c = Command::new("unshare");
            c.args(["-rm", "sh", "-c"])
                .arg(
                    "dir=$1; shift; mount -t tmpfs -o size=256k tmpfs \"$dir\" && \
                     mkdir \"$dir/logs\" && exec \"$0\" \"$@\"",
                )
                .arg(bin)
                .arg(&dir)
                .args(args)
                .env("MAYALINK_LOG_DIR", format!("{dir}/logs"));
            c
        },
    )
}

/// `path` as serve sees it, through its mount namespace (serve is the process
/// `unshare` became: `sh` execs it).
fn inside(serve: &Serve, path: &Path) -> PathBuf {
    PathBuf::from(format!("/proc/{}/root", serve.child.id())).join(path.strip_prefix("/").unwrap())
}

/// Fills the tmpfs until it refuses a byte.
fn fill(serve: &Serve) -> PathBuf {
    use std::io::Write;
    let filler = inside(serve, &serve.config_dir.join("filler"));
    let mut f = std::fs::File::create(&filler).unwrap();
    let block = vec![0u8; 4096];
    loop {
        if let Err(e) = f.write_all(&block).and_then(|_| f.sync_all()) {
            assert_eq!(e.raw_os_error(), Some(28), "{e}");
            break;
        }
    }
    // A partial block may still fit: fill to the last byte.
    while f.write_all(&[0]).is_ok() {}
    filler
}

fn read(serve: &Serve, name: &str) -> String {
    std::fs::read_to_string(inside(serve, &serve.config_dir.join(name))).unwrap()
}

fn io_error(err: &Value, what: &str) -> String {
    assert_eq!(err["code"], "io", "{what}: {err}");
    let message = err["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("No space left on device")
            && message.contains("the disk is full")
            && message.contains("your text is still in the editor"),
        "{what}: {message}"
    );
    message
}

fn console_has(data: &Value, needle: &str) -> bool {
    data["lines"].as_array().is_some_and(|ls| {
        ls.iter().any(|l| {
            l["session"] == "app" && l["text"].as_str().is_some_and(|t| t.contains(needle))
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_saves_with_a_message_keeps_the_good_files_and_recovers() {
    let serve = serve_on_tmpfs();
    let mut c = Client::connect(&serve).await;
    let console = c.request(json!({"subscribe": "console"})).await["id"].clone();
    let mounted = std::fs::read_to_string(format!("/proc/{}/mounts", serve.child.id())).unwrap();
    assert!(
        mounted.contains(&format!("tmpfs {} tmpfs", serve.config_dir.display())),
        "serve's config folder is the tmpfs: {mounted}"
    );

    // Good files first.
    c.call("editor_tabs_save", json!({"state": "good tabs"}))
        .await
        .unwrap();
    c.call(
        "maya_session_add",
        json!({"spec": {"name": "Anim", "address": ":7001", "autoConnect": false}}),
    )
    .await
    .unwrap();
    let script = serve.config_dir.join("rig.py");
    c.call(
        "editor_write_file",
        json!({"path": script.display().to_string(), "text": "print('good')\n"}),
    )
    .await
    .unwrap();
    let good_sessions = read(&serve, "sessions.json");

    let filler = fill(&serve);
    let typed = format!(
        "typed while the disk was full\n{}",
        "x = 1\n".repeat(20_000)
    );
    let err = c
        .call("editor_tabs_save", json!({"state": typed}))
        .await
        .unwrap_err();
    io_error(&err, "autosave");
    let err = c
        .call(
            "editor_write_file",
            json!({"path": script.display().to_string(), "text": typed}),
        )
        .await
        .unwrap_err();
    io_error(&err, "save");
    c.call(
        "maya_session_add",
        json!({"spec": {"name": "Layout", "address": ":7002", "autoConnect": false}}),
    )
    .await
    .expect("the session is added in memory");
    c.stream_until(&console, "the sessions-save notice", |d| {
        console_has(d, "Could not save your sessions") && console_has(d, "the disk is full")
    })
    .await;
    // Each failure is logged too; once the log file's last page is full, the log
    // cannot be written either (the autosave retries, as the editor does).
    for _ in 0..40 {
        let err = c
            .call("editor_tabs_save", json!({"state": typed}))
            .await
            .unwrap_err();
        io_error(&err, "autosave again");
    }
    let logs = inside(&serve, &serve.config_dir.join("logs"));
    assert_eq!(
        std::fs::read_dir(&logs).unwrap().count(),
        1,
        "one log file in {logs:?}"
    );
    c.stream_until(&console, "the log-write notice", |d| {
        console_has(d, "could not write its log file") && console_has(d, "the disk is full")
    })
    .await;

    // Nothing good was lost, nothing half-written was left.
    assert_eq!(read(&serve, "tabs.json"), "good tabs");
    assert_eq!(read(&serve, "rig.py"), "print('good')\n");
    assert_eq!(read(&serve, "sessions.json"), good_sessions);
    let left: Vec<String> = std::fs::read_dir(inside(&serve, &serve.config_dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    // Serve still answers, and still lists both sessions.
    assert!(c.call("doctor", json!({})).await.is_ok());
    let sessions = c.request(json!({"subscribe": "sessions"})).await["id"].clone();
    c.stream_until(&sessions, "both sessions", |d| {
        d.as_array().is_some_and(|l| l.len() == 2)
    })
    .await;

    // Space is back: the next saves succeed, with what was typed.
    std::fs::remove_file(&filler).unwrap();
    c.call("editor_tabs_save", json!({"state": typed}))
        .await
        .unwrap();
    assert_eq!(read(&serve, "tabs.json"), typed);
    c.call(
        "editor_write_file",
        json!({"path": script.display().to_string(), "text": typed}),
    )
    .await
    .unwrap();
    assert_eq!(read(&serve, "rig.py"), typed);
    c.call(
        "maya_session_add",
        json!({"spec": {"name": "Lighting", "address": ":7003", "autoConnect": false}}),
    )
    .await
    .unwrap();
    let saved: Value = serde_json::from_str(&read(&serve, "sessions.json")).unwrap();
    assert_eq!(saved["sessions"].as_array().unwrap().len(), 3, "{saved}");
}
