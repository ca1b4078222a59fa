//! `define_api!`: turns the one list of commands and streams in `api/mod.rs` into
//! the dispatcher every host calls, the list of names, and the TypeScript schema
//! (`ApiSchema`, `ApiStreams`) the UI types its calls with. A command with no
//! handler, or a handler with the wrong types, fails to compile.

/// Expands the command map; see `api/mod.rs` for the map itself.
macro_rules! define_api {
    (
        commands { $( $(#[doc = $doc:expr])* $name:ident ( $req:ty ) -> $res:ty ; )* }
        streams { $( $(#[doc = $sdoc:expr])* $stream:ident : $sty:ty ; )* }
    ) => {
        /// Every command by name: `[arguments, result]`. Generated from the command
        /// map; the UI's `call(name, args)` is typed by it.
        #[derive(ts_rs::TS)]
        #[ts(export)]
        #[allow(dead_code)]
        pub struct ApiSchema {
            $( $(#[doc = $doc])* pub $name: ($req, $res), )*
        }

        /// Every stream by name: the type of each message it delivers.
        #[derive(ts_rs::TS)]
        #[ts(export)]
        #[allow(dead_code)]
        pub struct ApiStreams {
            $( $(#[doc = $sdoc])* pub $stream: $sty, )*
        }

        /// The names of every command, in map order.
        pub const COMMANDS: &[&str] = &[ $( stringify!($name) ),* ];
        /// The names of every stream, in map order.
        pub const STREAMS: &[&str] = &[ $( stringify!($stream) ),* ];

        /// Runs one command: `args` is its JSON arguments object (null counts as `{}`);
        /// the result is its JSON response text, or `{code, message}`.
        pub async fn dispatch(
            engine: &$crate::api::Engine,
            command: &str,
            args: serde_json::Value,
        ) -> Result<String, $crate::AppError> {
            match command {
                $( stringify!($name) => {
                    let req: $req = $crate::api::map::decode(command, args)?;
                    let res: $res = handlers::$name(engine, req).await?;
                    $crate::api::map::encode(&res)
                } )*
                other => Err($crate::api::map::unknown(other, "command")),
            }
        }

        /// Starts a stream: `sink` gets each message as JSON text until it returns
        /// false (the UI went away), at most one message per display frame.
        pub fn subscribe(
            engine: &$crate::api::Engine,
            stream: &str,
            mut sink: impl FnMut(String) -> bool + Send + 'static,
        ) -> Result<(), $crate::AppError> {
            match stream {
                $( stringify!($stream) => {
                    streams::$stream(engine, move |v: $sty| match $crate::api::map::encode(&v) {
                        Ok(json) => sink(json),
                        Err(_) => false,
                    });
                    Ok(())
                } )*
                other => Err($crate::api::map::unknown(other, "stream")),
            }
        }
    };
}
pub(crate) use define_api;

use crate::{AppError, ErrorCode};
use serde::de::DeserializeOwned;

pub(crate) fn decode<T: DeserializeOwned>(
    command: &str,
    args: serde_json::Value,
) -> Result<T, AppError> {
    let args = if args.is_null() {
        serde_json::Value::Object(Default::default())
    } else {
        args
    };
    serde_json::from_value(args)
        .map_err(|e| AppError::invalid(format!("Bad arguments for {command}: {e}")))
}

pub(crate) fn encode<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::internal(format!("Could not encode: {e}")))
}

pub(crate) fn unknown(name: &str, what: &str) -> AppError {
    AppError::new(
        ErrorCode::InvalidInput,
        format!("Unknown {what} {name:?}: this Mayalink does not have it (is the UI from another version?)"),
    )
}
