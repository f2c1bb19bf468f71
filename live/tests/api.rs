//! The control API of the real `faultline live` binary: the token rule, errors, a proxy with a
//! latency toxic carrying real bytes, Toxiproxy-compatible mode, and a real Toxiproxy client.
//!
//! The binary is the workspace's `faultline` of the same profile as this test (or
//! `$FAULTLINE_BIN`); `cargo test --workspace` builds it. Without a binary that has `live`,
//! or without python3 and the `toxiproxy` module, the tests skip with a loud note, unless
//! `FAULTLINE_NO_SKIP=1`, which makes them fail instead.

#[path = "../src/api/test_client.rs"]
#[allow(dead_code)]
mod test_client;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use test_client::{Resp, request};

fn no_skip() -> bool {
    std::env::var("FAULTLINE_NO_SKIP").as_deref() == Ok("1")
}

/// Skips the calling test with a loud note (or fails it under FAULTLINE_NO_SKIP=1).
fn skip(test: &str, why: &str) {
    assert!(!no_skip(), "{test}: {why} (FAULTLINE_NO_SKIP=1 forbids skipping)");
    eprintln!("\n*** SKIPPED {test}: {why} ***\n");
}

/// The `faultline` binary: `$FAULTLINE_BIN`, else the one beside this test's profile
/// directory (`target/<profile>/faultline`), else `target/release/faultline`.
fn faultline_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FAULTLINE_BIN") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    // target/<profile>/deps/api-<hash>
    let profile_dir = exe.parent()?.parent()?;
    let candidates = [profile_dir.join("faultline"), Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/faultline")];
    candidates.into_iter().find(|p| p.is_file())
}

/// The binary, when it exists and has the `live` subcommand; otherwise the test skips.
fn live_bin(test: &str) -> Option<PathBuf> {
    let Some(bin) = faultline_bin() else {
        skip(test, "no faultline binary found (build it with `cargo build --release`, or set FAULTLINE_BIN)");
        return None;
    };
    match Command::new(&bin).args(["live", "--help"]).output() {
        Ok(o) if o.status.success() => Some(bin),
        _ => {
            skip(test, &format!("{} has no `live` subcommand yet", bin.display()));
            None
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// An echo server on loopback (the upstream the proxies forward to).
fn echo_server() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("echo listener");
    let addr = l.local_addr().expect("addr");
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            std::thread::spawn(move || {
                if let Ok(mut r) = c.try_clone() {
                    let _ = std::io::copy(&mut r, &mut c);
                }
            });
        }
    });
    addr
}

/// A running `faultline live`, killed when dropped.
struct Live {
    child: Child,
    api: SocketAddr,
    token: String,
    dir: PathBuf,
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

static SEQ: AtomicU32 = AtomicU32::new(0);

/// The channel-cut scenario, an hour long (so no test outlives it), with one `[[proxy]]`
/// for `app-db` in front of `upstream`.
fn scenario_text(proxy_port: u16, upstream: SocketAddr) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios-data/channel-cut.toml");
    let text = std::fs::read_to_string(&path).expect("channel-cut.toml");
    assert!(text.contains("duration = \"120s\""), "channel-cut.toml changed its duration line");
    let text = text.replace("duration = \"120s\"", "duration = \"3600s\"");
    format!("{text}\n[[proxy]]\ntraffic = \"app-db\"\nlisten = \"127.0.0.1:{proxy_port}\"\nupstream = \"{upstream}\"\n")
}

/// Starts `faultline live` with the API on a free loopback port and `extra` flags; waits
/// until the API answers.
fn start(bin: &Path, extra: &[&str], upstream: SocketAddr) -> Live {
    let dir = std::env::temp_dir().join(format!("faultline-api-test-{}-{}", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let scenario = dir.join("live.toml");
    std::fs::write(&scenario, scenario_text(free_port(), upstream)).expect("scenario");
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("api-test-token-{}\n", std::process::id())).expect("token file");
    let api: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let stderr = std::fs::File::create(dir.join("stderr")).expect("stderr file");
    let stdout = std::fs::File::create(dir.join("stdout")).expect("stdout file");
    let child = Command::new(bin)
        .arg("live")
        .arg(&scenario)
        .args(["--api", &api.to_string(), "--speed", "1", "--token-file"])
        .arg(&token_file)
        .args(extra)
        .env_remove("FAULTLINE_TOKEN")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("faultline live starts");
    let mut live = Live { child, api, token: String::new(), dir };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = live.child.try_wait() {
            let err = std::fs::read_to_string(live.dir.join("stderr")).unwrap_or_default();
            panic!("faultline live exited ({status}) before its API answered:\n{err}");
        }
        if TcpStream::connect(api).is_ok() && request(api, "GET", "/version", &[], None).status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the API on {api} did not answer within 60 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The token the session uses: the file's (read, or written when it generated one).
    live.token = std::fs::read_to_string(&token_file).expect("token file").trim().to_string();
    assert!(!live.token.is_empty(), "empty token file");
    live
}

impl Live {
    fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }

    fn get(&self, path: &str) -> Resp {
        request(self.api, "GET", path, &[], None)
    }

    fn send(&self, method: &str, path: &str, body: Option<&str>) -> Resp {
        let auth = self.bearer();
        request(self.api, method, path, &[("Authorization", &auth)], body)
    }
}

