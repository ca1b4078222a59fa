//! The live link's test world: a Mosketch session on the simulator, a Maya session
//! on the emulator, and waits on the link's status (shared by the link's test files).

use crate::{session_id, Emulator};
use mayalink_engine::console::ConsoleHub;
use mayalink_engine::link::live::TargetSpecShared;
use mayalink_engine::link::{LiveLink, TargetStatus};
use mayalink_engine::maya::{Language, MayaAddress, MayaSession, RunOptions, SessionConfig};
use mayalink_engine::mosketch::{ConnectionState, MosketchConfig, MosketchSession};
use mayalink_engine::simulators::MosketchSimulator;
use std::sync::Arc;
use std::time::Duration;

/// A Mosketch session on the simulator, once it streams.
pub async fn mosketch(sim: &MosketchSimulator) -> Arc<MosketchSession> {
    mosketch_with(MosketchConfig {
        port: sim.port(),
        ack_memory: None,
        ..Default::default()
    })
    .await
}

/// A Mosketch session with this configuration, once it streams.
pub async fn mosketch_with(config: MosketchConfig) -> Arc<MosketchSession> {
    let (s, _) = MosketchSession::start(config);
    let mut st = s.status();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !matches!(
            st.borrow_and_update().connection,
            ConnectionState::Streaming
        ) {
            st.changed().await.unwrap();
        }
    })
    .await
    .expect("Mosketch streams");
    Arc::new(s)
}

pub async fn maya(emu: &Emulator) -> Arc<MayaSession> {
    let s = MayaSession::spawn(
        SessionConfig::new(
            session_id("link"),
            "t",
            MayaAddress::parse(&emu.address()).unwrap(),
        ),
        ConsoleHub::default(),
        None,
    );
    s.connect().await.expect("Maya connects");
    Arc::new(s)
}

/// The link's target for a local Maya, without overrides.
pub fn spec(session: &Arc<MayaSession>) -> Arc<TargetSpecShared> {
    TargetSpecShared::local(session.clone())
}

/// Waits (20 s at most) until the link's status passes `check`; returns that status.
pub async fn until(
    link: &LiveLink,
    what: &str,
    check: impl Fn(&[TargetStatus]) -> bool,
) -> Vec<TargetStatus> {
    crate::wait_watch(&mut link.status(), Duration::from_secs(20), what, |s| {
        check(s)
    })
    .await
}

/// How many live links the helper in this Maya holds.
pub async fn helper_links(s: &MayaSession) -> String {
    let r = s
        .run(
            "import sys\nlen(getattr(sys.modules['_mayalink_registry'], 'links', {}))",
            Language::Python,
            RunOptions::default(),
        )
        .await
        .unwrap();
    r.value.unwrap_or_default()
}
