//! `faultline live`: real TCP connections through the simulated interconnect.
//!
//! The simulation runs on a thread of its own ([`driver`]), paced by the wall clock
//! ([`clock`]), and publishes after every advance what it says of each proxied flow
//! ([`state::Snapshot`]). The proxies ([`proxy`]) apply that to real bytes: the path's delay
//! and rate, a stall while the simulated TCP is stalled, a reset when it aborts or an end is
//! down. Faults reach the simulation only through [`control::Handle`], which the HTTP API
//! ([`api`]) and the TUI use; without them the run is the same run as `faultline run`, with
//! the same fingerprint, whatever the real traffic does (the simulation never reads it).
//!
//! tokio lives in this crate only; sim-core stays sans-IO.

pub mod api;
pub mod clock;
pub mod control;
pub mod driver;
pub mod l3;
pub mod proxy;
pub mod report;
pub mod session;
pub mod state;
pub mod toxic;

pub use session::{LiveOptions, LiveResult, run};
