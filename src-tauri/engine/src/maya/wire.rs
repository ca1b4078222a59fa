//! Maya's reply framing: every reply ends with "\n\0". The codec yields one reply
//! (without the trailing newline) per NUL, with a size cap so a peer that is not
//! Maya cannot make us buffer forever.

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

/// 64 MiB: far beyond any real reply (results are strings; output goes over UDP).
pub const MAX_REPLY: usize = 64 * 1024 * 1024;

#[derive(Debug)]
pub struct ReplyCodec {
    max: usize,
    scanned: usize,
}

impl Default for ReplyCodec {
    fn default() -> Self {
        Self::new(MAX_REPLY)
    }
}

impl ReplyCodec {
    pub fn new(max: usize) -> Self {
        Self { max, scanned: 0 }
    }
}

impl Decoder for ReplyCodec {
    type Item = String;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<String>, Self::Error> {
        // Resume scanning where the last call stopped: long replies arrive in many reads.
        let from = self.scanned.min(buf.len());
        match buf[from..].iter().position(|&b| b == 0) {
            Some(i) => {
                let end = from + i;
                self.scanned = 0;
                let frame = buf.split_to(end);
                buf.advance(1);
                let mut text = String::from_utf8_lossy(&frame).into_owned();
                if text.ends_with('\n') {
                    text.pop();
                }
                Ok(Some(text))
            }
            None if buf.len() > self.max => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("reply larger than {} MiB without an end marker: this is not Maya's commandPort", self.max >> 20),
            )),
            None => {
                self.scanned = buf.len();
                Ok(None)
            }
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<String>, Self::Error> {
        match self.decode(buf)? {
            Some(frame) => Ok(Some(frame)),
            None if buf.is_empty() => Ok(None),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the connection closed in the middle of a reply",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_replies_at_nul_and_drops_the_newline() {
        let mut c = ReplyCodec::default();
        let mut b = BytesMut::from(&b"2\n\0None\n\0par"[..]);
        assert_eq!(c.decode(&mut b).unwrap().as_deref(), Some("2"));
        assert_eq!(c.decode(&mut b).unwrap().as_deref(), Some("None"));
        assert_eq!(c.decode(&mut b).unwrap(), None);
        b.extend_from_slice("tiél\n\0".as_bytes());
        assert_eq!(c.decode(&mut b).unwrap().as_deref(), Some("partiél"));
    }

    #[test]
    fn a_reply_cut_by_eof_is_an_error_not_a_hang() {
        let mut c = ReplyCodec::default();
        let mut b = BytesMut::from(&b"half a reply"[..]);
        assert!(c.decode_eof(&mut b).is_err());
        let mut empty = BytesMut::new();
        assert!(c.decode_eof(&mut empty).unwrap().is_none());
    }

    #[test]
    fn caps_replies_without_an_end() {
        let mut c = ReplyCodec::new(16);
        let mut b = BytesMut::from(&[b'x'; 17][..]);
        assert!(c.decode(&mut b).is_err());
    }
}
