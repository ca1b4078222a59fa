//! `mayalink serve` as a real process for tests, and a WebSocket client of its
//! command map (`{"id","call","args"}` → `{"id","ok"|"err"}`; streams by `subscribe`).

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

pub struct Serve {
    pub child: Child,
    pub url: String,
    /// The `--config-dir` given to serve (saved sessions, autosaved tabs).
    pub config_dir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Serve {
    pub fn start() -> Serve {
        Self::start_with(
            |_| {},
            |bin, args| {
                let mut c = Command::new(bin);
                c.args(args);
                c
            },
        )
    }

    /// `prepare` fills the (existing, empty) config folder before the start; `command`
    /// builds the command line from the binary and serve's arguments (e.g. to run it
    /// in another mount namespace).
    pub fn start_with(
        prepare: impl FnOnce(&Path),
        command: impl FnOnce(&Path, Vec<String>) -> Command,
    ) -> Serve {
        let dir = tempfile::tempdir().unwrap();
        let ui = dir.path().join("ui");
        std::fs::create_dir_all(&ui).unwrap();
        std::fs::write(
            ui.join("index.html"),
            "<!doctype html><title>Mayalink</title>",
        )
        .unwrap();
        let config_dir = dir.path().join("config");
        std::fs::create_dir_all(&config_dir).unwrap();
        prepare(&config_dir);
        let args = vec![
            "serve".to_string(),
            "--ui".into(),
            ui.display().to_string(),
            "--config-dir".into(),
            config_dir.display().to_string(),
        ];
        let mut command = command(&crate::mayalink_bin(), args);
        // Logs stay in the test's folder unless the caller put them elsewhere.
        if !command.get_envs().any(|(k, _)| k == "MAYALINK_LOG_DIR") {
            command.env("MAYALINK_LOG_DIR", dir.path().join("logs"));
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("mayalink serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = match line.trim().strip_prefix("Mayalink UI: ") {
            Some(u) => u.to_string(),
            None => {
                let _ = child.kill();
                let status = child.wait();
                panic!("serve did not start: first line {line:?}, exit {status:?}");
            }
        };
        Serve {
            child,
            url,
            config_dir,
            _dir: dir,
        }
    }

    pub fn host_port(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_string()
    }

    pub fn ws_url(&self) -> String {
        format!("{}ws", self.url.replacen("http://", "ws://", 1))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Client {
    pub ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    next: u64,
    /// Stream messages that arrived while waiting for a reply.
    pub stream_messages: Vec<Value>,
}

impl Client {
    pub async fn connect(serve: &Serve) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(serve.ws_url())
            .await
            .unwrap();
        Client {
            ws,
            next: 1,
            stream_messages: vec![],
        }
    }

    pub async fn recv(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(20), self.ws.next())
                .await
                .expect("a message in time")
                .unwrap()
                .unwrap();
            if let Message::Text(t) = msg {
                return serde_json::from_str(&t).unwrap();
            }
        }
    }

    /// Sends `request` with a fresh id; the reply with that id.
    pub async fn request(&mut self, mut request: Value) -> Value {
        let id = self.next;
        self.next += 1;
        request["id"] = json!(id);
        self.ws
            .send(Message::Text(request.to_string().into()))
            .await
            .unwrap();
        loop {
            let v = self.recv().await;
            if v["id"] == json!(id) {
                return v;
            }
            self.stream_messages.push(v);
        }
    }

    pub async fn call(&mut self, call: &str, args: Value) -> Result<Value, Value> {
        let v = self.request(json!({"call": call, "args": args})).await;
        match v.get("err") {
            Some(e) => Err(e.clone()),
            None => Ok(v["ok"].clone()),
        }
    }

    /// `maya_run` of Python `code` in session `id`; its result.
    pub async fn run_python(&mut self, id: &str, code: &str) -> Value {
        self.call(
            "maya_run",
            json!({"id": id, "code": code, "lang": "python"}),
        )
        .await
        .unwrap()
    }

    /// Waits until a message of stream subscription `sub` satisfies `pred`; its data.
    pub async fn stream_until(
        &mut self,
        sub: &Value,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let mut i = 0;
        loop {
            while i < self.stream_messages.len() {
                let m = &self.stream_messages[i];
                i += 1;
                if &m["sub"] == sub && pred(&m["data"]) {
                    return m["data"].clone();
                }
            }
            let next = tokio::time::timeout_at(deadline, self.ws.next()).await;
            match next {
                Ok(Some(Ok(Message::Text(t)))) => {
                    self.stream_messages.push(serde_json::from_str(&t).unwrap())
                }
                Ok(Some(Ok(_))) => {}
                other => panic!(
                    "{what}: not seen ({other:?}) in {:#?}",
                    self.stream_messages
                ),
            }
        }
    }
}
