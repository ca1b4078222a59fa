//! Maya's commandPort replies (NUL-terminated), split at arbitrary points.
#![no_main]
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use mayalink_engine::maya::wire::ReplyCodec;
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let Some((&split, data)) = data.split_first() else {
        return;
    };
    let mut codec = ReplyCodec::new(1024);
    let mut buf = BytesMut::new();
    for piece in data.chunks(split as usize % 32 + 1) {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
    while let Ok(Some(_)) = codec.decode_eof(&mut buf) {}
});
