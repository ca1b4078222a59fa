//! Counters of the live-output listener, per session and for the whole listener.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the output listener received and what it made of it. Per session
/// (everything its registrations received) or global (all sessions, plus what
/// could not be attributed to any session: malformed datagrams, unknown tokens).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutputStats {
    /// Datagrams received (all, including the ones dropped below).
    pub datagrams: u64,
    /// Bytes received.
    pub bytes: u64,
    /// Maya messages delivered (after reassembly and reordering).
    pub messages: u64,
    /// Console lines made from them.
    pub lines: u64,
    /// Messages that never arrived (sequence gaps, incomplete reassemblies).
    pub lost: u64,
    /// Datagrams received twice, or after their message was given up on.
    pub duplicates: u64,
    /// Messages that arrived out of order and were put back in order.
    pub reordered: u64,
    /// Datagrams that are not Mayalink output datagrams.
    pub malformed: u64,
    /// Datagrams whose token belongs to no registration.
    pub bad_token: u64,
    /// Datagrams with a valid token sent from an address other than the session's Maya.
    pub bad_address: u64,
    /// Messages dropped incomplete (chunks missing past the timeout, or too large
    /// to hold); included in `lost`.
    pub reassembly_drops: u64,
    /// Heartbeats received.
    pub heartbeats: u64,
}

impl OutputStats {
    pub fn add(&mut self, o: &OutputStats) {
        self.datagrams += o.datagrams;
        self.bytes += o.bytes;
        self.messages += o.messages;
        self.lines += o.lines;
        self.lost += o.lost;
        self.duplicates += o.duplicates;
        self.reordered += o.reordered;
        self.malformed += o.malformed;
        self.bad_token += o.bad_token;
        self.bad_address += o.bad_address;
        self.reassembly_drops += o.reassembly_drops;
        self.heartbeats += o.heartbeats;
    }

    pub fn is_zero(&self) -> bool {
        *self == OutputStats::default()
    }
}
