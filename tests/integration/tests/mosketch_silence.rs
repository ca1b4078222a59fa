//! A Mosketch that stops answering while the connection stays open, from a scripted
//! server over a real socket: one stops sending frames (the status says so within
//! the silence delay, then stops changing, and clears when frames come back), one stops reading what the
//! app sends (the command fails with a timeout, the link reconnects and streams).

use mayalink_engine::error::ErrorCode;
use mayalink_engine::mosketch::packet::Packet;
use mayalink_engine::mosketch::wire::PacketReader;
use mayalink_engine::mosketch::{
    ConnectionState, JointSample, MosketchConfig, MosketchEvent, MosketchSession,
};
use mayalink_integration_tests::scripted_mosketch::{handshaken, next_packet, server, FRAME};
use mayalink_integration_tests::wait_watch;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

const LIMIT: Duration = Duration::from_secs(20);

/// `n` frames, each after the previous one's ack (Mosketch's flow control).
async fn frames(reader: &mut PacketReader<OwnedReadHalf>, wr: &mut OwnedWriteHalf, n: usize) {
    for _ in 0..n {
        wr.write_all(FRAME).await.unwrap();
        while next_packet(reader).await != Packet::JointsStreamAck {}
    }
}

fn config(port: u16) -> MosketchConfig {
    MosketchConfig {
        port,
        ack_memory: None,
        reconnect_initial_ms: 50,
        reconnect_max_ms: 200,
        silence_warning_ms: 1000,
        write_timeout_ms: 500,
        ..Default::default()
    }
}

/// Waits for a notice whose text contains `needle`.
async fn notice(events: &mut tokio::sync::broadcast::Receiver<MosketchEvent>, needle: &str) {
    tokio::time::timeout(LIMIT, async {
        loop {
            if let MosketchEvent::Notice { message } = events.recv().await.unwrap() {
                if message.contains(needle) {
                    return;
                }
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no notice saying {needle:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mosketch_that_stops_sending_frames_is_reported_and_the_stream_recovers() {
    let (listener, port) = server().await;
    let (resume_tx, resume) = tokio::sync::oneshot::channel::<()>();
    let srv = tokio::spawn(async move {
        let (mut reader, mut wr) = handshaken(&listener).await;
        frames(&mut reader, &mut wr, 3).await;
        // Silent, connection open, until the test has seen the warning.
        resume.await.unwrap();
        frames(&mut reader, &mut wr, 3).await;
        (reader, wr)
    });
    let (s, mut events) = MosketchSession::start(config(port));
    wait_watch(&mut s.pose(), LIMIT, "the first frames", |p| p.frame >= 3).await;
    let quiet_from = std::time::Instant::now();
    let st = wait_watch(&mut s.status(), LIMIT, "the silence warning", |st| {
        st.warning.is_some()
    })
    .await;
    let waited = quiet_from.elapsed();
    let warning = st.warning.unwrap();
    assert!(
        warning.starts_with("Mosketch stopped sending frames 1 s ago"),
        "{warning}"
    );
    assert!(
        waited < Duration::from_secs(4),
        "said after {waited:?}: not within the 1 s delay (+ status periods, on a loaded machine)"
    );
    assert_eq!(st.connection, ConnectionState::Streaming, "still connected");
    notice(&mut events, "stopped sending frames").await;

    // Then the status settles (frames/s at 0, the silence said) and nothing wakes the
    // session until Mosketch sends again: a paused stream costs no CPU.
    let mut status = s.status();
    wait_watch(&mut status, LIMIT, "frames/s at 0", |st| {
        st.stats.frames_per_second == 0.0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await; // a last refresh on its way
    status.borrow_and_update();
    let changed = tokio::time::timeout(Duration::from_secs(2), status.changed()).await;
    assert!(
        changed.is_err(),
        "the status kept changing while the stream was paused: {:?}",
        status.borrow().stats
    );

    resume_tx.send(()).unwrap();
    wait_watch(&mut s.pose(), LIMIT, "frames again", |p| p.frame >= 6).await;
    let st = wait_watch(&mut s.status(), LIMIT, "the warning cleared", |st| {
        st.warning.is_none()
    })
    .await;
    assert_eq!(st.connection, ConnectionState::Streaming);
    notice(&mut events, "streaming again").await;
    assert_eq!(s.stats().await.unwrap().reconnects, 0, "never reconnected");
    let _conn = srv.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mosketch_that_stops_reading_fails_the_command_with_a_timeout_and_the_link_reconnects() {
    let (listener, port) = server().await;
    let srv = tokio::spawn(async move {
        let (mut reader, mut wr) = handshaken(&listener).await;
        frames(&mut reader, &mut wr, 2).await;
        // From here on nothing is read on this connection: it stays open, unread,
        // while the client comes back on a new one.
        let stuck = (reader, wr);
        let (mut reader, mut wr) = handshaken(&listener).await;
        frames(&mut reader, &mut wr, 2).await;
        (stuck, reader, wr)
    });
    let (s, _) = MosketchSession::start(config(port));
    wait_watch(&mut s.pose(), LIMIT, "the first frames", |p| p.frame >= 2).await;
    // Poses of 200 joints (~20 KB each) until the socket's buffers are full.
    let pose: Vec<JointSample> = (0..200)
        .map(|i| JointSample {
            name: format!("Joint{i:03}_with_a_long_name_to_fill_buffers"),
            anatom: Some(7),
            r: Some([0.0, 0.6, 0.0, 0.8]),
            t: Some([0.1, 0.2, 0.3]),
        })
        .collect();
    let started = std::time::Instant::now();
    let error = tokio::time::timeout(LIMIT, async {
        loop {
            if let Err(e) = s.send_pose(pose.clone()).await {
                return e;
            }
        }
    })
    .await
    .expect("a pose fails instead of hanging");
    assert_eq!(error.code, ErrorCode::Timeout, "{error:?}");
    assert!(
        error.message.contains("Mosketch stopped reading"),
        "{}",
        error.message
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    let st = wait_watch(&mut s.status(), LIMIT, "the error in the status", |st| {
        st.last_error.is_some() || st.stats.reconnects > 0
    })
    .await;
    assert!(
        st.last_error
            .as_ref()
            .is_none_or(|e| e.message.contains("stopped reading")),
        "{st:?}"
    );
    // Back on a new connection, streaming.
    wait_watch(&mut s.status(), LIMIT, "streaming again", |st| {
        st.connection == ConnectionState::Streaming && st.stats.reconnects >= 1
    })
    .await;
    let _conn = srv.await.unwrap();
}
