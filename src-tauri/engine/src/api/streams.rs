//! The map's streams: each starts a task that feeds its sink until the sink says
//! the UI went away. At most one message per display frame; values that change
//! faster (the pose) arrive newest only.

use super::*;
use crate::console::forward_batched;
use crate::frames::forward_latest;
use crate::mosketch::link::Watches;
use std::time::Duration;
use tokio::sync::watch;

/// One display frame at 60 Hz.
pub const FRAME: Duration = Duration::from_millis(16);

pub fn console(e: &Engine, mut sink: impl FnMut(ConsoleBatch) -> bool + Send + 'static) {
    let (recent, rx) = e.console.subscribe_with_recent();
    if !recent.is_empty() && !sink(ConsoleBatch { lines: recent }) {
        return;
    }
    tokio::spawn(forward_batched(rx, FRAME, sink));
}

/// The full list now and on every change (coalesced to one per frame): status
/// changes are rare, and a full list keeps the UI stateless.
pub fn sessions(e: &Engine, mut sink: impl FnMut(Vec<SessionView>) -> bool + Send + 'static) {
    let ws = e.workspace.clone();
    let mut changes = ws.changes();
    if !sink(ws.list()) {
        return;
    }
    tokio::spawn(async move {
        while changes.changed().await.is_ok() {
            tokio::time::sleep(FRAME).await;
            changes.borrow_and_update();
            if !sink(ws.list()) {
                break;
            }
        }
    });
}

pub fn mosketch_status(
    e: &Engine,
    sink: impl FnMut(Option<MosketchStatus>) -> bool + Send + 'static,
) {
    follow_mosketch(e, |w| w.status.clone(), Some, sink);
}

pub fn mosketch_hierarchy(
    e: &Engine,
    sink: impl FnMut(Option<MosketchHierarchy>) -> bool + Send + 'static,
) {
    follow_mosketch(e, |w| w.hierarchy.clone(), |h| h.as_deref().cloned(), sink);
}

pub fn mosketch_pose(e: &Engine, mut sink: impl FnMut(PoseSnapshot) -> bool + Send + 'static) {
    // No session, no pose: the pose stream sends nothing until there is one.
    let sink = move |p: Option<PoseSnapshot>| match p {
        Some(p) => sink(p),
        None => true,
    };
    follow_mosketch(e, |w| w.pose.clone(), Some, sink);
}

/// Follows one watch of whichever Mosketch session is current, across reconnects
/// and connect/disconnect: the current value on every change of session (`None`
/// while there is none), then its changes at most once per frame.
fn follow_mosketch<T, U>(
    e: &Engine,
    pick: fn(&Watches) -> watch::Receiver<T>,
    map: fn(T) -> Option<U>,
    mut sink: impl FnMut(Option<U>) -> bool + Send + 'static,
) where
    T: Clone + Send + Sync + 'static,
    U: Send + 'static,
{
    let link = e.mosketch.clone();
    tokio::spawn(async move {
        let mut generation = link.generation();
        loop {
            let rx = link.watches().as_ref().map(pick);
            let now = rx.as_ref().and_then(|rx| map(rx.borrow().clone()));
            if !sink(now) {
                return;
            }
            let forwarding = async {
                if let Some(rx) = rx {
                    let mut open = true;
                    forward_latest(rx, FRAME, |v| {
                        open = sink(map(v));
                        open
                    })
                    .await;
                    if !open {
                        return;
                    }
                }
                std::future::pending::<()>().await
            };
            tokio::select! {
                _ = forwarding => return,
                changed = generation.changed() => if changed.is_err() { return },
            }
        }
    });
}

pub fn link(e: &Engine, mut sink: impl FnMut(LinkView) -> bool + Send + 'static) {
    let rx = e.link_view.subscribe();
    if !sink(rx.borrow().clone()) {
        return;
    }
    tokio::spawn(forward_latest(rx, FRAME, sink));
}
