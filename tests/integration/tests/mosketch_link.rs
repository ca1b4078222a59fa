//! The Mosketch session against the real simulator over real sockets: every framing,
//! both ack spellings, partial frames, garbage, a server restart, a character change,
//! choosing the other ack spelling by hand, commands and poses (relayed to another client), a
//! refused connection, and a truncated packet released by the stall timeout.

use mayalink_engine::mosketch::codec::{JsonItem, JsonStreamCodec};
use mayalink_engine::mosketch::packet::{encode, packet_objects, Packet};
use mayalink_engine::mosketch::wire::PacketReader;
use mayalink_engine::mosketch::{
    command_presets, AckMemory, ConnectionState, HierarchyAckSpelling, JointSample, JointSpace,
    MosketchCommand, MosketchConfig, MosketchEvent, MosketchSession, OrientMode, PoseSnapshot,
};
use mayalink_engine::simulators::mosketch::{Character, CharacterKind};
use mayalink_engine::simulators::{MosketchSimulator, SimConfig, SimFraming, SimSettings};
use mayalink_engine::ErrorCode;
use mayalink_integration_tests::{sim_at, start_sim, wait_watch};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;

const LIMIT: Duration = Duration::from_secs(10);
const FRAMINGS: [SimFraming; 3] = [
    SimFraming::Lines,
    SimFraming::Concatenated,
    SimFraming::Split,
];

/// Frames in this framing, as fast as the session's acks allow.
fn ack_paced(framing: SimFraming) -> SimSettings {
    SimSettings {
        rate_hz: 0.0,
        framing,
        ..Default::default()
    }
}

fn config(port: u16) -> MosketchConfig {
    MosketchConfig {
        port,
        reconnect_initial_ms: 50,
        reconnect_max_ms: 200,
        // Hermetic: no spelling remembered from (or for) the user's own sessions.
        ack_memory: None,
        ..Default::default()
    }
}

async fn wait<T: Clone + std::fmt::Debug>(
    rx: &mut watch::Receiver<T>,
    what: &str,
    pred: impl FnMut(&T) -> bool,
) -> T {
    wait_watch(rx, LIMIT, what, pred).await
}

