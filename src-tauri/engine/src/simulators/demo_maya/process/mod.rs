//! The simulated Maya process behind Demo Maya's port: what Maya (with the real
//! helper installed) answers to each message. It recognises the exact lines the
//! app sends (`helper.rs`: probe, install chunks, install, calls; on a MEL port
//! also wrapped in `python("...")`), answers the helper's ops with helper.py's
//! JSON shapes, and runs anything else like Maya's port would, through the toy
//! interpreter. Runs on Demo Maya's "main thread", one message at a time.
//!
//! Here: the process, its port's messages and the app's install lines; the helper's
//! ops are in `helper_ops`, their JSON plumbing in `op_json.rs`.

mod helper_ops;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::OnceLock;

use base64::Engine as _;
use serde::Serialize;
use serde_json::Value as Json;
use tokio_util::sync::CancellationToken;

use super::interpreter::{Ctx, Interpreter};
use super::link::{Deferred, Links};
use super::mel;
use super::op_json::b64;
use super::scene::Scene;
use super::stream::Stream;
use crate::maya::helper;
use crate::maya::protocol::PortKind;

/// Script Editor messages kept for [`DemoSnapshot::output`].
const EDITOR_KEPT: usize = 2000;

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
    /// The live link's receivers (`link/`).
    pub(super) links: Links,
    editor: VecDeque<(u8, String)>,
    runtime: Option<tokio::runtime::Handle>,
    cancel: CancellationToken,
    commands: u64,
    runs: u64,
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
