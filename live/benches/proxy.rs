//! The live proxy's benchmark (not a test): 1,000 concurrent connections through one proxy of
//! the real `faultline live` binary, nothing impaired (`tests/fixtures/live/quiet.toml`: an
//! hour without a fault, sixteen bulk flows of ~11.5 Gbit/s each, `--speed 1`).
//!
//! `cargo build --release && cargo bench -p faultline-live --bench proxy`
//!
//! The upstream lives in this process (tokio): it reads frames of `[kind u8][len u32 LE]
//! [payload]`; a `P` frame is echoed back whole, a `B` frame is counted and dropped. Measured:
//!
//! 1. memory: the faultline process's VmRSS (/proc/PID/status) with the proxy listening and
//!    then with the 1,000 connections open (each has carried one ping, so both its sockets
//!    and both its pump tasks exist), and at the end of the bulk phase (buffers full);
//! 2. latency, one ping at a time (64-byte frames, round robin over the 1,000 open
//!    connections), each proxy ping followed by one on a direct connection to the same
//!    upstream (the baseline, same moment, same machine): the proxy's RTT less the simulated
//!    round trip (the report's `delay_up_s + delay_down_s`), p50/p99, and that less the
//!    direct RTT's p50 (the loopback and upstream cost both paths pay);
//! 3. the same with all 1,000 connections pinging at once;
//! 4. throughput: all 1,000 connections writing 64 KiB `B` frames as fast as they can;
//!    what the upstream receives per second, after a warm-up.
//!
//! Everything (proxy, driver, upstream, clients) shares the machine's cores: on a 2-core
//! machine the figures are what the proxy achieves while the load generator takes its share.
//!
//! The binary is `$FAULTLINE_BIN`, else `target/release/faultline` of the workspace.
//! `BENCH_CONNS` (default 1000) and `BENCH_SECS` (seconds per timed phase, default 5) adjust it.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const SCENARIO: &str = include_str!("../../tests/fixtures/live/quiet.toml");
const PING: usize = 64;
const BULK: usize = 64 * 1024;

fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn binary() -> PathBuf {
    std::env::var_os("FAULTLINE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/faultline"))
}

/// VmRSS of process `pid`, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Each flow's simulated round trip (both one-way delays, the standing queue included) at
/// simulated time `at`, by index within the proxied group: what the proxy must add.
fn simulated_rtts(text: &str, at: f64) -> Res<Vec<f64>> {
    let scenario = scenarios::load_str("bench", text).map_err(|e| format!("{e:?}"))?;
    let mut sim = scenarios::prepare(&scenario, scenario.seed, sim_core::SimOptions::default())?;
    sim.run_until(sim_core::SimTime((at * 1e9) as u64));
    let g = scenario.proxies.first().ok_or("no [[proxy]]")?.group;
    let flows = sim.group_flows(sim_core::model::GroupId(g as u32));
    Ok(flows.map(|f| sim.flow_path(f)).map(|p| (p.one_way[0].as_nanos() + p.one_way[1].as_nanos()) as f64 / 1e9).collect())
}

/// The upstream: echoes `P` frames, counts and drops `B` frames.
async fn upstream(listener: TcpListener, sunk: Arc<AtomicU64>) {
    while let Ok((s, _)) = listener.accept().await {
        let _ = s.set_nodelay(true);
        let sunk = sunk.clone();
        tokio::spawn(async move {
            let (r, mut w) = s.into_split();
            let mut r = tokio::io::BufReader::with_capacity(256 * 1024, r);
            let mut buf = vec![0u8; BULK + 5];
            loop {
                if r.read_exact(&mut buf[..5]).await.is_err() {
                    return;
                }
                let len = u32::from_le_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
                if len > BULK || r.read_exact(&mut buf[5..5 + len]).await.is_err() {
                    return;
                }
                match buf[0] {
                    b'P' => {
                        if w.write_all(&buf[..5 + len]).await.is_err() {
                            return;
                        }
                    }
                    _ => {
                        sunk.fetch_add(len as u64, Ordering::Relaxed);
                    }
                }
            }
        });
    }
}

fn frame(kind: u8, total: usize) -> Vec<u8> {
    let mut f = vec![kind; total];
    f[1..5].copy_from_slice(&((total - 5) as u32).to_le_bytes());
    f
}

