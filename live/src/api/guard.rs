//! Who may do what: the peer rule (loopback only unless remote access is allowed), the
//! token rule (every mutating request carries the bearer token; Toxiproxy requests may go
//! without it in compatible mode), and the browser rules that keep a web page from using
//! an unauthenticated loopback API (Toxiproxy refuses browsers; we also refuse requests
//! carrying an `Origin`, and, on a loopback-only API, a `Host` that is no loopback name,
//! which is what DNS rebinding looks like).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Shared;
use super::error::ApiError;

/// 403 unless `peer` is on loopback or remote peers are allowed. An unknown peer (the router
/// served without connect info) is refused.
pub fn check_peer(peer: Option<SocketAddr>, allow_remote: bool) -> Result<(), ApiError> {
    if allow_remote {
        return Ok(());
    }
    match peer {
        Some(p) if p.ip().to_canonical().is_loopback() => Ok(()),
        Some(p) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "requests from {} are refused: the API accepts loopback peers only (start faultline live with --allow-remote to change that)",
                p.ip()
            ),
        )),
        None => Err(ApiError::new(StatusCode::FORBIDDEN, "the peer's address is unknown; the API accepts loopback peers only")),
    }
}

/// Compares a presented token with the expected one in time independent of where they
/// differ. An empty expected token matches nothing.
pub fn token_matches(presented: &str, expected: &str) -> bool {
    let (a, b) = (presented.as_bytes(), expected.as_bytes());
    if b.is_empty() || a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// What a request's `Authorization` header says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    Missing,
    Valid,
    Invalid(&'static str),
}

pub(crate) fn auth_of(headers: &HeaderMap, token: &str) -> Auth {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Auth::Missing;
    };
    if values.next().is_some() {
        return Auth::Invalid("more than one Authorization header");
    }
    let Ok(value) = value.to_str() else {
        return Auth::Invalid("the Authorization header is not ASCII");
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Auth::Invalid("the Authorization header is not `Bearer <token>`");
    }
    if token_matches(rest.trim(), token) { Auth::Valid } else { Auth::Invalid("the bearer token is wrong") }
}

/// The Toxiproxy endpoints, which compatible mode opens to unauthenticated clients.
pub(crate) fn is_toxiproxy_path(path: &str) -> bool {
    path == "/proxies" || path.starts_with("/proxies/") || path == "/reset" || path == "/populate" || path == "/version"
}

fn is_mutating(m: &Method) -> bool {
    !(m == Method::GET || m == Method::HEAD || m == Method::OPTIONS)
}

/// Whether `host` (a Host header: name or IP, optional port) names this machine's loopback.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split_once(']').map_or(rest, |(h, _)| h)
    } else {
        match host.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => host,
        }
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    name.parse::<IpAddr>().is_ok_and(|ip| ip.to_canonical().is_loopback())
}

fn forbidden(message: String) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, message)
}

/// The rules for a request that carries no token: it must not come from a web page.
fn unauthenticated_rules(headers: &HeaderMap, mutating: bool, allow_remote: bool) -> Result<(), ApiError> {
    if !allow_remote && let Some(host) = headers.get(header::HOST) {
        let host = host.to_str().unwrap_or("");
        if !is_loopback_host(host) {
            return Err(forbidden(format!(
                "Host `{host}` is not a loopback name: the API answers unauthenticated requests addressed to 127.0.0.1, [::1] or localhost only \
                     (a web page reaching it through DNS rebinding looks like this); send the bearer token, or address it by a loopback name"
            )));
        }
    }
    if mutating {
        if headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).is_some_and(|ua| ua.starts_with("Mozilla/")) {
            return Err(forbidden("User agent not allowed: browsers may not change the run without the bearer token".into()));
        }
        if headers.contains_key(header::ORIGIN) {
            return Err(forbidden(
                "requests with an Origin header (from a web page) may not change the run without the bearer token".into(),
            ));
        }
    }
    Ok(())
}

/// The access layer: peer, then token, then the browser rules for unauthenticated requests.
pub(crate) async fn guard(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let api = &shared.api;
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    if let Err(e) = check_peer(peer, api.allow_remote) {
        return e.into_response();
    }
    let mutating = is_mutating(req.method());
    let verdict = match auth_of(req.headers(), &api.token) {
        Auth::Valid => Ok(()),
        Auth::Invalid(why) if mutating => Err(ApiError::new(StatusCode::UNAUTHORIZED, format!("unauthorized: {why}"))),
        Auth::Invalid(_) => unauthenticated_rules(req.headers(), false, api.allow_remote),
        Auth::Missing if !mutating => unauthenticated_rules(req.headers(), false, api.allow_remote),
        Auth::Missing if api.toxiproxy_compat && is_toxiproxy_path(req.uri().path()) => {
            unauthenticated_rules(req.headers(), true, api.allow_remote)
        }
        Auth::Missing => {
            let hint = if is_toxiproxy_path(req.uri().path()) {
                " (Toxiproxy clients that send no token work when faultline live runs with --toxiproxy-compat on a loopback --api)"
            } else {
                ""
            };
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                format!(
                    "unauthorized: {} {} changes the run and needs `Authorization: Bearer <token>` (the token faultline live printed at start, or FAULTLINE_TOKEN / --token-file){hint}",
                    req.method(),
                    req.uri().path()
                ),
            ))
        }
    };
    match verdict {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}
