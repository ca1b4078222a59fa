//! Output datagrams from the LAN: header parsing and batch entries.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mayalink_engine::output::datagram;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = datagram::parse(data) {
        if let Some(entries) = datagram::batch_entries(d.payload) {
            for e in entries {
                let h = e.message_header(d.header.token);
                assert_eq!(h.seq, e.seq);
            }
        }
    }
});
