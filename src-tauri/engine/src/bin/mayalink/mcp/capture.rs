//! Output capture: what a Maya's output callback sent, read back from the output
//! service's per-session history, and turned into the text a tool returns.

use mayalink_engine::console::{ConsoleLine, LineKind};
use mayalink_engine::maya::{Language, RunResult};
use mayalink_engine::output::OutputService;

/// Text of lines as the Script Editor shows them. The echo of what the server ran
/// is left out (the assistant knows what it sent); Mayalink's own notices (lost
/// messages, reconnects) are kept, marked.
pub fn text_of(lines: &[ConsoleLine]) -> String {
    let mut out = String::new();
    for l in lines {
        match l.kind {
            LineKind::Echo => continue,
            LineKind::Notice => {
                out.push_str("[mayalink] ");
                out.push_str(&l.text);
            }
            _ => out.push_str(&l.text),
        }
        out.push('\n');
    }
    out
}

/// The history lines a run added, from absolute line `from` to the end, less
/// the lines the session itself adds around a run: the echo of the code, and
/// the `# Result:` / `# Error:` line it records last (the tool returns the value
/// and the error on their own). The traceback the helper sends to the output
/// stream is dropped too when the error is returned with it.
pub fn run_lines(output: &OutputService, session: &str, from: u64, r: &RunResult) -> String {
    let total = output.line_count(session);
    let mut lines = output.history(session, from, total.saturating_sub(from) as usize);
    lines.retain(|l| l.kind != LineKind::Echo);
    let recorded = match (&r.error, &r.value) {
        (Some(e), _) => Some((
            LineKind::Error,
            format!("# Error: {}: {}", e.kind, e.message),
        )),
        (None, Some(v)) => Some((LineKind::Result, format!("# Result: {v}"))),
        (None, None) => None,
    };
    if let Some((kind, text)) = recorded {
        if let Some(i) = lines.iter().rposition(|l| l.kind == kind && l.text == text) {
            lines.remove(i);
        }
    }
    if let Some(e) = &r.error {
        let tb: std::collections::HashSet<&str> = e.traceback.lines().collect();
        lines.retain(|l| !(l.kind == LineKind::StackTrace && tb.contains(l.text.as_str())));
    }
    text_of(&lines)
}

/// What a run tool returns: the printed output, then the final expression's
/// value; on an error, the output before it, then the traceback from the
/// user's code down (Python) or Maya's error (MEL).
pub fn run_text(lang: Language, output: &str, r: &RunResult) -> String {
    let mut text = output.to_string();
    match (&r.error, &r.value) {
        (Some(e), _) => {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            let detail = match lang {
                Language::Python if !e.traceback.trim().is_empty() => e.traceback.clone(),
                _ => format!("{}: {}", e.kind, e.message),
            };
            text.push_str(&detail);
        }
        (None, Some(v)) => {
            text.push_str("Result: ");
            text.push_str(v);
        }
        (None, None) if text.is_empty() => text.push_str("(no output)"),
        (None, None) => {}
    }
    while text.ends_with('\n') {
        text.pop();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use mayalink_engine::maya::ScriptError;

    fn line(kind: LineKind, text: &str) -> ConsoleLine {
        ConsoleLine::new("s", kind, text)
    }

    fn result(value: Option<&str>, error: Option<ScriptError>) -> RunResult {
        RunResult {
            ok: error.is_none(),
            value: value.map(str::to_string),
            error,
            duration: 0.0,
            round_trip: 0.0,
        }
    }

    #[test]
    fn the_echo_goes_notices_are_marked() {
        let t = text_of(&[
            line(LineKind::Echo, "print('x')"),
            line(LineKind::Output, "x"),
            line(LineKind::Warning, "Warning: w"),
            line(LineKind::Notice, "3 messages lost"),
        ]);
        assert_eq!(t, "x\nWarning: w\n[mayalink] 3 messages lost\n");
    }

    #[test]
    fn output_then_value_or_traceback() {
        assert_eq!(
            run_text(Language::Python, "a\n", &result(Some("42"), None)),
            "a\nResult: 42"
        );
        assert_eq!(
            run_text(Language::Python, "", &result(None, None)),
            "(no output)"
        );
        let e = ScriptError {
            kind: "ValueError".into(),
            message: "boom".into(),
            traceback: "Traceback (most recent call last):\n  File \"<mayalink>\", line 2, in <module>\nValueError: boom\n".into(),
        };
        let t = run_text(Language::Python, "before", &result(None, Some(e.clone())));
        assert!(t.starts_with("before\nTraceback"), "{t}");
        assert!(t.ends_with("ValueError: boom"), "{t}");
        let t = run_text(Language::Mel, "Error: x\n", &result(None, Some(e)));
        assert_eq!(t, "Error: x\nValueError: boom");
    }
}
