//! The helper module Mayalink installs in Maya (`helper.py`, embedded at build
//! time): its version, the chunked install lines, and the one-line calls.
//!
//! Every line sent to Maya is a single-line *expression* that returns a
//! non-None string, so Maya's eval-then-exec rule never runs it twice, and is
//! well under Maya's 4 KB receive buffer, so it is never split or merged.

use base64::Engine as _;
use serde_json::Value;
use std::sync::OnceLock;

use super::protocol::PortKind;

/// helper.py with the live link's part appended: one module in Maya, two files here.
const SOURCE: &str = concat!(include_str!("helper.py"), include_str!("helper_link.py"));
pub const MODULE: &str = "mayalink_helper";
/// Base64 characters of helper source per install line.
const INSTALL_CHUNK: usize = 2400;
/// Bytes of user code per staging call (stays under 4 KB once base64'd and wrapped).
pub const CODE_CHUNK: usize = 1800;

/// Crate version plus a hash of the source: any change to the helper re-installs it.
pub fn version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        let mut h: u32 = 0x811c9dc5;
        for b in SOURCE.bytes() {
            h = (h ^ b as u32).wrapping_mul(0x01000193);
        }
        format!("{}-{h:08x}", crate::VERSION)
    })
}

pub fn source() -> String {
    SOURCE.replace("__MAYALINK_HELPER_VERSION__", version())
}

const PROBE_PREFIX: &str = "mayalink-py:";

/// Python-only syntax (MEL has no `str`/`getattr`), answering which helper version
/// this Maya has ("none" when not installed).
pub fn probe_line() -> String {
    format!(
        "\"{PROBE_PREFIX}\" + str(getattr(__import__(\"sys\").modules.get(\"{MODULE}\"), \"VERSION\", \"none\"))"
    )
}

/// Parses a probe reply: `Some(installed version or "none")` if it came from Python.
pub fn parse_probe(reply: &str) -> Option<&str> {
    reply.trim().strip_prefix(PROBE_PREFIX)
}

/// The lines that install the helper: stage base64 chunks, then compile them into
/// a fresh module in `sys.modules`.
pub fn install_lines() -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(source());
    let chunks: Vec<&str> = b64
        .as_bytes()
        .chunks(INSTALL_CHUNK)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let stage = "__import__(\"sys\").modules.setdefault(\"_mayalink_stage\", __import__(\"types\").ModuleType(\"_mayalink_stage\")).__dict__.setdefault(\"parts\", {})";
    let mut lines: Vec<String> = chunks
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{stage}.__setitem__({i}, \"{c}\") or \"staged {i}\""))
        .collect();
    lines.push(format!(
        "(lambda s, m: (exec(compile(__import__(\"base64\").b64decode(\"\".join(s.parts[i] for i in range({n}))).decode(\"utf-8\"), \"{MODULE}.py\", \"exec\"), m.__dict__), __import__(\"sys\").modules.__setitem__(\"{MODULE}\", m), __import__(\"sys\").modules.pop(\"_mayalink_stage\", None), \"installed \" + m.VERSION)[-1])(__import__(\"sys\").modules[\"_mayalink_stage\"], __import__(\"types\").ModuleType(\"{MODULE}\"))",
        n = chunks.len()
    ));
    lines
}

/// `__import__("mayalink_helper").call("<base64 JSON>")`
pub fn call_line(request: &Value) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(request.to_string());
    format!("__import__(\"{MODULE}\").call(\"{b64}\")")
}

