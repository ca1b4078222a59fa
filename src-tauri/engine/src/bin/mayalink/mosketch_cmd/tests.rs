//! The Mosketch subcommands against the simulator on loopback: the client's JSON and
//! text output, a refused connection, and `mosketch-sim` listening and serving.

use super::*;

#[test]
fn addresses() {
    assert_eq!(
        parse_address("127.0.0.1:1234"),
        Ok(("127.0.0.1".into(), 1234))
    );
    assert_eq!(
        parse_address("studio-pc"),
        Ok(("studio-pc".into(), DEFAULT_PORT))
    );
    assert_eq!(parse_address("[::1]:99"), Ok(("::1".into(), 99)));
    assert_eq!(parse_address("::1"), Ok(("::1".into(), DEFAULT_PORT)));
    assert!(parse_address("host:port").is_err());
    assert!(parse_address("").is_err());
}

fn client_args(port: u16) -> ClientArgs {
    ClientArgs {
        connect: format!("127.0.0.1:{port}"),
        frames: Some(3),
        seconds: Some(20.0),
        json: true,
        ack_spelling: HierarchyAckSpelling::default(),
        joint_space: JointSpace::Parent,
        orient_mode: OrientMode::Keep,
        uuids_timeout_ms: 3000,
        reconnect: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_prints_hierarchy_frames_and_stats_as_json() {
    let sim = MosketchSimulator::start(SimConfig::default())
        .await
        .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_client(
        client_args(sim.port()),
        &mut out,
        &mut err,
        std::future::pending(),
    )
    .await;
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |t: &str| lines.iter().filter(|l| l["type"] == t).count();
    assert_eq!(of("hierarchy"), 1);
    assert_eq!(of("frame"), 3);
    assert_eq!(of("stats"), 1);
    let h = lines.iter().find(|l| l["type"] == "hierarchy").unwrap();
    assert_eq!(h["hierarchy"]["joints"].as_array().unwrap().len(), 65);
    let f = lines.iter().find(|l| l["type"] == "frame").unwrap();
    assert_eq!(f["joints"][0]["name"], "Hips");
    assert!(f["joints"][0]["uuid"].is_string());
    assert!(lines.last().unwrap()["stats"]["frames"].as_u64().unwrap() >= 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_text_output_and_refused_connection() {
    let sim = MosketchSimulator::start(SimConfig::default())
        .await
        .unwrap();
    let port = sim.port();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = ClientArgs {
        json: false,
        ..client_args(port)
    };
    assert_eq!(
        run_client(args.clone(), &mut out, &mut err, std::future::pending()).await,
        0
    );
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("hierarchy 1: 65 joints (with parents and rest offsets)"),
        "{text}"
    );
    assert!(text.contains("LeftHandIndex2  <- LeftHandIndex1"));
    assert!(text.contains("frame 1: 65 joints  Hips R=["), "{text}");
    assert!(text.lines().last().unwrap().starts_with("frames: "));
    sim.shutdown().await;

    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(
        run_client(args, &mut out, &mut err, std::future::pending()).await,
        1
    );
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains(&format!(
            "not reachable at 127.0.0.1:{port} — enable streaming in Mosketch"
        )),
        "{err}"
    );
}

/// A writer the test can read while the command writes.
#[derive(Clone, Default)]
struct SharedBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_command_listens_and_serves() {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let args = SimArgs {
        port: 0,
        host: "127.0.0.1".into(),
        rate: 100.0,
        framing: SimFraming::Concatenated,
        partial: true,
        garbage: false,
        no_skeleton: true,
        only_ack: None,
        character: CharacterKind::Fish,
        switch_every: None,
    };
    let out = SharedBuf::default();
    let mut sim_out = out.clone();
    let sim = async move {
        run_sim(args, &mut sim_out, &mut std::io::sink(), async {
            let _ = rx.await;
        })
        .await
    };
    let check = async {
        let port = loop {
            let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
            if let Some(addr) = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("listening on 127.0.0.1:"))
            {
                break addr.parse::<u16>().unwrap();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let (session, _) = MosketchSession::start(MosketchConfig {
            port,
            reconnect: false,
            ..Default::default()
        });
        let mut pose = session.pose();
        tokio::time::timeout(Duration::from_secs(10), pose.wait_for(|p| p.frame >= 3))
            .await
            .unwrap()
            .unwrap();
        let h = session.hierarchy().borrow().clone().unwrap();
        assert_eq!(h.joints[0], "Body");
        assert!(h.skeleton.is_none(), "--no-skeleton");
        session.shutdown().await;
        let _ = tx.send(());
    };
    let (code, _) = tokio::join!(sim, check);
    assert_eq!(code, 0);
}
