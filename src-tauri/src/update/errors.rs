//! The updater's errors as the artist reads them: `{code, message}` saying what
//! happened and what to do, never a library's debug text alone.

use mayalink_engine::{AppError, ErrorCode};
use tauri_plugin_updater::Error;

/// What the artist sees when a download does not carry Mayalink's signature.
pub const BAD_SIGNATURE: &str =
    "The update's signature does not match Mayalink's key; it was not installed.";

pub fn from_updater(e: Error) -> AppError {
    match e {
        Error::Minisign(_) | Error::SignatureUtf8(_) | Error::Base64(_) => {
            AppError::new(ErrorCode::Protocol, BAD_SIGNATURE)
        }
        Error::SignedVersionMismatch { signed, announced } => AppError::new(
            ErrorCode::Protocol,
            format!(
                "The update offered as {announced} is signed for {signed}; it was not installed."
            ),
        ),
        Error::MissingSignedVersion => AppError::new(
            ErrorCode::Protocol,
            "The update's signature does not say which version it is for; it was not installed.",
        ),
        Error::Reqwest(e) if e.is_timeout() => AppError::new(
            ErrorCode::Timeout,
            "The update server did not answer in time. Check your connection and try again.",
        ),
        Error::Reqwest(e) if e.is_connect() || e.is_request() => AppError::new(
            ErrorCode::Unreachable,
            format!("Could not reach the update server — are you offline? ({e})"),
        ),
        Error::Reqwest(e) => AppError::new(
            ErrorCode::Unreachable,
            format!("The update server could not be read: {e}"),
        ),
        Error::Network(detail) => AppError::new(
            ErrorCode::Unreachable,
            format!("The update could not be downloaded: {detail}"),
        ),
        Error::ReleaseNotFound => AppError::new(
            ErrorCode::Unreachable,
            "The update server has no release information right now. Try again later.",
        ),
        Error::Serialization(e) => AppError::new(
            ErrorCode::Protocol,
            format!("The update server's release information is not readable: {e}"),
        ),
        Error::TargetNotFound(_) | Error::TargetsNotFound(_) => AppError::new(
            ErrorCode::InvalidInput,
            "The newest release has no update for this system.",
        ),
        Error::InsecureTransportProtocol | Error::EmptyEndpoints | Error::UrlParse(_) => {
            AppError::internal(format!("The update endpoint is misconfigured: {e}"))
        }
        Error::AuthenticationFailed => AppError::new(
            ErrorCode::Cancelled,
            "Installing needs an administrator's permission, which was not given.",
        ),
        Error::Io(e) => AppError::new(
            ErrorCode::Io,
            format!("The update could not be written: {e}"),
        ),
        other => AppError::internal(format!("The update failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_that_does_not_verify_says_it_was_not_installed() {
        let e = from_updater(Error::SignatureUtf8("not base64".into()));
        assert_eq!(e.code, ErrorCode::Protocol);
        assert_eq!(e.message, BAD_SIGNATURE);
    }

    #[test]
    fn a_signature_for_another_version_names_both() {
        let e = from_updater(Error::SignedVersionMismatch {
            signed: "0.2.0".into(),
            announced: "0.9.0".into(),
        });
        assert!(
            e.message.contains("0.9.0") && e.message.contains("0.2.0"),
            "{e}"
        );
    }
}
