//! `mayalink bench-output`: UDP ingest of Maya output through the real listener
//! ([`OutputService`]: parse, authenticate, sequence, split lines, ring buffer,
//! hub) against a raw `recv_from` loop that only counts datagrams, both fed by
//! the same sender at the same pace, in the same run. Then a run paced at a
//! fixed rate, to check that nothing is lost at a realistic heavy rate.
//!
//! Each line is sent the way Maya's `print` emits it: two messages, the text
//! then `"\n"`, one datagram each. Build in release for figures:
//! `cargo run --release -p mayalink-engine --bin mayalink -- bench-output`.

use std::fmt::Write as _;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mayalink_engine::console::{ConsoleHub, LineKind};
use mayalink_engine::output::datagram::maya_type;
use mayalink_engine::output::{OutputConfig, OutputEncoder, OutputService, Token};

#[derive(clap::Args)]
pub struct Args {
    /// Lines per unpaced run.
    #[arg(long, default_value_t = 1_000_000)]
    lines: u64,
    /// Rate of the paced run, in lines per second.
    #[arg(long, default_value_t = 100_000)]
    rate: u64,
    /// Lines in the paced run.
    #[arg(long, default_value_t = 500_000)]
    paced_lines: u64,
    /// Rounds of the unpaced comparison (the best of each receiver is kept).
    #[arg(long, default_value_t = 2)]
    rounds: u32,
}

const RCVBUF: usize = 8 << 20;

/// What a receiver saw.
#[derive(Default)]
struct Progress {
    lines: AtomicU64,
    notices: AtomicU64,
    last: Mutex<Option<Instant>>,
}

impl Progress {
    fn add(&self, lines: u64, now: Instant) {
        self.lines.fetch_add(lines, Ordering::Relaxed);
        *self.last.lock().unwrap() = Some(now);
    }
}

struct SendReport {
    elapsed: Duration,
    errors: u64,
    /// CPU time the sender thread used (to subtract from the process's).
    cpu: Option<Duration>,
}

/// utime + stime from a Linux `/proc/.../stat` file (None elsewhere).
fn proc_cpu(path: &str) -> Option<Duration> {
    let s = std::fs::read_to_string(path).ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); `rest` starts at field 3.
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux configuration that matters.
    Some(Duration::from_millis(ticks * 10))
}

/// The sender: one thread, like Maya's main thread, two datagrams per line.
fn send(to: SocketAddr, token: Token, lines: u64, rate: Option<u64>) -> SendReport {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind sender");
    let mut enc = OutputEncoder::new(token);
    let mut buf = Vec::with_capacity(128);
    let mut text = String::with_capacity(96);
    let mut errors = 0;
    let cpu0 = proc_cpu("/proc/thread-self/stat");
    let start = Instant::now();
    // The pace's origin: moved forward when the thread was held up, so a late
    // sender never "catches up" in a burst faster than the pace (Maya would not).
    let mut origin = (start, 0u64);
    for i in 0..lines {
        if let Some(rate) = rate {
            if i % 32 == 0 {
                let due = origin.0 + Duration::from_secs_f64((i - origin.1) as f64 / rate as f64);
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                } else if now - due > Duration::from_millis(2) {
                    origin = (now, i);
                }
            }
        }
        text.clear();
        let _ = write!(
            text,
            "line {i} of the benchmark: pCube{i}.translate = (1.0, 2.0, 3.0)"
        );
        enc.single_into(maya_type::INFO, &text, &mut buf);
        errors += sock.send_to(&buf, to).is_err() as u64;
        enc.single_into(maya_type::INFO, "\n", &mut buf);
        errors += sock.send_to(&buf, to).is_err() as u64;
    }
    let elapsed = start.elapsed();
    // Announce the end, so the listener can tell loss at the tail.
    let _ = sock.send_to(&enc.bye(), to);
    let cpu = proc_cpu("/proc/thread-self/stat")
        .zip(cpu0)
        .map(|(b, a)| b.saturating_sub(a));
    SendReport {
        elapsed,
        errors,
        cpu,
    }
}

