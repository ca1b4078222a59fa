//! The OS asking us to stop: Ctrl-C in a terminal, or SIGTERM from a session
//! manager or a test harness. Hosts wait on it, then clean up every Maya.

use std::future::Future;

/// Resolves when the process is asked to stop. The handlers are installed by this
/// call, not on the first poll: a host that calls it before saying it is ready
/// never dies of a signal sent right after (call it inside a Tokio runtime).
pub fn requested() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate()).ok();
        let int = signal(SignalKind::interrupt()).ok();
        async move {
            match (term, int) {
                (Some(mut term), Some(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
