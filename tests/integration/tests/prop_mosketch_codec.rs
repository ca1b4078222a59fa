//! Property tests of the Mosketch stream codec: a valid stream of packets — encoded
//! the way Mosketch and its clients write them, compact or pretty, bare or wrapped
//! in an array, one per line, back to back or with blank space between — cut into
//! reads at arbitrary places gives back exactly the packets written, in order, with
//! nothing reported malformed, for every item type the app reads (a JSON value, a
//! packet typed in the same pass, the raw bytes the session acks before typing), and
//! through [`PacketReader`] on a socket-like pipe.

use bytes::BytesMut;
use mayalink_engine::mosketch::codec::{JsonItem, JsonStreamCodec};
use mayalink_engine::mosketch::packet::{encode, Hierarchy, Packet};
use mayalink_engine::mosketch::wire::PacketReader;
use mayalink_engine::mosketch::wire_packet::WireItem;
use mayalink_engine::mosketch::{HierarchyAckSpelling, JointSample, JointSpace, MosketchCommand};
use mayalink_integration_tests::proptest_cases;
use proptest::prelude::*;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::{Map, Value};
use tokio::io::AsyncWriteExt;
use tokio_util::codec::Decoder;

/// Names and uuids with what makes a naive framer stumble: braces, brackets,
/// quotes, backslashes, newlines, multi-byte characters.
fn name() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(vec![
        '{', '}', '[', ']', '"', '\\', '\n', ':', ',', ' ', 'é', '😀', '\u{0}',
    ]);
    let plain = prop::sample::select(('a'..='z').chain('A'..='Z').collect::<Vec<_>>());
    prop::collection::vec(
        prop_oneof![3 => plain, 1 => tricky, 1 => any::<char>()],
        0..10,
    )
    .prop_map(String::from_iter)
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![-2.0f64..2.0, prop::num::f64::NORMAL, Just(0.0), Just(-0.0)]
}

fn sample() -> impl Strategy<Value = JointSample> {
    (
        name(),
        // Codes are small (5, 7); the reader takes any integer below 10⁹ in size.
        prop::option::of(prop_oneof![
            Just(5),
            Just(7),
            -999_999_999i32..1_000_000_000
        ]),
        prop::option::of(prop::array::uniform4(number())),
        prop::option::of(prop::array::uniform3(number())),
    )
        .prop_map(|(name, anatom, r, t)| JointSample { name, anatom, r, t })
}

fn spelling() -> impl Strategy<Value = HierarchyAckSpelling> {
    prop_oneof![
        Just(HierarchyAckSpelling::AckHierarchyInitialized),
        Just(HierarchyAckSpelling::HierarchyInitializedAck)
    ]
}

fn command() -> impl Strategy<Value = MosketchCommand> {
    (
        name(),
        name(),
        prop::collection::btree_map(name(), name(), 0..3),
    )
        .prop_map(|(object, command, parameters)| MosketchCommand {
            object,
            command,
            parameters,
        })
}

/// The packets both sides of the link write, as their encoders write them.
fn packet() -> impl Strategy<Value = Packet> {
    prop_oneof![
        1 => prop::collection::vec(name(), 0..6).prop_map(|joints| Packet::Hierarchy(Hierarchy {
            joints,
            ..Default::default()
        })),
        1 => prop::collection::vec((name(), name()), 0..6).prop_map(Packet::JointsUuids),
        4 => prop::collection::vec(sample(), 0..6).prop_map(Packet::JointsStream),
        1 => spelling().prop_map(Packet::HierarchyAck),
        1 => Just(Packet::JointsUuidsAck),
        1 => Just(Packet::JointsStreamAck),
        1 => command().prop_map(|command| Packet::Command {
            type_name: "MosketchCommand".into(),
            command,
        }),
        1 => prop_oneof![Just(JointSpace::Parent), Just(JointSpace::World)].prop_map(|s| {
            Packet::Command {
                type_name: "MosketchCommand".into(),
                command: MosketchCommand::joint_space(s),
            }
        }),
    ]
}

fn bytes_of(p: &Packet) -> Vec<u8> {
    match p {
        Packet::Hierarchy(h) => encode::hierarchy(&h.joints, &Map::new()),
        Packet::JointsUuids(pairs) => encode::joints_uuids(pairs),
        Packet::JointsStream(joints) => encode::joints_stream(joints),
        Packet::HierarchyAck(s) => encode::hierarchy_ack(*s).to_vec(),
        Packet::JointsUuidsAck => encode::JOINTS_UUIDS_ACK.to_vec(),
        Packet::JointsStreamAck => encode::JOINTS_STREAM_ACK.to_vec(),
        Packet::Command { command, .. } => encode::command(command),
        Packet::Unknown(_) => unreachable!("not generated"),
    }
}