/// Waits until `want` lines arrived, or nothing arrived for a while after the sender finished.
async fn wait_done(
    p: &Progress,
    want: u64,
    sender: tokio::task::JoinHandle<SendReport>,
) -> SendReport {
    let report = sender.await.expect("sender thread");
    let mut last_count = u64::MAX;
    let mut still_since = Instant::now();
    loop {
        let n = p.lines.load(Ordering::Relaxed);
        if n >= want {
            break;
        }
        if n != last_count {
            last_count = n;
            still_since = Instant::now();
        } else if still_since.elapsed() > Duration::from_millis(500) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    report
}

struct Outcome {
    lines: u64,
    notices: u64,
    secs: f64,
    send_secs: f64,
    errors: u64,
    /// CPU the receiving side used (the whole process minus the sender thread).
    recv_cpu: Option<Duration>,
    rcvbuf: Option<usize>,
}

impl Outcome {
    fn rate(&self) -> f64 {
        self.lines as f64 / self.secs
    }
    /// Lines per second of receive-side CPU: what one core could ingest.
    fn capacity(&self) -> Option<f64> {
        self.recv_cpu
            .filter(|c| !c.is_zero())
            .map(|c| self.lines as f64 / c.as_secs_f64())
    }
}

fn recv_cpu(before: Option<Duration>, report: &SendReport) -> Option<Duration> {
    let total = proc_cpu("/proc/self/stat")?.checked_sub(before?)?;
    Some(total.saturating_sub(report.cpu?))
}

async fn raw_run(lines: u64) -> Outcome {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).unwrap();
    let _ = s.set_recv_buffer_size(RCVBUF);
    s.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    s.set_nonblocking(true).unwrap();
    let sock = tokio::net::UdpSocket::from_std(s.into()).unwrap();
    let to = sock.local_addr().unwrap();
    let p = Arc::new(Progress::default());
    let recv = {
        let p = p.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            let mut datagrams = 0u64;
            loop {
                if sock.recv_from(&mut buf).await.is_ok() {
                    datagrams += 1;
                    if datagrams & 1 == 0 {
                        p.add(1, Instant::now());
                    }
                }
            }
        })
    };
    let cpu0 = proc_cpu("/proc/self/stat");
    let start = Instant::now();
    let sender = tokio::task::spawn_blocking(move || send(to, [1; 16], lines, None));
    let report = wait_done(&p, lines, sender).await;
    recv.abort();
    let last = p.last.lock().unwrap().unwrap_or(start);
    Outcome {
        lines: p.lines.load(Ordering::Relaxed),
        notices: 0,
        secs: (last - start).as_secs_f64(),
        send_secs: report.elapsed.as_secs_f64(),
        errors: report.errors,
        recv_cpu: recv_cpu(cpu0, &report),
        rcvbuf: None,
    }
}

async fn listener_run(lines: u64, rate: Option<u64>) -> (Outcome, OutputService) {
    let hub = ConsoleHub::default();
    let mut rx = hub.subscribe();
    let svc = OutputService::new(
        hub,
        OutputConfig {
            recv_buffer: RCVBUF,
            ..OutputConfig::default()
        },
    );
    let reg = svc
        .register("bench", [127, 0, 0, 1].into())
        .await
        .expect("register");
    let p = Arc::new(Progress::default());
    let consumer = {
        let p = p.clone();
        tokio::spawn(async move {
            while let Ok(batch) = rx.recv().await {
                let notices = batch.iter().filter(|l| l.kind == LineKind::Notice).count() as u64;
                p.notices.fetch_add(notices, Ordering::Relaxed);
                p.add(batch.len() as u64 - notices, Instant::now());
            }
        })
    };
    let (to, token) = (reg.addr(), *reg.token());
    let cpu0 = proc_cpu("/proc/self/stat");
    let start = Instant::now();
    let sender = tokio::task::spawn_blocking(move || send(to, token, lines, rate));
    let report = wait_done(&p, lines, sender).await;
    let last = p.last.lock().unwrap().unwrap_or(start);
    let out = Outcome {
        lines: p.lines.load(Ordering::Relaxed),
        notices: p.notices.load(Ordering::Relaxed),
        secs: (last - start).as_secs_f64(),
        send_secs: report.elapsed.as_secs_f64(),
        errors: report.errors,
        recv_cpu: recv_cpu(cpu0, &report),
        rcvbuf: svc.listener().map(|i| i.recv_buffer),
    };
    drop(reg);
    consumer.abort();
    (out, svc)
}

