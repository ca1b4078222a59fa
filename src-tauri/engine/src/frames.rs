//! Delivery of a fast-changing value (the live pose, stats) to a slow consumer
//! (the UI): at most one value per frame, always the newest, never a queue.

use std::time::Duration;
use tokio::sync::watch;

/// Sends the newest value of `rx` to `sink` whenever it changed, at most once per
/// `period`. Ends when the sender is gone or `sink` returns false.
pub async fn forward_latest<T: Clone>(
    mut rx: watch::Receiver<T>,
    period: Duration,
    mut sink: impl FnMut(T) -> bool,
) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if rx.changed().await.is_err() {
            return;
        }
        let value = rx.borrow_and_update().clone();
        if !sink(value) {
            return;
        }
        // Frames that arrive before the next tick are folded into the next send.
        tick.tick().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_reaches_the_sink_as_its_newest_value_only() {
        let (tx, rx) = watch::channel(0u32);
        let (out_tx, mut out) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(forward_latest(rx, Duration::from_millis(50), move |v| {
            out_tx.send(v).is_ok()
        }));
        tx.send(1).unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
        for v in 2..=100 {
            tx.send(v).unwrap();
        }
        let first = out.recv().await.unwrap();
        let second = tokio::time::timeout(Duration::from_secs(1), out.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (first, second),
            (1, 100),
            "intermediate frames are skipped, the newest is kept"
        );
        drop(tx);
        tokio::time::timeout(Duration::from_secs(1), task)
            .await
            .unwrap()
            .unwrap();
    }
}
