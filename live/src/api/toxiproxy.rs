//! The Toxiproxy-compatible subset, with Toxiproxy's JSON shapes and status codes (its
//! `api.go` and `toxic_collection.go`): proxies `{"name","listen","upstream","enabled",
//! "toxics"}` (plus `traffic`, which its clients ignore), toxics `{"name","type","stream",
//! "toxicity","attributes"}`. Creating a proxy answers 201, creating a toxic 200, deleting
//! either and `/reset` 204, `/populate` 201 with `{"proxies": [...]}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::Shared;
use super::error::{ApiError, JsonBody};
use crate::proxy::ProxyInfo;
use crate::toxic::{Stream, Toxic, ToxicKind};

/// The toxic types faultline implements, in Toxiproxy's names.
pub const SUPPORTED_TOXICS: [&str; 6] = ["latency", "bandwidth", "timeout", "reset_peer", "limit_data", "slow_close"];

/// Bounds on attribute values, so that no request can make a proxy's arithmetic overflow:
/// a year of milliseconds, 1 TB/s, 2^62 bytes.
const MAX_MS: u64 = 365 * 86_400_000;
const MAX_RATE_KBPS: u64 = 1_000_000_000;
const MAX_BYTES: u64 = 1 << 62;

/// The address a proxy listens on when the request gives none (Toxiproxy's Go server would
/// take every interface; a test tool should not).
const DEFAULT_LISTEN: &str = "127.0.0.1:0";

// ---------------------------------------------------------------------------------------
// JSON <-> Toxic

fn stream_name(s: Stream) -> &'static str {
    match s {
        Stream::Upstream => "upstream",
        Stream::Downstream => "downstream",
    }
}

/// A toxic as Toxiproxy shows it.
pub fn toxic_json(t: &Toxic) -> Value {
    let attributes = match t.kind {
        ToxicKind::Latency { latency_ms, jitter_ms } => json!({ "latency": latency_ms, "jitter": jitter_ms }),
        ToxicKind::Bandwidth { rate_kbps } => json!({ "rate": rate_kbps }),
        ToxicKind::Timeout { timeout_ms } => json!({ "timeout": timeout_ms }),
        ToxicKind::ResetPeer { timeout_ms } => json!({ "timeout": timeout_ms }),
        ToxicKind::LimitData { bytes } => json!({ "bytes": bytes }),
        ToxicKind::SlowClose { delay_ms } => json!({ "delay": delay_ms }),
    };
    json!({
        "name": t.name,
        "type": t.kind.type_name(),
        "stream": stream_name(t.stream),
        "toxicity": t.toxicity,
        "attributes": attributes,
    })
}

/// A proxy as Toxiproxy shows it, with its toxics (upstream ones first, as Toxiproxy lists
/// its two chains), plus `traffic`.
pub fn proxy_json(info: &ProxyInfo, toxics: &[Toxic]) -> Value {
    json!({
        "name": info.name,
        "listen": info.listen,
        "upstream": info.upstream,
        "enabled": info.enabled,
        "toxics": toxics_json(toxics),
        "traffic": info.traffic,
    })
}

fn toxics_json(toxics: &[Toxic]) -> Value {
    let up = toxics.iter().filter(|t| t.stream == Stream::Upstream);
    let down = toxics.iter().filter(|t| t.stream == Stream::Downstream);
    Value::Array(up.chain(down).map(toxic_json).collect())
}

fn unsupported(type_name: &str) -> ApiError {
    let list = SUPPORTED_TOXICS.join(", ");
    if type_name.is_empty() {
        ApiError::bad_request(format!("invalid toxic type: a toxic needs a `type`; faultline supports {list}"))
    } else {
        ApiError::bad_request(format!("invalid toxic type `{type_name}`: faultline supports {list}"))
    }
}

/// A zero-valued toxic of `type_name` (what Toxiproxy starts from before reading attributes).
fn zero_kind(type_name: &str) -> Result<ToxicKind, ApiError> {
    Ok(match type_name {
        "latency" => ToxicKind::Latency { latency_ms: 0, jitter_ms: 0 },
        "bandwidth" => ToxicKind::Bandwidth { rate_kbps: 0 },
        "timeout" => ToxicKind::Timeout { timeout_ms: 0 },
        "reset_peer" => ToxicKind::ResetPeer { timeout_ms: 0 },
        "limit_data" => ToxicKind::LimitData { bytes: 0 },
        "slow_close" => ToxicKind::SlowClose { delay_ms: 0 },
        other => return Err(unsupported(other)),
    })
}

