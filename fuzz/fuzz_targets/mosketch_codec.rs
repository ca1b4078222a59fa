//! The Mosketch stream codec (concatenated / newline-separated JSON from the network,
//! split at arbitrary points), then packet typing of every value it yields.
#![no_main]
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use mayalink_engine::mosketch::codec::{JsonItem, JsonStreamCodec};
use mayalink_engine::mosketch::packet::{self, Packet};
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let Some((&split, data)) = data.split_first() else {
        return;
    };
    // A small bound so the "too large" paths are reached too.
    let mut codec: JsonStreamCodec = JsonStreamCodec::new(4096).keeping_raw();
    let mut buf = BytesMut::new();
    let step = split as usize % 64 + 1;
    let mut items = Vec::new();
    for piece in data.chunks(step) {
        buf.extend_from_slice(piece);
        while let Some(item) = codec.decode(&mut buf).expect("decode never errors") {
            let _ = codec.take_raw();
            items.push(item);
        }
        if split & 0x80 != 0 && codec.holds_incomplete(&buf) && buf.len() > 2048 {
            if let Some(item) = codec.abandon_incomplete(&mut buf) {
                items.push(item);
            }
        }
    }
    while let Ok(Some(item)) = codec.decode_eof(&mut buf) {
        items.push(item);
    }
    for item in items {
        if let JsonItem::Value(v) = item {
            let _ = packet::type_of(&v);
            if let Ok(objs) = packet::packet_objects(v) {
                for o in objs {
                    if let Ok(p) = Packet::from_object(o) {
                        let _ = p.type_name();
                    }
                }
            }
        }
    }
});
