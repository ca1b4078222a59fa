//! The Mosketch stream reader: bytes in, JSON values out, whatever the framing.
//!
//! Mosketch's framing is not documented (see the protocol notes): lines are likely, but
//! objects concatenated with no delimiter, packets split over many reads, several packets
//! in one read and array-wrapped packets (`[{...}]`) must all work. serde_json's streaming
//! deserializer does the parsing; this codec only decides how many bytes to consume, when
//! to wait for more, and how to skip data that is not JSON. Bad data is reported as
//! [`JsonItem::Malformed`] and skipped: it never ends the stream.
//!
//! Items are `serde_json::Value`s by default; the session and the simulator read
//! [`super::wire_packet::WireItem`]s instead, typed in the same pass (half the cost of a
//! Value tree). A value of the wrong shape for the item type is skipped as malformed.

use bytes::{Buf, BytesMut};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;
use std::marker::PhantomData;
use tokio_util::codec::Decoder;

/// A packet (65 joints is ~8 KB) larger than this is treated as garbage.
pub const DEFAULT_MAX_PACKET_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum JsonItem<T = Value> {
    Value(T),
    /// Bytes that could not be read as JSON; they were skipped.
    Malformed(Malformed),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub skipped_bytes: usize,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct JsonStreamCodec<T = Value> {
    max_bytes: usize,
    /// Bytes at the buffer's start already known to hold an incomplete value.
    /// Parsing again is pointless until a byte that can end a value arrives.
    incomplete_len: usize,
    /// Keep each complete value's bytes (see [`JsonStreamCodec::keeping_raw`]).
    keep_raw: bool,
    last_raw: Option<bytes::Bytes>,
    item: PhantomData<fn() -> T>,
}

impl<T> Default for JsonStreamCodec<T> {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_PACKET_BYTES)
    }
}

impl<T> JsonStreamCodec<T> {
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes: max_bytes.max(64),
            incomplete_len: 0,
            keep_raw: false,
            last_raw: None,
            item: PhantomData,
        }
    }

    /// Also keeps the bytes of each complete value, for a reader that must act on a
    /// packet before typing it (the Mosketch session acks a frame first). Taking the
    /// bytes costs nothing: they are split off the buffer, not copied.
    pub fn keeping_raw(mut self) -> Self {
        self.keep_raw = true;
        self
    }

    /// The bytes of the value the last `decode` returned (when keeping them).
    pub fn take_raw(&mut self) -> Option<bytes::Bytes> {
        self.last_raw.take()
    }

    /// True when the buffer starts with the beginning of a value that needs more bytes.
    pub fn holds_incomplete(&self, src: &BytesMut) -> bool {
        self.incomplete_len > 0 && !src.is_empty()
    }

    /// Gives up on an incomplete value (the peer went quiet in the middle of it, or sent
    /// a truncated packet that swallowed the next one). Skips to the next place a value
    /// could start and reports what was dropped.
    pub fn abandon_incomplete(&mut self, src: &mut BytesMut) -> Option<JsonItem<T>> {
        if src.is_empty() {
            self.incomplete_len = 0;
            return None;
        }
        let n = restart_after_stall(src);
        Some(self.skip(
            src,
            n,
            "incomplete packet abandoned (no more data came)".into(),
        ))
    }

    fn skip(&mut self, src: &mut BytesMut, n: usize, reason: String) -> JsonItem<T> {
        src.advance(n);
        self.incomplete_len = 0;
        JsonItem::Malformed(Malformed {
            skipped_bytes: n,
            reason,
        })
    }

    fn too_big(&mut self, src: &mut BytesMut) -> JsonItem<T> {
        // The rest of the oversized value will arrive as garbage and be skipped the same way.
        let n = src.len();
        self.skip(
            src,
            n,
            format!("packet larger than {} bytes", self.max_bytes),
        )
    }
}

/// Where to restart after bad data at the start of `buf`: just past the next newline,
/// or at the next `{` / `[`, whichever comes first (never at 0, so we always progress).
fn resync_point(buf: &[u8]) -> usize {
    buf.iter()
        .enumerate()
        .skip(1)
        .find_map(|(i, &b)| match b {
            b'{' | b'[' => Some(i),
            _ => None,
        })
        .into_iter()
        .chain(buf.iter().position(|&b| b == b'\n').map(|p| p + 1))
        .min()
        .unwrap_or(buf.len())
        .max(1)
}

/// After a stall, the value at the start will never complete. Restart at the first
/// place (line start, `{` or `[`) from which a complete value parses; failing that, at
/// the last such place, which is the likeliest start of a packet still arriving.
fn restart_after_stall(buf: &[u8]) -> usize {
    const MAX_TRIES: usize = 256;
    let candidates = buf
        .iter()
        .enumerate()
        .skip(1)
        .filter(|&(i, &b)| b == b'{' || b == b'[' || buf[i - 1] == b'\n')
        .map(|(i, _)| i)
        .take(MAX_TRIES);
    let mut last = buf.len();
    for p in candidates {
        let mut values = serde_json::Deserializer::from_slice(&buf[p..]).into_iter::<IgnoredAny>();
        if let Some(Ok(_)) = values.next() {
            return p;
        }
        last = p;
    }
    last
}

