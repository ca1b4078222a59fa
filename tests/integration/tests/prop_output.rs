//! Property tests of the live-output datagram format through its public API: a
//! message cut into chunks (any chunk size, any text) comes back byte for byte from
//! its datagrams whatever order they arrive in and however often; the encoder
//! numbers messages like the helper; batches round-trip; and no bytes at all make
//! the parser panic. The sequencer's own round trip under loss, duplicates and
//! reordering is in `src-tauri/engine/src/output/sequencer/props.rs` (its types are
//! private to the engine).

use mayalink_engine::output::datagram::{
    batch_entries, encode_message, parse, push_batch_entry, DatagramKind, Token, HEADER_LEN, MAGIC,
};
use mayalink_engine::output::OutputEncoder;
use proptest::prelude::*;
use std::collections::BTreeMap;

const TOKEN: Token = [3; 16];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..80).prop_map(String::from_iter)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Chunks arrive shuffled and duplicated; keyed by index they give the message back.
    #[test]
    fn chunks_reassemble_whatever_their_order_and_copies(
        seq in any::<u32>(),
        maya_type in 0u8..8,
        text in text(),
        chunk in 1usize..40,
        order in prop::collection::vec(any::<prop::sample::Index>(), 0..200),
    ) {
        let bytes = text.as_bytes();
        let datagrams = encode_message(&TOKEN, seq, maya_type, bytes, chunk);
        let count = bytes.len().div_ceil(chunk).max(1);
        prop_assert_eq!(datagrams.len(), count);
        // Every chunk at least once, then random extra copies, in a random order.
        let mut arrivals: Vec<&Vec<u8>> = datagrams.iter().collect();
        arrivals.extend(order.iter().map(|i| &datagrams[i.index(datagrams.len())]));
        let n = arrivals.len();
        for (k, i) in order.iter().enumerate() {
            arrivals.swap(k % n, i.index(n));
        }
        let mut chunks = BTreeMap::new();
        for d in arrivals {
            let d = parse(d).expect("an encoded datagram parses");
            prop_assert_eq!(d.header.token, TOKEN);
            prop_assert_eq!(d.header.kind, DatagramKind::Message);
            prop_assert_eq!(d.header.seq, seq);
            prop_assert_eq!(d.header.maya_type, maya_type);
            prop_assert_eq!(d.header.chunk_count as usize, count);
            prop_assert!(d.payload.len() <= chunk);
            let previous = chunks.insert(d.header.chunk_index, d.payload.to_vec());
            if let Some(p) = previous {
                prop_assert_eq!(p.as_slice(), d.payload, "two copies of a chunk differ");
            }
        }
        prop_assert_eq!(chunks.len(), count);
        let whole: Vec<u8> = chunks.into_values().flatten().collect();
        prop_assert_eq!(whole.as_slice(), bytes);
    }

    /// The encoder numbers messages one by one (not chunks), and heartbeats and the
    /// bye announce how many were sent, skipped ones included.
    #[test]
    fn the_encoder_numbers_messages_and_announces_the_count(
        steps in prop::collection::vec((text(), 0u32..3), 0..20),
        chunk in 1usize..64,
    ) {
        let mut enc = OutputEncoder::new(TOKEN).with_chunk_size(chunk);
        let mut expected = 0u32;
        for (text, skip) in &steps {
            for d in enc.message(1, text) {
                prop_assert_eq!(parse(&d).unwrap().header.seq, expected);
            }
            expected += 1;
            enc.skip(*skip);
            expected += skip;
            let hb = enc.heartbeat(r#"{"pid":1}"#);
            let hb = parse(&hb).unwrap();
            prop_assert_eq!(hb.header.kind, DatagramKind::Heartbeat);
            prop_assert_eq!(hb.header.seq, expected);
        }
        let bye = enc.bye();
        let bye = parse(&bye).unwrap();
        prop_assert_eq!(bye.header.kind, DatagramKind::Bye);
        prop_assert_eq!(bye.header.seq, expected);
        prop_assert!(bye.payload.is_empty());
    }

    /// A batch payload gives its entries back; any truncation of it is refused, not misread.
    #[test]
    fn batches_round_trip_and_truncations_are_refused(
        entries in prop::collection::vec((any::<u32>(), 0u8..8, text()), 0..12),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut payload = Vec::new();
        for (seq, t, text) in &entries {
            push_batch_entry(&mut payload, *seq, *t, text.as_bytes());
        }
        let back = batch_entries(&payload).expect("a whole batch reads");
        prop_assert_eq!(back.len(), entries.len());
        for (e, (seq, t, text)) in back.iter().zip(&entries) {
            prop_assert_eq!(e.seq, *seq);
            prop_assert_eq!(e.maya_type, *t);
            prop_assert_eq!(e.bytes, text.as_bytes());
        }
        if !payload.is_empty() {
            let at = cut.index(payload.len());
            // Cutting between two entries leaves a shorter valid batch; anywhere else, None.
            let boundaries: Vec<usize> = entries
                .iter()
                .scan(0, |end, (_, _, text)| {
                    *end += 7 + text.len();
                    Some(*end)
                })
                .collect();
            match batch_entries(&payload[..at]) {
                Some(v) => prop_assert!(at == 0 || boundaries.contains(&at), "misread a batch cut at {}: {:?}", at, v),
                None => prop_assert!(at != 0 && !boundaries.contains(&at)),
            }
        }
    }

    /// No bytes make the parser panic; those it accepts have the documented shape.
    #[test]
    fn parsing_any_bytes_never_panics(
        mut bytes in prop::collection::vec(any::<u8>(), 0..120),
        magic in any::<bool>(),
    ) {
        if magic && bytes.len() >= 4 {
            bytes[..4].copy_from_slice(&MAGIC);
        }
        if let Ok(d) = parse(&bytes) {
            prop_assert!(bytes.len() >= HEADER_LEN);
            prop_assert!(d.header.chunk_index < d.header.chunk_count);
            prop_assert_eq!(d.payload, &bytes[HEADER_LEN..]);
            if let DatagramKind::Batch = d.header.kind {
                let _ = batch_entries(d.payload);
            }
        }
    }
}
