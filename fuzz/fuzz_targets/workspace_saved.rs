//! The saved sessions file read at start (a corrupt one is kept aside), then each
//! session's address as `Workspace::restore` reads it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mayalink_engine::maya::MayaAddress;
use mayalink_engine::workspace::saved;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("mayalink-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("sessions.json");
    std::fs::write(&path, data).unwrap();
    let (sessions, _warning) = saved::load(&path);
    for s in &sessions.sessions {
        let _ = MayaAddress::parse(&s.spec.address);
    }
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(path.with_extension("json.corrupt"));
});
