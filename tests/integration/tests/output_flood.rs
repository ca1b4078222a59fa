//! A UDP flood at the live-output port from spoofers (a wrong token from Maya's
//! address, Maya's token from another address) while a real session prints, over
//! real sockets: the listener keeps working, the real lines arrive (or their loss is
//! noticed, never silent), every datagram the listener read is counted in a drop
//! counter or the session, and the process's memory stays bounded.

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mayalink_engine::console::{ConsoleHub, ConsoleLine, LineKind};
use mayalink_engine::output::datagram::maya_type;
use mayalink_engine::output::{OutputConfig, OutputEncoder, OutputService};
use mayalink_integration_tests::rss_mb;

const FLOOD: usize = 200_000;
const LIMIT: Duration = Duration::from_secs(60);

/// Datagrams the kernel dropped for the UDP socket bound to 127.0.0.1:`port`
/// (receive buffer full): the `drops` column of /proc/net/udp.
fn kernel_drops(port: u16) -> u64 {
    let local = format!("0100007F:{port:04X}");
    std::fs::read_to_string("/proc/net/udp")
        .expect("/proc/net/udp")
        .lines()
        .skip(1)
        .find(|l| l.split_whitespace().nth(1) == Some(local.as_str()))
        .and_then(|l| l.split_whitespace().last()?.parse().ok())
        .unwrap_or_else(|| panic!("no UDP socket on {local} in /proc/net/udp"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoofed_flood_is_dropped_and_counted_while_real_lines_arrive_with_bounded_memory() {
    let hub = ConsoleHub::new(100_000, 10);
    let mut rx = hub.subscribe();
    let svc = OutputService::new(hub, OutputConfig::default());
    let reg = svc
        .register("s", IpAddr::V4(Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    let to = reg.addr();
    let token = *reg.token();
    let before = rss_mb();

    // The flood: half with a guessed token from Maya's address, half with Maya's
    // token (and a valid framing, large chunked messages) from 127.0.0.2.
    let flooding = Arc::new(AtomicBool::new(true));
    let flood = std::thread::spawn({
        let flooding = flooding.clone();
        move || {
            let wrong_token = UdpSocket::bind("127.0.0.1:0").unwrap();
            let elsewhere = UdpSocket::bind("127.0.0.2:0").unwrap();
            let mut guessed = OutputEncoder::new([0x5A; 16]);
            let mut stolen = OutputEncoder::new(token);
            let big = "x".repeat(3000);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let mut sent = 0;
            while sent < FLOOD {
                if a.is_empty() {
                    a = guessed.message(maya_type::INFO, "spoofed\n");
                }
                if b.is_empty() {
                    b = stolen.message(maya_type::ERROR, &big);
                }
                wrong_token.send_to(&a.pop().unwrap(), to).unwrap();
                elsewhere.send_to(&b.pop().unwrap(), to).unwrap();
                sent += 2;
                if sent % 2000 == 0 {
                    // Paced a little, so a real line has a chance between bursts.
                    std::thread::sleep(Duration::from_micros(500));
                }
            }
            flooding.store(false, Ordering::SeqCst);
            sent
        }
    });

    // Maya's helper, printing while the flood goes on, then ten lines after it.
    let maya = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut enc = OutputEncoder::new(token);
    let mut print = |text: &str| {
        let mut n = 0;
        for part in [text, "\n"] {
            for d in enc.message(maya_type::INFO, part) {
                maya.send_to(&d, to).unwrap();
                n += 1;
            }
        }
        n
    };
    let mut genuine_datagrams = 0;
    let mut during = 0;
    while flooding.load(Ordering::SeqCst) {
        genuine_datagrams += print(&format!("during {during}"));
        during += 1;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let flood_sent = flood.join().unwrap();
    let after: Vec<String> = (0..10).map(|i| format!("after {i}")).collect();
    for line in &after {
        genuine_datagrams += print(line);
    }

    // Every line printed after the flood arrives, in order, after those that
    // made it through the flood; a real line lost in it is a loss notice.
    let deadline = Instant::now() + LIMIT;
    let mut seen: Vec<ConsoleLine> = Vec::new();
    while !seen.iter().any(|l| l.text == "after 9") {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Ok(batch)) => seen.extend(batch.iter().cloned()),
            other => panic!("lines stopped ({other:?}); had {:?}", seen.last()),
        }
    }
    let texts: Vec<&str> = seen
        .iter()
        .filter(|l| l.kind != LineKind::Notice)
        .map(|l| l.text.as_str())
        .collect();
    assert!(
        texts
            .iter()
            .all(|t| t.starts_with("during ") || t.starts_with("after ")),
        "a spoofed line got through: {texts:?}"
    );
    assert_eq!(
        &texts[texts.len() - 10..],
        after.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let delivered_during = texts.len() - 10;
    let session = svc.session_stats("s").unwrap();
    assert!(
        session.lost == 0
            || seen
                .iter()
                .any(|l| l.kind == LineKind::Notice && l.text.contains("lost")),
        "messages lost without a notice: {session:?}"
    );
    // Each printed line is two messages: delivered or counted lost, none unaccounted.
    assert_eq!(
        session.messages + session.lost,
        2 * (during + 10) as u64,
        "{session:?}"
    );

    // Every datagram sent was read and counted by the listener, or dropped by the
    // kernel (receive buffer full) and counted there.
    let global = svc.stats();
    let read = global.bad_token + session.bad_address;
    let genuine_read = session.datagrams - session.bad_address;
    let dropped = kernel_drops(to.port());
    assert_eq!(
        global.datagrams,
        global.bad_token + session.datagrams,
        "{global:?}"
    );
    assert_eq!(
        read + genuine_read + dropped,
        (flood_sent + genuine_datagrams) as u64,
        "read {read} spoofed + {genuine_read} genuine, kernel dropped {dropped}: {global:?}"
    );
    assert!(
        global.bad_token > 0 && session.bad_address > 0,
        "{global:?}"
    );
    let grew = rss_mb() - before;
    eprintln!(
        "flood: {flood_sent} spoofed datagrams, {read} read and dropped, {dropped} dropped by the kernel; \
         {delivered_during} of {during} real lines during it delivered; RSS +{grew:.1} MB"
    );
    assert!(grew < 40.0, "memory grew by {grew:.1} MB under the flood");
    drop(reg);
    svc.shutdown().await;
}
