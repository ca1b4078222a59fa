//! A Mosketch that misbehaves mid-stream, from a scripted server over a real socket:
//! a 100 MB line, deeply nested JSON, a connection closed in the middle of a frame.
//! Each ends in a clear state, with memory bounded, and the session keeps (or resumes)
//! streaming.

use mayalink_engine::mosketch::packet::Packet;
use mayalink_engine::mosketch::{ConnectionState, MosketchConfig, MosketchSession};
use mayalink_integration_tests::scripted_mosketch::{handshaken, next_packet, server, FRAME};
use mayalink_integration_tests::{rss_mb, wait_watch};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

const LIMIT: Duration = Duration::from_secs(20);

fn session(port: u16) -> MosketchSession {
    MosketchSession::start(MosketchConfig {
        port,
        ack_memory: None,
        reconnect_initial_ms: 50,
        reconnect_max_ms: 200,
        stall_timeout_ms: 300,
        ..Default::default()
    })
    .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mb_line_is_dropped_with_bounded_memory_and_the_next_frame_is_read() {
    let (listener, port) = server().await;
    let before = rss_mb();
    let srv = tokio::spawn(async move {
        let (mut reader, mut wr) = handshaken(&listener).await;
        // A string that never ends within the cap, 100 MB in 1 MB writes, then a frame.
        wr.write_all(b"{\"Type\":\"JointsStream\",\"Junk\":\"")
            .await
            .unwrap();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..100 {
            wr.write_all(&chunk).await.unwrap();
        }
        wr.write_all(b"\"}\n").await.unwrap();
        wr.write_all(FRAME).await.unwrap();
        assert_eq!(next_packet(&mut reader).await, Packet::JointsStreamAck);
        (reader, wr)
    });
    let s = session(port);
    let p = wait_watch(&mut s.pose(), LIMIT, "the frame after the huge line", |p| {
        p.frame >= 1
    })
    .await;
    assert_eq!(p.joint("Spine").unwrap().r, [0.0, 0.6, 0.0, 0.8]);
    let stats = s.stats().await.unwrap();
    assert!(stats.malformed >= 1, "{stats:?}");
    let grew = rss_mb() - before;
    assert!(grew < 60.0, "memory grew by {grew:.0} MB for a 100 MB line");
    let _conn = srv.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_json_is_malformed_not_a_crash() {
    let (listener, port) = server().await;
    let srv = tokio::spawn(async move {
        let (mut reader, mut wr) = handshaken(&listener).await;
        let depth = 200_000;
        let mut nested = b"{\"Type\":\"JointsStream\",\"Joints\":".to_vec();
        nested.extend(std::iter::repeat_n(b'[', depth));
        nested.extend(std::iter::repeat_n(b']', depth));
        nested.extend_from_slice(b"}\n");
        wr.write_all(&nested).await.unwrap();
        wr.write_all(FRAME).await.unwrap();
        assert_eq!(next_packet(&mut reader).await, Packet::JointsStreamAck);
        (reader, wr)
    });
    let s = session(port);
    let p = wait_watch(
        &mut s.pose(),
        LIMIT,
        "the frame after the nested JSON",
        |p| p.frame >= 1,
    )
    .await;
    assert_eq!(p.joint("Spine").unwrap().r, [0.0, 0.6, 0.0, 0.8]);
    assert!(s.stats().await.unwrap().malformed >= 1);
    let _conn = srv.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_closed_mid_frame_reconnects_and_streams_again() {
    let (listener, port) = server().await;
    let srv = tokio::spawn(async move {
        {
            let (_reader, mut wr) = handshaken(&listener).await;
            wr.write_all(b"{\"Type\":\"JointsStream\",\"Joints\":[{\"Name\":\"Hips\",\"R\":[0.1,")
                .await
                .unwrap();
        } // closed in the middle of the frame
        let (mut reader, mut wr) = handshaken(&listener).await;
        wr.write_all(FRAME).await.unwrap();
        assert_eq!(next_packet(&mut reader).await, Packet::JointsStreamAck);
        (reader, wr)
    });
    let s = session(port);
    let mut status = s.status();
    wait_watch(&mut status, LIMIT, "reconnecting after the cut", |st| {
        matches!(
            st.connection,
            ConnectionState::Reconnecting { .. } | ConnectionState::Connecting
        )
    })
    .await;
    let p = wait_watch(&mut s.pose(), LIMIT, "a frame on the new connection", |p| {
        p.frame >= 1
    })
    .await;
    assert_eq!(p.joint("Spine").unwrap().r, [0.0, 0.6, 0.0, 0.8]);
    assert_eq!(
        p.joint("Hips").unwrap().last_frame,
        0,
        "the cut frame was never applied"
    );
    let _conn = srv.await.unwrap();
}
