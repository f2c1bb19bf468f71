//! The control API: the native endpoints (`/state`, `/scenario`, `/faults`, `/pause`,
//! `/resume`) and a Toxiproxy-compatible subset (`/version`, `/proxies…`, `/populate`,
//! `/reset`) with Toxiproxy's JSON shapes and status codes, so its clients work unchanged.
//!
//! Access rules ([`guard`]): a peer off loopback is refused (403) unless remote access was
//! allowed; every mutating request carries `Authorization: Bearer <token>` (401 without it),
//! except Toxiproxy requests when `toxiproxy_compat` is set (the session sets it only on a
//! loopback bind). Every 4xx and 5xx is JSON, `{"error": "...", "status": N}`, as Toxiproxy
//! clients read it ([`error`]).

mod error;
mod guard;
mod native;
mod toxiproxy;

#[cfg(test)]
mod test_client;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::control::Handle;
use crate::proxy::Proxies;

pub use error::ApiError;
pub use guard::{check_peer, token_matches};
pub use toxiproxy::{SUPPORTED_TOXICS, proxy_json, toxic_from_json, toxic_json, toxic_update};

/// Request bodies larger than this are refused (413).
pub const BODY_LIMIT: usize = 1 << 20;

/// How long requests still in flight may take to finish once `shutdown` is set.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What the API serves from, and its access rules.
#[derive(Clone)]
pub struct ApiState {
    pub handle: Handle,
    pub proxies: Proxies,
    /// The bearer token every mutating request must carry.
    pub token: Arc<String>,
    /// Accept unauthenticated Toxiproxy requests (only on a loopback bind).
    pub toxiproxy_compat: bool,
    /// Accept requests from peers that are not on loopback (`--allow-remote`); otherwise
    /// they get 403.
    pub allow_remote: bool,
}

/// What the handlers share: the state, and the counter behind generated fault ids.
pub(crate) struct Shared {
    pub(crate) api: ApiState,
    /// The last `N` of an `api-N` fault id this server generated.
    pub(crate) last_fault: AtomicU64,
}

/// The whole API as a router (without the peer address: serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`, or every request is refused as
/// coming from an unknown peer).
pub fn router(state: ApiState) -> Router {
    let shared = Arc::new(Shared { api: state, last_fault: AtomicU64::new(0) });
    Router::new()
        .route("/state", get(native::state))
        .route("/scenario", get(native::scenario))
        .route("/faults", post(native::inject))
        .route("/faults/{id}", axum::routing::delete(native::repair))
        .route("/pause", post(native::pause))
        .route("/resume", post(native::resume))
        .route("/version", get(toxiproxy::version))
        .route("/proxies", get(toxiproxy::proxy_index).post(toxiproxy::proxy_create))
        .route("/populate", post(toxiproxy::populate))
        .route("/reset", post(toxiproxy::reset))
        .route(
            "/proxies/{proxy}",
            get(toxiproxy::proxy_show).post(toxiproxy::proxy_update).patch(toxiproxy::proxy_update).delete(toxiproxy::proxy_delete),
        )
        .route("/proxies/{proxy}/toxics", get(toxiproxy::toxic_index).post(toxiproxy::toxic_create))
        .route(
            "/proxies/{proxy}/toxics/{toxic}",
            get(toxiproxy::toxic_show)
                .post(toxiproxy::toxic_update_route)
                .patch(toxiproxy::toxic_update_route)
                .delete(toxiproxy::toxic_delete),
        )
        .fallback(error::no_route)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), guard::guard))
        .layer(axum::middleware::from_fn(error::json_errors))
        .with_state(shared)
}

/// Serves the API on `listener` until `shutdown` becomes true; requests in flight then get
/// a few seconds to finish.
pub async fn serve(listener: TcpListener, state: ApiState, mut shutdown: watch::Receiver<bool>) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let mut signal = shutdown.clone();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = signal.wait_for(|s| *s).await;
    });
    tokio::select! {
        r = std::future::IntoFuture::into_future(server) => r,
        () = async {
            let _ = shutdown.wait_for(|s| *s).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => Ok(()),
    }
}
