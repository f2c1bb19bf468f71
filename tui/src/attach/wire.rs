//! The JSON of the live API, as the explorer reads and writes it.
//!
//! The shapes copy `faultline-live`'s (`live/src/state.rs`, `live/src/control.rs`) field for
//! field; this crate does not depend on that one (it would bring tokio in). Fields the
//! explorer does not use are left out (serde ignores unknown keys), and the connection
//! entries default what they omit, so a newer server still parses.

use serde::{Deserialize, Serialize};

/// `GET /scenario`: what an attached client needs to follow the run by replaying it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScenarioInfo {
    pub name: String,
    /// Where it came from, as `reproduce:` lines name it.
    pub origin: String,
    pub seed: u64,
    /// The scenario file's text.
    pub text: String,
}

/// `GET /state`: simulated time, links, sessions, faults and connections.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StateView {
    pub scenario: String,
    pub seed: u64,
    pub now_ns: u64,
    pub now_s: f64,
    pub end_ns: u64,
    /// Simulated seconds per wall second.
    pub speed: f64,
    pub paused: bool,
    pub finished: bool,
    /// The fingerprint so far, 16 hex digits.
    pub fingerprint: String,
    pub links: Vec<LinkState>,
    pub faults: Vec<FaultState>,
    /// Faults injected through the API, in order, with the table that replays each.
    pub injected: Vec<InjectedFault>,
    #[serde(default)]
    pub connections: Vec<Connection>,
}

impl StateView {
    /// The fingerprint as a number (`None` if the server wrote something else).
    pub fn fingerprint_u64(&self) -> Option<u64> {
        u64::from_str_radix(self.fingerprint.trim().trim_start_matches("0x"), 16).ok()
    }

    /// Connections still open.
    pub fn open_connections(&self) -> usize {
        self.connections.iter().filter(|c| c.closed_s.is_none()).count()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LinkState {
    pub id: String,
    /// `up`, `down`, `blackhole`, `partition`, `degraded` or `drained`.
    pub state: String,
    pub session: Option<String>,
    pub capacity_bps: u64,
    pub load_bps: [u64; 2],
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FaultState {
    pub id: String,
    pub kind: String,
    pub target: String,
    pub start_ns: Option<u64>,
    pub end_ns: Option<u64>,
    pub active: bool,
}

/// A fault an API client injected: when, and the `[[fault]]` table (without `at`) that
/// replays it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct InjectedFault {
    pub id: String,
    pub target: String,
    pub at_ns: u64,
    pub repaired_ns: Option<u64>,
    pub table: String,
}

/// A real connection through one of the run's proxies (the fields the explorer shows).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Connection {
    pub id: u64,
    pub proxy: String,
    pub traffic: Option<String>,
    pub client: String,
    pub opened_s: f64,
    pub closed_s: Option<f64>,
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub reset: bool,
}

/// The API's error body: `{"error": "...", "status": 404}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiError {
    pub error: String,
    #[serde(default)]
    pub status: u16,
}
