//! Demo Maya's lexer on what the artist types.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mayalink_engine::simulators::demo_maya::lexer;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = lexer::tokenize(text);
    let _ = lexer::unescape(text);
});