async fn ping(s: &mut TcpStream, msg: &[u8]) -> Res<Duration> {
    let t = Instant::now();
    s.write_all(msg).await?;
    let mut back = [0u8; PING];
    s.read_exact(&mut back[..msg.len()]).await?;
    Ok(t.elapsed())
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

struct Live {
    child: Child,
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn main() -> Res<()> {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let conns = env_or("BENCH_CONNS", 1000) as usize;
    let secs = env_or("BENCH_SECS", 5);
    let bin = binary();
    if !bin.is_file() {
        return Err(format!("{} not found: run `cargo build --release` first (or set FAULTLINE_BIN)", bin.display()).into());
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(bench(bin, conns, secs))
}

async fn bench(bin: PathBuf, conns: usize, secs: u64) -> Res<()> {
    let sunk = Arc::new(AtomicU64::new(0));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let up_addr = listener.local_addr()?;
    tokio::spawn(upstream(listener, sunk.clone()));

    let dir = std::env::temp_dir().join(format!("faultline-proxy-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let text: String = SCENARIO
        .lines()
        .map(|l| match l.split('=').next().map(str::trim) {
            Some("listen") => "listen = \"127.0.0.1:0\"".to_string(),
            Some("upstream") => format!("upstream = \"{up_addr}\""),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let file = dir.join("quiet.toml");
    std::fs::write(&file, &text)?;
    let mut child = Command::new(&bin)
        .arg("live")
        .arg(&file)
        .args(["--speed", "1", "--no-api", "--json"])
        .env("FAULTLINE_TOKEN", "bench")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let live = Live { child };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.split(" listening on ").nth(1).and_then(|r| r.split(" -> ").next()) {
                let _ = tx.send(addr.to_string());
            }
        }
    });
    let report = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut { stdout }, &mut v);
        v
    });
    let proxy: SocketAddr = rx.recv_timeout(Duration::from_secs(30))?.parse()?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss0 = rss(pid);

    // 1. Open the connections; each carries one ping so that it is established upstream.
    let pmsg = frame(b'P', PING);
    let t = Instant::now();
    let mut socks = Vec::with_capacity(conns);
    let mut slow_connects = 0;
    for _ in 0..conns {
        let c = Instant::now();
        let s = TcpStream::connect(proxy).await?;
        // A connect that took a SYN retransmission (1 s): the listen queue was full.
        if c.elapsed() > Duration::from_millis(500) {
            slow_connects += 1;
        }
        s.set_nodelay(true)?;
        socks.push(s);
    }
    let opened = t.elapsed();
    let locals: Vec<String> = socks.iter().map(|s| s.local_addr().map(|a| a.to_string()).unwrap_or_default()).collect();
    let handles: Vec<_> = socks
        .into_iter()
        .map(|mut s| {
            let m = pmsg.clone();
            tokio::spawn(async move { ping(&mut s, &m).await.map(|_| s) })
        })
        .collect();
    let mut socks = Vec::with_capacity(conns);
    for h in handles {
        socks.push(h.await??);
    }
    let established = t.elapsed();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss1 = rss(pid);

    // 2. One ping at a time: through the proxy (round robin), then direct.
    let mut direct = TcpStream::connect(up_addr).await?;
    direct.set_nodelay(true)?;
    let samples = 2000.max(conns);
    let mut via: Vec<(usize, f64)> = Vec::with_capacity(samples);
    let mut dir_rtt = Vec::with_capacity(samples);
    for i in 0..samples {
        via.push((i % conns, ping(&mut socks[i % conns], &pmsg).await?.as_secs_f64()));
        dir_rtt.push(ping(&mut direct, &pmsg).await?.as_secs_f64());
    }

    // 3. Every connection pinging at once.
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = socks
        .into_iter()
        .enumerate()
        .map(|(i, mut s)| {
            let (m, stop) = (pmsg.clone(), stop.clone());
            tokio::spawn(async move {
                let mut v = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    match ping(&mut s, &m).await {
                        Ok(d) => v.push((i, d.as_secs_f64())),
                        Err(_) => break,
                    }
                }
                (s, v)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut socks = Vec::with_capacity(conns);
    let mut busy = Vec::new();
    for h in handles {
        let (s, v) = h.await?;
        socks.push(s);
        busy.extend(v);
    }
    let busy_rate = busy.len() as f64 / secs as f64;

    // 4. Bulk: every connection writing 64 KiB frames.
    let stop = Arc::new(AtomicBool::new(false));
    let bmsg = Arc::new(frame(b'B', BULK));
    let writers: Vec<_> = socks
        .into_iter()
        .map(|mut s| {
            let (m, stop) = (bmsg.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    if s.write_all(&m).await.is_err() {
                        break;
                    }
                }
                s
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (b0, t0) = (sunk.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let (b1, t1) = (sunk.load(Ordering::Relaxed), Instant::now());
    let rss2 = rss(pid);
    stop.store(true, Ordering::Relaxed);
    let gbps = (b1 - b0) as f64 * 8.0 / t1.duration_since(t0).as_secs_f64() / 1e9;
    // Writers blocked on a full socket finish when the run stops and resets them.

    // The run's own report.
    Command::new("kill").args(["-INT", &pid.to_string()]).status()?;
    let out = tokio::task::spawn_blocking(move || report.join()).await?.map_err(|_| "report reader panicked")?;
    drop(live);
    for w in writers {
        let _ = tokio::time::timeout(Duration::from_secs(5), w).await;
    }
    let v: serde_json::Value = serde_json::from_slice(&out)?;
    let rep = v["live"]["connections"].as_array().cloned().unwrap_or_default();
    // Connection i's flow (the report names it by client address) gives its simulated RTT.
    let rtts = simulated_rtts(&text, 10.0)?;
    let flows: std::collections::HashMap<&str, usize> =
        rep.iter().filter_map(|c| Some((c["client"].as_str()?, c["flow"].as_u64()? as usize))).collect();
    let flow_of: Vec<Option<usize>> = locals.iter().map(|l| flows.get(l.as_str()).copied()).collect();
    let sim_rtt = |i: usize| flow_of.get(i).copied().flatten().and_then(|k| rtts.get(k)).copied().unwrap_or(f64::NAN);
    let mut all_rtts = rtts.clone();
    let (rtt_lo, rtt_hi) = (pct(&mut all_rtts, 0.0), pct(&mut all_rtts, 1.0));
    let mut own_p50: Vec<f64> = rep.iter().filter_map(|c| c["overhead_p50_us"].as_f64()).collect();
    let own_max = rep.iter().filter_map(|c| c["overhead_max_us"].as_f64()).fold(0.0, f64::max);
    let _ = std::fs::remove_dir_all(&dir);

    let ms = |x: f64| x * 1e3;
    let d50 = pct(&mut dir_rtt, 0.5);
    let d99 = pct(&mut dir_rtt, 0.99);
    let mut over: Vec<f64> = via.iter().map(|&(i, r)| r - sim_rtt(i)).collect();
    let mut busy_over: Vec<f64> = busy.iter().map(|&(i, r)| r - sim_rtt(i)).collect();
    let (o50, o99) = (pct(&mut over, 0.5), pct(&mut over, 0.99));
    let (b50, b99) = (pct(&mut busy_over, 0.5), pct(&mut busy_over, 0.99));
    let per_conn = rss1.saturating_sub(rss0) as f64 / conns as f64;
    println!("faultline live proxy bench: {conns} connections through one proxy, nothing impaired, --speed 1");
    println!(
        "  connections     opened one after another in {:.0} ms ({slow_connects} waited for a SYN retransmission: the proxy's listen queue overflowed), \
         established upstream (one ping each) in {:.0} ms",
        ms(opened.as_secs_f64()),
        ms(established.as_secs_f64())
    );
    println!(
        "  memory          RSS {:.1} MiB listening, {:.1} MiB with {conns} open: {:.1} KiB per connection; {:.1} MiB during bulk ({:.1} KiB per connection)",
        rss0 as f64 / 1048576.0,
        rss1 as f64 / 1048576.0,
        per_conn / 1024.0,
        rss2 as f64 / 1048576.0,
        rss2.saturating_sub(rss0) as f64 / conns as f64 / 1024.0
    );
    println!("  simulated RTT   {:.3} to {:.3} ms over the group's flows (sim-core, both one-way delays)", ms(rtt_lo), ms(rtt_hi));
    println!("  direct RTT      p50 {:.3} ms, p99 {:.3} ms ({samples} pings, loopback to the same upstream)", ms(d50), ms(d99));
    println!(
        "  one at a time   RTT through the proxy less the simulated RTT: p50 {:.3} ms, p99 {:.3} ms; less the direct p50 too: p50 {:.3} ms, p99 {:.3} ms",
        ms(o50),
        ms(o99),
        ms(o50 - d50),
        ms(o99 - d50)
    );
    println!(
        "  all at once     {} pings ({:.0}/s): RTT less the simulated RTT p50 {:.3} ms, p99 {:.3} ms",
        busy.len(),
        busy_rate,
        ms(b50),
        ms(b99)
    );
    println!("  throughput      {gbps:.2} Gbit/s aggregate, client to upstream through the proxy ({secs} s after a 1 s warm-up)");
    println!(
        "  proxy's own     per-chunk overhead beyond the due time (report): median of connections' p50 {:.0} µs, max {:.0} µs",
        pct(&mut own_p50, 0.5),
        own_max
    );
    println!(
        "  goals           throughput {gbps:.2} / 2 Gbit/s = {:.2}x; p99 overhead {:.3} / 1 ms = {:.2}x",
        gbps / 2.0,
        ms(o99),
        ms(o99)
    );
    Ok(())
}
