//! Demo Maya's live link on its own: the ops' JSON shapes and errors, the duty
//! limit, and receivers over real UDP sockets with the test as the main thread.

use std::sync::atomic::Ordering;

use base64::Engine as _;
use serde_json::json;
use tokio::net::UdpSocket;

use super::*;
use crate::link::wire::{self, FromMaya, Token, ROTATE};

const TOKEN: Token = [5u8; 16];

/// Links whose main thread is the test: queued jobs land in `jobs`.
fn links() -> (Links, std::sync::mpsc::Receiver<Deferred>) {
    let mut l = Links::new(
        Some(tokio::runtime::Handle::current()),
        CancellationToken::new(),
    );
    let (tx, rx) = std::sync::mpsc::channel::<Deferred>();
    l.set_main_thread(Arc::new(move |job| tx.send(job).is_ok()));
    (l, rx)
}

fn start(l: &mut Links, id: &str, session: &str, nodes: &[&str]) -> u16 {
    let r = l
        .op_start(&json!({"link": id, "session": session, "nodes": nodes,
            "token": base64::engine::general_purpose::STANDARD.encode(TOKEN), "host": "127.0.0.1"}))
        .unwrap();
    r["port"].as_u64().unwrap() as u16
}

async fn app(port: u16) -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    s.connect(("127.0.0.1", port)).await.unwrap();
    s
}

