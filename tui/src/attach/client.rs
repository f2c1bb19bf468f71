//! A small blocking HTTP/1.1 client for the live API (`ureq`, plain HTTP, no proxy), and the
//! worker thread that runs its requests off the UI thread.
//!
//! The UI never waits on the network: [`Link`] hands each [`Request`] to a thread of its
//! own and the event loop picks up the [`Reply`]s between frames. A request that cannot
//! reach the API fails after a few seconds with [`ClientError::Unreachable`].

use std::fmt;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::wire::{ApiError, InjectedFault, ScenarioInfo, StateView};

/// Connecting to a loopback API takes no time; one that does not answer is gone.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A whole request, answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a request failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientError {
    /// The API could not be reached (refused, timed out, closed mid-answer).
    Unreachable(String),
    /// The API answered with an error status and its message.
    Refused { status: u16, message: String },
    /// The answer was not the JSON the API sends.
    Invalid(String),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Unreachable(e) => write!(f, "unreachable: {e}"),
            ClientError::Refused { status: 401, message } => {
                write!(f, "{message} (401: give the run's token with --token-file or FAULTLINE_TOKEN)")
            }
            ClientError::Refused { status, message } => write!(f, "{message} ({status})"),
            ClientError::Invalid(e) => write!(f, "unexpected answer: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// The live API at one address.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token stays out of logs.
        f.debug_struct("Client").field("base", &self.base).field("token", &self.token.as_ref().map(|_| "…")).finish()
    }
}

impl Client {
    /// A client of the API at `addr` (`127.0.0.1:8474`, or a `http://` URL), sending
    /// `token` as a bearer token on every mutating request.
    pub fn new(addr: &str, token: Option<String>) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .build();
        let addr = addr.trim_end_matches('/');
        let base = if addr.starts_with("http://") || addr.starts_with("https://") { addr.to_string() } else { format!("http://{addr}") };
        Client { agent: config.into(), base, token: token.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) }
    }

    /// `GET /scenario`.
    pub fn scenario(&self) -> Result<ScenarioInfo, ClientError> {
        let resp = self.agent.get(format!("{}/scenario", self.base)).call();
        answer(resp, 200)
    }

    /// `GET /state`.
    pub fn state(&self) -> Result<StateView, ClientError> {
        let resp = self.agent.get(format!("{}/state", self.base)).call();
        answer(resp, 200)
    }

    /// `POST /faults` with the keys of a `[[fault]]` table.
    pub fn inject(&self, request: &serde_json::Value) -> Result<InjectedFault, ClientError> {
        let resp = self
            .authorized(self.agent.post(format!("{}/faults", self.base)))
            .header("Content-Type", "application/json")
            .send(request.to_string());
        answer(resp, 201)
    }

    /// `DELETE /faults/{id}`.
    pub fn repair(&self, id: &str) -> Result<InjectedFault, ClientError> {
        let resp = self.authorized(self.agent.delete(format!("{}/faults/{}", self.base, path_segment(id)))).call();
        answer(resp, 200)
    }

    /// `POST /pause` (`true`) or `POST /resume`.
    pub fn set_paused(&self, paused: bool) -> Result<(), ClientError> {
        let path = if paused { "pause" } else { "resume" };
        let resp = self.authorized(self.agent.post(format!("{}/{path}", self.base))).send_empty();
        answer::<serde_json::Value>(resp, 200).map(|_| ())
    }

    fn authorized<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(t) => req.header("Authorization", format!("Bearer {t}")),
            None => req,
        }
    }

    /// Runs one request.
    pub fn call(&self, request: Request) -> Reply {
        let failed = |what: &str, error| Reply::Failed { request: what.to_string(), error };
        match request {
            Request::State => self.state().map_or_else(|e| failed("state", e), |s| Reply::State(Box::new(s))),
            Request::Inject(body) => self.inject(&body).map_or_else(|e| failed("inject", e), Reply::Injected),
            Request::Repair(id) => self.repair(&id).map_or_else(|e| failed("repair", e), Reply::Repaired),
            Request::Pause(p) => self.set_paused(p).map_or_else(|e| failed(if p { "pause" } else { "resume" }, e), |()| Reply::Paused(p)),
        }
    }
}

