//! Session addresses as typed or saved (`host:port`, `:port`, socket paths).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mayalink_engine::maya::MayaAddress;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(a) = MayaAddress::parse(text) {
        let _ = (a.port(), a.is_local(), a.to_string());
    }
});
