//! Predicted against observed: what the simulation said of each connection's flow, and what
//! the proxy saw happen to its real bytes.
//!
//! Definitions (README, "Testing your own software"):
//! - *predicted stall*: the longest time the bound flow's simulated TCP moved no data
//!   (stalled or reconnecting) while the connection was open, in simulated seconds, clipped
//!   to the connection's life;
//! - *observed stall*: the longest time, in either direction, during which the proxy held
//!   bytes of the connection (read and not yet forwarded, or waiting unread in the socket)
//!   and forwarded none of them beyond what the path's delay asks, in simulated seconds
//!   (wall time × speed). An application that sends nothing during an outage observes none;
//! - *added latency*: per forwarded chunk, the time from reading it to writing it, less the
//!   simulated one-way delay it was due: the proxy's own overhead (p50 and max, µs of wall
//!   time).

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sim_core::SimTime;

use crate::toxic::Toxic;

/// Why a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// Still open.
    Open,
    /// Both directions closed normally.
    Closed,
    /// Reset because the simulated connection gave up (retransmission limit, user timeout).
    ResetAbort,
    /// Reset because an end site or endpoint of the flow is down.
    ResetEndDown,
    /// Refused: the SYN schedule ran out while the path was broken.
    Refused,
    /// Reset because the real upstream could not be reached, failed or reset the connection.
    UpstreamError,
    /// Reset because the client's socket failed (the client reset the connection).
    ClientError,
    /// Closed (not reset) by a `limit_data` toxic, as Toxiproxy does.
    ClosedToxic,
    /// Reset by a toxic (`reset_peer`, `timeout`, `limit_data`) or a disabled proxy.
    ResetToxic,
    /// Reset because the session stopped.
    Shutdown,
}

/// One real connection, as `live --json` reports it (`live.connections`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConnectionReport {
    pub id: u64,
    pub proxy: String,
    /// The traffic group, when the proxy is bound to one.
    pub traffic: Option<String>,
    /// The simulated flow it rides (index within the group).
    pub flow: Option<usize>,
    pub client: String,
    pub opened_s: f64,
    pub closed_s: Option<f64>,
    /// Client to upstream.
    pub bytes_up: u64,
    /// Upstream to client.
    pub bytes_down: u64,
    /// Simulated time the connection waited for its SYN schedule before connecting.
    pub connect_delay_s: f64,
    pub predicted_stall_max_s: f64,
    pub observed_stall_max_s: f64,
    /// Each stall of the bound flow while the connection was open: [start_s, length_s].
    pub predicted_stalls: Vec<[f64; 2]>,
    /// Each time the proxy held the connection's bytes: [start_s, length_s] (simulated).
    pub observed_stalls: Vec<[f64; 2]>,
    /// Simulated one-way delays applied (client to upstream, upstream to client), last seen.
    pub delay_up_s: f64,
    pub delay_down_s: f64,
    /// The proxy's overhead beyond the simulated delay, wall microseconds.
    pub overhead_p50_us: f64,
    pub overhead_max_us: f64,
    pub reset: bool,
    pub ending: Ending,
}

/// A toxic added or removed, for the report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ToxicEvent {
    pub proxy: String,
    pub name: String,
    pub kind: String,
    pub added: bool,
    /// Wall seconds since the session started.
    pub wall_s: f64,
}

#[derive(Default)]
struct Inner {
    conns: Vec<ConnectionReport>,
    toxics: Vec<ToxicEvent>,
    /// Per connection: the overheads seen (µs), for the percentiles.
    overheads: Vec<Vec<f64>>,
}

/// The log every connection writes to; the session reads it at the end.
#[derive(Clone, Default)]
pub struct ConnectionLog {
    inner: Arc<Mutex<Inner>>,
    started: Arc<std::sync::OnceLock<std::time::Instant>>,
}

