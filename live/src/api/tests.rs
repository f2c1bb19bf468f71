//! The API served for real (TCP, axum) against a fake driver thread and a real proxy
//! registry: status codes, JSON shapes, the access rules.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc;

use serde_json::{Value, json};
use sim_core::SimTime;
use tokio::sync::watch;

use super::test_client::{Resp, request, send_raw};
use super::*;
use crate::control::{Cmd, ControlError, ScenarioInfo};
use crate::proxy::Shared as ProxyShared;
use crate::report::ConnectionLog;
use crate::state::{FaultState, InjectedFault, Snapshot, StateView};
use crate::toxic::{Stream, Toxic, ToxicKind};

const TOKEN: &str = "s3cret-token";

/// A driver that records injected faults: `cut = "nope"` is an unknown target (404), a
/// `bogus` key is invalid (400), a duplicate id conflicts (409); `api-1` is taken by the
/// scenario (a generated id must skip it).
fn fake_driver() -> Handle {
    let (tx, rx) = mpsc::channel::<Cmd>();
    std::thread::spawn(move || {
        let scripted = vec![
            FaultState {
                id: "cut-ch2".into(),
                kind: "cut".into(),
                target: "ash/ch2".into(),
                start_ns: Some(0),
                end_ns: None,
                active: false,
            },
            FaultState { id: "api-1".into(), kind: "cut".into(), target: "ash/ch1".into(), start_ns: Some(0), end_ns: None, active: false },
        ];
        let mut injected: Vec<InjectedFault> = Vec::new();
        let mut paused = false;
        for cmd in rx {
            match cmd {
                Cmd::Inject { request, reply } => {
                    let id = request["id"].as_str().unwrap_or_default().to_string();
                    let target = request["cut"].as_str().unwrap_or_default().to_string();
                    let r = if request.get("bogus").is_some() {
                        Err(ControlError::Invalid("unknown key `bogus` in a fault".into()))
                    } else if target == "nope" {
                        Err(ControlError::NotFound("no link `nope`".into()))
                    } else if target == "late" {
                        Err(ControlError::Finished)
                    } else if scripted.iter().any(|f| f.id == id) || injected.iter().any(|f| f.id == id) {
                        Err(ControlError::Conflict(format!("a fault named `{id}` already exists")))
                    } else {
                        let f = InjectedFault { id, target, at_ns: 1_000, repaired_ns: None, table: "[[fault]]".into() };
                        injected.push(f.clone());
                        Ok(f)
                    };
                    let _ = reply.send(r);
                }
                Cmd::Repair { id, reply } => {
                    let r = match injected.iter_mut().find(|f| f.id == id) {
                        None => Err(ControlError::NotFound(format!("no fault `{id}`"))),
                        Some(f) if f.repaired_ns.is_some() => Err(ControlError::Conflict(format!("fault `{id}` is already repaired"))),
                        Some(f) => {
                            f.repaired_ns = Some(2_000);
                            Ok(f.clone())
                        }
                    };
                    let _ = reply.send(r);
                }
                Cmd::Pause { reply } => {
                    paused = true;
                    let _ = reply.send(Ok(()));
                }
                Cmd::Resume { reply } => {
                    paused = false;
                    let _ = reply.send(Ok(()));
                }
                Cmd::State { reply } => {
                    let _ = reply.send(Ok(StateView {
                        scenario: "fake".into(),
                        seed: 7,
                        now_ns: 0,
                        now_s: 0.0,
                        end_ns: 1,
                        speed: 1.0,
                        paused,
                        finished: false,
                        fingerprint: "0".into(),
                        links: vec![],
                        faults: scripted.clone(),
                        injected: injected.clone(),
                        connections: vec![],
                    }));
                }
                Cmd::Stop => break,
            }
        }
    });
    Handle { tx, scenario: Arc::new(ScenarioInfo { name: "fake".into(), origin: "fake.toml".into(), seed: 7, text: "[scenario]".into() }) }
}

