//! Property tests of live output through the engine's public API: a message cut into
//! chunks (any chunk size, any text) comes back byte for byte from its datagrams
//! whatever order they arrive in and however often; the encoder numbers messages like
//! the helper; batches round-trip; no bytes at all make the parser panic; and, over
//! real UDP into the output service, datagrams shuffled, duplicated and dropped give
//! the console exactly the lines whose datagrams all arrived, in order, with the rest
//! counted lost. The sequencer's own properties (any timing, window and cap) are in
//! `src-tauri/engine/src/output/sequencer/props.rs` (its types are private).

use mayalink_engine::console::ConsoleHub;
use mayalink_engine::output::datagram::{
    batch_entries, encode_message, parse, push_batch_entry, DatagramKind, Token, HEADER_LEN, MAGIC,
};
use mayalink_engine::output::{OutputConfig, OutputEncoder, OutputService};
use mayalink_integration_tests::proptest_cases;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::time::Duration;

const TOKEN: Token = [3; 16];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..80).prop_map(String::from_iter)
}

proptest! {
    #![proptest_config(proptest_cases(256))]

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

/// A line's text: no control characters (a line ends at its "\n"), multi-byte ones
/// that chunks cut through, never blank at the ends.
fn line_text() -> impl Strategy<Value = String> {
    let c = prop::sample::select(vec!['a', 'Z', '7', ' ', 'é', '€', '🎬', '"', '{']);
    prop::collection::vec(c, 0..30).prop_map(|v| format!("[{}]", String::from_iter(v)))
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

proptest! {
    #![proptest_config(proptest_cases(24))]

    /// The whole path over real UDP: `print`s chunked by the helper's encoder, their
    /// datagrams shuffled, some sent twice and some never, then the bye.
    #[test]
    fn over_udp_the_console_gets_exactly_the_whole_messages_in_order(
        lines in prop::collection::vec(line_text(), 1..25),
        chunk in 1usize..24,
        fates in prop::collection::vec(0u8..10, 400),
        order in prop::collection::vec(any::<prop::sample::Index>(), 0..400),
    ) {
        // Per datagram: 0 lost, 1 twice, otherwise once.
        runtime().block_on(async {
            let hub = ConsoleHub::new(100_000, 10);
            let svc = OutputService::new(
                hub,
                OutputConfig {
                    reorder_window: 1 << 16,
                    reorder_timeout: Duration::from_millis(100),
                    reassembly_timeout: Duration::from_millis(100),
                    ..OutputConfig::default()
                },
            );
            let reg = svc
                .register("p", IpAddr::V4(Ipv4Addr::LOCALHOST))
                .await
                .expect("register");
            let mut enc = OutputEncoder::new(*reg.token()).with_chunk_size(chunk);
            let messages: Vec<Vec<Vec<u8>>> = lines
                .iter()
                .map(|l| enc.message(1, &format!("{l}\n")))
                .collect();
            // What goes on the wire, and which messages arrive whole.
            let mut wire: Vec<&Vec<u8>> = Vec::new();
            let mut whole = BTreeSet::new();
            let mut k = 0;
            for (i, parts) in messages.iter().enumerate() {
                let mut all = true;
                for d in parts {
                    match fates[k % fates.len()] {
                        0 => all = false,
                        1 => wire.extend([d, d]),
                        _ => wire.push(d),
                    }
                    k += 1;
                }
                if all {
                    whole.insert(i);
                }
            }
            let n = wire.len();
            for (j, i) in order.iter().enumerate() {
                if n > 0 {
                    wire.swap(j % n, i.index(n));
                }
            }
            let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
            for d in wire {
                sock.send_to(d, reg.addr()).unwrap();
            }
            sock.send_to(&enc.bye(), reg.addr()).unwrap();

            // Every message delivered or given up on.
            let total = lines.len() as u64;
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            let stats = loop {
                let st = svc.session_stats("p").unwrap_or_default();
                if st.messages + st.lost >= total {
                    break st;
                }
                prop_assert!(std::time::Instant::now() < deadline, "stuck: {:?}", st);
                tokio::time::sleep(Duration::from_millis(5)).await;
            };
            prop_assert_eq!(stats.messages, whole.len() as u64);
            prop_assert_eq!(stats.lost, total - whole.len() as u64);
            svc.flush("p").await;
            let got: Vec<String> = svc
                .history("p", 0, 10_000)
                .into_iter()
                .map(|l| l.text)
                .filter(|t| t.starts_with('['))
                .collect();
            let want: Vec<String> = whole.iter().map(|&i| lines[i].clone()).collect();
            prop_assert_eq!(got, want);
            drop(reg);
            svc.shutdown().await;
            Ok(())
        })?;
    }
}
