//! The simulated Maya process behind Demo Maya's port: what Maya (with the real
//! helper installed) answers to each message. It recognises the exact lines the
//! app sends (`helper.rs`: probe, install chunks, install, calls; on a MEL port
//! also wrapped in `python("...")`), answers the helper's ops with helper.py's
//! JSON shapes, and runs anything else like Maya's port would, through the toy
//! interpreter. Runs on Demo Maya's "main thread", one message at a time.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Serialize;
use serde_json::{json, Value as Json};
use tokio_util::sync::CancellationToken;

use super::cmds::MAYA_VERSION;
use super::interpreter::{Ctx, Interpreter};
use super::link::{Deferred, Links};
use super::scene::Scene;
use super::stream::Stream;
use super::value::Value;
use super::{mel, LABEL};
use crate::maya::helper;
use crate::maya::protocol::PortKind;

/// Runs whose results are kept for re-sent requests (helper.py keeps 64).
const DONE_KEPT: usize = 64;
/// Script Editor messages kept for [`DemoSnapshot::output`].
const EDITOR_KEPT: usize = 2000;
/// Staged code Demo Maya accepts in total before answering MemoryError.
const MAX_STAGED: usize = 256 << 20;
const PYTHON_VERSION: &str = "3.11.4";

/// What Demo Maya holds right now, for the UI and tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoSnapshot {
    /// The helper version installed in this Demo Maya, if any.
    pub helper: Option<String>,
    /// App sessions with an output stream (one "callback" each).
    pub sessions: Vec<String>,
    /// Messages received on the port.
    pub commands: u64,
    /// Code runs (helper `run`s, each counted once).
    pub runs: u64,
    pub nodes: Vec<String>,
    pub selection: Vec<String>,
    /// Recent Script Editor messages: (Maya message type, text).
    pub output: Vec<(u8, String)>,
}

pub(crate) struct Process {
    port: PortKind,
    scene: Scene,
    main: Interpreter,
    /// `sys.modules["mayalink_helper"].VERSION`
    helper: Option<String>,
    /// `sys.modules["_mayalink_stage"].parts`
    install_parts: Option<BTreeMap<u64, String>>,
    staged: HashMap<String, BTreeMap<i64, Vec<u8>>>,
    staged_bytes: usize,
    done: VecDeque<(String, Json)>,
    streams: BTreeMap<String, Stream>,
    /// The live link's receivers (`link.rs`).
    pub(super) links: Links,
    editor: VecDeque<(u8, String)>,
    runtime: Option<tokio::runtime::Handle>,
    cancel: CancellationToken,
    commands: u64,
    runs: u64,
}

fn b64() -> &'static base64::engine::GeneralPurpose {
    &base64::engine::general_purpose::STANDARD
}

/// The fixed parts of the app's install lines, taken from `helper.rs` itself so
/// the demo follows any change there: (chunk line prefix, final line before and
/// after the chunk count).
fn install_templates() -> &'static (String, String, String) {
    static T: OnceLock<(String, String, String)> = OnceLock::new();
    T.get_or_init(|| {
        let lines = helper::install_lines();
        let first = lines.first().cloned().unwrap_or_default();
        let chunk_prefix = match first.find(".__setitem__(") {
            Some(i) => first[..i + ".__setitem__(".len()].to_string(),
            None => "\u{0}never".into(),
        };
        let last = lines.last().cloned().unwrap_or_default();
        let n = (lines.len() - 1).to_string();
        let marker = format!("range({n})");
        let (before, after) = match last.find(&marker) {
            Some(i) => (
                last[..i + "range(".len()].to_string(),
                last[i + marker.len() - 1..].to_string(),
            ),
            None => ("\u{0}never".into(), String::new()),
        };
        (chunk_prefix, before, after)
    })
}

