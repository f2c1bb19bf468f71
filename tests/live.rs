//! End to end: the real `faultline live` binary, real sockets through its proxies, and real
//! software no one here wrote (redis-server and redis-cli) behind and in front of them.
//!
//! - fingerprint equality: `live` prints the fingerprint and the fault figures of `faultline
//!   run` on the same file while real connections ping through the proxy during the faults
//!   (and are held by them), for a two-channel blackhole and for the flagship;
//! - Redis through a 4 s blackhole: redis-cli's longest SET, times the speed, and the
//!   proxy's observed stall both agree with the simulated TCP stall;
//! - Ctrl-C (SIGINT) and SIGTERM mid-run: exit 2, the JSON report with `interrupted`, the proxy
//!   and API ports closed, the process gone within seconds;
//! - an upstream that is down: clients are reset, the run goes on, `upstream_error`;
//! - connecting during an outage: refused after the SYN schedule, or connected late by it;
//! - the simulated connection given up (user timeout) and the endpoint down: real resets.
//!
//! Timing: every figure the simulation predicts is compared in simulated seconds (wall time ×
//! `--speed`), within a stated tolerance that covers a loaded 2-core CI machine (tokio's 1 ms
//! timer granularity, scheduling delays of a few hundred ms); these check the timeline, they
//! are not performance assertions.
//!
//! A test needing a program that is not installed (redis-server, redis-cli, kill) skips with a
//! loud note, unless `FAULTLINE_NO_SKIP=1` (CI), which makes it fail instead.

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{Checks, root, run_json};
use serde_json::Value;

/// The API token every live process of these tests gets (so none writes a token file).
const TOKEN: &str = "live-tests-token";

// ---------------------------------------------------------------------------------------------
// Programs, files, servers.
// ---------------------------------------------------------------------------------------------

fn on_path(prog: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(prog).is_file()))
}

/// True when every program is installed. Otherwise a loud note and false (the test skips),
/// or, with `FAULTLINE_NO_SKIP=1`, a failure.
fn have(test: &str, progs: &[&str]) -> bool {
    let missing: Vec<&str> = progs.iter().copied().filter(|p| !on_path(p)).collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("FAULTLINE_NO_SKIP").as_deref() != Ok("1"),
        "{test}: {} not installed and FAULTLINE_NO_SKIP=1 (.ci/run installs it)",
        missing.join(", ")
    );
    eprintln!("\n*** note: {} not installed; skipping the live end-to-end test `{test}` ***\n", missing.join(", "));
    false
}

fn work_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("live-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `text` with its `[[proxy]]` listening on any free port and forwarding to `upstream`.
fn retarget(text: &str, upstream: SocketAddr) -> String {
    text.lines()
        .map(|l| match l.split('=').next().map(str::trim) {
            Some("listen") => "listen = \"127.0.0.1:0\"".to_string(),
            Some("upstream") => format!("upstream = \"{upstream}\""),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// `tests/fixtures/live/NAME.toml`, retargeted, written into `dir`.
fn fixture(dir: &Path, name: &str, upstream: SocketAddr) -> PathBuf {
    let text = std::fs::read_to_string(root().join(format!("tests/fixtures/live/{name}.toml"))).expect("the fixture");
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, retarget(&text, upstream)).expect("write the scenario");
    path
}

/// A port nothing listens on at the moment of asking.
fn closed_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port")
}

/// An echo server on a free loopback port, one thread per connection; it lives as long as
/// the test process.
fn echo_server() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind the echo server");
    let addr = l.local_addr().expect("its address");
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if s.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    addr
}

/// A child process killed when the test ends however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn signal(pid: u32, sig: &str) {
    let st = Command::new("kill").arg(format!("-{sig}")).arg(pid.to_string()).status().expect("kill runs");
    assert!(st.success(), "kill -{sig} {pid} failed");
}

// ---------------------------------------------------------------------------------------------
// The live process.
// ---------------------------------------------------------------------------------------------

/// A `faultline live` process: its stderr collected as it comes, its stdout read to the end.
struct Live {
    child: Child,
    stderr: Arc<Mutex<String>>,
    stdout: Option<JoinHandle<Vec<u8>>>,
    args: String,
}

/// How a live process ended.
struct Finished {
    code: Option<i32>,
    json: Value,
    stderr: String,
    /// Wall time from the call to `finish` to the exit.
    waited: Duration,
}

