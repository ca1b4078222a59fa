//! The service without Maya: advertised addresses, history line numbers, and the
//! socket opened by the first registration and closed with the last.

use super::*;
use crate::console::ConsoleLine;

#[test]
fn advertises_a_reachable_address() {
    let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
    assert_eq!(advertised_addr(local, "127.0.0.1".parse().unwrap()), local);
    let any: SocketAddr = "0.0.0.0:5000".parse().unwrap();
    assert_eq!(advertised_addr(any, "127.0.0.1".parse().unwrap()), local);
}

#[tokio::test]
async fn live_lines_carry_the_number_history_gives_them() {
    let hub = ConsoleHub::default();
    let mut live = hub.subscribe();
    let svc = OutputService::new(hub.clone(), OutputConfig::default());
    let line = |s: &str, t: &str| ConsoleLine::new(s, crate::console::LineKind::Notice, t);
    svc.record("s", vec![line("s", "a"), line("s", "b")]);
    svc.record("other", vec![line("other", "x")]);
    svc.record("s", vec![line("s", "c")]);
    let mut got = Vec::new();
    while let Ok(batch) = live.try_recv() {
        got.extend(batch.iter().filter(|l| l.session == "s").cloned());
    }
    let history = svc.history("s", 0, 10);
    assert_eq!(got, history);
    let numbers: Vec<_> = history.iter().map(|l| l.line).collect();
    assert_eq!(numbers, [Some(0), Some(1), Some(2)]);
    assert_eq!(svc.history("s", 1, 10)[0].line, Some(1));
}

#[tokio::test]
async fn binds_lazily_and_closes_with_the_last_registration() {
    let svc = OutputService::new(ConsoleHub::default(), OutputConfig::default());
    assert!(svc.listener().is_none());
    let a = svc
        .register("a", "127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    let b = svc
        .register("b", "127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    let info = svc.listener().unwrap();
    assert_eq!(a.addr(), info.local_addr);
    assert_ne!(a.token(), b.token());
    assert_eq!(a.token_hex().len(), 32);
    assert!(info.recv_buffer > 0);
    drop(a);
    assert!(svc.listener().is_some());
    drop(b);
    assert!(svc.listener().is_none());
    let c = svc
        .register("c", "127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    assert!(svc.listener().is_some());
    svc.shutdown().await;
    assert!(svc.listener().is_none());
    drop(c);
}
