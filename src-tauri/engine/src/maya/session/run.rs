//! Running user code in Maya: one run request end to end, and the console lines it
//! echoes (the code as run, then its result or error).

use base64::Engine as _;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

use super::helper_calls::helper_json;
use super::task::SessionTask;
use super::SessionState;
use crate::console::{ConsoleLine, LineKind};
use crate::error::{AppError, ErrorCode};
use crate::maya::helper;
use crate::maya::protocol::{Language, RunOptions, RunResult, ScriptError};

impl SessionTask {
    pub(super) async fn do_run(
        &mut self,
        code: &str,
        lang: Language,
        opts: &RunOptions,
        reply: &oneshot::Sender<Result<RunResult, AppError>>,
    ) -> Result<RunResult, AppError> {
        self.ready().await?;
        self.record(echo_lines(&self.config.id, code));
        let since = crate::console::now_ms();
        self.set_state(SessionState::Busy { since_ms: since });
        let id = format!(
            "{}:{}",
            self.config.id,
            self.run_counter.fetch_add(1, Ordering::Relaxed)
        );
        let started = Instant::now();
        let bytes = code.as_bytes();
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let mut body = json!({"op": "run", "id": id});
        if lang == Language::Mel {
            body["lang"] = json!("mel");
        }
        if let Some(u) = &opts.undo_chunk {
            body["undo"] = json!(u);
        }
        if let Some(f) = &opts.file_name {
            body["file"] = json!(f);
        }
        if bytes.len() <= helper::CODE_CHUNK {
            body["data"] = json!(b64(bytes));
        } else {
            let chunks: Vec<&[u8]> = bytes.chunks(helper::CODE_CHUNK).collect();
            for (i, c) in chunks.iter().enumerate() {
                if reply.is_closed() {
                    return Err(AppError::new(
                        ErrorCode::Cancelled,
                        "run cancelled before it started in Maya",
                    ));
                }
                let r = self
                    .helper_call(
                        &json!({"op": "stage", "id": id, "index": i, "data": b64(c)}),
                        self.config.call_timeout,
                    )
                    .await?;
                if r["ok"] != json!(true) {
                    return Err(AppError::protocol(format!(
                        "Maya's helper refused a chunk: {}",
                        r
                    )));
                }
            }
            body["chunks"] = json!(chunks.len());
        }
        let timeout = self
            .config
            .run_timeout
            .unwrap_or(Duration::from_secs(60 * 60 * 24));
        let quick = lang == Language::Python
            && body.get("undo").is_none()
            && body.get("file").is_none()
            && body.get("data").is_some();
        let line = match quick {
            true => helper::quick_run_line(&id, bytes),
            false => None,
        };
        let reply = self
            .helper_line(&line.unwrap_or_else(|| helper::call_line(&body)), timeout)
            .await?;
        let round_trip = started.elapsed().as_secs_f64();
        let result = match helper::parse_quick_ok(&reply) {
            Some((duration, value)) => RunResult {
                ok: true,
                value: value.map(str::to_string),
                error: None,
                duration,
                round_trip,
            },
            None => {
                let v = helper_json(&reply)?;
                let error = (v["ok"] != json!(true)).then(|| ScriptError {
                    kind: v["error"]["type"].as_str().unwrap_or("Error").to_string(),
                    message: v["error"]["message"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    traceback: v["error"]["traceback"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                });
                RunResult {
                    ok: error.is_none(),
                    value: v["value"].as_str().map(str::to_string),
                    error,
                    duration: v["duration"].as_f64().unwrap_or(0.0),
                    round_trip,
                }
            }
        };
        if let (Some(output), true) = (&self.output, self.registration.is_some()) {
            // Output of this run is already in our socket buffer: let it reach the
            // console before the result line.
            output.flush(&self.config.id).await;
        }
        self.record(result_lines(&self.config.id, &result));
        Ok(result)
    }
}

/// The code as run, echoed in the console like Maya's Script Editor history.
fn echo_lines(session: &str, code: &str) -> Vec<ConsoleLine> {
    let mut lines: Vec<ConsoleLine> = code
        .lines()
        .take(20)
        .map(|l| ConsoleLine::new(session, LineKind::Echo, l.to_string()))
        .collect();
    let total = code.lines().count();
    if total > 20 {
        lines.push(ConsoleLine::new(
            session,
            LineKind::Echo,
            format!("… ({} more lines)", total - 20),
        ));
    }
    lines
}

fn result_lines(session: &str, r: &RunResult) -> Vec<ConsoleLine> {
    match (&r.error, &r.value) {
        (Some(e), _) => vec![ConsoleLine::new(
            session,
            LineKind::Error,
            format!("# Error: {}: {}", e.kind, e.message),
        )],
        (None, Some(v)) => vec![ConsoleLine::new(
            session,
            LineKind::Result,
            format!("# Result: {v}"),
        )],
        (None, None) => vec![],
    }
}