impl Live {
    fn start(dir: &Path, file: &Path, args: &[&str]) -> Live {
        let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .arg("live")
            .arg(file)
            .args(args)
            .current_dir(dir)
            .env("FAULTLINE_TOKEN", TOKEN)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("faultline live starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let err = child.stderr.take().expect("piped stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
                s.push_str(&line);
                s.push('\n');
            }
        });
        let mut out = child.stdout.take().expect("piped stdout");
        let stdout = Some(std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = out.read_to_end(&mut v);
            v
        }));
        Live { child, stderr, stdout, args: format!("faultline live {} {}", file.display(), args.join(" ")) }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Polls stderr until `find` returns something (30 s at most).
    fn wait_stderr<T>(&mut self, what: &str, find: impl Fn(&str) -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(t) = find(&self.stderr()) {
                return t;
            }
            let exited = !self.running();
            assert!(!exited && start.elapsed() < Duration::from_secs(30), "`{}`: no {what} on stderr:\n{}", self.args, self.stderr());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The address the (first) proxy listens on, from `live: proxy NAME listening on ADDR -> …`.
    fn proxy(&mut self) -> SocketAddr {
        self.wait_stderr("proxy listening", |s| {
            let l = s.lines().find(|l| l.starts_with("live: proxy "))?;
            l.split(" listening on ").nth(1)?.split(" -> ").next()?.parse().ok()
        })
    }

    /// The API's address, from `live: API on http://ADDR (…`.
    fn api(&mut self) -> SocketAddr {
        self.wait_stderr("API address", |s| {
            let l = s.lines().find(|l| l.starts_with("live: API on http://"))?;
            l.trim_start_matches("live: API on http://").split(' ').next()?.parse().ok()
        })
    }

    /// Waits (at most `within`) for the process to exit and reads its JSON report.
    fn finish(&mut self, within: Duration) -> Finished {
        let start = Instant::now();
        let status = loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                break st;
            }
            if start.elapsed() > within {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("`{}` did not exit within {within:?}; stderr:\n{}", self.args, self.stderr());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let waited = start.elapsed();
        let out = self.stdout.take().map(|h| h.join().expect("stdout reader")).unwrap_or_default();
        // Let the stderr reader take the last lines.
        std::thread::sleep(Duration::from_millis(50));
        let stderr = self.stderr();
        let json = serde_json::from_slice(&out).unwrap_or_else(|e| {
            panic!(
                "`{}` did not print JSON ({e}); exit {:?}\nstdout: {}\nstderr: {stderr}",
                self.args,
                status.code(),
                String::from_utf8_lossy(&out)
            )
        });
        assert!(!stderr.contains("panicked"), "`{}` panicked:\n{stderr}", self.args);
        Finished { code: status.code(), json, stderr, waited }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One plain HTTP/1.1 GET; the body, or `None` if nothing answers.
fn http_get(addr: SocketAddr, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") {
        return None;
    }
    if !head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        return Some(body.to_string());
    }
    let mut out = String::new();
    let mut rest = body;
    loop {
        let (size, tail) = rest.split_once("\r\n")?;
        let n = usize::from_str_radix(size.trim(), 16).ok()?;
        if n == 0 {
            return Some(out);
        }
        out.push_str(tail.get(..n)?);
        rest = tail.get(n + 2..)?;
    }
}

/// The live run's simulated time (`GET /state`'s `now_s`).
fn sim_now(api: SocketAddr) -> Option<f64> {
    let v: Value = serde_json::from_str(&http_get(api, "/state")?).ok()?;
    v["now_s"].as_f64()
}

/// Waits until the live run's simulated time reaches `t` (60 s of wall time at most).
fn wait_sim(api: SocketAddr, t: f64) {
    let start = Instant::now();
    loop {
        if sim_now(api).is_some_and(|now| now >= t) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the live run never reached {t} s of simulated time");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect to the proxy {addr}: {e}"));
    let _ = s.set_nodelay(true);
    s
}

/// Sends `msg` and reads its echo.
fn ping(s: &mut TcpStream, msg: &[u8]) -> std::io::Result<()> {
    s.write_all(msg)?;
    let mut back = vec![0u8; msg.len()];
    s.read_exact(&mut back)?;
    if back != msg {
        return Err(std::io::Error::other("the echo differs from what was sent"));
    }
    Ok(())
}

