//! The live-output datagram: what the helper's `MCommandMessage` callback inside
//! Maya sends to the app's UDP listener. The Python sender is written against
//! this exact layout; change both together.
//!
//! # Layout
//!
//! All integers are big-endian. Every datagram starts with a 30-byte header:
//!
//! | offset | size | field |
//! |-------:|-----:|-------|
//! | 0  | 4  | magic `b"MLK1"` |
//! | 4  | 16 | token: 16 random bytes, one per session registration ([`Token`]) |
//! | 20 | 1  | kind: 0 = message chunk, 1 = heartbeat, 2 = bye (the callback was removed; sent last) |
//! | 21 | 1  | Maya message type 0..=6 (kHistory 0, kDisplay 1, kInfo 2, kWarning 3, kError 4, kResult 5, kStackTrace 6); 0 for heartbeat and bye |
//! | 22 | 4  | seq `u32` (see below) |
//! | 26 | 2  | chunk index `u16`, 0-based |
//! | 28 | 2  | chunk count `u16`, at least 1 |
//! | 30 | .. | payload |
//!
//! * **seq**: the message sequence number. It starts at 0 for each registration
//!   (each token) and grows by one per *message*, not per chunk: every chunk of
//!   a message carries the same seq. For a heartbeat or a bye it is the next seq
//!   the sender will use (the number of messages sent so far), so the app can
//!   detect loss at the tail of the stream. It wraps at 2³²; the app handles
//!   the wrap.
//! * **chunks**: a message larger than one datagram is cut into `count` chunks
//!   (index `0..count`) of its UTF-8 bytes. The app reassembles the bytes
//!   *before* decoding them, because a character may straddle two chunks. The
//!   sender starts with 8 KiB chunks and halves the size when `sendto` fails
//!   with `EMSGSIZE`; if it re-sends a message after halving, the new chunking
//!   has more chunks, and the app restarts that message's reassembly when it
//!   sees a larger count for the same seq. Heartbeats and byes are single
//!   datagrams: index 0, count 1.
//! * **payload**: for a message chunk, a slice of the message's UTF-8 bytes.
//!   For a heartbeat, compact JSON such as `{"pid":1234,"dropped":0}` (`dropped`:
//!   messages the sender discarded because its socket buffer was full; each
//!   still consumed a seq, so the app also sees them as a gap). It may be empty.
//!   For a bye, empty.
//!
//! A datagram that is shorter than the header, has a bad magic or an unknown
//! kind, a chunk count of 0 or a chunk index not below the count is malformed:
//! the listener drops and counts it. A Maya message type above 6 is accepted
//! and shown as ordinary output.
//!
//! The sender never blocks: it uses a non-blocking socket and drops a message
//! when the socket buffer is full (the seq is still consumed, so the app sees
//! the gap and reports it).

use std::fmt;

/// The 4-byte magic that starts every datagram.
pub const MAGIC: [u8; 4] = *b"MLK1";
/// Size of the fixed header in bytes.
pub const HEADER_LEN: usize = 30;
/// The largest UDP payload (IPv4) a datagram can have.
pub const MAX_DATAGRAM: usize = 65_507;
/// The chunk payload size the helper starts with (halved on `EMSGSIZE`).
pub const DEFAULT_CHUNK: usize = 8 * 1024;

/// The per-registration secret that ties datagrams to one session.
pub type Token = [u8; 16];