impl<T: DeserializeOwned> Decoder for JsonStreamCodec<T> {
    type Item = JsonItem<T>;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<JsonItem<T>>, std::io::Error> {
        let ws = src.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if ws > 0 {
            src.advance(ws);
            self.incomplete_len = 0;
        }
        if src.is_empty() {
            return Ok(None);
        }
        if self.incomplete_len > 0 {
            let fresh = &src[self.incomplete_len.min(src.len())..];
            if !fresh.iter().any(|&b| matches!(b, b'}' | b']' | b'\n')) {
                if src.len() > self.max_bytes {
                    return Ok(Some(self.too_big(src)));
                }
                self.incomplete_len = src.len();
                return Ok(None);
            }
        }
        let mut values = serde_json::Deserializer::from_slice(src).into_iter::<T>();
        match values.next() {
            Some(Ok(v)) => {
                let n = values.byte_offset();
                if n > self.max_bytes {
                    return Ok(Some(self.too_big_complete(src, n)));
                }
                if self.keep_raw {
                    self.last_raw = Some(src.split_to(n).freeze());
                } else {
                    src.advance(n);
                }
                self.incomplete_len = 0;
                Ok(Some(JsonItem::Value(v)))
            }
            Some(Err(e)) if e.is_eof() => {
                if src.len() > self.max_bytes {
                    return Ok(Some(self.too_big(src)));
                }
                self.incomplete_len = src.len();
                Ok(None)
            }
            Some(Err(e)) if e.is_data() => {
                // Valid JSON of the wrong shape for T: skip exactly that value once it is complete.
                let mut skip = serde_json::Deserializer::from_slice(src).into_iter::<IgnoredAny>();
                match skip.next() {
                    Some(Ok(_)) => {
                        let n = skip.byte_offset();
                        Ok(Some(self.skip(src, n, format!("not a packet: {e}"))))
                    }
                    Some(Err(e2)) if e2.is_eof() => {
                        self.incomplete_len = src.len();
                        Ok(None)
                    }
                    _ => {
                        let n = resync_point(src);
                        Ok(Some(self.skip(src, n, format!("not JSON: {e}"))))
                    }
                }
            }
            Some(Err(e)) => {
                // Skipping (IgnoredAny) reports a value cut inside a number as a syntax
                // error rather than end-of-input: ask a full parse before skipping.
                if self.keep_raw {
                    let mut full = serde_json::Deserializer::from_slice(src).into_iter::<Value>();
                    if matches!(full.next(), Some(Err(e2)) if e2.is_eof()) {
                        if src.len() > self.max_bytes {
                            return Ok(Some(self.too_big(src)));
                        }
                        self.incomplete_len = src.len();
                        return Ok(None);
                    }
                }
                let n = resync_point(src);
                Ok(Some(self.skip(src, n, format!("not JSON: {e}"))))
            }
            None => {
                src.clear();
                self.incomplete_len = 0;
                Ok(None)
            }
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<JsonItem<T>>, std::io::Error> {
        if let Some(item) = self.decode(src)? {
            return Ok(Some(item));
        }
        if src.is_empty() {
            return Ok(None);
        }
        let n = src.len();
        Ok(Some(self.skip(
            src,
            n,
            "connection closed in the middle of a packet".into(),
        )))
    }
}

impl<T> JsonStreamCodec<T> {
    fn too_big_complete(&mut self, src: &mut BytesMut, n: usize) -> JsonItem<T> {
        self.skip(
            src,
            n,
            format!(
                "packet of {n} bytes is larger than {} bytes",
                self.max_bytes
            ),
        )
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod raw_tests {
    use super::*;
    use serde::de::IgnoredAny;

    #[test]
    fn raw_bytes_of_each_value_whatever_the_framing() {
        let stream = b"{\"Type\":\"A\",\"Joints\":[1,2]}\n{\"Type\":\"B\"}[{\"Type\":\"C\"}] {\"Type\":\"D\"}";
        let mut c = JsonStreamCodec::<IgnoredAny>::new(1 << 20).keeping_raw();
        let mut buf = BytesMut::from(&stream[..]);
        let mut got = Vec::new();
        while let Some(item) = c.decode(&mut buf).unwrap() {
            assert!(matches!(item, JsonItem::Value(_)), "{item:?}");
            got.push(String::from_utf8(c.take_raw().unwrap().to_vec()).unwrap());
        }
        assert_eq!(
            got,
            [
                "{\"Type\":\"A\",\"Joints\":[1,2]}",
                "{\"Type\":\"B\"}",
                "[{\"Type\":\"C\"}]",
                "{\"Type\":\"D\"}"
            ]
        );
    }

    #[test]
    fn a_value_cut_inside_a_number_waits_for_more_bytes() {
        let whole =
            br#"{"Type":"JointsStream","Joints":[{"Name":"Hips","R":[-0.0147,0.5,1e-3,0.9]}]}"#;
        for cut in 1..whole.len() {
            let mut c = JsonStreamCodec::<IgnoredAny>::new(1 << 20).keeping_raw();
            let mut buf = BytesMut::from(&whole[..cut]);
            assert!(
                c.decode(&mut buf).unwrap().is_none(),
                "cut at {cut}: {:?}",
                std::str::from_utf8(&whole[..cut])
            );
            buf.extend_from_slice(&whole[cut..]);
            assert!(
                matches!(c.decode(&mut buf).unwrap(), Some(JsonItem::Value(_))),
                "cut at {cut}"
            );
            assert_eq!(&c.take_raw().unwrap()[..], &whole[..]);
        }
    }
}
