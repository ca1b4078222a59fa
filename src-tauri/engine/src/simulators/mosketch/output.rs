//! The simulator's writer: one packet at a time in the chosen framing, plus the
//! garbage it can inject between frames.

use super::SimFraming;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;

pub(super) struct FramedWriter {
    wr: OwnedWriteHalf,
    line: Vec<u8>,
    rng: StdRng,
    garbage_turn: usize,
}

/// What a piece of garbage should be counted as on the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Garbage {
    Unknown,
    Malformed,
}

const GARBAGE: [(&[u8], Garbage); 4] = [
    (
        br#"{"Type":"SceneInfo","Scene":"demo","Selected":[]}"#,
        Garbage::Unknown,
    ),
    // A packet cut short: the next packet's start lands inside its string.
    (
        br#"{"Type":"JointsStream","Joints":[{"Na"#,
        Garbage::Malformed,
    ),
    (b"#!garbage\x00\xff\xfe", Garbage::Malformed),
    (b"]", Garbage::Malformed),
];

impl FramedWriter {
    pub fn new(wr: OwnedWriteHalf, seed: u64) -> Self {
        Self {
            wr,
            line: Vec::with_capacity(16 * 1024),
            rng: StdRng::seed_from_u64(seed),
            garbage_turn: 0,
        }
    }

    pub async fn send(&mut self, packet: &[u8], framing: SimFraming) -> std::io::Result<()> {
        match framing {
            SimFraming::Lines => {
                self.line.clear();
                self.line.extend_from_slice(packet);
                self.line.push(b'\n');
                self.wr.write_all(&self.line).await
            }
            SimFraming::Concatenated => self.wr.write_all(packet).await,
            SimFraming::Split => {
                let mut rest = packet;
                while !rest.is_empty() {
                    let n = self.rng.random_range(1..=rest.len().min(512));
                    self.wr.write_all(&rest[..n]).await?;
                    rest = &rest[n..];
                    // Give the reader a chance to see the pieces separately.
                    if self.rng.random_bool(0.2) {
                        tokio::task::yield_now().await;
                    }
                }
                Ok(())
            }
        }
    }

    /// Writes the next piece of garbage (they take turns) and says what it was.
    pub async fn send_garbage(&mut self, framing: SimFraming) -> std::io::Result<Garbage> {
        let (bytes, kind) = GARBAGE[self.garbage_turn % GARBAGE.len()];
        self.garbage_turn += 1;
        self.send(bytes, framing).await?;
        Ok(kind)
    }
}