/// Maya's `MCommandMessage` message types.
pub mod maya_type {
    pub const HISTORY: u8 = 0;
    pub const DISPLAY: u8 = 1;
    pub const INFO: u8 = 2;
    pub const WARNING: u8 = 3;
    pub const ERROR: u8 = 4;
    pub const RESULT: u8 = 5;
    pub const STACK_TRACE: u8 = 6;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatagramKind {
    /// A chunk of one Script Editor message.
    Message,
    /// "I am alive"; seq = messages sent so far.
    Heartbeat,
    /// The callback was removed; seq = messages sent in total. Sent last.
    Bye,
    /// Several whole messages in one datagram (the helper's sender thread batches what
    /// Maya's callback queued, so Maya's main thread makes no sendto). Header seq,
    /// type and chunk fields are unused; the payload is entries of
    /// `seq u32 | Maya type u8 | length u16 | bytes`. See [`batch_entries`].
    Batch,
}

impl DatagramKind {
    pub fn code(self) -> u8 {
        match self {
            DatagramKind::Message => 0,
            DatagramKind::Heartbeat => 1,
            DatagramKind::Bye => 2,
            DatagramKind::Batch => 3,
        }
    }
    pub fn from_code(c: u8) -> Option<Self> {
        match c {
            0 => Some(DatagramKind::Message),
            1 => Some(DatagramKind::Heartbeat),
            2 => Some(DatagramKind::Bye),
            3 => Some(DatagramKind::Batch),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub token: Token,
    pub kind: DatagramKind,
    pub maya_type: u8,
    pub seq: u32,
    pub chunk_index: u16,
    pub chunk_count: u16,
}

/// A parsed datagram borrowing its payload from the receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram<'a> {
    pub header: Header,
    pub payload: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatagramError {
    TooShort(usize),
    BadMagic,
    UnknownKind(u8),
    BadChunk { index: u16, count: u16 },
}

impl fmt::Display for DatagramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatagramError::TooShort(n) => write!(
                f,
                "datagram of {n} bytes is shorter than the {HEADER_LEN}-byte header"
            ),
            DatagramError::BadMagic => write!(f, "datagram does not start with MLK1"),
            DatagramError::UnknownKind(k) => write!(f, "unknown datagram kind {k}"),
            DatagramError::BadChunk { index, count } => write!(f, "bad chunk {index} of {count}"),
        }
    }
}

impl std::error::Error for DatagramError {}

/// Parses one datagram. Never panics, whatever the bytes.
pub fn parse(buf: &[u8]) -> Result<Datagram<'_>, DatagramError> {
    if buf.len() < HEADER_LEN {
        return Err(DatagramError::TooShort(buf.len()));
    }
    if buf[0..4] != MAGIC {
        return Err(DatagramError::BadMagic);
    }
    let mut token = [0u8; 16];
    token.copy_from_slice(&buf[4..20]);
    let kind = DatagramKind::from_code(buf[20]).ok_or(DatagramError::UnknownKind(buf[20]))?;
    let maya_type = buf[21];
    let seq = u32::from_be_bytes([buf[22], buf[23], buf[24], buf[25]]);
    let chunk_index = u16::from_be_bytes([buf[26], buf[27]]);
    let chunk_count = u16::from_be_bytes([buf[28], buf[29]]);
    if chunk_count == 0 || chunk_index >= chunk_count {
        return Err(DatagramError::BadChunk {
            index: chunk_index,
            count: chunk_count,
        });
    }
    Ok(Datagram {
        header: Header {
            token,
            kind,
            maya_type,
            seq,
            chunk_index,
            chunk_count,
        },
        payload: &buf[HEADER_LEN..],
    })
}

/// Appends one datagram (header + payload) to `out`.
pub fn encode_into(header: &Header, payload: &[u8], out: &mut Vec<u8>) {
    out.reserve(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&header.token);
    out.push(header.kind.code());
    out.push(header.maya_type);
    out.extend_from_slice(&header.seq.to_be_bytes());
    out.extend_from_slice(&header.chunk_index.to_be_bytes());
    out.extend_from_slice(&header.chunk_count.to_be_bytes());
    out.extend_from_slice(payload);
}

/// One datagram as a new buffer.
pub fn encode(header: &Header, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(HEADER_LEN + payload.len());
    encode_into(header, payload, &mut v);
    v
}

/// Cuts one message into datagrams of at most `chunk_size` payload bytes each
/// (at least one datagram, even for an empty message). Cuts fall on byte
/// boundaries, not character boundaries, exactly like the helper.
///
/// Panics if the message needs more than 65,535 chunks at this size.
pub fn encode_message(
    token: &Token,
    seq: u32,
    maya_type: u8,
    bytes: &[u8],
    chunk_size: usize,
) -> Vec<Vec<u8>> {
    let chunk_size = chunk_size.max(1);
    let count = bytes.len().div_ceil(chunk_size).max(1);
    let count =
        u16::try_from(count).expect("message needs more than 65535 chunks at this chunk size");
    (0..count)
        .map(|i| {
            let start = (i as usize * chunk_size).min(bytes.len());
            let end = (start + chunk_size).min(bytes.len());
            let h = Header {
                token: *token,
                kind: DatagramKind::Message,
                maya_type,
                seq,
                chunk_index: i,
                chunk_count: count,
            };
            encode(&h, &bytes[start..end])
        })
        .collect()
}