/// The body of an answer with the `expected` status (any 2xx is accepted), or its error.
fn answer<T: DeserializeOwned>(resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>, expected: u16) -> Result<T, ClientError> {
    let mut resp = resp.map_err(|e| ClientError::Unreachable(e.to_string()))?;
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().map_err(|e| ClientError::Unreachable(e.to_string()))?;
    if status == expected || (200..300).contains(&status) {
        // An empty 2xx body reads as JSON null.
        let body = if body.trim().is_empty() { "null" } else { body.as_str() };
        return serde_json::from_str(body).map_err(|e| ClientError::Invalid(format!("{e} in {}", preview(body))));
    }
    let message = match serde_json::from_str::<ApiError>(&body) {
        Ok(e) => e.error,
        Err(_) if body.trim().is_empty() => format!("HTTP {status}"),
        Err(_) => preview(&body),
    };
    Err(ClientError::Refused { status, message })
}

fn preview(body: &str) -> String {
    let s: String = body.chars().take(120).collect();
    if s.len() < body.len() { format!("{s}…") } else { s }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What the explorer asks of the live run.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    State,
    /// A fault, as the keys of a `[[fault]]` table.
    Inject(serde_json::Value),
    /// Repair the injected fault with this id.
    Repair(String),
    /// Pause (`true`) or resume the run.
    Pause(bool),
}

/// What came back.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    State(Box<StateView>),
    Injected(InjectedFault),
    Repaired(InjectedFault),
    /// The run is now paused (`true`) or running.
    Paused(bool),
    /// `request` (`state`, `inject`, `repair`, `pause`, `resume`) failed.
    Failed {
        request: String,
        error: ClientError,
    },
}

/// The worker thread and its two channels. Dropping the link ends the thread after the
/// request in progress.
pub struct Link {
    tx: Sender<Request>,
    rx: Receiver<Reply>,
}

impl Link {
    pub fn spawn(client: Client) -> std::io::Result<Link> {
        let (tx, requests) = mpsc::channel::<Request>();
        let (replies, rx) = mpsc::channel();
        std::thread::Builder::new().name("faultline-attach".into()).spawn(move || {
            while let Ok(r) = requests.recv() {
                if replies.send(client.call(r)).is_err() {
                    break;
                }
            }
        })?;
        Ok(Link { tx, rx })
    }

    /// Queues a request; false if the worker is gone.
    pub fn send(&self, r: Request) -> bool {
        self.tx.send(r).is_ok()
    }

    /// The next reply, if one has arrived.
    pub fn try_recv(&self) -> Option<Reply> {
        self.rx.try_recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_percent_encoded_in_paths() {
        assert_eq!(path_segment("manual-1"), "manual-1");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn an_address_without_scheme_is_plain_http() {
        assert_eq!(Client::new("127.0.0.1:8474", None).base, "http://127.0.0.1:8474");
        assert_eq!(Client::new("http://[::1]:9/", Some(" t \n".into())).base, "http://[::1]:9");
        assert_eq!(Client::new("x:1", Some(" t \n".into())).token.as_deref(), Some("t"));
        assert_eq!(Client::new("x:1", Some("\n".into())).token, None);
    }

    #[test]
    fn a_closed_port_is_unreachable_not_a_panic() {
        // Bind then drop: the port is very likely closed for the instant of the test.
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(9);
        let err = Client::new(&format!("127.0.0.1:{port}"), None).state().expect_err("nothing listens");
        assert!(matches!(err, ClientError::Unreachable(_)), "{err:?}");
    }
}