/// What a blocking read (with a timeout) ended in: `reset`, `eof`, `timeout`, `data` or
/// another error's kind.
fn read_end(s: &mut TcpStream, timeout: Duration) -> String {
    s.set_read_timeout(Some(timeout)).expect("read timeout");
    let mut b = [0u8; 64];
    match s.read(&mut b) {
        Ok(0) => "eof".into(),
        Ok(_) => "data".into(),
        Err(e) if e.kind() == ErrorKind::ConnectionReset => "reset".into(),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => "timeout".into(),
        Err(e) => format!("{:?}", e.kind()),
    }
}

/// Sends `msg` and waits for what ends the connection (see [`read_end`]). A reset that
/// arrived before the write is reported by the write (and the read then sees end of file).
fn send_then_end(s: &mut TcpStream, msg: &[u8], timeout: Duration) -> String {
    match s.write_all(msg) {
        Err(e) if e.kind() == ErrorKind::ConnectionReset => "reset".into(),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => "reset (broken pipe)".into(),
        _ => read_end(s, timeout),
    }
}

/// The connections of a live report.
fn connections(v: &Value) -> Vec<Value> {
    v["live"]["connections"].as_array().cloned().unwrap_or_default()
}

fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(f64::NAN)
}

fn ending(c: &Value) -> &str {
    c["ending"].as_str().unwrap_or("?")
}

/// Generous agreement of a measured against a predicted duration in simulated seconds:
/// ±(0.3 s + 20 %). The 0.3 s absorbs the proxy's 1 ms timer steps and scheduling delays
/// times the speed; the 20 % a loaded machine's late wake-ups over a long stall.
fn agrees(measured: f64, predicted: f64) -> bool {
    (measured - predicted).abs() <= 0.3 + 0.2 * predicted
}

// ---------------------------------------------------------------------------------------------
// 1. Fingerprint equality with real traffic through the faults.
// ---------------------------------------------------------------------------------------------

/// Ping-pong clients through the proxy, each its own connection, 64 B every 2 ms until the
/// connection ends (the run's end resets it). Returns the pings each completed.
fn pingers(proxy: SocketAddr, n: usize) -> Vec<JoinHandle<u64>> {
    (0..n)
        .map(|i| {
            let mut s = connect(proxy);
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(60)));
                let msg = [b'a' + (i % 26) as u8; 64];
                let mut done = 0;
                while ping(&mut s, &msg).is_ok() {
                    done += 1;
                    std::thread::sleep(Duration::from_millis(2));
                }
                done
            })
        })
        .collect()
}

/// `live FILE --speed 20 --no-api --json` with sixteen pinging connections, against `faultline
/// run` of the same file and of `reference` (a library name or file that must print the same).
fn fingerprint_case(test: &str, file: &Path, reference: &str) {
    let dir = file.parent().expect("a directory");
    let (run_code, run) = run_json(file.to_str().expect("UTF-8 path"), &[]);
    let (_, reference) = run_json(reference, &[]);
    let mut live = Live::start(dir, file, &["--speed", "20", "--no-api", "--json"]);
    let proxy = live.proxy();
    let clients = pingers(proxy, 16);
    let duration = f(&run["stats"], "simulated_s");
    let out = live.finish(Duration::from_secs_f64(duration / 20.0 + 60.0));
    let pings: Vec<u64> = clients.into_iter().map(|h| h.join().expect("pinger")).collect();
    let v = &out.json;

    let mut c = Checks::new(test);
    c.that(v["fingerprint"] == run["fingerprint"], format!("live fingerprint {} != run {}", v["fingerprint"], run["fingerprint"]));
    c.that(
        run["fingerprint"] == reference["fingerprint"],
        format!("the file with a proxy fingerprints {} but without one {}", run["fingerprint"], reference["fingerprint"]),
    );
    for key in ["verdict", "faults", "traffic", "expectations"] {
        c.that(v[key] == run[key], format!("`{key}` differs:\n live: {}\n run:  {}", v[key], run[key]));
    }
    c.that(out.code == run_code, format!("exit {:?}, run's {run_code:?}", out.code));
    c.that(v["live"]["interrupted"] == false, "interrupted");
    c.that((f(&v["live"], "sim_time_s") - duration).abs() < 1e-9, format!("sim_time_s {} of {duration}", v["live"]["sim_time_s"]));

    // Real bytes went through during every fault, and the faults held some of them.
    let conns = connections(v);
    let first_fault = run["faults"].as_array().into_iter().flatten().map(|x| f(x, "at_s")).fold(f64::INFINITY, f64::min);
    let last_end = run["faults"].as_array().into_iter().flatten().map(|x| f(x, "end_s")).fold(0.0, f64::max);
    c.that(conns.len() == 16, format!("{} connections reported, 16 opened", conns.len()));
    for x in &conns {
        // The 16 clients connect as soon as the proxy listens; the first fault is ≥ 0.5 s of wall
        // time later at --speed 20, ample even on a loaded machine.
        c.that(f(x, "opened_s") < first_fault, format!("connection {} opened at {} s, after the first fault", x["id"], x["opened_s"]));
        c.that(
            x["closed_s"].as_f64().is_none_or(|t| t >= last_end),
            format!("connection {} closed at {} s, inside the faults", x["id"], x["closed_s"]),
        );
        // Every echo came back but, at most, the one ping in flight when the run ended.
        let (up, down) = (x["bytes_up"].as_u64().unwrap_or(0), x["bytes_down"].as_u64().unwrap_or(0));
        c.that(up > 0 && down <= up && down + 64 >= up, format!("connection {}: bytes {up} up {down} down", x["id"]));
    }
    for lf in v["live"]["faults"].as_array().into_iter().flatten() {
        c.that(lf["connections"] == 16, format!("fault {}: {} connections during it", lf["id"], lf["connections"]));
    }
    // Held: its flow stalled (the flagship's stall is ~0.22 s) and the proxy held its bytes.
    let held = conns.iter().filter(|x| f(x, "predicted_stall_max_s") > 0.1 && f(x, "observed_stall_max_s") > 0.05).count();
    c.that(held > 0, "no connection rode a stalled flow and saw its bytes held: the run did not test real bytes through a fault");
    println!(
        "{test}: fingerprint {} (run {}), {} connections, {held} held by a fault, pings per connection {pings:?}",
        v["fingerprint"],
        run["fingerprint"],
        conns.len()
    );
    for x in &conns {
        println!(
            "  conn {:>2} flow {:>2}: predicted stall {:.3} s, observed {:.3} s, {} B each way",
            x["id"],
            x["flow"],
            f(x, "predicted_stall_max_s"),
            f(x, "observed_stall_max_s"),
            x["bytes_up"]
        );
    }
    c.finish();
}