async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + LIMIT;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn next_event(
    events: &mut tokio::sync::broadcast::Receiver<MosketchEvent>,
    what: &str,
    mut pred: impl FnMut(&MosketchEvent) -> bool,
) -> MosketchEvent {
    tokio::time::timeout(LIMIT, async {
        loop {
            match events.recv().await {
                Ok(e) if pred(&e) => return e,
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("{what}: events closed: {e}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for event: {what}"))
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
}

/// Every joint holds what the simulator sent in the frame that last carried it.
fn assert_pose_matches_simulator(p: &PoseSnapshot, character: &Character, settings: &SimSettings) {
    let dt = settings.frame_dt();
    let last = p.frame - 1;
    let full = character.pose_at(last, dt);
    let previous = if last > 0 {
        character.pose_at(last - 1, dt)
    } else {
        full.clone()
    };
    let partial_frame = settings.partial && Character::is_partial_frame(last);
    for (i, j) in p.joints.iter().enumerate() {
        let expected = if partial_frame && !Character::in_partial_subset(i) {
            &previous[i]
        } else {
            &full[i]
        };
        assert_eq!(j.name, expected.name);
        assert!(
            close(&j.r, &expected.r.unwrap()),
            "frame {last}, {}: {:?} != {:?}",
            j.name,
            j.r,
            expected.r
        );
        assert_eq!(j.t.is_some(), expected.t.is_some(), "{}", j.name);
        if let (Some(t), Some(e)) = (j.t, expected.t) {
            assert!(close(&t, &e), "{}", j.name);
        }
        assert_eq!(j.anatom, expected.anatom);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_framing_streams_with_acks_and_exact_values() {
    for framing in FRAMINGS {
        let settings = ack_paced(framing);
        let sim = start_sim(settings.clone()).await;
        let (session, _events) = MosketchSession::start(config(sim.port()));
        let mut pose = session.pose();
        let p = wait(&mut pose, "frames", |p| p.frame >= 100).await;
        assert_eq!(p.joints.len(), 65, "{framing:?}");
        assert!(
            p.joints.iter().all(|j| j.uuid.is_some()),
            "{framing:?}: uuids"
        );
        assert_pose_matches_simulator(&p, &sim.character(), &settings);
        let stats = session.stats().await.unwrap();
        assert_eq!(
            (stats.malformed, stats.unknown, stats.partial),
            (0, 0, 0),
            "{framing:?}: {stats:?}"
        );
        assert!(stats.ack_latency_p99_us.is_some());
        assert_eq!(
            session.status().borrow().connection,
            ConnectionState::Streaming
        );
        let h = session.hierarchy().borrow().clone().unwrap();
        assert_eq!(h.skeleton.as_ref().unwrap().len(), 65);

        // The last ack may still be on its way.
        until("the simulator sees the acks", || {
            sim.clients()[0].stream_acks >= 100
        })
        .await;
        let rec = &sim.clients()[0];
        assert_eq!(
            rec.hierarchy_acks,
            vec![HierarchyAckSpelling::AckHierarchyInitialized]
        );
        assert_eq!(rec.uuids_acks, 1);
        // Ack-gated: never more than one frame ahead of the acks.
        assert!(rec.frames_sent <= rec.stream_acks + 1);
        let handshake: Vec<_> = rec
            .commands
            .iter()
            .filter(|c| c.before_ack)
            .map(|c| c.command.command.as_str())
            .collect();
        assert_eq!(
            handshake,
            ["setStreamingJointSpace", "setStreamingJointOrientMode"]
        );
        session.shutdown().await;
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_ack_spellings_are_accepted() {
    for spelling in [
        HierarchyAckSpelling::AckHierarchyInitialized,
        HierarchyAckSpelling::HierarchyInitializedAck,
    ] {
        let sim = sim_at(200.0).await;
        let (session, _events) = MosketchSession::start(MosketchConfig {
            ack_spelling: spelling,
            ..config(sim.port())
        });
        wait(&mut session.pose(), "frames", |p| p.frame >= 3).await;
        assert_eq!(sim.clients()[0].hierarchy_acks, vec![spelling]);
        assert!(sim.clients()[0].rejected.is_empty());
        assert!(session.status().borrow().warning.is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_frames_keep_the_other_joints() {
    let settings = SimSettings {
        rate_hz: 240.0,
        partial: true,
        ..Default::default()
    };
    let sim = start_sim(settings.clone()).await;
    let (session, _events) = MosketchSession::start(config(sim.port()));
    let mut pose = session.pose();
    // A snapshot right after a partial frame (odd frame index), and one after a full one.
    let p = wait(&mut pose, "a partial frame", |p| {
        p.frame >= 6 && (p.frame - 1) % 2 == 1
    })
    .await;
    let updated = p.joints.iter().filter(|j| j.last_frame == p.frame).count();
    assert_eq!(updated, 22);
    assert_pose_matches_simulator(&p, &sim.character(), &settings);
    // The joints the partial frame skipped changed in the animation, so keeping them is observable.
    let skipped = p
        .joints
        .iter()
        .position(|j| j.last_frame != p.frame)
        .unwrap();
    let now = sim.character().pose_at(p.frame - 1, settings.frame_dt());
    assert!(
        !close(&p.joints[skipped].r, &now[skipped].r.unwrap()),
        "the test needs moving joints"
    );

    let p = wait(&mut pose, "a full frame", |p| {
        p.frame >= 8 && (p.frame - 1) % 2 == 0
    })
    .await;
    assert!(p.joints.iter().all(|j| j.last_frame == p.frame));
    assert_pose_matches_simulator(&p, &sim.character(), &settings);
    let stats = session.stats().await.unwrap();
    assert!(
        stats.partial >= 3 && stats.partial < stats.frames,
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_is_counted_and_streaming_continues() {
    for framing in FRAMINGS {
        let settings = SimSettings {
            garbage: true,
            ..ack_paced(framing)
        };
        let sim = start_sim(settings.clone()).await;
        let (session, mut events) = MosketchSession::start(config(sim.port()));
        let mut pose = session.pose();
        let p = wait(&mut pose, "frames through garbage", |p| p.frame >= 60).await;
        assert_pose_matches_simulator(&p, &sim.character(), &settings);
        let ev = next_event(&mut events, "unknown packet", |e| {
            matches!(e, MosketchEvent::UnknownPacket { .. })
        })
        .await;
        assert_eq!(
            ev,
            MosketchEvent::UnknownPacket {
                packet_type: "SceneInfo".into()
            }
        );
        let stats = session.stats().await.unwrap();
        let rec = sim.clients()[0].clone();
        assert!(
            rec.garbage_malformed_sent >= 3 && rec.garbage_unknown_sent >= 1,
            "{rec:?}"
        );
        assert!(stats.malformed >= 3, "{framing:?}: {stats:?}");
        assert!(
            stats.unknown >= 1 && stats.unknown <= rec.garbage_unknown_sent,
            "{framing:?}: {stats:?}"
        );
        assert_eq!(stats.last_unknown_type.as_deref(), Some("SceneInfo"));
        // Garbage never cost an ack: the stream is still going.
        let before = p.frame;
        wait(&mut pose, "more frames", |p| p.frame >= before + 20).await;
        assert_eq!(
            session.status().borrow().connection,
            ConnectionState::Streaming
        );
        session.shutdown().await;
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restart_mid_stream_reconnects_and_resumes() {
    let settings = SimSettings {
        rate_hz: 200.0,
        ..Default::default()
    };
    let sim = start_sim(settings.clone()).await;
    let port = sim.port();
    let (session, _events) = MosketchSession::start(config(port));
    let mut pose = session.pose();
    let mut status = session.status();
    wait(&mut pose, "first stream", |p| p.frame >= 5).await;
    sim.shutdown().await;

    let s = wait(&mut status, "reconnecting", |s| {
        matches!(s.connection, ConnectionState::Reconnecting { .. })
    })
    .await;
    assert_eq!(
        s.last_error.as_ref().map(|e| e.code),
        Some(ErrorCode::Unreachable)
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    let sim = MosketchSimulator::start(SimConfig {
        port,
        settings: settings.clone(),
        ..Default::default()
    })
    .await
    .expect("same port again");
    let p = wait(&mut pose, "resumed stream", |p| {
        p.hierarchy_id == 2 && p.frame >= 5
    })
    .await;
    assert_pose_matches_simulator(&p, &sim.character(), &settings);
    let s = wait(&mut status, "streaming again", |s| {
        s.connection == ConnectionState::Streaming
    })
    .await;
    assert!(s.last_error.is_none());
    assert!(session.stats().await.unwrap().reconnects >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hierarchy_change_mid_session_starts_a_new_cycle() {
    let sim = sim_at(200.0).await;
    let (session, _events) = MosketchSession::start(config(sim.port()));
    let mut pose = session.pose();
    let mut hierarchy = session.hierarchy();
    wait(&mut pose, "humanoid frames", |p| p.frame >= 5).await;
    let first_uuid = pose.borrow().joints[0].uuid.clone();

    sim.set_character(CharacterKind::Fish);
    let h = wait(&mut hierarchy, "fish hierarchy", |h| {
        h.as_ref().is_some_and(|h| h.id == 2)
    })
    .await
    .unwrap();
    assert_eq!(h.joints[0], "Body");
    assert_eq!(h.skeleton.as_ref().unwrap().len(), h.joints.len());
    let p = wait(&mut pose, "fish frames", |p| {
        p.hierarchy_id == 2 && p.frame >= 5
    })
    .await;
    assert_eq!(p.joints.len(), h.joints.len());
    assert!(p.joints.iter().all(|j| j.uuid.is_some()));
    assert_ne!(p.joints[0].uuid, first_uuid);
    assert_pose_matches_simulator(&p, &sim.character(), &sim.settings());
    let rec = &sim.clients()[0];
    assert_eq!(rec.hierarchies_sent, 2);
    assert_eq!(rec.hierarchy_acks.len(), 2);
    assert_eq!(
        rec.commands
            .iter()
            .filter(|c| c.command.command == "setStreamingJointSpace")
            .count(),
        2
    );
    assert_eq!(
        session.status().borrow().joint_count as usize,
        h.joints.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn choosing_the_other_ack_spelling_mid_handshake_unblocks_it() {
    let dir = tempfile::tempdir().unwrap();
    let memory = dir.path().join("mosketch-acks.json");
    let sim = start_sim(SimSettings {
        rate_hz: 200.0,
        only_ack: Some(HierarchyAckSpelling::HierarchyInitializedAck),
        ..Default::default()
    })
    .await;
    // A long timeout: the artist acts before the session would send the other spelling
    // on its own (that retry is in mosketch_ack.rs).
    let (session, mut events) = MosketchSession::start(MosketchConfig {
        uuids_timeout_ms: 60_000,
        ack_memory: Some(memory.clone()),
        ..config(sim.port())
    });
    until("the documented spelling refused", || {
        sim.clients()
            .first()
            .is_some_and(|c| !c.rejected.is_empty())
    })
    .await;
    assert_eq!(
        sim.clients()[0].rejected,
        vec!["AckHierarchyInitialized".to_string()]
    );
    assert_eq!(session.pose().borrow().frame, 0);
    assert_eq!(
        session.status().borrow().connection,
        ConnectionState::Handshaking
    );

    // Taking the other spelling unblocks the handshake without reconnecting.
    session
        .set_ack_spelling(HierarchyAckSpelling::HierarchyInitializedAck)
        .await
        .unwrap();
    wait(
        &mut session.pose(),
        "frames after the other spelling",
        |p| p.frame >= 3,
    )
    .await;
    let mut status = session.status();
    let s = wait(&mut status, "streaming", |s| {
        s.warning.is_none() && s.connection == ConnectionState::Streaming
    })
    .await;
    assert_eq!(
        s.ack_spelling,
        HierarchyAckSpelling::HierarchyInitializedAck
    );
    assert_eq!(sim.clients().len(), 1);
    while let Ok(e) = events.try_recv() {
        assert!(
            !matches!(e, MosketchEvent::AckSpellingSuspect { .. }),
            "no retry of its own: {e:?}"
        );
    }
    // What worked is remembered for this server, as after a retry.
    assert_eq!(
        AckMemory::new(&memory).recall(&format!("127.0.0.1:{}", sim.port())),
        Some(HierarchyAckSpelling::HierarchyInitializedAck)
    );
}

/// A bare client, to see exactly what another client receives.
async fn raw_client(
    port: u16,
) -> (
    PacketReader<tokio::net::tcp::OwnedReadHalf>,
    tokio::net::tcp::OwnedWriteHalf,
) {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (rd, mut wr) = stream.into_split();
    let mut reader = PacketReader::new(rd, JsonStreamCodec::default(), None);
    for reply in [
        encode::hierarchy_ack(HierarchyAckSpelling::default()),
        encode::JOINTS_UUIDS_ACK,
    ] {
        let _ = next_packet(&mut reader).await;
        wr.write_all(reply).await.unwrap();
    }
    (reader, wr)
}

async fn next_packet(reader: &mut PacketReader<tokio::net::tcp::OwnedReadHalf>) -> Packet {
    match tokio::time::timeout(LIMIT, reader.next())
        .await
        .expect("a packet in time")
        .expect("open")
        .unwrap()
    {
        JsonItem::Value(v) => Packet::from_object(packet_objects(v).unwrap().remove(0)).unwrap(),
        JsonItem::Malformed(m) => panic!("malformed: {m:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_and_poses_reach_the_simulator_and_poses_are_relayed() {
    let sim = sim_at(100.0).await;
    let (session, _events) = MosketchSession::start(config(sim.port()));
    let p = wait(&mut session.pose(), "streaming", |p| p.frame >= 2).await;
    let (mut other, mut other_wr) = raw_client(sim.port()).await;
    until("the other client streams", || {
        sim.clients().get(1).is_some_and(|c| c.frames_sent > 0)
    })
    .await;

    session.set_joint_space(JointSpace::World).await.unwrap();
    session.set_orient_mode(OrientMode::Discard).await.unwrap();
    let hips_uuid = p.joints[0].uuid.clone().unwrap();
    let select = command_presets()
        .into_iter()
        .find(|c| c.id == "selectByUuid")
        .unwrap()
        .with_uuid(&hips_uuid);
    session.send_command(select.clone()).await.unwrap();
    session
        .send_command(MosketchCommand::set_wireframe_visibility(false))
        .await
        .unwrap();
    let pose = vec![JointSample {
        name: "Hips".into(),
        anatom: None,
        r: Some([0.0, 0.0, 0.0, 1.0]),
        t: Some([0.5, 1.25, -0.75]),
    }];
    session.send_pose(pose.clone()).await.unwrap();

    until("commands and pose recorded", || {
        sim.clients()[0].poses.len() == 1 && sim.clients()[0].commands.len() == 6
    })
    .await;
    let rec = sim.clients()[0].clone();
    let after: Vec<_> = rec
        .commands
        .iter()
        .filter(|c| !c.before_ack)
        .map(|c| &c.command)
        .collect();
    assert_eq!(after[0], &MosketchCommand::joint_space(JointSpace::World));
    assert_eq!(after[1].parameters["jointOrientMode"], "0");
    assert_eq!(after[2], &select);
    assert_eq!(after[2].parameters["uuid"], hips_uuid);
    assert_eq!(after[3].parameters["visible"], "false");
    assert!(rec
        .commands
        .iter()
        .all(|c| c.type_name == "MosketchCommand"));
    assert_eq!(rec.poses[0], pose);
    assert_eq!(session.status().borrow().joint_space, JointSpace::World);

    // The other client gets the pose as a JointsStream among its frames.
    loop {
        if let Packet::JointsStream(joints) = next_packet(&mut other).await {
            other_wr.write_all(encode::JOINTS_STREAM_ACK).await.unwrap();
            if joints == pose {
                break;
            }
        }
    }
    assert_eq!(sim.clients()[1].relayed_in, 1);
    assert_eq!(sim.clients()[0].relayed_in, 0, "not echoed to the sender");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_clients_each_get_their_own_handshake() {
    let sim = sim_at(200.0).await;
    let sessions: Vec<_> = (0..3)
        .map(|_| MosketchSession::start(config(sim.port())).0)
        .collect();
    for s in &sessions {
        wait(&mut s.pose(), "each streams", |p| p.frame >= 5).await;
    }
    let clients = sim.clients();
    assert_eq!(clients.len(), 3);
    assert!(clients
        .iter()
        .all(|c| c.hierarchy_acks.len() == 1 && c.uuids_acks == 1 && c.connected));
    drop(sessions);
    until("connections closed on drop", || {
        sim.clients().iter().all(|c| !c.connected)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connection_says_to_enable_streaming() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let expected = format!("Mosketch's streaming server is not reachable at 127.0.0.1:{port} — enable streaming in Mosketch");

    let (once, _) = MosketchSession::start(MosketchConfig {
        reconnect: false,
        ..config(port)
    });
    let s = wait(&mut once.status(), "failed", |s| {
        matches!(s.connection, ConnectionState::Failed { .. })
    })
    .await;
    assert_eq!(
        s.connection,
        ConnectionState::Failed {
            reason: expected.clone()
        }
    );
    assert_eq!(s.last_error.as_ref().unwrap().code, ErrorCode::Unreachable);
    let e = once
        .send_command(MosketchCommand::attach_num_ik_effector())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unreachable);

    let (session, _) = MosketchSession::start(config(port));
    let s = wait(&mut session.status(), "retrying", |s| {
        matches!(s.connection, ConnectionState::Reconnecting { .. })
    })
    .await;
    assert_eq!(s.last_error.unwrap().message, expected);
    // Streaming turned on later: the retry connects.
    let _sim = MosketchSimulator::start(SimConfig {
        port,
        settings: SimSettings {
            rate_hz: 200.0,
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .unwrap();
    wait(&mut session.pose(), "frames once enabled", |p| p.frame >= 3).await;
    // And the one that gave up connects when asked.
    once.reconnect_now();
    wait(&mut once.pose(), "frames after reconnect_now", |p| {
        p.frame >= 3
    })
    .await;
}

/// A scripted server: a packet cut short mid-array swallows the next frame until the
/// stall timeout abandons it; the session then reads the frame and acks it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_packet_is_abandoned_after_the_stall_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (rd, mut wr) = stream.into_split();
        let mut reader = PacketReader::new(rd, JsonStreamCodec::default(), None);
        wr.write_all(b"{\"Type\":\"Hierarchy\",\"Joints\":[\"Hips\",\"Spine\"]}\n")
            .await
            .unwrap();
        let mut seen = vec![];
        while !matches!(seen.last(), Some(Packet::HierarchyAck(_))) {
            seen.push(next_packet(&mut reader).await);
        }
        wr.write_all(
            b"{\"Type\":\"JointsUuids\",\"Joints\":[{\"Hips\":\"h-1\"},{\"Spine\":\"s-2\"}]}\n",
        )
        .await
        .unwrap();
        assert_eq!(next_packet(&mut reader).await, Packet::JointsUuidsAck);
        wr.write_all(b"{\"Type\":\"JointsStream\",\"Joints\":[{\"Name\":\"Hips\",\"R\":[0.1,\n")
            .await
            .unwrap();
        wr.write_all(b"{\"Type\":\"JointsStream\",\"Joints\":[{\"Name\":\"Spine\",\"Anatom\":5,\"R\":[0.0,0.6,0.0,0.8]}]}\n").await.unwrap();
        assert_eq!(next_packet(&mut reader).await, Packet::JointsStreamAck);
        seen
    });
    let (session, _) = MosketchSession::start(MosketchConfig {
        stall_timeout_ms: 200,
        ..config(port)
    });
    let p = wait(
        &mut session.pose(),
        "the frame after the truncated packet",
        |p| p.frame >= 1,
    )
    .await;
    assert_eq!(p.joint("Spine").unwrap().r, [0.0, 0.6, 0.0, 0.8]);
    assert_eq!(p.joint("Spine").unwrap().uuid.as_deref(), Some("s-2"));
    assert_eq!(p.joint("Hips").unwrap().last_frame, 0);
    let seen = tokio::time::timeout(LIMIT, server).await.unwrap().unwrap();
    // Handshake order: the two settings commands, then the documented ack.
    assert!(
        matches!(&seen[0], Packet::Command { command, .. } if command.command == "setStreamingJointSpace")
    );
    assert!(
        matches!(&seen[1], Packet::Command { command, .. } if command.command == "setStreamingJointOrientMode")
    );
    assert_eq!(
        seen[2],
        Packet::HierarchyAck(HierarchyAckSpelling::AckHierarchyInitialized)
    );
    let stats = session.stats().await.unwrap();
    assert!(stats.malformed >= 1);
    assert_eq!(stats.partial, 1);
}

/// A scripted server that answers each ack at once with the next of `frames`, so the
/// session sees them back-to-back (it then keeps them raw and types them newest
/// first): the pose must be exactly what applying every frame in order gives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_to_back_frames_give_the_pose_of_applying_them_all() {
    let names: Vec<String> = ["Hips", "Spine", "Head"].map(String::from).to_vec();
    let sample = |name: &str, k: f64, t: bool| JointSample {
        name: name.into(),
        anatom: Some(if t { 7 } else { 5 }),
        r: Some([k, 0.0, 0.0, 1.0]),
        t: t.then_some([k, 1.0, 0.0]),
    };
    // Frame i: full when i % 3 == 0; else only Spine (and Head when i % 3 == 1).
    // The stream ends on a partial frame, so its older frames matter.
    let count = 3002;
    let frames: Vec<Vec<JointSample>> = (0..count)
        .map(|i| {
            let k = i as f64;
            match i % 3 {
                0 => vec![
                    sample("Hips", k, true),
                    sample("Spine", k, false),
                    sample("Head", k, false),
                ],
                1 => vec![sample("Spine", k, false), sample("Head", k, false)],
                _ => vec![sample("Spine", k, false)],
            }
        })
        .collect();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let wire: Vec<Vec<u8>> = frames.iter().map(|f| encode::joints_stream(f)).collect();
    let hierarchy = encode::hierarchy(&names, &Default::default());
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (rd, mut wr) = stream.into_split();
        let mut reader = PacketReader::new(rd, JsonStreamCodec::default(), None);
        let next_ack = async |reader: &mut PacketReader<_>, want: &str| loop {
            match reader.next().await.expect("open").unwrap() {
                JsonItem::Value(v)
                    if packet_objects(v.clone())
                        .unwrap()
                        .iter()
                        .any(|o| o["Type"] == want) =>
                {
                    return
                }
                JsonItem::Value(_) => {}
                JsonItem::Malformed(m) => panic!("malformed from the session: {m:?}"),
            }
        };
        wr.write_all(&hierarchy).await.unwrap();
        next_ack(&mut reader, "AckHierarchyInitialized").await;
        wr.write_all(&encode::joints_uuids(&[])).await.unwrap();
        next_ack(&mut reader, "JointsUuidsAck").await;
        for f in &wire {
            wr.write_all(f).await.unwrap();
            next_ack(&mut reader, "JointsStreamAck").await;
        }
        // Keep the connection open: the session must not need it closed to catch up.
        tokio::time::sleep(LIMIT).await;
    });
    let (session, _events) = MosketchSession::start(config(port));
    let p = wait(&mut session.pose(), "every frame", |p| {
        p.frame == count as u64
    })
    .await;
    let last_with = |name: &str| {
        (0..count)
            .rev()
            .find(|&i| frames[i].iter().any(|s| s.name == name))
            .unwrap()
    };
    for j in &p.joints {
        let i = last_with(&j.name);
        let s = frames[i].iter().find(|s| s.name == j.name).unwrap();
        assert_eq!(
            (j.r, j.anatom, j.last_frame),
            (s.r.unwrap(), s.anatom, i as u64 + 1),
            "{}",
            j.name
        );
    }
    assert_eq!(p.joint("Hips").unwrap().t, Some([3000.0, 1.0, 0.0]));
    let stats = session.stats().await.unwrap();
    assert_eq!(
        (stats.frames, stats.malformed, stats.unknown),
        (count as u64, 0, 0),
        "{stats:?}"
    );
    // The last frame was typed and is partial.
    assert!(stats.partial >= 1, "{stats:?}");
    session.shutdown().await;
    server.abort();
}
