//! The helper's ops in Demo Maya's process (helper.py's `call`): the op dispatch
//! (the live link's ops go to `link`), `info`, `stage`, `run` (exactly once),
//! `output_start`, `cleanup` and `skeleton`, with helper.py's JSON shapes.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value as Json};

use super::{emit, Process};
use crate::simulators::demo_maya::cmds::MAYA_VERSION;
use crate::simulators::demo_maya::interpreter::Ctx;
use crate::simulators::demo_maya::link::Links;
use crate::simulators::demo_maya::op_json::{
    b64, b64_decode, error_json, exception, field, int_of, key_of, utf8,
};
use crate::simulators::demo_maya::stream::Stream;
use crate::simulators::demo_maya::value::Value;
use crate::simulators::demo_maya::{mel, LABEL};

/// Runs whose results are kept for re-sent requests (helper.py keeps 64).
const DONE_KEPT: usize = 64;
/// Staged code Demo Maya accepts in total before answering MemoryError.
const MAX_STAGED: usize = 256 << 20;
const PYTHON_VERSION: &str = "3.11.4";

impl Process {
    /// `__import__("mayalink_helper").call(b64)`: never fails, always JSON.
    pub(super) fn helper_call(&mut self, payload: &str) -> Json {
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
    pub(super) fn helper_call_value(&mut self, req: Json) -> Json {
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