#[test]
fn live_prints_the_fingerprint_of_run_while_real_bytes_cross_a_blackhole() {
    let dir = work_dir("fingerprint");
    let file = fixture(&dir, "fingerprint", echo_server());
    fingerprint_case("live_prints_the_fingerprint_of_run_while_real_bytes_cross_a_blackhole", &file, &file.to_string_lossy());
}

#[test]
fn live_prints_the_fingerprint_of_run_for_the_flagship_with_a_proxy() {
    let dir = work_dir("flagship");
    let text = std::fs::read_to_string(root().join("scenarios-data/facility-power-loss.toml")).expect("the flagship");
    let proxy = "\n[[proxy]]\ntraffic = \"app-db\"\nlisten = \"127.0.0.1:0\"\nupstream = \"127.0.0.1:7\"\n";
    let file = dir.join("facility-power-loss.toml");
    std::fs::write(&file, retarget(&(text + proxy), echo_server())).expect("write the scenario");
    fingerprint_case("live_prints_the_fingerprint_of_run_for_the_flagship_with_a_proxy", &file, "facility-power-loss");
}

// ---------------------------------------------------------------------------------------------
// 2. Redis through a blackhole.
// ---------------------------------------------------------------------------------------------

/// `tests/fixtures/live/redis-blackhole.toml` at --speed 4 (20 s simulated, 5 s of wall
/// time), redis-server behind the proxy and `redis-cli -r … -i 0.01 SET` writing through it on
/// one connection. redis-cli prints each reply as it comes: consecutive `OK`s are one interval
/// plus one SET's latency apart, so the longest gap less the interval is the longest SET.
/// The simulated TCP stall (`faultline run`: 6.544 s) is what the proxy holds the SET for.
#[test]
fn redis_set_latency_through_a_blackhole_matches_the_predicted_stall() {
    let test = "redis_set_latency_through_a_blackhole_matches_the_predicted_stall";
    if !have(test, &["redis-server", "redis-cli"]) {
        return;
    }
    const SPEED: f64 = 4.0;
    const INTERVAL_S: f64 = 0.01;
    let dir = work_dir("redis");
    let redis_addr = closed_port();
    let port = redis_addr.port().to_string();
    let _redis = Guard(
        Command::new("redis-server")
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts"),
    );
    let start = Instant::now();
    while !Command::new("redis-cli").args(["-p", &port, "ping"]).output().is_ok_and(|o| o.stdout.starts_with(b"PONG")) {
        assert!(start.elapsed() < Duration::from_secs(10), "redis-server on port {port} never answered PING");
        std::thread::sleep(Duration::from_millis(50));
    }

    let file = fixture(&dir, "redis-blackhole", redis_addr);
    let (_, run) = run_json(file.to_str().expect("UTF-8"), &[]);
    let run_stall = f(&run["traffic"][0], "stall_max_s");
    let mut live = Live::start(&dir, &file, &["--speed", &SPEED.to_string(), "--no-api", "--json"]);
    let proxy = live.proxy();
    let mut cli = Guard(
        Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &proxy.port().to_string(), "-r", "1000000", "-i", &INTERVAL_S.to_string()])
            .args(["SET", "faultline-live", "through-the-blackhole"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-cli starts"),
    );
    let out = cli.0.stdout.take().expect("piped stdout");
    let replies = std::thread::spawn(move || {
        let mut v: Vec<(Instant, String)> = Vec::new();
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            v.push((Instant::now(), line));
        }
        v
    });
    let done = live.finish(Duration::from_secs(60));
    drop(cli);
    let replies = replies.join().expect("the reply reader");
    let oks: Vec<Instant> = replies.iter().take_while(|(_, l)| l.trim() == "OK").map(|(t, _)| *t).collect();
    let longest_set = oks.windows(2).map(|w| w[1].duration_since(w[0]).as_secs_f64() - INTERVAL_S).fold(0.0, f64::max);
    let client = longest_set * SPEED;

    let v = &done.json;
    let mut c = Checks::new(test);
    c.that(v["fingerprint"] == run["fingerprint"], "the fingerprint differs from `faultline run`");
    c.that(run_stall > 5.0, format!("the fixture's stall is {run_stall} s, not the ~6.5 s it is designed for"));
    c.that(oks.len() > 100, format!("only {} SETs answered: {:?}", oks.len(), replies.iter().take(5).collect::<Vec<_>>()));
    let conns = connections(v);
    c.that(conns.len() == 1, format!("{} connections reported, redis-cli opened one", conns.len()));
    let Some(conn) = conns.first() else { return c.finish() };
    let predicted = f(conn, "predicted_stall_max_s");
    let observed = f(conn, "observed_stall_max_s");
    // The connection is open across the whole stall, so the prediction is the group's stall.
    c.that((predicted - run_stall).abs() < 1e-3, format!("predicted {predicted} s, `faultline run` stall_max {run_stall} s"));
    c.that(agrees(client, predicted), format!("redis-cli's longest SET × {SPEED} = {client:.3} s against predicted {predicted:.3} s"));
    c.that(agrees(observed, predicted), format!("observed stall {observed:.3} s against predicted {predicted:.3} s"));
    c.that(conn["reset"] == false || ending(conn) == "shutdown", format!("the connection ended {}", ending(conn)));
    println!(
        "redis through a 4 s blackhole at --speed {SPEED}: predicted stall {predicted:.3} s (faultline run {run_stall:.3} s), \
         proxy observed {observed:.3} s, redis-cli's longest SET {:.1} ms wall = {client:.3} s simulated; {} SETs, \
         proxy overhead p50 {:.0} µs max {:.0} µs",
        longest_set * 1e3,
        oks.len(),
        f(conn, "overhead_p50_us"),
        f(conn, "overhead_max_us")
    );
    c.finish();
}

