//! The one error shape that crosses to the UI and the CLI: `{code, message}`.
//! Codes are few on purpose: the UI decides what to show from the code, and the
//! message is written for the artist (what happened and what to do).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// Nothing listens at the address, or it refused us (port closed, Mosketch streaming off).
    Unreachable,
    /// The peer took too long (Maya busy, or showing its security dialog).
    Timeout,
    /// The peer answered something we cannot understand (not Maya, not Mosketch).
    Protocol,
    /// Code ran in Maya and raised.
    ScriptError,
    /// The request itself is wrong (bad address, unknown session, bad file).
    InvalidInput,
    /// The request was cancelled by the user or by clean-up.
    Cancelled,
    /// Local I/O failed (disk full, permission denied).
    Io,
    /// A bug on our side.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
    pub fn protocol(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Protocol, message)
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        use std::io::ErrorKind::*;
        let code = match e.kind() {
            ConnectionRefused | ConnectionReset | ConnectionAborted | NotConnected
            | AddrNotAvailable | HostUnreachable | NetworkUnreachable => ErrorCode::Unreachable,
            TimedOut => ErrorCode::Timeout,
            _ => ErrorCode::Io,
        };
        Self::new(code, e.to_string())
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message() {
        let e = AppError::new(ErrorCode::ScriptError, "NameError: x");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"code": "script_error", "message": "NameError: x"})
        );
    }

    #[test]
    fn refused_connection_maps_to_unreachable() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(AppError::from(io).code, ErrorCode::Unreachable);
    }
}