/// Sends `ping` through `listen` and returns the echo's round-trip time.
fn echo_through(listen: &str) -> Duration {
    let start = Instant::now();
    let mut s = TcpStream::connect(listen).expect("connect through the proxy");
    s.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    s.write_all(b"ping").expect("write");
    let mut got = [0u8; 4];
    s.read_exact(&mut got).expect("the echo comes back");
    assert_eq!(&got, b"ping");
    start.elapsed()
}

#[test]
fn live_api_mutations_need_the_token() {
    let Some(bin) = live_bin("live_api_mutations_need_the_token") else { return };
    let live = start(&bin, &[], echo_server());
    let state = live.get("/state");
    assert_eq!(state.status, 200, "{}", state.body);
    assert!(state.json()["now_s"].is_number(), "{}", state.body);
    assert_eq!(live.get("/scenario").json()["name"], "channel-cut");
    for (method, path, body) in [
        ("POST", "/faults", Some(r#"{"id": "x", "cut": "ash/ch2", "for": "5s"}"#)),
        ("DELETE", "/faults/x", None),
        ("POST", "/pause", None),
        ("POST", "/resume", None),
        ("POST", "/proxies", Some(r#"{"name": "p", "upstream": "127.0.0.1:1"}"#)),
        ("POST", "/reset", None),
    ] {
        let msg = request(live.api, method, path, &[], body).assert_error(401);
        assert!(msg.contains("Bearer"), "{method} {path}: {msg}");
        request(live.api, method, path, &[("Authorization", "Bearer not-the-token")], body).assert_error(401);
    }
    // Nothing was injected.
    assert_eq!(live.get("/state").json()["injected"], json!([]));
    // With the token: pause and resume.
    assert_eq!(live.send("POST", "/pause", None).status, 200);
    assert_eq!(live.get("/state").json()["paused"], true);
    assert_eq!(live.send("POST", "/resume", None).status, 200);
    assert_eq!(live.get("/state").json()["paused"], false);
}

#[test]
fn live_api_faults_and_errors() {
    let Some(bin) = live_bin("live_api_faults_and_errors") else { return };
    let live = start(&bin, &[], echo_server());
    live.get("/nowhere").assert_error(404);
    live.send("PUT", "/state", Some("{}")).assert_error(405);
    live.send("POST", "/faults", Some("{oops")).assert_error(400);
    let msg = live.send("POST", "/faults", Some(r#"{"id": "b1", "cut": "ash/ch2", "bogus": 1}"#)).assert_error(400);
    assert!(msg.contains("bogus"), "{msg}");
    let msg = live.send("POST", "/faults", Some(r#"{"id": "b2", "cut": "ash/nope", "for": "5s"}"#)).assert_error(400);
    assert!(msg.contains("nope"), "{msg}");

    let r = live.send("POST", "/faults", Some(r#"{"id": "cut-x", "cut": "ash/ch3", "for": "600s"}"#));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["id"], "cut-x");
    live.send("POST", "/faults", Some(r#"{"id": "cut-x", "cut": "ash/ch3", "for": "600s"}"#)).assert_error(409);
    let scripted = live.send("POST", "/faults", Some(r#"{"id": "cut-ch2", "cut": "ash/ch3"}"#));
    assert!(scripted.status == 400 || scripted.status == 409, "{scripted:?}");
    scripted.assert_error(scripted.status);
    // No id: one is generated.
    let r = live.send("POST", "/faults", Some(r#"{"cut": "ash/ch4", "for": "600s"}"#));
    assert_eq!(r.status, 201, "{}", r.body);
    let generated = r.json()["id"].as_str().expect("id").to_string();
    assert!(generated.starts_with("api-"), "{generated}");

    let r = live.send("DELETE", &format!("/faults/{generated}"), None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["repaired_ns"].is_u64(), "{}", r.body);
    live.send("DELETE", &format!("/faults/{generated}"), None).assert_error(409);
    live.send("DELETE", "/faults/never-injected", None).assert_error(404);
    live.send("DELETE", "/faults/cut-ch2", None).assert_error(409);
    let injected = live.get("/state").json()["injected"].clone();
    assert_eq!(injected.as_array().map(Vec::len), Some(2), "{injected}");
}

#[test]
fn live_api_proxy_with_latency_toxic_round_trip() {
    let Some(bin) = live_bin("live_api_proxy_with_latency_toxic_round_trip") else { return };
    let echo = echo_server();
    let live = start(&bin, &[], echo);
    // The scenario's own proxy is listed, bound to its traffic group.
    let index = live.get("/proxies").json();
    assert_eq!(index["app-db"]["traffic"], "app-db", "{index}");

    let body = json!({"name": "echo", "listen": "127.0.0.1:0", "upstream": echo.to_string()}).to_string();
    let r = live.send("POST", "/proxies", Some(&body));
    assert_eq!(r.status, 201, "{}", r.body);
    let listen = r.json()["listen"].as_str().expect("listen").to_string();
    assert_eq!(r.json()["enabled"], true);
    live.send("POST", "/proxies", Some(&body)).assert_error(409);
    live.get("/proxies/nope").assert_error(404);
    live.send("POST", "/proxies", Some(r#"{"name": "x"}"#)).assert_error(400);

    let plain = echo_through(&listen);
    let r = live.send("POST", "/proxies/echo/toxics", Some(r#"{"type": "latency", "attributes": {"latency": 300}}"#));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["name"], "latency_downstream");
    let msg = live.send("POST", "/proxies/echo/toxics", Some(r#"{"type": "slicer"}"#)).assert_error(400);
    assert!(msg.contains("slicer") && msg.contains("latency"), "{msg}");
    live.send("POST", "/proxies/echo/toxics", Some(r#"{"type": "latency"}"#)).assert_error(409);
    let slow = echo_through(&listen);
    eprintln!("echo round trip: {plain:?} without the toxic, {slow:?} with 300 ms of latency");
    assert!(slow >= Duration::from_millis(295), "the latency toxic did not delay the echo: {slow:?}");
    assert_eq!(live.get("/proxies/echo/toxics").json().as_array().map(Vec::len), Some(1));

    let r = live.send("DELETE", "/proxies/echo/toxics/latency_downstream", None);
    assert_eq!(r.status, 204, "{}", r.body);
    live.send("DELETE", "/proxies/echo/toxics/latency_downstream", None).assert_error(404);
    let r = live.send("DELETE", "/proxies/echo", None);
    assert_eq!(r.status, 204, "{}", r.body);
    live.send("DELETE", "/proxies/echo", None).assert_error(404);
    assert!(live.get("/proxies").json().get("echo").is_none());
    assert!(TcpStream::connect(&listen).is_err() || echo_fails(&listen), "the deleted proxy still forwards");
}

/// Whether a connection to `listen` fails to echo (closed or reset): the proxy is gone.
fn echo_fails(listen: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(listen) else { return true };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = s.write_all(b"ping");
    let mut got = [0u8; 4];
    s.read_exact(&mut got).is_err()
}

#[test]
fn live_api_toxiproxy_compat_needs_no_token_for_toxiproxy_endpoints_only() {
    let Some(bin) = live_bin("live_api_toxiproxy_compat_needs_no_token_for_toxiproxy_endpoints_only") else { return };
    let echo = echo_server();
    let live = start(&bin, &["--toxiproxy-compat"], echo);
    let body = json!({"name": "open", "listen": "127.0.0.1:0", "upstream": echo.to_string()}).to_string();
    let r = request(live.api, "POST", "/proxies", &[], Some(&body));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(request(live.api, "POST", "/reset", &[], None).status, 204);
    request(live.api, "POST", "/pause", &[], None).assert_error(401);
    request(live.api, "POST", "/faults", &[], Some(r#"{"cut": "ash/ch2"}"#)).assert_error(401);
    request(live.api, "POST", "/reset", &[("User-Agent", "Mozilla/5.0")], None).assert_error(403);
}

#[test]
fn toxiproxy_python_client_drives_live() {
    let test = "toxiproxy_python_client_drives_live";
    let Some(bin) = live_bin(test) else { return };
    let has_module = Command::new("python3").args(["-c", "import toxiproxy"]).output().is_ok_and(|o| o.status.success());
    if !has_module {
        skip(test, "python3 with the `toxiproxy` module is not available (python3 -m pip install toxiproxy-python==0.1.1)");
        return;
    }
    let echo = echo_server();
    let live = start(&bin, &["--toxiproxy-compat"], echo);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/toxiproxy_client.py");
    let out = Command::new("python3")
        .arg(script)
        .args([live.api.ip().to_string(), live.api.port().to_string(), echo.port().to_string()])
        .output()
        .expect("python3 runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("OK"), "the Toxiproxy client failed:\n{text}");
    eprintln!("{text}");
    assert_eq!(live.get("/state").status, 200, "the session is still up");
}