impl ConnectionLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_start(&self, at: std::time::Instant) {
        let _ = self.started.set(at);
    }

    /// Registers a new connection; returns its id.
    pub fn open(&self, proxy: &str, traffic: Option<String>, flow: Option<usize>, client: String, now: SimTime) -> u64 {
        let mut g = self.lock();
        let id = g.conns.len() as u64 + 1;
        g.conns.push(ConnectionReport {
            id,
            proxy: proxy.to_string(),
            traffic,
            flow,
            client,
            opened_s: now.as_secs_f64(),
            closed_s: None,
            bytes_up: 0,
            bytes_down: 0,
            connect_delay_s: 0.0,
            predicted_stall_max_s: 0.0,
            observed_stall_max_s: 0.0,
            predicted_stalls: Vec::new(),
            observed_stalls: Vec::new(),
            delay_up_s: 0.0,
            delay_down_s: 0.0,
            overhead_p50_us: 0.0,
            overhead_max_us: 0.0,
            reset: false,
            ending: Ending::Open,
        });
        g.overheads.push(Vec::new());
        id
    }

    /// Changes connection `id`'s record.
    pub fn update(&self, id: u64, f: impl FnOnce(&mut ConnectionReport)) {
        let mut g = self.lock();
        if let Some(c) = g.conns.get_mut((id - 1) as usize) {
            f(c);
        }
    }

    /// Records one forwarded chunk: bytes, direction (true = up), overhead in µs.
    pub fn chunk(&self, id: u64, up: bool, bytes: u64, overhead_us: f64) {
        let mut g = self.lock();
        let i = (id - 1) as usize;
        if let Some(c) = g.conns.get_mut(i) {
            if up {
                c.bytes_up += bytes;
            } else {
                c.bytes_down += bytes;
            }
        }
        if let Some(o) = g.overheads.get_mut(i) {
            // Keep memory bounded on long bulk transfers: a reservoir of the first 100k.
            if o.len() < 100_000 {
                o.push(overhead_us);
            }
        }
    }

    /// Records an observed stall of connection `id`: from simulated time `start`, `secs`
    /// simulated seconds long. Holds shorter than a millisecond are pacing, not stalls.
    pub fn stall(&self, id: u64, start: SimTime, secs: f64) {
        if secs < 1e-3 {
            return;
        }
        self.update(id, |c| {
            c.observed_stall_max_s = c.observed_stall_max_s.max(secs);
            if c.observed_stalls.len() < 1000 {
                c.observed_stalls.push([start.as_secs_f64(), secs]);
            }
        });
    }

    /// Closes connection `id` at `now` with `ending` (the first ending wins).
    pub fn close(&self, id: u64, now: SimTime, ending: Ending) {
        self.update(id, |c| {
            if c.ending == Ending::Open {
                c.ending = ending;
                c.closed_s = Some(now.as_secs_f64());
                c.reset = !matches!(ending, Ending::Closed | Ending::Open);
            }
        });
    }

    pub fn toxic(&self, proxy: &str, t: &Toxic, added: bool) {
        let wall_s = self.started.get().map_or(0.0, |s| s.elapsed().as_secs_f64());
        self.lock().toxics.push(ToxicEvent { proxy: proxy.into(), name: t.name.clone(), kind: t.kind.type_name().into(), added, wall_s });
    }

    /// Every connection so far, percentiles filled in.
    pub fn connections(&self) -> Vec<ConnectionReport> {
        let g = self.lock();
        g.conns
            .iter()
            .zip(&g.overheads)
            .map(|(c, o)| {
                let mut c = c.clone();
                if !o.is_empty() {
                    let mut v = o.clone();
                    v.sort_by(f64::total_cmp);
                    c.overhead_p50_us = v[v.len() / 2];
                    c.overhead_max_us = v[v.len() - 1];
                }
                c
            })
            .collect()
    }

    pub fn toxic_events(&self) -> Vec<ToxicEvent> {
        self.lock().toxics.clone()
    }
}
