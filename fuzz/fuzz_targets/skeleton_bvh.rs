//! BVH files the artist imports.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mayalink_engine::skeleton::{bvh, LengthUnit};

fuzz_target!(|data: &[u8]| {
    let Some((&unit, data)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let units = [
        None,
        Some(LengthUnit::M),
        Some(LengthUnit::Cm),
        Some(LengthUnit::Mm),
        Some(LengthUnit::In),
    ];
    let _ = bvh::from_bvh_str(text, units[unit as usize % units.len()]);
});