// ---------------------------------------------------------------------------------------------
// 3. Ctrl-C and SIGTERM mid-run.
// ---------------------------------------------------------------------------------------------

/// An hour-long run (`quiet.toml`) at --speed 1 with the API on, one connection through the
/// proxy, a second of the run, then `kill -SIG`: exit 2, the JSON report (interrupted, the connection ended by the
/// shutdown), the client reset or closed, both ports closed, the process gone within 10 s.
fn stop_mid_run(test: &str, sig: &str, name: &str) {
    if !have(test, &["kill"]) {
        return;
    }
    let dir = work_dir(&format!("stop-{sig}"));
    let file = fixture(&dir, "quiet", echo_server());
    let mut live = Live::start(&dir, &file, &["--speed", "1", "--api", "127.0.0.1:0", "--json"]);
    let proxy = live.proxy();
    let api = live.api();
    let mut client = connect(proxy);
    client.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    ping(&mut client, b"before the signal").expect("a ping through the proxy");
    wait_sim(api, 1.0);
    let now = sim_now(api).expect("GET /state answers");
    signal(live.pid(), sig);
    // The session stops the driver, resets the connections, waits at most 2 s for the API to
    // close and 20 ms for the connections' records: 10 s covers a loaded CI machine. A task
    // left hanging would keep the process alive until this limit.
    let out = live.finish(Duration::from_secs(10));
    let client_end = read_end(&mut client, Duration::from_secs(5));
    let v = &out.json;
    let mut c = Checks::new(test);
    c.that(out.code == Some(2), format!("exit {:?}, not 2", out.code));
    c.that(out.waited < Duration::from_secs(10), format!("exited {:?} after the signal", out.waited));
    c.that(out.stderr.contains(&format!("live: {name} received; stopping and writing the report")), format!("stderr:\n{}", out.stderr));
    c.that(v["live"]["interrupted"] == true, format!("interrupted = {}", v["live"]["interrupted"]));
    let reached = f(&v["live"], "sim_time_s");
    c.that(reached >= now && reached < 3600.0, format!("sim_time_s {reached} (GET /state said {now} before the signal)"));
    c.that(v["fingerprint"].is_string() && v["traffic"].is_array(), "the run object is missing");
    let conns = connections(v);
    c.that(conns.len() == 1, format!("{} connections", conns.len()));
    if let Some(x) = conns.first() {
        c.that(ending(x) == "shutdown" && x["reset"] == true, format!("the connection ended {} (reset {})", ending(x), x["reset"]));
        c.that(x["bytes_up"] == 17 && x["bytes_down"] == 17, format!("bytes {} up {} down, 17 each way", x["bytes_up"], x["bytes_down"]));
    }
    c.that(client_end == "reset" || client_end == "eof", format!("the client's connection after the signal: {client_end}"));
    let refused =
        |a: SocketAddr| TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_err_and(|e| e.kind() == ErrorKind::ConnectionRefused);
    c.that(refused(proxy), format!("the proxy port {proxy} still accepts after the exit"));
    c.that(refused(api), format!("the API port {api} still accepts after the exit"));
    println!("{test}: exited {:?} after SIG{sig} at {reached:.3} s simulated; client saw {client_end}", out.waited);
    c.finish();
}

