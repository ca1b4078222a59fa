//! The Mosketch stream reader on hand-made byte streams: every separator, packets split
//! at any byte, oversized packets, garbage to resync after, truncation and EOF.

use super::*;
use serde_json::json;

fn decode_all(codec: &mut JsonStreamCodec, buf: &mut BytesMut) -> Vec<JsonItem> {
    let mut out = Vec::new();
    while let Some(item) = codec.decode(buf).unwrap() {
        out.push(item);
    }
    out
}

fn values(items: &[JsonItem]) -> Vec<Value> {
    items
        .iter()
        .filter_map(|i| match i {
            JsonItem::Value(v) => Some(v.clone()),
            JsonItem::Malformed(_) => None,
        })
        .collect()
}

fn malformed(items: &[JsonItem]) -> usize {
    items
        .iter()
        .filter(|i| matches!(i, JsonItem::Malformed(_)))
        .count()
}

fn sample_packets() -> Vec<Value> {
    vec![
        json!({"Type":"Hierarchy","Joints":["Hips","Spine"]}),
        json!({"Type":"JointsUuids","Joints":[{"Hips":"u-1"},{"Spine":"u-2"}]}),
        json!({"Type":"JointsStream","Joints":[
            {"Name":"Hips","Anatom":7,"R":[0.0,0.1,0.0,0.99498743710662],"T":[0.01,0.98,-0.2]},
            {"Name":"Spine","Anatom":5,"R":[0.5,-0.5,0.5,0.5]}]}),
        json!([{"Type":"JointsStream","Joints":[{"Name":"Spine","R":[0,0,0,1]}]}]),
        json!({"Type":"Text","S":"braces } ] { [ and \"quotes\" and a \\n newline in a string"}),
    ]
}

fn stream_with(sep: &str) -> Vec<u8> {
    let mut s = String::new();
    for p in sample_packets() {
        s.push_str(&serde_json::to_string(&p).unwrap());
        s.push_str(sep);
    }
    s.into_bytes()
}

/// Newline-terminated lines, values concatenated without a delimiter, and CRLF
/// with blank lines (whitespace) all give the same packets.
#[test]
fn every_separator_gives_the_same_packets() {
    for sep in ["\n", "", "\r\n\r\n  "] {
        let mut c = JsonStreamCodec::default();
        let mut buf = BytesMut::from(&stream_with(sep)[..]);
        let items = decode_all(&mut c, &mut buf);
        assert_eq!(values(&items), sample_packets(), "sep {sep:?}");
        assert_eq!(malformed(&items), 0, "sep {sep:?}");
        if sep == "\n" {
            assert!(buf.is_empty());
        }
    }
}

#[test]
fn split_at_every_byte_offset() {
    for sep in ["\n", ""] {
        let bytes = stream_with(sep);
        for cut in 0..=bytes.len() {
            let mut c = JsonStreamCodec::default();
            let mut buf = BytesMut::from(&bytes[..cut]);
            let mut items = decode_all(&mut c, &mut buf);
            buf.extend_from_slice(&bytes[cut..]);
            items.extend(decode_all(&mut c, &mut buf));
            assert_eq!(values(&items), sample_packets(), "sep {sep:?} cut at {cut}");
            assert_eq!(malformed(&items), 0, "sep {sep:?} cut at {cut}");
        }
    }
}

#[test]
fn one_byte_per_read() {
    let bytes = stream_with("");
    let mut c = JsonStreamCodec::default();
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    for b in bytes {
        buf.extend_from_slice(&[b]);
        items.extend(decode_all(&mut c, &mut buf));
    }
    assert_eq!(values(&items), sample_packets());
}

#[test]
fn packet_bigger_than_the_cap_is_skipped_and_the_next_one_is_read() {
    let mut c = JsonStreamCodec::new(1024);
    let big = format!("{{\"Type\":\"Big\",\"S\":\"{}\"}}\n", "x".repeat(5000));
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    for chunk in big.as_bytes().chunks(300) {
        buf.extend_from_slice(chunk);
        items.extend(decode_all(&mut c, &mut buf));
    }
    buf.extend_from_slice(b"{\"Type\":\"JointsStreamAck\"}\n");
    items.extend(decode_all(&mut c, &mut buf));
    assert!(malformed(&items) >= 1);
    assert_eq!(values(&items), vec![json!({"Type":"JointsStreamAck"})]);
}

