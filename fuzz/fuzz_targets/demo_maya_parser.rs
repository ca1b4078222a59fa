//! Demo Maya's parser (after the lexer) on what the artist types.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        mayalink_engine::simulators::demo_maya::fuzz_parse(text);
    }
});