#[test]
fn ctrl_c_mid_run_writes_the_report_and_closes_every_port() {
    stop_mid_run("ctrl_c_mid_run_writes_the_report_and_closes_every_port", "INT", "interrupt");
}

#[test]
fn sigterm_mid_run_writes_the_report_and_closes_every_port() {
    stop_mid_run("sigterm_mid_run_writes_the_report_and_closes_every_port", "TERM", "terminate");
}

// ---------------------------------------------------------------------------------------------
// 4. An upstream that is down.
// ---------------------------------------------------------------------------------------------

#[test]
fn an_upstream_that_is_down_resets_the_client_and_the_run_goes_on() {
    let test = "an_upstream_that_is_down_resets_the_client_and_the_run_goes_on";
    if !have(test, &["kill"]) {
        return;
    }
    let dir = work_dir("upstream-down");
    let file = fixture(&dir, "quiet", closed_port());
    let mut live = Live::start(&dir, &file, &["--speed", "1", "--no-api", "--json"]);
    let proxy = live.proxy();
    let mut c = Checks::new(test);
    for i in 0..3 {
        let mut s = connect(proxy);
        let t = Instant::now();
        // The proxy connects upstream after the handshake's simulated round trip (~1.5 ms):
        // the refusal comes at once; 10 s only bounds a hang.
        let end = send_then_end(&mut s, b"anyone there?", Duration::from_secs(10));
        c.that(end.starts_with("reset") || end == "eof", format!("client {i}: {end} after {:?}", t.elapsed()));
        c.that(live.running(), format!("the live process exited after client {i}: {}", live.stderr()));
    }
    signal(live.pid(), "INT");
    let out = live.finish(Duration::from_secs(10));
    let conns = connections(&out.json);
    c.that(conns.len() == 3, format!("{} connections reported, 3 made", conns.len()));
    for x in &conns {
        c.that(
            ending(x) == "upstream_error" && x["reset"] == true,
            format!("connection {} ended {} (reset {})", x["id"], ending(x), x["reset"]),
        );
        c.that(
            x["bytes_up"] == 0 && x["bytes_down"] == 0,
            format!("connection {} moved bytes {} / {}", x["id"], x["bytes_up"], x["bytes_down"]),
        );
    }
    c.that(out.code == Some(2), format!("exit {:?}", out.code));
    c.finish();
}

