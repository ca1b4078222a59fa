//! The JSON plumbing of the helper's ops in Demo Maya: a request's fields read the
//! way helper.py's Python reads them (`KeyError`, `int()`, base64, UTF-8), and the
//! error replies helper.py sends.

use base64::Engine as _;
use serde_json::{json, Value as Json};

pub(super) fn b64() -> &'static base64::engine::GeneralPurpose {
    &base64::engine::general_purpose::STANDARD
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
pub(super) fn int_of(v: &Json, op: &str) -> Result<i64, Json> {
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

pub(super) fn utf8(bytes: Vec<u8>, op: &str) -> Result<String, Json> {
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