/// A served API: its address, and what keeps it (and its registry) alive.
struct Server {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
    _keep: (watch::Sender<Arc<Snapshot>>, watch::Sender<bool>),
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn server_with(compat: bool, allow_remote: bool, handle: Handle) -> Server {
    let snap = Snapshot {
        now: SimTime::ZERO,
        end: SimTime::ZERO,
        speed: 1.0,
        paused: false,
        finished: false,
        groups: vec![],
        wall: std::time::Instant::now(),
    };
    let (snap_tx, snap_rx) = watch::channel(Arc::new(snap));
    let (stop_tx, stop_rx) = watch::channel(false);
    let (addr_tx, addr_rx) = mpsc::channel();
    let (shutdown, shutdown_rx) = watch::channel(false);
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        rt.block_on(async move {
            let proxies = Proxies::new(ProxyShared {
                snapshot: snap_rx,
                log: ConnectionLog::default(),
                seed: 7,
                groups: Arc::new(vec!["app-db".into()]),
                shutdown: stop_rx,
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let _ = addr_tx.send(listener.local_addr()?);
            let state = ApiState { handle, proxies, token: Arc::new(TOKEN.into()), toxiproxy_compat: compat, allow_remote };
            serve(listener, state, shutdown_rx).await
        })
    });
    let addr = addr_rx.recv().expect("the server starts");
    Server { addr, shutdown, thread: Some(thread), _keep: (snap_tx, stop_tx) }
}

fn server(compat: bool) -> Server {
    server_with(compat, false, fake_driver())
}

const AUTH: (&str, &str) = ("Authorization", "Bearer s3cret-token");

fn get(s: &Server, path: &str) -> Resp {
    request(s.addr, "GET", path, &[], None)
}

fn post(s: &Server, path: &str, body: &str) -> Resp {
    request(s.addr, "POST", path, &[AUTH], Some(body))
}

fn delete(s: &Server, path: &str) -> Resp {
    request(s.addr, "DELETE", path, &[AUTH], None)
}

// ---------------------------------------------------------------------------------------
// Conversions

#[test]
fn toxic_defaults_follow_toxiproxy() {
    let t = toxic_from_json(&json!({"type": "latency", "attributes": {"latency": 100}})).expect("valid");
    assert_eq!(
        t,
        Toxic {
            name: "latency_downstream".into(),
            kind: ToxicKind::Latency { latency_ms: 100, jitter_ms: 0 },
            stream: Stream::Downstream,
            toxicity: 1.0
        }
    );
    let t = toxic_from_json(&json!({"type": "bandwidth", "stream": "upstream", "name": "", "toxicity": 0.5, "attributes": {"rate": 64}}))
        .expect("valid");
    assert_eq!(
        t,
        Toxic { name: "bandwidth_upstream".into(), kind: ToxicKind::Bandwidth { rate_kbps: 64 }, stream: Stream::Upstream, toxicity: 0.5 }
    );
    // No attributes at all: zero values, as Toxiproxy starts from.
    let t = toxic_from_json(&json!({"type": "timeout", "name": "t"})).expect("valid");
    assert_eq!(t.kind, ToxicKind::Timeout { timeout_ms: 0 });
}

#[test]
fn toxic_json_round_trips_every_kind_with_toxiproxy_attribute_names() {
    let cases = [
        (ToxicKind::Latency { latency_ms: 5, jitter_ms: 2 }, json!({"latency": 5, "jitter": 2})),
        (ToxicKind::Bandwidth { rate_kbps: 9 }, json!({"rate": 9})),
        (ToxicKind::Timeout { timeout_ms: 3 }, json!({"timeout": 3})),
        (ToxicKind::ResetPeer { timeout_ms: 4 }, json!({"timeout": 4})),
        (ToxicKind::LimitData { bytes: 10 }, json!({"bytes": 10})),
        (ToxicKind::SlowClose { delay_ms: 6 }, json!({"delay": 6})),
    ];
    for (kind, attrs) in cases {
        let t = Toxic { name: "x".into(), kind, stream: Stream::Upstream, toxicity: 0.25 };
        let v = toxic_json(&t);
        assert_eq!(v, json!({"name": "x", "type": kind.type_name(), "stream": "upstream", "toxicity": 0.25, "attributes": attrs}));
        assert_eq!(toxic_from_json(&v).expect("round trip"), t);
    }
}

#[test]
fn toxic_update_merges_attributes_and_keeps_identity() {
    let t =
        Toxic { name: "lat".into(), kind: ToxicKind::Latency { latency_ms: 100, jitter_ms: 10 }, stream: Stream::Upstream, toxicity: 1.0 };
    let u = toxic_update(&t, &json!({"attributes": {"latency": 1000}, "type": "bandwidth", "name": "other"})).expect("valid");
    assert_eq!(u, Toxic { kind: ToxicKind::Latency { latency_ms: 1000, jitter_ms: 10 }, ..t.clone() });
    let u = toxic_update(&t, &json!({"toxicity": 0.1})).expect("valid");
    assert_eq!(u.toxicity, 0.1);
    assert_eq!(u.kind, t.kind);
}

#[test]
fn bad_toxics_name_the_problem() {
    let e = toxic_from_json(&json!({"type": "slicer"})).expect_err("unsupported");
    assert_eq!(e.status, 400);
    assert!(e.message.contains("`slicer`") && SUPPORTED_TOXICS.iter().all(|t| e.message.contains(t)), "{}", e.message);
    let e = toxic_from_json(&json!({"attributes": {}})).expect_err("no type");
    assert!(e.message.contains("needs a `type`"), "{}", e.message);
    let e = toxic_from_json(&json!({"type": "latency", "stream": "sideways"})).expect_err("stream");
    assert!(e.message.contains("upstream or downstream"), "{}", e.message);
    for (attrs, what) in [
        (json!({"latency": -1}), "non-negative integer"),
        (json!({"latency": 1.5}), "non-negative integer"),
        (json!({"latency": "100"}), "non-negative integer"),
        (json!({"latency": 1u64 << 60}), "too large"),
    ] {
        let e = toxic_from_json(&json!({"type": "latency", "attributes": attrs})).expect_err("bad attribute");
        assert!(e.message.contains("`latency`") && e.message.contains(what), "{}", e.message);
    }
    for toxicity in [json!(1.5), json!(-0.1), json!("1")] {
        let e = toxic_from_json(&json!({"type": "latency", "toxicity": toxicity})).expect_err("toxicity");
        assert!(e.message.contains("toxicity"), "{}", e.message);
    }
    assert_eq!(toxic_from_json(&json!([1, 2])).expect_err("not an object").status, 400);
    // A whole float is an integer (some clients send 100.0).
    assert_eq!(
        toxic_from_json(&json!({"type": "latency", "attributes": {"latency": 100.0}})).expect("whole").kind,
        ToxicKind::Latency { latency_ms: 100, jitter_ms: 0 }
    );
}

// ---------------------------------------------------------------------------------------
// Access rules

#[test]
fn peer_check_refuses_off_loopback_unless_allowed() {
    let lo4: SocketAddr = "127.0.0.1:5000".parse().expect("addr");
    let lo6: SocketAddr = "[::1]:5000".parse().expect("addr");
    let mapped: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().expect("addr");
    let remote: SocketAddr = "192.0.2.7:5000".parse().expect("addr");
    for ok in [lo4, lo6, mapped] {
        assert!(check_peer(Some(ok), false).is_ok(), "{ok}");
    }
    let e = check_peer(Some(remote), false).expect_err("remote");
    assert_eq!(e.status, 403);
    assert!(e.message.contains("192.0.2.7") && e.message.contains("--allow-remote"), "{}", e.message);
    assert_eq!(check_peer(None, false).expect_err("unknown peer").status, 403);
    assert!(check_peer(Some(remote), true).is_ok());
}

#[test]
fn token_compare() {
    assert!(token_matches("abc", "abc"));
    assert!(!token_matches("abd", "abc"));
    assert!(!token_matches("ab", "abc"));
    assert!(!token_matches("", ""), "an empty token matches nothing");
    use axum::http::{HeaderMap, HeaderValue, header};
    let mut h = HeaderMap::new();
    assert_eq!(guard::auth_of(&h, "abc"), guard::Auth::Missing);
    h.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer   abc "));
    assert_eq!(guard::auth_of(&h, "abc"), guard::Auth::Valid);
    h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
    assert!(matches!(guard::auth_of(&h, "abc"), guard::Auth::Invalid(_)));
}

#[test]
fn loopback_hosts() {
    for h in ["127.0.0.1:8474", "127.0.0.1", "localhost:8474", "LOCALHOST", "[::1]:8474", "a.localhost", "127.1.2.3"] {
        assert!(guard::is_loopback_host(h), "{h}");
    }
    for h in ["evil.example:8474", "192.0.2.1", "[2001:db8::1]:80", "localhost.evil.example", ""] {
        assert!(!guard::is_loopback_host(h), "{h}");
    }
}

#[test]
fn mutating_requests_need_the_token() {
    let s = server(false);
    // Reads need none.
    assert_eq!(get(&s, "/state").status, 200);
    assert_eq!(get(&s, "/proxies").status, 200);
    for (method, path) in
        [("POST", "/faults"), ("DELETE", "/faults/x"), ("POST", "/pause"), ("POST", "/resume"), ("POST", "/proxies"), ("POST", "/reset")]
    {
        let r = request(s.addr, method, path, &[], Some("{}"));
        let msg = r.assert_error(401);
        assert!(msg.contains("Bearer"), "{msg}");
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        let r = request(s.addr, method, path, &[("Authorization", "Bearer wrong")], Some("{}"));
        assert!(r.assert_error(401).contains("wrong"));
    }
    let msg = request(s.addr, "POST", "/proxies", &[], Some("{}")).assert_error(401);
    assert!(msg.contains("--toxiproxy-compat"), "{msg}");
    assert_eq!(post(&s, "/pause", "").status, 200);
}

#[test]
fn toxiproxy_compat_opens_only_toxiproxy_endpoints_and_not_to_browsers() {
    let s = server(true);
    let body = r#"{"name": "p", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:9"}"#;
    assert_eq!(request(s.addr, "POST", "/proxies", &[], Some(body)).status, 201);
    assert_eq!(request(s.addr, "POST", "/reset", &[], None).status, 204);
    // Native endpoints still need the token.
    request(s.addr, "POST", "/pause", &[], None).assert_error(401);
    request(s.addr, "POST", "/faults", &[], Some(r#"{"cut": "ash/ch2"}"#)).assert_error(401);
    // A web page may not use the open door.
    let msg = request(s.addr, "POST", "/reset", &[("User-Agent", "Mozilla/5.0 (X11)")], None).assert_error(403);
    assert!(msg.contains("User agent not allowed"), "{msg}");
    request(s.addr, "POST", "/reset", &[("Origin", "http://evil.example")], None).assert_error(403);
    request(s.addr, "POST", "/reset", &[("Host", "evil.example:8474")], None).assert_error(403);
    // The token opens it to anyone on loopback.
    assert_eq!(request(s.addr, "POST", "/reset", &[AUTH, ("User-Agent", "Mozilla/5.0")], None).status, 204);
}

#[test]
fn dns_rebinding_host_is_refused_without_the_token() {
    let s = server(false);
    request(s.addr, "GET", "/state", &[("Host", "evil.example")], None).assert_error(403);
    assert_eq!(request(s.addr, "GET", "/state", &[("Host", "localhost:8474")], None).status, 200);
    assert_eq!(request(s.addr, "GET", "/state", &[("Host", "evil.example"), AUTH], None).status, 200);
    // With remote access allowed, any Host is fine (the peer rule is off too).
    let r = server_with(false, true, fake_driver());
    assert_eq!(request(r.addr, "GET", "/state", &[("Host", "faultline.example")], None).status, 200);
}

// ---------------------------------------------------------------------------------------
// Errors are JSON

#[test]
fn errors_are_json_for_routes_methods_and_bodies() {
    let s = server(false);
    let msg = get(&s, "/nowhere").assert_error(404);
    assert!(msg.contains("/nowhere"), "{msg}");
    let r = request(s.addr, "PUT", "/state", &[AUTH], Some("{}"));
    let msg = r.assert_error(405);
    assert!(msg.contains("PUT") && msg.contains("/state"), "{msg}");
    assert!(r.header("allow").is_some_and(|a| a.contains("GET")), "{r:?}");
    let msg = post(&s, "/faults", "{not json").assert_error(400);
    assert!(msg.contains("bad request body"), "{msg}");
    let msg = post(&s, "/faults", "").assert_error(400);
    assert!(msg.contains("empty"), "{msg}");
    post(&s, "/faults", "[1]").assert_error(400);
    post(&s, "/faults", r#"{"id": 5, "cut": "ash/ch2"}"#).assert_error(400);
    // Deep nesting is refused, not a stack overflow.
    let deep = "[".repeat(100_000);
    post(&s, "/faults", &deep).assert_error(400);
    // Over 1 MiB.
    let big = format!(r#"{{"id": "x", "pad": "{}"}}"#, "a".repeat(BODY_LIMIT + 1));
    let msg = post(&s, "/faults", &big).assert_error(413);
    assert!(msg.contains("1 MiB"), "{msg}");
    // Bad percent-encoding in a path segment, a header that is not UTF-8: still JSON, still up.
    let r = request(s.addr, "DELETE", "/faults/%FF%FE", &[AUTH], None);
    assert!(r.status == 400 || r.status == 404, "{r:?}");
    r.assert_error(r.status);
    let raw =
        b"POST /pause HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \xff\xfe\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    send_raw(s.addr, raw).assert_error(401);
    let garbage = send_raw(s.addr, b"\x00\x01\x02 nonsense\r\n\r\n");
    assert!(garbage.status >= 400, "{garbage:?}");
    assert_eq!(get(&s, "/state").status, 200, "the server survives");
}

#[test]
fn a_stopped_driver_is_503() {
    let (tx, rx) = mpsc::channel::<Cmd>();
    drop(rx);
    let handle = Handle { tx, scenario: Arc::new(ScenarioInfo { name: "x".into(), origin: "x".into(), seed: 1, text: String::new() }) };
    let s = server_with(false, false, handle);
    get(&s, "/state").assert_error(503);
    post(&s, "/pause", "").assert_error(503);
    assert_eq!(get(&s, "/scenario").status, 200, "the scenario is known without the driver");
}

// ---------------------------------------------------------------------------------------
// Native endpoints

#[test]
fn faults_inject_and_repair() {
    let s = server(false);
    let r = post(&s, "/faults", r#"{"id": "cut-1", "cut": "ash/ch2", "for": "30s"}"#);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["id"], "cut-1");
    // Generated ids skip what the scenario names (`api-1` is scripted there).
    let r = post(&s, "/faults", r#"{"cut": "ash/ch3"}"#);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["id"], "api-2");
    assert_eq!(post(&s, "/faults", r#"{"cut": "ash/ch3"}"#).json()["id"], "api-3");
    post(&s, "/faults", r#"{"id": "cut-1", "cut": "ash/ch2"}"#).assert_error(409);
    post(&s, "/faults", r#"{"id": "cut-2", "cut": "nope"}"#).assert_error(404);
    post(&s, "/faults", r#"{"id": "cut-3", "cut": "ash/ch2", "bogus": 1}"#).assert_error(400);
    post(&s, "/faults", r#"{"id": "cut-4", "cut": "late"}"#).assert_error(409);
    let r = delete(&s, "/faults/cut-1");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["repaired_ns"], 2_000);
    delete(&s, "/faults/cut-1").assert_error(409);
    delete(&s, "/faults/missing").assert_error(404);
    let state = get(&s, "/state").json();
    assert_eq!(state["injected"].as_array().map(Vec::len), Some(3));
    assert_eq!(get(&s, "/scenario").json()["origin"], "fake.toml");
}

#[test]
fn pause_and_resume() {
    let s = server(false);
    assert_eq!(post(&s, "/pause", "").json(), json!({"paused": true}));
    assert_eq!(get(&s, "/state").json()["paused"], true);
    assert_eq!(post(&s, "/resume", "").json(), json!({"paused": false}));
    assert_eq!(get(&s, "/state").json()["paused"], false);
}

// ---------------------------------------------------------------------------------------
// Toxiproxy endpoints

#[test]
fn toxiproxy_proxy_and_toxic_lifecycle() {
    let s = server(false);
    assert!(get(&s, "/version").json()["version"].is_string());
    assert_eq!(get(&s, "/proxies").json(), json!({}));
    // Create: 201, the bound address, enabled by default; `traffic` binds a group.
    let r = post(&s, "/proxies", r#"{"name": "db", "listen": "localhost:0", "upstream": "127.0.0.1:5432", "traffic": "app-db"}"#);
    assert_eq!(r.status, 201, "{}", r.body);
    let p = r.json();
    assert_eq!(p["name"], "db");
    assert_eq!(p["enabled"], true);
    assert_eq!(p["traffic"], "app-db");
    assert_eq!(p["toxics"], json!([]));
    let listen = p["listen"].as_str().expect("listen").to_string();
    assert!(listen.starts_with("127.0.0.1:") && !listen.ends_with(":0"), "{listen}");
    // A proxy named after no group is toxics-only.
    let r = post(&s, "/proxies", r#"{"name": "cache", "upstream": "127.0.0.1:6379"}"#);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["traffic"], Value::Null);
    assert_eq!(r.json()["listen"].as_str().map(|l| l.starts_with("127.0.0.1:")), Some(true));

    post(&s, "/proxies", r#"{"name": "db", "upstream": "127.0.0.1:5432"}"#).assert_error(409);
    assert!(post(&s, "/proxies", r#"{"upstream": "127.0.0.1:5432"}"#).assert_error(400).contains("missing required field: name"));
    assert!(post(&s, "/proxies", r#"{"name": "x"}"#).assert_error(400).contains("missing required field: upstream"));
    post(&s, "/proxies", r#"{"name": "x", "upstream": "nowhere"}"#).assert_error(400);
    post(&s, "/proxies", r#"{"name": "x", "upstream": "127.0.0.1:1", "enabled": "yes"}"#).assert_error(400);
    post(&s, "/proxies", r#"{"name": "x", "upstream": "127.0.0.1:1", "traffic": "no-such-group"}"#).assert_error(400);
    // Listening where another proxy listens: 500, as Toxiproxy answers a listen failure.
    let msg = post(&s, "/proxies", &format!(r#"{{"name": "y", "listen": "{listen}", "upstream": "127.0.0.1:1"}}"#)).assert_error(500);
    assert!(msg.contains(&listen), "{msg}");

    let index = get(&s, "/proxies").json();
    assert_eq!(index.as_object().map(|o| o.len()), Some(2));
    assert_eq!(index["db"]["upstream"], "127.0.0.1:5432");
    get(&s, "/proxies/nope").assert_error(404);

    // Toxics: create answers 200 (as Toxiproxy), defaults filled in.
    let r = post(&s, "/proxies/db/toxics", r#"{"type": "latency", "attributes": {"latency": 100, "jitter": 10}}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"name": "latency_downstream", "type": "latency", "stream": "downstream", "toxicity": 1.0, "attributes": {"latency": 100, "jitter": 10}})
    );
    let r = post(&s, "/proxies/db/toxics", r#"{"name": "bw", "type": "bandwidth", "stream": "upstream", "attributes": {"rate": 100}}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    post(&s, "/proxies/db/toxics", r#"{"type": "latency"}"#).assert_error(409);
    let msg = post(&s, "/proxies/db/toxics", r#"{"type": "slicer"}"#).assert_error(400);
    assert!(msg.contains("slicer") && msg.contains("slow_close"), "{msg}");
    post(&s, "/proxies/nope/toxics", r#"{"type": "latency"}"#).assert_error(404);
    // Listed upstream first, as Toxiproxy's chains are.
    let toxics = get(&s, "/proxies/db/toxics").json();
    let names: Vec<&str> = toxics.as_array().expect("array").iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["bw", "latency_downstream"]);
    assert_eq!(get(&s, "/proxies/db").json()["toxics"], toxics);
    assert_eq!(get(&s, "/proxies/db/toxics/bw").json()["attributes"]["rate"], 100);
    get(&s, "/proxies/db/toxics/nope").assert_error(404);
    // Update: only what is given changes.
    let r = post(&s, "/proxies/db/toxics/latency_downstream", r#"{"attributes": {"latency": 1000}}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["attributes"], json!({"latency": 1000, "jitter": 10}));
    let r = request(s.addr, "PATCH", "/proxies/db/toxics/bw", &[AUTH], Some(r#"{"toxicity": 0.5}"#));
    assert_eq!(r.json()["toxicity"], 0.5);
    post(&s, "/proxies/db/toxics/nope", r#"{"toxicity": 0.5}"#).assert_error(404);
    // Delete: 204 with no body.
    let r = delete(&s, "/proxies/db/toxics/bw");
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    delete(&s, "/proxies/db/toxics/bw").assert_error(404);

    // Proxy update: disable, then enable again.
    let r = post(&s, "/proxies/db", r#"{"enabled": false}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["enabled"], false);
    assert_eq!(r.json()["toxics"].as_array().map(Vec::len), Some(1));
    assert_eq!(request(s.addr, "PATCH", "/proxies/db", &[AUTH], Some(r#"{"enabled": true}"#)).json()["enabled"], true);
    post(&s, "/proxies/nope", r#"{"enabled": true}"#).assert_error(404);
    post(&s, "/proxies/db", r#"{"enabled": 1}"#).assert_error(400);

    // Reset: every toxic gone, every proxy enabled; 204.
    post(&s, "/proxies/db", r#"{"enabled": false}"#);
    let r = post(&s, "/reset", "");
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    let db = get(&s, "/proxies/db").json();
    assert_eq!((db["enabled"].clone(), db["toxics"].clone()), (json!(true), json!([])));

    let r = delete(&s, "/proxies/db");
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    delete(&s, "/proxies/db").assert_error(404);
    assert_eq!(get(&s, "/proxies").json().as_object().map(|o| o.len()), Some(1));
}

#[test]
fn populate_creates_keeps_and_replaces() {
    let s = server(false);
    let r = post(
        &s,
        "/populate",
        r#"[{"name": "a", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:1"}, {"name": "b", "upstream": "127.0.0.1:2", "enabled": false}]"#,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let proxies = r.json()["proxies"].clone();
    assert_eq!(proxies.as_array().map(Vec::len), Some(2));
    assert_eq!(proxies[1]["enabled"], false);
    let a_listen = proxies[0]["listen"].as_str().expect("listen").to_string();
    // Same listen and upstream: kept (its toxics too).
    post(&s, "/proxies/a/toxics", r#"{"type": "latency"}"#);
    let r = post(&s, "/populate", &format!(r#"[{{"name": "a", "listen": "{a_listen}", "upstream": "127.0.0.1:1"}}]"#));
    assert_eq!(r.json()["proxies"][0]["toxics"].as_array().map(Vec::len), Some(1));
    // A different upstream: replaced.
    let r = post(&s, "/populate", &format!(r#"[{{"name": "a", "listen": "{a_listen}", "upstream": "127.0.0.1:3"}}]"#));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["proxies"][0]["upstream"], "127.0.0.1:3");
    assert_eq!(r.json()["proxies"][0]["toxics"], json!([]));
    // Validated whole before anything changes.
    let msg = post(&s, "/populate", r#"[{"name": "c", "upstream": "127.0.0.1:1"}, {"name": "d"}]"#).assert_error(400);
    assert!(msg.contains("upstream at proxy 2"), "{msg}");
    get(&s, "/proxies/c").assert_error(404);
    post(&s, "/populate", r#"[{"name": "c", "upstream": "127.0.0.1:1"}, {"name": "c", "upstream": "127.0.0.1:1"}]"#).assert_error(400);
    post(&s, "/populate", r#"{"name": "c"}"#).assert_error(400);
}

#[test]
fn shutdown_stops_the_server() {
    let s = server(false);
    let addr = s.addr;
    assert_eq!(get(&s, "/state").status, 200);
    drop(s);
    assert!(std::net::TcpStream::connect(addr).is_err(), "still listening after shutdown");
}

#[test]
fn proxy_update_of_upstream_keeps_listening_on_the_same_address() {
    let s = server(false);
    let r = post(&s, "/proxies", r#"{"name": "db", "upstream": "127.0.0.1:5432"}"#);
    let listen = r.json()["listen"].clone();
    let r = post(&s, "/proxies/db", r#"{"upstream": "127.0.0.1:5433"}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["upstream"].clone(), r.json()["listen"].clone()), (json!("127.0.0.1:5433"), listen));
}

/// The Python Toxiproxy client (`toxiproxy-python`) against the API with a fake driver; see
/// `live/tests/api.rs` for the same script against the real binary. Skips loudly when
/// python3 or the module is missing, unless FAULTLINE_NO_SKIP=1.
#[test]
fn toxiproxy_python_client_against_the_api() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/toxiproxy_client.py");
    let has_module = std::process::Command::new("python3").args(["-c", "import toxiproxy"]).output().is_ok_and(|o| o.status.success());
    if !has_module {
        let why = "python3 with the `toxiproxy` module (pip install toxiproxy-python==0.1.1) is not available";
        assert!(std::env::var("FAULTLINE_NO_SKIP").as_deref() != Ok("1"), "{why} and FAULTLINE_NO_SKIP=1");
        eprintln!("\n*** SKIPPED toxiproxy_python_client_against_the_api: {why} ***\n");
        return;
    }
    let echo = std::net::TcpListener::bind("127.0.0.1:0").expect("echo listener");
    let echo_port = echo.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut c in echo.incoming().flatten() {
            std::thread::spawn(move || {
                let mut r = c.try_clone().expect("clone");
                let _ = std::io::copy(&mut r, &mut c);
            });
        }
    });
    let s = server(true);
    let out = std::process::Command::new("python3")
        .arg(script)
        .args([s.addr.ip().to_string(), s.addr.port().to_string(), echo_port.to_string()])
        .output()
        .expect("python3 runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("OK"), "the Toxiproxy client failed:\n{text}");
    eprintln!("{text}");
}
