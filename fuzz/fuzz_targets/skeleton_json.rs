//! Skeleton JSON files the artist imports.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mayalink_engine::skeleton::file;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(s) = file::from_json_str(text) {
        let _ = file::to_value(&s);
    }
});
