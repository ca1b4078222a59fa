//! The typed Mosketch wire model (`WireItem` → `WirePacket` → `Packet`), the path the
//! session takes for every value the stream codec yields.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mayalink_engine::mosketch::wire_packet::WireItem;

fuzz_target!(|data: &[u8]| {
    let Ok(item) = serde_json::from_slice::<WireItem>(data) else {
        return;
    };
    if let Ok(packets) = item.packets() {
        for p in packets {
            let _ = p.type_name().map(str::len);
            let _ = p.into_packet();
        }
    }
});