#[derive(Debug, Clone, Copy)]
enum Form {
    Compact,
    /// Re-serialized with indentation and newlines inside the value.
    Pretty,
    /// `[ … ]` around a bare object (clients do this).
    Wrapped,
}

const SEPARATORS: [&str; 7] = ["", "", "\n", "\r\n", " ", "\n\n", "\t \n"];

#[derive(Debug, Clone)]
struct Stream {
    packets: Vec<Packet>,
    /// Each packet's bytes as written (without the separator that follows it).
    written: Vec<Vec<u8>>,
    bytes: Vec<u8>,
}

impl Stream {
    /// The values of the packets written, as the codec gives them.
    fn values(&self) -> Vec<JsonItem<Value>> {
        self.written
            .iter()
            .map(|b| JsonItem::Value(serde_json::from_slice(b).unwrap()))
            .collect()
    }
}

fn stream() -> impl Strategy<Value = Stream> {
    let one = (
        packet(),
        prop_oneof![4 => Just(Form::Compact), 1 => Just(Form::Pretty), 1 => Just(Form::Wrapped)],
        prop::sample::select(SEPARATORS.to_vec()),
    );
    prop::collection::vec(one, 1..12).prop_map(|items| {
        let mut s = Stream {
            packets: Vec::new(),
            written: Vec::new(),
            bytes: Vec::new(),
        };
        for (p, form, sep) in items {
            let compact = bytes_of(&p);
            let b = match form {
                Form::Compact => compact,
                Form::Pretty => {
                    let v: Value = serde_json::from_slice(&compact).unwrap();
                    serde_json::to_vec_pretty(&v).unwrap()
                }
                Form::Wrapped if compact.first() == Some(&b'{') => {
                    [&b"["[..], &compact, &b"]"[..]].concat()
                }
                Form::Wrapped => compact,
            };
            s.bytes.extend_from_slice(&b);
            s.bytes.extend_from_slice(sep.as_bytes());
            s.written.push(b);
            s.packets.push(p);
        }
        s
    })
}

/// Arbitrary cut points in `0..len`, or every byte on its own.
fn cuts(len: usize, at: &[prop::sample::Index], every_byte: bool) -> Vec<std::ops::Range<usize>> {
    let mut points: Vec<usize> = if every_byte {
        (1..len).collect()
    } else {
        at.iter().map(|i| i.index(len + 1)).collect()
    };
    points.push(0);
    points.push(len);
    points.sort_unstable();
    points.dedup();
    points.windows(2).map(|w| w[0]..w[1]).collect()
}

/// A stream and the pieces it arrives in: up to 40 random cuts, or (one case in
/// ten) one byte per piece.
fn split_stream() -> impl Strategy<Value = (Stream, Vec<std::ops::Range<usize>>)> {
    (
        stream(),
        prop::collection::vec(any::<prop::sample::Index>(), 0..40),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(s, at, every_byte)| {
            let pieces = cuts(s.bytes.len(), &at, every_byte);
            (s, pieces)
        })
}