/// The short line for a small Python run (no undo chunk, no file name): the same
/// exactly-once `run` op in a line Maya compiles several times faster than a base64
/// JSON call (every syntax node counts, hence one string argument "<id> <base64>"),
/// which matters for quick interactive runs. `None` when the run id has characters
/// that cannot sit bare in that string: use [`call_line`] then.
pub fn quick_run_line(id: &str, code: &[u8]) -> Option<String> {
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_' | b'.'))
    {
        return None;
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(code);
    Some(format!("__import__(\"{MODULE}\").q(\"{id} {b64}\")"))
}

/// `(id, base64 code)` of a [`quick_run_line`] (Demo Maya reads it).
pub fn parse_quick_run(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix(&format!("__import__(\"{MODULE}\").q(\""))?;
    rest.strip_suffix("\")")?.rsplit_once(' ')
}

/// A plain success answered to a [`quick_run_line`]: `"ok <duration>[ <value>]"`,
/// as `(duration, value)`. `None` means the reply is JSON (an error, or a value
/// that cannot travel bare) or not the helper's at all.
pub fn parse_quick_ok(reply: &str) -> Option<(f64, Option<&str>)> {
    let rest = reply.strip_prefix("ok ")?;
    let (duration, value) = match rest.split_once(' ') {
        Some((d, v)) => (d, Some(v)),
        None => (rest, None),
    };
    Some((duration.parse().ok()?, value))
}

/// Wraps a Python line for the port's kind: on a MEL port, MEL's `python("...")`
/// with MEL string escaping.
pub fn for_port(line: &str, kind: PortKind) -> String {
    match kind {
        PortKind::Python => line.to_string(),
        PortKind::Mel => format!("python(\"{}\")", mel_escape(line)),
    }
}

pub fn mel_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_single_and_fits_mayas_buffer_on_both_port_kinds() {
        let mut lines = install_lines();
        lines.push(probe_line());
        let data = base64::engine::general_purpose::STANDARD.encode(vec![0xffu8; CODE_CHUNK]);
        lines.push(call_line(&serde_json::json!({"op": "stage", "id": "0123456789abcdef:99999", "index": 99999, "data": data})));
        for l in &lines {
            for kind in [PortKind::Python, PortKind::Mel] {
                let wire = for_port(l, kind);
                assert!(!wire.contains('\n'), "multi-line: {wire:.80}");
                assert!(wire.len() < 3900, "{} bytes: {wire:.80}", wire.len());
            }
        }
        assert!(lines.len() > 2, "helper should span several chunks");
    }

    #[test]
    fn version_changes_with_the_source() {
        assert!(version().starts_with(crate::VERSION));
        assert!(source().contains(version()));
        assert!(!source().contains("__MAYALINK_HELPER_VERSION__"));
    }

    #[test]
    fn quick_run_lines_parse_back() {
        let l = quick_run_line("maya-1:7", b"print('x')").unwrap();
        assert_eq!(parse_quick_run(&l), Some(("maya-1:7", "cHJpbnQoJ3gnKQ==")));
        assert_eq!(parse_quick_run("1+1"), None);
        // An id that could break out of the string literal never makes a quick line.
        assert_eq!(
            quick_run_line("a\" + __import__('os').system('x') + \"", b"1"),
            None
        );
        assert_eq!(quick_run_line("has space", b"1"), None);
    }

    #[test]
    fn quick_ok_replies_keep_the_value_byte_for_byte() {
        assert_eq!(parse_quick_ok("ok 1.5e-05"), Some((1.5e-05, None)));
        assert_eq!(
            parse_quick_ok("ok 0.25 'a b\n c '"),
            Some((0.25, Some("'a b\n c '")))
        );
        assert_eq!(parse_quick_ok("ok 0.25 "), Some((0.25, Some(""))));
        assert_eq!(parse_quick_ok("{\"ok\": true}"), None);
        assert_eq!(parse_quick_ok("ok nonsense 1"), None);
        assert_eq!(parse_quick_ok("No module named 'mayalink_helper'"), None);
    }

    #[test]
    fn mel_escaping() {
        assert_eq!(mel_escape(r#"print("a\b")"#), r#"print(\"a\\b\")"#);
        assert_eq!(for_port("1", PortKind::Mel), "python(\"1\")");
    }

    #[test]
    fn probe_reply_parsing() {
        assert_eq!(parse_probe("mayalink-py:none"), Some("none"));
        assert_eq!(
            parse_probe("// Error: Line 1.5: Cannot find procedure \"str\". //"),
            None
        );
    }
}