/// Reads attribute `key` (a non-negative integer at most `max`), leaving `slot` as it is
/// when the attribute is absent or null.
fn attr(attrs: &Map<String, Value>, type_name: &str, key: &str, max: u64, slot: &mut u64) -> Result<(), ApiError> {
    let v = match attrs.get(key) {
        None | Some(Value::Null) => return Ok(()),
        Some(v) => v,
    };
    let n = match v {
        Value::Number(n) => {
            n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64).map(|f| f as u64))
        }
        _ => None,
    };
    let n = n.ok_or_else(|| {
        ApiError::bad_request(format!("bad request body: {type_name} attribute `{key}` must be a non-negative integer, not {v}"))
    })?;
    if n > max {
        return Err(ApiError::bad_request(format!("bad request body: {type_name} attribute `{key}` = {n} is too large (at most {max})")));
    }
    *slot = n;
    Ok(())
}

/// Applies Toxiproxy's attributes to `kind` (only those present change).
fn apply_attributes(kind: ToxicKind, attrs: &Map<String, Value>) -> Result<ToxicKind, ApiError> {
    let t = kind.type_name();
    Ok(match kind {
        ToxicKind::Latency { mut latency_ms, mut jitter_ms } => {
            attr(attrs, t, "latency", MAX_MS, &mut latency_ms)?;
            attr(attrs, t, "jitter", MAX_MS, &mut jitter_ms)?;
            ToxicKind::Latency { latency_ms, jitter_ms }
        }
        ToxicKind::Bandwidth { mut rate_kbps } => {
            attr(attrs, t, "rate", MAX_RATE_KBPS, &mut rate_kbps)?;
            ToxicKind::Bandwidth { rate_kbps }
        }
        ToxicKind::Timeout { mut timeout_ms } => {
            attr(attrs, t, "timeout", MAX_MS, &mut timeout_ms)?;
            ToxicKind::Timeout { timeout_ms }
        }
        ToxicKind::ResetPeer { mut timeout_ms } => {
            attr(attrs, t, "timeout", MAX_MS, &mut timeout_ms)?;
            ToxicKind::ResetPeer { timeout_ms }
        }
        ToxicKind::LimitData { mut bytes } => {
            attr(attrs, t, "bytes", MAX_BYTES, &mut bytes)?;
            ToxicKind::LimitData { bytes }
        }
        ToxicKind::SlowClose { mut delay_ms } => {
            attr(attrs, t, "delay", MAX_MS, &mut delay_ms)?;
            ToxicKind::SlowClose { delay_ms }
        }
    })
}

fn as_object<'a>(body: &'a Value, what: &str) -> Result<&'a Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| ApiError::bad_request(format!("bad request body: {what} is a JSON object, not {}", kind_of(body))))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An optional string field (null counts as absent).
fn opt_str<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(ApiError::bad_request(format!("bad request body: `{key}` must be a string, not {}", kind_of(v)))),
    }
}

fn opt_bool(obj: &Map<String, Value>, key: &str) -> Result<Option<bool>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(v) => Err(ApiError::bad_request(format!("bad request body: `{key}` must be true or false, not {}", kind_of(v)))),
    }
}

fn opt_toxicity(obj: &Map<String, Value>) -> Result<Option<f64>, ApiError> {
    match obj.get("toxicity") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if (0.0..=1.0).contains(&f) => Ok(Some(f)),
            _ => Err(ApiError::bad_request(format!("bad request body: `toxicity` = {n} must be between 0 and 1"))),
        },
        Some(v) => Err(ApiError::bad_request(format!("bad request body: `toxicity` must be a number between 0 and 1, not {}", kind_of(v)))),
    }
}

fn opt_attributes(obj: &Map<String, Value>) -> Result<Option<&Map<String, Value>>, ApiError> {
    match obj.get("attributes") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(v) => Err(ApiError::bad_request(format!("bad request body: `attributes` must be an object, not {}", kind_of(v)))),
    }
}

/// A new toxic from Toxiproxy's JSON: `type` required; `stream` downstream, `toxicity` 1 and
/// `name` `<type>_<stream>` by default; attributes absent are 0, unknown ones ignored, as
/// Toxiproxy does.
pub fn toxic_from_json(body: &Value) -> Result<Toxic, ApiError> {
    let obj = as_object(body, "a toxic")?;
    let stream = match opt_str(obj, "stream")? {
        None => Stream::Downstream,
        Some(s) if s.eq_ignore_ascii_case("downstream") => Stream::Downstream,
        Some(s) if s.eq_ignore_ascii_case("upstream") => Stream::Upstream,
        Some(s) => return Err(ApiError::bad_request(format!("stream was invalid, can be either upstream or downstream (got {s:?})"))),
    };
    let type_name = opt_str(obj, "type")?.unwrap_or("");
    let kind = zero_kind(type_name)?;
    let name = match opt_str(obj, "name")? {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => format!("{type_name}_{}", stream_name(stream)),
    };
    let toxicity = opt_toxicity(obj)?.unwrap_or(1.0);
    let kind = match opt_attributes(obj)? {
        Some(a) => apply_attributes(kind, a)?,
        None => kind,
    };
    Ok(Toxic { name, kind, stream, toxicity })
}