/// `python("...")` (MEL's way to run Python) → the unescaped Python.
pub(crate) fn mel_python_arg(line: &str) -> Option<String> {
    let t = line.trim();
    let t = t.strip_suffix(';').unwrap_or(t).trim_end();
    let rest = t
        .strip_prefix("python")?
        .trim_start()
        .strip_prefix('(')?
        .trim_start()
        .strip_prefix('"')?;
    let mut out = String::with_capacity(rest.len());
    let mut it = rest.char_indices();
    while let Some((i, c)) = it.next() {
        match c {
            '\\' => {
                let (_, e) = it.next()?;
                out.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    other => other,
                });
            }
            '"' => return (rest[i + 1..].trim() == ")").then_some(out),
            c => out.push(c),
        }
    }
    None
}

pub(super) fn error_json(
    kind: &str,
    message: impl Into<String>,
    traceback: impl Into<String>,
) -> Json {
    json!({"ok": false, "error": {"type": kind, "message": message.into(), "traceback": traceback.into()}})
}

/// helper.py's `call` turns any exception into this; the traceback names the op.
pub(super) fn exception(kind: &str, message: impl Into<String>, op: &str) -> Json {
    let message = message.into();
    let tb = format!(
        "Traceback (most recent call last):\n  File \"mayalink_helper.py\", line 1, in call\n  File \"mayalink_helper.py\", line 1, in _{op}\n{kind}: {message}\n"
    );
    error_json(kind, message, tb)
}

/// `req[key]`, or the KeyError helper.py would raise.
pub(super) fn field<'a>(req: &'a Json, key: &str, op: &str) -> Result<&'a Json, Json> {
    req.get(key)
        .ok_or_else(|| exception("KeyError", format!("'{key}'"), op))
}

/// Python's `str(x)` of a JSON value used as a dict key.
pub(super) fn key_of(v: &Json) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

/// Python's `int(x)`.
fn int_of(v: &Json, op: &str) -> Result<i64, Json> {
    v.as_i64()
        .or_else(|| {
            v.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.trunc() as i64)
        })
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        .ok_or_else(|| {
            exception(
                "ValueError",
                format!("invalid literal for int() with base 10: {v}"),
                op,
            )
        })
}

pub(super) fn b64_decode(v: &Json, op: &str) -> Result<Vec<u8>, Json> {
    let s = v.as_str().ok_or_else(|| {
        exception(
            "TypeError",
            "argument should be a bytes-like object or ASCII string",
            op,
        )
    })?;
    b64()
        .decode(s.trim())
        .map_err(|e| exception("binascii.Error", e.to_string(), op))
}

fn utf8(bytes: Vec<u8>, op: &str) -> Result<String, Json> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let byte = e.as_bytes().get(at).copied().unwrap_or(0);
        exception(
            "UnicodeDecodeError",
            format!(
                "'utf-8' codec can't decode byte 0x{byte:02x} in position {at}: invalid start byte"
            ),
            op,
        )
    })
}

impl Process {
    pub fn new(
        port: PortKind,
        runtime: Option<tokio::runtime::Handle>,
        cancel: CancellationToken,
    ) -> Self {
        Self {
            port,
            scene: Scene::demo(),
            main: Interpreter::new(),
            helper: None,
            install_parts: None,
            staged: HashMap::new(),
            staged_bytes: 0,
            done: VecDeque::new(),
            streams: BTreeMap::new(),
            links: Links::new(runtime.clone(), cancel.clone()),
            editor: VecDeque::new(),
            runtime,
            cancel,
            commands: 0,
            runs: 0,
        }
    }

    pub fn snapshot(&self) -> DemoSnapshot {
        DemoSnapshot {
            helper: self.helper.clone(),
            sessions: self.streams.keys().cloned().collect(),
            commands: self.commands,
            runs: self.runs,
            nodes: self.scene.names().map(str::to_string).collect(),
            selection: self.scene.selection.clone(),
            output: self.editor.iter().cloned().collect(),
        }
    }

    /// A job a link receiver queued for the main thread (`executeDeferred`).
    pub(super) fn run_deferred(&mut self, job: Deferred) {
        job(&mut self.links, &mut self.scene);
    }