fn fmt_rate(r: f64) -> String {
    format!("{:.0}k lines/s", r / 1000.0)
}

fn fmt_cap(o: &Outcome) -> String {
    o.capacity().map(fmt_rate).unwrap_or_else(|| "n/a".into())
}

pub fn run(args: Args) -> ExitCode {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async move {
        println!(
            "UDP output ingest: {} lines, 2 datagrams each (Maya's print sends the text, then \"\\n\"), {} cores{}",
            args.lines,
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            if cfg!(debug_assertions) { " — DEBUG BUILD, use --release for figures" } else { "" }
        );
        // Warm up sockets, allocator and runtime.
        let _ = raw_run(args.lines.min(20_000)).await;
        let _ = listener_run(args.lines.min(20_000), None).await;

        // Alternate the two receivers; keep each one's best round (other load on the machine only slows things down).
        let mut raw: Option<Outcome> = None;
        let mut lst: Option<(Outcome, OutputService)> = None;
        for round in 1..=args.rounds.max(1) {
            let r = raw_run(args.lines).await;
            let (l, svc) = listener_run(args.lines, None).await;
            println!(
                "  round {round}: raw {} (lost {}), listener {} (lost {})",
                fmt_rate(r.rate()),
                args.lines - r.lines,
                fmt_rate(l.rate()),
                args.lines - l.lines
            );
            if !matches!(&raw, Some(b) if b.rate() >= r.rate()) {
                raw = Some(r);
            }
            if !matches!(&lst, Some((b, _)) if b.rate() >= l.rate()) {
                lst = Some((l, svc));
            }
        }
        let raw = raw.expect("a round");
        let (lst, svc) = lst.expect("a round");
        let line = |name: &str, o: &Outcome| {
            println!(
                "  {name:<18}: {:>8} lines in {:.3} s = {:>10} wall   {:>10} per receive-side CPU core   (sender {:.3} s, lost {}, loss notices {}{})",
                o.lines,
                o.secs,
                fmt_rate(o.rate()),
                fmt_cap(o),
                o.send_secs,
                args.lines - o.lines,
                o.notices,
                if o.errors > 0 { format!(", send errors {}", o.errors) } else { String::new() }
            )
        };
        line("raw recv_from loop", &raw);
        line("Mayalink listener", &lst);
        let ratio = lst.rate() / raw.rate();
        println!("  ratio listener/raw: {ratio:.2}x wall (goal >= 0.8x) {}", if ratio >= 0.8 { "OK" } else { "BELOW GOAL" });
        if let (Some(a), Some(b)) = (lst.capacity(), raw.capacity()) {
            println!("                      {:.2}x per CPU", a / b);
        }
        let stats = svc.stats();
        println!(
            "  listener counters : datagrams {} messages {} lines {} lost {} reordered {} duplicates {} malformed {}",
            stats.datagrams, stats.messages, stats.lines, stats.lost, stats.reordered, stats.duplicates, stats.malformed
        );

        let (paced, svc) = listener_run(args.paced_lines, Some(args.rate)).await;
        let lost = args.paced_lines - paced.lines;
        println!(
            "  paced at {} lines/s: {} lines in {:.3} s (achieved {}), lost {} lines (goal 0) {}; listener counted {} lost messages, SO_RCVBUF {}",
            args.rate,
            paced.lines,
            paced.send_secs,
            fmt_rate(args.paced_lines as f64 / paced.send_secs),
            lost,
            if lost == 0 { "OK" } else { "LOSS" },
            svc.stats().lost,
            paced.rcvbuf.map(|b| format!("{b} B")).unwrap_or_else(|| "?".into())
        );
        if ratio >= 0.8 && lost == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    })
}