// ---------------------------------------------------------------------------------------------
// 5. Connecting during an outage.
// ---------------------------------------------------------------------------------------------

/// `syn-outage.toml` at --speed 4: SYN schedule 1 s, 2 s, 4 s (connect() fails 7 s after the
/// first SYN). A client connecting at ~6 s, inside the 4-16 s blackhole, is refused 7 s
/// later; one connecting at ~24.2 s, inside the 24-27 s one, loses its SYNs at +0 and +1 s
/// and gets through with the one at +3 s.
#[test]
fn connecting_during_an_outage_follows_the_syn_schedule() {
    let test = "connecting_during_an_outage_follows_the_syn_schedule";
    const SPEED: f64 = 4.0;
    const GIVE_UP: f64 = 7.0;
    const THIRD_SYN: f64 = 3.0;
    let dir = work_dir("syn");
    let file = fixture(&dir, "syn-outage", echo_server());
    let mut live = Live::start(&dir, &file, &["--speed", &SPEED.to_string(), "--api", "127.0.0.1:0", "--json"]);
    let proxy = live.proxy();
    let api = live.api();

    wait_sim(api, 6.0);
    let mut a = connect(proxy);
    let t = Instant::now();
    let a_end = send_then_end(&mut a, b"a", Duration::from_secs(20));
    let a_wall = t.elapsed().as_secs_f64();

    wait_sim(api, 24.2);
    let mut b = connect(proxy);
    let t = Instant::now();
    b.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let b_ping = ping(&mut b, b"b");
    let b_wall = t.elapsed().as_secs_f64();
    drop(b);

    let out = live.finish(Duration::from_secs(60));
    let conns = connections(&out.json);
    let mut c = Checks::new(test);
    c.that(conns.len() == 2, format!("{} connections", conns.len()));
    c.that(a_end.starts_with("reset"), format!("the client connecting during the long outage saw {a_end}, not a reset"));
    c.that(
        agrees(a_wall * SPEED, GIVE_UP),
        format!("refused after {:.3} s simulated, the schedule gives up at {GIVE_UP} s", a_wall * SPEED),
    );
    c.that(b_ping.is_ok(), format!("the client connecting during the short outage: {b_ping:?}"));
    // Its echo comes one round trip (1.5 ms simulated) after the connection.
    c.that(
        agrees(b_wall * SPEED, THIRD_SYN),
        format!("connected and echoed after {:.3} s simulated, the third SYN goes at {THIRD_SYN} s", b_wall * SPEED),
    );
    if let [ca, cb] = &conns[..] {
        let opened = f(ca, "opened_s");
        // Premise: opened inside the long blackhole, early enough that the schedule runs out in it.
        c.that((4.0..16.0 - GIVE_UP).contains(&opened), format!("the first connection opened at {opened} s, not in [4, 9)"));
        c.that(ending(ca) == "refused" && ca["reset"] == true, format!("the first connection ended {}", ending(ca)));
        let life = f(ca, "closed_s") - opened;
        c.that(life >= GIVE_UP - 0.05 && agrees(life, GIVE_UP), format!("refused {life:.3} s after it opened, not {GIVE_UP} s"));
        let opened = f(cb, "opened_s");
        // Premise: its first two SYNs fall in the 24-27 s blackhole, the third after it.
        c.that((24.0..26.0).contains(&opened), format!("the second connection opened at {opened} s, not in [24, 26)"));
        let delay = f(cb, "connect_delay_s");
        c.that(
            delay >= THIRD_SYN - 0.05 && agrees(delay, THIRD_SYN),
            format!("connect_delay_s {delay:.3}, the third SYN goes at {THIRD_SYN} s"),
        );
        c.that(ending(cb) == "closed", format!("the second connection ended {}", ending(cb)));
        println!(
            "{test}: refused after {life:.3} s simulated (client: {:.3} s; schedule {GIVE_UP} s); connected after {delay:.3} s \
             (client: {:.3} s; third SYN {THIRD_SYN} s)",
            a_wall * SPEED,
            b_wall * SPEED
        );
    }
    c.finish();
}

// ---------------------------------------------------------------------------------------------
// 6. Resets: the simulated connection given up, the endpoint down.
// ---------------------------------------------------------------------------------------------