    /// One message as received on the port → the replies to send (one per
    /// line on a MEL port, one otherwise), each without its `"\n\0"`.
    pub fn handle_message(&mut self, raw: &[u8]) -> Vec<String> {
        self.commands += 1;
        let end = raw
            .iter()
            .rposition(|b| *b != 0)
            .map(|i| i + 1)
            .unwrap_or(0);
        let text = match std::str::from_utf8(&raw[..end]) {
            Ok(t) => t.trim(),
            Err(e) => {
                return vec![format!(
                    "Demo Maya (simulated): the command is not valid UTF-8 (byte {} is wrong); a real Maya drops it and closes the connection.",
                    e.valid_up_to()
                )]
            }
        };
        match self.port {
            PortKind::Python => vec![self.python_message(text)],
            PortKind::Mel => {
                let replies: Vec<String> = text
                    .split('\n')
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| self.mel_line(l))
                    .collect();
                if replies.is_empty() {
                    vec![String::new()]
                } else {
                    replies
                }
            }
        }
    }

    /// A line on a MEL port: `python("...")` runs Python, anything else is MEL.
    fn mel_line(&mut self, line: &str) -> String {
        if mel_python_arg(line).is_some() {
            return self.python_message(line);
        }
        let (streams, editor) = (&self.streams, &mut self.editor);
        let mut out = |t: u8, s: &str| emit(streams, editor, t, s);
        match mel::eval(
            line,
            &mut Ctx {
                scene: &mut self.scene,
                out: &mut out,
            },
        ) {
            Ok(v) => v.unwrap_or_default(),
            Err(e) => format!("// Error: {} //", e.text()),
        }
    }

    /// A message on a Python port (or the Python inside a MEL `python("...")`).
    fn python_message(&mut self, text: &str) -> String {
        // MEL's python("...") reaches Python unescaped; accept it on both port kinds.
        let mut code = text.to_string();
        for _ in 0..8 {
            match mel_python_arg(&code) {
                Some(inner) => code = inner.trim().to_string(),
                None => break,
            }
        }
        let text = code.as_str();
        if text == helper::probe_line() {
            return format!("mayalink-py:{}", self.helper.as_deref().unwrap_or("none"));
        }
        if let Some(reply) = self.install_line(text) {
            return reply;
        }
        let call_prefix = format!("__import__(\"{}\").call(\"", helper::MODULE);
        if let Some(payload) = text
            .strip_prefix(&call_prefix)
            .and_then(|r| r.strip_suffix("\")"))
        {
            if payload
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            {
                if self.helper.is_none() {
                    return format!("No module named '{}'", helper::MODULE);
                }
                return self.helper_call(payload).to_string();
            }
        }
        if let Some((id, data)) = helper::parse_quick_run(text) {
            if self.helper.is_none() {
                return format!("No module named '{}'", helper::MODULE);
            }
            return self
                .helper_call_value(serde_json::json!({"op": "run", "id": id, "data": data}))
                .to_string();
        }
        if self.helper.is_none() && text.contains(&format!("\"{}\"", helper::MODULE)) {
            return format!("No module named '{}'", helper::MODULE);
        }
        self.raw_python(text)
    }

    /// Install chunk lines and the final install line of `helper::install_lines()`.
    fn install_line(&mut self, text: &str) -> Option<String> {
        let (chunk_prefix, final_before, final_after) = install_templates();
        if let Some(rest) = text.strip_prefix(chunk_prefix.as_str()) {
            // `{i}, "{chunk}") or "staged {i}"`
            let (i, rest) = rest.split_once(", \"")?;
            let i: u64 = i.trim().parse().ok()?;
            let (chunk, tail) = rest.split_once("\")")?;
            let shown = tail.trim().strip_prefix("or \"")?.strip_suffix('"')?;
            self.install_parts
                .get_or_insert_with(BTreeMap::new)
                .insert(i, chunk.to_string());
            return Some(shown.to_string());
        }
        let rest = text.strip_prefix(final_before.as_str())?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || &rest[digits..] != final_after.as_str() {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        // What Python's exec of the staged source does, as far as the demo needs.
        let Some(parts) = self.install_parts.as_ref() else {
            return Some("'_mayalink_stage'".into());
        };
        let mut joined = String::new();
        for i in 0..n {
            match parts.get(&i) {
                Some(c) => joined.push_str(c),
                None => return Some(i.to_string()),
            }
        }
        let source = match b64().decode(joined.as_bytes()) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(_) => return Some("'utf-8' codec can't decode the helper source".into()),
            },
            Err(e) => return Some(e.to_string()),
        };
        let version = source.lines().find_map(|l| {
            l.strip_prefix("VERSION = \"")
                .and_then(|r| r.strip_suffix('"'))
                .map(str::to_string)
        });
        let Some(version) = version else {
            return Some(format!(
                "module '{}' has no attribute 'VERSION'",
                helper::MODULE
            ));
        };
        self.install_parts = None;
        self.helper = Some(version.clone());
        Some(format!("installed {version}"))
    }

    /// Anything else on a Python port: Maya's eval-then-exec in a throw-away
    /// namespace; the reply is `str(result)`, `"None"`, or `str(exception)`.
    fn raw_python(&mut self, text: &str) -> String {
        let (streams, editor) = (&self.streams, &mut self.editor);
        let mut out = |t: u8, s: &str| emit(streams, editor, t, s);
        let mut ctx = Ctx {
            scene: &mut self.scene,
            out: &mut out,
        };
        let mut local = Interpreter::new();
        if !text.contains('\n') && Interpreter::is_expression(text) {
            // eval(): a non-None value is the reply; None or an exception falls
            // through to exec(), which runs the line a second time (Maya's quirk).
            if let Ok(Some(v)) = local.run(text, "<string>", &mut ctx) {
                return v.to_str();
            }
        }
        match local.run(text, "<string>", &mut ctx) {
            Ok(_) => "None".into(),
            Err(e) => e.message,
        }
    }

    /// `__import__("mayalink_helper").call(b64)`: never fails, always JSON.
    fn helper_call(&mut self, payload: &str) -> Json {
        let req: Json = match b64().decode(payload) {
            Err(e) => return exception("binascii.Error", e.to_string(), "call"),
            Ok(bytes) => match String::from_utf8(bytes) {
                Err(_) => {
                    return exception(
                        "UnicodeDecodeError",
                        "'utf-8' codec can't decode the request",
                        "call",
                    )
                }
                Ok(text) => match serde_json::from_str(&text) {
                    Ok(v) => v,
                    Err(e) => {
                        return exception("json.decoder.JSONDecodeError", e.to_string(), "call")
                    }
                },
            },
        };
        self.helper_call_value(req)
    }

    /// A decoded helper request (from `call` or the quick-run line).
    fn helper_call_value(&mut self, req: Json) -> Json {
        let op = req
            .get("op")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        let r = match op.as_str() {
            "info" => Ok(self.op_info()),
            "stage" => self.op_stage(&req),
            "run" => self.op_run(&req),
            "output_start" => self.op_output_start(&req),
            "cleanup" => self.op_cleanup(&req),
            "skeleton" => Ok(self.op_skeleton(&req)),
            "link_nodes" => Ok(Links::op_nodes(&self.scene)),
            "link_rest" => Links::op_rest(&self.scene, &req),
            "link_read" => Links::op_read(&self.scene, &req),
            "link_start" => self.links.op_start(&req),
            "link_follow" => self.links.op_follow(&req),
            "link_stop" => self.links.op_stop(&req),
            _ => {
                let shown = match req.get("op") {
                    None | Some(Json::Null) => "None".to_string(),
                    Some(Json::String(s)) => Value::Str(s.clone()).repr(),
                    Some(other) => other.to_string(),
                };
                Ok(error_json(
                    "MayalinkError",
                    format!("unknown op {shown}"),
                    "",
                ))
            }
        };
        r.unwrap_or_else(|e| e)
    }

    fn op_info(&self) -> Json {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "artist".into());
        let platform = if cfg!(windows) {
            "win32"
        } else if cfg!(target_os = "macos") {
            "darwin"
        } else {
            "linux"
        };
        json!({
            "ok": true,
            "helper": self.helper,
            "maya": MAYA_VERSION,
            "pid": std::process::id(),
            "scene": self.scene.path,
            "user": user,
            "python": PYTHON_VERSION,
            "platform": platform,
            // Not in the real helper's reply: how the app knows this Maya is the demo.
            "demo": true,
            "label": LABEL,
        })
    }

    fn op_stage(&mut self, req: &Json) -> Result<Json, Json> {
        let id = key_of(field(req, "id", "stage")?);
        let index = int_of(field(req, "index", "stage")?, "stage")?;
        let data = b64_decode(field(req, "data", "stage")?, "stage")?;
        if self.staged_bytes + data.len() > MAX_STAGED {
            return Err(exception("MemoryError", "", "stage"));
        }
        self.staged_bytes += data.len();
        if let Some(old) = self.staged.entry(id).or_default().insert(index, data) {
            self.staged_bytes -= old.len();
        }
        Ok(json!({"ok": true}))
    }

    fn op_run(&mut self, req: &Json) -> Result<Json, Json> {
        let rid = key_of(field(req, "id", "run")?);
        if let Some((_, r)) = self.done.iter().find(|(id, _)| *id == rid) {
            return Ok(r.clone()); // a re-sent run: answer, never run twice
        }
        let code = if let Some(data) = req.get("data") {
            utf8(b64_decode(data, "run")?, "run")?
        } else {
            let parts = self.staged.remove(&rid).unwrap_or_default();
            self.staged_bytes -= parts
                .values()
                .map(Vec::len)
                .sum::<usize>()
                .min(self.staged_bytes);
            let count = int_of(field(req, "chunks", "run")?, "run")?;
            if parts.len() as i64 != count {
                return Ok(error_json(
                    "MayalinkError",
                    format!("missing chunks: got {} of {count}", parts.len()),
                    "",
                ));
            }
            let mut bytes = Vec::new();
            for i in 0..count {
                match parts.get(&i) {
                    Some(p) => bytes.extend_from_slice(p),
                    None => return Err(exception("KeyError", i.to_string(), "run")),
                }
            }
            utf8(bytes, "run")?
        };
        let lang = req.get("lang").and_then(Json::as_str).unwrap_or("python");
        let file = req
            .get("file")
            .and_then(Json::as_str)
            .filter(|f| !f.is_empty())
            .unwrap_or("<mayalink>");
        let result = self.execute(&code, lang, file);
        self.done.push_back((rid, result.clone()));
        while self.done.len() > DONE_KEPT {
            self.done.pop_front();
        }
        Ok(result)
    }

    /// helper.py's `_execute`.
    fn execute(&mut self, code: &str, lang: &str, file: &str) -> Json {
        self.runs += 1;
        let started = Instant::now();
        let (streams, editor) = (&self.streams, &mut self.editor);
        let mut out = |t: u8, s: &str| emit(streams, editor, t, s);
        let mut ctx = Ctx {
            scene: &mut self.scene,
            out: &mut out,
        };
        let (value, error) = if lang == "mel" {
            match mel::eval_from_python(code, &mut ctx) {
                Ok(v) => (
                    Some(v).filter(|v| *v != Value::None).map(|v| v.to_str()),
                    None,
                ),
                Err(e) => {
                    // maya.mel.eval is C++ in Maya: once the helper's frames are left
                    // out, the error is all there is to show.
                    let tb = format!("{}: {}\n", e.kind, e.message);
                    (None, Some((e.kind, e.message, tb)))
                }
            }
        } else {
            match self.main.run(code, file, &mut ctx) {
                Ok(v) => (v.map(|v| v.repr()), None),
                Err(e) => (None, Some((e.kind, e.message, e.traceback))),
            }
        };
        if let Some((_, _, tb)) = &error {
            // Like the helper: the traceback goes to the console as a stack trace.
            ctx.emit(6, tb);
        }
        let mut out = json!({"ok": error.is_none(), "duration": started.elapsed().as_secs_f64()});
        match (error, value) {
            (Some((kind, message, traceback)), _) => {
                out["error"] = json!({"type": kind, "message": message, "traceback": traceback})
            }
            (None, Some(v)) => out["value"] = json!(v),
            (None, None) => {}
        }
        out
    }

    fn op_output_start(&mut self, req: &Json) -> Result<Json, Json> {
        let op = "output_start";
        let session = key_of(field(req, "session", op)?);
        let host = field(req, "host", op)?
            .as_str()
            .unwrap_or_default()
            .to_string();
        let port = int_of(field(req, "port", op)?, op)?;
        let token = b64_decode(field(req, "token", op)?, op)?;
        let period = match req.get("heartbeat") {
            None | Some(Json::Null) => 1.0,
            Some(v) => v.as_f64().ok_or_else(|| {
                exception("ValueError", format!("could not convert to float: {v}"), op)
            })?,
        };
        let port = u16::try_from(port)
            .map_err(|_| exception("OverflowError", "port must be 0-65535.", op))?;
        let token: [u8; 16] = token.try_into().map_err(|t: Vec<u8>| {
            exception(
                "ValueError",
                format!("the token must be 16 bytes, got {}", t.len()),
                op,
            )
        })?;
        if !period.is_finite() || period <= 0.0 {
            return Err(exception(
                "ValueError",
                "the heartbeat period must be positive",
                op,
            ));
        }
        self.stop_session(&session); // replace this session's stream, never another's
        let stream = Stream::start(
            &host,
            port,
            token,
            Duration::from_secs_f64(period.min(3600.0)),
            self.runtime.as_ref(),
            &self.cancel,
        )
        .map_err(|e| exception("OSError", e.to_string(), op))?;
        self.streams.insert(session, stream);
        Ok(json!({"ok": true, "callbacks": self.streams.len()}))
    }

    fn stop_session(&mut self, session: &str) -> bool {
        match self.streams.remove(session) {
            Some(s) => {
                s.stop();
                true
            }
            None => false,
        }
    }

    fn op_cleanup(&mut self, req: &Json) -> Result<Json, Json> {
        let session = key_of(field(req, "session", "cleanup")?);
        self.links.cleanup(&session);
        let removed = self.stop_session(&session);
        let prefix = format!("{session}:");
        let doomed: Vec<String> = self
            .staged
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        for k in doomed {
            if let Some(parts) = self.staged.remove(&k) {
                self.staged_bytes -= parts
                    .values()
                    .map(Vec::len)
                    .sum::<usize>()
                    .min(self.staged_bytes);
            }
        }
        let left = self.streams.len();
        if req
            .get("unload")
            .map(|v| v.as_bool().unwrap_or(!v.is_null()))
            .unwrap_or(false)
            && left == 0
        {
            // Last session gone: leave Maya as we found it.
            self.helper = None;
            self.install_parts = None;
            self.staged.clear();
            self.staged_bytes = 0;
            self.done.clear();
        }
        Ok(json!({"ok": true, "removed": removed, "sessions_left": left}))
    }

    fn op_skeleton(&self, req: &Json) -> Json {
        let joints: Vec<Json> = req
            .get("names")
            .and_then(Json::as_array)
            .map(|names| {
                names
                    .iter()
                    .map(|n| self.scene.joint_record(&key_of(n)))
                    .collect()
            })
            .unwrap_or_default();
        json!({"ok": true, "joints": joints})
    }
}

/// Script Editor output: to every session's stream (each has its own
/// "callback") and to the recent-output buffer.
fn emit(
    streams: &BTreeMap<String, Stream>,
    editor: &mut VecDeque<(u8, String)>,
    maya_type: u8,
    text: &str,
) {
    for s in streams.values() {
        s.send(maya_type, text);
    }
    editor.push_back((maya_type, text.to_string()));
    while editor.len() > EDITOR_KEPT {
        editor.pop_front();
    }
}

#[cfg(test)]
mod tests {
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
        assert!(
            p.handle_message(b"for i in x: pass")[0].contains("Demo Maya runs only simple code")
        );
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
}