/// Feeds the pieces one after the other, decoding all it can after each; then the end.
fn decode_pieces<T: DeserializeOwned>(
    codec: &mut JsonStreamCodec<T>,
    bytes: &[u8],
    pieces: &[std::ops::Range<usize>],
    mut on_item: impl FnMut(JsonItem<T>, &mut JsonStreamCodec<T>),
) {
    let mut buf = BytesMut::new();
    for r in pieces {
        buf.extend_from_slice(&bytes[r.clone()]);
        while let Some(item) = codec.decode(&mut buf).expect("decode never errs") {
            on_item(item, codec);
        }
    }
    while let Some(item) = codec.decode_eof(&mut buf).expect("decode_eof never errs") {
        on_item(item, codec);
    }
    assert!(
        buf.is_empty(),
        "bytes left over: {:?}",
        String::from_utf8_lossy(&buf)
    );
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

fn samples_match(got: &[JointSample], want: &[JointSample]) -> bool {
    got.len() == want.len()
        && got.iter().zip(want).all(|(g, w)| {
            g.name == w.name
                && g.anatom == w.anatom
                && g.r.is_some() == w.r.is_some()
                && g.t.is_some() == w.t.is_some()
                && g.r
                    .iter()
                    .zip(&w.r)
                    .all(|(a, b)| a.iter().zip(b).all(|(x, y)| close(*x, *y)))
                && g.t
                    .iter()
                    .zip(&w.t)
                    .all(|(a, b)| a.iter().zip(b).all(|(x, y)| close(*x, *y)))
        })
}

/// The packet typed from what the codec gave equals the one written (floats to the
/// last bits serde_json's parser keeps).
fn same_packet(got: &Packet, want: &Packet) -> bool {
    match (got, want) {
        (Packet::JointsStream(g), Packet::JointsStream(w)) => samples_match(g, w),
        _ => got == want,
    }
}

proptest! {
    #![proptest_config(proptest_cases(256))]

    /// As `serde_json::Value`s (the default item): the values of the packets written.
    #[test]
    fn any_split_gives_the_same_values(
        (s, pieces) in split_stream(),
    ) {
        let mut got = Vec::new();
        decode_pieces(&mut JsonStreamCodec::<Value>::default(), &s.bytes, &pieces, |item, _| got.push(item));
        prop_assert_eq!(got, s.values());
    }

    /// As packets typed in the same pass (what the session and the simulator read):
    /// the packets written, in order.
    #[test]
    fn any_split_gives_the_same_packets(
        (s, pieces) in split_stream(),
    ) {
        let mut got = Vec::new();
        decode_pieces(&mut JsonStreamCodec::<WireItem>::default(), &s.bytes, &pieces, |item, _| got.push(item));
        prop_assert_eq!(got.len(), s.packets.len());
        for (i, (item, want)) in got.into_iter().zip(&s.packets).enumerate() {
            let JsonItem::Value(item) = item else {
                return Err(TestCaseError::fail(format!("item {i} malformed: {item:?}")));
            };
            let whole: WireItem = serde_json::from_slice(&s.written[i]).unwrap();
            prop_assert_eq!(&item, &whole, "item {} differs from parsing it whole", i);
            let mut packets = item.packets().map_err(TestCaseError::fail)?;
            prop_assert_eq!(packets.len(), 1);
            let p = packets.pop().unwrap().into_packet().map_err(TestCaseError::fail)?;
            prop_assert!(same_packet(&p, want), "packet {}: got {:?}, wrote {:?}", i, p, want);
        }
    }

    /// Validated without being built, keeping the raw bytes (what the session acks a
    /// frame from before typing it): exactly each packet's bytes, separators left out.
    #[test]
    fn any_split_gives_the_same_raw_bytes(
        (s, pieces) in split_stream(),
    ) {
        let mut got = Vec::new();
        let mut codec = JsonStreamCodec::<IgnoredAny>::default().keeping_raw();
        decode_pieces(&mut codec, &s.bytes, &pieces, |item, codec| {
            got.push(match item {
                JsonItem::Value(_) => Ok(codec.take_raw().expect("raw bytes kept").to_vec()),
                JsonItem::Malformed(m) => Err(m),
            })
        });
        let want: Vec<_> = s.written.iter().cloned().map(Ok).collect();
        prop_assert_eq!(got, want);
    }
}

proptest! {
    #![proptest_config(proptest_cases(64))]

    /// Through [`PacketReader`] on an in-memory pipe, one write per piece (the stall
    /// timeout on, as in the session: pieces come without pauses, so it never fires).
    #[test]
    fn any_split_through_the_packet_reader(
        s in stream(),
        at in prop::collection::vec(any::<prop::sample::Index>(), 0..40),
        pipe_capacity in 1usize..64,
    ) {
        let pieces = cuts(s.bytes.len(), &at, false);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let got = rt.block_on(async {
            let (mut wr, rd) = tokio::io::duplex(pipe_capacity);
            let bytes = s.bytes.clone();
            let writer = tokio::spawn(async move {
                for r in pieces {
                    wr.write_all(&bytes[r]).await.unwrap();
                    tokio::task::yield_now().await;
                }
            });
            let mut reader = PacketReader::new(
                rd,
                JsonStreamCodec::<Value>::default(),
                Some(std::time::Duration::from_secs(5)),
            );
            let mut got = Vec::new();
            while let Some(item) = reader.next().await {
                got.push(item.expect("no read error"));
            }
            writer.await.unwrap();
            got
        });
        prop_assert_eq!(got, s.values());
    }
}
