//! What the simulation says now, as the proxies, the API and the TUI read it.
//!
//! [`Snapshot`] is published by the driver after every advance (a `tokio::sync::watch`
//! channel); it holds only the flows of groups a proxy is bound to. [`StateView`] is the
//! JSON of `GET /state`.

use serde::{Deserialize, Serialize};
use sim_core::{FlowPathView, SimDuration, SimTime};

/// One flow as a proxy applies it to real bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlowNow {
    pub path: FlowPathView,
    /// The simulated TCP moves no data (stalled on a dead path, or reconnecting).
    pub stalled: bool,
    /// Connections this flow has given up so far (retransmission limit or user timeout):
    /// a real connection bound to it is reset when this grows.
    pub aborts: u32,
}

/// The flows of one traffic group that a proxy is bound to.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupNow {
    /// The group's index in the model.
    pub group: usize,
    /// Its first flow's index in the simulation.
    pub first_flow: usize,
    pub flows: Vec<FlowNow>,
    /// The group's SYN schedule: waits between SYNs; connect() fails after their sum.
    pub syn_waits: Vec<SimDuration>,
}

/// The simulation as of its last advance.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub now: SimTime,
    pub end: SimTime,
    /// Simulated seconds per wall second.
    pub speed: f64,
    pub paused: bool,
    /// The run reached its end (with `--hold`, proxies stay up in the final state).
    pub finished: bool,
    /// The wall instant of `now`: between snapshots simulated time is `now` plus the wall
    /// time since, times `speed` (unless paused or finished).
    pub wall: std::time::Instant,
    pub groups: Vec<GroupNow>,
}

impl Snapshot {
    /// The group entry for model group `g`, if a proxy is bound to it.
    pub fn group(&self, g: usize) -> Option<&GroupNow> {
        self.groups.iter().find(|x| x.group == g)
    }

    /// Simulated time now, extrapolated from the snapshot by the wall clock (capped at the
    /// end of the run).
    pub fn sim_now(&self) -> SimTime {
        self.sim_at(std::time::Instant::now())
    }

    /// Simulated time at wall instant `at` (not before this snapshot's own time).
    pub fn sim_at(&self, at: std::time::Instant) -> SimTime {
        if self.paused || self.finished {
            return self.now;
        }
        let ahead = at.saturating_duration_since(self.wall).as_secs_f64() * self.speed;
        (self.now + SimDuration((ahead * 1e9) as u64)).min(self.end)
    }
}

/// `GET /state`: simulated time, links, sessions, faults and connections.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StateView {
    pub scenario: String,
    pub seed: u64,
    pub now_ns: u64,
    pub now_s: f64,
    pub end_ns: u64,
    pub speed: f64,
    pub paused: bool,
    pub finished: bool,
    /// The fingerprint so far (the run's fingerprint once finished).
    pub fingerprint: String,
    pub links: Vec<LinkState>,
    pub faults: Vec<FaultState>,
    /// Faults injected through the API, in order, with the table that replays each.
    pub injected: Vec<InjectedFault>,
    pub connections: Vec<crate::report::ConnectionReport>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LinkState {
    pub id: String,
    /// `up`, `down`, `blackhole`, `partition`, `degraded` or `drained`.
    pub state: String,
    /// The BGP session's state at each side, when the link carries one (`up`/`down`).
    pub session: Option<String>,
    pub capacity_bps: u64,
    pub load_bps: [u64; 2],
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
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
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InjectedFault {
    pub id: String,
    pub target: String,
    pub at_ns: u64,
    pub repaired_ns: Option<u64>,
    pub table: String,
}
