//! Reassembly, de-duplication and reordering of output datagrams, with clock steps.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mayalink_engine::output::fuzzing::sequencer(data);
});
