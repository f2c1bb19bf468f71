//! Errors as Toxiproxy clients read them: `{"error": "<message>", "status": N}`, for every
//! 4xx and 5xx, including axum's own rejections (body too large, wrong method, bad path),
//! unknown routes and a handler that panicked.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::control::ControlError;
use crate::proxy::ProxyError;

/// A refused request: its status and a message naming the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// The JSON body: `{"error": message, "status": code}`.
    pub fn body(&self) -> Value {
        json!({ "error": self.message, "status": self.status.as_u16() })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

impl From<ControlError> for ApiError {
    fn from(e: ControlError) -> ApiError {
        let status = match e {
            ControlError::NotFound(_) => StatusCode::NOT_FOUND,
            ControlError::Invalid(_) => StatusCode::BAD_REQUEST,
            ControlError::Conflict(_) | ControlError::Finished => StatusCode::CONFLICT,
            ControlError::Stopped => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError::new(status, e.to_string())
    }
}

impl From<ProxyError> for ApiError {
    fn from(e: ProxyError) -> ApiError {
        let status = match e {
            ProxyError::NotFound(_) | ProxyError::ToxicNotFound { .. } => StatusCode::NOT_FOUND,
            ProxyError::Conflict(_) => StatusCode::CONFLICT,
            ProxyError::Invalid(_) => StatusCode::BAD_REQUEST,
            // Toxiproxy answers a listen failure with 500 (it is no API error there).
            ProxyError::Bind { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

/// A request body parsed as JSON, with a JSON error when it is not (axum's `Json` answers
/// in plain text and insists on a content type Toxiproxy clients do not always send).
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<JsonBody, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|rej| {
            if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::new(rej.status(), format!("cannot read the request body: {}", rej.body_text()))
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request("bad request body: it is empty; a JSON document was expected"));
        }
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| ApiError::bad_request(format!("bad request body: {e}")))
    }
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("request body too large: the limit is {} bytes (1 MiB)", super::BODY_LIMIT))
}

/// The fallback: 404 naming the route.
pub async fn no_route(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "no such endpoint: {method} {}; the API serves /state, /scenario, /faults, /pause, /resume and Toxiproxy's /version, /proxies, /populate, /reset",
            uri.path()
        ),
    )
}

/// The outermost layer: runs the request in a task of its own (a handler that panics gets a
/// 500, not a dropped connection), and turns every error response that is not already JSON
/// (axum's rejections, 405s) into the JSON error shape.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let response = match tokio::spawn(next.run(req)).await {
        Ok(r) => r,
        Err(e) => {
            let what = if e.is_panic() { "the request handler panicked" } else { "the request handler was cancelled" };
            return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("internal error on {method} {path}: {what}")).into_response();
        }
    };
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = match status {
        // axum adds the Allow header above this layer.
        StatusCode::METHOD_NOT_ALLOWED => format!("method {method} is not allowed on {path} (the Allow header lists the methods it takes)"),
        StatusCode::PAYLOAD_TOO_LARGE => too_large().message,
        _ if text.is_empty() => format!("{method} {path}: {}", status.canonical_reason().unwrap_or("error")),
        _ => text,
    };
    let mut out = ApiError::new(status, message).into_response();
    // Keep the headers the error came with (but its type and length).
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

fn is_json(r: &Response<Body>) -> bool {
    r.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"))
}
