//! The live link's datagrams: replies from Maya (`decode`) and poses to Maya
//! (`decode_to_maya`). The token is taken from the datagram itself so the bodies are
//! reached.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mayalink_engine::link::wire;

fuzz_target!(|data: &[u8]| {
    let mut token = [0u8; 16];
    if data.len() >= 20 {
        token.copy_from_slice(&data[4..20]);
    }
    let _ = wire::decode(&token, data);
    let _ = wire::decode_to_maya(&token, data);
});