#[test]
fn a_complete_packet_over_the_cap_is_rejected() {
    let mut c = JsonStreamCodec::new(100);
    let mut buf =
        BytesMut::from(format!("{{\"S\":\"{}\"}}{{\"a\":1}}", "y".repeat(200)).as_bytes());
    let items = decode_all(&mut c, &mut buf);
    assert_eq!(malformed(&items), 1);
    assert_eq!(values(&items), vec![json!({"a":1})]);
}

#[test]
fn resyncs_after_garbage_lines() {
    let mut c = JsonStreamCodec::default();
    let input = b"hello world\n{\"a\":1}\n{\"Type\":\"JointsStream\",\"Joints\":[{\"Na\n{\"b\":2}\n\x00\xff\xfe\n]\n{\"c\":3}\n";
    let mut buf = BytesMut::from(&input[..]);
    let items = decode_all(&mut c, &mut buf);
    assert_eq!(
        values(&items),
        vec![json!({"a":1}), json!({"b":2}), json!({"c":3})]
    );
    assert!(malformed(&items) >= 4, "{items:?}");
}

#[test]
fn resyncs_after_garbage_without_newlines() {
    let mut c = JsonStreamCodec::default();
    let input = b"#!junk{\"a\":1}]{\"Type\":\"JointsStream\",\"Joints\":[{\"Na{\"b\":2}{\"c\":3}";
    let mut buf = BytesMut::from(&input[..]);
    let items = decode_all(&mut c, &mut buf);
    let v = values(&items);
    assert!(v.ends_with(&[json!({"b":2}), json!({"c":3})]), "{v:?}");
    assert_eq!(v[0], json!({"a":1}));
    assert!(malformed(&items) >= 3);
}

#[test]
fn a_truncated_packet_that_swallows_the_next_is_released_by_abandon() {
    let mut c = JsonStreamCodec::default();
    // The truncated packet ends mid-array, so the next object parses as its element
    // and the parser keeps waiting: only a stall timeout can tell.
    let mut buf =
        BytesMut::from(&b"{\"Type\":\"JointsStream\",\"Joints\":[{\"R\":[0.1,\n{\"a\":1}\n"[..]);
    assert!(decode_all(&mut c, &mut buf).is_empty());
    assert!(c.holds_incomplete(&buf));
    let mut items = vec![c.abandon_incomplete(&mut buf).unwrap()];
    items.extend(decode_all(&mut c, &mut buf));
    assert_eq!(values(&items), vec![json!({"a":1})]);
}

#[test]
fn eof_with_a_partial_packet_reports_it() {
    let mut c = JsonStreamCodec::default();
    let mut buf = BytesMut::from(&b"{\"a\":1}{\"b\":"[..]);
    assert_eq!(
        c.decode_eof(&mut buf).unwrap(),
        Some(JsonItem::Value(json!({"a":1})))
    );
    assert!(matches!(
        c.decode_eof(&mut buf).unwrap(),
        Some(JsonItem::Malformed(_))
    ));
    assert_eq!(c.decode_eof(&mut buf).unwrap(), None);
}

#[test]
fn typed_items_skip_values_of_the_wrong_shape() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Ack {
        #[serde(rename = "Type")]
        ty: String,
    }
    let mut c = JsonStreamCodec::<Ack>::default();
    let mut buf =
        BytesMut::from(&b"{\"Type\":\"A\"}[1,{\"x\":[2]}]{\"Type\":\"B\"}\n{\"Type\":7"[..]);
    let mut items = vec![];
    while let Some(i) = c.decode(&mut buf).unwrap() {
        items.push(i);
    }
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0], JsonItem::Value(Ack { ty: "A".into() }));
    assert!(matches!(&items[1], JsonItem::Malformed(m) if m.skipped_bytes == 13));
    assert_eq!(items[2], JsonItem::Value(Ack { ty: "B".into() }));
    // The wrong-shaped value still incomplete: wait for it, then skip it whole.
    buf.extend_from_slice(b"}{\"Type\":\"C\"}");
    assert!(matches!(
        c.decode(&mut buf).unwrap(),
        Some(JsonItem::Malformed(_))
    ));
    assert_eq!(
        c.decode(&mut buf).unwrap(),
        Some(JsonItem::Value(Ack { ty: "C".into() }))
    );
}

#[test]
fn scalars_and_deep_nesting_do_not_break_the_stream() {
    let mut c = JsonStreamCodec::default();
    let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
    let mut buf = BytesMut::from(format!("42 \"s\" true\n{deep}\n{{\"a\":1}}\n").as_bytes());
    let items = decode_all(&mut c, &mut buf);
    assert!(values(&items).contains(&json!({"a":1})));
}
