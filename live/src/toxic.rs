//! Toxiproxy's toxics, applied by a proxy on top of the simulated state.
//!
//! The JSON shape is Toxiproxy's (`name`, `type`, `stream`, `toxicity`, `attributes`), so
//! its clients work unchanged. A toxic applies to every connection of its proxy at once;
//! `toxicity` below 1 applies it to that fraction of connections, drawn per connection from
//! the run's seed (so it does not vary between runs of the same connections).

use serde::{Deserialize, Serialize};

/// Which bytes a toxic acts on: `upstream` is client to server, `downstream` (the default)
/// server to client, as in Toxiproxy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Upstream,
    #[default]
    Downstream,
}

/// The toxic kinds faultline implements (Toxiproxy's names and attributes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToxicKind {
    /// `latency` ms added to each chunk, ± `jitter` ms.
    Latency { latency_ms: u64, jitter_ms: u64 },
    /// At most `rate` KB/s.
    Bandwidth { rate_kbps: u64 },
    /// Nothing passes; the connection is closed after `timeout` ms (never when 0).
    Timeout { timeout_ms: u64 },
    /// The connection is reset after `timeout` ms (at once when 0).
    ResetPeer { timeout_ms: u64 },
    /// The connection is closed once `bytes` have passed.
    LimitData { bytes: u64 },
    /// The close is delayed by `delay` ms.
    SlowClose { delay_ms: u64 },
}

impl ToxicKind {
    pub fn type_name(self) -> &'static str {
        match self {
            ToxicKind::Latency { .. } => "latency",
            ToxicKind::Bandwidth { .. } => "bandwidth",
            ToxicKind::Timeout { .. } => "timeout",
            ToxicKind::ResetPeer { .. } => "reset_peer",
            ToxicKind::LimitData { .. } => "limit_data",
            ToxicKind::SlowClose { .. } => "slow_close",
        }
    }
}

/// One toxic on a proxy.
#[derive(Clone, Debug, PartialEq)]
pub struct Toxic {
    pub name: String,
    pub kind: ToxicKind,
    pub stream: Stream,
    /// Probability in [0, 1] that a connection is affected.
    pub toxicity: f64,
}
