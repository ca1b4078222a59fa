//! Reading JSON items off a socket with [`JsonStreamCodec`], shared by the session,
//! the simulator and the tests. A read loop of our own (rather than `FramedRead`) so
//! that a value left incomplete for too long can be abandoned: a truncated packet can
//! swallow the start of the next one, and only silence tells.

use super::codec::{JsonItem, JsonStreamCodec};
use bytes::BytesMut;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::time::Instant;
use tokio_util::codec::Decoder;

pub struct PacketReader<R, T = Value> {
    io: R,
    buf: BytesMut,
    codec: JsonStreamCodec<T>,
    /// Abandon an incomplete value after this long without new bytes.
    stall: Option<Duration>,
    last_data: Instant,
    eof: bool,
}

impl<R: AsyncRead + Unpin, T: DeserializeOwned> PacketReader<R, T> {
    pub fn new(io: R, codec: JsonStreamCodec<T>, stall: Option<Duration>) -> Self {
        Self {
            io,
            buf: BytesMut::with_capacity(64 * 1024),
            codec,
            stall,
            last_data: Instant::now(),
            eof: false,
        }
    }

    /// The bytes of the value [`PacketReader::next`] just returned, when the codec keeps them.
    pub fn take_raw(&mut self) -> Option<bytes::Bytes> {
        self.codec.take_raw()
    }

    /// The next item; `None` once the peer has closed and everything was delivered.
    /// Cancel-safe: bytes already read stay buffered for the next call.
    pub async fn next(&mut self) -> Option<std::io::Result<JsonItem<T>>> {
        loop {
            match self.codec.decode(&mut self.buf) {
                Ok(Some(item)) => return Some(Ok(item)),
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
            if self.eof {
                return self.codec.decode_eof(&mut self.buf).transpose();
            }
            if self.buf.capacity() - self.buf.len() < 16 * 1024 {
                self.buf.reserve(64 * 1024);
            }
            let stalled_at = self
                .stall
                .filter(|_| self.codec.holds_incomplete(&self.buf))
                .map(|d| self.last_data + d);
            let read = self.io.read_buf(&mut self.buf);
            let n = match stalled_at {
                Some(deadline) => match tokio::time::timeout_at(deadline, read).await {
                    Ok(r) => r,
                    Err(_) => {
                        self.last_data = Instant::now();
                        match self.codec.abandon_incomplete(&mut self.buf) {
                            Some(item) => return Some(Ok(item)),
                            None => continue,
                        }
                    }
                },
                None => read.await,
            };
            match n {
                Ok(0) => self.eof = true,
                Ok(_) => self.last_data = Instant::now(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