/// A heartbeat: `next_seq` = messages sent so far; `json` like `{"pid":1234,"dropped":0}`.
pub fn encode_heartbeat(token: &Token, next_seq: u32, json: &[u8]) -> Vec<u8> {
    let h = Header {
        token: *token,
        kind: DatagramKind::Heartbeat,
        maya_type: 0,
        seq: next_seq,
        chunk_index: 0,
        chunk_count: 1,
    };
    encode(&h, json)
}

/// A bye: the callback was removed after sending `next_seq` messages.
pub fn encode_bye(token: &Token, next_seq: u32) -> Vec<u8> {
    let h = Header {
        token: *token,
        kind: DatagramKind::Bye,
        maya_type: 0,
        seq: next_seq,
        chunk_index: 0,
        chunk_count: 1,
    };
    encode(&h, &[])
}

/// The sending side in Rust, for the Demo Maya, tests and benchmarks: numbers
/// messages like the helper does.
#[derive(Debug, Clone)]
pub struct OutputEncoder {
    token: Token,
    next_seq: u32,
    chunk_size: usize,
}

impl OutputEncoder {
    pub fn new(token: Token) -> Self {
        Self {
            token,
            next_seq: 0,
            chunk_size: DEFAULT_CHUNK,
        }
    }
    pub fn with_chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size.max(1);
        self
    }
    pub fn token(&self) -> &Token {
        &self.token
    }
    /// The seq the next message will get (= messages so far).
    pub fn next_seq(&self) -> u32 {
        self.next_seq
    }
    /// The datagrams of the next message; consumes one seq.
    pub fn message(&mut self, maya_type: u8, text: &str) -> Vec<Vec<u8>> {
        let v = encode_message(
            &self.token,
            self.next_seq,
            maya_type,
            text.as_bytes(),
            self.chunk_size,
        );
        self.next_seq = self.next_seq.wrapping_add(1);
        v
    }
    /// Writes the next message, which must fit in one chunk, into `out`
    /// (cleared first); consumes one seq. The allocation-free path for benchmarks.
    pub fn single_into(&mut self, maya_type: u8, text: &str, out: &mut Vec<u8>) {
        debug_assert!(text.len() <= self.chunk_size);
        out.clear();
        let h = Header {
            token: self.token,
            kind: DatagramKind::Message,
            maya_type,
            seq: self.next_seq,
            chunk_index: 0,
            chunk_count: 1,
        };
        encode_into(&h, text.as_bytes(), out);
        self.next_seq = self.next_seq.wrapping_add(1);
    }
    /// Consumes `n` seqs without producing datagrams (what a sender-side drop looks like).
    pub fn skip(&mut self, n: u32) {
        self.next_seq = self.next_seq.wrapping_add(n);
    }
    pub fn heartbeat(&self, json: &str) -> Vec<u8> {
        encode_heartbeat(&self.token, self.next_seq, json.as_bytes())
    }
    pub fn bye(&self) -> Vec<u8> {
        encode_bye(&self.token, self.next_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Token = [7; 16];

    #[test]
    fn round_trips_a_header() {
        let h = Header {
            token: T,
            kind: DatagramKind::Message,
            maya_type: 4,
            seq: 0xDEAD_BEEF,
            chunk_index: 2,
            chunk_count: 3,
        };
        let bytes = encode(&h, b"hello");
        assert_eq!(bytes.len(), HEADER_LEN + 5);
        assert_eq!(&bytes[..4], b"MLK1");
        assert_eq!(&bytes[22..26], &[0xDE, 0xAD, 0xBE, 0xEF]);
        let d = parse(&bytes).unwrap();
        assert_eq!(d.header, h);
        assert_eq!(d.payload, b"hello");
    }

    #[test]
    fn rejects_malformed() {
        let good = encode_heartbeat(&T, 3, b"{}");
        assert_eq!(parse(&good[..29]), Err(DatagramError::TooShort(29)));
        let mut bad = good.clone();
        bad[0] = b'X';
        assert_eq!(parse(&bad), Err(DatagramError::BadMagic));
        let mut bad = good.clone();
        bad[20] = 9;
        assert_eq!(parse(&bad), Err(DatagramError::UnknownKind(9)));
        let mut bad = good.clone();
        bad[28..30].copy_from_slice(&0u16.to_be_bytes());
        assert!(matches!(parse(&bad), Err(DatagramError::BadChunk { .. })));
        let mut bad = good;
        bad[26..28].copy_from_slice(&1u16.to_be_bytes());
        assert!(matches!(
            parse(&bad),
            Err(DatagramError::BadChunk { index: 1, count: 1 })
        ));
    }

    #[test]
    fn chunks_a_message_on_byte_boundaries() {
        let text = "aé".repeat(10); // 30 bytes
        let parts = encode_message(&T, 5, 1, text.as_bytes(), 7);
        assert_eq!(parts.len(), 5);
        let mut joined = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            let d = parse(p).unwrap();
            assert_eq!(d.header.seq, 5);
            assert_eq!(d.header.chunk_index as usize, i);
            assert_eq!(d.header.chunk_count, 5);
            joined.extend_from_slice(d.payload);
        }
        assert_eq!(joined, text.as_bytes());
        assert_eq!(encode_message(&T, 0, 1, b"", 7).len(), 1);
    }

    #[test]
    fn encoder_numbers_messages_not_chunks() {
        let mut e = OutputEncoder::new(T).with_chunk_size(2);
        assert_eq!(e.message(1, "abcde").len(), 3);
        e.skip(2);
        let d = e.message(1, "x");
        assert_eq!(parse(&d[0]).unwrap().header.seq, 3);
        assert_eq!(parse(&e.heartbeat("")).unwrap().header.seq, 4);
        assert_eq!(parse(&e.bye()).unwrap().header.kind, DatagramKind::Bye);
    }

    #[test]
    fn random_bytes_never_panic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for _ in 0..20_000 {
            let len = rng.random_range(0..80);
            let mut v: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            if rng.random_bool(0.5) && v.len() >= 4 {
                v[..4].copy_from_slice(&MAGIC);
            }
            let _ = parse(&v);
        }
    }
}