/// A client pinging through the proxy every 20 ms until its connection fails; returns how it
/// failed and when.
fn pinger_until_error(mut s: TcpStream) -> JoinHandle<(ErrorKind, Instant)> {
    std::thread::spawn(move || {
        let _ = s.set_read_timeout(Some(Duration::from_secs(60)));
        loop {
            if let Err(e) = ping(&mut s, b"ping") {
                return (e.kind(), Instant::now());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    })
}

/// The first record of `kind` in `faultline run FILE --trace`: its simulated time.
fn first_trace(dir: &Path, file: &Path, kind: &str) -> Option<f64> {
    let trace = dir.join("trace.jsonl");
    let o = common::faultline(&["run", file.to_str()?, "-q", "--trace", trace.to_str()?]);
    assert!(o.status.code().is_some(), "faultline run --trace");
    let text = std::fs::read_to_string(&trace).ok()?;
    text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).find(|r| r["kind"] == kind).and_then(|r| r["t_s"].as_f64())
}

/// `reset.toml` at --speed 4: one connection open across the blackhole is reset when the
/// simulated connection gives up (user timeout 2 s, ~6.03 s), one open when the endpoint goes
/// down at 14 s is reset then, and one opened while it is down is reset on connect.
#[test]
fn the_simulated_connection_giving_up_or_its_end_going_down_resets_the_real_one() {
    let test = "the_simulated_connection_giving_up_or_its_end_going_down_resets_the_real_one";
    const SPEED: f64 = 4.0;
    const END_DOWN: f64 = 14.0;
    let dir = work_dir("reset");
    let file = fixture(&dir, "reset", echo_server());
    let abort_at = first_trace(&dir, &file, "connection-aborted").expect("the fixture's simulated connection is given up");
    let mut live = Live::start(&dir, &file, &["--speed", &SPEED.to_string(), "--api", "127.0.0.1:0", "--json"]);
    let proxy = live.proxy();
    let api = live.api();
    wait_sim(api, 1.0);
    let first = pinger_until_error(connect(proxy));
    wait_sim(api, 10.0);
    let second = pinger_until_error(connect(proxy));
    wait_sim(api, 16.0);
    let mut third = connect(proxy);
    let t = Instant::now();
    let third_end = send_then_end(&mut third, b"ping", Duration::from_secs(10));
    let third_wall = t.elapsed().as_secs_f64();
    let (k1, _) = first.join().expect("first pinger");
    let (k2, _) = second.join().expect("second pinger");
    let out = live.finish(Duration::from_secs(60));

    let conns = connections(&out.json);
    let mut c = Checks::new(test);
    c.that(k1 == ErrorKind::ConnectionReset, format!("the connection across the blackhole failed with {k1:?}, not a reset"));
    c.that(k2 == ErrorKind::ConnectionReset, format!("the connection open when the endpoint went down failed with {k2:?}, not a reset"));
    c.that(third_end.starts_with("reset"), format!("the connection opened while the endpoint is down: {third_end}"));
    // Reset on connect: no SYN schedule, only the time to accept and look at the snapshot.
    c.that(third_wall * SPEED < 1.0, format!("reset on connect took {:.3} s simulated", third_wall * SPEED));
    c.that(conns.len() == 3, format!("{} connections", conns.len()));
    if let [c1, c2, c3] = &conns[..] {
        c.that(ending(c1) == "reset_abort", format!("the first connection ended {}", ending(c1)));
        let at = f(c1, "closed_s");
        c.that(
            at >= abort_at - 0.05 && agrees(at - abort_at, 0.0),
            format!("reset at {at:.3} s, the simulated connection gave up at {abort_at:.3} s"),
        );
        c.that(ending(c2) == "reset_end_down", format!("the second connection ended {}", ending(c2)));
        let at = f(c2, "closed_s");
        c.that(at >= END_DOWN - 0.05 && agrees(at - END_DOWN, 0.0), format!("reset at {at:.3} s, the endpoint went down at {END_DOWN} s"));
        c.that(ending(c3) == "reset_end_down", format!("the third connection ended {}", ending(c3)));
        c.that(
            (END_DOWN..20.0).contains(&f(c3, "opened_s")),
            format!("the third connection opened at {} s, not while the endpoint is down", c3["opened_s"]),
        );
        c.that(conns.iter().all(|x| x["reset"] == true), "every connection is reported reset");
        println!(
            "{test}: reset_abort at {:.3} s (simulated abort {abort_at:.3} s), reset_end_down at {:.3} s (endpoint down {END_DOWN} s), \
             reset on connect after {:.1} ms wall",
            f(c1, "closed_s"),
            f(c2, "closed_s"),
            third_wall * 1e3
        );
    }
    c.finish();
}