async fn next_job(jobs: &std::sync::mpsc::Receiver<Deferred>) -> Deferred {
    for _ in 0..1000 {
        if let Ok(j) = jobs.try_recv() {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("no job queued for the main thread");
}

async fn from_maya(app: &UdpSocket) -> FromMaya {
    let mut buf = vec![0u8; 65536];
    let n = tokio::time::timeout(Duration::from_secs(5), app.recv(&mut buf))
        .await
        .expect("a datagram from Maya")
        .unwrap();
    wire::decode(&TOKEN, &buf[..n]).expect("ours")
}

fn rotate(index: u16, r: [f64; 3]) -> PoseEntry {
    PoseEntry {
        index,
        mask: ROTATE,
        rotate: r,
        translate: [0.0; 3],
    }
}

async fn until_no_receivers(l: &Links) {
    for _ in 0..200 {
        if l.receivers.load(Ordering::SeqCst) == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("a receiver is still running");
}

#[test]
fn nodes_rest_and_read_have_the_helpers_shapes() {
    let scene = Scene::demo();
    let n = Links::op_nodes(&scene);
    let nodes = n["nodes"].as_array().unwrap();
    assert_eq!(nodes[0], json!({"path": "|Hips", "kind": "joint"}));
    assert_eq!(nodes.iter().filter(|n| n["kind"] == "joint").count(), 65);
    assert!(nodes.contains(&json!({"path": "|persp", "kind": "transform"})));
    assert_eq!(n["units"], json!({"linear": "cm", "angle": "deg"}));
    let arm = "|Hips|Spine|Spine1|Spine2|LeftShoulder|LeftArm";
    assert!(nodes.contains(&json!({"path": arm, "kind": "joint"})));

    let r = Links::op_rest(&scene, &json!({"nodes": [arm, "|Nope", "LeftArm"]})).unwrap();
    assert_eq!(r["nodes"][0]["found"], true);
    assert_eq!(r["nodes"][0]["kind"], "joint");
    assert_eq!(
        r["nodes"][0]["parent"],
        "|Hips|Spine|Spine1|Spine2|LeftShoulder"
    );
    assert_eq!(r["nodes"][0]["translate"], json!([12.0, 0.0, 0.0]));
    assert_eq!(r["nodes"][0]["rotateOrder"], 0);
    assert_eq!(
        r["nodes"][0]["blocked"],
        json!([null, null, null, null, null, null])
    );
    assert_eq!(r["nodes"][1], json!({"path": "|Nope", "found": false}));
    assert_eq!(r["nodes"][2]["found"], true, "a short name is found too");
    assert_eq!(
        Links::op_rest(&scene, &json!({"nodes": ["|Hips|LeftArm"]})).unwrap()["nodes"][0]["found"],
        false,
        "a wrong path is not"
    );

    let v = Links::op_read(&scene, &json!({"nodes": ["|Hips", "|Nope"]})).unwrap();
    assert_eq!(v["values"], json!([[0.0, 0.0, 0.0, 0.0, 100.0, 0.0], null]));
}

#[test]
fn the_duty_limit_holds_a_pose_back_until_it_is_due() {
    let now = Instant::now();
    let mut m = Mailbox::default();
    assert!(!m.take_turn(now), "nothing waits");
    m.latest = Some((1, vec![]));
    assert!(m.take_turn(now) && m.pending);
    assert!(!m.take_turn(now), "one apply queued at a time");
    m.pending = false;
    let due = now + Duration::from_millis(3);
    m.not_before = Some(due);
    assert!(!m.take_turn(now), "held back");
    assert_eq!(m.held_until(), Some(due));
    assert!(m.take_turn(due));
    assert_eq!(m.held_until(), None, "queued: nothing held");
}

#[test]
fn bad_requests_fail_like_the_helper() {
    let mut l = Links::new(None, CancellationToken::new());
    let r = l.op_start(&json!({"token": "AA=="})).unwrap_err();
    assert_eq!(r["error"]["message"], "'link'");
    let r = l
        .op_start(&json!({"link": "a", "token": "AA==", "nodes": []}))
        .unwrap_err();
    assert_eq!(r["error"]["type"], "ValueError");
    let r = l.op_follow(&json!({"link": "a", "hz": 30})).unwrap();
    assert_eq!(
        r,
        json!({"ok": false, "error": {"type": "MayalinkError", "message": "no such link", "traceback": ""}})
    );
    let r = l.op_stop(&json!({"link": "a"})).unwrap();
    assert_eq!(r, json!({"ok": true, "stopped": false, "links_left": 0}));
    assert_eq!(
        l.op_stop(&json!({})).unwrap_err()["error"]["type"],
        "KeyError"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newest_pose_wins_on_the_main_thread_and_figures_come_back() {
    let (mut l, jobs) = links();
    let mut scene = Scene::demo();
    let port = start(&mut l, "s:link", "s", &["|Hips", "LeftArm", "|Gone"]);
    assert_eq!(l.receivers.load(Ordering::SeqCst), 1);
    let app = app(port).await;
    // Three poses before the main thread gets to them: one apply, of the newest.
    for seq in 1..=3u32 {
        let pose = wire::encode_pose(
            &TOKEN,
            seq,
            &[rotate(1, [seq as f64, 0.0, 0.0]), rotate(9, [1.0; 3])],
        );
        app.send(&pose).await.unwrap();
    }
    // Not ours: never acted on.
    app.send(&wire::encode_pose(&[6u8; 16], 4, &[rotate(1, [99.0; 3])]))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let job = next_job(&jobs).await;
    assert!(jobs.try_recv().is_err(), "one apply queued at a time");
    job(&mut l, &mut scene);
    assert_eq!(scene.get("LeftArm").unwrap().rotate, [3.0, 0.0, 0.0]);
    match from_maya(&app).await {
        FromMaya::Applied {
            seq,
            applied,
            superseded,
            main_thread_s,
            failures,
        } => {
            assert_eq!((seq, applied, superseded), (3, 1, 2));
            assert!(main_thread_s >= 0.0);
            assert!(failures.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // A node that is gone is reported once, not per frame; partial masks set
    // only their channels; translate lands in centimetres as sent.
    for seq in [5u32, 6] {
        let entries = [
            PoseEntry {
                index: 0,
                mask: 0b101_010,
                rotate: [0.0, 45.0, 0.0],
                translate: [7.0, 0.0, 9.0],
            },
            rotate(2, [1.0; 3]),
        ];
        app.send(&wire::encode_pose(&TOKEN, seq, &entries))
            .await
            .unwrap();
        next_job(&jobs).await(&mut l, &mut scene);
        let FromMaya::Applied {
            failures, seq: s, ..
        } = from_maya(&app).await
        else {
            panic!("applied expected")
        };
        assert_eq!(s, seq);
        if seq == 5 {
            assert_eq!(
                failures,
                [(
                    "|Gone.rotate".to_string(),
                    "No object matches name: |Gone.rotate".to_string()
                )]
            );
        } else {
            assert!(failures.is_empty(), "reported once");
        }
    }
    let hips = scene.get("Hips").unwrap();
    assert_eq!(hips.rotate, [0.0, 45.0, 0.0]);
    assert_eq!(hips.translate, [7.0, 100.0, 9.0]);

    // Follow Maya: sampled on the main thread, sent when changed.
    assert_eq!(
        l.op_follow(&json!({"link": "s:link", "hz": 50})).unwrap(),
        json!({"ok": true})
    );
    next_job(&jobs).await(&mut l, &mut scene);
    match from_maya(&app).await {
        FromMaya::Sample(v) => {
            assert_eq!(v.len(), 3);
            assert_eq!(v[0], [0.0, 45.0, 0.0, 7.0, 100.0, 9.0]);
            assert_eq!(v[2], [0.0; 6]);
        }
        other => panic!("{other:?}"),
    }
    next_job(&jobs).await(&mut l, &mut scene); // unchanged: nothing sent
    scene.get_mut("LeftArm").unwrap().rotate = [1.0, 2.0, 3.0];
    next_job(&jobs).await(&mut l, &mut scene);
    let FromMaya::Sample(v) = from_maya(&app).await else {
        panic!("sample expected")
    };
    assert_eq!(v[1][..3], [1.0, 2.0, 3.0]);
    l.op_follow(&json!({"link": "s:link", "hz": 0})).unwrap();

    // Stop: the receiver ends before link_stop answers, and its socket is closed.
    let r = l.op_stop(&json!({"link": "s:link"})).unwrap();
    assert_eq!(r, json!({"ok": true, "stopped": true, "links_left": 0}));
    assert_eq!(l.receivers.load(Ordering::SeqCst), 0);
    while let Ok(job) = jobs.try_recv() {
        job(&mut l, &mut scene); // a job queued before the stop does nothing
    }
    assert!(
        std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok(),
        "port released"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_restart_and_silence_stop_receivers() {
    let (mut l, _jobs) = links();
    start(&mut l, "a:link", "a", &["|Hips"]);
    start(&mut l, "b:link", "b", &["|Hips"]);
    // Starting a link again replaces it.
    start(&mut l, "b:link", "b", &["|Hips"]);
    assert_eq!(l.receivers.load(Ordering::SeqCst), 2);
    l.cleanup("a");
    assert_eq!(l.ids(), ["b:link"]);
    assert_eq!(l.receivers.load(Ordering::SeqCst), 1);
    l.cleanup("b");
    assert_eq!(l.receivers.load(Ordering::SeqCst), 0);

    // An app that goes quiet: the link stops by itself; keepalives keep it up.
    l.set_idle_limit(Duration::from_millis(600));
    let quiet = start(&mut l, "q:link", "q", &["|Hips"]);
    let kept = start(&mut l, "k:link", "k", &["|Hips"]);
    let (_quiet_app, kept_app) = (app(quiet).await, app(kept).await);
    for _ in 0..12 {
        kept_app
            .send(&wire::encode_keepalive(&TOKEN))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        l.receivers.load(Ordering::SeqCst),
        1,
        "the quiet one stopped"
    );
    l.cancel.cancel(); // Demo Maya quits
    until_no_receivers(&l).await;
}