/// Toxiproxy's toxic update: the attributes given replace those of `existing`, `toxicity`
/// too when given; name, type and stream stay.
pub fn toxic_update(existing: &Toxic, body: &Value) -> Result<Toxic, ApiError> {
    let obj = as_object(body, "a toxic update")?;
    let mut t = existing.clone();
    if let Some(a) = opt_attributes(obj)? {
        t.kind = apply_attributes(t.kind, a)?;
    }
    if let Some(x) = opt_toxicity(obj)? {
        t.toxicity = x;
    }
    Ok(t)
}

/// `localhost:P` listens on 127.0.0.1, `:P` on every interface (as Go's net.Listen does);
/// other values go to the registry as they are.
fn normalize_listen(listen: &str) -> String {
    let listen = listen.trim();
    if listen.is_empty() {
        return DEFAULT_LISTEN.to_string();
    }
    match listen.rsplit_once(':') {
        Some(("", port)) => format!("0.0.0.0:{port}"),
        Some((host, port)) if host.eq_ignore_ascii_case("localhost") => format!("127.0.0.1:{port}"),
        _ => listen.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Handlers

pub async fn version() -> Json<Value> {
    Json(json!({ "version": env!("CARGO_PKG_VERSION"), "server": "faultline" }))
}

pub async fn proxy_index(State(s): State<Arc<Shared>>) -> Json<Value> {
    let map: Map<String, Value> = s.api.proxies.list().iter().map(|(info, toxics)| (info.name.clone(), proxy_json(info, toxics))).collect();
    Json(Value::Object(map))
}

/// The fields of a proxy in a create or populate request.
struct NewProxy {
    name: String,
    listen: String,
    upstream: String,
    enabled: bool,
    traffic: Option<String>,
}

fn new_proxy(body: &Value, at: Option<usize>) -> Result<NewProxy, ApiError> {
    let obj = as_object(body, "a proxy")?;
    let suffix = at.map(|i| format!(" at proxy {i}")).unwrap_or_default();
    let name = opt_str(obj, "name")?.unwrap_or("");
    if name.is_empty() {
        return Err(ApiError::bad_request(format!("missing required field: name{suffix}")));
    }
    let upstream = opt_str(obj, "upstream")?.unwrap_or("");
    if upstream.is_empty() {
        return Err(ApiError::bad_request(format!("missing required field: upstream{suffix}")));
    }
    Ok(NewProxy {
        name: name.to_string(),
        listen: normalize_listen(opt_str(obj, "listen")?.unwrap_or("")),
        upstream: upstream.to_string(),
        enabled: opt_bool(obj, "enabled")?.unwrap_or(true),
        traffic: opt_str(obj, "traffic")?.map(str::to_string),
    })
}

async fn create(s: &Shared, p: &NewProxy) -> Result<Value, ApiError> {
    let info = s.api.proxies.create(&p.name, &p.listen, &p.upstream, p.enabled, p.traffic.as_deref()).await?;
    Ok(proxy_json(&info, &[]))
}

/// Creates `p` where a proxy of that name was just deleted: its listener closes a moment
/// after the delete returns, so a bind to the same address is retried for up to a second.
async fn recreate(s: &Shared, p: &NewProxy) -> Result<Value, ApiError> {
    for _ in 0..40 {
        match s.api.proxies.create(&p.name, &p.listen, &p.upstream, p.enabled, p.traffic.as_deref()).await {
            Err(crate::proxy::ProxyError::Bind { source, .. }) if source.kind() == std::io::ErrorKind::AddrInUse => {
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            r => return Ok(proxy_json(&r?, &[])),
        }
    }
    create(s, p).await
}

/// `POST /proxies`: 201 with the proxy (its bound `listen` when it asked for port 0).
pub async fn proxy_create(State(s): State<Arc<Shared>>, JsonBody(body): JsonBody) -> Result<(StatusCode, Json<Value>), ApiError> {
    let p = new_proxy(&body, None)?;
    Ok((StatusCode::CREATED, Json(create(&s, &p).await?)))
}

/// `POST /populate`: an array of proxies, each created, kept (same listen and upstream) or
/// replaced; 201 with `{"proxies": [...]}`, or the error (with the proxies done so far).
pub async fn populate(State(s): State<Arc<Shared>>, JsonBody(body): JsonBody) -> Response {
    let Value::Array(items) = body else {
        return ApiError::bad_request(format!("bad request body: /populate takes a JSON array of proxies, not {}", kind_of(&body)))
            .into_response();
    };
    // Validate the whole request before changing anything, as Toxiproxy does.
    let mut wanted = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match new_proxy(item, Some(i + 1)) {
            Ok(p) if wanted.iter().any(|w: &NewProxy| w.name == p.name) => {
                return ApiError::bad_request(format!("duplicate proxy name {:?}", p.name)).into_response();
            }
            Ok(p) => wanted.push(p),
            Err(e) => return e.into_response(),
        }
    }
    let mut done = Vec::with_capacity(wanted.len());
    for p in &wanted {
        let result = match s.api.proxies.get(&p.name) {
            Ok((info, toxics)) if info.upstream == p.upstream && info.listen == p.listen => Ok(proxy_json(&info, &toxics)),
            Ok(_) => match s.api.proxies.delete(&p.name).await {
                Ok(()) => recreate(&s, p).await,
                Err(e) => Err(e.into()),
            },
            Err(_) => create(&s, p).await,
        };
        match result {
            Ok(v) => done.push(v),
            Err(e) => {
                let mut body = e.body();
                body["proxies"] = Value::Array(done);
                return (e.status, Json(body)).into_response();
            }
        }
    }
    (StatusCode::CREATED, Json(json!({ "proxies": done }))).into_response()
}

pub async fn proxy_show(State(s): State<Arc<Shared>>, Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    let (info, toxics) = s.api.proxies.get(&name)?;
    Ok(Json(proxy_json(&info, &toxics)))
}

/// `POST|PATCH /proxies/{proxy}`: changes `listen`, `upstream`, `enabled` (those given).
pub async fn proxy_update(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    s.api.proxies.get(&name)?;
    let obj = as_object(&body, "a proxy update")?;
    let listen = opt_str(obj, "listen")?.map(normalize_listen);
    let upstream = opt_str(obj, "upstream")?;
    let enabled = opt_bool(obj, "enabled")?;
    let info = s.api.proxies.update(&name, listen.as_deref(), upstream, enabled).await?;
    let toxics = s.api.proxies.get(&name).map(|(_, t)| t).unwrap_or_default();
    Ok(Json(proxy_json(&info, &toxics)))
}

pub async fn proxy_delete(State(s): State<Arc<Shared>>, Path(name): Path<String>) -> Result<StatusCode, ApiError> {
    s.api.proxies.delete(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn toxic_index(State(s): State<Arc<Shared>>, Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    let (_, toxics) = s.api.proxies.get(&name)?;
    Ok(Json(toxics_json(&toxics)))
}

/// `POST /proxies/{proxy}/toxics`: 200 with the toxic (Toxiproxy answers 200 here, not 201).
pub async fn toxic_create(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    s.api.proxies.get(&name)?;
    let toxic = toxic_from_json(&body)?;
    Ok(Json(toxic_json(&s.api.proxies.add_toxic(&name, toxic)?)))
}

fn find_toxic(s: &Shared, proxy: &str, toxic: &str) -> Result<Toxic, ApiError> {
    let (_, toxics) = s.api.proxies.get(proxy)?;
    toxics
        .into_iter()
        .find(|t| t.name == toxic)
        .ok_or_else(|| crate::proxy::ProxyError::ToxicNotFound { proxy: proxy.into(), toxic: toxic.into() }.into())
}

pub async fn toxic_show(State(s): State<Arc<Shared>>, Path((proxy, toxic)): Path<(String, String)>) -> Result<Json<Value>, ApiError> {
    Ok(Json(toxic_json(&find_toxic(&s, &proxy, &toxic)?)))
}

/// `POST|PATCH /proxies/{proxy}/toxics/{toxic}`: 200 with the updated toxic.
pub async fn toxic_update_route(
    State(s): State<Arc<Shared>>,
    Path((proxy, toxic)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let existing = find_toxic(&s, &proxy, &toxic)?;
    let updated = toxic_update(&existing, &body)?;
    Ok(Json(toxic_json(&s.api.proxies.update_toxic(&proxy, updated)?)))
}

pub async fn toxic_delete(State(s): State<Arc<Shared>>, Path((proxy, toxic)): Path<(String, String)>) -> Result<StatusCode, ApiError> {
    s.api.proxies.remove_toxic(&proxy, &toxic)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /reset`: every proxy enabled, every toxic removed; 204.
pub async fn reset(State(s): State<Arc<Shared>>) -> Result<StatusCode, ApiError> {
    s.api.proxies.reset().await?;
    Ok(StatusCode::NO_CONTENT)
}