/// One message inside a [`DatagramKind::Batch`] datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchEntry<'a> {
    pub seq: u32,
    pub maya_type: u8,
    pub bytes: &'a [u8],
}

impl BatchEntry<'_> {
    /// The header of this entry as the one-chunk message it stands for.
    pub fn message_header(&self, token: Token) -> Header {
        Header {
            token,
            kind: DatagramKind::Message,
            maya_type: self.maya_type,
            seq: self.seq,
            chunk_index: 0,
            chunk_count: 1,
        }
    }
}

/// The entries of a batch payload; `None` if it is truncated or malformed.
pub fn batch_entries(mut payload: &[u8]) -> Option<Vec<BatchEntry<'_>>> {
    let mut out = Vec::new();
    while !payload.is_empty() {
        if payload.len() < 7 {
            return None;
        }
        let seq = u32::from_be_bytes(payload[0..4].try_into().ok()?);
        let maya_type = payload[4];
        let len = u16::from_be_bytes(payload[5..7].try_into().ok()?) as usize;
        let bytes = payload.get(7..7 + len)?;
        out.push(BatchEntry {
            seq,
            maya_type,
            bytes,
        });
        payload = &payload[7 + len..];
    }
    Some(out)
}

/// Appends one batch entry (tests, benchmarks and Demo Maya build batches with it).
pub fn push_batch_entry(out: &mut Vec<u8>, seq: u32, maya_type: u8, bytes: &[u8]) {
    out.extend_from_slice(&seq.to_be_bytes());
    out.push(maya_type);
    out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod batch_tests {
    use super::*;

    #[test]
    fn batch_entries_round_trip_and_reject_truncation() {
        let mut p = Vec::new();
        push_batch_entry(&mut p, 7, maya_type::INFO, b"x");
        push_batch_entry(&mut p, 8, maya_type::INFO, "\n".as_bytes());
        let e = batch_entries(&p).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].seq, e[0].bytes), (7, &b"x"[..]));
        assert_eq!((e[1].seq, e[1].bytes), (8, &b"\n"[..]));
        assert!(batch_entries(&p[..p.len() - 1]).is_none());
        assert!(batch_entries(&p[..5]).is_none());
        assert_eq!(batch_entries(&[]).unwrap().len(), 0);
    }
}
